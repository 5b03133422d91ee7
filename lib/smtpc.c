/*
 * smtpc: reply parser, EHLO keywords, DATA encoder and the 8BITMIME
 * downgrade of the SMTP client.  See smtpc.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "enc.h"
#include "smtpc.h"

void
smtpc_reply_init(struct smtpc_reply *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->text, max);
	buf_init(&r->lines, max ? max * 2 : 0);
}

void
smtpc_reply_reset(struct smtpc_reply *r)
{
	r->code = 0;
	r->enh[0] = '\0';
	r->nlines = 0;
	buf_reset(&r->text);
	buf_reset(&r->lines);
}

void
smtpc_reply_free(struct smtpc_reply *r)
{
	buf_free(&r->text);
	buf_free(&r->lines);
}

/* RFC 3463 2: class "." subject "." detail, 1-3 digits each; its length. */
static size_t
enh_code(const char *s, size_t len, int class)
{
	size_t	 i = 0, n;
	int	 part;

	if (len < 5 || s[0] != '0' + class || s[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; i < len && n < 4 && isdigit((unsigned char)s[i]);
		    n++)
			i++;
		if (n == 0 || n > 3)
			return 0;
		if (part == 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < len && s[i] != ' ')
		return 0;
	return i;
}

/* Printable ASCII only: a diagnostic is one line of text. */
static int
add_text(struct buf *b, const char *s, size_t len)
{
	size_t	 i;
	int	 c;

	if (buf_reserve(b, len) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\t')
			c = ' ';
		else if (c < 0x20 || c > 0x7e)
			c = '?';
		b->s[b->len++] = (char)c;
	}
	b->s[b->len] = '\0';
	return 0;
}

int
smtpc_reply_feed(struct smtpc_reply *r, const char *s, size_t len)
{
	const char	*t;
	size_t		 tlen, e;
	int		 code, last;

	if (len > 0 && s[len - 1] == '\n')
		len--;
	if (len > 0 && s[len - 1] == '\r')
		len--;
	/* RFC 5321 4.2: three digits, then SP, "-" or the line end */
	if (len < 3 || s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '5' ||
	    !isdigit((unsigned char)s[2]))
		return SMTPC_EBAD;
	if (len > 3 && s[3] != ' ' && s[3] != '-')
		return SMTPC_EBAD;
	code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (r->nlines > 0 && code != r->code)
		return SMTPC_EBAD;
	last = len == 3 || s[3] == ' ';
	t = len > 4 ? s + 4 : s + len;
	tlen = len > 4 ? len - 4 : 0;
	if (buf_add(&r->lines, t, tlen) == -1 || buf_addc(&r->lines, '\n') == -1)
		return SMTPC_ELONG;
	if (r->nlines == 0) {
		r->code = code;
		if ((e = enh_code(t, tlen, code / 100)) > 0 &&
		    e < sizeof(r->enh)) {
			memcpy(r->enh, t, e);
			r->enh[e] = '\0';
		}
	} else {
		/* the same enhanced code on every line: keep it once */
		e = strlen(r->enh);
		if (e > 0 && tlen >= e && memcmp(t, r->enh, e) == 0 &&
		    (tlen == e || t[e] == ' ')) {
			t += e;
			tlen -= e;
			while (tlen > 0 && *t == ' ') {
				t++;
				tlen--;
			}
		}
		if (tlen > 0 && r->text.len > 0 && buf_addc(&r->text, ' ') == -1)
			return SMTPC_ELONG;
	}
	if (add_text(&r->text, t, tlen) == -1)
		return SMTPC_ELONG;
	r->nlines++;
	return last ? SMTPC_DONE : SMTPC_MORE;
}

const char *
smtpc_reply_status(const struct smtpc_reply *r, char *out, size_t outlen)
{
	if (r->enh[0] != '\0')
		snprintf(out, outlen, "%s", r->enh);
	else
		snprintf(out, outlen, "%d.0.0", r->code >= 200 && r->code < 600 ?
		    r->code / 100 : 4);
	return out;
}

static int
word_is(const char *w, size_t n, const char *kw)
{
	return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

static void
auth_mechs(const char *s, size_t n, struct smtpc_ehlo *x)
{
	size_t	 i = 0, j;

	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '='))
			i++;
		for (j = i; j < n && s[j] != ' '; j++)
			;
		if (word_is(s + i, j - i, "PLAIN"))
			x->auth |= SMTPC_AUTH_PLAIN;
		else if (word_is(s + i, j - i, "LOGIN"))
			x->auth |= SMTPC_AUTH_LOGIN;
		i = j;
	}
}

void
smtpc_ehlo_parse(const struct smtpc_reply *r, struct smtpc_ehlo *x)
{
	const char	*p, *end, *nl, *sp;
	size_t		 kwlen;
	long long	 v;

	memset(x, 0, sizeof(*x));
	if (r->lines.s == NULL || r->code != 250)
		return;
	p = r->lines.s;
	end = p + r->lines.len;
	/* the first line is the server's name and greeting */
	if ((nl = memchr(p, '\n', end - p)) == NULL)
		return;
	for (p = nl + 1; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			break;
		for (sp = p; sp < nl && *sp != ' ' && *sp != '='; sp++)
			;
		kwlen = sp - p;
		if (word_is(p, kwlen, "PIPELINING"))
			x->ext |= SMTPC_X_PIPELINING;
		else if (word_is(p, kwlen, "8BITMIME"))
			x->ext |= SMTPC_X_8BITMIME;
		else if (word_is(p, kwlen, "SMTPUTF8"))
			x->ext |= SMTPC_X_SMTPUTF8;
		else if (word_is(p, kwlen, "DSN"))
			x->ext |= SMTPC_X_DSN;
		else if (word_is(p, kwlen, "STARTTLS"))
			x->ext |= SMTPC_X_STARTTLS;
		else if (word_is(p, kwlen, "ENHANCEDSTATUSCODES"))
			x->ext |= SMTPC_X_ENHANCED;
		else if (word_is(p, kwlen, "CHUNKING"))
			x->ext |= SMTPC_X_CHUNKING;
		else if (word_is(p, kwlen, "AUTH")) {
			x->ext |= SMTPC_X_AUTH;
			auth_mechs(sp, nl - sp, x);
		} else if (word_is(p, kwlen, "SIZE")) {
			/* RFC 1870 4: an optional limit, 0 for none */
			x->ext |= SMTPC_X_SIZE;
			v = 0;
			while (sp < nl && *sp == ' ')
				sp++;
			while (sp < nl && isdigit((unsigned char)*sp) &&
			    v < 1000000000000000LL)
				v = v * 10 + (*sp++ - '0');
			x->size = v;
		}
	}
}

void
smtpc_enc_init(struct smtpc_enc *e)
{
	e->bol = 1;
	e->cr = 0;
}

size_t
smtpc_enc_update(struct smtpc_enc *e, const char *in, size_t n, char *out)
{
	char	*o = out;
	size_t	 i;
	char	 c;

	for (i = 0; i < n; i++) {
		c = in[i];
		if (e->cr) {
			e->cr = 0;
			*o++ = '\r';
			*o++ = '\n';
			e->bol = 1;
			if (c == '\n')
				continue;
		}
		if (c == '\r') {
			e->cr = 1;
			continue;
		}
		if (c == '\n') {
			*o++ = '\r';
			*o++ = '\n';
			e->bol = 1;
			continue;
		}
		/* RFC 5321 4.5.2: a line starting with "." gets another */
		if (e->bol && c == '.')
			*o++ = '.';
		*o++ = c;
		e->bol = 0;
	}
	return o - out;
}

size_t
smtpc_enc_final(struct smtpc_enc *e, char *out)
{
	char	*o = out;

	if (e->cr || !e->bol) {
		*o++ = '\r';
		*o++ = '\n';
	}
	memcpy(o, ".\r\n", 3);
	o += 3;
	e->cr = 0;
	e->bol = 1;
	return o - out;
}

int
smtpc_is_8bit(const char *s, size_t n, unsigned long long *lines)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned long long	 nl = 0;
	size_t			 i;
	int			 high = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n')
			nl++;
		else if (p[i] >= 0x80 || p[i] == 0)
			high = 1;
	}
	if (lines != NULL)
		*lines = nl;
	return high;
}

/* --- 8BITMIME downgrade (RFC 6152 3, RFC 2045, RFC 2046) --- */

/* A line longer than SMTPC_LINEMAX octets? */
static int
long_lines(const char *s, size_t n)
{
	const char	*nl, *end = s + n;

	for (; s < end; s = nl + 1) {
		if ((nl = memchr(s, '\n', end - s)) == NULL)
			nl = end;
		if (nl - s > SMTPC_LINEMAX)
			return 1;
	}
	return 0;
}

enum cte { CTE_NONE, CTE_7BIT, CTE_8BIT, CTE_BINARY, CTE_QP, CTE_BASE64,
	CTE_OTHER };

#define BOUNDARY_MAX	70	/* RFC 2046 5.1.1 */

struct entity {
	char	 type[32];
	char	 subtype[32];
	char	 boundary[BOUNDARY_MAX + 1];
	int	 cte;
	int	 mimever;
	size_t	 hlen;		/* the header fields, without the empty line */
	size_t	 boff;		/* the body starts here */
};

/* Skip white space and RFC 5322 comments. */
static const char *
skip_cfws(const char *p, const char *end)
{
	int	 depth;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			p++;
		if (p >= end || *p != '(')
			return p;
		for (depth = 0; p < end; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	}
}

/* RFC 2045 5.1 token characters */
static int
is_token(int c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static const char *
get_token(const char *p, const char *end, char *out, size_t outlen)
{
	size_t	 n = 0;

	for (; p < end && is_token((unsigned char)*p); p++)
		if (n + 1 < outlen)
			out[n++] = (char)tolower((unsigned char)*p);
	out[n] = '\0';
	return p;
}

static void
parse_ctype(const char *p, const char *end, struct entity *m)
{
	char	 attr[32], val[BOUNDARY_MAX + 1];
	size_t	 n;

	p = get_token(skip_cfws(p, end), end, m->type, sizeof(m->type));
	p = skip_cfws(p, end);
	if (p < end && *p == '/')
		p = get_token(skip_cfws(p + 1, end), end, m->subtype,
		    sizeof(m->subtype));
	for (;;) {
		p = skip_cfws(p, end);
		if (p >= end || *p != ';')
			return;
		p = get_token(skip_cfws(p + 1, end), end, attr, sizeof(attr));
		p = skip_cfws(p, end);
		if (p >= end || *p != '=')
			return;
		p = skip_cfws(p + 1, end);
		n = 0;
		if (p < end && *p == '"') {
			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				if (*p == '\r' || *p == '\n')
					continue;
				if (n + 1 < sizeof(val))
					val[n++] = *p;
			}
			if (p < end)
				p++;
		} else {
			for (; p < end && is_token((unsigned char)*p); p++)
				if (n + 1 < sizeof(val))
					val[n++] = *p;
		}
		val[n] = '\0';
		if (strcmp(attr, "boundary") == 0 && n > 0)
			memcpy(m->boundary, val, n + 1);
	}
}

static int
parse_cte(const char *p, const char *end)
{
	char	 w[32];

	get_token(skip_cfws(p, end), end, w, sizeof(w));
	if (strcmp(w, "7bit") == 0)
		return CTE_7BIT;
	if (strcmp(w, "8bit") == 0)
		return CTE_8BIT;
	if (strcmp(w, "binary") == 0)
		return CTE_BINARY;
	if (strcmp(w, "quoted-printable") == 0)
		return CTE_QP;
	if (strcmp(w, "base64") == 0)
		return CTE_BASE64;
	return w[0] ? CTE_OTHER : CTE_NONE;
}

/* The end of the header field starting at p (past its last LF). */
static const char *
field_end(const char *p, const char *end)
{
	const char	*nl;

	for (;;) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			return end;
		p = nl + 1;
		if (p >= end || (*p != ' ' && *p != '\t'))
			return p;
	}
}

static int
field_is(const char *p, const char *fend, const char *name, const char **val)
{
	size_t	 n = strlen(name);

	if ((size_t)(fend - p) <= n || strncasecmp(p, name, n) != 0)
		return 0;
	p += n;
	while (p < fend && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= fend || *p != ':')
		return 0;
	*val = p + 1;
	return 1;
}

static void
parse_entity(const char *s, size_t len, struct entity *m)
{
	const char	*p = s, *end = s + len, *fend, *v;

	memset(m, 0, sizeof(*m));
	while (p < end && *p != '\n') {
		fend = field_end(p, end);
		if (field_is(p, fend, "Content-Type", &v))
			parse_ctype(v, fend, m);
		else if (field_is(p, fend, "Content-Transfer-Encoding", &v))
			m->cte = parse_cte(v, fend);
		else if (field_is(p, fend, "MIME-Version", &v))
			m->mimever = 1;
		p = fend;
	}
	m->hlen = p - s;
	m->boff = p < end ? (size_t)(p - s) + 1 : len;
	if (m->type[0] == '\0') {
		/* RFC 2045 5.2: the default is text/plain */
		strlcpy(m->type, "text", sizeof(m->type));
		strlcpy(m->subtype, "plain", sizeof(m->subtype));
	}
}

/*
 * The header fields without Content-Transfer-Encoding, then the new
 * fields if any, then the empty line if the entity had one.
 */
static int
copy_header(struct buf *out, const char *s, const struct entity *m,
    const char *cte, int mimever)
{
	const char	*p = s, *end = s + m->hlen, *fend, *v;

	while (p < end) {
		fend = field_end(p, end);
		if (cte == NULL ||
		    !field_is(p, fend, "Content-Transfer-Encoding", &v))
			if (buf_add(out, p, fend - p) == -1)
				return -1;
		p = fend;
	}
	if ((mimever || cte != NULL) && out->len > 0 &&
	    out->s[out->len - 1] != '\n' && buf_addc(out, '\n') == -1)
		return -1;
	if (mimever && buf_adds(out, "MIME-Version: 1.0\n") == -1)
		return -1;
	if (cte != NULL && buf_printf(out,
	    "Content-Transfer-Encoding: %s\n", cte) == -1)
		return -1;
	return m->boff > m->hlen ? buf_addc(out, '\n') : 0;
}

static int
encode_body(struct buf *out, const char *s, size_t len, int base64)
{
	struct enc_qp	 qp;
	struct enc_b64	 b64;
	size_t		 n, off;
	const size_t	 chunk = 4096;

	enc_qp_init(&qp, 0);
	enc_b64_init(&b64, 1, 0);
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		if (buf_reserve(out, ENC_QP_BOUND(chunk) + ENC_B64_BOUND(chunk))
		    == -1)
			return -1;
		out->len += base64 ?
		    enc_b64_update(&b64, s + off, n, out->s + out->len) :
		    enc_qp_update(&qp, s + off, n, out->s + out->len);
	}
	if (buf_reserve(out, ENC_QP_BOUND(4) + ENC_B64_BOUND(4)) == -1)
		return -1;
	out->len += base64 ? enc_b64_final(&b64, out->s + out->len) :
	    enc_qp_final(&qp, out->s + out->len);
	out->s[out->len] = '\0';
	return 0;
}

/*
 * A delimiter line "--boundary" (RFC 2046 5.1.1) at or after from, at
 * the start of a line; its start in *ds, the octet after its LF in *de.
 * Returns 1 for a delimiter, 2 for the close delimiter, 0 for none.
 */
static int
find_delim(const char *s, size_t len, size_t from, const char *bd,
    size_t *ds, size_t *de)
{
	size_t	 bl = strlen(bd), i = from, j;
	int	 close;
	const char *nl;

	while (i < len) {
		if ((i == 0 || s[i - 1] == '\n') && len - i >= bl + 2 &&
		    s[i] == '-' && s[i + 1] == '-' &&
		    memcmp(s + i + 2, bd, bl) == 0) {
			j = i + 2 + bl;
			close = 0;
			if (len - j >= 2 && s[j] == '-' && s[j + 1] == '-') {
				close = 1;
				j += 2;
			}
			while (j < len && (s[j] == ' ' || s[j] == '\t' ||
			    s[j] == '\r'))
				j++;
			if (j >= len || s[j] == '\n') {
				*ds = i;
				*de = j < len ? j + 1 : len;
				return close ? 2 : 1;
			}
		}
		if ((nl = memchr(s + i, '\n', len - i)) == NULL)
			return 0;
		i = nl - s + 1;
	}
	return 0;
}

static int	downgrade(const char *, size_t, struct buf *, int, int);

static int
downgrade_multipart(const char *s, size_t len, struct buf *out,
    const char *bd, int depth)
{
	size_t	 ds, de, ns, ne, plen;
	int	 r, r2;

	if ((r = find_delim(s, len, 0, bd, &ds, &de)) == 0)
		return buf_add(out, s, len);
	if (buf_add(out, s, ds) == -1)		/* preamble */
		return -1;
	for (;;) {
		if (buf_add(out, s + ds, de - ds) == -1)
			return -1;
		if (r == 2)			/* epilogue */
			return buf_add(out, s + de, len - de);
		r2 = find_delim(s, len, de, bd, &ns, &ne);
		if (r2 == 0)			/* no close delimiter */
			return downgrade(s + de, len - de, out, depth, 0);
		/* the line end before a delimiter is the delimiter's */
		plen = ns > de ? ns - de - 1 : 0;
		if (downgrade(s + de, plen, out, depth, 0) == -1)
			return -1;
		if (ns > de && buf_addc(out, '\n') == -1)
			return -1;
		ds = ns;
		de = ne;
		r = r2;
	}
}

static int
downgrade(const char *s, size_t len, struct buf *out, int depth, int ismsg)
{
	struct entity	 m;
	struct enc_class k;
	const char	*body;
	size_t		 blen;
	int		 b64, relabel;

	parse_entity(s, len, &m);
	body = s + m.boff;
	blen = len - m.boff;
	relabel = m.cte == CTE_8BIT || m.cte == CTE_BINARY;
	if (depth > 0 && strcmp(m.type, "multipart") == 0 &&
	    m.boundary[0] != '\0') {
		if (copy_header(out, s, &m, relabel ? "7bit" : NULL, 0) == -1)
			return -1;
		return downgrade_multipart(body, blen, out, m.boundary,
		    depth - 1);
	}
	if (depth > 0 && strcmp(m.type, "message") == 0 &&
	    strcmp(m.subtype, "rfc822") == 0) {
		if (copy_header(out, s, &m, relabel ? "7bit" : NULL, 0) == -1)
			return -1;
		return downgrade(body, blen, out, depth - 1, 1);
	}
	if (m.cte == CTE_QP || m.cte == CTE_BASE64 || m.cte == CTE_OTHER ||
	    strcmp(m.type, "multipart") == 0 || strcmp(m.type, "message") == 0 ||
	    (!smtpc_is_8bit(body, blen, NULL) && !long_lines(body, blen))) {
		if (relabel && strcmp(m.type, "multipart") != 0 &&
		    strcmp(m.type, "message") != 0 &&
		    !smtpc_is_8bit(body, blen, NULL)) {
			if (copy_header(out, s, &m, "7bit", 0) == -1)
				return -1;
			return buf_add(out, body, blen);
		}
		return buf_add(out, s, len);
	}
	/*
	 * An 8-bit leaf, or one with over-long lines: text as
	 * quoted-printable, other data as suits it.
	 */
	b64 = 0;
	if (strcmp(m.type, "text") != 0) {
		enc_class_init(&k);
		enc_class_update(&k, body, blen);
		b64 = enc_class_result(&k) == ENC_BASE64;
	}
	if (copy_header(out, s, &m, b64 ? "base64" : "quoted-printable",
	    ismsg && !m.mimever) == -1)
		return -1;
	return encode_body(out, body, blen, b64);
}

int
smtpc_downgrade(const char *msg, size_t len, struct buf *out, int maxdepth)
{
	return downgrade(msg, len, out, maxdepth, 1);
}
