/*
 * Unit tests for lib/msg.c: message structure, ENVELOPE, BODYSTRUCTURE
 * and sections in the CRLF view.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "imapparse.h"
#include "msg.h"

static const char simple[] =
    "From: Alice Example <alice@example.test>\n"
    "To: bob@example.test, \"Carol, C.\" <carol@example.test>\n"
    "Subject: hello\n"
    "  world\n"
    "Date: Tue, 5 Mar 2024 10:11:12 +0100\n"
    "Message-ID: <1@example.test>\n"
    "\n"
    "line one\n"
    "line two\n";

static const char nested[] =
    "From: a@example.test\n"
    "Subject: nested\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\n"
    "\n"
    "preamble\n"
    "--XX\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "caf=C3=A9\n"
    "--XX\n"
    "Content-Type: message/rfc822\n"
    "Content-Disposition: attachment; filename=\"fwd.eml\"\n"
    "\n"
    "From: Inner <inner@example.test>\n"
    "Subject: inner\n"
    "Content-Type: multipart/alternative; boundary=YY\n"
    "\n"
    "--YY\n"
    "\n"
    "plain\n"
    "--YY\n"
    "Content-Type: text/html\n"
    "\n"
    "<p>html</p>\n"
    "--YY--\n"
    "--XX\n"
    "Content-Type: application/octet-stream; name=x.bin\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-Language: en\n"
    "\n"
    "AAEC\n"
    "--XX--\n"
    "epilogue\n";

static char *
section(const char *msgtext, const char *spec)
{
	struct msg	 m;
	struct imap_cmd	 c;
	struct buf	 b = BUF_INIT;
	const char	*why;
	char		 cmd[256];
	const struct imap_limits lim = { 8, 100, 8 };

	snprintf(cmd, sizeof(cmd), "a FETCH 1 BODY[%s]\r\n", spec);
	assert_int_equal(imap_parse(cmd, strlen(cmd), &lim, &c, &why), 0);
	assert_int_equal(msg_parse(&m, msgtext, strlen(msgtext)), 0);
	assert_int_equal(msg_section(&b, &m, &c.fatt[0].sec), 0);
	msg_free(&m);
	imap_cmd_free(&c);
	return buf_steal(&b);
}

static void
sec_is(const char *msgtext, const char *spec, const char *want)
{
	char	*s = section(msgtext, spec);

	assert_string_equal(s, want);
	free(s);
}

static void
test_crlf_view_sizes(void **state)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(msg_crlf_len("a\nb\r\nc\n", 7), 9);
	assert_int_equal(msg_add_crlf(&b, "a\nb\r\nc\n", 7), 0);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.s, "a\r\nb\r\nc\r\n", 9);
	buf_free(&b);
}

static void
test_header_unfolding(void **state)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(msg_header(simple, strlen(simple), "subject", &b), 1);
	assert_string_equal(b.s, "hello  world");
	buf_reset(&b);
	assert_int_equal(msg_header(simple, strlen(simple), "Cc", &b), 0);
	buf_free(&b);
}

static void
test_envelope_of_simple_message(void **state)
{
	struct msg	 m;
	struct buf	 b = BUF_INIT;

	assert_int_equal(msg_parse(&m, simple, strlen(simple)), 0);
	assert_int_equal(msg_envelope(&b, &m, &m.root), 0);
	assert_string_equal(b.s,
	    "(\"Tue, 5 Mar 2024 10:11:12 +0100\" \"hello  world\" "
	    "((\"Alice Example\" NIL \"alice\" \"example.test\")) "
	    "((\"Alice Example\" NIL \"alice\" \"example.test\")) "
	    "((\"Alice Example\" NIL \"alice\" \"example.test\")) "
	    "((NIL NIL \"bob\" \"example.test\")"
	    "(\"Carol, C.\" NIL \"carol\" \"example.test\")) "
	    "NIL NIL NIL \"<1@example.test>\")");
	buf_free(&b);
	msg_free(&m);
}

static void
test_envelope_groups_and_routes(void **state)
{
	const char	 t[] = "To: friends: a@x.test, B <b@y.test>;, "
	    "<@route.test:c@z.test> (comment)\n"
	    "Cc: undisclosed-recipients:;\n\n";
	struct msg	 m;
	struct buf	 b = BUF_INIT;

	assert_int_equal(msg_parse(&m, t, strlen(t)), 0);
	assert_int_equal(msg_envelope(&b, &m, &m.root), 0);
	assert_string_equal(b.s, "(NIL NIL NIL NIL NIL "
	    "((NIL NIL \"friends\" NIL)(NIL NIL \"a\" \"x.test\")"
	    "(\"B\" NIL \"b\" \"y.test\")(NIL NIL NIL NIL)"
	    "(NIL NIL \"c\" \"z.test\")) "
	    "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
	    "NIL NIL NIL)");
	buf_free(&b);
	msg_free(&m);
}

static void
test_bodystructure_of_plain_message(void **state)
{
	struct msg	 m;
	struct buf	 b = BUF_INIT;

	assert_int_equal(msg_parse(&m, simple, strlen(simple)), 0);
	assert_int_equal(msg_bodystructure(&b, &m, 0), 0);
	assert_string_equal(b.s,
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 20 2)");
	buf_reset(&b);
	assert_int_equal(msg_bodystructure(&b, &m, 1), 0);
	assert_string_equal(b.s,
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 20 2"
	    " NIL NIL NIL NIL)");
	buf_free(&b);
	msg_free(&m);
}

static void
test_bodystructure_of_nested_multipart(void **state)
{
	struct msg	 m;
	struct buf	 b = BUF_INIT;

	assert_int_equal(msg_parse(&m, nested, strlen(nested)), 0);
	assert_int_equal(m.root.nkids, 3);
	assert_int_equal(msg_bodystructure(&b, &m, 1), 0);
	assert_string_equal(b.s,
	    "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL "
	    "\"QUOTED-PRINTABLE\" 9 1 NIL NIL NIL NIL)"
	    "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 169 "
	    "(NIL \"inner\" ((\"Inner\" NIL \"inner\" \"example.test\")) "
	    "((\"Inner\" NIL \"inner\" \"example.test\")) "
	    "((\"Inner\" NIL \"inner\" \"example.test\")) NIL NIL NIL NIL NIL) "
	    "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 5 1 "
	    "NIL NIL NIL NIL)(\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 11 1 "
	    "NIL NIL NIL NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"YY\") NIL NIL NIL) "
	    "12 NIL (\"ATTACHMENT\" (\"FILENAME\" \"fwd.eml\")) NIL NIL)"
	    "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"x.bin\") NIL NIL "
	    "\"BASE64\" 4 NIL NIL \"en\" NIL) "
	    "\"MIXED\" (\"BOUNDARY\" \"XX\") NIL NIL NIL)");
	buf_free(&b);
	msg_free(&m);
}

static void
test_sections_by_part_number(void **state)
{
	sec_is(nested, "1", "caf=C3=A9");
	sec_is(nested, "1.MIME", "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	sec_is(nested, "2.HEADER", "From: Inner <inner@example.test>\r\n"
	    "Subject: inner\r\n"
	    "Content-Type: multipart/alternative; boundary=YY\r\n\r\n");
	sec_is(nested, "2.1", "plain");
	sec_is(nested, "2.2", "<p>html</p>");
	sec_is(nested, "2.2.MIME", "Content-Type: text/html\r\n\r\n");
	sec_is(nested, "3", "AAEC");
	sec_is(nested, "4", "");
	sec_is(nested, "1.1", "");
	sec_is(nested, "3.HEADER", "");
	sec_is(simple, "1", "line one\r\nline two\r\n");
	sec_is(simple, "TEXT", "line one\r\nline two\r\n");
}

static void
test_header_fields_and_not(void **state)
{
	sec_is(simple, "HEADER.FIELDS (SUBJECT message-id)",
	    "Subject: hello\r\n  world\r\nMessage-ID: <1@example.test>\r\n\r\n");
	sec_is(simple, "HEADER.FIELDS.NOT (Subject To Date Message-ID)",
	    "From: Alice Example <alice@example.test>\r\n\r\n");
	sec_is(simple, "HEADER.FIELDS (X-None)", "\r\n");
	sec_is(nested, "2.HEADER.FIELDS (subject)", "Subject: inner\r\n\r\n");
}

static void
test_whole_message_and_header_are_crlf(void **state)
{
	char	*s = section(simple, "");

	assert_int_equal(strlen(s), msg_crlf_len(simple, strlen(simple)));
	assert_null(strstr(s, "o\nl"));
	free(s);
	s = section(simple, "HEADER");
	assert_int_equal(strlen(s) >= 4, 1);
	assert_string_equal(s + strlen(s) - 4, "\r\n\r\n");
	free(s);
}

static void
test_dates_and_strings(void **state)
{
	struct buf	 b = BUF_INIT;
	time_t		 t;
	long		 day;

	assert_int_equal(msg_date("Tue, 5 Mar 2024 10:11:12 +0100", 30, &t, &day), 0);
	assert_int_equal(t, 1709629872);
	assert_int_equal(day, imap_days_from_civil(2024, 3, 5));
	assert_int_equal(msg_date("5 Mar 24 23:30 -0500 (EST)", 26, &t, &day), 0);
	assert_int_equal(day, imap_days_from_civil(2024, 3, 5));
	assert_int_equal(msg_date("yesterday", 9, &t, &day), -1);
	assert_int_equal(msg_imap_string(&b, "a\"b\\", 4), 0);
	assert_string_equal(b.s, "\"a\\\"b\\\\\"");
	buf_reset(&b);
	assert_int_equal(msg_imap_string(&b, "caf\xc3\xa9", 5), 0);
	assert_string_equal(b.s, "{5}\r\ncaf\xc3\xa9");
	buf_free(&b);
}

static void
test_part_bomb_is_bounded(void **state)
{
	struct buf	 t = BUF_INIT, b = BUF_INIT;
	struct msg	 m;
	int		 i;

	assert_int_equal(buf_adds(&t, "Content-Type: multipart/mixed; boundary=b\n\n"), 0);
	for (i = 0; i < 20000; i++)
		assert_int_equal(buf_adds(&t, "--b\n\nx\n"), 0);
	assert_int_equal(buf_adds(&t, "--b--\n"), 0);
	assert_int_equal(msg_parse(&m, t.s, t.len), 0);
	assert_true(m.nparts <= MSG_PARTS + 1);
	assert_int_equal(msg_bodystructure(&b, &m, 1), 0);
	msg_free(&m);
	buf_free(&b);
	buf_reset(&t);
	for (i = 0; i < 100; i++)
		assert_int_equal(buf_printf(&t, "Content-Type: multipart/mixed; "
		    "boundary=b%d\n\n--b%d\n", i, i), 0);
	assert_int_equal(msg_parse(&m, t.s, t.len), 0);
	assert_int_equal(msg_bodystructure(&b, &m, 1), 0);
	msg_free(&m);
	buf_free(&b);
	buf_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crlf_view_sizes),
		cmocka_unit_test(test_header_unfolding),
		cmocka_unit_test(test_envelope_of_simple_message),
		cmocka_unit_test(test_envelope_groups_and_routes),
		cmocka_unit_test(test_bodystructure_of_plain_message),
		cmocka_unit_test(test_bodystructure_of_nested_multipart),
		cmocka_unit_test(test_sections_by_part_number),
		cmocka_unit_test(test_header_fields_and_not),
		cmocka_unit_test(test_whole_message_and_header_are_crlf),
		cmocka_unit_test(test_dates_and_strings),
		cmocka_unit_test(test_part_bomb_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
