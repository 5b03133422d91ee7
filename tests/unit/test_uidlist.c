/*
 * Unit tests for lib/uidlist.c: dovecot-uidlist version 3 (and 1),
 * appends and rewrites under dovecot-uidlist.lock, dovecot-keywords.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "uidlist.h"

struct fixture {
	char	 dir[64];
};

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strlcpy(f->dir, "/tmp/test_uidlist.XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[PATH_MAX];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static char *
read_file(const char *dir, const char *name)
{
	static char	 text[8192];
	char		 path[PATH_MAX];
	FILE		*fp;
	size_t		 n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return text;
}

static ino_t
inode_of(const char *dir, const char *name)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* The example of Dovecot's documentation of the format. */
static const char dovecot_list[] =
    "3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1\n"
    "25006 :1276528487.M364837P9451.kurkku,S=1355,W=1394:2,\n"
    "25017 W2481 :1276533073.M242911P3632.kurkku:2,F\n";

static void
test_a_dovecot_written_list_is_read(void **state)
{
	struct fixture	*f = *state;
	struct uidlist	 ul;
	struct uidrec	*r;
	const char	*b1 = "1276528487.M364837P9451.kurkku,S=1355,W=1394";

	write_file(f->dir, UIDLIST_FILE, dovecot_list);
	assert_int_equal(uidlist_init(&ul, f->dir), 0);
	assert_int_equal(uidlist_refresh(&ul), 1);
	assert_int_equal(ul.version, 3);
	assert_int_equal(ul.uidvalidity, 1275660208);
	assert_int_equal(ul.nextuid, 25022);
	assert_string_equal(ul.guid, "3085f01b7f11094c501100008c4a11c1");
	assert_int_equal(ul.nrecs, 2);
	assert_non_null(r = uidlist_find(&ul, b1, strlen(b1)));
	assert_int_equal(r->uid, 25006);
	assert_string_equal(r->ext, "");
	assert_int_equal(r->baselen, strlen(b1));
	r = uidlist_find(&ul, "1276533073.M242911P3632.kurkku", 30);
	assert_non_null(r);
	assert_int_equal(r->uid, 25017);
	assert_string_equal(r->ext, "W2481");
	assert_int_equal(uidlist_ext_num(r, 'W'), 2481);
	assert_int_equal(uidlist_ext_num(r, 'S'), -1);
	assert_string_equal(r->name, "1276533073.M242911P3632.kurkku:2,F");
	assert_null(uidlist_find(&ul, "1276533073.M242911P3632", 23));
	assert_non_null(uidlist_find_uid(&ul, 25017));
	assert_null(uidlist_find_uid(&ul, 25018));
	/* nothing changed: nothing read */
	assert_int_equal(uidlist_refresh(&ul), 0);
	uidlist_free(&ul);
}

static void
test_next_uid_is_past_appended_lines(void **state)
{
	struct fixture	*f = *state;
	struct uidlist	 ul;

	/* a writer appended 7 and 8 without rewriting the header */
	write_file(f->dir, UIDLIST_FILE,
	    "3 V10 N5 Gabc X1 Yfoo\n1 :a\n4 :b\n7 :c\n8 S12 W14 :d:2,S\n");
	uidlist_init(&ul, f->dir);
	assert_int_equal(uidlist_refresh(&ul), 1);
	assert_int_equal(ul.nextuid, 9);
	assert_string_equal(ul.hdrext, "X1 Yfoo");
	assert_int_equal(uidlist_ext_num(uidlist_find_uid(&ul, 8), 'S'), 12);
	assert_int_equal(uidlist_ext_num(uidlist_find_uid(&ul, 8), 'W'), 14);
	assert_int_equal(uidlist_ext_num(uidlist_find_uid(&ul, 7), 'W'), -1);
	/* a rewrite keeps the unknown fields and the last known names */
	assert_int_equal(uidlist_lock(&ul, 1, 60), 0);
	ul.dirty = 1;
	assert_int_equal(uidlist_commit(&ul), 0);
	assert_string_equal(read_file(f->dir, UIDLIST_FILE),
	    "3 V10 N9 Gabc X1 Yfoo\n1 :a\n4 :b\n7 :c\n8 S12 W14 :d:2,S\n");
	uidlist_free(&ul);
}

static void
test_version_1_lists_are_read_and_rewritten_as_3(void **state)
{
	struct fixture	*f = *state;
	struct uidlist	 ul;

	write_file(f->dir, UIDLIST_FILE, "1 1234 7\n2 x.y.z:2,S\n5 a.b.c\n");
	uidlist_init(&ul, f->dir);
	assert_int_equal(uidlist_refresh(&ul), 1);
	assert_int_equal(ul.version, 1);
	assert_int_equal(ul.uidvalidity, 1234);
	assert_int_equal(ul.nextuid, 7);
	assert_int_equal(uidlist_find(&ul, "x.y.z", 5)->uid, 2);
	assert_int_equal(uidlist_lock(&ul, 1, 60), 0);
	assert_non_null(uidlist_add(&ul, "q.r.s", 0));
	assert_int_equal(uidlist_commit(&ul), 0);
	assert_string_equal(read_file(f->dir, UIDLIST_FILE),
	    "3 V1234 N8\n2 :x.y.z:2,S\n5 :a.b.c\n7 :q.r.s\n");
	uidlist_free(&ul);
}

static void
test_broken_lists_are_refused(void **state)
{
	struct fixture		*f = *state;
	struct uidlist		 ul;
	static const char	*bad[] = {
		"",			/* no header line */
		"3 V1 N2",		/* header without its newline */
		"2 V1 N2\n",		/* unknown version */
		"3 N2\n",		/* no UIDVALIDITY */
		"3 V1 N9\n5 :a\n3 :b\n",	/* UIDs not ascending */
		"3 V1 N9\nx :a\n",	/* not a UID */
		"3 V1 N9\n5 W3\n",	/* no file name */
		"3 V1 N9\n5 :a/b\n",	/* a '/' in a name */
	};
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uidlist_init(&ul, f->dir);
		errno = 0;
		assert_int_equal(uidlist_parse(&ul, bad[i], strlen(bad[i])), -1);
		assert_int_equal(errno, EINVAL);
		uidlist_free(&ul);
	}
}

/* Found by fuzzing: a NUL in a name was kept as the end of the name,
 * and an empty name written back made the list unreadable. */
static void
test_a_nul_octet_is_refused(void **state)
{
	struct fixture		*f = *state;
	struct uidlist		 ul;
	static const char	 name[] = "3 V2 N3\n1 :a\n2 :\0b\n";
	static const char	 ext[] = "3 V2 N3\n1 W\0x :a\n";
	static const char	 hdr[] = "3 V2 N3 X\0\n1 :a\n";
	static const struct { const char *s; size_t n; } bad[] = {
		{ name, sizeof(name) - 1 },
		{ ext, sizeof(ext) - 1 },
		{ hdr, sizeof(hdr) - 1 },
	};
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uidlist_init(&ul, f->dir);
		errno = 0;
		assert_int_equal(uidlist_parse(&ul, bad[i].s, bad[i].n), -1);
		assert_int_equal(errno, EINVAL);
		uidlist_free(&ul);
	}
}

/* Found by fuzzing: a record with UID 4294967295 made the next UID
 * wrap to 0, so that the next message got UID 1 again. */
static void
test_the_last_uid_is_refused(void **state)
{
	struct fixture		*f = *state;
	struct uidlist		 ul;
	static const char	 last[] = "3 V1 N5\n4294967295 :p\n";
	static const char	 full[] = "3 V1 N4294967295\n7 :q\n";

	uidlist_init(&ul, f->dir);
	errno = 0;
	assert_int_equal(uidlist_parse(&ul, last, sizeof(last) - 1), -1);
	assert_int_equal(errno, EINVAL);
	uidlist_free(&ul);
	uidlist_init(&ul, f->dir);
	assert_int_equal(uidlist_parse(&ul, full, sizeof(full) - 1), 0);
	assert_int_equal(ul.nextuid, 4294967295u);
	assert_null(uidlist_add(&ul, "r", 0));
	assert_int_equal(ul.nextuid, 4294967295u);
	assert_int_equal(ul.nrecs, 1);
	uidlist_free(&ul);
}

static void
test_new_list_round_trip(void **state)
{
	struct fixture	*f = *state;
	struct uidlist	 a, b;
	uint32_t	 v;

	uidlist_init(&a, f->dir);
	assert_int_equal(uidlist_refresh(&a), 0);
	assert_int_equal(a.uidvalidity, 0);
	assert_int_equal(uidlist_lock(&a, 1, 60), 0);
	uidlist_create(&a);
	v = a.uidvalidity;
	assert_true(v > 0);
	assert_int_equal(strlen(a.guid), 32);
	assert_int_equal(uidlist_add(&a, "100.M1P1Q1.h,S=5,W=6", 0)->uid, 1);
	assert_int_equal(uidlist_add(&a, "101.M1P1Q1.h,S=5,W=6:2,S", 0)->uid, 2);
	assert_int_equal(uidlist_commit(&a), 0);
	/* the lock is gone */
	assert_int_equal(access(f->dir, F_OK), 0);
	{
		char	 lock[PATH_MAX];

		snprintf(lock, sizeof(lock), "%s/%s", f->dir, UIDLIST_LOCK);
		assert_int_equal(access(lock, F_OK), -1);
	}
	uidlist_init(&b, f->dir);
	assert_int_equal(uidlist_refresh(&b), 1);
	assert_int_equal(b.uidvalidity, v);
	assert_string_equal(b.guid, a.guid);
	assert_int_equal(b.nextuid, 3);
	assert_int_equal(b.nrecs, 2);
	assert_int_equal(uidlist_find(&b, "101.M1P1Q1.h,S=5,W=6", 20)->uid, 2);
	uidlist_free(&a);
	uidlist_free(&b);
}

static void
test_additions_are_appended_and_read_incrementally(void **state)
{
	struct fixture	*f = *state;
	struct uidlist	 a, b;
	ino_t		 ino;

	uidlist_init(&a, f->dir);
	uidlist_init(&b, f->dir);
	assert_int_equal(uidlist_lock(&a, 1, 60), 0);
	uidlist_add(&a, "one", 0);
	assert_int_equal(uidlist_commit(&a), 0);
	ino = inode_of(f->dir, UIDLIST_FILE);
	assert_int_equal(uidlist_refresh(&b), 1);
	assert_int_equal(b.nrecs, 1);

	assert_int_equal(uidlist_lock(&a, 1, 60), 0);
	assert_int_equal(uidlist_refresh(&a), 0);
	uidlist_add(&a, "two", 0);
	uidlist_add(&a, "three", 0);
	assert_int_equal(uidlist_commit(&a), 0);
	/* the same file, two lines longer */
	assert_int_equal(inode_of(f->dir, UIDLIST_FILE), ino);
	assert_int_equal(uidlist_refresh(&b), 1);
	assert_int_equal(b.nrecs, 3);
	assert_int_equal(uidlist_find(&b, "three", 5)->uid, 3);
	assert_int_equal(b.nextuid, 4);

	/* a removal rewrites: a new file without the record */
	assert_int_equal(uidlist_lock(&b, 1, 60), 0);
	uidlist_remove(&b, uidlist_find(&b, "two", 3));
	assert_int_equal(uidlist_commit(&b), 0);
	assert_true(inode_of(f->dir, UIDLIST_FILE) != ino);
	assert_int_equal(uidlist_refresh(&a), 1);
	assert_int_equal(a.nrecs, 2);
	assert_null(uidlist_find(&a, "two", 3));
	assert_int_equal(a.nextuid, 4);
	uidlist_free(&a);
	uidlist_free(&b);
}

static void
test_a_torn_last_line_is_ignored_then_rewritten(void **state)
{
	struct fixture	*f = *state;
	struct uidlist	 ul;

	write_file(f->dir, UIDLIST_FILE, "3 V7 N3\n1 :a\n2 :b\n3 :c");
	uidlist_init(&ul, f->dir);
	assert_int_equal(uidlist_refresh(&ul), 1);
	assert_int_equal(ul.nrecs, 2);
	assert_int_equal(ul.nextuid, 3);
	assert_int_equal(uidlist_lock(&ul, 1, 60), 0);
	uidlist_add(&ul, "d", 0);
	assert_int_equal(uidlist_commit(&ul), 0);
	/* appending after the torn line would have glued it to ours */
	assert_string_equal(read_file(f->dir, UIDLIST_FILE),
	    "3 V7 N4\n1 :a\n2 :b\n3 :d\n");
	uidlist_free(&ul);
}

static void
test_the_lock_excludes_and_stale_locks_are_broken(void **state)
{
	struct fixture	*f = *state;
	struct uidlist	 a, b;
	char		 lock[PATH_MAX];
	struct timeval	 tv[2];

	uidlist_init(&a, f->dir);
	uidlist_init(&b, f->dir);
	assert_int_equal(uidlist_lock(&a, 1, 60), 0);
	errno = 0;
	assert_int_equal(uidlist_lock(&b, 0, 60), -1);
	assert_int_equal(errno, EAGAIN);
	uidlist_unlock(&a);
	assert_int_equal(uidlist_lock(&b, 0, 60), 0);
	uidlist_unlock(&b);

	/* a lock left 10 minutes ago by a dead writer */
	snprintf(lock, sizeof(lock), "%s/%s", f->dir, UIDLIST_LOCK);
	write_file(f->dir, UIDLIST_LOCK, "");
	tv[0].tv_sec = tv[1].tv_sec = time(NULL) - 600;
	tv[0].tv_usec = tv[1].tv_usec = 0;
	assert_int_equal(utimes(lock, tv), 0);
	assert_int_equal(uidlist_lock(&a, 0, 120), 0);
	uidlist_unlock(&a);
	uidlist_free(&a);
	uidlist_free(&b);
}

static void
test_a_renumbered_record_moves_to_the_end(void **state)
{
	struct fixture	*f = *state;
	struct uidlist	 ul;

	write_file(f->dir, UIDLIST_FILE, "3 V7 N10\n1 :a\n2 :b\n3 :c\n");
	uidlist_init(&ul, f->dir);
	assert_int_equal(uidlist_refresh(&ul), 1);
	assert_int_equal(uidlist_lock(&ul, 1, 60), 0);
	assert_int_equal(uidlist_renumber(&ul, uidlist_find(&ul, "a", 1)), 0);
	assert_int_equal(uidlist_find(&ul, "a", 1)->uid, 10);
	assert_int_equal(uidlist_commit(&ul), 0);
	assert_string_equal(read_file(f->dir, UIDLIST_FILE),
	    "3 V7 N11\n2 :b\n3 :c\n10 :a\n");
	uidlist_free(&ul);
}

static void
test_many_records_are_found_by_base(void **state)
{
	struct fixture	*f = *state;
	struct uidlist	 ul;
	char		 name[64];
	int		 i;

	uidlist_init(&ul, f->dir);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "%d.M%dP1Q1.h:2,S", 1000 + i, i);
		assert_non_null(uidlist_add(&ul, name, 0));
	}
	for (i = 0; i < 5000; i += 7) {
		snprintf(name, sizeof(name), "%d.M%dP1Q1.h", 1000 + i, i);
		assert_int_equal(uidlist_find(&ul, name, strlen(name))->uid,
		    (uint32_t)i + 1);
	}
	uidlist_remove(&ul, uidlist_find(&ul, "1003.M3P1Q1.h", 13));
	assert_null(uidlist_find(&ul, "1003.M3P1Q1.h", 13));
	assert_int_equal(uidlist_find(&ul, "1004.M4P1Q1.h", 13)->uid, 5);
	uidlist_free(&ul);
}

static void
test_keywords_file_round_trip(void **state)
{
	struct fixture	*f = *state;
	struct keywords	 kw, back;

	memset(&kw, 0, sizeof(kw));
	memset(&back, 0, sizeof(back));
	/* Dovecot's example */
	write_file(f->dir, KEYWORDS_FILE, "0 $Junk\n1 $NonJunk\n25 last\n"
	    "26 toofar\nbad line\n");
	assert_int_equal(keywords_load(&kw, f->dir), 0);
	assert_string_equal(kw.names[0], "$Junk");
	assert_string_equal(kw.names[1], "$NonJunk");
	assert_string_equal(kw.names[25], "last");
	assert_null(kw.names[2]);
	assert_int_equal(keywords_index(&kw, "$nonjunk"), 1);
	assert_int_equal(keywords_index(&kw, "toofar"), -1);
	free(kw.names[25]);
	kw.names[25] = NULL;
	kw.names[3] = strdup("$Label1");
	assert_int_equal(keywords_save(&kw, f->dir), 0);
	assert_string_equal(read_file(f->dir, KEYWORDS_FILE),
	    "0 $Junk\n1 $NonJunk\n3 $Label1\n");
	assert_int_equal(keywords_load(&back, f->dir), 0);
	assert_int_equal(keywords_index(&back, "$Label1"), 3);
	keywords_free(&kw);
	keywords_free(&back);
}

/* Found by fuzzing: "0 $Junk\r" and then a NUL came back as "$Junk\r",
 * which keywords_save() wrote as a line that reads back as "$Junk". */
static void
test_keyword_line_end_before_a_nul(void **state)
{
	struct fixture	*f = *state;
	struct keywords	 kw;
	char		 path[PATH_MAX];
	FILE		*fp;

	memset(&kw, 0, sizeof(kw));
	snprintf(path, sizeof(path), "%s/%s", f->dir, KEYWORDS_FILE);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite("0 $Junk\r\0\0\n1 a\rb\n", 1, 17, fp), 17);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(keywords_load(&kw, f->dir), 0);
	assert_string_equal(kw.names[0], "$Junk");
	assert_string_equal(kw.names[1], "a\rb");
	keywords_free(&kw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_a_dovecot_written_list_is_read, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_nul_octet_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_the_last_uid_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_next_uid_is_past_appended_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_version_1_lists_are_read_and_rewritten_as_3, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_broken_lists_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_new_list_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_additions_are_appended_and_read_incrementally, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_torn_last_line_is_ignored_then_rewritten, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_the_lock_excludes_and_stale_locks_are_broken, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_renumbered_record_moves_to_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_many_records_are_found_by_base, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keywords_file_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keyword_line_end_before_a_nul, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
