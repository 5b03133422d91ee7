/* Unit tests for lib/enc: base64, quoted-printable, RFC 2047. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "enc.h"

/* Encode in chunks of `step` octets; returns a malloc'ed string. */
static char *
b64(const void *in, size_t n, size_t step, int wrap, size_t *olen)
{
	struct enc_b64 e;
	char *out = malloc(ENC_B64_BOUND(n) + 16);
	size_t o = 0, i, k;

	enc_b64_init(&e, wrap, 0);
	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		o += enc_b64_update(&e, (const char *)in + i, k, out + o);
	}
	o += enc_b64_final(&e, out + o);
	out[o] = '\0';
	*olen = o;
	return out;
}

static char *
qp(const void *in, size_t n, size_t step, int flags, size_t *olen)
{
	struct enc_qp e;
	char *out = malloc(ENC_QP_BOUND(n) + 16);
	size_t o = 0, i, k;

	enc_qp_init(&e, flags);
	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		o += enc_qp_update(&e, (const char *)in + i, k, out + o);
	}
	o += enc_qp_final(&e, out + o);
	out[o] = '\0';
	*olen = o;
	return out;
}

static void
test_b64_vectors(void **state)
{
	/* RFC 4648 10 */
	const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *want[] = { "", "Zg==\n", "Zm8=\n", "Zm9v\n", "Zm9vYg==\n",
	    "Zm9vYmE=\n", "Zm9vYmFy\n" };
	size_t i, n;
	char *s;

	for (i = 0; i < 7; i++) {
		s = b64(in[i], strlen(in[i]), 1, 1, &n);
		assert_string_equal(s, want[i]);
		free(s);
	}
}

static void
check_lines(const char *s, size_t n, size_t max)
{
	size_t col = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n') {
			col = 0;
			continue;
		}
		col++;
		assert_true(col <= max);
	}
}

static void
test_b64_roundtrip_chunks(void **state)
{
	unsigned char data[5000], *dec;
	size_t steps[] = { 1, 2, 3, 7, 57, 58, 100, 4096, 5000 };
	size_t i, n, k, len, o;
	struct dec_b64 d;
	char *s, *ref;

	srand(7);
	for (i = 0; i < sizeof(data); i++)
		data[i] = rand();
	ref = b64(data, sizeof(data), sizeof(data), 1, &len);
	check_lines(ref, len, 76);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		s = b64(data, sizeof(data), steps[i], 1, &n);
		assert_int_equal(n, len);
		assert_memory_equal(s, ref, n);
		/* decode in odd chunks */
		dec = malloc(DEC_B64_BOUND(n) + 16);
		dec_b64_init(&d);
		o = 0;
		for (k = 0; k < n; k += steps[i])
			o += dec_b64_update(&d, s + k,
			    n - k < steps[i] ? n - k : steps[i], dec + o);
		assert_int_equal(dec_b64_final(&d), 0);
		assert_int_equal(d.bad, 0);
		assert_int_equal(o, sizeof(data));
		assert_memory_equal(dec, data, o);
		free(dec);
		free(s);
	}
	free(ref);
}

static void
test_b64_decode_bad(void **state)
{
	struct dec_b64 d;
	unsigned char out[64];

	dec_b64_init(&d);
	dec_b64_update(&d, "Zm9v!Yg==", 9, out);
	assert_int_equal(d.bad, 1);
	dec_b64_init(&d);
	dec_b64_update(&d, "Zm9vY", 5, out);
	assert_int_equal(dec_b64_final(&d), -1);
}

static char *
unqp(const char *s, size_t n, size_t step, size_t *olen, unsigned long *bad)
{
	struct dec_qp d;
	char *out = malloc(DEC_QP_BOUND(n) + 16);
	size_t o = 0, i, k;

	dec_qp_init(&d, 0);
	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		o += dec_qp_update(&d, s + i, k, out + o);
	}
	o += dec_qp_final(&d, out + o);
	*olen = o;
	*bad = d.bad;
	return out;
}

/* Found by fuzzing: a CRLF decoder writes two octets for each LF,
 * twice what DEC_QP_BOUND() allowed for. */
static void
test_qp_crlf_decoder_stays_within_its_bound(void **state)
{
	struct dec_qp d;
	char in[300], *out;
	size_t w;

	memset(in, '\n', sizeof(in));
	out = malloc(DEC_QP_BOUND(sizeof(in)));
	assert_non_null(out);
	dec_qp_init(&d, 1);
	w = dec_qp_update(&d, in, sizeof(in), out);
	assert_int_equal(w, 2 * sizeof(in));
	assert_true(w <= DEC_QP_BOUND(sizeof(in)));
	assert_memory_equal(out, "\r\n\r\n", 4);
	free(out);
}

static void
test_qp_rules(void **state)
{
	size_t n;
	char *s;

	/* 6.7 (1) "=" and 8-bit; (3) trailing white space */
	s = qp("a=b \xc3\xa9 \nx\t\n", 11, 1, 0, &n);
	assert_string_equal(s, "a=3Db =C3=A9=20\nx=09\n");
	free(s);
	/* no final line break: a soft one, and trailing blank encoded */
	s = qp("end ", 4, 2, 0, &n);
	assert_string_equal(s, "end=20=\n");
	free(s);
	/* CRLF is a line break; bare CR is data */
	s = qp("a\r\nb\rc", 6, 1, 0, &n);
	assert_string_equal(s, "a\nb=0Dc=\n");
	free(s);
	/* dots and From at line starts */
	s = qp(".\nFrom x\n", 9, 1, 0, &n);
	assert_string_equal(s, "=2E\n=46rom x\n");
	free(s);
	/* binary mode */
	s = qp("a\r\n", 3, 1, QP_BINARY, &n);
	assert_string_equal(s, "a=0D=0A=\n");
	free(s);
}

static void
test_qp_roundtrip(void **state)
{
	unsigned char data[3000];
	size_t steps[] = { 1, 3, 75, 76, 77, 3000 };
	size_t i, j, n, m;
	unsigned long bad;
	char *s, *d;

	srand(11);
	/* text-like: printable, blanks, =, 8-bit, LF, long lines */
	for (i = 0; i < sizeof(data); i++) {
		j = rand() % 40;
		data[i] = j == 0 ? '\n' : j < 4 ? ' ' : j == 4 ? '\t' :
		    j == 5 ? '=' : j == 6 ? 0xe9 : 'a' + j % 26;
	}
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		s = qp(data, sizeof(data), steps[i], 0, &n);
		check_lines(s, n, 76);
		/* no line ends in white space */
		for (j = 1; j < n; j++)
			if (s[j] == '\n')
				assert_true(s[j - 1] != ' ' && s[j - 1] != '\t');
		d = unqp(s, n, steps[i], &m, &bad);
		assert_int_equal(bad, 0);
		assert_int_equal(m, sizeof(data));
		assert_memory_equal(d, data, m);
		free(d);
		free(s);
	}
	/* binary data survives QP_BINARY */
	for (i = 0; i < sizeof(data); i++)
		data[i] = rand();
	s = qp(data, sizeof(data), 5, QP_BINARY, &n);
	check_lines(s, n, 76);
	d = unqp(s, n, 9, &m, &bad);
	assert_int_equal(m, sizeof(data));
	assert_memory_equal(d, data, m);
	free(d);
	free(s);
}

static void
test_qp_decode_lenient(void **state)
{
	size_t m;
	unsigned long bad;
	char *d;

	/* transport padding after "=", trailing blanks, lowercase hex */
	d = unqp("a=  \r\nb  \r\n=e9=zz", 17, 1, &m, &bad);
	assert_int_equal(m, 7);
	assert_memory_equal(d, "ab\n\xe9=zz", 7);
	assert_int_equal(bad, 1);
	free(d);
}

static void
test_rfc2047(void **state)
{
	struct buf b = BUF_INIT, d = BUF_INIT;
	const char *subj = "R\xc3\xa9sum\xc3\xa9 of the quarterly numbers, "
	    "\xe2\x82\xac 1234, and a long tail of words to force folding";
	size_t col = 9, i, c;

	assert_true(rfc2047_needed(subj, strlen(subj)));
	assert_false(rfc2047_needed("plain text", 10));
	assert_true(rfc2047_needed("a =?x?Q?y?= b", 13));
	assert_int_equal(rfc2047_encode(&b, subj, strlen(subj), "utf-8", 0,
	    &col), 0);
	buf_addc(&b, '\0');
	/* lines within 78 (first line after "Subject: ") */
	for (i = 0, c = 9; i < b.len - 1; i++) {
		if (b.s[i] == '\n')
			c = 0;
		else
			assert_true(++c <= 78);
	}
	assert_non_null(strstr(b.s, "=?utf-8?Q?"));
	assert_int_equal(rfc2047_decode(&d, b.s, b.len - 1), 0);
	assert_string_equal(d.s, subj);
	buf_reset(&d);
	/* mostly non-ASCII picks B */
	buf_reset(&b);
	col = 0;
	rfc2047_encode(&b, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
	    12, "utf-8", 1, &col);
	buf_addc(&b, '\0');
	assert_string_equal(b.s, "=?utf-8?B?0J/RgNC40LLQtdGC?=");
	/* decoding: space between words dropped, kept elsewhere */
	rfc2047_decode(&d, "a =?utf-8?q?x_y?= =?UTF-8?B?eg==?= b =?bad", 42);
	assert_string_equal(d.s, "a x yz b =?bad");
	buf_free(&b);
	buf_free(&d);
}

static void
test_class(void **state)
{
	struct enc_class k;
	char line[100];

	enc_class_init(&k);
	enc_class_update(&k, "hello\nworld\n", 12);
	assert_int_equal(enc_class_result(&k), ENC_7BIT);
	enc_class_init(&k);
	enc_class_update(&k, "caf\xc3\xa9 ok and more words\n", 24);
	assert_int_equal(enc_class_result(&k), ENC_QP);
	assert_false(k.utf8bad);
	memset(line, 'x', sizeof(line));
	enc_class_init(&k);
	enc_class_update(&k, line, sizeof(line));
	assert_int_equal(enc_class_result(&k), ENC_QP);
	enc_class_init(&k);
	enc_class_update(&k, "a\r\nb\r\n", 6);
	assert_int_equal(enc_class_result(&k), ENC_BASE64);
	/* a line that could be a delimiter of ours is never 7bit */
	enc_class_init(&k);
	enc_class_update(&k, "ok\n--=", 6);
	enc_class_update(&k, "_x\n", 3);
	assert_int_equal(enc_class_result(&k), ENC_QP);
	enc_class_init(&k);
	enc_class_update(&k, "--=_x\n", 6);
	assert_int_equal(enc_class_result(&k), ENC_QP);
	enc_class_init(&k);
	enc_class_update(&k, "x--=_x\n --=_\n", 13);
	assert_int_equal(enc_class_result(&k), ENC_7BIT);
	enc_class_init(&k);
	enc_class_update(&k, "a\0b", 3);
	assert_int_equal(enc_class_result(&k), ENC_BASE64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_vectors),
		cmocka_unit_test(test_b64_roundtrip_chunks),
		cmocka_unit_test(test_b64_decode_bad),
		cmocka_unit_test(test_qp_crlf_decoder_stays_within_its_bound),
		cmocka_unit_test(test_qp_rules),
		cmocka_unit_test(test_qp_roundtrip),
		cmocka_unit_test(test_qp_decode_lenient),
		cmocka_unit_test(test_rfc2047),
		cmocka_unit_test(test_class),
	};

	return cmocka_run_group_tests_name("enc", tests, NULL, NULL);
}
