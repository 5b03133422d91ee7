/*
 * Unit tests for lib/maildir: names and flags, folder names, Maildir++
 * folders and subscriptions, md_sync against other processes (Dovecot's
 * uidlist, deliveries, renames, expunges, several writers at once),
 * append, copy, keywords, the POP3 lock, a 100,000-message folder.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
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

#include "maildir.h"
#include "mdpriv.h"

struct fixture {
	char	 dir[64];	/* the Maildir */
};

static void
mk(const char *dir, const char *sub)
{
	char	 p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	assert_int_equal(mkdir(p, 0700), 0);
}

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	/* tmpfs when there is one: 100,000 files are made quickly there */
	strlcpy(f->dir, access("/dev/shm", W_OK) == 0 ?
	    "/dev/shm/test_maildir.XXXXXX" : "/tmp/test_maildir.XXXXXX",
	    sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	mk(f->dir, "cur");
	mk(f->dir, "new");
	mk(f->dir, "tmp");
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

/* Make a message file dir/sub/name with text. */
static void
put(const char *dir, const char *sub, const char *name, const char *text)
{
	char	 p[PATH_MAX];
	int	 fd;

	assert_true((size_t)snprintf(p, sizeof(p), "%s/%s/%s", dir, sub, name) <
	    sizeof(p));
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600)) != -1);
	if (text)
		assert_int_equal(write(fd, text, strlen(text)),
		    (ssize_t)strlen(text));
	close(fd);
}

static int
exists(const char *dir, const char *sub, const char *name)
{
	char	 p[PATH_MAX];

	assert_true((size_t)snprintf(p, sizeof(p), "%s/%s/%s", dir, sub, name) <
	    sizeof(p));
	return access(p, F_OK) == 0;
}

static void
ren(const char *dir, const char *from, const char *to)
{
	char	 a[PATH_MAX], b[PATH_MAX];

	snprintf(a, sizeof(a), "%s/%s", dir, from);
	snprintf(b, sizeof(b), "%s/%s", dir, to);
	assert_int_equal(rename(a, b), 0);
}

/* Set a directory's mtime hours back (an old, settled folder). */
static void
age(const char *dir, const char *sub, int hours)
{
	char		 p[PATH_MAX];
	struct timeval	 tv[2];

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	tv[0].tv_sec = tv[1].tv_sec = time(NULL) - 3600 * hours;
	tv[0].tv_usec = tv[1].tv_usec = 0;
	assert_int_equal(utimes(p, tv), 0);
}

static char *
slurp(const char *dir, const char *name)
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

static struct md_msg *
by_uid(struct md_folder *f, uint32_t uid)
{
	ssize_t	 i = md_uid_index(f, uid);

	assert_true(i >= 0);
	return &f->msgs[i];
}

/* --- names ----------------------------------------------------------- */

static void
test_names_are_parsed(void **state)
{
	struct md_name	 n;

	(void)state;
	assert_int_equal(md_name_parse(
	    "1276528487.M364837P9451.kurkku,S=1355,W=1394:2,FRSab", &n), 0);
	assert_int_equal(n.baselen, 44);
	assert_int_equal(n.secs, 1276528487);
	assert_int_equal(n.usec, 364837);
	assert_int_equal(n.size, 1355);
	assert_int_equal(n.vsize, 1394);
	assert_true(n.info);
	assert_int_equal(n.flags, MD_F_FLAGGED | MD_F_REPLIED | MD_F_SEEN);
	assert_int_equal(n.keywords, 0x3);

	/* Dovecot's older example: no M, flags then a ',' extension */
	assert_int_equal(md_name_parse(
	    "1035478339.27041_118.foo.org,S=1000,W=1030:2,ST,xyz", &n), 0);
	assert_int_equal(n.secs, 1035478339);
	assert_int_equal(n.usec, 0);
	assert_int_equal(n.size, 1000);
	assert_int_equal(n.vsize, 1030);
	assert_int_equal(n.flags, MD_F_SEEN | MD_F_TRASHED);
	assert_int_equal(n.keywords, 0);

	/* new/: no info, no sizes */
	assert_int_equal(md_name_parse("1700000000.P1Q2.host", &n), 0);
	assert_false(n.info);
	assert_int_equal(n.size, -1);
	assert_int_equal(n.vsize, -1);
	assert_int_equal(n.baselen, strlen("1700000000.P1Q2.host"));

	/* not a timestamp */
	assert_int_equal(md_name_parse("courier-style-name:2,", &n), 0);
	assert_int_equal(n.secs, -1);
	assert_true(n.info);
	/* ":2," is the only info version with flags */
	assert_int_equal(md_name_parse("1.a.b:1,S", &n), 0);
	assert_false(n.info);
	assert_int_equal(n.flags, 0);

	assert_int_equal(md_name_parse("", &n), -1);
	assert_int_equal(md_name_parse(".hidden", &n), -1);
	assert_int_equal(md_name_parse("a/b", &n), -1);
}

static void
test_flags_are_written_sorted(void **state)
{
	char		 s[64];
	unsigned int	 fl;
	uint32_t	 kw;

	(void)state;
	assert_int_equal(md_flags_format(MD_F_ALL, 0x5, s, sizeof(s)), 0);
	assert_string_equal(s, "DFPRSTac");
	assert_int_equal(md_flags_format(MD_F_SEEN | MD_F_DRAFT, 0, s,
	    sizeof(s)), 0);
	assert_string_equal(s, "DS");
	assert_int_equal(md_flags_format(0, 0, s, sizeof(s)), 0);
	assert_string_equal(s, "");
	assert_int_equal(md_flags_format(0, 0, s, 8), -1);
	md_flags_parse("zTSa?", &fl, &kw);
	assert_int_equal(fl, MD_F_TRASHED | MD_F_SEEN);
	assert_int_equal(kw, (1u << 25) | 1u);
	assert_int_equal(md_name_with_flags("12.M3P4.h,S=1:2,S", 10, MD_F_SEEN,
	    2, s, sizeof(s)), 0);
	assert_string_equal(s, "12.M3P4.h,:2,Sb");
	assert_int_equal(md_name_with_flags("b", 1, 0, 0, s, 5), 0);
	assert_string_equal(s, "b:2,");
	assert_int_equal(md_name_with_flags("bb", 2, 0, 0, s, 5), -1);
}

static void
test_unique_bases_carry_date_and_sizes(void **state)
{
	char		 a[256], b[256];
	struct md_name	 n;

	(void)state;
	assert_int_equal(md_unique_base(1000000000, 10, 12, a, sizeof(a)), 0);
	assert_int_equal(md_unique_base(1000000000, 10, 12, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(md_name_parse(a, &n), 0);
	assert_int_equal(n.secs, 1000000000);
	assert_int_equal(n.size, 10);
	assert_int_equal(n.vsize, 12);
	assert_null(strchr(a, ':'));
	assert_int_equal(md_unique_base(0, 1, 1, a, 20), -1);
}

static void
test_folder_names_stay_inside_the_maildir(void **state)
{
	static const char	*good[] = {
		"INBOX", "inbox", "Sent", "Lists.posta", "a.b.c", "My Folder",
		"&AMk-t&AOk-", "INBOX.child", "x~",
	};
	static const char	*bad[] = {
		"", ".", "..", ".Sent", "Sent.", "a..b", "a/b", "/etc", "~root",
		"cur", "new", "tmp", "a.cur", "NEW.x", "a\tb", "a\nb", "\x7f",
		"..%2f", "../x",
	};
	char			 p[PATH_MAX], longname[300];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(md_name_ok(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(md_name_ok(bad[i]));
		assert_int_equal(md_folder_path("/m", bad[i], p, sizeof(p)), -1);
	}
	memset(longname, 'a', 256);
	longname[256] = '\0';
	assert_false(md_name_ok(longname));
	longname[255] = '\0';
	assert_true(md_name_ok(longname));
	assert_int_equal(md_folder_path("/m", "InBoX", p, sizeof(p)), 0);
	assert_string_equal(p, "/m");
	assert_int_equal(md_folder_path("/m", "Lists.posta", p, sizeof(p)), 0);
	assert_string_equal(p, "/m/.Lists.posta");
}

/* --- folders --------------------------------------------------------- */

/* posta-local's and posta-passwd's way: the Maildir made too, a folder
 * already there (or half there) is completed, names stricter */
static void
test_folders_for_deliveries_are_made_on_demand(void **state)
{
	struct fixture	*f = *state;
	char		 md[PATH_MAX], p[PATH_MAX], want[PATH_MAX];

	assert_true((size_t)snprintf(md, sizeof(md), "%s/new-user", f->dir) <
	    sizeof(md));
	assert_int_equal(md_folder_make(md, "Lists.posta", p, sizeof(p)), 0);
	assert_true((size_t)snprintf(want, sizeof(want), "%s/.Lists.posta",
	    md) < sizeof(want));
	assert_string_equal(p, want);
	assert_true(exists(md, "cur", ""));
	assert_true(exists(p, "cur", ""));
	assert_true(exists(p, "", "maildirfolder"));
	assert_true(md_folder_exists(md, "Lists.posta"));
	assert_int_equal(md_folder_make(md, "Lists.posta", NULL, 0), 0);
	assert_true((size_t)snprintf(p, sizeof(p), "%s/.Lists.posta/cur",
	    md) < sizeof(p));
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(md_folder_make(md, "Lists.posta", NULL, 0), 0);
	assert_true(md_folder_exists(md, "Lists.posta"));
	/* the servers' create refuses what exists */
	assert_int_equal(md_folder_create(md, "Lists.posta"), -1);
	assert_int_equal(errno, EEXIST);
	/* names the servers take but an address extension may not give */
	assert_true(md_name_ok("Caf\xc3\xa9 & more"));
	assert_int_equal(md_folder_make(md, "sp ace", NULL, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(md_folder_make(md, "INBOX", NULL, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(md_folder_make(md, "a.new", NULL, 0), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_folders_are_made_listed_renamed_deleted(void **state)
{
	struct fixture	*f = *state;
	struct md_list	 l;
	char		 p[PATH_MAX];

	assert_int_equal(md_folder_create(f->dir, "Sent"), 0);
	assert_int_equal(md_folder_create(f->dir, "Lists"), 0);
	assert_int_equal(md_folder_create(f->dir, "Lists.posta"), 0);
	assert_int_equal(md_folder_create(f->dir, "Sent"), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(md_folder_create(f->dir, "inbox"), -1);
	assert_int_equal(md_folder_create(f->dir, "../evil"), -1);
	assert_int_equal(errno, EINVAL);
	snprintf(p, sizeof(p), "%s/.Sent", f->dir);
	assert_true(exists(p, "cur", ""));
	assert_true(exists(p, "new", ""));
	assert_true(exists(p, "tmp", ""));
	assert_true(exists(p, "", "maildirfolder"));
	/* not folders: a file, a dot-dir without cur/ */
	put(f->dir, "", ".notafolder", "x");
	mk(f->dir, ".Empty");

	assert_int_equal(md_folder_list(f->dir, &l), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.names[0], "INBOX");
	assert_string_equal(l.names[1], "Lists");
	assert_string_equal(l.names[2], "Lists.posta");
	assert_string_equal(l.names[3], "Sent");
	md_list_free(&l);
	assert_true(md_folder_exists(f->dir, "Lists.posta"));
	assert_false(md_folder_exists(f->dir, "Empty"));

	/* the children follow */
	put(f->dir, ".Lists.posta/cur", "1.M1P1.h:2,S", "hi\n");
	assert_int_equal(md_folder_rename(f->dir, "Lists", "Sent"), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(md_folder_rename(f->dir, "Lists", "Groups"), 0);
	assert_true(md_folder_exists(f->dir, "Groups.posta"));
	assert_false(md_folder_exists(f->dir, "Lists.posta"));
	assert_true(exists(f->dir, ".Groups.posta/cur", "1.M1P1.h:2,S"));
	assert_int_equal(md_folder_rename(f->dir, "Nothing", "Else"), -1);
	assert_int_equal(errno, ENOENT);

	/* deleting keeps the children */
	assert_int_equal(md_folder_delete(f->dir, "Groups"), 0);
	assert_false(md_folder_exists(f->dir, "Groups"));
	assert_true(md_folder_exists(f->dir, "Groups.posta"));
	assert_int_equal(md_folder_delete(f->dir, "Groups.posta"), 0);
	assert_int_equal(md_folder_delete(f->dir, "INBOX"), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(md_folder_delete(f->dir, "Gone"), -1);
	assert_int_equal(md_folder_list(f->dir, &l), 0);
	assert_int_equal(l.n, 2);
	md_list_free(&l);
}

static void
test_renaming_inbox_moves_its_messages(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*in, *old;

	put(f->dir, "new", "1.M1P1.h,S=3,W=4", "a\nb");
	put(f->dir, "cur", "2.M1P1.h,S=3,W=4:2,S", "a\nb");
	assert_non_null(in = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(in, 0, NULL), 0);
	assert_int_equal(md_folder_rename(f->dir, "INBOX", "Old"), 0);
	assert_true(md_folder_exists(f->dir, "INBOX"));
	assert_non_null(old = md_open(f->dir, "Old"));
	assert_int_equal(md_sync(old, 0, NULL), 0);
	assert_int_equal(old->nmsgs, 2);
	assert_int_equal(md_sync(in, 0, NULL), 0);
	assert_int_equal(md_count(in, NULL), 0);
	md_close(in);
	md_close(old);
}

/* Found by fuzzing: a name with an escaped TAB or LF in it (Dovecot's
 * \001 escapes) was written back raw, so a LF made two names of it; and
 * an escaped NUL first made an empty name. */
static void
test_subscriptions_keep_escaped_names(void **state)
{
	struct fixture	*f = *state;
	struct md_list	 l;
	char		 p[PATH_MAX];
	FILE		*fp;

	snprintf(p, sizeof(p), "%s/subscriptions", f->dir);
	assert_non_null(fp = fopen(p, "w"));
	fputs("V\t2\n\nodd\001tname\nline\001nbreak\nsoh\0011x\n\0010x\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(md_subscribe(f->dir, "Sent", 1), 0);
	assert_string_equal(slurp(f->dir, "subscriptions"), "V\t2\n\n"
	    "odd\001tname\nline\001nbreak\nsoh\0011x\nSent\n");
	assert_int_equal(md_subscriptions(f->dir, &l), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.names[0], "odd\tname");
	assert_string_equal(l.names[1], "line\nbreak");
	assert_string_equal(l.names[2], "soh\001x");
	assert_string_equal(l.names[3], "Sent");
	md_list_free(&l);
}

static void
test_subscriptions_in_dovecot_form(void **state)
{
	struct fixture	*f = *state;
	struct md_list	 l;

	assert_int_equal(md_subscriptions(f->dir, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(md_subscribe(f->dir, "Sent", 1), 0);
	assert_int_equal(md_subscribe(f->dir, "Lists.posta", 1), 0);
	assert_int_equal(md_subscribe(f->dir, "Sent", 1), 0);
	assert_int_equal(md_subscribe(f->dir, "inbox", 1), 0);
	/* version 2: the hierarchy separator is a TAB */
	assert_string_equal(slurp(f->dir, "subscriptions"),
	    "V\t2\n\nSent\nLists\tposta\nINBOX\n");
	assert_int_equal(md_subscribe(f->dir, "Sent", 0), 0);
	assert_int_equal(md_subscriptions(f->dir, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.names[0], "Lists.posta");
	assert_string_equal(l.names[1], "INBOX");
	md_list_free(&l);
	assert_int_equal(md_subscribe(f->dir, "../x", 1), -1);

	/* an old (version 1) file: one name a line */
	put(f->dir, "", "subscriptions.v1", NULL);
	{
		char	 p[PATH_MAX];
		FILE	*fp;

		snprintf(p, sizeof(p), "%s/subscriptions", f->dir);
		assert_non_null(fp = fopen(p, "w"));
		fputs("Trash\nLists.posta\n", fp);
		fclose(fp);
	}
	assert_int_equal(md_subscriptions(f->dir, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.names[1], "Lists.posta");
	md_list_free(&l);
}

/* --- syncing --------------------------------------------------------- */

static void
test_sync_gives_uids_in_arrival_order_and_keeps_them(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a, *b;
	struct md_changes	 ch;
	uint32_t		 v;

	put(f->dir, "new", "1700000002.M5P1Q1.h,S=5,W=7", "a\nbc\n");
	put(f->dir, "new", "1700000001.M9P1Q1.h,S=5,W=7", "a\nbc\n");
	put(f->dir, "cur", "1700000003.M1P1Q1.h,S=5,W=7:2,RS", "a\nbc\n");
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nnew, 3);
	assert_int_equal(a->nmsgs, 3);
	v = a->uidvalidity;
	assert_true(v > 0);
	assert_int_equal(a->uidnext, 4);
	assert_string_equal(a->msgs[0].name, "1700000001.M9P1Q1.h,S=5,W=7");
	assert_true(a->msgs[0].in_new);
	assert_int_equal(a->msgs[0].date, 1700000001);
	assert_int_equal(a->msgs[0].size, 5);
	assert_int_equal(a->msgs[0].vsize, 7);
	assert_int_equal(a->msgs[2].flags, MD_F_REPLIED | MD_F_SEEN);
	assert_false(a->msgs[2].in_new);

	/* a second session sees the same UIDs */
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, 0, &ch), 0);
	assert_int_equal(b->uidvalidity, v);
	assert_string_equal(by_uid(b, 2)->name, "1700000002.M5P1Q1.h,S=5,W=7");
	md_close(b);

	/* nothing changed: nothing to report */
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nnew + ch.nexpunged + ch.nflags, 0);
	md_close(a);
	assert_non_null(strstr(slurp(f->dir, "dovecot-uidlist"),
	    "\n3 :1700000003.M1P1Q1.h,S=5,W=7:2,RS\n"));
}

static void
test_changes_by_other_processes_are_seen(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a;
	struct md_changes	 ch;
	size_t			 unseen;

	put(f->dir, "new", "100.M1P1Q1.h,S=1,W=1", "x");
	put(f->dir, "new", "101.M1P1Q1.h,S=1,W=1", "x");
	put(f->dir, "new", "102.M1P1Q1.h,S=1,W=1", "x");
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, 0, &ch), 0);
	/* a client of another server reads 1, deletes 2; a delivery */
	ren(f->dir, "new/100.M1P1Q1.h,S=1,W=1", "cur/100.M1P1Q1.h,S=1,W=1:2,S");
	ren(f->dir, "new/101.M1P1Q1.h,S=1,W=1", "tmp/gone");
	put(f->dir, "new", "103.M1P1Q1.h,S=1,W=1", "x");
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nnew, 1);
	assert_int_equal(ch.nexpunged, 1);
	assert_int_equal(ch.nflags, 1);
	assert_true(by_uid(a, 1)->changed);
	assert_int_equal(by_uid(a, 1)->flags, MD_F_SEEN);
	assert_false(by_uid(a, 1)->in_new);
	assert_true(by_uid(a, 2)->expunged);
	assert_int_equal(by_uid(a, 4)->date, 103);
	assert_int_equal(md_count(a, &unseen), 3);
	assert_int_equal(unseen, 2);
	md_compact(a);
	assert_int_equal(a->nmsgs, 3);
	assert_int_equal(md_uid_index(a, 2), -1);
	assert_int_equal(md_uid_index(a, 4), 2);
	md_close(a);
}

static void
test_a_delivery_reads_new_but_not_cur(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a;
	struct md_changes	 ch;
	char			 p[PATH_MAX];
	struct stat		 st;
	struct timeval		 tv[2];

	put(f->dir, "cur", "100.M1P1Q1.h,S=1,W=1:2,S", "x");
	age(f->dir, "cur", 2);
	age(f->dir, "new", 2);
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(a->nmsgs, 1);

	/* a file slipped into cur/ with cur/'s mtime put back: only a
	 * read of cur/ could find it */
	snprintf(p, sizeof(p), "%s/cur", f->dir);
	assert_int_equal(stat(p, &st), 0);
	put(f->dir, "cur", "101.M1P1Q1.h,S=1,W=1:2,", "x");
	tv[0].tv_sec = tv[1].tv_sec = st.st_mtim.tv_sec;
	tv[0].tv_usec = tv[1].tv_usec = st.st_mtim.tv_nsec / 1000;
	assert_int_equal(utimes(p, tv), 0);
	assert_int_equal(stat(p, &st), 0);

	put(f->dir, "new", "102.M1P1Q1.h,S=1,W=1", "x");
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nnew, 1);
	assert_string_equal(by_uid(a, 2)->name, "102.M1P1Q1.h,S=1,W=1");
	assert_int_equal(a->nmsgs, 2);

	/* cur/ changes: it is read, the other file found */
	age(f->dir, "cur", 1);
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nnew, 1);
	assert_string_equal(by_uid(a, 3)->name, "101.M1P1Q1.h,S=1,W=1:2,");
	md_close(a);
}

/* Put a file into cur/ and cur/'s mtime back: only a read of cur/ can
 * find it. */
static void
slip_into_cur(const char *dir, const char *name)
{
	char		 p[PATH_MAX];
	struct stat	 st;
	struct timespec	 ts[2];

	snprintf(p, sizeof(p), "%s/cur", dir);
	assert_int_equal(stat(p, &st), 0);
	put(dir, "cur", name, "x");
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void
test_own_changes_of_cur_cost_no_read_of_it(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a;
	struct md_changes	 ch;

	put(f->dir, "cur", "100.M1P1Q1.h,S=1,W=1:2,", "x");
	assert_non_null(a = md_open(f->dir, "INBOX"));
	/* a fresh cur/ (changed this very moment) is read and settled */
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nnew, 1);

	/* a delivery, claimed: moved into cur/ by this session */
	slip_into_cur(f->dir, "101.M1P1Q1.h,S=1,W=1:2,");
	put(f->dir, "new", "102.M1P1Q1.h,S=1,W=1", "x");
	assert_int_equal(md_sync(a, MD_SYNC_CLAIM_NEW, &ch), 0);
	assert_int_equal(ch.nnew, 1);
	assert_true(by_uid(a, 2)->recent);
	assert_false(by_uid(a, 2)->in_new);
	/* a flag change and an expunge of its own */
	assert_int_equal(md_lock(a), 0);
	assert_int_equal(md_set_flags(a, by_uid(a, 1), MD_F_SEEN, 0), 0);
	assert_int_equal(md_expunge(a, by_uid(a, 2)), 0);
	md_unlock(a);
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nnew + ch.nexpunged + ch.nflags, 0);
	assert_int_equal(md_count(a, NULL), 1);

	/* another process's change of cur/: read, the slipped file found */
	ren(f->dir, "cur/100.M1P1Q1.h,S=1,W=1:2,S",
	    "cur/100.M1P1Q1.h,S=1,W=1:2,RS");
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nflags, 1);
	assert_int_equal(ch.nnew, 1);
	assert_string_equal(by_uid(a, 3)->name, "101.M1P1Q1.h,S=1,W=1:2,");
	md_close(a);
}

static void
test_a_dovecot_maildir_keeps_its_uids(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a;
	struct md_changes	 ch;
	char			 p[PATH_MAX];
	FILE			*fp;

	/* as Dovecot leaves it: the list names a file whose flags have
	 * changed since, one expunged, one not yet listed */
	snprintf(p, sizeof(p), "%s/dovecot-uidlist", f->dir);
	assert_non_null(fp = fopen(p, "w"));
	fputs("3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1\n"
	    "25006 :1276528487.M364837P9451.kurkku,S=1355,W=1394:2,\n"
	    "25017 W2481 :1276533073.M242911P3632.kurkku:2,F\n"
	    "25020 :1276533080.M1P3632.kurkku,S=5:2,\n", fp);
	fclose(fp);
	put(f->dir, "cur", "1276528487.M364837P9451.kurkku,S=1355,W=1394:2,RS",
	    NULL);
	put(f->dir, "cur", "1276533073.M242911P3632.kurkku:2,F", "a\nb\n");
	put(f->dir, "new", "1276540000.M1P1.kurkku,S=2,W=3", "x\n");
	put(f->dir, "new", "1276540001.M1P1.kurkku", "a\nb\r\n");
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(a->uidvalidity, 1275660208);
	assert_int_equal(a->nmsgs, 4);
	assert_int_equal(a->msgs[0].uid, 25006);
	assert_int_equal(a->msgs[0].flags, MD_F_REPLIED | MD_F_SEEN);
	assert_int_equal(a->msgs[0].vsize, 1394);
	assert_int_equal(a->msgs[1].uid, 25017);
	/* no W= in the name: the list's W field, as Dovecot keeps it */
	assert_int_equal(a->msgs[1].vsize, 2481);
	/* no S= anywhere: a stat, only when asked */
	assert_int_equal(a->msgs[1].size, -1);
	assert_int_equal(md_msg_size(a, &a->msgs[1]), 4);
	assert_int_equal(a->msgs[2].uid, 25022);
	/* no sizes at all: counted from the file, only when asked */
	assert_int_equal(a->msgs[3].uid, 25023);
	assert_int_equal(a->msgs[3].vsize, -1);
	assert_int_equal(md_msg_vsize(a, &a->msgs[3]), 6);
	assert_int_equal(a->msgs[3].size, 5);
	assert_int_equal(a->uidnext, 25024);
	md_close(a);
	assert_non_null(strstr(slurp(f->dir, "dovecot-uidlist"),
	    "25022 :1276540000.M1P1.kurkku,S=2,W=3\n"));
}

static void
test_flags_are_stored_in_the_name(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a, *b;
	struct md_changes	 ch;
	struct md_msg		*m;

	put(f->dir, "new", "100.M1P1Q1.h,S=1,W=1", "x");
	put(f->dir, "new", "101.M1P1Q1.h,S=1,W=1", "x");
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, 0, NULL), 0);
	assert_int_equal(md_sync(b, 0, NULL), 0);
	m = by_uid(a, 1);
	assert_int_equal(md_set_flags(a, m, MD_F_SEEN | MD_F_FLAGGED, 0x4), 0);
	assert_true(exists(f->dir, "cur", "100.M1P1Q1.h,S=1,W=1:2,FSc"));
	assert_false(exists(f->dir, "new", "100.M1P1Q1.h,S=1,W=1"));
	assert_string_equal(m->name, "100.M1P1Q1.h,S=1,W=1:2,FSc");
	assert_int_equal(md_to_cur(a, by_uid(a, 2)), 0);
	assert_true(exists(f->dir, "cur", "101.M1P1Q1.h,S=1,W=1:2,"));

	/* b changes a file a renamed: it finds it again */
	assert_int_equal(md_set_flags(b, by_uid(b, 1), MD_F_TRASHED, 0), 0);
	assert_true(exists(f->dir, "cur", "100.M1P1Q1.h,S=1,W=1:2,T"));
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nflags, 1);
	assert_int_equal(by_uid(a, 1)->flags, MD_F_TRASHED);

	/* an expunge by b: a's later change says ENOENT */
	assert_int_equal(md_expunge(b, by_uid(b, 1)), 0);
	assert_true(by_uid(b, 1)->expunged);
	assert_int_equal(md_set_flags(a, by_uid(a, 1), MD_F_SEEN, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nexpunged, 1);
	md_close(a);
	md_close(b);
}

static void
test_claiming_new_messages_marks_them_recent_once(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a, *b;

	put(f->dir, "new", "100.M1P1Q1.h,S=1,W=1", "x");
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, MD_SYNC_CLAIM_NEW, NULL), 0);
	assert_int_equal(md_sync(b, MD_SYNC_CLAIM_NEW, NULL), 0);
	assert_true(a->msgs[0].recent);
	assert_false(b->msgs[0].recent);
	assert_false(a->msgs[0].in_new);
	assert_false(b->msgs[0].in_new);
	assert_true(exists(f->dir, "cur", "100.M1P1Q1.h,S=1,W=1:2,"));
	md_close(a);
	md_close(b);
}

static void
test_a_message_file_is_opened_after_a_rename(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a;
	char			 buf[16];
	int			 fd;

	put(f->dir, "new", "100.M1P1Q1.h,S=6,W=8", "hello\n");
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, 0, NULL), 0);
	ren(f->dir, "new/100.M1P1Q1.h,S=6,W=8", "cur/100.M1P1Q1.h,S=6,W=8:2,S");
	assert_true((fd = md_msg_open(a, &a->msgs[0])) >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 6);
	close(fd);
	assert_int_equal(a->msgs[0].flags, MD_F_SEEN);
	ren(f->dir, "cur/100.M1P1Q1.h,S=6,W=8:2,S", "tmp/x");
	assert_int_equal(md_msg_open(a, &a->msgs[0]), -1);
	assert_int_equal(errno, ENOENT);
	md_close(a);
}

static void
test_a_lost_list_gives_a_new_uidvalidity(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a;
	struct md_changes	 ch;
	char			 p[PATH_MAX];
	uint32_t		 v;

	/* one in cur/ (settled, so only a forced read finds it) */
	put(f->dir, "cur", "100.M1P1Q1.h,S=1,W=1:2,S", "x");
	age(f->dir, "cur", 1);
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, 0, NULL), 0);
	v = a->uidvalidity;
	snprintf(p, sizeof(p), "%s/dovecot-uidlist", f->dir);
	assert_int_equal(unlink(p), 0);
	sleep(1);	/* UIDVALIDITY is a time */
	put(f->dir, "new", "101.M1P1Q1.h,S=1,W=1", "x");
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_true(ch.uidvalidity_changed);
	assert_true(a->uidvalidity != v);
	assert_int_equal(ch.nexpunged, 1);
	assert_int_equal(ch.nnew, 2);
	assert_int_equal(a->nmsgs, 2);
	assert_int_equal(a->msgs[0].uid, 1);
	assert_int_equal(a->msgs[1].uid, 2);
	md_close(a);

	/* a broken one too */
	assert_int_equal(unlink(p), 0);
	put(f->dir, "", "dovecot-uidlist", "garbage\n");
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(a->nmsgs, 2);
	assert_true(a->uidvalidity > 0);
	md_close(a);
}

/* --- append, copy, keywords ------------------------------------------ */

static void
test_append_stores_flags_date_and_sizes(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a;
	struct md_append	*ap;
	struct md_msg		*m;
	uint32_t		 uid = 0;
	char			 p[PATH_MAX];
	struct stat		 st;

	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_non_null(ap = md_append_begin(a));
	assert_int_equal(md_append_write(ap, "Subject: x\n", 11), 0);
	assert_int_equal(md_append_write(ap, "\nbody\r\n", 7), 0);
	assert_int_equal(md_append_commit(ap, MD_F_SEEN | MD_F_DRAFT, 0,
	    1000000000, &uid), 0);
	assert_int_equal(uid, 1);
	assert_true(a->uidvalidity > 0);
	assert_int_equal(md_sync(a, 0, NULL), 0);
	assert_int_equal(a->nmsgs, 1);
	m = &a->msgs[0];
	assert_int_equal(m->uid, 1);
	assert_int_equal(m->flags, MD_F_SEEN | MD_F_DRAFT);
	assert_int_equal(m->date, 1000000000);
	assert_int_equal(m->size, 18);
	assert_int_equal(m->vsize, 20);	/* two bare LFs */
	assert_false(m->in_new);
	assert_int_equal(md_msg_path(a, m, p, sizeof(p)), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mtime, 1000000000);
	assert_int_equal(st.st_size, 18);

	/* an abandoned append leaves nothing */
	assert_non_null(ap = md_append_begin(a));
	md_append_write(ap, "x", 1);
	md_append_abort(ap);
	snprintf(p, sizeof(p), "%s/tmp", f->dir);
	assert_int_equal(rmdir(p), 0);
	md_close(a);
}

static void
test_copy_links_with_a_new_uid(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*in, *sent;
	uint32_t		 uid = 0;
	struct md_msg		*m;
	struct stat		 a, b;
	char			 p[PATH_MAX];

	put(f->dir, "new", "1500000000.M1P1Q1.h,S=3,W=4", "hi\n");
	assert_int_equal(md_folder_create(f->dir, "Sent"), 0);
	assert_non_null(in = md_open(f->dir, "INBOX"));
	assert_non_null(sent = md_open(f->dir, "Sent"));
	assert_int_equal(md_sync(in, 0, NULL), 0);
	assert_int_equal(md_copy(in, &in->msgs[0], sent, MD_F_SEEN, 0, &uid),
	    0);
	assert_int_equal(uid, 1);
	assert_int_equal(md_copy(in, &in->msgs[0], sent, 0, 0, &uid), 0);
	assert_int_equal(uid, 2);
	assert_int_equal(md_sync(sent, 0, NULL), 0);
	assert_int_equal(sent->nmsgs, 2);
	m = &sent->msgs[0];
	assert_int_equal(m->flags, MD_F_SEEN);
	assert_int_equal(m->date, 1500000000);
	assert_int_equal(m->size, 3);
	assert_int_equal(m->vsize, 4);
	md_msg_path(in, &in->msgs[0], p, sizeof(p));
	assert_int_equal(stat(p, &a), 0);
	md_msg_path(sent, m, p, sizeof(p));
	assert_int_equal(stat(p, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	/* a folder that does not exist */
	assert_null(md_open(f->dir, "Nothing"));
	assert_int_equal(errno, ENOENT);
	md_close(in);
	md_close(sent);
}

static void
test_copy_to_another_file_system_copies(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*in, *other;
	char			 dir[64], p[PATH_MAX], cmd[128], text[16];
	struct stat		 a, b;
	uint32_t		 uid = 0;
	int			 fd;

	/* the fixture is on /dev/shm when it can be: /tmp is another file
	 * system then, where no link reaches */
	strlcpy(dir, "/tmp/test_maildir_other.XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	mk(dir, "cur");
	mk(dir, "new");
	mk(dir, "tmp");
	put(f->dir, "new", "1400000000.M1P1Q1.h,S=4,W=5", "abc\n");
	assert_non_null(in = md_open(f->dir, "INBOX"));
	assert_non_null(other = md_open(dir, "INBOX"));
	assert_int_equal(md_sync(in, 0, NULL), 0);
	assert_int_equal(md_copy(in, &in->msgs[0], other, MD_F_FLAGGED, 0,
	    &uid), 0);
	assert_int_equal(uid, 1);
	assert_int_equal(md_sync(other, 0, NULL), 0);
	assert_int_equal(other->nmsgs, 1);
	assert_int_equal(other->msgs[0].flags, MD_F_FLAGGED);
	assert_int_equal(other->msgs[0].date, 1400000000);
	md_msg_path(in, &in->msgs[0], p, sizeof(p));
	assert_int_equal(stat(p, &a), 0);
	md_msg_path(other, &other->msgs[0], p, sizeof(p));
	assert_int_equal(stat(p, &b), 0);
	if (a.st_dev != b.st_dev)
		assert_int_equal(b.st_mtime, 1400000000);
	assert_true((fd = md_msg_open(other, &other->msgs[0])) >= 0);
	assert_int_equal(read(fd, text, sizeof(text)), 4);
	close(fd);
	assert_memory_equal(text, "abc\n", 4);
	/* nothing left behind in tmp/ */
	snprintf(p, sizeof(p), "%s/tmp", dir);
	assert_int_equal(rmdir(p), 0);
	md_close(in);
	md_close(other);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_keywords_map_to_letters(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*in, *other;
	char			 name[32];
	uint32_t		 kw;
	int			 i;

	assert_int_equal(md_folder_create(f->dir, "Other"), 0);
	assert_non_null(in = md_open(f->dir, "INBOX"));
	assert_non_null(other = md_open(f->dir, "Other"));
	assert_int_equal(md_keyword_index(in, "$Junk", 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(md_keyword_index(in, "$Junk", 1), 0);
	assert_int_equal(md_keyword_index(in, "$NonJunk", 1), 1);
	assert_int_equal(md_keyword_index(in, "$junk", 1), 0);
	assert_string_equal(md_keyword_name(in, 1), "$NonJunk");
	assert_null(md_keyword_name(in, 2));
	assert_null(md_keyword_name(in, 26));
	assert_string_equal(slurp(f->dir, "dovecot-keywords"),
	    "0 $Junk\n1 $NonJunk\n");
	assert_int_equal(md_keyword_index(other, "$Label1", 1), 0);
	/* Other has $Label1 as a: $Junk and $NonJunk become b and c */
	assert_int_equal(md_keywords_map(in, 0x3, other, &kw), 0);
	assert_int_equal(kw, 0x6);
	assert_string_equal(md_keyword_name(other, 1), "$Junk");
	assert_string_equal(md_keyword_name(other, 2), "$NonJunk");
	assert_int_equal(md_keywords_map(in, 0x2, other, &kw), 0);
	assert_int_equal(kw, 0x4);
	for (i = 3; i < 26; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		assert_int_equal(md_keyword_index(other, name, 1), i);
	}
	assert_int_equal(md_keyword_index(other, "one-too-many", 1), -1);
	assert_int_equal(errno, EMLINK);
	assert_int_equal(md_keyword_index(other, "bad name", 1), -1);
	md_close(in);
	md_close(other);
}

static void
test_one_pop3_session_at_a_time(void **state)
{
	struct fixture	*f = *state;
	int		 a, b;

	assert_true((a = md_pop3_lock(f->dir)) >= 0);
	assert_int_equal(md_pop3_lock(f->dir), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	md_pop3_unlock(a);
	assert_true((b = md_pop3_lock(f->dir)) >= 0);
	md_pop3_unlock(b);
}

/* --- many processes, many messages ----------------------------------- */

#define NPROC	4
#define NMSG	40

static void
worker(const char *dir, int id, int wfd)
{
	struct md_folder	*f;
	char			 name[128], line[256];
	size_t			 i;
	int			 n;

	if ((f = md_open(dir, "INBOX")) == NULL)
		_exit(1);
	for (n = 0; n < NMSG; n++) {
		snprintf(name, sizeof(name), "%s/new/%d.M%dP%dQ1.h,S=1,W=1",
		    dir, 1000 + n, n, id);
		close(open(name, O_WRONLY | O_CREAT | O_EXCL, 0600));
		if (md_sync(f, n % 3 == 0 ? MD_SYNC_CLAIM_NEW : 0, NULL) == -1)
			_exit(2);
		/* flag changes in between, renames under the lock */
		if (f->nmsgs > 0 && !f->msgs[n % f->nmsgs].expunged)
			md_set_flags(f, &f->msgs[n % f->nmsgs], MD_F_SEEN, 0);
	}
	if (md_sync(f, 0, NULL) == -1)
		_exit(3);
	for (i = 0; i < f->nmsgs; i++) {
		if (f->msgs[i].expunged)
			_exit(4);	/* nothing was expunged */
		n = snprintf(line, sizeof(line), "%u %u %.*s\n",
		    f->uidvalidity, f->msgs[i].uid, (int)f->msgs[i].baselen,
		    f->msgs[i].name);
		if (write(wfd, line, (size_t)n) != n)
			_exit(5);
	}
	md_close(f);
	_exit(0);
}

static void
test_concurrent_sessions_get_distinct_uids(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a;
	int			 fds[2], i, status;
	pid_t			 pids[NPROC];
	FILE			*fp;
	char			 base[128];
	unsigned int		 v, uid;
	size_t			 lines = 0, j;
	ssize_t			 k;

	assert_int_equal(pipe(fds), 0);
	for (i = 0; i < NPROC; i++) {
		assert_true((pids[i] = fork()) >= 0);
		if (pids[i] == 0) {
			close(fds[0]);
			worker(f->dir, i, fds[1]);
		}
	}
	close(fds[1]);
	assert_non_null(a = md_open(f->dir, "INBOX"));
	/* reading the pipe while they work; checked after */
	assert_non_null(fp = fdopen(fds[0], "r"));
	{
		struct { unsigned int v, uid; char base[128]; } *seen;

		seen = calloc(NPROC * NPROC * NMSG, sizeof(*seen));
		assert_non_null(seen);
		while (fscanf(fp, "%u %u %127s", &v, &uid, base) == 3) {
			seen[lines].v = v;
			seen[lines].uid = uid;
			strlcpy(seen[lines].base, base, sizeof(base));
			lines++;
			assert_true(lines <= NPROC * NPROC * NMSG);
		}
		fclose(fp);
		for (i = 0; i < NPROC; i++) {
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
		}
		assert_int_equal(md_sync(a, 0, NULL), 0);
		assert_int_equal(a->nmsgs, NPROC * NMSG);
		/* UIDs distinct and ascending in the final view */
		for (j = 1; j < a->nmsgs; j++)
			assert_true(a->msgs[j].uid > a->msgs[j - 1].uid);
		/* every process saw every message under the same UID */
		assert_true(lines >= NPROC * NMSG);
		for (j = 0; j < lines; j++) {
			assert_int_equal(seen[j].v, a->uidvalidity);
			k = md_uid_index(a, seen[j].uid);
			assert_true(k >= 0);
			assert_int_equal(strncmp(a->msgs[k].name, seen[j].base,
			    a->msgs[k].baselen), 0);
		}
		free(seen);
	}
	md_close(a);
}

#define BIG	100000

/* One message of two views is the same. */
static void
same_msg(const struct md_msg *a, const struct md_msg *b)
{
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->keywords, b->keywords);
	assert_int_equal(a->date, b->date);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->vsize, b->vsize);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->baselen, b->baselen);
	assert_int_equal(a->in_new, b->in_new);
}

/* Flip an octet of a file in place (off < 0: from its end). */
static void
flip(const char *path, off_t off)
{
	unsigned char	 c;
	off_t		 end;
	int		 fd;

	assert_true((fd = open(path, O_RDWR)) != -1);
	assert_true((end = lseek(fd, 0, SEEK_END)) > 300);
	if (off < 0)
		off += end;
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x10;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

/* A view read from the folder without the index, to compare with. */
static struct md_folder *
unindexed_view(const char *dir)
{
	struct md_folder	*v;

	md_settings.index = 0;
	assert_non_null(v = md_open(dir, "INBOX"));
	assert_int_equal(md_sync(v, 0, NULL), 0);
	md_settings.index = 1;
	return v;
}

static void
test_a_view_from_the_index_is_built_only_when_needed(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a, *b, *ref;
	struct md_changes	 ch;
	struct md_counts	 cn;
	char			 p[PATH_MAX], cmd[2 * PATH_MAX + 16];
	size_t			 i, unseen;
	long long		 min = md_settings.index_min;

	md_settings.index_min = 1;
	put(f->dir, "cur", "1700000001.M1P1Q1.h,S=1,W=1:2,S", "a");
	put(f->dir, "cur", "1700000002.M1P1Q2.h,S=1,W=1:2,F", "b");
	put(f->dir, "cur", "1700000003.M1P1Q3.h,S=1,W=1:2,RS", "c");
	put(f->dir, "cur", "1700000004.M1P1Q4.h,S=1,W=1:2,", "d");
	put(f->dir, "new", "1700000005.M1P1Q5.h,S=1,W=1", "e");
	age(f->dir, "cur", 2);
	age(f->dir, "new", 2);
	/* the first session reads the folder and saves its view */
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, 0, NULL), 0);
	md_close(a);
	assert_true(exists(f->dir, ".", "posta-index"));
	ref = unindexed_view(f->dir);
	assert_int_equal(ref->nmsgs, 5);

	/* the next one: counts from the index, no view until md_view */
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, MD_SYNC_LAZY, &ch), 0);
	assert_null(b->msgs);
	assert_int_equal(b->nmsgs, 5);
	assert_int_equal(ch.nnew, 5);
	assert_int_equal(b->uidvalidity, ref->uidvalidity);
	assert_int_equal(b->uidnext, ref->uidnext);
	md_counts(b, &cn);
	assert_int_equal(cn.exists, 5);
	assert_int_equal(cn.unseen, 3);
	assert_int_equal(cn.first_unseen, 2);
	assert_int_equal(cn.recent, 0);
	assert_int_equal(cn.in_new, 1);
	assert_int_equal(md_count(b, &unseen), 5);
	assert_int_equal(unseen, 3);
	md_compact(b);
	assert_int_equal(md_uid_index(b, 1), -1);
	/* nothing changed: still unbuilt */
	assert_int_equal(md_sync(b, MD_SYNC_LAZY, &ch), 0);
	assert_null(b->msgs);
	assert_int_equal(ch.nnew, 0);
	assert_int_equal(md_view(b), 0);
	assert_non_null(b->msgs);
	assert_int_equal(md_view(b), 0);
	for (i = 0; i < 5; i++)
		same_msg(&b->msgs[i], &ref->msgs[i]);
	md_counts(b, &cn);
	assert_int_equal(cn.first_unseen, 2);
	assert_int_equal(cn.in_new, 1);
	assert_int_equal(md_uid_index(b, ref->msgs[3].uid), 3);
	md_close(b);

	/* a sync without MD_SYNC_LAZY builds it */
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, 0, NULL), 0);
	assert_non_null(b->msgs);
	for (i = 0; i < 5; i++)
		same_msg(&b->msgs[i], &ref->msgs[i]);
	md_close(b);

	/* a change seen after a lazy first sync builds it too */
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, MD_SYNC_LAZY, NULL), 0);
	assert_null(b->msgs);
	ren(f->dir, "cur/1700000004.M1P1Q4.h,S=1,W=1:2,",
	    "cur/1700000004.M1P1Q4.h,S=1,W=1:2,S");
	assert_int_equal(md_sync(b, MD_SYNC_LAZY, &ch), 0);
	assert_non_null(b->msgs);
	assert_int_equal(ch.nflags, 1);
	assert_int_equal(b->msgs[3].flags, MD_F_SEEN);
	md_close(b);
	md_close(ref);
	/* settled (another mtime than the index's: 3 hours back) */
	age(f->dir, "cur", 3);
	ref = unindexed_view(f->dir);

	/* a SELECT claims what is in new/: the view is built for it */
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, MD_SYNC_LAZY, NULL), 0);
	md_close(b);
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, MD_SYNC_LAZY | MD_SYNC_CLAIM_NEW, NULL), 0);
	assert_non_null(b->msgs);
	assert_true(b->msgs[4].recent);
	assert_false(b->msgs[4].in_new);
	md_counts(b, &cn);
	assert_int_equal(cn.recent, 1);
	assert_int_equal(cn.in_new, 0);
	assert_int_equal(cn.unseen, 2);
	assert_int_equal(cn.first_unseen, 2);
	md_close(b);
	md_close(ref);

	/* an index damaged in its records: its header still answers, the
	 * view is read from the folder when it is needed */
	age(f->dir, "cur", 4);
	age(f->dir, "new", 4);
	ref = unindexed_view(f->dir);
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, 0, NULL), 0);
	md_close(b);
	snprintf(p, sizeof(p), "%s/posta-index", f->dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s.good'", p, p);
	assert_int_equal(system(cmd), 0);
	flip(p, -30);
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, MD_SYNC_LAZY, NULL), 0);
	assert_null(b->msgs);
	assert_int_equal(md_view(b), 0);
	assert_non_null(b->msgs);
	assert_int_equal(b->nmsgs, 5);
	for (i = 0; i < 5; i++)
		same_msg(&b->msgs[i], &ref->msgs[i]);
	md_close(b);
	/* saved again by that session, as it was */
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s.good'", p, p);
	assert_int_equal(system(cmd), 0);
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, MD_SYNC_LAZY, NULL), 0);
	assert_null(b->msgs);
	assert_int_equal(md_view(b), 0);
	for (i = 0; i < 5; i++)
		same_msg(&b->msgs[i], &ref->msgs[i]);
	md_close(b);
	/* a sync without MD_SYNC_LAZY reads the folder as well */
	flip(p, -30);
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, 0, &ch), 0);
	assert_int_equal(ch.nnew, 5);
	for (i = 0; i < 5; i++)
		same_msg(&b->msgs[i], &ref->msgs[i]);
	md_close(b);
	md_close(ref);

	/* names damaged, and a message expunged before the view is built:
	 * the folder no longer has what the header said */
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, MD_SYNC_LAZY, NULL), 0);
	assert_null(b->msgs);
	flip(p, 200);
	assert_non_null(ref = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(ref, 0, NULL), 0);
	assert_int_equal(md_expunge(ref, &ref->msgs[1]), 0);
	md_close(ref);
	errno = 0;
	assert_int_equal(md_view(b), -1);
	assert_int_equal(errno, ESTALE);
	/* the view is the folder's all the same */
	assert_non_null(b->msgs);
	assert_int_equal(md_count(b, NULL), 4);
	md_close(b);
	md_settings.index_min = min;
}

static void
test_a_folder_of_100000_messages(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*a, *b;
	struct md_changes	 ch;
	char			 p[PATH_MAX];
	int			 i, fd;
	size_t			 unseen;
	char			*big[64];

	/* names only, empty files: sizes, flags and dates come from the
	 * names, so the files need not hold what the names say */
	for (i = 0; i < BIG; i++) {
		snprintf(p, sizeof(p), "%s/cur/%d.M%dP1Q1.h,S=%d,W=%d:2,%s",
		    f->dir, 1600000000 + i, i, 100 + i, 110 + i,
		    i % 2 ? "S" : "");
		assert_true((fd = open(p, O_WRONLY | O_CREAT, 0600)) != -1);
		close(fd);
	}
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nnew, BIG);
	assert_int_equal(md_count(a, &unseen), BIG);
	assert_int_equal(unseen, BIG / 2);
	for (i = 0; i < BIG; i += 997) {
		assert_int_equal(a->msgs[i].uid, (uint32_t)i + 1);
		assert_int_equal(a->msgs[i].date, 1600000000 + i);
		assert_int_equal(a->msgs[i].size, 100 + i);
		assert_int_equal(a->msgs[i].vsize, 110 + i);
		assert_int_equal(a->msgs[i].flags, i % 2 ? MD_F_SEEN : 0);
	}
	/* another session reads the list; a delivery shows in both */
	assert_non_null(b = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(b, 0, NULL), 0);
	assert_int_equal(b->nmsgs, BIG);
	assert_int_equal(b->msgs[BIG - 1].uid, BIG);
	put(f->dir, "new", "1700000000.M1P2Q1.h,S=1,W=1", "x");
	assert_int_equal(md_sync(a, 0, &ch), 0);
	assert_int_equal(ch.nnew, 1);
	assert_int_equal(md_sync(b, 0, &ch), 0);
	assert_int_equal(ch.nnew, 1);
	assert_int_equal(b->msgs[BIG].uid, BIG + 1);
	assert_int_equal(a->msgs[BIG].uid, BIG + 1);
	md_close(a);
	md_close(b);

	/* settled: a session saves its view, the next one's is made from
	 * the mapped index; memory mapped after it (as a large malloc is:
	 * it may take the records' pages, unmapped once read) outlives
	 * it */
	age(f->dir, "cur", 2);
	age(f->dir, "new", 2);
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, 0, NULL), 0);
	md_close(a);
	assert_true(exists(f->dir, ".", "posta-index"));
	assert_non_null(a = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(a, MD_SYNC_LAZY, NULL), 0);
	assert_null(a->msgs);
	assert_int_equal(md_count(a, &unseen), BIG + 1);
	assert_int_equal(md_view(a), 0);
	assert_int_equal(a->msgs[BIG].uid, BIG + 1);
	assert_string_equal(a->msgs[BIG].name, "1700000000.M1P2Q1.h,S=1,W=1");
	for (i = 0; i < 64; i++) {
		big[i] = mmap(NULL, 256 * 1024, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(big[i] != MAP_FAILED);
		memset(big[i], i, 256 * 1024);
	}
	md_close(a);
	for (i = 0; i < 64; i++) {
		memset(big[i], i + 1, 256 * 1024);
		munmap(big[i], 256 * 1024);
	}
}

/* --- with Dovecot ------------------------------------------------------ */

/* Dovecot's doveadm on the fixture's Maildir, unpacked by
 * tests/helpers/dovecot.sh (run from the top of the tree, as make check
 * does); configured by dove_setup, run by dove. */
struct dove {
	char	 root[PATH_MAX];	/* the unpacked package */
	char	 dir[64];		/* its config, home, state */
	char	 out[PATH_MAX];		/* the last command's output */
	char	 owner[64];		/* chown -R before each run, or "" */
};

static int
dove_setup(struct dove *d, const char *maildir)
{
	char	 path[PATH_MAX + 64];
	FILE	*fp;
	size_t	 n;
	const char *user = "", *group = "";
	struct passwd *pw;
	struct group *gr;

	memset(d, 0, sizeof(*d));
	if ((fp = popen("sh tests/helpers/dovecot.sh 2>/dev/null", "r")) == NULL)
		return -1;
	if (fgets(d->root, sizeof(d->root), fp) == NULL) {
		pclose(fp);
		return -1;
	}
	if (pclose(fp) != 0)
		return -1;
	n = strlen(d->root);
	if (n > 0 && d->root[n - 1] == '\n')
		d->root[n - 1] = '\0';
	strlcpy(d->dir, "/tmp/test_dovecot.XXXXXX", sizeof(d->dir));
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->out, sizeof(d->out), "%s/out", d->dir);
	/* Dovecot never reads mail as root: as root, it runs as nobody */
	if (geteuid() == 0) {
		assert_non_null(pw = getpwnam("nobody"));
		assert_non_null(gr = getgrgid(pw->pw_gid));
		user = pw->pw_name;
		group = gr->gr_name;
		snprintf(d->owner, sizeof(d->owner), "%s:%s", user, group);
	} else {
		assert_non_null(pw = getpwuid(geteuid()));
		assert_non_null(gr = getgrgid(getegid()));
		user = pw->pw_name;
		group = gr->gr_name;
	}
	snprintf(path, sizeof(path), "%s/dovecot.conf", d->dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "base_dir = %s/run\nstate_dir = %s/state\n"
	    "mail_location = maildir:%s\n"
	    "mail_uid = %s\nmail_gid = %s\n"
	    "first_valid_uid = 0\nfirst_valid_gid = 0\n"
	    "ssl = no\nlog_path = /dev/stderr\n",
	    d->dir, d->dir, maildir, user, group);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/home", d->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	return 0;
}

/* Run doveadm with args; its exit status, output in d->out. */
static int
dove(struct dove *d, const char *maildir, const char *args)
{
	char	 cmd[4 * PATH_MAX];

	if (d->owner[0]) {
		assert_true((size_t)snprintf(cmd, sizeof(cmd),
		    "chown -R %s '%s' '%s'", d->owner, d->dir, maildir) <
		    sizeof(cmd));
		assert_int_equal(system(cmd), 0);
	}
	assert_true((size_t)snprintf(cmd, sizeof(cmd), "TZ=UTC USER=test "
	    "HOME='%s/home' LD_LIBRARY_PATH='%s/usr/lib/dovecot' "
	    "'%s/usr/bin/doveconf' -c '%s/dovecot.conf' -m doveadm "
	    "-e '%s/usr/bin/doveadm' %s >'%s' 2>&1", d->dir, d->root, d->root,
	    d->dir, d->root, args, d->out) < sizeof(cmd));
	return system(cmd);
}

static void
dove_done(struct dove *d)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_dovecot_and_posta_share_a_maildir(void **state)
{
	struct fixture		*f = *state;
	struct md_folder	*in, *lists;
	struct md_append	*ap;
	struct md_changes	 ch;
	struct dove		 d;
	char			*out;
	uint32_t		 uid, v;
	int			 k;

	assert_int_equal(dove_setup(&d, f->dir), 0);

	/* posta's side: UIDs, flags, a keyword, a folder, an append */
	put(f->dir, "new", "1700000000.M1P1Q1.h,S=18,W=21",
	    "Subject: a\n\nbody\n");
	put(f->dir, "new", "1700000100.M2P1Q1.h,S=18,W=21",
	    "Subject: b\n\nmore\n");
	assert_non_null(in = md_open(f->dir, "INBOX"));
	assert_int_equal(md_sync(in, 0, NULL), 0);
	v = in->uidvalidity;
	assert_int_equal(md_set_flags(in, by_uid(in, 1),
	    MD_F_SEEN | MD_F_FLAGGED, 0), 0);
	assert_true((k = md_keyword_index(in, "$Junk", 1)) >= 0);
	assert_int_equal(md_set_flags(in, by_uid(in, 2), 0, 1u << k), 0);
	assert_int_equal(md_folder_create(f->dir, "Lists.posta"), 0);
	assert_int_equal(md_subscribe(f->dir, "Lists.posta", 1), 0);
	assert_non_null(lists = md_open(f->dir, "Lists.posta"));
	assert_non_null(ap = md_append_begin(lists));
	assert_int_equal(md_append_write(ap, "Subject: c\n\nz\n", 14), 0);
	assert_int_equal(md_append_commit(ap, MD_F_SEEN, 0, 1500000000, &uid),
	    0);
	md_close(lists);

	/* Dovecot sees the same */
	assert_int_equal(dove(&d, f->dir, "mailbox status "
	    "'uidvalidity uidnext messages' INBOX"), 0);
	out = slurp(d.dir, "out");
	{
		char	 want[128];

		snprintf(want, sizeof(want), "messages=2 uidnext=3 "
		    "uidvalidity=%u", v);
		assert_non_null(strstr(out, want));
	}
	assert_int_equal(dove(&d, f->dir, "fetch 'uid flags' mailbox INBOX"),
	    0);
	out = slurp(d.dir, "out");
	assert_non_null(strstr(out, "uid: 1\nflags: \\Flagged \\Seen"));
	assert_non_null(strstr(out, "uid: 2\nflags: $Junk"));
	assert_int_equal(dove(&d, f->dir, "mailbox list -s"), 0);
	assert_non_null(strstr(slurp(d.dir, "out"), "Lists.posta"));
	assert_int_equal(dove(&d, f->dir, "fetch 'uid flags date.received' "
	    "mailbox Lists.posta"), 0);
	out = slurp(d.dir, "out");
	assert_non_null(strstr(out, "uid: 1\nflags: \\Seen"));
	assert_non_null(strstr(out, "date.received: 2017-07-14 02:40:00"));

	/* Dovecot's changes: a delivery, flags, an expunge */
	assert_int_equal(dove(&d, f->dir, "flags add '\\Answered $Label1' "
	    "mailbox INBOX uid 2"), 0);
	assert_int_equal(dove(&d, f->dir, "expunge mailbox INBOX uid 1"), 0);
	put(d.dir, "", "msg", "Subject: from Dovecot\n\nhello\n");
	{
		char	 args[PATH_MAX];

		snprintf(args, sizeof(args), "save -m INBOX <'%s/msg'", d.dir);
		assert_int_equal(dove(&d, f->dir, args), 0);
	}
	assert_int_equal(md_sync(in, 0, &ch), 0);
	assert_int_equal(in->uidvalidity, v);
	assert_int_equal(ch.nexpunged, 1);
	assert_int_equal(ch.nflags, 1);
	assert_int_equal(ch.nnew, 1);
	assert_true(by_uid(in, 1)->expunged);
	assert_int_equal(by_uid(in, 2)->flags, MD_F_REPLIED);
	k = md_keyword_index(in, "$Label1", 0);
	assert_true(k >= 0);
	assert_int_equal(by_uid(in, 2)->keywords,
	    (1u << k) | (1u << md_keyword_index(in, "$Junk", 0)));
	assert_true(by_uid(in, 3)->size >= 0);
	assert_int_equal(in->uidnext, 4);
	md_close(in);
	dove_done(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_are_parsed),
		cmocka_unit_test(test_flags_are_written_sorted),
		cmocka_unit_test(test_unique_bases_carry_date_and_sizes),
		cmocka_unit_test(test_folder_names_stay_inside_the_maildir),
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(test_folders_are_made_listed_renamed_deleted),
		T(test_folders_for_deliveries_are_made_on_demand),
		T(test_renaming_inbox_moves_its_messages),
		T(test_subscriptions_in_dovecot_form),
		T(test_subscriptions_keep_escaped_names),
		T(test_sync_gives_uids_in_arrival_order_and_keeps_them),
		T(test_changes_by_other_processes_are_seen),
		T(test_a_delivery_reads_new_but_not_cur),
		T(test_own_changes_of_cur_cost_no_read_of_it),
		T(test_a_dovecot_maildir_keeps_its_uids),
		T(test_flags_are_stored_in_the_name),
		T(test_claiming_new_messages_marks_them_recent_once),
		T(test_a_message_file_is_opened_after_a_rename),
		T(test_a_lost_list_gives_a_new_uidvalidity),
		T(test_append_stores_flags_date_and_sizes),
		T(test_copy_links_with_a_new_uid),
		T(test_copy_to_another_file_system_copies),
		T(test_keywords_map_to_letters),
		T(test_one_pop3_session_at_a_time),
		T(test_concurrent_sessions_get_distinct_uids),
		T(test_a_view_from_the_index_is_built_only_when_needed),
		T(test_a_folder_of_100000_messages),
	};
	const struct CMUnitTest with_dovecot[] = {
		T(test_dovecot_and_posta_share_a_maildir),
#undef T
	};
	int	 r;

	r = cmocka_run_group_tests(tests, NULL, NULL);
	/* Dovecot's programs come from its Debian package, unpacked (never
	 * installed) by tests/helpers/dovecot.sh from the top of the tree */
	if (system("sh tests/helpers/dovecot.sh >/dev/null 2>&1") != 0) {
		printf("# no Dovecot package to be had: "
		    "test_dovecot_and_posta_share_a_maildir left out\n");
		return r;
	}
	return r | cmocka_run_group_tests(with_dovecot, NULL, NULL);
}
