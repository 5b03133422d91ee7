/*
 * lib/imapsearch: a SEARCH program parsed by lib/imapparse (the input's
 * first command, framed as posta-imapd frames it: lines and {n} / {n+}
 * literals, after "a SEARCH "), evaluated against a message made of the
 * rest of the input and 14 octets of what the server knows of it (from
 * the input's front: sequence number, UID, the largest of each, flags,
 * size, internal date).  Checks what imapsearch.h and RFC 3501 6.4.4
 * promise, on the whole program and on every key of it alone:
 *  - 1, 0 or -1; the text is loaded at most once, and never when
 *    imap_search_needs_text() says no;
 *  - NOT x == !x, OR x y == OR y x == x || y, a list is the AND of its
 *    keys (the first key that is not 1 decides);
 *  - flag keys and their UN- forms, NEW, OLD, KEYWORD / UNKEYWORD;
 *  - sequence and UID sets: "*" is the largest number, a range's ends
 *    are in it, nothing above the set's largest end is;
 *  - LARGER / SMALLER and the internal-date keys against the UTC day
 *    of the internal date; SENT* keys consistent with each other;
 *  - text keys case-insensitive (ASCII), a FROM/TO/CC/BCC/SUBJECT or
 *    BODY match is a TEXT match, FROM x is HEADER FROM x; in a plain
 *    message a piece of the Subject or of the body is found.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "imapparse.h"
#include "imapsearch.h"
#include "fuzz.h"

static const struct imap_limits lim = { 8, 64, 16 };

struct fmsg {
	const char	*s;
	size_t		 len;
	int		 loads;
	int		 fail;		/* load fails */
	unsigned int	 kw;		/* keyword bits */
};

static int
has_keyword(void *arg, const char *name)
{
	struct fmsg	*f = arg;

	/* a keyword is set when its length's bit is */
	return (f->kw >> (strlen(name) % 8)) & 1;
}

static int
load(void *arg, const char **s, size_t *len)
{
	struct fmsg	*f = arg;

	f->loads++;
	if (f->fail)
		return -1;
	*s = f->s;
	*len = f->len;
	return 0;
}

static long
utc_day(time_t t)
{
	/* floor: 1969-12-31T23:59:59 is day -1 */
	return (long)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
}

static int
eval(const struct imap_search *k, struct imap_smsg *m)
{
	struct fmsg	*f = m->arg;
	int		 r, before = f->loads;

	r = imap_search_eval(k, m);
	FUZZ_CHECK(r == 1 || r == 0 || r == -1);
	FUZZ_CHECK(f->loads - before <= 1);
	if (!imap_search_needs_text(k))
		FUZZ_CHECK(f->loads == before && r != -1);
	return r;
}

/* eval of k alone, without the keys after it */
static int
eval1(struct imap_search *k, struct imap_smsg *m)
{
	struct imap_search	*next = k->next;
	int			 r;

	k->next = NULL;
	r = eval(k, m);
	k->next = next;
	return r;
}

static int
in_set(const struct imap_seqset *set, uint32_t n, uint32_t max)
{
	uint32_t	 lo, hi;
	size_t		 i;

	for (i = 0; i < set->n; i++) {
		lo = set->r[i].lo == IMAP_STAR ? max : set->r[i].lo;
		hi = set->r[i].hi == IMAP_STAR ? max : set->r[i].hi;
		if ((n >= lo && n <= hi) || (n >= hi && n <= lo))
			return 1;
	}
	return 0;
}

static void
check_set(const struct imap_seqset *set, uint32_t n, uint32_t max, int r)
{
	uint32_t	 top = 0, lo, hi;
	size_t		 i;

	FUZZ_CHECK(r == in_set(set, n, max));
	for (i = 0; i < set->n; i++) {
		lo = set->r[i].lo == IMAP_STAR ? max : set->r[i].lo;
		hi = set->r[i].hi == IMAP_STAR ? max : set->r[i].hi;
		FUZZ_CHECK(imap_seq_has(set, lo, max) == 1);
		FUZZ_CHECK(imap_seq_has(set, hi, max) == 1);
		if (lo > top)
			top = lo;
		if (hi > top)
			top = hi;
	}
	if (top < UINT32_MAX)
		FUZZ_CHECK(imap_seq_has(set, top + 1, max) == 0);
}

/* a key of the same type with the same argument, on the stack */
static int
eval_as(const struct imap_search *k, enum imap_skey type,
    struct imap_smsg *m)
{
	struct imap_search	 t = *k;

	t.type = type;
	t.next = NULL;
	return eval(&t, m);
}

static void
check_text(struct imap_search *k, struct imap_smsg *m, int r)
{
	struct imap_search	 t = *k;
	char			*s = k->type == SK_HEADER ? k->str2 : k->str;
	char			*up, *p;
	int			 rt;

	/* the same needle in capitals */
	if ((up = strdup(s)) == NULL)
		abort();
	for (p = up; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	t.next = NULL;
	if (k->type == SK_HEADER)
		t.str2 = up;
	else
		t.str = up;
	FUZZ_CHECK(eval(&t, m) == r);
	for (p = up; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	FUZZ_CHECK(eval(&t, m) == r);
	free(up);

	if (r != 1 || k->type == SK_TEXT)
		return;
	/* a match of a field or of the body is a match of TEXT */
	t = *k;
	t.next = NULL;
	t.type = SK_TEXT;
	t.str = s;
	rt = eval(&t, m);
	FUZZ_CHECK(rt == 1);
	if (k->type == SK_FROM) {
		t.type = SK_HEADER;
		t.str = "from";
		t.str2 = s;
		FUZZ_CHECK(eval(&t, m) == 1);
	}
}

static void
check_key(struct imap_search *k, struct imap_smsg *m)
{
	struct fmsg		*f = m->arg;
	struct imap_search	*kid;
	long			 day = utc_day(m->date);
	int			 r, a, b, ab, ba;

	r = eval1(k, m);
	switch (k->type) {
	case SK_AND:
		a = 1;
		for (kid = k->kids; kid != NULL && a == 1; kid = kid->next)
			a = eval1(kid, m);
		FUZZ_CHECK(r == a);
		break;
	case SK_NOT:
		a = eval1(k->kids, m);
		FUZZ_CHECK(r == (a == -1 ? -1 : !a));
		break;
	case SK_OR:
		a = eval1(k->kids, m);
		b = eval1(k->kids->next, m);
		if (a != -1 && b != -1) {
			FUZZ_CHECK(r == (a || b));
			/* the other way round */
			{
				struct imap_search	 x = *k->kids,
							 y = *k->kids->next,
							 o = *k;

				y.next = &x;
				x.next = NULL;
				o.kids = &y;
				o.next = NULL;
				FUZZ_CHECK(eval(&o, m) == r);
			}
		}
		break;
	case SK_ALL:
		FUZZ_CHECK(r == 1);
		break;
	case SK_SEEN: case SK_ANSWERED: case SK_FLAGGED: case SK_DELETED:
	case SK_DRAFT: case SK_RECENT: {
		static const struct { enum imap_skey k, un; unsigned int f; }
		    fl[] = {
			{ SK_SEEN, SK_UNSEEN, SF_SEEN },
			{ SK_ANSWERED, SK_UNANSWERED, SF_ANSWERED },
			{ SK_FLAGGED, SK_UNFLAGGED, SF_FLAGGED },
			{ SK_DELETED, SK_UNDELETED, SF_DELETED },
			{ SK_DRAFT, SK_UNDRAFT, SF_DRAFT },
			{ SK_RECENT, SK_OLD, SF_RECENT },
		};
		size_t	 i;

		for (i = 0; fl[i].k != k->type; i++)
			;
		FUZZ_CHECK(r == ((m->flags & fl[i].f) != 0));
		FUZZ_CHECK(eval_as(k, fl[i].un, m) == !r);
		break;
	}
	case SK_NEW:
		FUZZ_CHECK(r == ((m->flags & SF_RECENT) &&
		    !(m->flags & SF_SEEN)));
		break;
	case SK_KEYWORD:
		FUZZ_CHECK(r == has_keyword(f, k->str));
		FUZZ_CHECK(eval_as(k, SK_UNKEYWORD, m) == !r);
		break;
	case SK_SEQ:
		check_set(&k->set, m->seq, m->maxseq, r);
		break;
	case SK_UID:
		check_set(&k->set, m->uid, m->maxuid, r);
		break;
	case SK_LARGER:
		FUZZ_CHECK(r == (m->size > k->num));
		if (r)
			FUZZ_CHECK(eval_as(k, SK_SMALLER, m) == 0);
		break;
	case SK_BEFORE: case SK_ON: case SK_SINCE:
		a = eval_as(k, SK_BEFORE, m);
		FUZZ_CHECK(a == (day < k->day));
		FUZZ_CHECK(eval_as(k, SK_SINCE, m) == !a);
		FUZZ_CHECK(eval_as(k, SK_ON, m) == (day == k->day));
		break;
	case SK_SENTBEFORE: case SK_SENTON: case SK_SENTSINCE:
		a = eval_as(k, SK_SENTBEFORE, m);
		b = eval_as(k, SK_SENTSINCE, m);
		ab = eval_as(k, SK_SENTON, m);
		if (a == -1 || b == -1 || ab == -1)
			break;
		FUZZ_CHECK(!(a && b));
		if (ab)
			FUZZ_CHECK(b && !a);
		/* a day either way of the given one */
		{
			struct imap_search	 t = *k;

			t.next = NULL;
			t.type = SK_SENTSINCE;
			t.day = k->day + 1;
			ba = eval(&t, m);
			if (ba == 1)
				FUZZ_CHECK(b == 1 && ab == 0);
		}
		break;
	case SK_FROM: case SK_TO: case SK_CC: case SK_BCC: case SK_SUBJECT:
	case SK_BODY: case SK_TEXT: case SK_HEADER:
		if (r != -1)
			check_text(k, m, r);
		if (k->str[0] == '\0' && (k->type == SK_BODY ||
		    k->type == SK_TEXT))
			FUZZ_CHECK(r != 0);
		break;
	default:
		break;
	}
	for (kid = k->kids; kid != NULL; kid = kid->next)
		check_key(kid, m);
}

/* Does the key with needle n[0..len) match?  (-1: not read) */
static int
eval_str(enum imap_skey type, const char *field, const char *n, size_t len,
    struct imap_smsg *m)
{
	struct imap_search	 t;
	char			*s;
	int			 r;

	if ((s = strndup(n, len)) == NULL)
		abort();
	memset(&t, 0, sizeof(t));
	t.type = type;
	if (type == SK_HEADER) {
		t.str = (char *)field;
		t.str2 = s;
	} else
		t.str = s;
	r = eval(&t, m);
	free(s);
	return r;
}

static int
printable(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] < 32 || s[i] > 126)
			return 0;
	return 1;
}

/*
 * In a plain message (fields "Name: value" of printable ASCII, no
 * Content-* field, no encoded word), a piece of the Subject is found by
 * SUBJECT, HEADER Subject and TEXT, and a piece of the body by BODY and
 * TEXT.
 */
static void
check_found(const struct fmsg *f, struct imap_smsg *m, unsigned int pick)
{
	const char	*p = f->s, *e = f->s + f->len, *nl, *c, *subj = NULL;
	size_t		 slen = 0, off, n;
	int		 mime = 0, prev_subj = 0;

	if (f->fail)
		return;
	for (;;) {
		if (p == e)
			return;		/* no body */
		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL)
			return;
		if (nl == p)
			break;
		if (!printable(p, (size_t)(nl - p)))
			return;
		if (*p == ' ' || *p == '\t') {
			if (prev_subj)
				subj = NULL;	/* folded: not plain */
			p = nl + 1;
			continue;
		}
		if ((c = memchr(p, ':', (size_t)(nl - p))) == NULL || c == p ||
		    memchr(p, ' ', (size_t)(c - p)) != NULL)
			return;
		if (c - p > 8 && strncasecmp(p, "Content-", 8) == 0)
			mime = 1;
		prev_subj = 0;
		if (c - p == 7 && strncasecmp(p, "Subject", 7) == 0 &&
		    subj == NULL) {
			for (subj = c + 1; subj < nl && (*subj == ' ' ||
			    *subj == '\t'); subj++)
				;
			slen = (size_t)(nl - subj);
			prev_subj = 1;
		}
		p = nl + 1;
	}
	p++;	/* the body */
	if (subj != NULL && slen > 0 && memmem(subj, slen, "=?", 2) == NULL) {
		off = pick % slen;
		n = 1 + (pick >> 8) % 8;
		if (n > slen - off)
			n = slen - off;
		FUZZ_CHECK(eval_str(SK_SUBJECT, NULL, subj + off, n, m) == 1);
		FUZZ_CHECK(eval_str(SK_HEADER, "subject", subj + off, n, m) ==
		    1);
		FUZZ_CHECK(eval_str(SK_TEXT, NULL, subj + off, n, m) == 1);
	}
	if (mime || p >= e)
		return;
	off = pick % (size_t)(e - p);
	for (n = 0; n < 8 && off + n < (size_t)(e - p) &&
	    p[off + n] >= 32 && p[off + n] <= 126; n++)
		;
	if (n > 0) {
		FUZZ_CHECK(eval_str(SK_BODY, NULL, p + off, n, m) == 1);
		FUZZ_CHECK(eval_str(SK_TEXT, NULL, p + off, n, m) == 1);
	}
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	 pre[] = "a SEARCH ";
	const char		*s, *e, *p, *nl, *why;
	struct imap_smsg	 m;
	struct fmsg		 f;
	struct imap_cmd		 c;
	char			*cmd;
	uint64_t		 n;
	size_t			 clen;
	int			 nonsync, r, whole, not;

	if (size < 14)
		return 0;
	memset(&m, 0, sizeof(m));
	memset(&f, 0, sizeof(f));
	m.seq = 1 + data[0] % 16;
	m.maxseq = m.seq + data[1] % 16;
	m.uid = 1 + get32(data + 2) % 4096;
	m.maxuid = m.uid + data[6] % 64;
	m.flags = data[7] & 0x3f;
	f.fail = (data[7] & 0x40) != 0;
	f.kw = data[8];
	m.size = data[9] << 8 | data[10];
	/* internal dates around the epoch and around now */
	m.date = (time_t)(int16_t)(data[11] << 8 | data[12]) * 3607 +
	    (data[13] & 1) * (time_t)1700000000;
	m.has_keyword = has_keyword;
	m.load = load;
	m.arg = &f;
	s = (const char *)data + 14;
	e = (const char *)data + size;

	/* the command: lines while they end in a literal */
	p = s;
	for (;;) {
		nl = memchr(p, '\n', (size_t)(e - p));
		p = nl ? nl + 1 : e;
		r = imap_line_literal(s, (size_t)(p - s), &n, &nonsync);
		if (r != 1 || nl == NULL)
			break;
		if (n > (uint64_t)(e - p))
			n = (uint64_t)(e - p);
		p += n;
	}
	clen = sizeof(pre) - 1 + (size_t)(p - s);
	if ((cmd = malloc(clen)) == NULL)
		abort();
	memcpy(cmd, pre, sizeof(pre) - 1);
	memcpy(cmd + sizeof(pre) - 1, s, (size_t)(p - s));
	f.s = p;
	f.len = (size_t)(e - p);

	if (imap_parse(cmd, clen, &lim, &c, &why) == 0 &&
	    c.search != NULL) {
		whole = eval(c.search, &m);
		/* NOT of the whole program */
		{
			struct imap_search	 t;

			memset(&t, 0, sizeof(t));
			t.type = SK_NOT;
			t.kids = c.search;
			not = eval(&t, &m);
			FUZZ_CHECK(not == (whole == -1 ? -1 : !whole));
		}
		check_key(c.search, &m);
		check_found(&f, &m, (unsigned int)(data[3] << 8 | data[4]));
		if (f.fail)
			FUZZ_CHECK(whole != -1 ||
			    imap_search_needs_text(c.search));
	}
	imap_cmd_free(&c);
	free(cmd);
	return 0;
}
