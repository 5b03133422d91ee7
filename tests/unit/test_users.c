/*
 * Unit tests for lib/users.c: the users file, hashes, checks, and the
 * atomic edits of posta-passwd.
 */
#include <sys/types.h>
#include <sys/stat.h>

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

#include "users.h"

struct fixture {
	char		 dir[64];
	char		 file[PATH_MAX];
	char		 err[512];
	struct users	 us;
};

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strlcpy(f->dir, "/tmp/test_users.XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->file, sizeof(f->file), "%s/users", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[128];

	users_free(&f->us);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
write_users(struct fixture *f, const char *text)
{
	FILE	*fp;

	assert_non_null(fp = fopen(f->file, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static char *
read_users(struct fixture *f)
{
	static char	 text[8192];
	FILE		*fp;
	size_t		 n;

	assert_non_null(fp = fopen(f->file, "r"));
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return text;
}

static void
load(struct fixture *f)
{
	users_free(&f->us);
	assert_int_equal(users_load(&f->us, f->file, f->err, sizeof(f->err)),
	    0);
}

static void
test_the_file_is_read(void **state)
{
	struct fixture		*f = *state;
	const struct user	*u;
	char			 want[PATH_MAX];

	write_users(f, "# users\n\nalice@example.test:$y$x:mail/alice\n"
	    "Bob@Example.Test:$6$y:/srv/bob:with:colons\r\n");
	load(f);
	assert_int_equal(f->us.n, 2);
	assert_non_null(u = users_find(&f->us, "ALICE@example.test"));
	snprintf(want, sizeof(want), "%s/mail/alice", f->dir);
	assert_string_equal(u->maildir, want);
	assert_non_null(u = users_find(&f->us, "bob@example.test"));
	assert_string_equal(u->address, "Bob@Example.Test");
	assert_string_equal(u->maildir, "/srv/bob:with:colons");
	assert_null(users_find(&f->us, "carol@example.test"));

	users_free(&f->us);
	write_users(f, "a@b:h:m\nbroken line\n");
	assert_int_equal(users_load(&f->us, f->file, f->err, sizeof(f->err)),
	    -1);
	assert_non_null(strstr(f->err, "users:2:"));
}

static void
test_hashes_of_each_scheme_check(void **state)
{
	struct fixture	*f = *state;
	char		 y[256], s[256], b[256], text[2048];

	assert_int_equal(users_hash("pw y", y, sizeof(y)), 0);
	assert_int_equal(strncmp(y, "$y$", 3), 0);
	assert_int_equal(users_hash_scheme("pw s", "sha512-crypt", s,
	    sizeof(s)), 0);
	assert_int_equal(strncmp(s, "$6$", 3), 0);
	assert_int_equal(users_hash_scheme("pw b", "bcrypt", b, sizeof(b)), 0);
	assert_int_equal(strncmp(b, "$2b$", 4), 0);
	errno = 0;
	assert_int_equal(users_hash_scheme("x", "md5", b + 100, 100), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(users_hash("x", y + 200, 8), -1);

	assert_true((size_t)snprintf(text, sizeof(text),
	    "y@t:%s:m\ns@t:%s:m\nb@t:%s:m\n"
	    "md5@t:$1$ab$s6ZVgoDCkLv7h3G96UGcm/:m\nlocked@t:!%s:m\n", y, s, b,
	    y) < sizeof(text));
	write_users(f, text);
	load(f);
	assert_true(users_check(&f->us, "y@t", "pw y"));
	assert_true(users_check(&f->us, "S@T", "pw s"));
	assert_true(users_check(&f->us, "b@t", "pw b"));
	assert_false(users_check(&f->us, "y@t", "pw s"));
	assert_false(users_check(&f->us, "b@t", ""));
	assert_false(users_check(&f->us, "nobody@t", "pw y"));
	/* "posta" is that MD5 hash's password: never accepted */
	assert_false(users_check(&f->us, "md5@t", "posta"));
	assert_false(users_check(&f->us, "locked@t", "pw y"));
	assert_string_equal(users_hash_kind(y), "yescrypt");
	assert_string_equal(users_hash_kind("$2y$05$x"), "bcrypt");
	assert_null(users_hash_kind("$1$ab$x"));
	assert_null(users_hash_kind("!$y$x"));
}

static void
test_unknown_users_cost_a_hash_of_the_common_scheme(void **state)
{
	struct fixture	*f = *state;
	char		 s1[256], s2[256], y[256], text[2048];

	users_hash_scheme("a", "sha512-crypt", s1, sizeof(s1));
	users_hash_scheme("b", "sha512-crypt", s2, sizeof(s2));
	users_hash("c", y, sizeof(y));
	assert_true((size_t)snprintf(text, sizeof(text),
	    "y@t:%s:m\ns1@t:%s:m\ns2@t:%s:m\n", y, s1, s2) < sizeof(text));
	write_users(f, text);
	load(f);
	assert_non_null(f->us.dummy);
	assert_string_equal(users_hash_kind(f->us.dummy), "sha512-crypt");
	assert_false(users_check(&f->us, "nobody@t", "a"));
	write_users(f, "");
	load(f);
	assert_null(f->us.dummy);
	assert_false(users_check(&f->us, "nobody@t", "a"));
}

static void
test_addresses_for_the_file(void **state)
{
	(void)state;
	assert_true(users_address_ok("alice@example.test"));
	assert_true(users_address_ok("a+b.c@d"));
	assert_false(users_address_ok(""));
	assert_false(users_address_ok("alice"));
	assert_false(users_address_ok("@example.test"));
	assert_false(users_address_ok("alice@"));
	assert_false(users_address_ok("a:b@c"));
	assert_false(users_address_ok("a b@c"));
	assert_false(users_address_ok("a\tb@c"));
	assert_false(users_address_ok("#a@c"));
	assert_false(users_address_ok("a\x01@c"));
}

static void
test_edits_replace_the_file_whole(void **state)
{
	struct fixture	*f = *state;
	struct stat	 st;

	write_users(f, "# kept\nalice@t:$y$old:mail/alice\n\nbob@t:$y$b:mail/bob");
	assert_int_equal(chmod(f->file, 0640), 0);
	assert_int_equal(users_add(f->file, "carol@t", "$y$c", "mail/carol",
	    f->err, sizeof(f->err)), 0);
	assert_string_equal(read_users(f), "# kept\nalice@t:$y$old:mail/alice\n"
	    "\nbob@t:$y$b:mail/bob\ncarol@t:$y$c:mail/carol\n");
	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);

	assert_int_equal(users_set_hash(f->file, "ALICE@t", "$6$new", f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(users_delete(f->file, "bob@t", f->err,
	    sizeof(f->err)), 0);
	assert_string_equal(read_users(f), "# kept\nalice@t:$6$new:mail/alice\n"
	    "\ncarol@t:$y$c:mail/carol\n");

	errno = 0;
	assert_int_equal(users_add(f->file, "Carol@T", "$y$x", "m", f->err,
	    sizeof(f->err)), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(users_delete(f->file, "bob@t", f->err,
	    sizeof(f->err)), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(f->err, "no user bob@t"));
	assert_int_equal(users_set_hash(f->file, "bob@t", "$y$", f->err,
	    sizeof(f->err)), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(users_add(f->file, "bad address", "$y$x", "m",
	    f->err, sizeof(f->err)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(users_set_hash(f->file, "alice@t", "a:b", f->err,
	    sizeof(f->err)), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(read_users(f), "# kept\nalice@t:$6$new:mail/alice\n"
	    "\ncarol@t:$y$c:mail/carol\n");
}

static void
test_the_first_add_makes_the_file(void **state)
{
	struct fixture	*f = *state;
	struct stat	 st;

	assert_int_equal(users_add(f->file, "a@t", "$y$a", "mail/a", f->err,
	    sizeof(f->err)), 0);
	assert_string_equal(read_users(f), "a@t:$y$a:mail/a\n");
	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* Found by fuzzing: a maildir ending in CR was read back without it. */
static void
test_no_line_end_in_a_field(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(users_add(f->file, "a@t", "$y$a", "mail/a\r", f->err,
	    sizeof(f->err)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(users_add(f->file, "a@t", "$y$\ra", "mail/a", f->err,
	    sizeof(f->err)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(users_add(f->file, "a@t", "$y$a", "mail/a", f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(users_set_hash(f->file, "a@t", "$y$b\r", f->err,
	    sizeof(f->err)), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(read_users(f), "a@t:$y$a:mail/a\n");
}

/* Found by fuzzing: after a NUL, a new hash cut the line and its LF
 * away, so that the next user's line became part of this maildir. */
static void
test_a_new_hash_keeps_the_rest_of_the_line(void **state)
{
	struct fixture	*f = *state;
	static const char	 text[] = "a@t:$y$a:mail/a\0x\nb@t:$y$b:mail/b\n"
				    "c@t:$y$c\n";
	FILE		*fp;
	char		 back[sizeof(text)];

	assert_non_null(fp = fopen(f->file, "w"));
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, fp),
	    sizeof(text) - 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(users_set_hash(f->file, "a@t", "$6$n", f->err,
	    sizeof(f->err)), 0);
	/* a line without a maildir is not dropped either */
	assert_int_equal(users_set_hash(f->file, "c@t", "$6$n", f->err,
	    sizeof(f->err)), 0);
	assert_non_null(fp = fopen(f->file, "r"));
	assert_int_equal(fread(back, 1, sizeof(back), fp), sizeof(text) - 1);
	fclose(fp);
	assert_memory_equal(back, "a@t:$6$n:mail/a\0x\nb@t:$y$b:mail/b\n"
	    "c@t:$y$c\n", sizeof(text) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(test_the_file_is_read),
		T(test_hashes_of_each_scheme_check),
		T(test_unknown_users_cost_a_hash_of_the_common_scheme),
		T(test_addresses_for_the_file),
		T(test_edits_replace_the_file_whole),
		T(test_the_first_add_makes_the_file),
		T(test_no_line_end_in_a_field),
		T(test_a_new_hash_keeps_the_rest_of_the_line),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
