/*
 * enc: base64 and quoted-printable (RFC 2045 6.7, 6.8), streaming, and
 * RFC 2047 encoded words.  See enc.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "enc.h"

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hexu[] = "0123456789ABCDEF";

/* Two base64 characters for each 12-bit value: one lookup per half. */
static uint16_t b64_pair[4096];
/* Decoding: sextet, or one of these. */
#define D_BAD	0xff
#define D_WS	0xfe
#define D_PAD	0xfd
static unsigned char b64_dec[256];
static int tables_ready;

static void
tables_init(void)
{
	char pair[2];
	int i;

	if (tables_ready)
		return;
	for (i = 0; i < 4096; i++) {
		pair[0] = b64_alpha[i >> 6];
		pair[1] = b64_alpha[i & 63];
		memcpy(&b64_pair[i], pair, 2);
	}
	memset(b64_dec, D_BAD, sizeof(b64_dec));
	for (i = 0; i < 64; i++)
		b64_dec[(unsigned char)b64_alpha[i]] = i;
	b64_dec[' '] = b64_dec['\t'] = b64_dec['\r'] = b64_dec['\n'] = D_WS;
	b64_dec['='] = D_PAD;
	tables_ready = 1;
}

/* ---- base64, RFC 2045 6.8 ---- */

void
enc_b64_init(struct enc_b64 *e, int wrap, int crlf)
{
	tables_init();
	memset(e, 0, sizeof(*e));
	e->wrap = wrap ? ENC_LINE : 0;
	e->crlf = crlf;
}

static inline char *
b64_eol(struct enc_b64 *e, char *o)
{
	if (e->crlf)
		*o++ = '\r';
	*o++ = '\n';
	e->col = 0;
	return o;
}

static inline char *
b64_quad(const unsigned char *p, char *o)
{
	uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

	memcpy(o, &b64_pair[v >> 12], 2);
	memcpy(o + 2, &b64_pair[v & 0xfff], 2);
	return o + 4;
}

static inline char *
b64_group(struct enc_b64 *e, const unsigned char *p, char *o)
{
	if (e->wrap && e->col >= e->wrap)
		o = b64_eol(e, o);
	e->col += 4;
	return b64_quad(p, o);
}

size_t
enc_b64_update(struct enc_b64 *e, const void *in, size_t n, char *out)
{
	const unsigned char *p = in;
	char *o = out;
	int i;

	while (e->npend > 0 && e->npend < 3 && n > 0) {
		e->pend[e->npend++] = *p++;
		n--;
	}
	if (e->npend == 3) {
		o = b64_group(e, e->pend, o);
		e->npend = 0;
	}
	if (e->wrap) {
		while (e->col < e->wrap && n >= 3) {
			o = b64_group(e, p, o);
			p += 3;
			n -= 3;
		}
		/* Whole lines: 57 octets make 76 characters. */
		while (n >= 57) {
			if (e->col >= e->wrap)
				o = b64_eol(e, o);
			for (i = 0; i < 19; i++)
				o = b64_quad(p + 3 * i, o);
			e->col = e->wrap;
			p += 57;
			n -= 57;
		}
	}
	while (n >= 3) {
		o = b64_group(e, p, o);
		p += 3;
		n -= 3;
	}
	while (n > 0) {
		e->pend[e->npend++] = *p++;
		n--;
	}
	return o - out;
}

size_t
enc_b64_final(struct enc_b64 *e, char *out)
{
	char *o = out;
	uint32_t v;

	if (e->npend > 0) {
		if (e->wrap && e->col >= e->wrap)
			o = b64_eol(e, o);
		v = (uint32_t)e->pend[0] << 16;
		if (e->npend == 2)
			v |= (uint32_t)e->pend[1] << 8;
		*o++ = b64_alpha[v >> 18];
		*o++ = b64_alpha[(v >> 12) & 63];
		*o++ = e->npend == 2 ? b64_alpha[(v >> 6) & 63] : '=';
		*o++ = '=';
		e->col += 4;
		e->npend = 0;
	}
	if (e->wrap && e->col > 0)
		o = b64_eol(e, o);
	return o - out;
}

void
dec_b64_init(struct dec_b64 *d)
{
	tables_init();
	memset(d, 0, sizeof(*d));
}

size_t
dec_b64_update(struct dec_b64 *d, const void *in, size_t n, void *out)
{
	const unsigned char *p = in, *end = p + n;
	unsigned char *o = out;
	unsigned char v, a, b, c, e;

	while (p < end) {
		/* The common case: four alphabet characters in a row. */
		if (d->nacc == 0 && !d->pad && end - p >= 4) {
			a = b64_dec[p[0]];
			b = b64_dec[p[1]];
			c = b64_dec[p[2]];
			e = b64_dec[p[3]];
			if ((a | b | c | e) < 64) {
				*o++ = a << 2 | b >> 4;
				*o++ = b << 4 | c >> 2;
				*o++ = c << 6 | e;
				p += 4;
				continue;
			}
		}
		v = b64_dec[*p++];
		if (v < 64) {
			if (d->pad) {
				/* data after the end: RFC 2045 6.8 says it
				 * ends there; count it, then decode on */
				d->bad++;
				d->pad = 0;
			}
			d->acc = d->acc << 6 | v;
			if (++d->nacc == 4) {
				*o++ = d->acc >> 16;
				*o++ = d->acc >> 8;
				*o++ = d->acc;
				d->acc = 0;
				d->nacc = 0;
			}
		} else if (v == D_WS) {
			continue;
		} else if (v == D_PAD) {
			if (d->nacc == 2) {
				*o++ = d->acc >> 4;
				d->pad = 2;	/* one more '=' owed */
			} else if (d->nacc == 3) {
				*o++ = d->acc >> 10;
				*o++ = d->acc >> 2;
				d->pad = 1;
			} else if (d->nacc == 0 && d->pad == 2) {
				d->pad = 1;
			} else {
				d->bad++;
			}
			d->acc = 0;
			d->nacc = 0;
		} else {
			d->bad++;
		}
	}
	return o - (unsigned char *)out;
}

int
dec_b64_final(struct dec_b64 *d)
{
	if (d->nacc != 0 || d->pad == 2) {
		d->bad++;
		return -1;
	}
	return 0;
}

/* ---- quoted-printable, RFC 2045 6.7 ---- */

/* Content of a line stays within 75, leaving room for a soft break "=". */
#define QP_ROOM	(ENC_LINE - 1)

void
enc_qp_init(struct enc_qp *e, int flags)
{
	memset(e, 0, sizeof(*e));
	e->flags = flags;
	e->ws = -1;
}

static inline char *
qp_eol(struct enc_qp *e, char *o)
{
	if (e->flags & QP_CRLF)
		*o++ = '\r';
	*o++ = '\n';
	e->col = 0;
	return o;
}

static inline char *
qp_hex(struct enc_qp *e, char *o, unsigned char c)
{
	if (e->col + 3 > QP_ROOM) {
		*o++ = '=';
		o = qp_eol(e, o);
	}
	*o++ = '=';
	*o++ = hexu[c >> 4];
	*o++ = hexu[c & 15];
	e->col += 3;
	return o;
}

static inline char *
qp_lit(struct enc_qp *e, char *o, unsigned char c)
{
	if (e->col + 1 > QP_ROOM) {
		*o++ = '=';
		o = qp_eol(e, o);
	}
	/*
	 * Rule (2) allows these literally; "." and "F" at the start of a
	 * line are encoded anyway so that no SMTP dot-stuffing slip or
	 * mbox "From " quoting can change the text (the "may" of 6.7 (2)).
	 */
	if (e->col == 0 && (c == '.' || c == 'F'))
		return qp_hex(e, o, c);
	*o++ = c;
	e->col++;
	return o;
}

/* An octet that is neither a held white space nor a line break. */
static inline char *
qp_octet(struct enc_qp *e, char *o, unsigned char c)
{
	if (c >= 33 && c <= 126 && c != '=')
		return qp_lit(e, o, c);
	return qp_hex(e, o, c);
}

size_t
enc_qp_update(struct enc_qp *e, const void *in, size_t n, char *out)
{
	const unsigned char *p = in, *end = p + n;
	char *o = out;
	unsigned char c;
	int text = !(e->flags & QP_BINARY);

	while (p < end) {
		c = *p++;
		if (text) {
			if (e->cr) {
				e->cr = 0;
				if (c == '\n')
					goto hardbreak;
				/* a bare CR is data: 6.7 (4) */
				if (e->ws >= 0) {
					o = qp_lit(e, o, e->ws);
					e->ws = -1;
				}
				o = qp_hex(e, o, '\r');
			}
			if (c == '\r') {
				e->cr = 1;
				continue;
			}
			if (c == '\n') {
hardbreak:
				/* 6.7 (3): white space before a line break
				 * must be encoded */
				if (e->ws >= 0) {
					o = qp_hex(e, o, e->ws);
					e->ws = -1;
				}
				o = qp_eol(e, o);
				continue;
			}
		}
		if (e->ws >= 0) {
			o = qp_lit(e, o, e->ws);
			e->ws = -1;
		}
		if (c == ' ' || c == '\t') {
			e->ws = c;
			continue;
		}
		o = qp_octet(e, o, c);
	}
	return o - out;
}

size_t
enc_qp_final(struct enc_qp *e, char *out)
{
	char *o = out;

	if (e->cr) {
		if (e->ws >= 0)
			o = qp_lit(e, o, e->ws);
		o = qp_hex(e, o, '\r');
	} else if (e->ws >= 0) {
		o = qp_hex(e, o, e->ws);
	}
	e->cr = 0;
	e->ws = -1;
	/* Data that does not end in a line break ends in a soft one, so
	 * the output is whole lines and decodes to exactly the input. */
	if (e->col > 0) {
		*o++ = '=';
		o = qp_eol(e, o);
	}
	return o - out;
}

enum { Q_TEXT, Q_EQ, Q_HEX, Q_SOFT, Q_SOFTCR };

void
dec_qp_init(struct dec_qp *d, int crlf)
{
	memset(d, 0, sizeof(*d));
	d->crlf = crlf;
	d->state = Q_TEXT;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')	/* 6.7 (1): robust decoders take lowercase */
		return c - 'a' + 10;
	return -1;
}

static inline unsigned char *
dqp_flushws(struct dec_qp *d, unsigned char *o)
{
	if (d->nws > 0) {
		memcpy(o, d->ws, d->nws);
		o += d->nws;
		d->nws = 0;
	}
	return o;
}

static inline unsigned char *
dqp_eol(struct dec_qp *d, unsigned char *o)
{
	d->nws = 0;	/* 6.7 (3): trailing white space is deleted */
	if (d->crlf)
		*o++ = '\r';
	*o++ = '\n';
	return o;
}

size_t
dec_qp_update(struct dec_qp *d, const void *in, size_t n, void *out)
{
	const unsigned char *p = in, *end = p + n;
	unsigned char *o = out;
	unsigned char c;
	int h;

	while (p < end) {
		c = *p++;
again:
		switch (d->state) {
		case Q_TEXT:
			if (d->cr) {
				d->cr = 0;
				if (c == '\n') {
					o = dqp_eol(d, o);
					break;
				}
				d->bad++;
				o = dqp_flushws(d, o);
				*o++ = '\r';
			}
			switch (c) {
			case '\r':
				d->cr = 1;
				break;
			case '\n':
				o = dqp_eol(d, o);
				break;
			case ' ':
			case '\t':
				if (d->nws == QP_WSMAX)
					o = dqp_flushws(d, o);
				d->ws[d->nws++] = c;
				break;
			case '=':
				o = dqp_flushws(d, o);
				d->state = Q_EQ;
				break;
			default:
				o = dqp_flushws(d, o);
				*o++ = c;
				/* copy the rest of a run of plain octets */
				while (p < end && *p > ' ' && *p != '=' &&
				    *p != 127)
					*o++ = *p++;
				break;
			}
			break;
		case Q_EQ:
			if ((h = hexval(c)) >= 0) {
				d->hex = c;
				d->state = Q_HEX;
			} else if (c == '\n') {
				d->state = Q_TEXT;	/* soft line break */
			} else if (c == '\r') {
				d->state = Q_SOFTCR;
			} else if (c == ' ' || c == '\t') {
				d->state = Q_SOFT;	/* padding added in transit */
			} else {
				/* 6.7 note (2): keep a stray "=" as is */
				d->bad++;
				*o++ = '=';
				d->state = Q_TEXT;
				goto again;
			}
			break;
		case Q_HEX:
			d->state = Q_TEXT;
			if ((h = hexval(c)) >= 0) {
				*o++ = hexval(d->hex) << 4 | h;
			} else {
				d->bad++;
				*o++ = '=';
				*o++ = d->hex;
				goto again;
			}
			break;
		case Q_SOFT:
			if (c == ' ' || c == '\t')
				break;
			if (c == '\n') {
				d->state = Q_TEXT;
				break;
			}
			if (c == '\r') {
				d->state = Q_SOFTCR;
				break;
			}
			d->bad++;
			*o++ = '=';
			d->state = Q_TEXT;
			goto again;
		case Q_SOFTCR:
			d->state = Q_TEXT;
			if (c == '\n')
				break;
			d->bad++;
			goto again;
		}
	}
	return o - (unsigned char *)out;
}

size_t
dec_qp_final(struct dec_qp *d, void *out)
{
	unsigned char *o = out;

	if (d->state == Q_HEX) {
		d->bad++;
		*o++ = '=';
		*o++ = d->hex;
	}
	if (d->cr) {
		d->bad++;
		o = dqp_flushws(d, o);
		*o++ = '\r';
	}
	/* "=" at the very end is a soft break; trailing blanks go. */
	d->nws = 0;
	d->cr = 0;
	d->state = Q_TEXT;
	return o - (unsigned char *)out;
}

/* ---- choosing a transfer encoding, RFC 2045 2.7-2.9 ---- */

void
enc_class_init(struct enc_class *c)
{
	memset(c, 0, sizeof(*c));
}

void
enc_class_update(struct enc_class *k, const void *in, size_t n)
{
	const unsigned char *p = in, *end = p + n;
	unsigned char c;

	for (; p < end; p++) {
		c = *p;
		if (c >= 0x80) {
			k->high++;
			if (k->utf8need > 0) {
				if ((c & 0xc0) == 0x80)
					k->utf8need--;
				else
					k->utf8bad = 1;
			} else if (c >= 0xc2 && c <= 0xdf) {
				k->utf8need = 1;
			} else if (c >= 0xe0 && c <= 0xef) {
				k->utf8need = 2;
			} else if (c >= 0xf0 && c <= 0xf4) {
				k->utf8need = 3;
			} else {
				k->utf8bad = 1;
			}
		} else if (k->utf8need > 0) {
			k->utf8bad = 1;
			k->utf8need = 0;
		}
		if (k->cr && c != '\n')
			k->barecr++;
		if (k->lstart >= 0) {
			if (c == "--=_"[k->lstart]) {
				if (++k->lstart == 4) {
					k->delim = 1;
					k->lstart = -1;
				}
			} else {
				k->lstart = -1;
			}
		}
		if (c == '\n') {
			k->lf++;
			if (k->cr)
				k->crlf++;
			if (k->col > k->maxline)
				k->maxline = k->col;
			k->col = 0;
			k->lstart = 0;
		} else if (c != '\r') {
			k->col++;
		}
		k->cr = c == '\r';
		if (c == 0)
			k->nul++;
		else if ((c < 32 && c != '\t' && c != '\n' && c != '\r' &&
		    c != '\f') || c == 127)
			k->ctl++;
	}
	k->total += n;
}

int
enc_class_result(struct enc_class *k)
{
	if (k->utf8need > 0)
		k->utf8bad = 1;
	if (k->cr)
		k->barecr++;
	if (k->col > k->maxline)
		k->maxline = k->col;
	/*
	 * CR octets: neither 7bit nor quoted-printable text keeps them
	 * exactly (line breaks are canonical CRLF, 6.7 (4)), so such data
	 * goes as base64 and comes out byte for byte.  Otherwise base64
	 * once more than a sixth of the octets would need "=XX" (where QP
	 * grows past base64's 4/3).
	 */
	if (k->nul > 0 || k->crlf > 0 || k->barecr > 0)
		return ENC_BASE64;
	if ((k->high + k->ctl) * 6 > k->total)
		return ENC_BASE64;
	/*
	 * Every boundary mime-encode makes begins "=_", which neither QP
	 * ("=" is always followed by hex or a line end) nor base64 (no "_")
	 * can produce; so only 7bit text could hold a delimiter line, and
	 * text with any line starting "--=_" goes QP instead.
	 */
	if (k->high > 0 || k->ctl > 0 || k->maxline > 78 || k->delim)
		return ENC_QP;
	return ENC_7BIT;
}

/* ---- RFC 2047 encoded words ---- */

#define EW_MAX		75	/* RFC 2047 2 */
#define HDR_COLS	78	/* RFC 5322 2.1.1 */

/* RFC 2047 5 (3) in a phrase; 4.2 (3) in unstructured text */
static int
q_plain(unsigned char c, int phrase)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	if (phrase)
		return c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
	return c > ' ' && c < 127 && c != '=' && c != '?' && c != '_';
}

static size_t
q_len(const unsigned char *s, size_t n, int phrase)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		len += (s[i] == ' ' || q_plain(s[i], phrase)) ? 1 : 3;
	return len;
}

static size_t
utf8_charlen(const unsigned char *s, size_t n)
{
	size_t len = 1;

	if (s[0] >= 0xc0 && s[0] < 0xe0)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] < 0xf0)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] < 0xf8)
		len = 4;
	if (len > n)
		len = n;
	/* never swallow a byte that does not continue the sequence */
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return i;
	return len;
}

int
rfc2047_needed(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80 ||
		    ((unsigned char)s[i] < ' ' && s[i] != '\t') || s[i] == 127)
			return 1;
		if (s[i] == '=' && i + 1 < len && s[i + 1] == '?')
			return 1;
	}
	return 0;
}

int
rfc2047_encode(struct buf *b, const char *s, size_t len,
    const char *charset, int phrase, size_t *col)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t over, n, cl, wlen, room, i;
	int useq, utf8;
	struct enc_b64 e;
	char bout[ENC_B64_BOUND(EW_MAX)];
	size_t bl;

	utf8 = strcasecmp(charset, "utf-8") == 0;
	useq = q_len(u, len, phrase) <= (len + 2) / 3 * 4;
	over = strlen(charset) + 7;	/* "=?" cs "?Q?" ... "?=" */
	while (len > 0) {
		room = HDR_COLS > *col ? HDR_COLS - *col : 0;
		if (room > EW_MAX)
			room = EW_MAX;
		/* as many whole characters as fit */
		n = 0;
		wlen = over;
		for (;;) {
			if (n == len)
				break;
			cl = utf8 ? utf8_charlen(u + n, len - n) : 1;
			if (useq)
				i = wlen + q_len(u + n, cl, phrase);
			else
				i = over + (n + cl + 2) / 3 * 4;
			if (i > room)
				break;
			n += cl;
			wlen = i;
		}
		if (n == 0) {
			if (*col > 1) {
				if (buf_adds(b, "\n ") == -1)
					return -1;
				*col = 1;
				continue;
			}
			/* a charset name too long for any line: one char */
			n = utf8 ? utf8_charlen(u, len) : 1;
		}
		if (buf_printf(b, "=?%s?%c?", charset, useq ? 'Q' : 'B') == -1)
			return -1;
		if (useq) {
			for (i = 0; i < n; i++) {
				if (u[i] == ' ')
					cl = buf_addc(b, '_');
				else if (q_plain(u[i], phrase))
					cl = buf_addc(b, u[i]);
				else
					cl = buf_printf(b, "=%c%c",
					    hexu[u[i] >> 4], hexu[u[i] & 15]);
				if ((int)cl == -1)
					return -1;
			}
		} else {
			enc_b64_init(&e, 0, 0);
			bl = enc_b64_update(&e, u, n, bout);
			bl += enc_b64_final(&e, bout + bl);
			if (buf_add(b, bout, bl) == -1)
				return -1;
		}
		if (buf_adds(b, "?=") == -1)
			return -1;
		*col += wlen;
		u += n;
		len -= n;
		if (len > 0) {
			/* adjacent words: the folding white space between
			 * them is not part of the text (6.2) */
			if (buf_adds(b, "\n ") == -1)
				return -1;
			*col = 1;
		}
	}
	return 0;
}

/* Parse "=?cs?X?text?=" at s; on success set *wend past it and decode. */
static int
ew_decode(struct buf *b, const char *s, size_t len, size_t *wend)
{
	size_t i = 2, cs, t0, t1;
	char enc;
	struct dec_b64 d;
	unsigned char tmp[DEC_B64_BOUND(EW_MAX * 4)];
	size_t k;
	int h1, h2;

	if (len < 8 || s[0] != '=' || s[1] != '?')
		return -1;
	cs = i;
	while (i < len && s[i] != '?' && s[i] > ' ' && s[i] < 127)
		i++;
	if (i == cs || i + 2 >= len || s[i] != '?')
		return -1;
	enc = s[i + 1];
	if (strchr("BbQq", enc) == NULL || s[i + 2] != '?')
		return -1;
	t0 = i + 3;
	for (t1 = t0; t1 < len && s[t1] != '?' && s[t1] > ' ' &&
	    s[t1] < 127; t1++)
		;
	if (t1 + 1 >= len || s[t1] != '?' || s[t1 + 1] != '=')
		return -1;
	if (enc == 'B' || enc == 'b') {
		if (t1 - t0 > EW_MAX * 4)
			return -1;
		dec_b64_init(&d);
		k = dec_b64_update(&d, s + t0, t1 - t0, tmp);
		if (dec_b64_final(&d) == -1 || d.bad)
			return -1;
		if (buf_add(b, tmp, k) == -1)
			return -2;
	} else {
		for (i = t0; i < t1; i++) {
			if (s[i] == '_') {
				if (buf_addc(b, ' ') == -1)
					return -2;
			} else if (s[i] == '=' && i + 2 < t1 + 1 &&
			    (h1 = hexval(s[i + 1])) >= 0 &&
			    (h2 = hexval(s[i + 2])) >= 0) {
				if (buf_addc(b, h1 << 4 | h2) == -1)
					return -2;
				i += 2;
			} else if (buf_addc(b, s[i]) == -1)
				return -2;
		}
	}
	*wend = t1 + 2;
	return 0;
}

int
rfc2047_decode(struct buf *b, const char *s, size_t len)
{
	size_t i = 0, j, wend, mark, wsstart = 0;
	int prev_word = 0, r;

	while (i < len) {
		if (s[i] == '\r' || s[i] == '\n') {	/* unfold */
			i++;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t') {
			/* hold the run: dropped if an encoded word follows one */
			for (j = i; j < len && (s[j] == ' ' || s[j] == '\t' ||
			    s[j] == '\r' || s[j] == '\n'); j++)
				;
			if (prev_word && j + 1 < len && s[j] == '=' &&
			    s[j + 1] == '?') {
				mark = b->len;
				if ((r = ew_decode(b, s + j, len - j, &wend))
				    == 0) {
					i = j + wend;
					continue;
				}
				if (r == -2)
					return -1;
				b->len = mark;
			}
			for (wsstart = i; wsstart < j; wsstart++)
				if (s[wsstart] == ' ' || s[wsstart] == '\t')
					if (buf_addc(b, s[wsstart]) == -1)
						return -1;
			prev_word = 0;
			i = j;
			continue;
		}
		if (s[i] == '=' && i + 1 < len && s[i + 1] == '?') {
			mark = b->len;
			if ((r = ew_decode(b, s + i, len - i, &wend)) == 0) {
				i += wend;
				prev_word = 1;
				continue;
			}
			if (r == -2)
				return -1;
			b->len = mark;
		}
		if (buf_addc(b, s[i]) == -1)
			return -1;
		prev_word = 0;
		i++;
	}
	if (b->s != NULL)
		b->s[b->len] = '\0';
	return 0;
}
