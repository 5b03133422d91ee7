/*
 * Unit tests for lib/table.c: domain tables and network tables.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "table.h"

struct fixture {
	char		 dir[64];
	char		 file[PATH_MAX];
	struct table	 t;
};

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strlcpy(f->dir, "/tmp/test_table.XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->file, sizeof(f->file), "%s/table", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	table_free(&f->t);
	unlink(f->file);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
load(struct fixture *f, const char *text)
{
	FILE	*fp;

	fp = fopen(f->file, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(table_load(&f->t, f->file), 0);
}

static void
test_domains_match_case_insensitively(void **state)
{
	struct fixture	*f = *state;

	load(f, "Example.TEST\nother.test\n");
	assert_int_equal(f->t.n, 2);
	assert_string_equal(f->t.items[0], "example.test");
	assert_true(table_has(&f->t, "example.test"));
	assert_true(table_has(&f->t, "EXAMPLE.test"));
	assert_true(table_has(&f->t, "Other.Test"));
}

static void
test_domains_match_exactly_not_as_suffix(void **state)
{
	struct fixture	*f = *state;

	load(f, "example.test\n");
	assert_false(table_has(&f->t, "sub.example.test"));
	assert_false(table_has(&f->t, "example.tes"));
	assert_false(table_has(&f->t, "xexample.test"));
	assert_false(table_has(&f->t, ""));
}

static void
test_comments_blank_lines_and_white_space_are_ignored(void **state)
{
	struct fixture	*f = *state;

	load(f, "# local domains\n\n   \t\n  a.test  \t# trailing comment\n"
	    "\tb.test\r\n#c.test\n");
	assert_int_equal(f->t.n, 2);
	assert_true(table_has(&f->t, "a.test"));
	assert_true(table_has(&f->t, "b.test"));
	assert_false(table_has(&f->t, "c.test"));
	assert_false(table_has(&f->t, "#c.test"));
}

static void
test_last_line_without_newline_is_read(void **state)
{
	struct fixture	*f = *state;

	load(f, "a.test\nb.test");
	assert_true(table_has(&f->t, "b.test"));
}

static void
test_empty_path_is_an_empty_table(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(table_load(&f->t, ""), 0);
	assert_int_equal(f->t.n, 0);
	assert_false(table_has(&f->t, "example.test"));
	assert_false(table_match_ip(&f->t, "127.0.0.1"));
	assert_int_equal(table_load(&f->t, NULL), 0);
}

static void
test_missing_file_is_an_error_with_errno(void **state)
{
	struct fixture	*f = *state;

	errno = 0;
	assert_int_equal(table_load(&f->t, f->file), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(f->t.n, 0);
}

static void
test_ipv4_cidr_prefixes_match(void **state)
{
	struct fixture	*f = *state;

	load(f, "192.0.2.0/24\n10.0.0.0/8\n198.51.100.128/25\n");
	assert_true(table_match_ip(&f->t, "192.0.2.0"));
	assert_true(table_match_ip(&f->t, "192.0.2.255"));
	assert_false(table_match_ip(&f->t, "192.0.3.1"));
	assert_true(table_match_ip(&f->t, "10.255.1.2"));
	assert_false(table_match_ip(&f->t, "11.0.0.1"));
	assert_true(table_match_ip(&f->t, "198.51.100.200"));
	assert_false(table_match_ip(&f->t, "198.51.100.127"));
}

static void
test_ipv4_prefix_lengths_that_are_not_multiples_of_8(void **state)
{
	struct fixture	*f = *state;

	load(f, "172.16.0.0/12\n203.0.113.64/26\n");
	assert_true(table_match_ip(&f->t, "172.16.0.1"));
	assert_true(table_match_ip(&f->t, "172.31.255.255"));
	assert_false(table_match_ip(&f->t, "172.32.0.0"));
	assert_false(table_match_ip(&f->t, "172.15.255.255"));
	assert_true(table_match_ip(&f->t, "203.0.113.64"));
	assert_true(table_match_ip(&f->t, "203.0.113.127"));
	assert_false(table_match_ip(&f->t, "203.0.113.128"));
	assert_false(table_match_ip(&f->t, "203.0.113.63"));
}

static void
test_single_addresses_and_whole_space(void **state)
{
	struct fixture	*f = *state;

	load(f, "127.0.0.1\n");
	assert_true(table_match_ip(&f->t, "127.0.0.1"));
	assert_false(table_match_ip(&f->t, "127.0.0.2"));
	table_free(&f->t);
	load(f, "0.0.0.0/0\n");
	assert_true(table_match_ip(&f->t, "203.0.113.9"));
	assert_false(table_match_ip(&f->t, "2001:db8::1"));
}

static void
test_ipv6_cidr_prefixes_match(void **state)
{
	struct fixture	*f = *state;

	load(f, "2001:DB8:1::/48\n::1\nfe80::/10\n");
	assert_true(table_match_ip(&f->t, "2001:db8:1::5"));
	assert_true(table_match_ip(&f->t, "2001:db8:1:ffff::1"));
	assert_false(table_match_ip(&f->t, "2001:db8:2::1"));
	assert_true(table_match_ip(&f->t, "::1"));
	assert_false(table_match_ip(&f->t, "::2"));
	assert_true(table_match_ip(&f->t, "fe80::1"));
	assert_true(table_match_ip(&f->t, "febf::1"));
	assert_false(table_match_ip(&f->t, "fec0::1"));
}

static void
test_families_do_not_mix(void **state)
{
	struct fixture	*f = *state;

	load(f, "::/0\n");
	assert_true(table_match_ip(&f->t, "2001:db8::1"));
	assert_false(table_match_ip(&f->t, "192.0.2.1"));
}

static void
test_v4_mapped_v6_client_matches_v4_entries(void **state)
{
	struct fixture	*f = *state;

	load(f, "192.0.2.0/24\n");
	assert_true(table_match_ip(&f->t, "::ffff:192.0.2.7"));
	assert_false(table_match_ip(&f->t, "::ffff:192.0.3.7"));
}

static void
test_v4_mapped_entries_are_their_ipv4_prefix(void **state)
{
	struct fixture	*f = *state;

	load(f, "::ffff:10.0.0.0/104\n::ffff:192.0.2.9\n");
	assert_true(table_match_ip(&f->t, "10.1.2.3"));
	assert_true(table_match_ip(&f->t, "::ffff:10.1.2.3"));
	assert_false(table_match_ip(&f->t, "11.0.0.1"));
	assert_true(table_match_ip(&f->t, "192.0.2.9"));
	assert_false(table_match_ip(&f->t, "192.0.2.8"));
	assert_false(table_match_ip(&f->t, "2001:db8::1"));
	/* shorter than /96: an IPv6 prefix, which no IPv4 client matches */
	table_free(&f->t);
	load(f, "::ffff:0:0/95\n");
	assert_false(table_match_ip(&f->t, "10.1.2.3"));
	assert_true(table_match_ip(&f->t, "::fffe:1:2"));
}

static void
test_malformed_entries_and_addresses_never_match(void **state)
{
	struct fixture	*f = *state;

	load(f, "example.test\n192.0.2.0/xx\n192.0.2.0/\n192.0.2.0/33\n"
	    "192.0.2.0/-1\n2001:db8::/129\nnot-an-ip/8\n");
	assert_false(table_match_ip(&f->t, "example.test"));
	assert_false(table_match_ip(&f->t, ""));
	assert_false(table_match_ip(&f->t, "300.1.1.1"));
	assert_false(table_match_ip(&f->t, "10.0.0.1"));
	assert_false(table_match_ip(&f->t, "192.0.2.0"));
	assert_false(table_match_ip(&f->t, "2001:db8::"));
}

static void
test_match_addr_takes_sockaddrs_of_both_families(void **state)
{
	struct fixture		*f = *state;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr		 sa;

	load(f, "192.0.2.0/24\n2001:db8::/32\n");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.33", &sin.sin_addr), 1);
	assert_true(table_match_addr(&f->t, (struct sockaddr *)&sin));
	assert_int_equal(inet_pton(AF_INET, "192.0.20.33", &sin.sin_addr), 1);
	assert_false(table_match_addr(&f->t, (struct sockaddr *)&sin));
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:ff::1",
	    &sin6.sin6_addr), 1);
	assert_true(table_match_addr(&f->t, (struct sockaddr *)&sin6));
	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.1",
	    &sin6.sin6_addr), 1);
	assert_true(table_match_addr(&f->t, (struct sockaddr *)&sin6));
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_false(table_match_addr(&f->t, &sa));
}

#define T(t)	cmocka_unit_test_setup_teardown(t, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_domains_match_case_insensitively),
		T(test_domains_match_exactly_not_as_suffix),
		T(test_comments_blank_lines_and_white_space_are_ignored),
		T(test_last_line_without_newline_is_read),
		T(test_empty_path_is_an_empty_table),
		T(test_missing_file_is_an_error_with_errno),
		T(test_ipv4_cidr_prefixes_match),
		T(test_ipv4_prefix_lengths_that_are_not_multiples_of_8),
		T(test_single_addresses_and_whole_space),
		T(test_ipv6_cidr_prefixes_match),
		T(test_families_do_not_mix),
		T(test_v4_mapped_v6_client_matches_v4_entries),
		T(test_v4_mapped_entries_are_their_ipv4_prefix),
		T(test_malformed_entries_and_addresses_never_match),
		T(test_match_addr_takes_sockaddrs_of_both_families),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
