/*
 * imapsearch: SEARCH evaluation (RFC 3501 6.4.4); see imapsearch.h.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "enc.h"
#include "imapparse.h"
#include "imapsearch.h"
#include "msg.h"

struct ctx {
	struct imap_smsg	*m;
	int			 loaded;	/* 1 ok, -1 failed */
	const char		*s;
	size_t			 len;
	struct msg		 msg;
	int			 parsed;
};

/*
 * The next character of s at *i, case-folded: ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic capitals become small letters.  An
 * octet that is not part of valid UTF-8 stands for itself (above the
 * Unicode range, so it matches only itself).
 */
static uint32_t
fold_next(const char *s, size_t len, size_t *i)
{
	const unsigned char	*u = (const unsigned char *)s + *i;
	size_t			 left = len - *i, n, k;
	uint32_t		 c;

	if (u[0] < 0x80) {
		(*i)++;
		return (uint32_t)tolower(u[0]);
	}
	if ((u[0] & 0xe0) == 0xc0) {
		n = 2;
		c = u[0] & 0x1f;
	} else if ((u[0] & 0xf0) == 0xe0) {
		n = 3;
		c = u[0] & 0x0f;
	} else if ((u[0] & 0xf8) == 0xf0) {
		n = 4;
		c = u[0] & 0x07;
	} else
		n = 0, c = 0;
	if (n == 0 || n > left)
		goto raw;
	for (k = 1; k < n; k++) {
		if ((u[k] & 0xc0) != 0x80)
			goto raw;
		c = c << 6 | (u[k] & 0x3f);
	}
	*i += n;
	if ((c >= 0xc0 && c <= 0xde && c != 0xd7) ||	/* Latin-1 */
	    (c >= 0x391 && c <= 0x3ab) ||		/* Greek */
	    (c >= 0x410 && c <= 0x42f))			/* Cyrillic */
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	if (c == 0x178)
		return 0xff;				/* Y diaeresis */
	if (c >= 0x100 && c <= 0x17f && c != 0x130 && c != 0x138 &&
	    c != 0x149 && c != 0x178 && c != 0x17f &&
	    ((c < 0x139 || (c > 0x148 && c < 0x179)) ? (c & 1) == 0 : (c & 1)))
		return c + 1;				/* Latin Extended-A */
	return c;
raw:
	(*i)++;
	return 0x110000u + u[0];
}

/* Case-insensitive substring (see fold_next); an empty needle is everywhere. */
static int
has_substr(const char *h, size_t hlen, const char *n)
{
	size_t	 nlen = strlen(n), i, hi, ni;

	if (nlen == 0)
		return 1;
	for (i = 0; i < hlen; (void)fold_next(h, hlen, &i)) {
		hi = i;
		ni = 0;
		for (;;) {
			if (ni == nlen)
				return 1;
			if (hi == hlen ||
			    fold_next(h, hlen, &hi) != fold_next(n, nlen, &ni))
				break;
		}
	}
	return 0;
}

static int
load(struct ctx *c)
{
	if (c->loaded == 0) {
		c->loaded = c->m->load(c->m->arg, &c->s, &c->len) == 0 ? 1 : -1;
		if (c->loaded == 1 && msg_parse(&c->msg, c->s, c->len) == 0)
			c->parsed = 1;
		else
			c->loaded = -1;
	}
	return c->loaded;
}

struct hsearch {
	const char	*needle;
	int		 found;
	int		 err;
};

static int
hsearch_cb(void *arg, const char *name, size_t namelen, const char *v,
    size_t n)
{
	struct hsearch	*h = arg;
	struct buf	 b = BUF_INIT;

	if (rfc2047_decode(&b, v, n) == -1) {
		h->err = 1;
		return 1;
	}
	if (has_substr(b.s ? b.s : "", b.len, h->needle))
		h->found = 1;
	buf_free(&b);
	return h->found;
}

static int
header_has(struct ctx *c, const char *field, const char *needle)
{
	struct hsearch	 h = { needle, 0, 0 };

	if (load(c) == -1)
		return -1;
	msg_header_each(c->s + c->msg.root.hoff, c->msg.root.hlen, field,
	    hsearch_cb, &h);
	return h.err ? -1 : h.found;
}

/* BODY: the text parts, their transfer encoding undone. */
static int
part_has(struct ctx *c, const struct msg_part *p, const char *needle)
{
	struct buf	 b = BUF_INIT;
	size_t		 i, n;
	int		 r;

	for (i = 0; i < p->nkids; i++)
		if ((r = part_has(c, &p->kids[i], needle)) != 0)
			return r;
	if (p->inner != NULL) {
		if ((r = has_substr(c->s + p->inner->hoff, p->inner->hlen,
		    needle)) != 0)
			return r;
		return part_has(c, p->inner, needle);
	}
	if (p->multipart)
		return 0;
	if (p->enc != NULL && (strcmp(p->enc, "BASE64") == 0 ||
	    strcmp(p->enc, "QUOTED-PRINTABLE") == 0)) {
		if (buf_reserve(&b, p->blen + QP_WSMAX + 16) == -1)
			return -1;
		if (strcmp(p->enc, "BASE64") == 0) {
			struct dec_b64 d;

			dec_b64_init(&d);
			n = dec_b64_update(&d, c->s + p->boff, p->blen, b.s);
		} else {
			struct dec_qp d;

			dec_qp_init(&d, 0);
			n = dec_qp_update(&d, c->s + p->boff, p->blen, b.s);
			n += dec_qp_final(&d, b.s + n);
		}
		r = has_substr(b.s, n, needle);
		buf_free(&b);
		return r;
	}
	return has_substr(c->s + p->boff, p->blen, needle);
}

static int
sent_day(struct ctx *c, long *day)
{
	struct buf	 b = BUF_INIT;
	time_t		 t;
	int		 r;

	if (load(c) == -1)
		return -1;
	r = msg_header(c->s + c->msg.root.hoff, c->msg.root.hlen, "Date", &b);
	if (r == 1 && msg_date(b.s, b.len, &t, day) == 0)
		r = 1;
	else if (r != -1)
		r = 0;
	buf_free(&b);
	return r;
}

/* The UTC day of a time, rounded down: 31-Dec-1969 23:00 is day -1. */
static long
utc_day(time_t t)
{
	return (long)(t >= 0 ? t / 86400 : -((-(t + 1)) / 86400) - 1);
}

static int eval(const struct imap_search *, struct ctx *);

static int
eval_and(const struct imap_search *k, struct ctx *c)
{
	int	 r;

	for (; k != NULL; k = k->next)
		if ((r = eval(k, c)) != 1)
			return r;
	return 1;
}

static int
eval(const struct imap_search *k, struct ctx *c)
{
	struct imap_smsg	*m = c->m;
	long			 day;
	int			 r;
	static const char	*hdr[] = { [SK_BCC] = "Bcc", [SK_CC] = "Cc",
	    [SK_FROM] = "From", [SK_SUBJECT] = "Subject", [SK_TO] = "To" };

	switch (k->type) {
	case SK_AND:
		return eval_and(k->kids, c);
	case SK_ALL:
		return 1;
	case SK_ANSWERED:
		return (m->flags & SF_ANSWERED) != 0;
	case SK_DELETED:
		return (m->flags & SF_DELETED) != 0;
	case SK_DRAFT:
		return (m->flags & SF_DRAFT) != 0;
	case SK_FLAGGED:
		return (m->flags & SF_FLAGGED) != 0;
	case SK_SEEN:
		return (m->flags & SF_SEEN) != 0;
	case SK_RECENT:
		return (m->flags & SF_RECENT) != 0;
	case SK_UNANSWERED:
		return (m->flags & SF_ANSWERED) == 0;
	case SK_UNDELETED:
		return (m->flags & SF_DELETED) == 0;
	case SK_UNDRAFT:
		return (m->flags & SF_DRAFT) == 0;
	case SK_UNFLAGGED:
		return (m->flags & SF_FLAGGED) == 0;
	case SK_UNSEEN:
		return (m->flags & SF_SEEN) == 0;
	case SK_NEW:	/* RFC 3501: RECENT UNSEEN */
		return (m->flags & (SF_RECENT | SF_SEEN)) == SF_RECENT;
	case SK_OLD:
		return (m->flags & SF_RECENT) == 0;
	case SK_KEYWORD:
		return m->has_keyword(m->arg, k->str) ? 1 : 0;
	case SK_UNKEYWORD:
		return m->has_keyword(m->arg, k->str) ? 0 : 1;
	case SK_LARGER:
		return m->size > k->num;
	case SK_SMALLER:
		return m->size < k->num;
	case SK_BEFORE:
		return utc_day(m->date) < k->day;
	case SK_ON:
		return utc_day(m->date) == k->day;
	case SK_SINCE:
		return utc_day(m->date) >= k->day;
	case SK_SENTBEFORE:
	case SK_SENTON:
	case SK_SENTSINCE:
		if ((r = sent_day(c, &day)) != 1)
			return r;
		if (k->type == SK_SENTBEFORE)
			return day < k->day;
		if (k->type == SK_SENTON)
			return day == k->day;
		return day >= k->day;
	case SK_SEQ:
		return imap_seq_has(&k->set, m->seq, m->maxseq);
	case SK_UID:
		return imap_seq_has(&k->set, m->uid, m->maxuid);
	case SK_NOT:
		if ((r = eval(k->kids, c)) == -1)
			return -1;
		return !r;
	case SK_OR:
		if ((r = eval(k->kids, c)) != 0)
			return r;
		return eval(k->kids->next, c);
	case SK_BCC: case SK_CC: case SK_FROM: case SK_SUBJECT: case SK_TO:
		return header_has(c, hdr[k->type], k->str);
	case SK_HEADER:
		return header_has(c, k->str, k->str2);
	case SK_BODY:
		if (load(c) == -1)
			return -1;
		return part_has(c, &c->msg.root, k->str);
	case SK_TEXT:
		if ((r = header_has(c, NULL, k->str)) != 0)
			return r;
		return part_has(c, &c->msg.root, k->str);
	}
	return 0;
}

int
imap_search_eval(const struct imap_search *k, struct imap_smsg *m)
{
	struct ctx	 c;
	int		 r;

	memset(&c, 0, sizeof(c));
	c.m = m;
	r = eval(k, &c);
	if (c.parsed)
		msg_free(&c.msg);
	return r;
}

int
imap_search_needs_text(const struct imap_search *k)
{
	for (; k != NULL; k = k->next) {
		switch (k->type) {
		case SK_BCC: case SK_CC: case SK_FROM: case SK_SUBJECT:
		case SK_TO: case SK_HEADER: case SK_BODY: case SK_TEXT:
		case SK_SENTBEFORE: case SK_SENTON: case SK_SENTSINCE:
			return 1;
		default:
			if (imap_search_needs_text(k->kids))
				return 1;
		}
	}
	return 0;
}
