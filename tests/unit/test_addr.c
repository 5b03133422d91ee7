/*
 * Unit tests for lib/addr.c: RFC 5321 paths with RFC 6531 UTF-8,
 * canonical formatting, and RFC 5322 address lists.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr.h"
#include "buf.h"

/* Parse a whole path with flags; fail the test if it is refused. */
static void
parse_ok(const char *s, int flags, struct addr *a)
{
	const char	*why = NULL;
	size_t		 used = 0;

	if (addr_parse_path(s, strlen(s), flags, ADDR_MAX, a, &used,
	    &why) == -1)
		fail_msg("\"%s\" refused: %s", s, why);
	assert_int_equal(used, strlen(s));
}

/* Parse a path that must be refused; return the reason. */
static const char *
parse_bad(const char *s, int flags)
{
	struct addr	 a;
	const char	*why = NULL;
	size_t		 used = 0;

	if (addr_parse_path(s, strlen(s), flags, ADDR_MAX, &a, &used,
	    &why) == 0)
		fail_msg("\"%s\" accepted as %s@%s", s, a.local, a.domain);
	assert_non_null(why);
	return why;
}

static void
assert_formats_as(const struct addr *a, const char *want)
{
	char	 out[ADDR_MAX * 2];

	assert_int_equal(addr_format(a, out, sizeof(out)), (int)strlen(want));
	assert_string_equal(out, want);
}

static void
test_plain_path_parses_into_local_and_domain(void **state)
{
	struct addr	 a;

	parse_ok("<alice@example.test>", 0, &a);
	assert_string_equal(a.local, "alice");
	assert_string_equal(a.domain, "example.test");
	assert_false(a.null);
	assert_false(a.route);
	assert_false(a.quoted);
	assert_false(a.utf8);
	assert_false(a.literal);
}

static void
test_domain_is_lowercased_but_local_part_kept(void **state)
{
	struct addr	 a;

	parse_ok("<Alice.Smith@MX.Example.TEST>", 0, &a);
	assert_string_equal(a.local, "Alice.Smith");
	assert_string_equal(a.domain, "mx.example.test");
}

static void
test_used_stops_before_esmtp_parameters(void **state)
{
	struct addr	 a;
	const char	*why, *s = "<a@b.test> SIZE=1000 BODY=8BITMIME";
	size_t		 used;

	assert_int_equal(addr_parse_path(s, strlen(s), 0, ADDR_MAX, &a, &used,
	    &why), 0);
	assert_int_equal(used, 10);
}

static void
test_null_path_needs_nullok(void **state)
{
	struct addr	 a;

	parse_ok("<>", ADDR_NULLOK, &a);
	assert_true(a.null);
	assert_formats_as(&a, "");
	parse_bad("<>", 0);
}

static void
test_missing_brackets_refused_unless_nobracket(void **state)
{
	struct addr	 a;

	parse_bad("alice@example.test", 0);
	parse_bad("<alice@example.test", 0);
	parse_ok("alice@example.test", ADDR_NOBRACKET, &a);
	assert_string_equal(a.domain, "example.test");
}

static void
test_source_route_is_dropped(void **state)
{
	struct addr	 a;

	parse_ok("<@relay1.test,@relay2.test:bob@example.test>", 0, &a);
	assert_true(a.route);
	assert_string_equal(a.local, "bob");
	assert_string_equal(a.domain, "example.test");
	assert_formats_as(&a, "bob@example.test");
}

static void
test_source_route_refused_with_noroute(void **state)
{
	const char	*why;

	why = parse_bad("<@relay1.test:bob@example.test>", ADDR_NOROUTE);
	assert_non_null(strstr(why, "source route"));
}

static void
test_malformed_source_route_refused(void **state)
{
	parse_bad("<@relay1.test bob@example.test>", 0);
	parse_bad("<@:bob@example.test>", 0);
	parse_bad("<@relay1.test,bob@example.test>", 0);
}

static void
test_quoted_local_part_with_spaces_is_decoded(void **state)
{
	struct addr	 a;

	parse_ok("<\"john smith\"@example.test>", 0, &a);
	assert_true(a.quoted);
	assert_string_equal(a.local, "john smith");
	assert_formats_as(&a, "\"john smith\"@example.test");
}

static void
test_quoted_local_part_escapes_are_decoded(void **state)
{
	struct addr	 a;

	parse_ok("<\"a\\\"b\\\\c\\d\"@example.test>", 0, &a);
	assert_string_equal(a.local, "a\"b\\cd");
	assert_formats_as(&a, "\"a\\\"b\\\\cd\"@example.test");
}

static void
test_needlessly_quoted_local_part_formats_as_dot_string(void **state)
{
	struct addr	 a;

	parse_ok("<\"alice.smith\"@example.test>", 0, &a);
	assert_true(a.quoted);
	assert_string_equal(a.local, "alice.smith");
	assert_formats_as(&a, "alice.smith@example.test");
}

static void
test_quoted_local_parts_that_are_not_dot_strings_stay_quoted(void **state)
{
	struct addr	 a;

	parse_ok("<\"a..b\"@example.test>", 0, &a);
	assert_formats_as(&a, "\"a..b\"@example.test");
	parse_ok("<\".alice\"@example.test>", 0, &a);
	assert_formats_as(&a, "\".alice\"@example.test");
	parse_ok("<\"a@b\"@example.test>", 0, &a);
	assert_formats_as(&a, "\"a@b\"@example.test");
	parse_ok("<\"\"@example.test>", 0, &a);
	assert_formats_as(&a, "\"\"@example.test");
}

static void
test_bad_quoted_local_parts_refused(void **state)
{
	parse_bad("<\"unterminated@example.test>", 0);
	parse_bad("<\"tab\there\"@example.test>", 0);
	parse_bad("<\"nl\nhere\"@example.test>", 0);
	parse_bad("<\"esc\\\001\"@example.test>", 0);
	parse_bad("<\"x\"y@example.test>", 0);
}

static void
test_bad_dot_strings_refused(void **state)
{
	parse_bad("<.alice@example.test>", 0);
	parse_bad("<alice.@example.test>", 0);
	parse_bad("<al..ice@example.test>", 0);
	parse_bad("<al(ice@example.test>", 0);
	parse_bad("<@example.test>", 0);
	parse_bad("<alice@>", 0);
	parse_bad("<alice>", 0);
}

static void
test_atext_specials_are_allowed_unquoted(void **state)
{
	struct addr	 a;

	parse_ok("<a!#$%&'*+-/=?^_`{|}~z@example.test>", 0, &a);
	assert_formats_as(&a, "a!#$%&'*+-/=?^_`{|}~z@example.test");
}

static void
test_utf8_address_needs_addr_utf8(void **state)
{
	struct addr	 a;
	const char	*why;

	why = parse_bad("<j\xc3\xb6rg@example.test>", 0);
	assert_non_null(strstr(why, "SMTPUTF8"));
	parse_bad("<jorg@b\xc3\xbc" "cher.test>", 0);
	parse_bad("<\"j\xc3\xb6rg\"@example.test>", 0);
	parse_ok("<j\xc3\xb6rg@b\xc3\xbc" "cher.test>", ADDR_UTF8, &a);
	assert_true(a.utf8);
	assert_string_equal(a.local, "j\xc3\xb6rg");
	assert_string_equal(a.domain, "b\xc3\xbc" "cher.test");
	assert_formats_as(&a, "j\xc3\xb6rg@b\xc3\xbc" "cher.test");
}

static void
test_utf8_quoted_local_part_accepted_with_addr_utf8(void **state)
{
	struct addr	 a;

	parse_ok("<\"j\xc3\xb6rg m\"@example.test>", ADDR_UTF8, &a);
	assert_true(a.utf8);
	assert_string_equal(a.local, "j\xc3\xb6rg m");
	assert_formats_as(&a, "\"j\xc3\xb6rg m\"@example.test");
}

static void
test_ascii_address_is_not_marked_utf8_under_addr_utf8(void **state)
{
	struct addr	 a;

	parse_ok("<alice@example.test>", ADDR_UTF8, &a);
	assert_false(a.utf8);
}

static void
test_invalid_utf8_refused_even_with_addr_utf8(void **state)
{
	/* bad continuation, overlong, surrogate, beyond U+10FFFF, lone byte */
	parse_bad("<a\xc3\x28@example.test>", ADDR_UTF8);
	parse_bad("<a\xc0\xaf@example.test>", ADDR_UTF8);
	parse_bad("<a\xe0\x80\xaf@example.test>", ADDR_UTF8);
	parse_bad("<a\xed\xa0\x80@example.test>", ADDR_UTF8);
	parse_bad("<a\xf4\x90\x80\x80@example.test>", ADDR_UTF8);
	parse_bad("<a\x80@example.test>", ADDR_UTF8);
	parse_bad("<a\xc3@example.test>", ADDR_UTF8);
	parse_bad("<\"a\xc3\x28\"@example.test>", ADDR_UTF8);
	parse_bad("<a@ex\xff" "ample.test>", ADDR_UTF8);
}

static void
test_utf8_valid_checks_whole_sequences(void **state)
{
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("plain", 5));
	assert_true(utf8_valid("\xe2\x82\xac", 3));		/* U+20AC */
	assert_true(utf8_valid("\xf0\x9f\x93\xa7", 4));	/* U+1F4E7 */
	assert_false(utf8_valid("\xe2\x82", 2));
	assert_false(utf8_valid("\xf8\x88\x80\x80\x80", 5));
	assert_false(utf8_valid("\xfe", 1));
}

static void
test_ipv4_address_literal_accepted(void **state)
{
	struct addr	 a;

	parse_ok("<postmaster@[192.0.2.1]>", 0, &a);
	assert_true(a.literal);
	assert_string_equal(a.domain, "[192.0.2.1]");
	assert_formats_as(&a, "postmaster@[192.0.2.1]");
}

static void
test_ipv6_address_literal_accepted(void **state)
{
	struct addr	 a;

	parse_ok("<postmaster@[IPv6:2001:db8::1]>", 0, &a);
	assert_true(a.literal);
	assert_string_equal(a.domain, "[IPv6:2001:db8::1]");
	parse_ok("<postmaster@[IPv6:::ffff:192.0.2.1]>", 0, &a);
	assert_true(a.literal);
}

static void
test_bad_address_literals_refused(void **state)
{
	parse_bad("<a@[256.0.0.1]>", 0);
	parse_bad("<a@[192.0.2]>", 0);
	parse_bad("<a@[192.0.2.1.5]>", 0);
	parse_bad("<a@[192..2.1]>", 0);
	parse_bad("<a@[1234.0.2.1]>", 0);
	parse_bad("<a@[192.0.2.1>", 0);
	parse_bad("<a@[]>", 0);
	parse_bad("<a@[IPv6:2001:db8::g]>", 0);
	parse_bad("<a@[IPv6:1:2]>", 0);
	parse_bad("<a@[IPv6:::::::::::]>", 0);
	parse_bad("<a@[IPv6:1:2:3:4:5:6:7:8:9]>", 0);
	parse_bad("<a@[example.test]>", 0);
}

static void
test_domain_trailing_dot_refused(void **state)
{
	const char	*why;

	why = parse_bad("<alice@example.test.>", 0);
	assert_non_null(strstr(why, "domain"));
}

static void
test_bad_domains_refused(void **state)
{
	parse_bad("<a@.example.test>", 0);
	parse_bad("<a@example..test>", 0);
	parse_bad("<a@-example.test>", 0);
	parse_bad("<a@example-.test>", 0);
	parse_bad("<a@exa_mple.test>", 0);
	parse_bad("<a@exa mple.test>", 0);
}

static void
test_valid_domain_limits_label_and_name_length(void **state)
{
	char	 d[300];

	memset(d, 'a', 63);
	strlcpy(d + 63, ".test", sizeof(d) - 63);
	assert_true(addr_valid_domain(d, strlen(d), 0));
	memset(d, 'a', 64);
	strlcpy(d + 64, ".test", sizeof(d) - 64);
	assert_false(addr_valid_domain(d, strlen(d), 0));
	memset(d, 'a', 256);
	for (int i = 50; i < 256; i += 50)
		d[i] = '.';
	assert_false(addr_valid_domain(d, 256, 0));
	assert_true(addr_valid_domain("x-1.test", 8, 0));
	assert_false(addr_valid_domain("", 0, 0));
}

static void
test_too_long_address_refused(void **state)
{
	struct addr	 a;
	const char	*why;
	char		 s[400];
	size_t		 used;

	/* 250 + 1 + 12 = 263 octets over a limit of 256 */
	s[0] = '<';
	memset(s + 1, 'x', 250);
	strlcpy(s + 251, "@example.test>", sizeof(s) - 251);
	assert_int_equal(addr_parse_path(s, strlen(s), 0, 256, &a, &used,
	    &why), -1);
	assert_non_null(strstr(why, "too long"));
	/* and one that fits */
	strlcpy(s + 241, "@example.test>", sizeof(s) - 241);
	assert_int_equal(addr_parse_path(s, strlen(s), 0, 256, &a, &used,
	    &why), 0);
}

static void
test_overlong_local_part_refused_without_overflow(void **state)
{
	char	 s[2100];

	s[0] = '<';
	memset(s + 1, 'x', 2000);
	strlcpy(s + 2001, "@example.test>", sizeof(s) - 2001);
	parse_bad(s, 0);
	s[1] = '"';
	s[2000] = '"';
	parse_bad(s, 0);
}

/* Found by fuzzing: a quoted local part could decode to 510 octets,
 * which addr_format() writes as a dot-string that no longer parses. */
static void
test_quoted_local_part_has_the_dot_string_limit(void **state)
{
	char	 s[600], text[ADDR_MAX + 1];
	struct addr	 a, b;
	const char	*why;

	s[0] = '<';
	s[1] = '"';
	memset(s + 2, 'q', 255);
	strlcpy(s + 257, "\"@example.test>", sizeof(s) - 257);
	parse_ok(s, 0, &a);
	assert_int_equal(strlen(a.local), 255);
	assert_true(addr_format(&a, text, sizeof(text)) > 0);
	assert_int_equal(addr_parse(text, 0, &b, &why), 0);
	assert_string_equal(b.local, a.local);
	memset(s + 2, 'q', 256);
	strlcpy(s + 258, "\"@example.test>", sizeof(s) - 258);
	assert_string_equal(parse_bad(s, 0), "local part too long");
	/* escapes do not count, decoded octets do */
	for (size_t i = 0; i < 255; i++) {
		s[2 + 2 * i] = '\\';
		s[3 + 2 * i] = 'q';
	}
	strlcpy(s + 512, "\"@example.test>", sizeof(s) - 512);
	parse_ok(s, 0, &a);
	assert_int_equal(strlen(a.local), 255);
}

static void
test_bare_postmaster_needs_flag(void **state)
{
	struct addr	 a;

	parse_ok("<postmaster>", ADDR_POSTMASTER, &a);
	assert_string_equal(a.local, "postmaster");
	assert_string_equal(a.domain, "");
	assert_formats_as(&a, "postmaster");
	parse_ok("<PostMaster>", ADDR_POSTMASTER, &a);
	assert_string_equal(a.local, "postmaster");
	parse_bad("<postmaster>", 0);
	parse_ok("<postmaster@example.test>", ADDR_POSTMASTER, &a);
	assert_string_equal(a.domain, "example.test");
	parse_bad("<postmasterx>", ADDR_POSTMASTER);
}

static void
test_addr_parse_needs_the_whole_string(void **state)
{
	struct addr	 a;
	const char	*why;

	assert_int_equal(addr_parse("bob@example.test", 0, &a, &why), 0);
	assert_string_equal(a.local, "bob");
	assert_int_equal(addr_parse("<bob@example.test>", 0, &a, &why), 0);
	assert_int_equal(addr_parse("bob@example.test junk", 0, &a, &why), -1);
	assert_int_equal(addr_parse("", 0, &a, &why), -1);
}

static void
test_format_refuses_too_small_output(void **state)
{
	struct addr	 a;
	char		 out[32];

	parse_ok("<alice@example.test>", 0, &a);
	assert_int_equal(addr_format(&a, out, 8), -1);
	assert_int_equal(addr_format(&a, out, 19), 18);
	assert_int_equal(addr_format(&a, out, 18), -1);
}

static void
test_format_then_parse_round_trips(void **state)
{
	const char	*in[] = {
		"<\"a b\\\"c\"@example.test>",
		"<x.y+z@[192.0.2.7]>",
		"<\"\\\\\"@example.test>",
		"<\"j\xc3\xb6rg m\"@b\xc3\xbc" "cher.test>",
	};
	struct addr	 a, b;
	const char	*why;
	char		 out[ADDR_MAX * 2];
	size_t		 i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		parse_ok(in[i], ADDR_UTF8, &a);
		assert_true(addr_format(&a, out, sizeof(out)) > 0);
		if (addr_parse(out, ADDR_UTF8, &b, &why) == -1)
			fail_msg("\"%s\" does not parse: %s", out, why);
		assert_string_equal(a.local, b.local);
		assert_string_equal(a.domain, b.domain);
	}
}

static void
test_dot_string_predicate(void **state)
{
	assert_true(addr_is_dot_string("a.b.c", 5, 0));
	assert_false(addr_is_dot_string("a..b", 4, 0));
	assert_false(addr_is_dot_string("a.", 2, 0));
	assert_false(addr_is_dot_string("", 0, 0));
	assert_false(addr_is_dot_string("a b", 3, 0));
	assert_false(addr_is_dot_string("\xc3\xa9", 2, 0));
	assert_true(addr_is_dot_string("\xc3\xa9", 2, 1));
}

/* addrlist_parse: collect what it finds, one per line. */
static int
collect(void *arg, const char *s)
{
	struct buf	*b = arg;

	buf_adds(b, s);
	buf_addc(b, '\n');
	return 0;
}

static void
assert_list(const char *in, const char *want)
{
	struct buf	 got = BUF_INIT;
	const char	*why = NULL;

	if (addrlist_parse(in, strlen(in), collect, &got, &why) == -1)
		fail_msg("\"%s\" refused: %s", in, why);
	assert_string_equal(got.s ? got.s : "", want);
	buf_free(&got);
}

static const char *
list_bad(const char *in)
{
	struct buf	 got = BUF_INIT;
	const char	*why = NULL;

	if (addrlist_parse(in, strlen(in), collect, &got, &why) == 0)
		fail_msg("\"%s\" accepted as \"%s\"", in, got.s ? got.s : "");
	buf_free(&got);
	assert_non_null(why);
	return why;
}

static void
test_list_of_bare_addr_specs(void **state)
{
	assert_list("alice@example.test, bob@example.test",
	    "alice@example.test\nbob@example.test\n");
	assert_list("", "");
	assert_list("   ", "");
}

static void
test_list_display_names_are_dropped(void **state)
{
	assert_list("Alice Smith <alice@example.test>, Bob <bob@example.test>",
	    "alice@example.test\nbob@example.test\n");
	assert_list("John Q. Public <jqp@example.test>", "jqp@example.test\n");
	assert_list("=?UTF-8?Q?J=C3=B6rg?= <jorg@example.test>",
	    "jorg@example.test\n");
}

static void
test_list_quoted_display_name_with_comma(void **state)
{
	assert_list("\"Doe, John\" <john@example.test>, jane@example.test",
	    "john@example.test\njane@example.test\n");
	assert_list("\"a \\\"quoted\\\" name, too\" <q@example.test>",
	    "q@example.test\n");
}

static void
test_list_groups_yield_their_members(void **state)
{
	assert_list("friends: alice@example.test, Bob <bob@example.test>;, "
	    "carol@example.test",
	    "alice@example.test\nbob@example.test\ncarol@example.test\n");
	assert_list("\"My: Group\": a@example.test;", "a@example.test\n");
}

static void
test_list_empty_groups_yield_nothing(void **state)
{
	assert_list("undisclosed-recipients:;", "");
	assert_list("undisclosed-recipients: ;", "");
	assert_list("none:;, alice@example.test, other: ;",
	    "alice@example.test\n");
}

static void
test_list_nested_group_refused(void **state)
{
	list_bad("outer: inner: a@example.test;;");
}

static void
test_list_comments_are_ignored(void **state)
{
	assert_list("alice@example.test (Alice Smith)", "alice@example.test\n");
	assert_list("(first) Bob (the builder) <bob@example.test> (x (nested) y)",
	    "bob@example.test\n");
	assert_list("carol(c)@(d)example.test", "carol@example.test\n");
	assert_list("a@example.test (has \\) escaped paren), b@example.test",
	    "a@example.test\nb@example.test\n");
}

static void
test_list_folded_lines_are_white_space(void **state)
{
	assert_list("Alice\r\n <alice@example.test>,\r\n\tbob@example.test,\n"
	    " carol@example.test",
	    "alice@example.test\nbob@example.test\ncarol@example.test\n");
	assert_list("\"Doe,\r\n John\" <john@example.test>",
	    "john@example.test\n");
}

static void
test_list_bare_names_are_passed_unqualified(void **state)
{
	assert_list("alice, bob", "alice\nbob\n");
	assert_list("Alice <alice>", "alice\n");
}

static void
test_list_quoted_local_part_keeps_its_quotes(void **state)
{
	assert_list("\"john smith\"@example.test",
	    "\"john smith\"@example.test\n");
	assert_list("<\"a\\\"b\"@example.test>", "\"a\\\"b\"@example.test\n");
	assert_list("\"a \\\" b\"@example.test", "\"a \\\" b\"@example.test\n");
}

static void
test_list_domain_literals_and_routes(void **state)
{
	assert_list("a@[192.0.2.1]", "a@[192.0.2.1]\n");
	assert_list("Old <@relay.test,@r2.test:old@example.test>",
	    "old@example.test\n");
}

static void
test_list_empty_elements_are_skipped(void **state)
{
	assert_list("a@example.test,, ,b@example.test,",
	    "a@example.test\nb@example.test\n");
}

static void
test_list_errors_are_reported(void **state)
{
	list_bad("Alice <alice@example.test");
	list_bad("Alice Smith alice@example.test");
	list_bad("\"Alice\" Smith@example.test");
	list_bad("alice@example.test bob@example.test");
	list_bad("alice@");
	list_bad("alice@example.test (unterminated");
	list_bad("\"unterminated <a@example.test>");
	list_bad("a@[192.0.2.1");
	list_bad("<>>");
	list_bad("@example.test");
	list_bad("Old <@relay.test");
}

static void
test_list_stray_closing_paren_is_an_error_not_a_hang(void **state)
{
	pid_t	 pid;
	int	 status;

	/* in a child under alarm(2): the old scanner looped for ever */
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		struct buf	 got = BUF_INIT;
		const char	*why, *s = "alice@example.test), bob@example.test";

		alarm(5);
		_exit(addrlist_parse(s, strlen(s), collect, &got, &why) == -1 ?
		    0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	list_bad("a)b@example.test");
	list_bad(")");
}

static int
refuse_bob(void *arg, const char *s)
{
	return strncmp(s, "bob@", 4) == 0 ? -1 : 0;
}

static void
test_list_callback_can_refuse(void **state)
{
	const char	*why;
	const char	*s = "alice@example.test, bob@example.test";

	assert_int_equal(addrlist_parse(s, strlen(s), refuse_bob, NULL, &why),
	    -1);
	assert_non_null(why);
}

/* Found by fuzzing: a domain literal (and a quoted string's quoted-pair)
 * handed CR, LF and NUL on to the caller, as a recipient address. */
static void
test_list_literal_is_unfolded_and_nul_refused(void **state)
{
	struct buf	 got = BUF_INIT;
	const char	*why, *s = "a@[192.0.2.1\r\n ], b@c.test";
	static const char nul[] = "a@[1.2.3\0.4], b@c.test";

	assert_int_equal(addrlist_parse(s, strlen(s), collect, &got, &why), 0);
	assert_string_equal(got.s, "a@[192.0.2.1 ]\nb@c.test\n");
	buf_free(&got);
	/* nor after a backslash in a quoted string */
	s = "\"a\\\nb\"@c.test";
	assert_int_equal(addrlist_parse(s, strlen(s), collect, &got, &why), 0);
	assert_string_equal(got.s, "\"ab\"@c.test\n");
	buf_free(&got);
	assert_int_equal(addrlist_parse(nul, sizeof(nul) - 1, collect, &got,
	    &why), -1);
	assert_string_equal(why, "NUL in address list");
	assert_null(got.s);
}

static void
test_list_honours_explicit_length(void **state)
{
	struct buf	 got = BUF_INIT;
	const char	*why, *s = "a@example.test, b@example.test";

	assert_int_equal(addrlist_parse(s, 14, collect, &got, &why), 0);
	assert_string_equal(got.s, "a@example.test\n");
	buf_free(&got);
}

/* Found by fuzzing: a refused local part made the reason be looked for
 * past the end of a path that is not NUL-terminated. */
static void
test_bad_local_part_reason_stays_inside_the_path(void **state)
{
	struct addr	 a;
	const char	*why;
	size_t		 used;
	char		*p;

	/* exactly the octets of the path, with no NUL after them */
	p = malloc(13);
	assert_non_null(p);
	memcpy(p, "<a..b@x.test>", 13);
	assert_int_equal(addr_parse_path(p, 13, 0, ADDR_MAX, &a, &used,
	    &why), -1);
	assert_string_equal(why, "bad local part");
	/* an 8-bit domain does not make an ASCII local part "8-bit" */
	assert_int_equal(addr_parse("a..b@b\xc3\xbc" "cher.test", 0, &a, &why),
	    -1);
	assert_string_equal(why, "bad local part");
	assert_int_equal(addr_parse("\xc3\xbc..b@x.test", 0, &a, &why), -1);
	assert_string_equal(why, "8-bit local part without SMTPUTF8");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_path_parses_into_local_and_domain),
		cmocka_unit_test(test_domain_is_lowercased_but_local_part_kept),
		cmocka_unit_test(test_used_stops_before_esmtp_parameters),
		cmocka_unit_test(test_null_path_needs_nullok),
		cmocka_unit_test(test_missing_brackets_refused_unless_nobracket),
		cmocka_unit_test(test_source_route_is_dropped),
		cmocka_unit_test(test_source_route_refused_with_noroute),
		cmocka_unit_test(test_malformed_source_route_refused),
		cmocka_unit_test(test_quoted_local_part_with_spaces_is_decoded),
		cmocka_unit_test(test_quoted_local_part_escapes_are_decoded),
		cmocka_unit_test(test_needlessly_quoted_local_part_formats_as_dot_string),
		cmocka_unit_test(test_quoted_local_parts_that_are_not_dot_strings_stay_quoted),
		cmocka_unit_test(test_bad_quoted_local_parts_refused),
		cmocka_unit_test(test_bad_dot_strings_refused),
		cmocka_unit_test(test_atext_specials_are_allowed_unquoted),
		cmocka_unit_test(test_utf8_address_needs_addr_utf8),
		cmocka_unit_test(test_utf8_quoted_local_part_accepted_with_addr_utf8),
		cmocka_unit_test(test_ascii_address_is_not_marked_utf8_under_addr_utf8),
		cmocka_unit_test(test_invalid_utf8_refused_even_with_addr_utf8),
		cmocka_unit_test(test_utf8_valid_checks_whole_sequences),
		cmocka_unit_test(test_ipv4_address_literal_accepted),
		cmocka_unit_test(test_ipv6_address_literal_accepted),
		cmocka_unit_test(test_bad_address_literals_refused),
		cmocka_unit_test(test_domain_trailing_dot_refused),
		cmocka_unit_test(test_bad_domains_refused),
		cmocka_unit_test(test_valid_domain_limits_label_and_name_length),
		cmocka_unit_test(test_too_long_address_refused),
		cmocka_unit_test(test_overlong_local_part_refused_without_overflow),
		cmocka_unit_test(test_bad_local_part_reason_stays_inside_the_path),
		cmocka_unit_test(test_quoted_local_part_has_the_dot_string_limit),
		cmocka_unit_test(test_bare_postmaster_needs_flag),
		cmocka_unit_test(test_addr_parse_needs_the_whole_string),
		cmocka_unit_test(test_format_refuses_too_small_output),
		cmocka_unit_test(test_format_then_parse_round_trips),
		cmocka_unit_test(test_dot_string_predicate),
		cmocka_unit_test(test_list_of_bare_addr_specs),
		cmocka_unit_test(test_list_display_names_are_dropped),
		cmocka_unit_test(test_list_quoted_display_name_with_comma),
		cmocka_unit_test(test_list_groups_yield_their_members),
		cmocka_unit_test(test_list_empty_groups_yield_nothing),
		cmocka_unit_test(test_list_nested_group_refused),
		cmocka_unit_test(test_list_comments_are_ignored),
		cmocka_unit_test(test_list_folded_lines_are_white_space),
		cmocka_unit_test(test_list_bare_names_are_passed_unqualified),
		cmocka_unit_test(test_list_quoted_local_part_keeps_its_quotes),
		cmocka_unit_test(test_list_domain_literals_and_routes),
		cmocka_unit_test(test_list_empty_elements_are_skipped),
		cmocka_unit_test(test_list_errors_are_reported),
		cmocka_unit_test(test_list_stray_closing_paren_is_an_error_not_a_hang),
		cmocka_unit_test(test_list_callback_can_refuse),
		cmocka_unit_test(test_list_honours_explicit_length),
		cmocka_unit_test(test_list_literal_is_unfolded_and_nul_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
