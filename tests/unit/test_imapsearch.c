/*
 * Unit tests for lib/imapsearch.c: SEARCH keys against one message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "imapparse.h"
#include "imapsearch.h"

static const char text[] =
    "From: =?UTF-8?Q?J=C3=BCrgen?= <jurgen@example.test>\n"
    "To: Bob <bob@example.test>\n"
    "Subject: =?ISO-8859-1?Q?Quarterly?= report\n"
    "Date: Tue, 5 Mar 2024 23:30:00 -0500\n"
    "X-Tag: blue\n"
    "Content-Type: multipart/mixed; boundary=B\n"
    "\n"
    "--B\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "aGVsbG8gc2VjcmV0IHdvcmxk\n"
    "--B\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "caf=C3=A9 au lait\n"
    "--B--\n";

static int loads;

static int
load_cb(void *arg, const char **s, size_t *len)
{
	loads++;
	*s = text;
	*len = strlen(text);
	return 0;
}

static int
kw_cb(void *arg, const char *name)
{
	return strcasecmp(name, "$Work") == 0;
}

static int
matches(const char *keys)
{
	const struct imap_limits lim = { 8, 100, 8 };
	struct imap_smsg m = {
		.seq = 3, .uid = 30, .maxseq = 5, .maxuid = 50,
		.flags = SF_SEEN | SF_RECENT, .size = 500,
		.date = 1709683200 + 3600,	/* 6-Mar-2024 01:00 UTC */
		.has_keyword = kw_cb, .load = load_cb,
	};
	struct imap_cmd	 c;
	const char	*why;
	char		 cmd[512];
	int		 r;

	snprintf(cmd, sizeof(cmd), "s SEARCH %s\r\n", keys);
	if (imap_parse(cmd, strlen(cmd), &lim, &c, &why) != 0)
		fail_msg("%s: %s", keys, why);
	r = imap_search_eval(c.search, &m);
	imap_cmd_free(&c);
	return r;
}

static void
test_flags_and_numbers_need_no_text(void **state)
{
	loads = 0;
	assert_int_equal(matches("SEEN RECENT"), 1);
	assert_int_equal(matches("UNSEEN"), 0);
	assert_int_equal(matches("NEW"), 0);
	assert_int_equal(matches("OLD"), 0);
	assert_int_equal(matches("NOT DELETED UNDRAFT UNANSWERED UNFLAGGED"), 1);
	assert_int_equal(matches("KEYWORD $work UNKEYWORD $Later"), 1);
	assert_int_equal(matches("LARGER 499 SMALLER 501"), 1);
	assert_int_equal(matches("LARGER 500"), 0);
	assert_int_equal(matches("2:4 UID 25:*"), 1);
	assert_int_equal(matches("*"), 0);
	assert_int_equal(matches("UID *"), 0);
	assert_int_equal(matches("OR DELETED 3"), 1);
	assert_int_equal(matches("ON 6-Mar-2024 SINCE 6-Mar-2024 BEFORE 7-Mar-2024"), 1);
	assert_int_equal(matches("BEFORE 6-Mar-2024"), 0);
	assert_int_equal(loads, 0);
}

static void
test_headers_are_decoded_and_case_folded(void **state)
{
	assert_int_equal(matches("FROM \"J\xc3\xbcrgen\""), 1);
	assert_int_equal(matches("FROM JURGEN@EXAMPLE"), 1);
	/* letters beyond ASCII fold too */
	assert_int_equal(matches("FROM \"J\xc3\x9cRGEN\""), 1);
	assert_int_equal(matches("FROM \"J\xc3\xbcrgeN <\""), 1);
	assert_int_equal(matches("FROM \"J\xc3\xbdrgen\""), 0);
	assert_int_equal(matches("SUBJECT \"quarterly report\""), 1);
	assert_int_equal(matches("TO alice"), 0);
	assert_int_equal(matches("CC bob"), 0);
	assert_int_equal(matches("HEADER X-Tag BLUE"), 1);
	assert_int_equal(matches("HEADER X-Tag \"\""), 1);
	assert_int_equal(matches("HEADER X-Missing \"\""), 0);
	/* the Date: field's day as written, not in UTC */
	assert_int_equal(matches("SENTON 5-Mar-2024"), 1);
	assert_int_equal(matches("SENTSINCE 6-Mar-2024"), 0);
	assert_int_equal(matches("SENTBEFORE 6-Mar-2024"), 1);
}

static void
test_folding_beyond_ascii(void **state)
{
	assert_int_equal(matches("BODY \"CAF\xc3\x89\""), 1);
	assert_int_equal(matches("BODY \"caf\xc3\xa9 AU LAIT\""), 1);
	assert_int_equal(matches("BODY \"caf\xc3\xa8\""), 0);
	/* a stray octet matches only itself, never part of a character */
	assert_int_equal(matches("BODY \"caf\xc3\""), 0);
	assert_int_equal(matches("BODY \"caf\xa9\""), 0);
}

static void
test_body_and_text_see_decoded_parts(void **state)
{
	assert_int_equal(matches("BODY SECRET"), 1);
	assert_int_equal(matches("BODY \"caf\xc3\xa9 au\""), 1);
	assert_int_equal(matches("BODY quarterly"), 0);
	assert_int_equal(matches("TEXT quarterly"), 1);
	assert_int_equal(matches("TEXT secret"), 1);
	assert_int_equal(matches("NOT TEXT nowhere"), 1);
}

/* Found by fuzzing: a time before 1970 was given the day after its own. */
static void
test_internal_date_before_1970(void **state)
{
	const struct imap_limits lim = { 8, 100, 8 };
	struct imap_smsg m = {
		.seq = 1, .uid = 1, .maxseq = 1, .maxuid = 1,
		.date = -3600,			/* 31-Dec-1969 23:00 UTC */
		.has_keyword = kw_cb, .load = load_cb,
	};
	static const struct {
		const char	*keys;
		int		 r;
	} t[] = {
		{ "BEFORE 1-Jan-1970", 1 }, { "SINCE 1-Jan-1970", 0 },
		{ "ON 1-Jan-1970", 0 }, { "SINCE 30-Dec-1969", 1 },
		{ "BEFORE 30-Dec-1969", 0 },
	};
	struct imap_cmd	 c;
	const char	*why;
	char		 cmd[128];
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(cmd, sizeof(cmd), "s SEARCH %s\r\n", t[i].keys);
		if (imap_parse(cmd, strlen(cmd), &lim, &c, &why) != 0)
			fail_msg("%s: %s", t[i].keys, why);
		if (imap_search_eval(c.search, &m) != t[i].r)
			fail_msg("%s: not %d", t[i].keys, t[i].r);
		imap_cmd_free(&c);
	}
	/* a whole day before: still the day it is in */
	m.date = -86400;
	snprintf(cmd, sizeof(cmd), "s SEARCH SINCE 30-Dec-1969 BEFORE "
	    "1-Jan-1970 NOT ON 30-Dec-1969\r\n");
	assert_int_equal(imap_parse(cmd, strlen(cmd), &lim, &c, &why), 0);
	assert_int_equal(imap_search_eval(c.search, &m), 1);
	imap_cmd_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_and_numbers_need_no_text),
		cmocka_unit_test(test_headers_are_decoded_and_case_folded),
		cmocka_unit_test(test_body_and_text_see_decoded_parts),
		cmocka_unit_test(test_folding_beyond_ascii),
		cmocka_unit_test(test_internal_date_before_1970),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
