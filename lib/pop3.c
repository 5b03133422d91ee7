/*
 * The POP3 command parser and the RETR/TOP encoder; see pop3.h.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "pop3.h"

static const struct {
	const char	*name;
	enum pop3_verb	 verb;
	int		 min, max;	/* arguments */
	int		 numeric;	/* arguments are numbers */
} verbs[] = {
	{ "USER", POP3_USER, 1, 1, 0 },
	{ "PASS", POP3_PASS, 1, 1, 0 },
	{ "APOP", POP3_APOP, 2, 2, 0 },
	{ "AUTH", POP3_AUTH, 0, 2, 0 },
	{ "STLS", POP3_STLS, 0, 0, 0 },
	{ "CAPA", POP3_CAPA, 0, 0, 0 },
	{ "STAT", POP3_STAT, 0, 0, 0 },
	{ "LIST", POP3_LIST, 0, 1, 1 },
	{ "RETR", POP3_RETR, 1, 1, 1 },
	{ "DELE", POP3_DELE, 1, 1, 1 },
	{ "NOOP", POP3_NOOP, 0, 0, 0 },
	{ "RSET", POP3_RSET, 0, 0, 0 },
	{ "TOP", POP3_TOP, 2, 2, 1 },
	{ "UIDL", POP3_UIDL, 0, 1, 1 },
	{ "QUIT", POP3_QUIT, 0, 0, 0 },
};

const char *
pop3_verb_name(enum pop3_verb v)
{
	size_t	 i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return "?";
}

/* Length of the line without its terminator, or -1 if CR/NUL/no LF. */
static long
line_text(const char *s, size_t len)
{
	size_t	 n;

	if (len == 0 || s[len - 1] != '\n')
		return -1;
	n = len - 1;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (memchr(s, '\r', n) != NULL || memchr(s, '\0', n) != NULL ||
	    memchr(s, '\n', n) != NULL)
		return -1;
	return (long)n;
}

/* RFC 1939 3: a message number or line count, decimal digits only. */
static int
parse_num(const char *s, size_t n, long *out)
{
	long	 v = 0;
	size_t	 i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > POP3_NUMMAX)
			return -1;
	}
	*out = v;
	return 0;
}

static int
set_arg(char *dst, const char *s, size_t n)
{
	if (n >= POP3_ARGMAX)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int
pop3_parse(const char *s, size_t len, struct pop3_cmd *c, const char **why)
{
	const char	*p, *end, *tok[3];
	size_t		 toklen[3], kw, i;
	long		 n;
	int		 v, nt;

	memset(c, 0, sizeof(*c));
	*why = "";
	if ((n = line_text(s, len)) == -1) {
		*why = "CR, LF or NUL inside the command";
		return POP3_EBARE;
	}
	end = s + n;
	/* the line need not be NUL-terminated: only s[0..n) is read */
	p = memchr(s, ' ', (size_t)n);
	kw = p != NULL ? (size_t)(p - s) : (size_t)n;
	for (v = 0; v < (int)(sizeof(verbs) / sizeof(verbs[0])); v++)
		if (strlen(verbs[v].name) == kw &&
		    strncasecmp(verbs[v].name, s, kw) == 0)
			break;
	if (v == (int)(sizeof(verbs) / sizeof(verbs[0]))) {
		*why = "unknown command";
		return POP3_EUNKNOWN;
	}
	c->verb = verbs[v].verb;
	p = s + kw;
	if (c->verb == POP3_PASS) {
		/* RFC 1939 7: spaces may be part of the password */
		if (p == end) {
			*why = "PASS needs a password";
			return POP3_ESYNTAX;
		}
		p++;
		if (set_arg(c->arg, p, (size_t)(end - p)) == -1) {
			*why = "password too long";
			return POP3_ESYNTAX;
		}
		c->nargs = 1;
		return POP3_OK;
	}
	/* arguments: runs of spaces separate them, trailing ones are ignored */
	nt = 0;
	for (;;) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		if (nt == 3) {
			*why = "too many arguments";
			return POP3_ESYNTAX;
		}
		tok[nt] = p;
		while (p < end && *p != ' ')
			p++;
		toklen[nt] = (size_t)(p - tok[nt]);
		nt++;
	}
	if (nt < verbs[v].min || nt > verbs[v].max) {
		*why = nt < verbs[v].min ? "missing argument" :
		    "too many arguments";
		return POP3_ESYNTAX;
	}
	c->nargs = nt;
	for (i = 0; i < (size_t)nt; i++) {
		if (verbs[v].numeric) {
			if (parse_num(tok[i], toklen[i], &c->num[i]) == -1) {
				*why = "invalid number";
				return POP3_ESYNTAX;
			}
		} else if (set_arg(i == 0 ? c->arg : c->arg2, tok[i],
		    toklen[i]) == -1) {
			*why = "argument too long";
			return POP3_ESYNTAX;
		}
	}
	return POP3_OK;
}

long
pop3_sasl_line(const char *s, size_t len)
{
	long	 n;

	if ((n = line_text(s, len)) == -1)
		return -1;
	/* RFC 5034 4: "*" cancels the exchange */
	if (n == 1 && s[0] == '*')
		return POP3_SASL_CANCEL;
	return n;
}

void
pop3_enc_init(struct pop3_enc *e, long lines)
{
	e->col = 0;
	e->cr = 0;
	e->header = 1;
	e->lines = lines;
	e->stopped = 0;
}

size_t
pop3_enc_update(struct pop3_enc *e, const char *in, size_t n, char *out)
{
	size_t	 i, o = 0;

	for (i = 0; i < n && !e->stopped; i++) {
		if (e->col == 0 && !e->header && e->lines == 0) {
			/* TOP: the requested body lines are out */
			e->stopped = 1;
			break;
		}
		if (in[i] == '\n') {
			/* an LF already after a CR stays as it is */
			if (!e->cr)
				out[o++] = '\r';
			out[o++] = '\n';
			/* RFC 1939 7 TOP: the empty line ends the header */
			if (e->header && (e->col == 0 || (e->col == 1 &&
			    e->cr)))
				e->header = 0;
			else if (!e->header && e->lines > 0)
				e->lines--;
			e->col = 0;
			e->cr = 0;
			continue;
		}
		/* RFC 1939 3: byte-stuff a line that begins with '.' */
		if (e->col == 0 && in[i] == '.')
			out[o++] = '.';
		out[o++] = in[i];
		e->cr = in[i] == '\r';
		e->col++;
	}
	return o;
}

size_t
pop3_enc_final(struct pop3_enc *e, char *out)
{
	size_t	 o = 0;

	/* RFC 1939 3: the terminating line must start a line of its own */
	if (e->col > 0) {
		if (!e->cr)
			out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o++] = '.';
	out[o++] = '\r';
	out[o++] = '\n';
	e->col = 0;
	e->cr = 0;
	return o;
}
