/*
 * Unit tests for lib/mutf7.c: modified UTF-7 mailbox names.
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
#include "mutf7.h"

static void
enc_is(const char *utf8, const char *want)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(mutf7_encode(&b, utf8, strlen(utf8)), 0);
	assert_string_equal(b.len ? b.s : "", want);
	buf_free(&b);
}

static void
dec_is(const char *m, const char *want)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(mutf7_decode(&b, m, strlen(m)), 0);
	assert_string_equal(b.len ? b.s : "", want);
	buf_free(&b);
}

static void
dec_refused(const char *m)
{
	struct buf	 b = BUF_INIT;

	errno = 0;
	assert_int_equal(mutf7_decode(&b, m, strlen(m)), -1);
	assert_int_equal(errno, EILSEQ);
	buf_free(&b);
}

static void
test_rfc3501_example_both_ways(void **state)
{
	/* RFC 3501 5.1.3: "~peter/mail/台北/日本語" */
	enc_is("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	    "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
	dec_is("~peter/mail/&U,BTFw-/&ZeVnLIqe-",
	    "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
}

static void
test_ampersand_is_escaped(void **state)
{
	enc_is("Tom & Jerry", "Tom &- Jerry");
	dec_is("Tom &- Jerry", "Tom & Jerry");
	dec_is("&-&-", "&&");
}

static void
test_plain_ascii_unchanged(void **state)
{
	enc_is("INBOX.Sent Items", "INBOX.Sent Items");
	dec_is("Lists.posta", "Lists.posta");
	enc_is("", "");
}

static void
test_accents_and_astral_round_trip(void **state)
{
	const char	*names[] = {
		"Entw\xc3\xbcrfe", "caf\xc3\xa9", "\xf0\x9f\x93\xa7 mail",
		"a\xc3\xa9\xc3\xa9\xc3\xa9z", "\x7f", "tab\there",
	};
	struct buf	 e, d;
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		buf_init(&e, 0);
		buf_init(&d, 0);
		assert_int_equal(mutf7_encode(&e, names[i], strlen(names[i])), 0);
		assert_int_equal(mutf7_decode(&d, e.s, e.len), 0);
		assert_string_equal(d.s, names[i]);
		buf_free(&e);
		buf_free(&d);
	}
	enc_is("Entw\xc3\xbcrfe", "Entw&APw-rfe");
	enc_is("\xf0\x9f\x93\xa7", "&2D3c5w-");
}

static void
test_encode_refuses_bad_utf8(void **state)
{
	const char	*bad[] = {
		"\xc0\xaf",		/* overlong "/" */
		"\xed\xa0\x80",		/* surrogate */
		"\xf4\x90\x80\x80",	/* beyond U+10FFFF */
		"abc\xe2\x82",		/* cut short */
		"\xff",
	};
	struct buf	 b;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_init(&b, 0);
		errno = 0;
		assert_int_equal(mutf7_encode(&b, bad[i], strlen(bad[i])), -1);
		assert_int_equal(errno, EILSEQ);
		buf_free(&b);
	}
}

static void
test_decode_refuses_non_canonical_forms(void **state)
{
	dec_refused("&AC8-");		/* "/" smuggled in base64 */
	dec_refused("&AC4ALg-");	/* ".." smuggled in base64 */
	dec_refused("&AAA-");		/* NUL */
	dec_refused("&-&AAA");		/* unterminated */
	dec_refused("&U,BTFw");		/* unterminated run */
	dec_refused("&U,BTFx-");	/* pad bits set */
	dec_refused("&2D0-");		/* lone high surrogate */
	dec_refused("&3-c-");		/* bad sextet count / low surrogate */
	dec_refused("&U,A-&BTFw-");	/* two runs in a row */
	dec_refused("a\xc3\xa9");	/* raw 8-bit */
	dec_refused("a\tb");		/* raw control */
	dec_refused("&U/BTFw-");	/* "/" is not in the modified alphabet */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3501_example_both_ways),
		cmocka_unit_test(test_ampersand_is_escaped),
		cmocka_unit_test(test_plain_ascii_unchanged),
		cmocka_unit_test(test_accents_and_astral_round_trip),
		cmocka_unit_test(test_encode_refuses_bad_utf8),
		cmocka_unit_test(test_decode_refuses_non_canonical_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
