/*
 * Unit tests for lib/buf.c: the bounded growable buffer.
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

static void
test_add_keeps_explicit_length_and_nul_terminates(void **state)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(buf_add(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.s, "a\0b", 3);
	assert_int_equal(b.s[3], '\0');
	buf_free(&b);
}

static void
test_adds_addc_and_printf_append(void **state)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(buf_adds(&b, "hello"), 0);
	assert_int_equal(buf_addc(&b, ' '), 0);
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), 0);
	assert_string_equal(b.s, "hello 42-x");
	assert_int_equal(b.len, 10);
	buf_free(&b);
}

static void
test_grows_past_initial_capacity(void **state)
{
	struct buf	 b = BUF_INIT;
	char		 big[100000];
	size_t		 i;

	memset(big, 'x', sizeof(big));
	for (i = 0; i < 10; i++)
		assert_int_equal(buf_add(&b, big, sizeof(big)), 0);
	assert_int_equal(b.len, 10 * sizeof(big));
	assert_true(b.cap > b.len);
	assert_int_equal(b.s[b.len], '\0');
	buf_free(&b);
}

static void
test_bound_refuses_growth_with_emsgsize_and_keeps_contents(void **state)
{
	struct buf	 b;

	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "12345678"), 0);
	errno = 0;
	assert_int_equal(buf_addc(&b, '9'), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.s, "12345678");
	errno = 0;
	assert_int_equal(buf_printf(&b, "%s", "more"), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_string_equal(b.s, "12345678");
	buf_free(&b);
}

static void
test_bound_counts_contents_not_terminator(void **state)
{
	struct buf	 b;

	buf_init(&b, 3);
	assert_int_equal(buf_adds(&b, "abc"), 0);
	assert_int_equal(b.len, 3);
	buf_free(&b);
}

static void
test_reserve_refuses_size_overflow(void **state)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(buf_adds(&b, "x"), 0);
	errno = 0;
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_int_equal(errno, ENOMEM);
	assert_string_equal(b.s, "x");
	buf_free(&b);
}

static void
test_set_replaces_and_failed_set_keeps_old(void **state)
{
	struct buf	 b;

	buf_init(&b, 5);
	assert_int_equal(buf_set(&b, "abc", 3), 0);
	assert_int_equal(buf_set(&b, "xy", 2), 0);
	assert_string_equal(b.s, "xy");
	assert_int_equal(buf_set(&b, "toolong", 7), -1);
	assert_int_equal(b.len, 2);
	assert_string_equal(b.s, "xy");
	buf_free(&b);
}

static void
test_drop_removes_leading_bytes(void **state)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(buf_adds(&b, "line1\nline2\n"), 0);
	buf_drop(&b, 6);
	assert_string_equal(b.s, "line2\n");
	assert_int_equal(b.len, 6);
	buf_drop(&b, 100);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.s, "");
	buf_free(&b);
}

static void
test_reset_empties_but_keeps_storage(void **state)
{
	struct buf	 b = BUF_INIT;
	char		*s;

	assert_int_equal(buf_adds(&b, "abc"), 0);
	s = b.s;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_ptr_equal(b.s, s);
	assert_string_equal(b.s, "");
	buf_free(&b);
}

static void
test_reset_of_unused_buffer_is_harmless(void **state)
{
	struct buf	 b = BUF_INIT;

	buf_reset(&b);
	buf_drop(&b, 3);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	buf_free(&b);
}

static void
test_steal_hands_over_string_and_empties(void **state)
{
	struct buf	 b = BUF_INIT;
	char		*s;

	assert_int_equal(buf_adds(&b, "mine"), 0);
	s = buf_steal(&b);
	assert_string_equal(s, "mine");
	assert_null(b.s);
	assert_int_equal(b.len, 0);
	free(s);
}

static void
test_steal_of_empty_buffer_gives_empty_string(void **state)
{
	struct buf	 b = BUF_INIT;
	char		*s;

	s = buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

static void
test_add_of_zero_bytes_terminates_empty_buffer(void **state)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(buf_add(&b, NULL, 0), 0);
	assert_non_null(b.s);
	assert_string_equal(b.s, "");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_keeps_explicit_length_and_nul_terminates),
		cmocka_unit_test(test_adds_addc_and_printf_append),
		cmocka_unit_test(test_grows_past_initial_capacity),
		cmocka_unit_test(test_bound_refuses_growth_with_emsgsize_and_keeps_contents),
		cmocka_unit_test(test_bound_counts_contents_not_terminator),
		cmocka_unit_test(test_reserve_refuses_size_overflow),
		cmocka_unit_test(test_set_replaces_and_failed_set_keeps_old),
		cmocka_unit_test(test_drop_removes_leading_bytes),
		cmocka_unit_test(test_reset_empties_but_keeps_storage),
		cmocka_unit_test(test_reset_of_unused_buffer_is_harmless),
		cmocka_unit_test(test_steal_hands_over_string_and_empties),
		cmocka_unit_test(test_steal_of_empty_buffer_gives_empty_string),
		cmocka_unit_test(test_add_of_zero_bytes_terminates_empty_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
