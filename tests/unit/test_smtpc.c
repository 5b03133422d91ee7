/*
 * Unit tests for lib/smtpc.c: replies, EHLO keywords, the DATA encoder
 * and the 8BITMIME downgrade.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enc.h"
#include "smtpc.h"

static int
feed(struct smtpc_reply *r, const char *line)
{
	return smtpc_reply_feed(r, line, strlen(line));
}

static void
test_reply_single(void **state)
{
	struct smtpc_reply	 r;
	char			 st[16];

	smtpc_reply_init(&r, 1024);
	assert_int_equal(feed(&r, "550 5.1.1 <x@y>: no such user\r\n"),
	    SMTPC_DONE);
	assert_int_equal(r.code, 550);
	assert_string_equal(r.enh, "5.1.1");
	assert_string_equal(r.text.s, "5.1.1 <x@y>: no such user");
	assert_string_equal(smtpc_reply_status(&r, st, sizeof(st)), "5.1.1");

	smtpc_reply_reset(&r);
	assert_int_equal(feed(&r, "451 try later\r\n"), SMTPC_DONE);
	assert_string_equal(r.enh, "");
	assert_string_equal(smtpc_reply_status(&r, st, sizeof(st)), "4.0.0");

	/* a class that does not match the code is no enhanced code */
	smtpc_reply_reset(&r);
	assert_int_equal(feed(&r, "550 4.1.1 odd\r\n"), SMTPC_DONE);
	assert_string_equal(r.enh, "");
	smtpc_reply_reset(&r);
	assert_int_equal(feed(&r, "550 5.1.1000 odd\r\n"), SMTPC_DONE);
	assert_string_equal(r.enh, "");
	smtpc_reply_reset(&r);
	assert_int_equal(feed(&r, "250\r\n"), SMTPC_DONE);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.text.s, "");
	smtpc_reply_free(&r);
}

static void
test_reply_multiline(void **state)
{
	struct smtpc_reply	 r;

	smtpc_reply_init(&r, 1024);
	assert_int_equal(feed(&r, "550-5.7.1 first line\r\n"), SMTPC_MORE);
	assert_int_equal(feed(&r, "550-5.7.1 second\tline\r\n"), SMTPC_MORE);
	assert_int_equal(feed(&r, "550 5.7.1 last \x01\xff\r\n"), SMTPC_DONE);
	assert_string_equal(r.enh, "5.7.1");
	assert_string_equal(r.text.s, "5.7.1 first line second line last ??");
	assert_int_equal(r.nlines, 3);
	smtpc_reply_free(&r);
}

static void
test_reply_bad(void **state)
{
	struct smtpc_reply	 r;

	smtpc_reply_init(&r, 32);
	assert_int_equal(feed(&r, "hello\r\n"), SMTPC_EBAD);
	assert_int_equal(feed(&r, "25\r\n"), SMTPC_EBAD);
	assert_int_equal(feed(&r, "199 x\r\n"), SMTPC_EBAD);
	assert_int_equal(feed(&r, "250x\r\n"), SMTPC_EBAD);
	assert_int_equal(feed(&r, "250-a\r\n"), SMTPC_MORE);
	/* a continuation with another code */
	assert_int_equal(feed(&r, "251 b\r\n"), SMTPC_EBAD);
	smtpc_reply_reset(&r);
	assert_int_equal(feed(&r, "250-aaaaaaaaaaaaaaaaaaaa\r\n"), SMTPC_MORE);
	assert_int_equal(feed(&r, "250 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n"),
	    SMTPC_ELONG);
	smtpc_reply_free(&r);
}

static void
test_ehlo(void **state)
{
	struct smtpc_reply	 r;
	struct smtpc_ehlo	 x;

	smtpc_reply_init(&r, 4096);
	feed(&r, "250-mx.example.test greets you; SIZE PIPELINING\r\n");
	feed(&r, "250-pipelining\r\n");
	feed(&r, "250-SIZE 10240000\r\n");
	feed(&r, "250-8BITMIME\r\n");
	feed(&r, "250-AUTH LOGIN PLAIN CRAM-MD5\r\n");
	feed(&r, "250-DSN\r\n");
	feed(&r, "250-ENHANCEDSTATUSCODES\r\n");
	assert_int_equal(feed(&r, "250 STARTTLS\r\n"), SMTPC_DONE);
	smtpc_ehlo_parse(&r, &x);
	assert_int_equal(x.ext, SMTPC_X_PIPELINING | SMTPC_X_SIZE |
	    SMTPC_X_8BITMIME | SMTPC_X_AUTH | SMTPC_X_DSN |
	    SMTPC_X_ENHANCED | SMTPC_X_STARTTLS);
	assert_int_equal(x.size, 10240000);
	assert_int_equal(x.auth, SMTPC_AUTH_PLAIN | SMTPC_AUTH_LOGIN);

	/* the greeting line alone offers nothing; old AUTH= form */
	smtpc_reply_reset(&r);
	feed(&r, "250-STARTTLS\r\n");
	feed(&r, "250-AUTH=LOGIN\r\n");
	feed(&r, "250 SIZE\r\n");
	smtpc_ehlo_parse(&r, &x);
	assert_int_equal(x.ext, SMTPC_X_AUTH | SMTPC_X_SIZE);
	assert_int_equal(x.auth, SMTPC_AUTH_LOGIN);
	assert_int_equal(x.size, 0);

	smtpc_reply_reset(&r);
	feed(&r, "250 only.name\r\n");
	smtpc_ehlo_parse(&r, &x);
	assert_int_equal(x.ext, 0);
	smtpc_reply_free(&r);
}

static char *
encode(const char *in, size_t len, size_t chunk, size_t *outlen)
{
	struct smtpc_enc	 e;
	char			*out;
	size_t			 off, n, o = 0;

	out = malloc(SMTPC_ENC_BOUND(len) + SMTPC_ENC_FINAL + 1);
	assert_non_null(out);
	smtpc_enc_init(&e);
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		o += smtpc_enc_update(&e, in + off, n, out + o);
	}
	o += smtpc_enc_final(&e, out + o);
	out[o] = '\0';
	*outlen = o;
	return out;
}

static void
test_enc(void **state)
{
	static const struct {
		const char	*in, *out;
	} t[] = {
		{ "", ".\r\n" },
		{ "a\n", "a\r\n.\r\n" },
		{ "a", "a\r\n.\r\n" },
		{ ".\n", "..\r\n.\r\n" },
		{ "x\n.\n..y\n", "x\r\n..\r\n...y\r\n.\r\n" },
		{ "a.b\n .c\n", "a.b\r\n .c\r\n.\r\n" },
		{ "crlf\r\n.dot\r\n", "crlf\r\n..dot\r\n.\r\n" },
		{ "bare\rcr", "bare\r\ncr\r\n.\r\n" },
		{ "end\r", "end\r\n.\r\n" },
		{ "\n\n", "\r\n\r\n.\r\n" },
		{ "h\xc3\xa9\n", "h\xc3\xa9\r\n.\r\n" },
	};
	size_t	 i, chunk, n;
	char	*o;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* any chunking gives the same bytes */
		for (chunk = 1; chunk <= 16; chunk++) {
			o = encode(t[i].in, strlen(t[i].in), chunk, &n);
			assert_string_equal(o, t[i].out);
			free(o);
		}
	}
}

static void
test_is_8bit(void **state)
{
	unsigned long long	 lines;

	assert_false(smtpc_is_8bit("a\nb\n", 4, &lines));
	assert_int_equal(lines, 2);
	assert_true(smtpc_is_8bit("a\xe9\n", 3, &lines));
	assert_true(smtpc_is_8bit("a\0b", 3, NULL));
}

/* Decode quoted-printable text with LF line ends. */
static char *
qp_decode(const char *s, size_t len, size_t *outlen)
{
	struct dec_qp	 d;
	char		*out = malloc(DEC_QP_BOUND(len) + 1);
	size_t		 n;

	assert_non_null(out);
	dec_qp_init(&d, 0);
	n = dec_qp_update(&d, s, len, out);
	n += dec_qp_final(&d, out + n);
	out[n] = '\0';
	*outlen = n;
	return out;
}

static void
test_downgrade_text(void **state)
{
	const char	*msg = "Subject: hi\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\ncaf\xc3\xa9 = ok\n.\nend\n";
	struct buf	 out = BUF_INIT;
	const char	*body;
	char		*dec;
	size_t		 n;

	assert_int_equal(smtpc_downgrade(msg, strlen(msg), &out, 10), 0);
	assert_false(smtpc_is_8bit(out.s, out.len, NULL));
	assert_non_null(strstr(out.s,
	    "Content-Transfer-Encoding: quoted-printable\n"));
	assert_null(strstr(out.s, "8bit"));
	assert_non_null(strstr(out.s, "MIME-Version: 1.0\n"));
	assert_non_null(strstr(out.s, "Subject: hi\n"));
	body = strstr(out.s, "\n\n") + 2;
	dec = qp_decode(body, out.len - (body - out.s), &n);
	assert_string_equal(dec, "caf\xc3\xa9 = ok\n.\nend\n");
	free(dec);
	buf_free(&out);
}

static void
test_downgrade_7bit(void **state)
{
	const char	*msg = "Subject: plain\n\nall ascii\n";
	struct buf	 out = BUF_INIT;

	assert_int_equal(smtpc_downgrade(msg, strlen(msg), &out, 10), 0);
	assert_string_equal(out.s, msg);
	buf_free(&out);
}

static void
test_downgrade_multipart(void **state)
{
	const char	*msg = "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed;\n boundary=\"=_b1\"\n"
	    "Content-Transfer-Encoding: 8bit\n\n"
	    "preamble\n"
	    "--=_b1\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n"
	    "gr\xc3\xbc\xc3\x9f dich\n"
	    "--=_b1\n"
	    "Content-Type: text/plain\n\n"
	    "ascii part\n"
	    "--=_b1\n"
	    "Content-Type: application/octet-stream\n\n"
	    "\x01\x02\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\n"
	    "--=_b1--\n"
	    "epilogue\n";
	struct buf	 out = BUF_INIT;
	char		*p, *q, *dec;
	size_t		 n;

	assert_int_equal(smtpc_downgrade(msg, strlen(msg), &out, 10), 0);
	assert_false(smtpc_is_8bit(out.s, out.len, NULL));
	/* the multipart itself is relabelled 7bit, MIME-Version kept once */
	p = strstr(out.s, "\n\n");
	assert_non_null(p);
	assert_non_null(strstr(out.s, "Content-Transfer-Encoding: 7bit\n\npreamble\n--=_b1\n"));
	assert_null(strstr(out.s + 10, "MIME-Version"));
	/* first part: quoted-printable that decodes to the original */
	p = strstr(out.s, "Content-Transfer-Encoding: quoted-printable\n\n");
	assert_non_null(p);
	p += strlen("Content-Transfer-Encoding: quoted-printable\n\n");
	q = strstr(p, "\n--=_b1\n");
	assert_non_null(q);
	dec = qp_decode(p, q - p, &n);
	assert_string_equal(dec, "gr\xc3\xbc\xc3\x9f dich");
	free(dec);
	/* the ASCII part is untouched, the binary one is base64 */
	assert_non_null(strstr(out.s, "Content-Type: text/plain\n\nascii part\n--=_b1\n"));
	assert_non_null(strstr(out.s, "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\nAQKAgYKDhIWGh4iJios=\n\n--=_b1--\nepilogue\n"));
	buf_free(&out);
}

static void
test_downgrade_nested(void **state)
{
	const char	*msg = "Content-Type: message/rfc822\n\n"
	    "Subject: inner\nContent-Type: text/plain\n\n\xe9t\xe9\n";
	struct buf	 out = BUF_INIT;

	assert_int_equal(smtpc_downgrade(msg, strlen(msg), &out, 10), 0);
	assert_string_equal(out.s, "Content-Type: message/rfc822\n\n"
	    "Subject: inner\nContent-Type: text/plain\nMIME-Version: 1.0\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n=E9t=E9\n");
	/* depth 0: nothing below the top is looked at */
	buf_reset(&out);
	assert_int_equal(smtpc_downgrade(msg, strlen(msg), &out, 0), 0);
	assert_string_equal(out.s, msg);
	buf_free(&out);
}

/* Found by fuzz_smtpc: a header with no empty line got one added. */
static void
test_downgrade_header_only(void **state)
{
	static const char *const msgs[] = {
		"Content-Type: multipart/mixed; boundary=\"b\"",
		"Content-Type: multipart/mixed; boundary=\"b\"\n",
		"Content-Type: message/rfc822\n",
		"Subject: x",
	};
	struct buf	 out = BUF_INIT;
	size_t		 i;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		buf_reset(&out);
		assert_int_equal(smtpc_downgrade(msgs[i], strlen(msgs[i]),
		    &out, 10), 0);
		assert_int_equal(out.len, strlen(msgs[i]));
		assert_memory_equal(out.s, msgs[i], out.len);
	}
	buf_free(&out);
}

static void
test_downgrade_longline(void **state)
{
	struct buf	 msg = BUF_INIT, out = BUF_INIT;
	const char	*body, *p, *nl;
	char		*dec;
	size_t		 n, i;

	buf_adds(&msg, "Subject: long\n\n");
	for (i = 0; i < 1200; i++)
		buf_addc(&msg, 'a' + i % 26);
	buf_adds(&msg, "\nshort\n");
	assert_int_equal(smtpc_downgrade(msg.s, msg.len, &out, 10), 0);
	assert_non_null(strstr(out.s,
	    "Content-Transfer-Encoding: quoted-printable\n"));
	for (p = out.s; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		assert_true(nl - p <= 76);
	body = strstr(out.s, "\n\n") + 2;
	dec = qp_decode(body, out.len - (body - out.s), &n);
	assert_int_equal(n, msg.len - strlen("Subject: long\n\n"));
	assert_memory_equal(dec, msg.s + strlen("Subject: long\n\n"), n);
	free(dec);
	/* 998 octets is still a line */
	buf_reset(&msg);
	buf_reset(&out);
	buf_adds(&msg, "Subject: fits\n\n");
	for (i = 0; i < SMTPC_LINEMAX; i++)
		buf_addc(&msg, 'x');
	buf_addc(&msg, '\n');
	assert_int_equal(smtpc_downgrade(msg.s, msg.len, &out, 10), 0);
	assert_int_equal(out.len, msg.len);
	assert_memory_equal(out.s, msg.s, msg.len);
	buf_free(&msg);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_single),
		cmocka_unit_test(test_reply_multiline),
		cmocka_unit_test(test_reply_bad),
		cmocka_unit_test(test_ehlo),
		cmocka_unit_test(test_enc),
		cmocka_unit_test(test_is_8bit),
		cmocka_unit_test(test_downgrade_text),
		cmocka_unit_test(test_downgrade_7bit),
		cmocka_unit_test(test_downgrade_multipart),
		cmocka_unit_test(test_downgrade_nested),
		cmocka_unit_test(test_downgrade_longline),
		cmocka_unit_test(test_downgrade_header_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
