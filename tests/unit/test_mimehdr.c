/*
 * Unit tests for mime-encode's header formatting (cmd/mime-encode/hdr.c,
 * a pure module compiled in here whole, since it is not in lib/).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../cmd/mime-encode/hdr.c"

static void
test_mailboxes(void **state)
{
	struct mailbox *mb = NULL;
	size_t n = 0;
	const char *why;

	assert_int_equal(hdr_mailboxes("a@example.org, \"Smith, Bob\" "
	    "<bob@example.org>,Jörg <j@example.org>, \"say \\\"hi\\\"\" "
	    "<q@example.org>", &mb, &n, &why), 0);
	assert_int_equal(n, 4);
	assert_null(mb[0].name);
	assert_string_equal(mb[0].addr, "a@example.org");
	assert_string_equal(mb[1].name, "Smith, Bob");
	assert_string_equal(mb[1].addr, "bob@example.org");
	assert_string_equal(mb[2].name, "Jörg");
	assert_string_equal(mb[3].name, "say \"hi\"");
	mailboxes_free(mb, n);
	mb = NULL;
	n = 0;
	assert_int_equal(hdr_mailboxes("not an address", &mb, &n, &why), -1);
	assert_int_equal(hdr_mailboxes("a@example.org,", &mb, &n, &why), -1);
	assert_int_equal(hdr_mailboxes("x> a@example.org", &mb, &n, &why),
	    -1);
	assert_int_equal(hdr_mailboxes("\"open <a@example.org>", &mb, &n,
	    &why), -1);
	mailboxes_free(mb, n);
}

static void
test_addresses(void **state)
{
	struct buf b = BUF_INIT;
	struct mailbox mb[2] = {
		{ "Smith, Bob", "bob@example.org" },
		{ "Plain Name", "p@example.org" },
	};

	assert_int_equal(hdr_addresses(&b, "To", mb, 2), 0);
	buf_addc(&b, '\0');
	assert_string_equal(b.s, "To: \"Smith, Bob\" <bob@example.org>, "
	    "Plain Name <p@example.org>\n");
	buf_free(&b);
}

/* Found by fuzzing: a display name of quotes and backslashes doubled
 * when quoted, into a line of more than 998 octets. */
static void
test_long_quoted_name_is_encoded(void **state)
{
	struct buf b = BUF_INIT;
	struct mailbox mb[1];
	char name[701];
	size_t i, col;

	memset(name, '"', 700);
	name[700] = '\0';
	mb[0].name = name;
	mb[0].addr = "q@example.org";
	assert_int_equal(hdr_addresses(&b, "To", mb, 1), 0);
	for (i = 0, col = 0; i < b.len; i++) {
		col = b.s[i] == '\n' ? 0 : col + 1;
		assert_true(col <= 998);
	}
	buf_addc(&b, '\0');
	assert_non_null(strstr(b.s, "=?utf-8?"));
	buf_free(&b);
}

static void
test_param(void **state)
{
	struct buf b = BUF_INIT;
	size_t col = 20;
	char longname[200];

	hdr_param(&b, &col, "filename", "report.pdf");
	hdr_param(&b, &col, "name", "two words \"q\".txt");
	buf_addc(&b, '\0');
	assert_string_equal(b.s, "; filename=report.pdf; "
	    "name=\"two words \\\"q\\\".txt\"");
	/* past the line: the parameter moves to the next one */
	buf_reset(&b);
	col = 70;
	hdr_param(&b, &col, "charset", "utf-8");
	buf_addc(&b, '\0');
	assert_string_equal(b.s, ";\n charset=utf-8");
	assert_int_equal(col, 14);
	buf_reset(&b);
	col = 30;
	hdr_param(&b, &col, "filename", "caf\xc3\xa9 1.txt");
	buf_addc(&b, '\0');
	assert_non_null(strstr(b.s, "filename*=utf-8''caf%C3%A9%201.txt"));
	buf_reset(&b);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	col = 30;
	hdr_param(&b, &col, "filename", longname);
	buf_addc(&b, '\0');
	assert_non_null(strstr(b.s, ";\n filename*0*=utf-8''aaa"));
	assert_non_null(strstr(b.s, ";\n filename*2*=aaa"));
	buf_free(&b);
}

static void
test_unstructured(void **state)
{
	struct buf b = BUF_INIT;
	size_t i, c;

	hdr_unstructured(&b, "Subject", "short one");
	buf_addc(&b, '\0');
	assert_string_equal(b.s, "Subject: short one\n");
	buf_reset(&b);
	hdr_unstructured(&b, "Subject", "one two three four five six seven "
	    "eight nine ten eleven twelve thirteen fourteen fifteen sixteen");
	buf_addc(&b, '\0');
	for (i = 0, c = 0; b.s[i] != '\0'; i++) {
		if (b.s[i] == '\n')
			c = 0;
		else
			assert_true(++c <= 78);
	}
	assert_non_null(strstr(b.s, "\n "));
	buf_free(&b);
}

static void
test_validity(void **state)
{
	assert_true(hdr_name_valid("X-Mailer", 8));
	assert_false(hdr_name_valid("X Mailer", 8));
	assert_false(hdr_name_valid("", 0));
	assert_true(hdr_value_valid("tab\tok \xc3\xa9"));
	assert_false(hdr_value_valid("two\nlines"));
	assert_false(hdr_value_valid("latin1 \xe9"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailboxes),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_long_quoted_name_is_encoded),
		cmocka_unit_test(test_param),
		cmocka_unit_test(test_unstructured),
		cmocka_unit_test(test_validity),
	};

	return cmocka_run_group_tests_name("mimehdr", tests, NULL, NULL);
}
