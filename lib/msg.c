/*
 * msg: RFC 5322 and MIME structure of a message, IMAP's view; see msg.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "imapparse.h"
#include "msg.h"

size_t
msg_crlf_len(const char *s, size_t len)
{
	size_t	 i, n = len;

	for (i = 0; i < len; i++)
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			n++;
	return n;
}

int
msg_add_crlf(struct buf *b, const char *s, size_t len)
{
	const char	*p, *end = s + len;

	if (buf_reserve(b, msg_crlf_len(s, len)) == -1)
		return -1;
	while (s < end) {
		if ((p = memchr(s, '\n', (size_t)(end - s))) == NULL) {
			return buf_add(b, s, (size_t)(end - s));
		}
		if (buf_add(b, s, (size_t)(p - s)) == -1)
			return -1;
		/* as msg_crlf_len counts: only within the range */
		if ((p == s || p[-1] != '\r') && buf_addc(b, '\r') == -1)
			return -1;
		if (buf_addc(b, '\n') == -1)
			return -1;
		s = p + 1;
	}
	return 0;
}

/* --- header fields ---------------------------------------------------- */

/*
 * Walk the fields of h[0..hlen): each field's name and its raw value
 * (through its continuation lines, without the final line end).
 */
int
msg_header_each(const char *h, size_t hlen, const char *name,
    int (*fn)(void *, const char *, size_t, const char *, size_t), void *arg)
{
	size_t	 i = 0, start, colon, end, vend;
	int	 r;

	while (i < hlen) {
		start = i;
		/* the field runs to an LF not followed by WSP */
		for (end = i; end < hlen; end++)
			if (h[end] == '\n' && (end + 1 >= hlen ||
			    (h[end + 1] != ' ' && h[end + 1] != '\t')))
				break;
		i = end < hlen ? end + 1 : hlen;
		for (colon = start; colon < end && h[colon] != ':' &&
		    h[colon] != '\n'; colon++)
			;
		if (colon >= end || h[colon] != ':' || colon == start)
			continue;	/* the empty line, or no field */
		vend = end;
		if (vend > colon && h[vend - 1] == '\r')
			vend--;
		if (name != NULL && (strlen(name) != colon - start ||
		    strncasecmp(h + start, name, colon - start) != 0))
			continue;
		if ((r = fn(arg, h + start, colon - start, h + colon + 1,
		    vend - colon - 1)) != 0)
			return r;
	}
	return 0;
}

/* Unfold v[0..n) into out: CR and LF dropped, leading WSP removed. */
static int
unfold(struct buf *out, const char *v, size_t n)
{
	size_t	 i = 0;

	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	for (; i < n; i++)
		if (v[i] != '\r' && v[i] != '\n' && buf_addc(out, v[i]) == -1)
			return -1;
	return 0;
}

struct first {
	struct buf	*out;
	int		 err;
};

static int
first_cb(void *arg, const char *name, size_t namelen, const char *v,
    size_t n)
{
	struct first	*f = arg;

	if (unfold(f->out, v, n) == -1)
		f->err = 1;
	return 1;
}

int
msg_header(const char *h, size_t hlen, const char *name, struct buf *out)
{
	struct first	 f = { out, 0 };
	int		 r;

	if (buf_add(out, "", 0) == -1)
		return -1;
	r = msg_header_each(h, hlen, name, first_cb, &f);
	if (f.err)
		return -1;
	return r;
}

/* A NUL-terminated copy of the unfolded first field, or NULL (absent). */
static char *
header_dup(const char *h, size_t hlen, const char *name, int *err)
{
	struct buf	 b = BUF_INIT;
	int		 r;

	if ((r = msg_header(h, hlen, name, &b)) != 1) {
		if (r == -1)
			*err = 1;
		buf_free(&b);
		return NULL;
	}
	/* trailing white space is no part of the value */
	while (b.len > 0 && (b.s[b.len - 1] == ' ' || b.s[b.len - 1] == '\t'))
		b.s[--b.len] = '\0';
	return buf_steal(&b);
}

/* --- IMAP strings ----------------------------------------------------- */

int
msg_imap_string(struct buf *b, const char *s, size_t len)
{
	size_t	 i;
	int	 quote = len < 1024;

	for (i = 0; quote && i < len; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0' ||
		    (unsigned char)s[i] >= 0x80)
			quote = 0;
	if (!quote) {
		if (buf_printf(b, "{%zu}\r\n", len) == -1)
			return -1;
		return buf_add(b, s, len);
	}
	if (buf_addc(b, '"') == -1)
		return -1;
	for (i = 0; i < len; i++) {
		if ((s[i] == '"' || s[i] == '\\') && buf_addc(b, '\\') == -1)
			return -1;
		if (buf_addc(b, s[i]) == -1)
			return -1;
	}
	return buf_addc(b, '"');
}

int
msg_imap_nstring(struct buf *b, const char *s)
{
	if (s == NULL)
		return buf_adds(b, "NIL");
	return msg_imap_string(b, s, strlen(s));
}

/* --- RFC 2045 structured fields: tokens, comments, parameters -------- */

static size_t
skip_cfws(const char *s, size_t len, size_t i)
{
	int	 depth;

	for (;;) {
		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n'))
			i++;
		if (i >= len || s[i] != '(')
			return i;
		for (depth = 0; i < len; i++) {
			if (s[i] == '\\' && i + 1 < len)
				i++;
			else if (s[i] == '(')
				depth++;
			else if (s[i] == ')' && --depth == 0) {
				i++;
				break;
			}
		}
	}
}

/* RFC 2045 5.1 tspecials */
static int
tspecial(int c)
{
	return c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* A token or quoted string at s[i]; a fresh copy into *out. */
static size_t
value_at(const char *s, size_t len, size_t i, char **out)
{
	struct buf	 b = BUF_INIT;

	*out = NULL;
	if (i < len && s[i] == '"') {
		for (i++; i < len && s[i] != '"'; i++) {
			if (s[i] == '\\' && i + 1 < len)
				i++;
			if ((s[i] == '\r' || s[i] == '\n'))
				continue;
			if (buf_addc(&b, s[i]) == -1)
				goto fail;
		}
		if (i < len)
			i++;
	} else {
		for (; i < len && !tspecial((unsigned char)s[i]); i++)
			if (buf_addc(&b, s[i]) == -1)
				goto fail;
		if (b.len == 0) {
			buf_free(&b);
			return i;
		}
	}
	if (buf_add(&b, "", 0) == -1)
		goto fail;
	*out = buf_steal(&b);
	return i;
fail:
	buf_free(&b);
	return len + 1;
}

static int
param_add(struct msg_param **v, size_t *n, char *name, char *value)
{
	struct msg_param	*t;

	if (*n >= 64) {		/* enough for any honest part */
		free(name);
		free(value);
		return 0;
	}
	if ((t = reallocarray(*v, *n + 1, sizeof(**v))) == NULL) {
		free(name);
		free(value);
		return -1;
	}
	*v = t;
	t[*n].name = name;
	t[*n].value = value;
	(*n)++;
	return 0;
}

static char *
upper_dup(const char *s)
{
	char	*u, *p;

	if ((u = strdup(s)) == NULL)
		return NULL;
	for (p = u; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return u;
}

/* ";" attribute "=" value ... after a type; errors skip the rest. */
static int
params_parse(const char *s, size_t len, size_t i, struct msg_param **v,
    size_t *n)
{
	char	*name, *value;

	for (;;) {
		i = skip_cfws(s, len, i);
		if (i >= len || s[i] != ';')
			return 0;
		i = skip_cfws(s, len, i + 1);
		if ((i = value_at(s, len, i, &name)) > len)
			return -1;
		if (name == NULL)
			return 0;
		i = skip_cfws(s, len, i);
		if (i >= len || s[i] != '=') {
			free(name);
			return 0;
		}
		i = skip_cfws(s, len, i + 1);
		if ((i = value_at(s, len, i, &value)) > len) {
			free(name);
			return -1;
		}
		if (value == NULL && (value = strdup("")) == NULL) {
			free(name);
			return -1;
		}
		{
			char *u = upper_dup(name);

			free(name);
			if (u == NULL) {
				free(value);
				return -1;
			}
			name = u;
		}
		if (param_add(v, n, name, value) == -1)
			return -1;
	}
}

static const char *
param_get(const struct msg_param *v, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i].name, name) == 0)
			return v[i].value;
	return NULL;
}

/* --- structure -------------------------------------------------------- */

/* Find the end of the header: the offset after the empty line. */
static void
split_header(const char *s, size_t off, size_t end, struct msg_part *p)
{
	size_t	 i = off;

	p->hoff = off;
	for (;;) {
		if (i >= end) {
			p->hlen = end - off;
			p->boff = end;
			p->blen = 0;
			return;
		}
		/* at the start of a line */
		if (s[i] == '\n' || (s[i] == '\r' && i + 1 < end &&
		    s[i + 1] == '\n')) {
			i += s[i] == '\r' ? 2 : 1;
			p->hlen = i - off;
			p->boff = i;
			p->blen = end - i;
			return;
		}
		while (i < end && s[i] != '\n')
			i++;
		if (i < end)
			i++;
	}
}

static int parse_entity(struct msg *, struct msg_part *, size_t off,
    size_t end, int depth, int digest);

/* Does the line at s[i..end) open with "--" boundary?  2: the close. */
static int
delimiter(const char *s, size_t i, size_t end, const char *bd, size_t bdlen)
{
	size_t	 j;

	if (end - i < bdlen + 2 || s[i] != '-' || s[i + 1] != '-' ||
	    memcmp(s + i + 2, bd, bdlen) != 0)
		return 0;
	j = i + 2 + bdlen;
	if (end - j >= 2 && s[j] == '-' && s[j + 1] == '-')
		return 2;
	/* RFC 2046 5.1.1: only linear white space may follow */
	for (; j < end && s[j] != '\n'; j++)
		if (s[j] != ' ' && s[j] != '\t' && s[j] != '\r')
			return 0;
	return 1;
}

static int
parse_multipart(struct msg *m, struct msg_part *p, int depth)
{
	const char	*s = m->s, *bd;
	size_t		 bdlen, i, end = p->boff + p->blen, start = 0, pend;
	size_t		 cap = 0;
	struct msg_part	*t;
	int		 in = 0, d, digest;

	bd = param_get(p->params, p->nparams, "BOUNDARY");
	if (bd == NULL || (bdlen = strlen(bd)) == 0 || bdlen > 200)
		return 1;	/* not really a multipart */
	digest = strcasecmp(p->subtype, "DIGEST") == 0;
	for (i = p->boff; i < end; ) {
		size_t	 lstart = i;

		while (i < end && s[i] != '\n')
			i++;
		if (i < end)
			i++;
		if ((d = delimiter(s, lstart, i, bd, bdlen)) == 0)
			continue;
		if (in) {
			/* the line end before the delimiter is the delimiter's */
			pend = lstart;
			if (pend > start && s[pend - 1] == '\n')
				pend--;
			if (pend > start && s[pend - 1] == '\r')
				pend--;
			if (m->nparts >= MSG_PARTS)
				break;
			if (p->nkids == cap) {
				cap = cap ? cap * 2 : 4;
				if ((t = reallocarray(p->kids, cap,
				    sizeof(*t))) == NULL)
					return -1;
				p->kids = t;
			}
			t = &p->kids[p->nkids++];
			memset(t, 0, sizeof(*t));
			m->nparts++;
			if (parse_entity(m, t, start, pend < start ? start :
			    pend, depth + 1, digest) == -1)
				return -1;
		}
		if (d == 2)
			break;
		in = 1;
		start = i;
	}
	if (in && p->nkids == 0) {
		/* an open delimiter and no close: what follows is one part */
		if ((p->kids = calloc(1, sizeof(*p->kids))) == NULL)
			return -1;
		p->nkids = 1;
		m->nparts++;
		if (parse_entity(m, p->kids, start, end, depth + 1, digest) == -1)
			return -1;
	}
	return p->nkids == 0;
}

static int
parse_entity(struct msg *m, struct msg_part *p, size_t off, size_t end,
    int depth, int digest)
{
	const char	*h;
	char		*ct, *cd, *v;
	size_t		 i, n;
	int		 err = 0, r;

	split_header(m->s, off, end, p);
	h = m->s + p->hoff;
	ct = header_dup(h, p->hlen, "Content-Type", &err);
	if (ct != NULL) {
		n = strlen(ct);
		i = skip_cfws(ct, n, 0);
		if ((i = value_at(ct, n, i, &p->type)) > n)
			err = 1;
		i = skip_cfws(ct, n, i);
		if (p->type != NULL && i < n && ct[i] == '/') {
			i = skip_cfws(ct, n, i + 1);
			if ((i = value_at(ct, n, i, &p->subtype)) > n)
				err = 1;
		}
		if (p->type == NULL || p->subtype == NULL) {
			/* RFC 2045 5.2: a bad Content-Type is text/plain */
			free(p->type);
			free(p->subtype);
			p->type = p->subtype = NULL;
		} else if (params_parse(ct, n, i, &p->params, &p->nparams) == -1)
			err = 1;
		free(ct);
	}
	if (p->type == NULL) {
		p->type = strdup(digest ? "MESSAGE" : "TEXT");
		p->subtype = strdup(digest ? "RFC822" : "PLAIN");
		if (!digest && param_add(&p->params, &p->nparams,
		    strdup("CHARSET"), strdup("us-ascii")) == -1)
			err = 1;
	} else {
		v = upper_dup(p->type);
		free(p->type);
		p->type = v;
		v = upper_dup(p->subtype);
		free(p->subtype);
		p->subtype = v;
	}
	if (p->type == NULL || p->subtype == NULL)
		return -1;
	if ((cd = header_dup(h, p->hlen, "Content-Disposition", &err))) {
		n = strlen(cd);
		i = skip_cfws(cd, n, 0);
		if ((i = value_at(cd, n, i, &v)) > n)
			err = 1;
		else if (v != NULL) {
			p->disp = upper_dup(v);
			free(v);
			if (p->disp == NULL || params_parse(cd, n, i,
			    &p->dparams, &p->ndparams) == -1)
				err = 1;
		}
		free(cd);
	}
	p->id = header_dup(h, p->hlen, "Content-ID", &err);
	p->desc = header_dup(h, p->hlen, "Content-Description", &err);
	if ((v = header_dup(h, p->hlen, "Content-Transfer-Encoding", &err))) {
		n = strlen(v);
		i = skip_cfws(v, n, 0);
		if ((i = value_at(v, n, i, &p->enc)) > n)
			err = 1;
		free(v);
		if (p->enc) {
			v = upper_dup(p->enc);
			free(p->enc);
			if ((p->enc = v) == NULL)
				err = 1;
		}
	}
	p->lang = header_dup(h, p->hlen, "Content-Language", &err);
	p->loc = header_dup(h, p->hlen, "Content-Location", &err);
	if (err)
		return -1;

	if (strcmp(p->type, "MULTIPART") == 0 && depth < MSG_DEPTH) {
		p->multipart = 1;
		if ((r = parse_multipart(m, p, depth)) == -1)
			return -1;
		if (r == 1) {
			/* no boundary, or no parts: show it as text */
			p->multipart = 0;
			free(p->type);
			free(p->subtype);
			p->type = strdup("TEXT");
			p->subtype = strdup("PLAIN");
			if (p->type == NULL || p->subtype == NULL)
				return -1;
		}
	} else if (strcmp(p->type, "MESSAGE") == 0 &&
	    strcmp(p->subtype, "RFC822") == 0 && depth < MSG_DEPTH &&
	    m->nparts < MSG_PARTS) {
		if ((p->inner = calloc(1, sizeof(*p->inner))) == NULL)
			return -1;
		m->nparts++;
		p->inner->is_message = 1;
		if (parse_entity(m, p->inner, p->boff, p->boff + p->blen,
		    depth + 1, 0) == -1)
			return -1;
	}
	return 0;
}

int
msg_parse(struct msg *m, const char *s, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->s = s;
	m->len = len;
	m->root.is_message = 1;
	m->nparts = 1;
	if (parse_entity(m, &m->root, 0, len, 0, 0) == -1) {
		msg_free(m);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static void
params_free(struct msg_param *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

static void
part_free(struct msg_part *p)
{
	size_t	 i;

	for (i = 0; i < p->nkids; i++)
		part_free(&p->kids[i]);
	free(p->kids);
	if (p->inner) {
		part_free(p->inner);
		free(p->inner);
	}
	free(p->type);
	free(p->subtype);
	params_free(p->params, p->nparams);
	params_free(p->dparams, p->ndparams);
	free(p->disp);
	free(p->id);
	free(p->desc);
	free(p->enc);
	free(p->lang);
	free(p->loc);
	free(p->md5);
}

void
msg_free(struct msg *m)
{
	part_free(&m->root);
	memset(&m->root, 0, sizeof(m->root));
}

/* --- ENVELOPE --------------------------------------------------------- */

enum { T_END, T_WORD, T_SPECIAL };

struct atok {
	int		 type;
	int		 c;		/* the special */
	struct buf	 w;		/* the word, unquoted */
	int		 quoted;
};

/* Next token of an address list (RFC 5322 3.4, comments skipped). */
static size_t
atok_next(const char *s, size_t len, size_t i, struct atok *t)
{
	buf_reset(&t->w);
	t->quoted = 0;
	i = skip_cfws(s, len, i);
	if (i >= len) {
		t->type = T_END;
		return i;
	}
	if (strchr("<>@,;:.", s[i]) != NULL) {
		t->type = T_SPECIAL;
		t->c = s[i];
		return i + 1;
	}
	t->type = T_WORD;
	if (s[i] == '"') {
		t->quoted = 1;
		for (i++; i < len && s[i] != '"'; i++) {
			if (s[i] == '\\' && i + 1 < len)
				i++;
			if (s[i] == '\r' || s[i] == '\n')
				continue;
			if (buf_addc(&t->w, s[i]) == -1)
				return len + 1;
		}
		if (buf_add(&t->w, "", 0) == -1)
			return len + 1;
		return i < len ? i + 1 : i;
	}
	if (s[i] == '[') {
		for (; i < len && s[i] != ']'; i++)
			if (buf_addc(&t->w, s[i]) == -1)
				return len + 1;
		if (i < len && buf_addc(&t->w, ']') == -1)
			return len + 1;
		return i < len ? i + 1 : i;
	}
	for (; i < len && !strchr("<>@,;:.()\" \t\r\n", s[i]); i++)
		if (buf_addc(&t->w, s[i]) == -1)
			return len + 1;
	if (t->w.len == 0) {
		/* a stray character (")", "\", ...): skip it as a word */
		if (buf_addc(&t->w, s[i]) == -1)
			return len + 1;
		i++;
	}
	return i;
}

static int
addr_out(struct buf *b, const char *name, size_t namelen, const char *local,
    const char *host)
{
	if (buf_addc(b, '(') == -1)
		return -1;
	if (name != NULL && namelen > 0) {
		if (msg_imap_string(b, name, namelen) == -1)
			return -1;
	} else if (buf_adds(b, "NIL") == -1)
		return -1;
	if (buf_adds(b, " NIL ") == -1 || msg_imap_nstring(b, local) == -1 ||
	    buf_addc(b, ' ') == -1 || msg_imap_nstring(b, host) == -1)
		return -1;
	return buf_addc(b, ')');
}

/*
 * An address list as IMAP addresses; writes NIL when there is none.
 * The parse is forgiving: whatever cannot be read is skipped, so that a
 * bad header costs one address, not the whole FETCH.
 */
static int
addresses(struct buf *b, const char *s, size_t len)
{
	struct atok	 t = { 0, 0, BUF_INIT, 0 };
	struct buf	 phrase = BUF_INIT, local = BUF_INIT, dom = BUF_INIT;
	size_t		 i = 0, mark = b->len;
	int		 n = 0, ingroup = 0, state, rc = -1;

	if (buf_addc(b, '(') == -1)
		return -1;
	for (;;) {
		/* one mailbox, group start, or group end */
		buf_reset(&phrase);
		buf_reset(&local);
		buf_reset(&dom);
		state = 0;	/* 0 phrase/local, 1 domain, 2 in <>, 3 <> domain */
		for (;;) {
			if ((i = atok_next(s, len, i, &t)) > len)
				goto out;
			if (t.type == T_END || (t.type == T_SPECIAL &&
			    (t.c == ',' || (t.c == ';' && ingroup))))
				break;
			if (t.type == T_SPECIAL && t.c == ':' && state == 0 &&
			    !ingroup) {
				/* group: (NIL NIL name NIL) ... (NIL NIL NIL NIL) */
				if (addr_out(b, NULL, 0, phrase.len ? phrase.s :
				    "", NULL) == -1)
					goto out;
				n++;
				ingroup = 1;
				buf_reset(&phrase);
				buf_reset(&local);
				continue;
			}
			if (t.type == T_SPECIAL && t.c == '<' && state == 0) {
				state = 2;
				buf_reset(&local);
				continue;
			}
			if (t.type == T_SPECIAL && t.c == '>') {
				state = 4;
				continue;
			}
			if (t.type == T_SPECIAL && t.c == '@') {
				if (state == 0)
					state = 1;
				else if (state == 2) {
					if (local.len == 0) {
						/* a route: skip to ':' */
						while ((i = atok_next(s, len, i,
						    &t)) <= len && t.type != T_END &&
						    !(t.type == T_SPECIAL &&
						    (t.c == ':' || t.c == '>')))
							;
						if (i > len)
							goto out;
						if (t.type == T_SPECIAL &&
						    t.c == '>')
							state = 4;
						continue;
					}
					state = 3;
				}
				continue;
			}
			if (t.type == T_SPECIAL && t.c == '.') {
				if (state == 1 || state == 3) {
					if (buf_addc(&dom, '.') == -1)
						goto out;
				} else if (buf_addc(&local, '.') == -1 ||
				    (state == 0 && buf_addc(&phrase, '.') == -1))
					goto out;
				continue;
			}
			if (t.type != T_WORD)
				continue;
			if (state == 0) {
				if (phrase.len && phrase.s[phrase.len - 1] != '.' &&
				    buf_addc(&phrase, ' ') == -1)
					goto out;
				if (buf_add(&phrase, t.w.s, t.w.len) == -1 ||
				    buf_add(&local, t.w.s, t.w.len) == -1)
					goto out;
			} else if (state == 2) {
				if (buf_add(&local, t.w.s, t.w.len) == -1)
					goto out;
			} else if (state == 1 || state == 3) {
				if (buf_add(&dom, t.w.s, t.w.len) == -1)
					goto out;
			}
		}
		if (buf_add(&local, "", 0) == -1 || buf_add(&dom, "", 0) == -1 ||
		    buf_add(&phrase, "", 0) == -1)
			goto out;
		if (state >= 2 || (state == 1 && local.len > 0) ||
		    (state == 0 && local.len > 0)) {
			/* state 0: a bare local name, no domain */
			if (addr_out(b, state >= 2 ? phrase.s : NULL,
			    state >= 2 ? phrase.len : 0, local.s,
			    dom.len ? dom.s : (state == 0 ? NULL : "")) == -1)
				goto out;
			n++;
		}
		if (t.type == T_SPECIAL && t.c == ';' && ingroup) {
			if (buf_adds(b, "(NIL NIL NIL NIL)") == -1)
				goto out;
			ingroup = 0;
			n++;
		}
		if (t.type == T_END)
			break;
	}
	if (ingroup && buf_adds(b, "(NIL NIL NIL NIL)") == -1)
		goto out;
	if (n == 0) {
		b->len = mark;
		if (buf_adds(b, "NIL") == -1)
			goto out;
	} else if (buf_addc(b, ')') == -1)
		goto out;
	rc = 0;
out:
	buf_free(&t.w);
	buf_free(&phrase);
	buf_free(&local);
	buf_free(&dom);
	return rc;
}

int
msg_envelope(struct buf *b, const struct msg *m, const struct msg_part *p)
{
	static const char *fields[] = { "Date", "Subject", "From", "Sender",
	    "Reply-To", "To", "Cc", "Bcc", "In-Reply-To", "Message-ID" };
	const char	*h = m->s + p->hoff;
	char		*v[10];
	size_t		 i;
	int		 err = 0, rc = -1, k;

	for (i = 0; i < 10; i++)
		v[i] = header_dup(h, p->hlen, fields[i], &err);
	if (err)
		goto out;
	if (buf_addc(b, '(') == -1)
		goto out;
	for (i = 0; i < 10; i++) {
		if (i > 0 && buf_addc(b, ' ') == -1)
			goto out;
		if (i >= 2 && i <= 7) {
			/* RFC 3501 7.4.2: Sender and Reply-To default to From */
			k = (int)i;
			if ((i == 3 || i == 4) && (v[i] == NULL ||
			    *v[i] == '\0'))
				k = 2;
			if (v[k] == NULL || *v[k] == '\0') {
				if (buf_adds(b, "NIL") == -1)
					goto out;
			} else if (addresses(b, v[k], strlen(v[k])) == -1)
				goto out;
		} else if (msg_imap_nstring(b, v[i]) == -1)
			goto out;
	}
	if (buf_addc(b, ')') == -1)
		goto out;
	rc = 0;
out:
	for (i = 0; i < 10; i++)
		free(v[i]);
	return rc;
}

/* --- BODYSTRUCTURE ---------------------------------------------------- */

static int
params_out(struct buf *b, const struct msg_param *v, size_t n)
{
	size_t	 i;

	if (n == 0)
		return buf_adds(b, "NIL");
	if (buf_addc(b, '(') == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (i > 0 && buf_addc(b, ' ') == -1)
			return -1;
		if (msg_imap_nstring(b, v[i].name) == -1 ||
		    buf_addc(b, ' ') == -1 ||
		    msg_imap_nstring(b, v[i].value) == -1)
			return -1;
	}
	return buf_addc(b, ')');
}

static size_t
body_lines(const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		if (s[i] == '\n')
			n++;
	if (len > 0 && s[len - 1] != '\n')
		n++;
	return n;
}

/* disposition, language, location (RFC 3501 9 body-ext-*) */
static int
ext_out(struct buf *b, const struct msg_part *p)
{
	if (buf_addc(b, ' ') == -1)
		return -1;
	if (p->disp == NULL) {
		if (buf_adds(b, "NIL") == -1)
			return -1;
	} else if (buf_addc(b, '(') == -1 || msg_imap_nstring(b, p->disp) == -1 ||
	    buf_addc(b, ' ') == -1 ||
	    params_out(b, p->dparams, p->ndparams) == -1 || buf_addc(b, ')') == -1)
		return -1;
	return buf_addc(b, ' ') == -1 || msg_imap_nstring(b, p->lang) == -1 ||
	    buf_addc(b, ' ') == -1 || msg_imap_nstring(b, p->loc) == -1 ? -1 : 0;
}

static int
part_out(struct buf *b, const struct msg *m, const struct msg_part *p,
    int ext)
{
	const char	*body = m->s + p->boff;
	size_t		 i;

	if (buf_addc(b, '(') == -1)
		return -1;
	if (p->multipart) {
		for (i = 0; i < p->nkids; i++)
			if (part_out(b, m, &p->kids[i], ext) == -1)
				return -1;
		if (buf_addc(b, ' ') == -1 || msg_imap_nstring(b, p->subtype) == -1)
			return -1;
		if (ext && (buf_addc(b, ' ') == -1 ||
		    params_out(b, p->params, p->nparams) == -1 ||
		    ext_out(b, p) == -1))
			return -1;
		return buf_addc(b, ')');
	}
	if (msg_imap_nstring(b, p->type) == -1 || buf_addc(b, ' ') == -1 ||
	    msg_imap_nstring(b, p->subtype) == -1 || buf_addc(b, ' ') == -1 ||
	    params_out(b, p->params, p->nparams) == -1 || buf_addc(b, ' ') == -1 ||
	    msg_imap_nstring(b, p->id) == -1 || buf_addc(b, ' ') == -1 ||
	    msg_imap_nstring(b, p->desc) == -1 || buf_addc(b, ' ') == -1 ||
	    msg_imap_nstring(b, p->enc ? p->enc : "7BIT") == -1 ||
	    buf_printf(b, " %zu", msg_crlf_len(body, p->blen)) == -1)
		return -1;
	if (p->inner != NULL) {
		if (buf_addc(b, ' ') == -1 || msg_envelope(b, m, p->inner) == -1 ||
		    buf_addc(b, ' ') == -1)
			return -1;
		/* the encapsulated message's body, as a BODYSTRUCTURE of its own */
		if (part_out(b, m, p->inner, ext) == -1)
			return -1;
		if (buf_printf(b, " %zu", body_lines(body, p->blen)) == -1)
			return -1;
	} else if (strcmp(p->type, "TEXT") == 0 &&
	    buf_printf(b, " %zu", body_lines(body, p->blen)) == -1)
		return -1;
	if (ext && (buf_adds(b, " NIL") == -1 || ext_out(b, p) == -1))
		return -1;
	return buf_addc(b, ')');
}

int
msg_bodystructure(struct buf *b, const struct msg *m, int ext)
{
	return part_out(b, m, &m->root, ext);
}

/* --- sections --------------------------------------------------------- */

struct fields {
	struct buf		*out;
	const struct imap_section *sec;
	int			 not;
	int			 err;
};

static int
fields_cb(void *arg, const char *name, size_t namelen, const char *v,
    size_t n)
{
	struct fields	*f = arg;
	size_t		 i;
	int		 match = 0;

	for (i = 0; i < f->sec->nfields; i++)
		if (strlen(f->sec->fields[i]) == namelen &&
		    strncasecmp(f->sec->fields[i], name, namelen) == 0)
			match = 1;
	if (match == f->not)
		return 0;
	/* the field as it stands: name, colon, value, line end */
	if (msg_add_crlf(f->out, name, namelen + 1 + n) == -1 ||
	    buf_add(f->out, "\r\n", 2) == -1) {
		f->err = 1;
		return 1;
	}
	return 0;
}

int
msg_section(struct buf *b, const struct msg *m, const struct imap_section *sec)
{
	const struct msg_part	*p = &m->root, *e;
	struct fields		 f;
	int			 i;

	if (buf_add(b, "", 0) == -1)
		return -1;
	/* RFC 3501 6.4.5: walk the part numbers */
	for (i = 0; i < sec->npart; i++) {
		if (p->inner != NULL)
			p = p->inner;
		if (p->multipart) {
			if (sec->part[i] > p->nkids)
				return 0;
			p = &p->kids[sec->part[i] - 1];
		} else if (sec->part[i] != 1 || !p->is_message)
			return 0;
	}
	switch (sec->spec) {
	case SEC_ALL:
		if (sec->npart == 0)
			return msg_add_crlf(b, m->s, m->len);
		return msg_add_crlf(b, m->s + p->boff, p->blen);
	case SEC_MIME:
		return msg_add_crlf(b, m->s + p->hoff, p->hlen);
	default:
		break;
	}
	/* HEADER, TEXT and the fields are of a message */
	e = p;
	if (sec->npart > 0) {
		if (p->inner == NULL)
			return 0;
		e = p->inner;
	}
	switch (sec->spec) {
	case SEC_HEADER:
		return msg_add_crlf(b, m->s + e->hoff, e->hlen);
	case SEC_TEXT:
		return msg_add_crlf(b, m->s + e->boff, e->blen);
	case SEC_FIELDS:
	case SEC_FIELDS_NOT:
		f.out = b;
		f.sec = sec;
		f.not = sec->spec == SEC_FIELDS_NOT;
		f.err = 0;
		msg_header_each(m->s + e->hoff, e->hlen, NULL, fields_cb, &f);
		if (f.err)
			return -1;
		return buf_add(b, "\r\n", 2);
	default:
		return 0;
	}
}

/* --- dates ------------------------------------------------------------ */

static const char *mnames[12] = { "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec" };

static int
dnum(const char *s, size_t len, size_t *i, int maxdig)
{
	int	 v = 0, k = 0;

	while (*i < len && isdigit((unsigned char)s[*i]) && k < maxdig) {
		v = v * 10 + s[(*i)++] - '0';
		k++;
	}
	return k ? v : -1;
}

int
msg_date(const char *s, size_t len, time_t *t, long *day)
{
	size_t	 i = 0;
	int	 d, mon = -1, y, hh, mm, ss = 0, k, zone = 0, sign;

	/* RFC 5322 3.3: [day-of-week ","] day month year time zone */
	i = skip_cfws(s, len, i);
	if (i < len && isalpha((unsigned char)s[i])) {
		while (i < len && s[i] != ',' && !isdigit((unsigned char)s[i]))
			i++;
		if (i < len && s[i] == ',')
			i++;
	}
	i = skip_cfws(s, len, i);
	if ((d = dnum(s, len, &i, 2)) < 1 || d > 31)
		return -1;
	i = skip_cfws(s, len, i);
	for (k = 0; k < 12 && i + 3 <= len; k++)
		if (strncasecmp(s + i, mnames[k], 3) == 0)
			mon = k + 1;
	if (mon == -1)
		return -1;
	i += 3;
	while (i < len && isalpha((unsigned char)s[i]))
		i++;
	i = skip_cfws(s, len, i);
	{
		size_t	 y0 = i;

		if ((y = dnum(s, len, &i, 4)) < 0)
			return -1;
		/* RFC 5322 4.3: two-digit years */
		if (i - y0 <= 2)
			y += y < 50 ? 2000 : 1900;
		else if (i - y0 == 3)
			y += 1900;
	}
	i = skip_cfws(s, len, i);
	if ((hh = dnum(s, len, &i, 2)) < 0 || i >= len || s[i++] != ':' ||
	    (mm = dnum(s, len, &i, 2)) < 0)
		return -1;
	if (i < len && s[i] == ':') {
		i++;
		if ((ss = dnum(s, len, &i, 2)) < 0)
			return -1;
	}
	i = skip_cfws(s, len, i);
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i++] == '-' ? -1 : 1;
		if ((zone = dnum(s, len, &i, 4)) < 0)
			return -1;
		zone = sign * ((zone / 100) * 3600 + (zone % 100) * 60);
	}
	if (hh > 23 || mm > 59 || ss > 60)
		return -1;
	*day = imap_days_from_civil(y, mon, d);
	*t = (time_t)*day * 86400 + hh * 3600 + mm * 60 + ss - zone;
	return 0;
}
