/*
 * Unit tests for lib/aliases.c: the posta-aliases(5) parser, target
 * lists, lookup and expansion; and the pure parts of lib/mdeliver.c
 * (names, CRLF sizes, folder names).
 */
#include <sys/types.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aliases.h"
#include "maildir.h"
#include "mdeliver.h"

static void
parse_ok(struct aliases *al, const char *text, int flags)
{
	char	 err[256] = "";
	int	 rv;

	rv = aliases_parse(al, text, strlen(text), flags, err, sizeof(err));
	if (rv != 0)
		fprintf(stderr, "# %s\n", err);
	assert_int_equal(rv, 0);
}

/* The parse fails and err starts with want ("LINE: reason"). */
static void
parse_fails(const char *text, int flags, const char *want)
{
	struct aliases	 al;
	char		 err[256] = "";

	assert_int_equal(aliases_parse(&al, text, strlen(text), flags, err,
	    sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	assert_int_equal(al.n, 0);
}

static void
test_names_and_targets(void **state)
{
	struct aliases		 al;
	const struct alias	*a;

	parse_ok(&al,
	    "# the staff\n"
	    "\n"
	    "Postmaster: alice@Example.TEST\n"
	    "team : alice, bob ,carol@example.test\n"
	    "list@example.test: <dave@example.test>\n", 0);
	assert_int_equal(al.n, 3);
	a = aliases_find(&al, "postmaster", "example.test", 1);
	assert_non_null(a);
	assert_string_equal(a->name, "postmaster");
	assert_int_equal(a->nt, 1);
	assert_int_equal(a->t[0].kind, AK_ADDRESS);
	/* the domain is lowercased, the local part kept */
	assert_string_equal(a->t[0].value, "alice@example.test");
	assert_int_equal(a->line, 3);
	a = aliases_find(&al, "TEAM", "example.test", 1);
	assert_non_null(a);
	assert_int_equal(a->nt, 3);
	assert_string_equal(a->t[0].value, "alice");
	assert_string_equal(a->t[1].value, "bob");
	assert_string_equal(a->t[2].value, "carol@example.test");
	a = aliases_find(&al, "list", "example.test", 1);
	assert_non_null(a);
	assert_string_equal(a->t[0].value, "dave@example.test");
	aliases_free(&al);
}

static void
test_continuation_lines_and_comments_inside(void **state)
{
	struct aliases		 al;
	const struct alias	*a;

	parse_ok(&al,
	    "staff: alice,\n"
	    "\tbob,\n"
	    "# a comment between continuation lines\n"
	    "   carol\n"
	    "other: dave\n", 0);
	assert_int_equal(al.n, 2);
	a = aliases_find(&al, "staff", "example.test", 1);
	assert_non_null(a);
	assert_int_equal(a->nt, 3);
	assert_string_equal(a->t[2].value, "carol");
	assert_non_null(aliases_find(&al, "other", "x.test", 1));
	aliases_free(&al);
}

static void
test_commands_and_includes_only_for_the_administrator(void **state)
{
	struct aliases		 al;
	const struct alias	*a;

	parse_ok(&al,
	    "prog: |/usr/bin/tee -a /tmp/log, \"|/bin/echo a,b\"\n"
	    "list: :include:/etc/posta/list\n", ALIASES_ADMIN);
	a = aliases_find(&al, "prog", "example.test", 1);
	assert_non_null(a);
	assert_int_equal(a->nt, 2);
	assert_int_equal(a->t[0].kind, AK_COMMAND);
	assert_string_equal(a->t[0].value, "/usr/bin/tee -a /tmp/log");
	assert_int_equal(a->t[1].kind, AK_COMMAND);
	assert_string_equal(a->t[1].value, "/bin/echo a,b");
	a = aliases_find(&al, "list", "example.test", 1);
	assert_int_equal(a->t[0].kind, AK_INCLUDE);
	assert_string_equal(a->t[0].value, "/etc/posta/list");
	aliases_free(&al);

	parse_fails("prog: |/bin/true\n", 0, "1: |command is allowed only");
	parse_fails("a: b\nlist: :include:/x\n", 0,
	    "2: :include: is allowed only");
	parse_fails("list: :include:relative\n", ALIASES_ADMIN,
	    "absolute path");
}

static void
test_malformed_tables_name_the_line(void **state)
{
	parse_fails("alice\n", 0, "1: expected name: targets");
	parse_fails("ok: x\n  \n\tcont\nbad\n", 0,
	    "4: expected name: targets");
	parse_fails("  alice\n", 0, "1: continuation line without a name");
	parse_fails("empty:\n", 0, "1: empty has no targets");
	parse_fails(": alice\n", 0, "1: empty name");
	parse_fails("two words: alice\n", 0, "1: malformed name");
	parse_fails("a: x\nb: y\nA: z\n", 0, "3: a repeats line 1");
	parse_fails("a: bad address@\n", 0, "1:");
	parse_fails("a: /var/mail/file\n", ALIASES_ADMIN,
	    "1: delivery to a file is not supported");
	parse_fails("a: \"|unterminated\n", ALIASES_ADMIN,
	    "unterminated quoted string");
	parse_fails("a: x\nb: y,\n\tz@\n", 0, "3:");
}

static void
test_nul_octet_is_refused(void **state)
{
	struct aliases	 al;
	char		 err[256];
	const char	 text[] = "a: x\nb: y\0z\n";

	assert_int_equal(aliases_parse(&al, text, sizeof(text) - 1, 0, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "2: NUL"));
}

/* Found by fuzzing: a CR in a |command or :include: target was kept
 * (addresses refused it already). */
static void
test_cr_in_a_target_is_refused(void **state)
{
	struct aliases	 al;

	/* a CRLF table is fine: the CR before the line end is blank */
	parse_ok(&al, "a: |/usr/bin/prog\r\nb: c\r\n", ALIASES_ADMIN);
	assert_int_equal(al.n, 2);
	assert_string_equal(al.a[0].t[0].value, "/usr/bin/prog");
	aliases_free(&al);
	parse_fails("a: |/usr/bin/prog\rx\n", ALIASES_ADMIN,
	    "1: control character");
	parse_fails("a: :include:/etc/x\ry\n", ALIASES_ADMIN,
	    "1: control character");
	parse_fails("a: \"|prog a,\rb\"\n", ALIASES_ADMIN,
	    "1: control character");
}

static void
test_bare_keys_apply_only_to_local_domains(void **state)
{
	struct aliases		 al;
	const struct alias	*a;

	parse_ok(&al, "abuse: alice\nabuse@other.test: bob\n", 0);
	a = aliases_find(&al, "abuse", "example.test", 1);
	assert_non_null(a);
	assert_string_equal(a->t[0].value, "alice");
	/* the full key first */
	a = aliases_find(&al, "abuse", "other.test", 1);
	assert_string_equal(a->t[0].value, "bob");
	assert_null(aliases_find(&al, "abuse", "gmail.test", 0));
	assert_null(aliases_find(&al, "nobody", "example.test", 1));
	aliases_free(&al);
}

static void
test_target_lists_of_forward_and_include_files(void **state)
{
	struct alias_target	*t = NULL;
	size_t			 nt = 0;
	char			 err[256];
	const char		*text = "# forward\nalice@example.test\n"
	    "bob, carol@other.test\n\n  # indented comment\ndave";

	assert_int_equal(aliases_parse_list(text, strlen(text), 0, &t, &nt,
	    err, sizeof(err)), 0);
	assert_int_equal(nt, 4);
	assert_string_equal(t[0].value, "alice@example.test");
	assert_string_equal(t[1].value, "bob");
	assert_string_equal(t[2].value, "carol@other.test");
	assert_string_equal(t[3].value, "dave");
	aliases_targets_free(t, nt);

	t = NULL;
	nt = 0;
	text = "alice\n|/bin/sh -c evil\n";
	assert_int_equal(aliases_parse_list(text, strlen(text), 0, &t, &nt,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "2: |command is allowed only"));
	aliases_targets_free(t, nt);
}

struct world {
	const char	*incname, *inctext;
	int		 reads;
};

static int
is_local(void *arg, const char *domain)
{
	return strcmp(domain, "example.test") == 0;
}

static int
include(void *arg, const char *path, struct buf *out)
{
	struct world	*w = arg;

	w->reads++;
	if (w->incname == NULL || strcmp(path, w->incname) != 0) {
		errno = ENOENT;
		return -1;
	}
	return buf_adds(out, w->inctext);
}

static int
expand(const char *table, const char *local, struct world *w,
    struct alias_expansion *x, char *why, size_t whylen)
{
	struct aliases		 al;
	struct alias_env	 env = { is_local, include, w, 5 };
	int			 rv;

	parse_ok(&al, table, ALIASES_ADMIN);
	rv = aliases_expand(&al, local, "example.test", &env, x, why, whylen);
	aliases_free(&al);
	return rv;
}

static void
test_expansion_is_recursive_and_without_duplicates(void **state)
{
	struct alias_expansion	 x;
	struct world		 w = { NULL, NULL, 0 };
	char			 why[256];

	assert_int_equal(expand("staff: alice, team\n"
	    "team: bob, alice@example.test, carol@other.test\n"
	    "carol: never\n", "staff", &w, &x, why, sizeof(why)), ALIAS_FOUND);
	assert_int_equal(x.n, 3);
	assert_int_equal(x.r[0].kind, AK_ADDRESS);
	assert_string_equal(x.r[0].value, "alice@example.test");
	assert_string_equal(x.r[0].via, "staff");
	assert_string_equal(x.r[1].value, "bob@example.test");
	assert_string_equal(x.r[1].via, "team");
	/* carol@other.test is not ours: the bare key "carol" does not apply */
	assert_string_equal(x.r[2].value, "carol@other.test");
	aliases_expansion_free(&x);

	assert_int_equal(expand("a: b\n", "nobody", &w, &x, why, sizeof(why)),
	    ALIAS_NONE);
	assert_int_equal(x.n, 0);
}

static void
test_an_alias_naming_itself_keeps_a_copy(void **state)
{
	struct alias_expansion	 x;
	struct world		 w = { NULL, NULL, 0 };
	char			 why[256];

	assert_int_equal(expand("alice: alice, bob@other.test\n", "alice",
	    &w, &x, why, sizeof(why)), ALIAS_FOUND);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.r[0].kind, AK_MAILBOX);
	assert_string_equal(x.r[0].value, "alice@example.test");
	assert_int_equal(x.r[1].kind, AK_ADDRESS);
	aliases_expansion_free(&x);
}

static void
test_loops_and_depth_are_errors(void **state)
{
	struct alias_expansion	 x;
	struct world		 w = { NULL, NULL, 0 };
	char			 why[256];

	assert_int_equal(expand("a: b\nb: c\nc: a\n", "a", &w, &x, why,
	    sizeof(why)), ALIAS_ELOOP);
	assert_non_null(strstr(why, "alias loop"));
	assert_int_equal(x.n, 0);
	/* maxdepth 5 */
	assert_int_equal(expand("a1: a2\na2: a3\na3: a4\na4: a5\na5: a6\n"
	    "a6: a7\na7: end\n", "a1", &w, &x, why, sizeof(why)), ALIAS_ELOOP);
	assert_non_null(strstr(why, "deeper than"));
	assert_int_equal(expand("a1: a2\na2: a3\na3: a4\na4: a5\na5: end\n",
	    "a1", &w, &x, why, sizeof(why)), ALIAS_FOUND);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.r[0].value, "end@example.test");
	aliases_expansion_free(&x);
}

static void
test_includes_give_addresses_only(void **state)
{
	struct alias_expansion	 x;
	struct world		 w = { "/lists/dev", "# devs\nbob\nstaff\n"
	    "eve@other.test, \n", 0 };
	char			 why[256];

	assert_int_equal(expand("dev: :include:/lists/dev, |/bin/cat\n"
	    "staff: carol\n", "dev", &w, &x, why, sizeof(why)), ALIAS_FOUND);
	assert_int_equal(w.reads, 1);
	assert_int_equal(x.n, 4);
	assert_string_equal(x.r[0].value, "bob@example.test");
	assert_string_equal(x.r[1].value, "carol@example.test");
	assert_string_equal(x.r[1].via, "staff");
	assert_string_equal(x.r[2].value, "eve@other.test");
	assert_int_equal(x.r[3].kind, AK_COMMAND);
	assert_string_equal(x.r[3].value, "/bin/cat");
	aliases_expansion_free(&x);

	w.inctext = "bob\n|/bin/rm -rf /\n";
	assert_int_equal(expand("dev: :include:/lists/dev\n", "dev", &w, &x,
	    why, sizeof(why)), ALIAS_EBAD);
	assert_non_null(strstr(why, "/lists/dev:2: |command"));
	w.incname = "/elsewhere";
	assert_int_equal(expand("dev: :include:/lists/dev\n", "dev", &w, &x,
	    why, sizeof(why)), ALIAS_ETEMP);
	assert_non_null(strstr(why, "/lists/dev"));
}

static void
test_maildir_names(void **state)
{
	char	 name[MAILDIR_NAMEMAX];

	int	 len;

	len = maildir_name(name, sizeof(name), 1700000000, 42, 123, 7,
	    "mx.example.test", 100, 105);
	assert_int_equal(len, (int)strlen(name));
	assert_string_equal(name,
	    "1700000000.M000042P123Q7.mx.example.test,S=100,W=105");
	/* "/" ":" "," "\" are written in octal */
	maildir_name(name, sizeof(name), 1, 0, 1, 1, "a/b:c,d\\e", 0, 0);
	assert_string_equal(name, "1.M000000P1Q1.a\\057b\\072c\\054d\\134e,S=0,W=0");
	assert_int_equal(maildir_name(name, 20, 1, 0, 1, 1, "host", 0, 0), -1);
}

static void
test_crlf_sizes(void **state)
{
	int	 cr = 0;

	assert_int_equal(maildir_crlf_extra("a\nb\n\n", 5, &cr), 3);
	cr = 0;
	assert_int_equal(maildir_crlf_extra("a\r\nb\n", 5, &cr), 1);
	/* a CR at the end of one chunk and its LF in the next */
	cr = 0;
	assert_int_equal(maildir_crlf_extra("a\r", 2, &cr), 0);
	assert_int_equal(maildir_crlf_extra("\nb\n", 3, &cr), 1);
	cr = 0;
	assert_int_equal(maildir_crlf_extra("", 0, &cr), 0);
}

static void
test_folder_names(void **state)
{
	assert_true(md_folder_name_plain("Sent"));
	assert_true(md_folder_name_plain("Lists.posta"));
	assert_true(md_folder_name_plain("a-b_c+d=e&f"));
	assert_false(md_folder_name_plain(""));
	assert_false(md_folder_name_plain(".hidden"));
	assert_false(md_folder_name_plain("end."));
	assert_false(md_folder_name_plain("a..b"));
	assert_false(md_folder_name_plain("../etc"));
	assert_false(md_folder_name_plain("a/b"));
	assert_false(md_folder_name_plain("sp ace"));
	assert_false(md_folder_name_plain("inbox"));
	assert_false(md_folder_name_plain("New"));
	assert_false(md_folder_name_plain("a.tmp.b"));
	assert_true(md_folder_name_plain("news"));
	assert_true(md_folder_name_plain("INBOX2"));
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_names_and_targets),
		T(test_continuation_lines_and_comments_inside),
		T(test_commands_and_includes_only_for_the_administrator),
		T(test_malformed_tables_name_the_line),
		T(test_nul_octet_is_refused),
		T(test_cr_in_a_target_is_refused),
		T(test_bare_keys_apply_only_to_local_domains),
		T(test_target_lists_of_forward_and_include_files),
		T(test_expansion_is_recursive_and_without_duplicates),
		T(test_an_alias_naming_itself_keeps_a_copy),
		T(test_loops_and_depth_are_errors),
		T(test_includes_give_addresses_only),
		T(test_maildir_names),
		T(test_crlf_sizes),
		T(test_folder_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
