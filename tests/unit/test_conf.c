/*
 * Unit tests for lib/conf.c: posta.conf parsing, value types, errors
 * that name file and line, and how the file is chosen.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

struct fixture {
	char	 dir[64];
	char	 file[PATH_MAX];
	char	 err[1024];
};

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strlcpy(f->dir, "/tmp/test_conf.XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->file, sizeof(f->file), "%s/posta.conf", f->dir);
	conf_reset();
	unsetenv("POSTA_CONF");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	unlink(f->file);
	rmdir(f->dir);
	conf_reset();
	free(f);
	return 0;
}

static void
write_conf(struct fixture *f, const char *text, size_t len)
{
	FILE	*fp;

	fp = fopen(f->file, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static int
load(struct fixture *f, const char *text)
{
	write_conf(f, text, strlen(text));
	f->err[0] = '\0';
	return conf_load(f->file, 0, f->err, sizeof(f->err));
}

/* The error must start with "file:line:" and contain what. */
static void
assert_error_at(struct fixture *f, int line, const char *what)
{
	char	 want[PATH_MAX + 32];

	snprintf(want, sizeof(want), "%s:%d:", f->file, line);
	if (strncmp(f->err, want, strlen(want)) != 0)
		fail_msg("error \"%s\" does not start with \"%s\"", f->err,
		    want);
	if (strstr(f->err, what) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", f->err, what);
}

static void
test_defaults_hold_without_a_file(void **state)
{
	assert_int_equal(conf_num(C_max_recipients), 100);
	assert_int_equal(conf_num(C_message_size_limit), 35LL * 1024 * 1024);
	assert_int_equal(conf_num(C_max_header_size), 1024 * 1024);
	assert_string_equal(conf_str(C_mail_user), "posta");
	assert_string_equal(conf_str(C_queue_dir), POSTA_SPOOLDIR);
	assert_string_equal(conf_str(C_myhostname), "");
	assert_true(conf_bool(C_queue_trigger));
	assert_true(conf_bool(C_sendmail_add_headers));
}

static void
test_every_value_type_is_read_from_the_file(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f,
	    "myhostname = mx.example.test\n"
	    "queue_dir = /var/spool/other\n"
	    "max_recipients = 7\n"
	    "message_size_limit = 10m\n"
	    "queue_trigger = no\n"), 0);
	assert_string_equal(conf_str(C_myhostname), "mx.example.test");
	assert_string_equal(conf_str(C_queue_dir), "/var/spool/other");
	assert_int_equal(conf_num(C_max_recipients), 7);
	assert_int_equal(conf_num(C_message_size_limit), 10 * 1024 * 1024);
	assert_false(conf_bool(C_queue_trigger));
	assert_string_equal(conf_file(), f->file);
}

static void
test_string_value_keeps_inner_spaces_and_trims_outer(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f, "  tls_ciphers\t=\t  a b  c  \t\n"), 0);
	assert_string_equal(conf_str(C_tls_ciphers), "a b  c");
}

static void
test_empty_value_is_allowed_for_a_string(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f, "mail_user =\n"), 0);
	assert_string_equal(conf_str(C_mail_user), "");
}

static void
test_comments_blank_lines_and_crlf_are_ignored(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f,
	    "# posta.conf\n"
	    "\n"
	    "   \t\n"
	    "   # indented comment\n"
	    "max_recipients = 5\r\n"
	    "\r\n"), 0);
	assert_int_equal(conf_num(C_max_recipients), 5);
}

static void
test_last_line_without_newline_is_read(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f, "max_recipients = 9"), 0);
	assert_int_equal(conf_num(C_max_recipients), 9);
}

static void
test_unknown_key_is_an_error_naming_file_and_line(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f, "# one\nmax_recipients = 5\nno_such_key = 1\n"),
	    -1);
	assert_error_at(f, 3, "unknown key \"no_such_key\"");
}

static void
test_key_set_twice_is_an_error_naming_both_lines(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f, "max_recipients = 5\n\nmax_recipients = 6\n"),
	    -1);
	assert_error_at(f, 3, "set twice");
	assert_non_null(strstr(f->err, "line 1"));
}

static void
test_line_without_equals_is_an_error(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f, "max_recipients 5\n"), -1);
	assert_error_at(f, 1, "key = value");
}

static void
test_nul_byte_in_file_is_an_error(void **state)
{
	struct fixture	*f = *state;

	write_conf(f, "mail_user = a\0b\n", 16);
	assert_int_equal(conf_load(f->file, 0, f->err, sizeof(f->err)), -1);
	assert_error_at(f, 1, "NUL");
}

static void
test_bad_number_is_an_error_naming_key_and_line(void **state)
{
	struct fixture	*f = *state;
	const char	*bad[] = { "abc", "12x", "-1", "", "1.5" };
	char		 text[128];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conf_reset();
		snprintf(text, sizeof(text), "\nmax_recipients = %s\n", bad[i]);
		assert_int_equal(load(f, text), -1);
		assert_error_at(f, 2, "max_recipients");
	}
}

static void
test_bad_size_is_an_error(void **state)
{
	struct fixture	*f = *state;
	const char	*bad[] = { "10x", "m", "", "10mb", "-5k", "10 m",
	    "99999999999g" };
	char		 text[128];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conf_reset();
		snprintf(text, sizeof(text), "message_size_limit = %s\n",
		    bad[i]);
		assert_int_equal(load(f, text), -1);
		assert_error_at(f, 1, "message_size_limit");
	}
}

static void
test_bad_bool_is_an_error(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f, "queue_trigger = maybe\n"), -1);
	assert_error_at(f, 1, "queue_trigger");
}

static void
test_size_suffixes_are_binary_multiples(void **state)
{
	long long	 n;

	assert_int_equal(conf_parse_size("0", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(conf_parse_size("512", &n), 0);
	assert_int_equal(n, 512);
	assert_int_equal(conf_parse_size("4k", &n), 0);
	assert_int_equal(n, 4096);
	assert_int_equal(conf_parse_size("4K", &n), 0);
	assert_int_equal(n, 4096);
	assert_int_equal(conf_parse_size("35m", &n), 0);
	assert_int_equal(n, 35LL * 1024 * 1024);
	assert_int_equal(conf_parse_size("2g", &n), 0);
	assert_int_equal(n, 2LL * 1024 * 1024 * 1024);
	assert_int_equal(conf_parse_size("1t", &n), -1);
	assert_int_equal(conf_parse_size("k", &n), -1);
	assert_int_equal(conf_parse_size("+1", &n), -1);
	assert_int_equal(conf_parse_size(" 1", &n), -1);
}

static void
test_time_suffixes_are_seconds_minutes_hours_days_weeks(void **state)
{
	long long	 n;

	assert_int_equal(conf_parse_time("30", &n), 0);
	assert_int_equal(n, 30);
	assert_int_equal(conf_parse_time("30s", &n), 0);
	assert_int_equal(n, 30);
	assert_int_equal(conf_parse_time("5m", &n), 0);
	assert_int_equal(n, 300);
	assert_int_equal(conf_parse_time("4h", &n), 0);
	assert_int_equal(n, 4 * 3600);
	assert_int_equal(conf_parse_time("5d", &n), 0);
	assert_int_equal(n, 5 * 86400);
	assert_int_equal(conf_parse_time("2w", &n), 0);
	assert_int_equal(n, 14 * 86400);
	assert_int_equal(conf_parse_time("5x", &n), -1);
	assert_int_equal(conf_parse_time("5ms", &n), -1);
	assert_int_equal(conf_parse_time("h", &n), -1);
	assert_int_equal(conf_parse_time("-5m", &n), -1);
	assert_int_equal(conf_parse_time("", &n), -1);
	assert_int_equal(conf_parse_time("999999999999999999w", &n), -1);
}

static void
test_bool_accepts_yes_no_true_false_on_off_1_0(void **state)
{
	const char	*yes[] = { "yes", "YES", "true", "On", "1" };
	const char	*no[] = { "no", "No", "false", "OFF", "0" };
	size_t		 i;
	int		 b;

	for (i = 0; i < 5; i++) {
		b = -1;
		assert_int_equal(conf_parse_bool(yes[i], &b), 0);
		assert_int_equal(b, 1);
		assert_int_equal(conf_parse_bool(no[i], &b), 0);
		assert_int_equal(b, 0);
	}
	assert_int_equal(conf_parse_bool("y", &b), -1);
	assert_int_equal(conf_parse_bool("", &b), -1);
	assert_int_equal(conf_parse_bool("2", &b), -1);
}

static void
test_relative_path_is_resolved_against_the_files_folder(void **state)
{
	struct fixture	*f = *state;
	char		 want[PATH_MAX];

	assert_int_equal(load(f, "queue_dir = spool/queue\n"
	    "users_file = users\n"), 0);
	snprintf(want, sizeof(want), "%s/spool/queue", f->dir);
	assert_string_equal(conf_str(C_queue_dir), want);
	snprintf(want, sizeof(want), "%s/users", f->dir);
	assert_string_equal(conf_str(C_users_file), want);
}

static void
test_absolute_and_empty_paths_are_kept(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f, "queue_dir = /srv/q\nusers_file =\n"), 0);
	assert_string_equal(conf_str(C_queue_dir), "/srv/q");
	assert_string_equal(conf_str(C_users_file), "");
}

static void
test_relative_string_is_not_treated_as_a_path(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f, "mail_user = nobody\n"), 0);
	assert_string_equal(conf_str(C_mail_user), "nobody");
}

static void
test_missing_file_is_an_error_unless_allowed(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(conf_load(f->file, 0, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, f->file));
	assert_int_equal(conf_load(f->file, 1, f->err, sizeof(f->err)), 0);
	assert_int_equal(conf_num(C_max_recipients), 100);
}

static void
test_reset_restores_the_defaults(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load(f, "max_recipients = 3\n"), 0);
	conf_reset();
	assert_int_equal(conf_num(C_max_recipients), 100);
	assert_string_equal(conf_file(), "");
}

static void
test_set_overrides_and_a_bad_set_keeps_the_old_value(void **state)
{
	char	 err[256];

	assert_int_equal(conf_set("max_recipients", "12", err, sizeof(err)), 0);
	assert_int_equal(conf_num(C_max_recipients), 12);
	assert_int_equal(conf_set("max_recipients", "x", err, sizeof(err)), -1);
	assert_int_equal(conf_num(C_max_recipients), 12);
	assert_int_equal(conf_set("nonsense", "1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nonsense"));
}

static void
test_lookup_and_name_agree_for_every_key(void **state)
{
	enum conf_key	 k;

	for (k = 0; k < C__COUNT; k++)
		assert_int_equal(conf_lookup(conf_name(k)), k);
	assert_int_equal(conf_lookup("no_such_key"), C__COUNT);
	assert_int_equal(conf_lookup("Max_Recipients"), C__COUNT);
}

static void
test_cflag_wins_over_environment(void **state)
{
	setenv("POSTA_CONF", "/from/env.conf", 1);
	assert_string_equal(conf_path("/from/flag.conf"), "/from/flag.conf");
}

static void
test_environment_wins_over_compiled_default(void **state)
{
	setenv("POSTA_CONF", "/from/env.conf", 1);
	assert_string_equal(conf_path(NULL), "/from/env.conf");
	assert_string_equal(conf_path(""), "/from/env.conf");
}

static void
test_compiled_default_when_neither_is_given(void **state)
{
	assert_string_equal(conf_path(NULL), POSTA_CONF);
	setenv("POSTA_CONF", "", 1);
	assert_string_equal(conf_path(NULL), POSTA_CONF);
}

/* Defaults are parsed when first read: every one of them must parse. */
static void
test_every_compiled_in_default_parses(void **state)
{
	enum conf_key	 k;

	conf_reset();
	for (k = 0; k < C__COUNT; k++) {
		assert_non_null(conf_str(k));
		assert_true(conf_num(k) >= 0);
	}
}

/* conf_init in a child: its exit status. */
static int
init_status(const char *cflag)
{
	pid_t	 pid;
	int	 status;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		conf_init(cflag);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
test_init_exits_78_for_a_missing_file_given_by_flag_or_env(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(init_status(f->file), EX_CONFIG);
	setenv("POSTA_CONF", f->file, 1);
	assert_int_equal(init_status(NULL), EX_CONFIG);
}

static void
test_init_accepts_a_missing_compiled_in_file_even_with_empty_env(void **state)
{
	if (access(POSTA_CONF, F_OK) == 0)
		skip();		/* this machine has one: nothing to show */
	assert_int_equal(init_status(NULL), 0);
	assert_int_equal(init_status(""), 0);
	setenv("POSTA_CONF", "", 1);
	assert_int_equal(init_status(NULL), 0);
}

static void
test_init_exits_78_for_a_bad_file(void **state)
{
	struct fixture	*f = *state;

	write_conf(f, "bogus = 1\n", 10);
	assert_int_equal(init_status(f->file), EX_CONFIG);
}

static void
test_init_loads_the_file_given_by_the_environment(void **state)
{
	struct fixture	*f = *state;

	write_conf(f, "max_recipients = 4\n", 19);
	setenv("POSTA_CONF", f->file, 1);
	conf_init(NULL);
	assert_int_equal(conf_num(C_max_recipients), 4);
	assert_string_equal(conf_file(), f->file);
}

#define T(t)	cmocka_unit_test_setup_teardown(t, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults_hold_without_a_file),
		T(test_every_value_type_is_read_from_the_file),
		T(test_string_value_keeps_inner_spaces_and_trims_outer),
		T(test_empty_value_is_allowed_for_a_string),
		T(test_comments_blank_lines_and_crlf_are_ignored),
		T(test_last_line_without_newline_is_read),
		T(test_unknown_key_is_an_error_naming_file_and_line),
		T(test_key_set_twice_is_an_error_naming_both_lines),
		T(test_line_without_equals_is_an_error),
		T(test_nul_byte_in_file_is_an_error),
		T(test_bad_number_is_an_error_naming_key_and_line),
		T(test_bad_size_is_an_error),
		T(test_bad_bool_is_an_error),
		T(test_size_suffixes_are_binary_multiples),
		T(test_time_suffixes_are_seconds_minutes_hours_days_weeks),
		T(test_bool_accepts_yes_no_true_false_on_off_1_0),
		T(test_relative_path_is_resolved_against_the_files_folder),
		T(test_absolute_and_empty_paths_are_kept),
		T(test_relative_string_is_not_treated_as_a_path),
		T(test_missing_file_is_an_error_unless_allowed),
		T(test_reset_restores_the_defaults),
		T(test_set_overrides_and_a_bad_set_keeps_the_old_value),
		T(test_lookup_and_name_agree_for_every_key),
		T(test_cflag_wins_over_environment),
		T(test_environment_wins_over_compiled_default),
		T(test_compiled_default_when_neither_is_given),
		T(test_every_compiled_in_default_parses),
		T(test_init_exits_78_for_a_missing_file_given_by_flag_or_env),
		T(test_init_accepts_a_missing_compiled_in_file_even_with_empty_env),
		T(test_init_exits_78_for_a_bad_file),
		T(test_init_loads_the_file_given_by_the_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
