/*
 * Unit tests for lib/smtp.c: the SMTP command parser, the DATA/BDAT
 * decoder and the Received counter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smtp.h"

static int
parse(const char *line, struct smtp_cmd *c)
{
	const char	*why;

	return smtp_parse(line, strlen(line), 256, c, &why);
}

static void
test_verbs(void **state)
{
	struct smtp_cmd	 c;

	assert_int_equal(parse("ehlo client.test\r\n", &c), SMTP_OK);
	assert_int_equal(c.verb, SMTP_EHLO);
	assert_string_equal(c.arg, "client.test");
	assert_int_equal(parse("HELO [192.0.2.1]\r\n", &c), SMTP_OK);
	assert_int_equal(parse("QUIT\r\n", &c), SMTP_OK);
	assert_int_equal(c.verb, SMTP_QUIT);
	assert_int_equal(parse("Noop anything\r\n", &c), SMTP_OK);
	assert_int_equal(parse("STARTTLS\r\n", &c), SMTP_OK);
	assert_int_equal(c.verb, SMTP_STARTTLS);
	assert_int_equal(parse("SAML FROM:<a@b>\r\n", &c), SMTP_OK);
	assert_int_equal(c.verb, SMTP_SAML);
	assert_int_equal(parse("XYZZY\r\n", &c), SMTP_EUNKNOWN);
	assert_int_equal(parse("EHLO\r\n", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("EHLO a b\r\n", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("DATA x\r\n", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("QUIT \r\n", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("VRFY\r\n", &c), SMTP_ESYNTAX);
}

/* RFC 5321 2.3.8: CR and LF only as the line's end. */
static void
test_bare(void **state)
{
	struct smtp_cmd	 c;

	assert_int_equal(parse("NOOP\n", &c), SMTP_EBARE);
	assert_int_equal(parse("NOOP\r", &c), SMTP_EBARE);
	assert_int_equal(parse("NOOP", &c), SMTP_EBARE);
	assert_int_equal(parse("NO\rOP\r\n", &c), SMTP_EBARE);
	assert_int_equal(parse("NO\nOP\r\n", &c), SMTP_EBARE);
	assert_int_equal(smtp_parse("NO\0P\r\n", 6, 256, &c,
	    &(const char *){ NULL }), SMTP_ESYNTAX);
}

static void
test_mail(void **state)
{
	struct smtp_cmd	 c;

	assert_int_equal(parse("MAIL FROM:<a@b.test>\r\n", &c), SMTP_OK);
	assert_int_equal(c.verb, SMTP_MAIL);
	assert_string_equal(c.path.local, "a");
	assert_string_equal(c.path.domain, "b.test");
	assert_int_equal(c.size, -1);
	assert_int_equal(parse("mail from:<>\r\n", &c), SMTP_OK);
	assert_true(c.path.null);
	assert_int_equal(parse("MAIL FROM: <a@b.test>\r\n", &c), SMTP_OK);
	assert_int_equal(parse("MAIL FROM:<a@b.test> SIZE=1000 BODY=8BITMIME "
	    "SMTPUTF8 RET=hdrs ENVID=x+2By AUTH=<>\r\n", &c), SMTP_OK);
	assert_int_equal(c.size, 1000);
	assert_int_equal(c.body8, 1);
	assert_int_equal(c.smtputf8, 1);
	assert_string_equal(c.ret, "HDRS");
	assert_string_equal(c.envid, "x+2By");
	assert_int_equal(parse("MAIL FROM:<jörg@exämple.test> SMTPUTF8\r\n",
	    &c), SMTP_OK);
	assert_true(c.path.utf8);
	assert_int_equal(parse("MAIL TO:<a@b.test>\r\n", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("MAIL FROM:a@b.test\r\n", &c), SMTP_EPATH);
	assert_int_equal(parse("MAIL FROM:<a@b.test>x\r\n", &c),
	    SMTP_ESYNTAX);
	assert_int_equal(parse("MAIL FROM:<a@b.test> SIZE=x\r\n", &c),
	    SMTP_EPARAM);
	assert_int_equal(parse("MAIL FROM:<a@b.test> SIZE=1 SIZE=2\r\n", &c),
	    SMTP_EPARAM);
	assert_int_equal(parse("MAIL FROM:<a@b.test> BODY=BINARYMIME\r\n",
	    &c), SMTP_EPARAM);
	assert_int_equal(parse("MAIL FROM:<a@b.test> RET=ALL\r\n", &c),
	    SMTP_EPARAM);
	assert_int_equal(parse("MAIL FROM:<a@b.test> ENVID=a+zz\r\n", &c),
	    SMTP_EPARAM);
	assert_int_equal(parse("MAIL FROM:<a@b.test> FOO=bar\r\n", &c),
	    SMTP_EPARAM);
	assert_int_equal(parse("MAIL FROM:<a@b.test> NOTIFY=NEVER\r\n", &c),
	    SMTP_EPARAM);
}

static void
test_rcpt(void **state)
{
	struct smtp_cmd	 c;

	assert_int_equal(parse("RCPT TO:<bob@example.test> "
	    "NOTIFY=success,delay ORCPT=rfc822;bob+40x@example.test\r\n", &c),
	    SMTP_OK);
	assert_string_equal(c.notify, "SUCCESS,DELAY");
	assert_string_equal(c.orcpt, "rfc822;bob+40x@example.test");
	assert_int_equal(parse("RCPT TO:<Postmaster>\r\n", &c), SMTP_OK);
	assert_string_equal(c.path.domain, "");
	assert_int_equal(parse("RCPT TO:<@a.test,@b.test:u@c.test>\r\n", &c),
	    SMTP_OK);
	assert_true(c.path.route);
	assert_int_equal(parse("RCPT TO:<\"u@x\"@c.test>\r\n", &c), SMTP_OK);
	assert_string_equal(c.path.local, "u@x");
	assert_int_equal(parse("RCPT TO:<u@c.test.>\r\n", &c), SMTP_EPATH);
	assert_int_equal(parse("RCPT TO:<>\r\n", &c), SMTP_EPATH);
	assert_int_equal(parse("RCPT TO:<u@c.test> NOTIFY=NEVER,DELAY\r\n",
	    &c), SMTP_EPARAM);
	assert_int_equal(parse("RCPT TO:<u@c.test> NOTIFY=DELAY,DELAY\r\n",
	    &c), SMTP_EPARAM);
	assert_int_equal(parse("RCPT TO:<u@c.test> NOTIFY=DELAY,\r\n", &c),
	    SMTP_EPARAM);
	assert_int_equal(parse("RCPT TO:<u@c.test> ORCPT=nosemicolon\r\n",
	    &c), SMTP_EPARAM);
	assert_int_equal(parse("RCPT TO:<u@c.test> SIZE=1\r\n", &c),
	    SMTP_EPARAM);
}

static void
test_bdat(void **state)
{
	struct smtp_cmd	 c;

	assert_int_equal(parse("BDAT 100\r\n", &c), SMTP_OK);
	assert_int_equal(c.chunk, 100);
	assert_int_equal(c.last, 0);
	assert_int_equal(parse("bdat 0 last\r\n", &c), SMTP_OK);
	assert_int_equal(c.chunk, 0);
	assert_int_equal(c.last, 1);
	assert_int_equal(parse("BDAT\r\n", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("BDAT -1\r\n", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("BDAT 1 FIRST\r\n", &c), SMTP_ESYNTAX);
	assert_int_equal(parse("BDAT 9999999999999999999\r\n", &c),
	    SMTP_ESYNTAX);
}

/* Decode all of in, one octet at a time when bytewise; returns result. */
static int
decode(int flags, const char *in, size_t inlen, int bytewise, char *out,
    size_t *outlen, size_t *used, int *toolong)
{
	struct smtp_dec	 d;
	size_t		 o, u, i, step;
	int		 r = SMTP_DEC_MORE;

	smtp_dec_init(&d, flags, 998);
	*outlen = *used = 0;
	for (i = 0; i < inlen && r == SMTP_DEC_MORE; i += step) {
		step = bytewise ? 1 : inlen - i;
		r = smtp_dec_run(&d, in + i, step, out + *outlen, &o, &u);
		*outlen += o;
		*used += u;
	}
	if (r == SMTP_DEC_MORE && !(flags & SMTP_DEC_DATA))
		r = smtp_dec_finish(&d);
	*toolong = d.toolong;
	return r;
}

static void
test_data(void **state)
{
	static const char in[] = "Subject: x\r\n\r\n..dot\r\n.\r\n\r\n"
	    "a\r\n.\r\nQUIT\r\n";
	char	 out[256];
	size_t	 olen, used;
	int	 bytewise, tl;

	for (bytewise = 0; bytewise < 2; bytewise++) {
		assert_int_equal(decode(SMTP_DEC_DATA, in, sizeof(in) - 1,
		    bytewise, out, &olen, &used, &tl), SMTP_DEC_END);
		/* ".\r\n\r\n" in mid-line position is not an end */
		assert_int_equal(olen, strlen("Subject: x\n\n.dot\n"));
		assert_memory_equal(out, "Subject: x\n\n.dot\n", olen);
		assert_int_equal(used, strlen("Subject: x\r\n\r\n..dot\r\n"
		    ".\r\n"));
	}
	/* an empty message */
	assert_int_equal(decode(SMTP_DEC_DATA, ".\r\n", 3, 0, out, &olen,
	    &used, &tl), SMTP_DEC_END);
	assert_int_equal(olen, 0);
}

/* The smuggling table: none of these is an end, each is refused. */
static void
test_data_smuggling(void **state)
{
	static const struct {
		const char	*in;
		int		 want;
	} t[] = {
		{ "a\n.\nMAIL", SMTP_DEC_BARELF },
		{ "a\n.\r\nMAIL", SMTP_DEC_BARELF },
		{ "a\r\n.\nMAIL", SMTP_DEC_BARELF },
		{ "a\r.\r\nMAIL", SMTP_DEC_BARECR },
		{ "a\r\n.\rMAIL", SMTP_DEC_BARECR },
		{ "a\r.\rMAIL", SMTP_DEC_BARECR },
		{ "a\rb\r\n", SMTP_DEC_BARECR },
		{ "a\nb\r\n", SMTP_DEC_BARELF },
		{ "\n.\r\n", SMTP_DEC_BARELF },
	};
	char	 out[64];
	size_t	 i, olen, used;
	int	 bytewise, tl;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (bytewise = 0; bytewise < 2; bytewise++)
			assert_int_equal(decode(SMTP_DEC_DATA, t[i].in,
			    strlen(t[i].in), bytewise, out, &olen, &used,
			    &tl), t[i].want);
}

static void
test_data_longline(void **state)
{
	char	 in[1100], out[1100];
	size_t	 olen, used;
	int	 tl;

	memset(in, 'x', 998);
	memcpy(in + 998, "\r\n.\r\n", 5);
	assert_int_equal(decode(SMTP_DEC_DATA, in, 1003, 0, out, &olen, &used,
	    &tl), SMTP_DEC_END);
	assert_false(tl);
	memset(in, 'x', 999);
	memcpy(in + 999, "\r\n.\r\n", 5);
	assert_int_equal(decode(SMTP_DEC_DATA, in, 1004, 0, out, &olen, &used,
	    &tl), SMTP_DEC_END);
	assert_true(tl);
	/* a stuffed dot counts: it is on the wire */
	in[0] = '.';
	memset(in + 1, 'x', 998);
	memcpy(in + 999, "\r\n.\r\n", 5);
	assert_int_equal(decode(SMTP_DEC_DATA, in, 1004, 0, out, &olen, &used,
	    &tl), SMTP_DEC_END);
	assert_true(tl);
}

static void
test_bdat_decode(void **state)
{
	char	 out[64];
	size_t	 olen, used;
	int	 bytewise, tl;

	for (bytewise = 0; bytewise < 2; bytewise++) {
		assert_int_equal(decode(0, "S: x\r\n\r\n.\r\n..\r\nend",
		    18, bytewise, out, &olen, &used, &tl), SMTP_DEC_MORE);
		assert_int_equal(olen, 14);
		assert_memory_equal(out, "S: x\n\n.\n..\nend", 14);
	}
	assert_int_equal(decode(0, "a\r\nb\r", 5, 0, out, &olen, &used, &tl),
	    SMTP_DEC_BARECR);
	assert_int_equal(decode(0, "a\nb", 3, 0, out, &olen, &used, &tl),
	    SMTP_DEC_BARELF);
}

static void
test_received(void **state)
{
	static const char msg[] = "Received: a\n\tb\nreceived: c\n"
	    "X-Received: d\nSubject: Received: e\nRECEIVED:f\n\n"
	    "Received: body\n";
	struct smtp_hdr	 h;
	size_t		 i;

	smtp_hdr_init(&h);
	smtp_hdr_scan(&h, msg, sizeof(msg) - 1);
	assert_int_equal(h.received, 3);
	smtp_hdr_init(&h);
	for (i = 0; i < sizeof(msg) - 1; i++)
		smtp_hdr_scan(&h, msg + i, 1);
	assert_int_equal(h.received, 3);
}

static void
test_xtext(void **state)
{
	assert_true(smtp_xtext_valid("a+2Bb", 5));
	assert_false(smtp_xtext_valid("a+2", 3));
	assert_false(smtp_xtext_valid("a+zz", 4));
	assert_false(smtp_xtext_valid("a=b", 3));
	assert_false(smtp_xtext_valid("a b", 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_bare),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_rcpt),
		cmocka_unit_test(test_bdat),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_data_smuggling),
		cmocka_unit_test(test_data_longline),
		cmocka_unit_test(test_bdat_decode),
		cmocka_unit_test(test_received),
		cmocka_unit_test(test_xtext),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
