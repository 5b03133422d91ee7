/*
 * lib/enc, the coders mime-encode writes with.  For arbitrary data fed
 * in arbitrary chunks:
 *  - base64: decode(encode(x)) == x, nothing counted bad, lines within
 *    76 characters (none at all unwrapped), output within the BOUNDs;
 *  - quoted-printable: decode(encode(x)) == x in binary mode, and == x
 *    with its line breaks made canonical in text mode; lines within 76
 *    characters of printable US-ASCII;
 *  - the decoders on raw data give the same output whatever the
 *    chunking, within their BOUNDs;
 *  - enc_class: the same result whatever the chunking; 7bit only for
 *    short-lined US-ASCII text without CR; text that is not base64
 *    comes back from quoted-printable byte for byte;
 *  - RFC 2047: decode(encode(x)) == x, words of at most 75 characters,
 *    lines within 78 columns, and for UTF-8 input every word decodes
 *    to whole characters.
 *
 * Input: 2 octets seed the chunk sizes, 1 octet of options, the data.
 * Every output array is allocated to its BOUND exactly, so that
 * AddressSanitizer sees a coder writing past it.
 */
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "enc.h"
#include "fuzz.h"

#define OPT_WRAP	0x01
#define OPT_CRLF	0x02	/* encoders write CRLF */
#define OPT_DCRLF	0x04	/* QP decoder writes CRLF */
#define OPT_PHRASE	0x08
#define OPT_COL		0x70	/* RFC 2047 start column / 8 */
#define OPT_LATIN	0x80	/* RFC 2047 charset not UTF-8 */

struct out {
	char	*s;
	size_t	 len;
};

static void
out_add(struct out *o, const char *p, size_t n)
{
	memcpy(o->s + o->len, p, n);
	o->len += n;
}

/* Lines of at most max characters before the line end; only the
 * printable US-ASCII, the line ends, and with ws space and tab but
 * never at the end of a line (RFC 2045 6.7 (3)). */
static void
check_lines(const char *s, size_t n, size_t max, int crlf, int ws)
{
	size_t	 i, col = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r') {
			FUZZ_CHECK(crlf && i + 1 < n && s[i + 1] == '\n');
			continue;
		}
		if (s[i] == '\n') {
			FUZZ_CHECK(!crlf || (i > 0 && s[i - 1] == '\r'));
			col = 0;
			continue;
		}
		if (ws && (s[i] == ' ' || s[i] == '\t'))
			FUZZ_CHECK(i + 1 < n && s[i + 1] != '\r' &&
			    s[i + 1] != '\n');
		else
			FUZZ_CHECK(s[i] >= 33 && s[i] <= 126);
		FUZZ_CHECK(++col <= max);
	}
}

static void
fuzz_b64(const char *x, size_t n, const struct fuzz_chunks *seed, int opt)
{
	struct fuzz_chunks	 ch = *seed;
	struct enc_b64		 e;
	struct dec_b64		 d;
	struct out		 enc, dec;
	char			*tmp;
	size_t			 off, k, w;

	enc.s = malloc(ENC_B64_BOUND(n) + n / 3 * 4 + 8 * n + 16);
	enc.len = 0;
	enc_b64_init(&e, opt & OPT_WRAP, opt & OPT_CRLF);
	for (off = 0; off < n; off += k) {
		k = fuzz_chunks_next(&ch, n - off);
		tmp = malloc(ENC_B64_BOUND(k));
		w = enc_b64_update(&e, x + off, k, tmp);
		FUZZ_CHECK(w <= ENC_B64_BOUND(k));
		out_add(&enc, tmp, w);
		free(tmp);
	}
	tmp = malloc(ENC_B64_BOUND(0));
	w = enc_b64_final(&e, tmp);
	FUZZ_CHECK(w <= ENC_B64_BOUND(0));
	out_add(&enc, tmp, w);
	free(tmp);
	if (opt & OPT_WRAP)
		check_lines(enc.s, enc.len, ENC_LINE, opt & OPT_CRLF, 0);
	else {
		FUZZ_CHECK(memchr(enc.s, '\n', enc.len) == NULL);
		FUZZ_CHECK(enc.len == (n + 2) / 3 * 4);
	}

	dec.s = malloc(n + 1);
	dec.len = 0;
	dec_b64_init(&d);
	for (off = 0; off < enc.len; off += k) {
		k = fuzz_chunks_next(&ch, enc.len - off);
		tmp = malloc(DEC_B64_BOUND(k));
		w = dec_b64_update(&d, enc.s + off, k, tmp);
		FUZZ_CHECK(w <= DEC_B64_BOUND(k));
		FUZZ_CHECK(dec.len + w <= n);
		out_add(&dec, tmp, w);
		free(tmp);
	}
	FUZZ_CHECK(dec_b64_final(&d) == 0);
	FUZZ_CHECK(d.bad == 0);
	FUZZ_CHECK(dec.len == n && memcmp(dec.s, x, n) == 0);
	free(enc.s);
	free(dec.s);
}

/* x with CRLF and LF line breaks written as the decoder writes them */
static size_t
canonical(const char *x, size_t n, int crlf, char *out)
{
	size_t	 i, o = 0;

	for (i = 0; i < n; i++) {
		if (x[i] == '\r' && i + 1 < n && x[i + 1] == '\n')
			continue;
		if (x[i] == '\n' && crlf)
			out[o++] = '\r';
		out[o++] = x[i];
	}
	return o;
}

static void
fuzz_qp(const char *x, size_t n, const struct fuzz_chunks *seed, int opt,
    int binary)
{
	struct fuzz_chunks	 ch = *seed;
	struct enc_qp		 e;
	struct dec_qp		 d;
	struct out		 enc, dec;
	char			*tmp, *want;
	size_t			 off, k, w, wl;

	enc.s = malloc(ENC_QP_BOUND(n) + 8 * n + 16);
	enc.len = 0;
	enc_qp_init(&e, (binary ? QP_BINARY : 0) |
	    (opt & OPT_CRLF ? QP_CRLF : 0));
	for (off = 0; off < n; off += k) {
		k = fuzz_chunks_next(&ch, n - off);
		tmp = malloc(ENC_QP_BOUND(k));
		w = enc_qp_update(&e, x + off, k, tmp);
		FUZZ_CHECK(w <= ENC_QP_BOUND(k));
		out_add(&enc, tmp, w);
		free(tmp);
	}
	tmp = malloc(ENC_QP_BOUND(0));
	w = enc_qp_final(&e, tmp);
	FUZZ_CHECK(w <= ENC_QP_BOUND(0));
	out_add(&enc, tmp, w);
	free(tmp);
	check_lines(enc.s, enc.len, ENC_LINE, opt & OPT_CRLF, 1);
	/* no line starts with a dot or "From " (see qp_lit) */
	for (off = 0; off < enc.len; off++)
		if (off == 0 || enc.s[off - 1] == '\n')
			FUZZ_CHECK(enc.s[off] != '.' && enc.s[off] != 'F');

	dec.s = malloc(2 * n + QP_WSMAX + 16);
	dec.len = 0;
	dec_qp_init(&d, opt & OPT_DCRLF);
	for (off = 0; off < enc.len; off += k) {
		k = fuzz_chunks_next(&ch, enc.len - off);
		tmp = malloc(DEC_QP_BOUND(k));
		w = dec_qp_update(&d, enc.s + off, k, tmp);
		FUZZ_CHECK(w <= DEC_QP_BOUND(k));
		FUZZ_CHECK(dec.len + w <= 2 * n);
		out_add(&dec, tmp, w);
		free(tmp);
	}
	tmp = malloc(DEC_QP_BOUND(0));
	w = dec_qp_final(&d, tmp);
	FUZZ_CHECK(w <= DEC_QP_BOUND(0));
	out_add(&dec, tmp, w);
	free(tmp);
	FUZZ_CHECK(d.bad == 0);
	want = malloc(2 * n + 1);
	if (binary) {
		/* line breaks are data: the decoder never sees one */
		memcpy(want, x, n);
		wl = n;
	} else
		wl = canonical(x, n, opt & OPT_DCRLF, want);
	FUZZ_CHECK(dec.len == wl && memcmp(dec.s, want, wl) == 0);
	free(want);
	free(enc.s);
	free(dec.s);
}

/* The decoders on raw input: chunked == whole, within the bounds. */
static void
fuzz_decoders(const char *x, size_t n, const struct fuzz_chunks *seed,
    int opt)
{
	struct fuzz_chunks	 ch = *seed;
	struct dec_b64		 d1, d2;
	struct dec_qp		 q1, q2;
	struct out		 a, b;
	char			*tmp;
	size_t			 off, k, w;
	int			 f1, f2;

	a.s = malloc(DEC_B64_BOUND(n));
	dec_b64_init(&d1);
	a.len = dec_b64_update(&d1, x, n, a.s);
	FUZZ_CHECK(a.len <= DEC_B64_BOUND(n));
	f1 = dec_b64_final(&d1);
	b.s = malloc(n + 8);
	b.len = 0;
	dec_b64_init(&d2);
	for (off = 0; off < n; off += k) {
		k = fuzz_chunks_next(&ch, n - off);
		tmp = malloc(DEC_B64_BOUND(k));
		w = dec_b64_update(&d2, x + off, k, tmp);
		FUZZ_CHECK(w <= DEC_B64_BOUND(k));
		FUZZ_CHECK(b.len + w <= n);
		out_add(&b, tmp, w);
		free(tmp);
	}
	f2 = dec_b64_final(&d2);
	FUZZ_CHECK(f1 == f2 && d1.bad == d2.bad);
	FUZZ_CHECK(a.len == b.len && memcmp(a.s, b.s, a.len) == 0);
	free(a.s);
	free(b.s);

	a.s = malloc(DEC_QP_BOUND(n) + DEC_QP_BOUND(0));
	dec_qp_init(&q1, opt & OPT_DCRLF);
	a.len = dec_qp_update(&q1, x, n, a.s);
	FUZZ_CHECK(a.len <= DEC_QP_BOUND(n));
	a.len += dec_qp_final(&q1, a.s + a.len);
	b.s = malloc(2 * n + QP_WSMAX + 16);
	b.len = 0;
	dec_qp_init(&q2, opt & OPT_DCRLF);
	for (off = 0; off < n; off += k) {
		k = fuzz_chunks_next(&ch, n - off);
		tmp = malloc(DEC_QP_BOUND(k));
		w = dec_qp_update(&q2, x + off, k, tmp);
		FUZZ_CHECK(w <= DEC_QP_BOUND(k));
		out_add(&b, tmp, w);
		free(tmp);
	}
	tmp = malloc(DEC_QP_BOUND(0));
	w = dec_qp_final(&q2, tmp);
	FUZZ_CHECK(w <= DEC_QP_BOUND(0));
	out_add(&b, tmp, w);
	free(tmp);
	FUZZ_CHECK(q1.bad == q2.bad);
	FUZZ_CHECK(a.len == b.len && memcmp(a.s, b.s, a.len) == 0);
	FUZZ_CHECK(b.len <= 2 * n);
	free(a.s);
	free(b.s);
}

static void
fuzz_class(const char *x, size_t n, const struct fuzz_chunks *seed, int opt)
{
	struct fuzz_chunks	 ch = *seed;
	struct enc_class	 c1, c2;
	size_t			 off, k, i, col = 0, maxline = 0;
	int			 r, ascii = 1, delim = 0;

	enc_class_init(&c1);
	enc_class_update(&c1, x, n);
	r = enc_class_result(&c1);
	enc_class_init(&c2);
	for (off = 0; off < n; off += k) {
		k = fuzz_chunks_next(&ch, n - off);
		enc_class_update(&c2, x + off, k);
	}
	FUZZ_CHECK(enc_class_result(&c2) == r);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)x[i];

		if (c == '\n') {
			col = 0;
			continue;
		}
		if (col == 0 && n - i >= 4 && memcmp(x + i, "--=_", 4) == 0)
			delim = 1;
		if (++col > maxline)
			maxline = col;
		if (c >= 0x80 || c == 127 || c == '\r' ||
		    (c < 32 && c != '\t' && c != '\f'))
			ascii = 0;
	}
	if (r == ENC_7BIT)
		FUZZ_CHECK(ascii && maxline <= 78 && !delim);
	if (ascii && maxline <= 78 && !delim)
		FUZZ_CHECK(r == ENC_7BIT);
	/* what is not base64 goes as text, and QP text keeps it exactly */
	if (r != ENC_BASE64) {
		FUZZ_CHECK(memchr(x, '\r', n) == NULL);
		FUZZ_CHECK(memchr(x, '\0', n) == NULL);
		fuzz_qp(x, n, seed, opt & ~OPT_DCRLF, 0);
	}
}

static void
fuzz_rfc2047(const char *x, size_t n, int opt)
{
	struct buf	 enc = BUF_INIT, dec = BUF_INIT, w = BUF_INIT;
	const char	*cs = opt & OPT_LATIN ? "iso-8859-1" : "utf-8";
	size_t		 col0 = (size_t)((opt & OPT_COL) >> 4) * 11, col, i, j;
	size_t		 lc, skip = 0;

	col = col0;
	FUZZ_CHECK(rfc2047_encode(&enc, x, n, cs, opt & OPT_PHRASE,
	    &col) == 0);
	if (n == 0) {
		FUZZ_CHECK(enc.len == 0);
		return;
	}
	FUZZ_CHECK(enc.s != NULL);
	/* lines within 78 columns, the first from col0; *col is the last's */
	lc = col0;
	for (i = 0; i < enc.len; i++) {
		if (enc.s[i] == '\n') {
			FUZZ_CHECK(lc <= 78);
			FUZZ_CHECK(i + 1 < enc.len && enc.s[i + 1] == ' ');
			lc = 0;
			continue;
		}
		FUZZ_CHECK(enc.s[i] >= 32 && enc.s[i] <= 126);
		lc++;
	}
	FUZZ_CHECK(lc <= 78);
	FUZZ_CHECK(col == lc);
	/* a fold before the first word is header white space, not text */
	if (enc.len >= 2 && enc.s[0] == '\n' && enc.s[1] == ' ')
		skip = 2;
	FUZZ_CHECK(rfc2047_decode(&dec, enc.s + skip, enc.len - skip) == 0);
	if (dec.len != n || memcmp(dec.s, x, n) != 0) {
		fprintf(stderr, "encoded: [%s]\n", enc.s);
		abort();
	}
	/* each word alone: at most 75 characters, whole characters */
	for (i = skip; i < enc.len; i = j + 2) {
		for (j = i; j < enc.len && enc.s[j] != '\n'; j++)
			;
		FUZZ_CHECK(j - i <= 75 + (i > skip));
		buf_reset(&w);
		FUZZ_CHECK(rfc2047_decode(&w, enc.s + i, j - i) == 0);
		if (!(opt & OPT_LATIN) && utf8_valid(x, n))
			FUZZ_CHECK(w.len == 0 || utf8_valid(w.s, w.len));
	}
	buf_free(&enc);
	buf_free(&dec);
	buf_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_chunks	 ch;
	const char		*x;
	int			 opt;

	fuzz_chunks_init(&ch, &data, &size, 200);
	if (size < 1)
		return 0;
	opt = data[0];
	x = (const char *)data + 1;
	size--;

	fuzz_b64(x, size, &ch, opt);
	fuzz_qp(x, size, &ch, opt, 1);
	fuzz_qp(x, size, &ch, opt, 0);
	fuzz_decoders(x, size, &ch, opt);
	fuzz_class(x, size, &ch, opt);
	if (size <= 4096)
		fuzz_rfc2047(x, size, opt);
	return 0;
}
