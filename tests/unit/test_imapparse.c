/*
 * Unit tests for lib/imapparse.c: IMAP command parsing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "imapparse.h"

static const struct imap_limits lim = { 8, 100, 8 };

static void
parse_ok(const char *s, struct imap_cmd *c)
{
	const char	*why = NULL;
	int		 r;

	r = imap_parse(s, strlen(s), &lim, c, &why);
	if (r != 0)
		fail_msg("%s: %s", s, why);
}

static const char *
parse_bad(const char *s)
{
	struct imap_cmd	 c;
	const char	*why = NULL;

	assert_int_equal(imap_parse(s, strlen(s), &lim, &c, &why), -1);
	assert_non_null(why);
	imap_cmd_free(&c);
	return why;
}

static void
test_simple_commands_and_tags(void **state)
{
	struct imap_cmd	 c;

	parse_ok("a001 capability\r\n", &c);
	assert_string_equal(c.tag, "a001");
	assert_int_equal(c.name, IC_CAPABILITY);
	imap_cmd_free(&c);
	parse_ok("X.1 NOOP\n", &c);
	assert_int_equal(c.name, IC_NOOP);
	imap_cmd_free(&c);
	parse_bad("a1 NOOP extra\r\n");
	parse_bad("a+1 NOOP\r\n");
	parse_bad("* NOOP\r\n");
	parse_bad("a1 FROB\r\n");
	parse_bad("a1 UID NOOP\r\n");
	parse_bad("\r\n");
}

static void
test_login_with_quoted_and_literal_strings(void **state)
{
	struct imap_cmd	 c;
	const char	 lit[] = "a2 LOGIN {5}\r\nal\0ce \"p\\\"w\\\\d\"\r\n";
	const char	*why;

	parse_ok("a1 LOGIN alice@example.test posta\r\n", &c);
	assert_string_equal(c.arg[0], "alice@example.test");
	assert_string_equal(c.arg[1], "posta");
	imap_cmd_free(&c);
	assert_int_equal(imap_parse(lit, sizeof(lit) - 1, &lim, &c, &why), 0);
	assert_int_equal(c.arglen[0], 5);
	assert_memory_equal(c.arg[0], "al\0ce", 5);
	assert_string_equal(c.arg[1], "p\"w\\d");
	imap_cmd_free(&c);
	parse_ok("a3 LOGIN {3+}\r\nbob {2+}\r\npw\r\n", &c);
	assert_string_equal(c.arg[0], "bob");
	assert_string_equal(c.arg[1], "pw");
	imap_cmd_free(&c);
	parse_bad("a4 LOGIN \"unterminated\r\n");
	parse_bad("a5 LOGIN {10}\r\nshort\r\n");
	parse_bad("a6 LOGIN \"a\\b\" x\r\n");
}

static void
test_line_literal_announcements(void **state)
{
	uint64_t	 n = 0;
	int		 ns = -1;

	assert_int_equal(imap_line_literal("a LOGIN {5}\r\n", 13, &n, &ns), 1);
	assert_int_equal(n, 5);
	assert_int_equal(ns, 0);
	assert_int_equal(imap_line_literal("a APPEND x {123+}\r\n", 19, &n, &ns), 1);
	assert_int_equal(n, 123);
	assert_int_equal(ns, 1);
	assert_int_equal(imap_line_literal("a NOOP\r\n", 8, &n, &ns), 0);
	assert_int_equal(imap_line_literal("a x}\r\n", 6, &n, &ns), 0);
	assert_int_equal(imap_line_literal("a {}\r\n", 6, &n, &ns), -1);
	assert_int_equal(imap_line_literal("a {99999999999999999999999}\r\n",
	    29, &n, &ns), -1);
}

static void
test_fetch_items_sections_and_partials(void **state)
{
	struct imap_cmd	 c;

	parse_ok("f UID FETCH 1:*,7 (UID FLAGS RFC822.SIZE INTERNALDATE "
	    "BODY.PEEK[1.2.HEADER.FIELDS (Subject from)]<0.100> "
	    "BODY[2.MIME] BODY[] BODYSTRUCTURE body[text])\r\n", &c);
	assert_int_equal(c.uid, 1);
	assert_int_equal(c.set.n, 2);
	assert_int_equal(c.set.r[0].lo, 1);
	assert_int_equal(c.set.r[0].hi, IMAP_STAR);
	assert_int_equal(c.nfatt, 9);
	assert_int_equal(c.fatt[4].type, FA_SECTION);
	assert_int_equal(c.fatt[4].peek, 1);
	assert_int_equal(c.fatt[4].sec.npart, 2);
	assert_int_equal(c.fatt[4].sec.spec, SEC_FIELDS);
	assert_int_equal(c.fatt[4].sec.nfields, 2);
	assert_string_equal(c.fatt[4].sec.fields[1], "from");
	assert_string_equal(c.fatt[4].sec.text,
	    "1.2.HEADER.FIELDS (Subject from)");
	assert_int_equal(c.fatt[4].sec.partial, 1);
	assert_int_equal(c.fatt[4].sec.count, 100);
	assert_int_equal(c.fatt[5].sec.spec, SEC_MIME);
	assert_string_equal(c.fatt[6].sec.text, "");
	assert_int_equal(c.fatt[7].type, FA_BODYSTRUCTURE);
	assert_int_equal(c.fatt[8].peek, 0);
	assert_int_equal(c.fatt[8].sec.spec, SEC_TEXT);
	imap_cmd_free(&c);
	parse_ok("f FETCH 1 FULL\r\n", &c);
	assert_int_equal(c.nfatt, 5);
	imap_cmd_free(&c);
	parse_ok("f FETCH 2 body\r\n", &c);
	assert_int_equal(c.fatt[0].type, FA_BODY);
	imap_cmd_free(&c);
	parse_bad("f FETCH 1 BODY[MIME]\r\n");
	parse_bad("f FETCH 1 BODY[1.]\r\n");
	parse_bad("f FETCH 1 BODY[HEADER.FIELDS ()]\r\n");
	parse_bad("f FETCH 1 BODY[TEXT]<5>\r\n");
	parse_bad("f FETCH 0 FLAGS\r\n");
	parse_bad("f FETCH 1 (FLAGS\r\n");
	parse_bad("f FETCH 1 FROB\r\n");
}

static void
test_search_keys_tree(void **state)
{
	struct imap_cmd		 c;
	struct imap_search	*k;

	parse_ok("s UID SEARCH CHARSET UTF-8 OR (FROM alice UNSEEN) "
	    "NOT SUBJECT {4}\r\ncaf\xc3 SINCE 1-Feb-2024 1:3 HEADER X-A \"b c\" "
	    "LARGER 100 UID 5:*\r\n", &c);
	k = c.search->kids;
	assert_int_equal(k->type, SK_OR);
	assert_int_equal(k->kids->type, SK_AND);
	assert_int_equal(k->kids->kids->type, SK_FROM);
	assert_string_equal(k->kids->kids->str, "alice");
	assert_int_equal(k->kids->kids->next->type, SK_UNSEEN);
	assert_int_equal(k->kids->next->type, SK_NOT);
	assert_int_equal(k->kids->next->kids->type, SK_SUBJECT);
	k = k->next;
	assert_int_equal(k->type, SK_SINCE);
	assert_int_equal(k->day, imap_days_from_civil(2024, 2, 1));
	k = k->next;
	assert_int_equal(k->type, SK_SEQ);
	k = k->next;
	assert_int_equal(k->type, SK_HEADER);
	assert_string_equal(k->str2, "b c");
	k = k->next;
	assert_int_equal(k->num, 100);
	k = k->next;
	assert_int_equal(k->type, SK_UID);
	assert_null(k->next);
	imap_cmd_free(&c);
	assert_string_equal(parse_bad("s SEARCH CHARSET KOI8-R ALL\r\n"),
	    "[BADCHARSET (UTF-8 US-ASCII)] unsupported charset");
	parse_bad("s SEARCH SINCE 30-Feb-2024\r\n");
	parse_bad("s SEARCH FROBNICATE\r\n");
	parse_bad("s SEARCH OR ALL\r\n");
}

static void
test_depth_and_item_bounds(void **state)
{
	char		 buf[2000];
	size_t		 i, n = 0;

	n += (size_t)snprintf(buf, sizeof(buf), "s SEARCH ");
	for (i = 0; i < 20; i++)
		buf[n++] = '(';
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "ALL");
	for (i = 0; i < 20; i++)
		buf[n++] = ')';
	snprintf(buf + n, sizeof(buf) - n, "\r\n");
	assert_string_equal(parse_bad(buf), "too deeply nested");
	n = (size_t)snprintf(buf, sizeof(buf), "f FETCH ");
	for (i = 0; i < 150; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%zu,", i + 1);
	snprintf(buf + n, sizeof(buf) - n, "1 FLAGS\r\n");
	assert_string_equal(parse_bad(buf), "too many ranges");
	parse_bad("i ID (\"a\" \"1\" \"b\" \"2\" \"c\" \"3\" \"d\" \"4\" \"e\" \"5\" "
	    "\"f\" \"6\" \"g\" \"7\" \"h\" \"8\" \"i\" \"9\")\r\n");
}

static void
test_store_append_status_list(void **state)
{
	struct imap_cmd	 c;
	const char	 app[] = "a APPEND Sent (\\Seen $Label1) "
	    "\" 5-Mar-2024 10:11:12 +0100\" {5}\r\nhi\r\n.\r\n";
	const char	*why;

	parse_ok("s UID STORE 1:2 -FLAGS.SILENT (\\Deleted \\Seen)\r\n", &c);
	assert_int_equal(c.store_mode, '-');
	assert_int_equal(c.silent, 1);
	assert_int_equal(c.nflags, 2);
	assert_string_equal(c.flags[0], "\\Deleted");
	imap_cmd_free(&c);
	parse_ok("s STORE 3 FLAGS $Junk\r\n", &c);
	assert_int_equal(c.store_mode, '=');
	assert_string_equal(c.flags[0], "$Junk");
	imap_cmd_free(&c);
	assert_int_equal(imap_parse(app, sizeof(app) - 1, &lim, &c, &why), 0);
	assert_string_equal(c.arg[0], "Sent");
	assert_int_equal(c.nflags, 2);
	assert_int_equal(c.has_date, 1);
	assert_int_equal(c.date, 1709629872);
	assert_int_equal(c.datalen, 5);
	assert_memory_equal(c.data, "hi\r\n.", 5);
	imap_cmd_free(&c);
	parse_ok("s STATUS \"Sent Items\" (MESSAGES UIDNEXT unseen)\r\n", &c);
	assert_string_equal(c.arg[0], "Sent Items");
	assert_int_equal(c.status, ST_MESSAGES | ST_UIDNEXT | ST_UNSEEN);
	imap_cmd_free(&c);
	parse_ok("l LIST \"\" *\r\n", &c);
	assert_string_equal(c.arg[0], "");
	assert_string_equal(c.arg[1], "*");
	imap_cmd_free(&c);
	parse_ok("l LIST \"\" Lists.%\r\n", &c);
	assert_string_equal(c.arg[1], "Lists.%");
	imap_cmd_free(&c);
	parse_ok("a AUTHENTICATE PLAIN AGFsaWNlAHBvc3Rh\r\n", &c);
	assert_string_equal(c.arg[0], "PLAIN");
	assert_string_equal(c.arg[1], "AGFsaWNlAHBvc3Rh");
	imap_cmd_free(&c);
	parse_ok("i ID (\"name\" \"mutt\" \"version\" NIL)\r\n", &c);
	assert_int_equal(c.nlist, 4);
	assert_string_equal(c.list[3], "");
	imap_cmd_free(&c);
	parse_ok("e ENABLE UTF8=ACCEPT CONDSTORE\r\n", &c);
	assert_int_equal(c.nlist, 2);
	imap_cmd_free(&c);
	parse_bad("a APPEND x \"5-Mar-2024 25:00:00 +0100\" {1}\r\nx\r\n");
	parse_bad("s STORE 1 FLAGZ (\\Seen)\r\n");
	parse_bad("s STATUS x (BOGUS)\r\n");
}

static void
test_seq_membership_with_star(void **state)
{
	struct imap_cmd	 c;
	long		 day;

	parse_ok("f FETCH 5:3,9:*,* FLAGS\r\n", &c);
	assert_true(imap_seq_has(&c.set, 4, 20));
	assert_false(imap_seq_has(&c.set, 6, 20));
	assert_true(imap_seq_has(&c.set, 15, 20));
	assert_true(imap_seq_has(&c.set, 2, 2));	/* 9:* with * = 2 is 2:9 */
	imap_cmd_free(&c);
	assert_int_equal(imap_day("1-Jan-1970", 10, &day), 0);
	assert_int_equal(day, 0);
	/* the day before the epoch is a date, not an error */
	assert_int_equal(imap_day("31-Dec-1969", 11, &day), 0);
	assert_int_equal(day, -1);
	assert_int_equal(imap_day("29-Feb-2023", 11, &day), -1);
	parse_ok("s SEARCH BEFORE 31-Dec-1969\r\n", &c);
	imap_cmd_free(&c);
}

/* RFC 3501 9: what a keyword must be to be shown in FLAGS */
static void
test_atoms(void **state)
{
	assert_true(imap_is_atom("$Label1"));
	assert_true(imap_is_atom("NonJunk"));
	assert_false(imap_is_atom(""));
	assert_false(imap_is_atom("two words"));
	assert_false(imap_is_atom("bad(name"));
	assert_false(imap_is_atom("\\Seen"));
	assert_false(imap_is_atom("a]"));
	assert_false(imap_is_atom("cr\r"));
	assert_false(imap_is_atom("caf\xc3\xa9"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_commands_and_tags),
		cmocka_unit_test(test_login_with_quoted_and_literal_strings),
		cmocka_unit_test(test_line_literal_announcements),
		cmocka_unit_test(test_fetch_items_sections_and_partials),
		cmocka_unit_test(test_search_keys_tree),
		cmocka_unit_test(test_depth_and_item_bounds),
		cmocka_unit_test(test_store_append_status_list),
		cmocka_unit_test(test_seq_membership_with_star),
		cmocka_unit_test(test_atoms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
