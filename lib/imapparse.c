/*
 * imapparse: IMAP4rev1 command parsing (RFC 3501 9); see imapparse.h.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "imapparse.h"

struct lex {
	const char			*s;
	size_t				 len, pos;
	const struct imap_limits	*lim;
	const char			*why;
	size_t				 items;	/* search keys, so far */
};

static const char *months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

#define FAIL(l, msg)	do { (l)->why = (msg); return -1; } while (0)

static int
peek(struct lex *l)
{
	return l->pos < l->len ? (unsigned char)l->s[l->pos] : -1;
}

/* RFC 3501 9: ATOM-CHAR is any CHAR except atom-specials */
static int
atom_char(int c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

int
imap_is_atom(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!atom_char((unsigned char)*s))
			return 0;
	return 1;
}

static int
sp(struct lex *l)
{
	if (peek(l) != ' ')
		FAIL(l, "space expected");
	l->pos++;
	return 0;
}

static int
at_eol(struct lex *l)
{
	if (l->pos == l->len)
		return 1;
	if (l->s[l->pos] == '\n' && l->pos + 1 == l->len)
		return 1;
	return l->s[l->pos] == '\r' && l->pos + 2 == l->len &&
	    l->s[l->pos + 1] == '\n';
}

static int
want(struct lex *l, int c)
{
	if (peek(l) != c) {
		l->why = c == ')' ? "\")\" expected" : c == '(' ?
		    "\"(\" expected" : "syntax error";
		return -1;
	}
	l->pos++;
	return 0;
}

/* Span of characters for which ok() holds; at least one. */
static int
span(struct lex *l, int (*ok)(int), const char **p, size_t *n)
{
	size_t	 start = l->pos;

	while (l->pos < l->len && ok((unsigned char)l->s[l->pos]))
		l->pos++;
	if (l->pos == start)
		FAIL(l, "atom expected");
	*p = l->s + start;
	*n = l->pos - start;
	return 0;
}

static int
astring_char(int c)
{
	return atom_char(c) || c == ']';
}

static int
list_char(int c)
{
	return astring_char(c) || c == '%' || c == '*';
}

static char *
dup(const char *p, size_t n)
{
	char	*s;

	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* A literal "{n}CRLF" or "{n+}CRLF" and its octets, at '{'. */
static int
literal(struct lex *l, const char **p, size_t *n)
{
	uint64_t	 v = 0;
	size_t		 digits = 0;

	l->pos++;
	while (l->pos < l->len && isdigit((unsigned char)l->s[l->pos])) {
		if (v > (UINT64_MAX - 9) / 10)
			FAIL(l, "literal too large");
		v = v * 10 + (uint64_t)(l->s[l->pos++] - '0');
		digits++;
	}
	if (digits == 0)
		FAIL(l, "bad literal");
	if (peek(l) == '+')
		l->pos++;
	if (want(l, '}') == -1)
		FAIL(l, "bad literal");
	if (peek(l) == '\r')
		l->pos++;
	if (want(l, '\n') == -1)
		FAIL(l, "bad literal");
	if (v > l->len - l->pos)
		FAIL(l, "literal cut short");
	*p = l->s + l->pos;
	*n = (size_t)v;
	l->pos += (size_t)v;
	return 0;
}

/*
 * quoted or literal; the result is a fresh copy.  RFC 3501 9: quoted
 * strings have only \\ and \" escapes, no CR or LF.
 */
static int
string(struct lex *l, char **out, size_t *outlen)
{
	const char	*p;
	size_t		 n, i, k;
	char		*s;

	if (peek(l) == '{') {
		if (literal(l, &p, &n) == -1)
			return -1;
		if ((*out = dup(p, n)) == NULL)
			FAIL(l, "out of memory");
		if (outlen)
			*outlen = n;
		return 0;
	}
	if (peek(l) != '"')
		FAIL(l, "string expected");
	l->pos++;
	for (i = l->pos; i < l->len && l->s[i] != '"'; i++) {
		if (l->s[i] == '\r' || l->s[i] == '\n' || l->s[i] == '\0')
			FAIL(l, "bad quoted string");
		if (l->s[i] == '\\') {
			i++;
			if (i >= l->len || (l->s[i] != '\\' && l->s[i] != '"'))
				FAIL(l, "bad quoted string");
		}
	}
	if (i >= l->len)
		FAIL(l, "unterminated quoted string");
	if ((s = malloc(i - l->pos + 1)) == NULL)
		FAIL(l, "out of memory");
	for (k = 0; l->pos < i; l->pos++) {
		if (l->s[l->pos] == '\\')
			l->pos++;
		s[k++] = l->s[l->pos];
	}
	s[k] = '\0';
	l->pos = i + 1;
	*out = s;
	if (outlen)
		*outlen = k;
	return 0;
}

static int
astring_as(struct lex *l, int (*ok)(int), char **out, size_t *outlen)
{
	const char	*p;
	size_t		 n;

	if (peek(l) == '"' || peek(l) == '{')
		return string(l, out, outlen);
	if (span(l, ok, &p, &n) == -1)
		FAIL(l, "string expected");
	if ((*out = dup(p, n)) == NULL)
		FAIL(l, "out of memory");
	if (outlen)
		*outlen = n;
	return 0;
}

static int
astring(struct lex *l, char **out, size_t *outlen)
{
	return astring_as(l, astring_char, out, outlen);
}

/* An atom, upper-cased into out; -1 if absent or longer than outlen - 1. */
static int
atom_upper(struct lex *l, char *out, size_t outlen)
{
	const char	*p;
	size_t		 n, i;

	if (span(l, atom_char, &p, &n) == -1)
		return -1;
	if (n >= outlen)
		FAIL(l, "unknown word");
	for (i = 0; i < n; i++)
		out[i] = (char)toupper((unsigned char)p[i]);
	out[n] = '\0';
	return 0;
}

static int
number32(struct lex *l, uint32_t *v, int nonzero)
{
	uint64_t	 n = 0;
	size_t		 start = l->pos;

	while (l->pos < l->len && isdigit((unsigned char)l->s[l->pos])) {
		n = n * 10 + (uint64_t)(l->s[l->pos++] - '0');
		if (n > UINT32_MAX)
			FAIL(l, "number too large");
	}
	if (l->pos == start)
		FAIL(l, "number expected");
	if (nonzero && n == 0)
		FAIL(l, "zero is not a valid number here");
	*v = (uint32_t)n;
	return 0;
}

static int
seqnum(struct lex *l, uint32_t *v)
{
	if (peek(l) == '*') {
		l->pos++;
		*v = IMAP_STAR;
		return 0;
	}
	return number32(l, v, 1);
}

/* RFC 3501 9: sequence-set */
static int
seqset(struct lex *l, struct imap_seqset *set)
{
	struct imap_range	*r;
	size_t			 cap = 0;

	set->r = NULL;
	set->n = 0;
	for (;;) {
		if (set->n == cap) {
			if (cap >= l->lim->items)
				FAIL(l, "too many ranges");
			cap = cap ? cap * 2 : 4;
			if (cap > l->lim->items)
				cap = l->lim->items;
			if ((r = reallocarray(set->r, cap, sizeof(*r))) == NULL)
				FAIL(l, "out of memory");
			set->r = r;
		}
		if (seqnum(l, &set->r[set->n].lo) == -1)
			FAIL(l, "bad sequence set");
		set->r[set->n].hi = set->r[set->n].lo;
		if (peek(l) == ':') {
			l->pos++;
			if (seqnum(l, &set->r[set->n].hi) == -1)
				FAIL(l, "bad sequence set");
		}
		set->n++;
		if (peek(l) != ',')
			return 0;
		l->pos++;
	}
}

int
imap_seq_has(const struct imap_seqset *set, uint32_t n, uint32_t max)
{
	uint32_t	 lo, hi, t;
	size_t		 i;

	for (i = 0; i < set->n; i++) {
		lo = set->r[i].lo == IMAP_STAR ? max : set->r[i].lo;
		hi = set->r[i].hi == IMAP_STAR ? max : set->r[i].hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (n >= lo && n <= hi)
			return 1;
	}
	return 0;
}

long
imap_days_from_civil(int y, int m, int d)
{
	/* the usual era computation on the proleptic Gregorian calendar */
	long	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
month_of(const char *p)
{
	int	 i;

	for (i = 0; i < 12; i++)
		if (strncasecmp(p, months[i], 3) == 0)
			return i + 1;
	return 0;
}

static int
days_in(int y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

/* "d-Mon-yyyy" or " d-Mon-yyyy" at s; sets the parts and the length used. */
static int
date_parts(const char *s, size_t len, int *y, int *m, int *d, size_t *used)
{
	size_t	 i = 0;
	int	 day = 0, k;

	if (len > 0 && s[0] == ' ')
		i++;
	for (k = 0; k < 2 && i < len && isdigit((unsigned char)s[i]); k++)
		day = day * 10 + s[i++] - '0';
	if (k == 0 || i + 9 > len || s[i] != '-' || s[i + 4] != '-')
		return -1;
	if ((*m = month_of(s + i + 1)) == 0)
		return -1;
	*y = 0;
	for (k = 0; k < 4; k++) {
		if (!isdigit((unsigned char)s[i + 5 + k]))
			return -1;
		*y = *y * 10 + s[i + 5 + k] - '0';
	}
	if (day < 1 || day > days_in(*y, *m))
		return -1;
	*d = day;
	*used = i + 9;
	return 0;
}

int
imap_day(const char *s, size_t len, long *day)
{
	int	 y, m, d;
	size_t	 used;

	if (date_parts(s, len, &y, &m, &d, &used) == -1 || used != len)
		return -1;
	*day = imap_days_from_civil(y, m, d);
	return 0;
}

int
imap_datetime(const char *s, size_t len, time_t *t)
{
	int	 y, m, d, hh, mm, ss, zh, zm, sign;
	size_t	 i;

	/* RFC 3501 9: date-time = DQUOTE date-day-fixed "-" date-month "-"
	 * date-year SP time SP zone DQUOTE (quotes removed by the caller) */
	if (date_parts(s, len, &y, &m, &d, &i) == -1)
		return -1;
	if (len - i != 15 || s[i] != ' ' || s[i + 3] != ':' ||
	    s[i + 6] != ':' || s[i + 9] != ' ' ||
	    (s[i + 10] != '+' && s[i + 10] != '-'))
		return -1;
#define D2(k) (isdigit((unsigned char)s[i + (k)]) && \
	    isdigit((unsigned char)s[i + (k) + 1]) ? \
	    (s[i + (k)] - '0') * 10 + s[i + (k) + 1] - '0' : -1)
	hh = D2(1);
	mm = D2(4);
	ss = D2(7);
	zh = D2(11);
	zm = D2(13);
#undef D2
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 ||
	    zh < 0 || zh > 23 || zm < 0 || zm > 59)
		return -1;
	sign = s[i + 10] == '-' ? -1 : 1;
	*t = (time_t)imap_days_from_civil(y, m, d) * 86400 + hh * 3600 +
	    mm * 60 + ss - sign * (zh * 3600 + zm * 60);
	return 0;
}

/* A search date: atom or quoted string. */
static int
search_date(struct lex *l, long *day)
{
	char	*s;
	size_t	 n;

	if (astring(l, &s, &n) == -1)
		FAIL(l, "date expected");
	if (imap_day(s, n, day) == -1) {
		free(s);
		FAIL(l, "bad date");
	}
	free(s);
	return 0;
}

/* flag: "\" atom, or a keyword atom */
static int
flag(struct lex *l, char **out)
{
	const char	*p;
	size_t		 start = l->pos, n;

	if (peek(l) == '\\')
		l->pos++;
	if (span(l, atom_char, &p, &n) == -1)
		FAIL(l, "flag expected");
	if ((*out = dup(l->s + start, l->pos - start)) == NULL)
		FAIL(l, "out of memory");
	return 0;
}

static int
push(struct lex *l, char ***v, size_t *n, char *s)
{
	char	**t;

	if (*n >= l->lim->items) {
		free(s);
		FAIL(l, "too many items");
	}
	if ((t = reallocarray(*v, *n + 1, sizeof(**v))) == NULL) {
		free(s);
		FAIL(l, "out of memory");
	}
	*v = t;
	t[(*n)++] = s;
	return 0;
}

/* flag-list, or (for STORE) flags without parentheses */
static int
flags(struct lex *l, char ***v, size_t *n, int bare_ok)
{
	char	*f;
	int	 paren = 0;

	if (peek(l) == '(') {
		l->pos++;
		paren = 1;
	} else if (!bare_ok)
		FAIL(l, "flag list expected");
	if (paren && peek(l) == ')') {
		l->pos++;
		return 0;
	}
	for (;;) {
		if (flag(l, &f) == -1 || push(l, v, n, f) == -1)
			return -1;
		if (peek(l) != ' ')
			break;
		l->pos++;
	}
	if (paren && want(l, ')') == -1)
		return -1;
	return 0;
}

static struct {
	const char	*name;
	enum imap_skey	 key;
	int		 arg;	/* 0 none, 's' string, 'd' date, 'n' number,
				   'h' header, 'k' keyword, 'u' uid set,
				   '!' NOT, '|' OR */
} skeys[] = {
	{ "ALL", SK_ALL, 0 }, { "ANSWERED", SK_ANSWERED, 0 },
	{ "BCC", SK_BCC, 's' }, { "BEFORE", SK_BEFORE, 'd' },
	{ "BODY", SK_BODY, 's' }, { "CC", SK_CC, 's' },
	{ "DELETED", SK_DELETED, 0 }, { "DRAFT", SK_DRAFT, 0 },
	{ "FLAGGED", SK_FLAGGED, 0 }, { "FROM", SK_FROM, 's' },
	{ "HEADER", SK_HEADER, 'h' }, { "KEYWORD", SK_KEYWORD, 'k' },
	{ "LARGER", SK_LARGER, 'n' }, { "NEW", SK_NEW, 0 },
	{ "NOT", SK_NOT, '!' }, { "OLD", SK_OLD, 0 }, { "ON", SK_ON, 'd' },
	{ "OR", SK_OR, '|' }, { "RECENT", SK_RECENT, 0 },
	{ "SEEN", SK_SEEN, 0 }, { "SENTBEFORE", SK_SENTBEFORE, 'd' },
	{ "SENTON", SK_SENTON, 'd' }, { "SENTSINCE", SK_SENTSINCE, 'd' },
	{ "SINCE", SK_SINCE, 'd' }, { "SMALLER", SK_SMALLER, 'n' },
	{ "SUBJECT", SK_SUBJECT, 's' }, { "TEXT", SK_TEXT, 's' },
	{ "TO", SK_TO, 's' }, { "UID", SK_UID, 'u' },
	{ "UNANSWERED", SK_UNANSWERED, 0 }, { "UNDELETED", SK_UNDELETED, 0 },
	{ "UNDRAFT", SK_UNDRAFT, 0 }, { "UNFLAGGED", SK_UNFLAGGED, 0 },
	{ "UNKEYWORD", SK_UNKEYWORD, 'k' }, { "UNSEEN", SK_UNSEEN, 0 },
};

static int search_key(struct lex *, struct imap_search **, int depth);

/* keys separated by spaces until ')' (depth > 0) or the line end */
static int
search_keys(struct lex *l, struct imap_search **first, int depth)
{
	struct imap_search	**tail = first;

	for (;;) {
		if (search_key(l, tail, depth) == -1)
			return -1;
		tail = &(*tail)->next;
		if (peek(l) != ' ')
			return 0;
		l->pos++;
	}
}

static int
search_key(struct lex *l, struct imap_search **out, int depth)
{
	struct imap_search	*k;
	char			 word[16];
	size_t			 i;
	uint32_t		 n32;
	int			 c;

	if (++l->items > l->lim->items)
		FAIL(l, "too many search keys");
	if (depth > l->lim->depth)
		FAIL(l, "too deeply nested");
	if ((k = calloc(1, sizeof(*k))) == NULL)
		FAIL(l, "out of memory");
	*out = k;
	c = peek(l);
	if (c == '(') {
		l->pos++;
		k->type = SK_AND;
		if (search_keys(l, &k->kids, depth + 1) == -1)
			return -1;
		return want(l, ')');
	}
	if (c == '*' || (c >= '1' && c <= '9')) {
		k->type = SK_SEQ;
		return seqset(l, &k->set);
	}
	if (atom_upper(l, word, sizeof(word)) == -1)
		FAIL(l, "unknown search key");
	for (i = 0; i < sizeof(skeys) / sizeof(skeys[0]); i++)
		if (strcmp(word, skeys[i].name) == 0)
			break;
	if (i == sizeof(skeys) / sizeof(skeys[0]))
		FAIL(l, "unknown search key");
	k->type = skeys[i].key;
	if (skeys[i].arg == 0)
		return 0;
	if (sp(l) == -1)
		return -1;
	switch (skeys[i].arg) {
	case 's':
		return astring(l, &k->str, NULL);
	case 'h':
		if (astring(l, &k->str, NULL) == -1 || sp(l) == -1)
			return -1;
		return astring(l, &k->str2, NULL);
	case 'k':
		return flag(l, &k->str);
	case 'd':
		return search_date(l, &k->day);
	case 'n':
		if (number32(l, &n32, 0) == -1)
			return -1;
		k->num = n32;
		return 0;
	case 'u':
		return seqset(l, &k->set);
	case '!':
		return search_key(l, &k->kids, depth + 1);
	case '|':
		if (search_key(l, &k->kids, depth + 1) == -1 || sp(l) == -1)
			return -1;
		return search_key(l, &k->kids->next, depth + 1);
	}
	return 0;
}

/* Append to the canonical section text. */
static int
sec_add(struct lex *l, struct imap_section *sec, const char *p, size_t n)
{
	size_t	 old = sec->text ? strlen(sec->text) : 0;
	char	*t;

	if ((t = realloc(sec->text, old + n + 1)) == NULL)
		FAIL(l, "out of memory");
	memcpy(t + old, p, n);
	t[old + n] = '\0';
	sec->text = t;
	return 0;
}

static int
hdrname_char(int c)
{
	/* RFC 5322 3.6.8 ftext, which is within ASTRING-CHAR */
	return c > 0x20 && c < 0x7f && c != ':' && astring_char(c);
}

/* "[" section "]" ["<" origin "." count ">"], after "BODY" or "BODY.PEEK" */
static int
section(struct lex *l, struct imap_section *sec)
{
	char		 word[24], *f, num[16];
	uint32_t	 n;
	size_t		 i;

	l->pos++;	/* [ */
	if (sec_add(l, sec, "", 0) == -1)
		return -1;
	while (isdigit((unsigned char)peek(l))) {
		if (sec->npart == IMAP_PART_MAX)
			FAIL(l, "section too deep");
		if (number32(l, &n, 1) == -1)
			return -1;
		sec->part[sec->npart++] = n;
		snprintf(num, sizeof(num), "%s%u", sec->npart > 1 ? "." : "",
		    (unsigned)n);
		if (sec_add(l, sec, num, strlen(num)) == -1)
			return -1;
		if (peek(l) != '.')
			break;
		l->pos++;
		if (!isdigit((unsigned char)peek(l))) {
			if (sec_add(l, sec, ".", 1) == -1)
				return -1;
			break;
		}
	}
	if (peek(l) != ']') {
		if (sec->npart > 0 && sec->text[strlen(sec->text) - 1] != '.')
			FAIL(l, "bad section");
		for (i = 0; i < sizeof(word) - 1 && l->pos < l->len &&
		    (isalpha((unsigned char)l->s[l->pos]) ||
		    l->s[l->pos] == '.'); i++)
			word[i] = (char)toupper((unsigned char)l->s[l->pos++]);
		word[i] = '\0';
		if (strcmp(word, "HEADER") == 0)
			sec->spec = SEC_HEADER;
		else if (strcmp(word, "TEXT") == 0)
			sec->spec = SEC_TEXT;
		else if (strcmp(word, "MIME") == 0 && sec->npart > 0)
			sec->spec = SEC_MIME;
		else if (strcmp(word, "HEADER.FIELDS") == 0)
			sec->spec = SEC_FIELDS;
		else if (strcmp(word, "HEADER.FIELDS.NOT") == 0)
			sec->spec = SEC_FIELDS_NOT;
		else
			FAIL(l, "bad section");
		if (sec_add(l, sec, word, strlen(word)) == -1)
			return -1;
		if (sec->spec == SEC_FIELDS || sec->spec == SEC_FIELDS_NOT) {
			if (sp(l) == -1 || want(l, '(') == -1 ||
			    sec_add(l, sec, " (", 2) == -1)
				return -1;
			for (;;) {
				if (astring_as(l, hdrname_char, &f, NULL) == -1)
					return -1;
				if (*f == '\0' || strchr(f, ':') != NULL ||
				    strpbrk(f, " \t\r\n") != NULL) {
					free(f);
					FAIL(l, "bad header field name");
				}
				if (sec_add(l, sec, f, strlen(f)) == -1 ||
				    push(l, &sec->fields, &sec->nfields, f) == -1)
					return -1;
				if (peek(l) != ' ')
					break;
				l->pos++;
				if (sec_add(l, sec, " ", 1) == -1)
					return -1;
			}
			if (want(l, ')') == -1 || sec_add(l, sec, ")", 1) == -1)
				return -1;
		}
	} else if (sec->npart > 0 && sec->text[strlen(sec->text) - 1] == '.')
		FAIL(l, "bad section");
	if (want(l, ']') == -1)
		FAIL(l, "\"]\" expected");
	if (peek(l) == '<') {
		l->pos++;
		if (number32(l, &sec->origin, 0) == -1 || want(l, '.') == -1 ||
		    number32(l, &sec->count, 1) == -1 || want(l, '>') == -1)
			FAIL(l, "bad partial");
		sec->partial = 1;
	}
	return 0;
}

static int
fetch_att(struct lex *l, struct imap_cmd *c)
{
	struct imap_fatt	*fa, *t;
	char			 word[24];
	size_t			 i;
	static const struct {
		const char	*name;
		enum imap_fetch	 type;
	} names[] = {
		{ "ENVELOPE", FA_ENVELOPE }, { "FLAGS", FA_FLAGS },
		{ "INTERNALDATE", FA_INTERNALDATE }, { "RFC822", FA_RFC822 },
		{ "RFC822.HEADER", FA_RFC822_HEADER },
		{ "RFC822.SIZE", FA_RFC822_SIZE },
		{ "RFC822.TEXT", FA_RFC822_TEXT }, { "BODY", FA_BODY },
		{ "BODYSTRUCTURE", FA_BODYSTRUCTURE }, { "UID", FA_UID },
		{ "BODY.PEEK", FA_SECTION },
	};

	if (c->nfatt >= l->lim->items)
		FAIL(l, "too many fetch items");
	if ((t = reallocarray(c->fatt, c->nfatt + 1, sizeof(*t))) == NULL)
		FAIL(l, "out of memory");
	c->fatt = t;
	fa = &t[c->nfatt++];
	memset(fa, 0, sizeof(*fa));
	for (i = 0; i < sizeof(word) - 1 && l->pos < l->len &&
	    (isalnum((unsigned char)l->s[l->pos]) || l->s[l->pos] == '.'); i++)
		word[i] = (char)toupper((unsigned char)l->s[l->pos++]);
	word[i] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(word, names[i].name) == 0)
			break;
	if (i == sizeof(names) / sizeof(names[0]))
		FAIL(l, "unknown fetch item");
	fa->type = names[i].type;
	if (fa->type == FA_SECTION) {
		fa->peek = 1;
		if (peek(l) != '[')
			FAIL(l, "\"[\" expected");
	}
	if (fa->type == FA_BODY && peek(l) == '[')
		fa->type = FA_SECTION;
	if (fa->type == FA_SECTION)
		return section(l, &fa->sec);
	return 0;
}

static int
add_macro(struct lex *l, struct imap_cmd *c, const enum imap_fetch *v,
    size_t n)
{
	size_t	 i;

	if ((c->fatt = calloc(n, sizeof(*c->fatt))) == NULL)
		FAIL(l, "out of memory");
	for (i = 0; i < n; i++)
		c->fatt[i].type = v[i];
	c->nfatt = n;
	return 0;
}

/* RFC 3501 6.4.5: ALL, FAST, FULL, one item, or a list */
static int
fetch_atts(struct lex *l, struct imap_cmd *c)
{
	static const enum imap_fetch fast[] = { FA_FLAGS, FA_INTERNALDATE,
	    FA_RFC822_SIZE };
	static const enum imap_fetch all[] = { FA_FLAGS, FA_INTERNALDATE,
	    FA_RFC822_SIZE, FA_ENVELOPE };
	static const enum imap_fetch full[] = { FA_FLAGS, FA_INTERNALDATE,
	    FA_RFC822_SIZE, FA_ENVELOPE, FA_BODY };
	size_t	 save = l->pos, n;
	char	 word[8];

	if (peek(l) == '(') {
		l->pos++;
		for (;;) {
			if (fetch_att(l, c) == -1)
				return -1;
			if (peek(l) != ' ')
				break;
			l->pos++;
		}
		return want(l, ')');
	}
	for (n = 0; n < sizeof(word) - 1 && isalpha((unsigned char)peek(l)); n++)
		word[n] = (char)toupper((unsigned char)l->s[l->pos++]);
	word[n] = '\0';
	if (at_eol(l)) {
		if (strcmp(word, "ALL") == 0)
			return add_macro(l, c, all, 4);
		if (strcmp(word, "FAST") == 0)
			return add_macro(l, c, fast, 3);
		if (strcmp(word, "FULL") == 0)
			return add_macro(l, c, full, 5);
	}
	l->pos = save;
	return fetch_att(l, c);
}

static int
status_atts(struct lex *l, struct imap_cmd *c)
{
	char	 word[16];

	if (want(l, '(') == -1)
		return -1;
	for (;;) {
		if (atom_upper(l, word, sizeof(word)) == -1)
			FAIL(l, "unknown status item");
		if (strcmp(word, "MESSAGES") == 0)
			c->status |= ST_MESSAGES;
		else if (strcmp(word, "RECENT") == 0)
			c->status |= ST_RECENT;
		else if (strcmp(word, "UIDNEXT") == 0)
			c->status |= ST_UIDNEXT;
		else if (strcmp(word, "UIDVALIDITY") == 0)
			c->status |= ST_UIDVALIDITY;
		else if (strcmp(word, "UNSEEN") == 0)
			c->status |= ST_UNSEEN;
		else
			FAIL(l, "unknown status item");
		if (peek(l) != ' ')
			break;
		l->pos++;
	}
	return want(l, ')');
}

/* RFC 2971: "(" string SP nstring ... ")" or NIL */
static int
id_params(struct lex *l, struct imap_cmd *c)
{
	char	*s;
	size_t	 pairs = 0;

	if (peek(l) == 'N' || peek(l) == 'n') {
		if (l->len - l->pos < 3 || strncasecmp(l->s + l->pos, "NIL", 3))
			FAIL(l, "NIL or a list expected");
		l->pos += 3;
		c->id_nil = 1;
		return 0;
	}
	if (want(l, '(') == -1)
		return -1;
	if (peek(l) == ')') {
		l->pos++;
		return 0;
	}
	for (;;) {
		if (++pairs > l->lim->id_params)
			FAIL(l, "too many ID parameters");
		if (string(l, &s, NULL) == -1 || push(l, &c->list, &c->nlist,
		    s) == -1 || sp(l) == -1)
			return -1;
		if (l->len - l->pos >= 3 &&
		    strncasecmp(l->s + l->pos, "NIL", 3) == 0) {
			l->pos += 3;
			s = NULL;
			if ((s = dup("", 0)) == NULL)
				FAIL(l, "out of memory");
		} else if (string(l, &s, NULL) == -1)
			return -1;
		if (push(l, &c->list, &c->nlist, s) == -1)
			return -1;
		if (peek(l) != ' ')
			break;
		l->pos++;
	}
	return want(l, ')');
}

static const struct {
	const char	*name;
	enum imap_name	 cmd;
} cmdnames[] = {
	{ "CAPABILITY", IC_CAPABILITY }, { "NOOP", IC_NOOP },
	{ "LOGOUT", IC_LOGOUT }, { "STARTTLS", IC_STARTTLS },
	{ "AUTHENTICATE", IC_AUTHENTICATE }, { "LOGIN", IC_LOGIN },
	{ "SELECT", IC_SELECT }, { "EXAMINE", IC_EXAMINE },
	{ "CREATE", IC_CREATE }, { "DELETE", IC_DELETE },
	{ "RENAME", IC_RENAME }, { "SUBSCRIBE", IC_SUBSCRIBE },
	{ "UNSUBSCRIBE", IC_UNSUBSCRIBE }, { "LIST", IC_LIST },
	{ "LSUB", IC_LSUB }, { "STATUS", IC_STATUS }, { "APPEND", IC_APPEND },
	{ "CHECK", IC_CHECK }, { "CLOSE", IC_CLOSE },
	{ "EXPUNGE", IC_EXPUNGE }, { "SEARCH", IC_SEARCH },
	{ "FETCH", IC_FETCH }, { "STORE", IC_STORE }, { "COPY", IC_COPY },
	{ "MOVE", IC_MOVE }, { "UNSELECT", IC_UNSELECT }, { "IDLE", IC_IDLE },
	{ "NAMESPACE", IC_NAMESPACE }, { "ID", IC_ID }, { "ENABLE", IC_ENABLE },
};

static int
tag_char(int c)
{
	return astring_char(c) && c != '+';
}

static int
mailbox(struct lex *l, struct imap_cmd *c, int i)
{
	return astring(l, &c->arg[i], &c->arglen[i]);
}

static int
store_args(struct lex *l, struct imap_cmd *c)
{
	char	 word[20];

	if (peek(l) == '+' || peek(l) == '-')
		c->store_mode = l->s[l->pos++];
	else
		c->store_mode = '=';
	if (atom_upper(l, word, sizeof(word)) == -1)
		FAIL(l, "FLAGS expected");
	if (strcmp(word, "FLAGS.SILENT") == 0)
		c->silent = 1;
	else if (strcmp(word, "FLAGS") != 0)
		FAIL(l, "FLAGS expected");
	if (sp(l) == -1)
		return -1;
	return flags(l, &c->flags, &c->nflags, 1);
}

static int
append_args(struct lex *l, struct imap_cmd *c)
{
	char	*d;
	size_t	 n;

	if (mailbox(l, c, 0) == -1 || sp(l) == -1)
		return -1;
	if (peek(l) == '(') {
		if (flags(l, &c->flags, &c->nflags, 0) == -1 || sp(l) == -1)
			return -1;
	}
	if (peek(l) == '"') {
		if (string(l, &d, &n) == -1)
			return -1;
		c->has_date = 1;
		if (imap_datetime(d, n, &c->date) == -1) {
			free(d);
			FAIL(l, "bad date-time");
		}
		free(d);
		if (sp(l) == -1)
			return -1;
	}
	if (peek(l) != '{')
		FAIL(l, "message literal expected");
	return literal(l, &c->data, &c->datalen);
}

static int
search_args(struct lex *l, struct imap_cmd *c)
{
	char	 word[16];
	char	*cs;
	size_t	 save = l->pos;

	if (atom_upper(l, word, sizeof(word)) == 0 &&
	    strcmp(word, "CHARSET") == 0) {
		if (sp(l) == -1 || astring(l, &cs, NULL) == -1)
			return -1;
		/* RFC 3501 6.4.4: US-ASCII is a must; UTF-8 is what we do */
		if (strcasecmp(cs, "UTF-8") != 0 &&
		    strcasecmp(cs, "US-ASCII") != 0) {
			free(cs);
			FAIL(l, "[BADCHARSET (UTF-8 US-ASCII)] unsupported charset");
		}
		free(cs);
		if (sp(l) == -1)
			return -1;
	} else
		l->pos = save;
	if ((c->search = calloc(1, sizeof(*c->search))) == NULL)
		FAIL(l, "out of memory");
	c->search->type = SK_AND;
	return search_keys(l, &c->search->kids, 1);
}

static int
command(struct lex *l, struct imap_cmd *c)
{
	char	 word[16], *s;
	size_t	 i;

	if (atom_upper(l, word, sizeof(word)) == -1)
		FAIL(l, "command expected");
	if (strcmp(word, "UID") == 0) {
		c->uid = 1;
		if (sp(l) == -1 || atom_upper(l, word, sizeof(word)) == -1)
			FAIL(l, "command expected after UID");
	}
	for (i = 0; i < sizeof(cmdnames) / sizeof(cmdnames[0]); i++)
		if (strcmp(word, cmdnames[i].name) == 0)
			break;
	if (i == sizeof(cmdnames) / sizeof(cmdnames[0]))
		FAIL(l, "unknown command");
	c->name = cmdnames[i].cmd;
	if (c->uid && c->name != IC_FETCH && c->name != IC_SEARCH &&
	    c->name != IC_STORE && c->name != IC_COPY &&
	    c->name != IC_MOVE && c->name != IC_EXPUNGE)
		FAIL(l, "no UID form of this command");

	switch (c->name) {
	case IC_CAPABILITY: case IC_NOOP: case IC_LOGOUT: case IC_STARTTLS:
	case IC_CHECK: case IC_CLOSE: case IC_UNSELECT: case IC_IDLE:
	case IC_NAMESPACE:
		return 0;
	case IC_EXPUNGE:
		if (!c->uid)
			return 0;
		return sp(l) == -1 ? -1 : seqset(l, &c->set);
	case IC_AUTHENTICATE:
		if (sp(l) == -1 || astring_as(l, atom_char, &c->arg[0],
		    &c->arglen[0]) == -1)
			return -1;
		if (peek(l) == ' ') {
			/* RFC 4959: initial response, base64 or "=" */
			l->pos++;
			if (astring_as(l, atom_char, &c->arg[1],
			    &c->arglen[1]) == -1)
				return -1;
		}
		return 0;
	case IC_LOGIN:
		if (sp(l) == -1 || astring(l, &c->arg[0], &c->arglen[0]) == -1 ||
		    sp(l) == -1)
			return -1;
		return astring(l, &c->arg[1], &c->arglen[1]);
	case IC_SELECT: case IC_EXAMINE: case IC_CREATE: case IC_DELETE:
	case IC_SUBSCRIBE: case IC_UNSUBSCRIBE:
		return sp(l) == -1 ? -1 : mailbox(l, c, 0);
	case IC_RENAME:
		if (sp(l) == -1 || mailbox(l, c, 0) == -1 || sp(l) == -1)
			return -1;
		return mailbox(l, c, 1);
	case IC_LIST: case IC_LSUB:
		if (sp(l) == -1 || mailbox(l, c, 0) == -1 || sp(l) == -1)
			return -1;
		return astring_as(l, list_char, &c->arg[1], &c->arglen[1]);
	case IC_STATUS:
		if (sp(l) == -1 || mailbox(l, c, 0) == -1 || sp(l) == -1)
			return -1;
		return status_atts(l, c);
	case IC_APPEND:
		return sp(l) == -1 ? -1 : append_args(l, c);
	case IC_SEARCH:
		return sp(l) == -1 ? -1 : search_args(l, c);
	case IC_FETCH:
		if (sp(l) == -1 || seqset(l, &c->set) == -1 || sp(l) == -1)
			return -1;
		return fetch_atts(l, c);
	case IC_STORE:
		if (sp(l) == -1 || seqset(l, &c->set) == -1 || sp(l) == -1)
			return -1;
		return store_args(l, c);
	case IC_COPY: case IC_MOVE:
		if (sp(l) == -1 || seqset(l, &c->set) == -1 || sp(l) == -1)
			return -1;
		return mailbox(l, c, 0);
	case IC_ID:
		return sp(l) == -1 ? -1 : id_params(l, c);
	case IC_ENABLE:
		do {
			if (sp(l) == -1 || astring_as(l, atom_char, &s,
			    NULL) == -1 || push(l, &c->list, &c->nlist, s) == -1)
				return -1;
		} while (peek(l) == ' ');
		return 0;
	case IC_NONE:
		break;
	}
	FAIL(l, "unknown command");
}

int
imap_parse(const char *s, size_t len, const struct imap_limits *lim,
    struct imap_cmd *c, const char **why)
{
	struct lex	 l;
	const char	*p;
	size_t		 n;

	memset(c, 0, sizeof(*c));
	memset(&l, 0, sizeof(l));
	l.s = s;
	l.len = len;
	l.lim = lim;
	if (span(&l, tag_char, &p, &n) == -1 || n >= sizeof(c->tag)) {
		*why = "bad tag";
		return -1;
	}
	memcpy(c->tag, p, n);
	c->tag[n] = '\0';
	if (sp(&l) == -1 || command(&l, c) == -1) {
		*why = l.why ? l.why : "syntax error";
		return -1;
	}
	if (!at_eol(&l)) {
		*why = "junk at the end of the command";
		return -1;
	}
	return 0;
}

int
imap_line_literal(const char *s, size_t len, uint64_t *n, int *nonsync)
{
	size_t		 end = len, i;
	uint64_t	 v = 0;

	if (end > 0 && s[end - 1] == '\n')
		end--;
	if (end > 0 && s[end - 1] == '\r')
		end--;
	if (end == 0 || s[end - 1] != '}')
		return 0;
	end--;
	*nonsync = 0;
	if (end > 0 && s[end - 1] == '+') {
		*nonsync = 1;
		end--;
	}
	for (i = end; i > 0 && isdigit((unsigned char)s[i - 1]); i--)
		;
	if (i == 0 || s[i - 1] != '{')
		return 0;
	if (i == end)
		return -1;
	for (; i < end; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*n = v;
	return 1;
}

void
imap_search_free(struct imap_search *k)
{
	struct imap_search	*next;

	for (; k != NULL; k = next) {
		next = k->next;
		free(k->str);
		free(k->str2);
		free(k->set.r);
		imap_search_free(k->kids);
		free(k);
	}
}

void
imap_cmd_free(struct imap_cmd *c)
{
	size_t	 i, j;

	free(c->arg[0]);
	free(c->arg[1]);
	free(c->set.r);
	for (i = 0; i < c->nfatt; i++) {
		for (j = 0; j < c->fatt[i].sec.nfields; j++)
			free(c->fatt[i].sec.fields[j]);
		free(c->fatt[i].sec.fields);
		free(c->fatt[i].sec.text);
	}
	free(c->fatt);
	for (i = 0; i < c->nflags; i++)
		free(c->flags[i]);
	free(c->flags);
	for (i = 0; i < c->nlist; i++)
		free(c->list[i]);
	free(c->list);
	imap_search_free(c->search);
	memset(c, 0, sizeof(*c));
}
