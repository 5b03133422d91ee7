/*
 * posta-passwd: the commands.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <readpassphrase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "maildir.h"
#include "mdeliver.h"
#include "passwd.h"
#include "users.h"

#define PW_MAX		1024	/* longest password read */
#define HASH_MAX	256

/* The folders every new mailbox has (RFC 6154 special uses). */
static const char *const default_folders[] = {
	"Sent", "Drafts", "Trash", "Junk", "Archive"
};

static uid_t	 chown_uid;
static gid_t	 chown_gid;

/* Read a password: with a no-echo prompt on the terminal when stdin is
 * one (twice when confirm), else one line of stdin. */
static void
read_password(const char *address, int confirm, char *out, size_t len)
{
	char	 prompt[512], again[PW_MAX];
	size_t	 n;

	if (isatty(STDIN_FILENO)) {
		snprintf(prompt, sizeof(prompt), "Password for %s: ", address);
		if (readpassphrase(prompt, out, len, RPP_ECHO_OFF |
		    RPP_REQUIRE_TTY) == NULL)
			err(EX_IOERR, "reading the password");
		if (confirm) {
			if (readpassphrase("Again: ", again, sizeof(again),
			    RPP_ECHO_OFF | RPP_REQUIRE_TTY) == NULL)
				err(EX_IOERR, "reading the password");
			if (strcmp(out, again) != 0) {
				explicit_bzero(again, sizeof(again));
				explicit_bzero(out, len);
				errx(EX_DATAERR, "the passwords differ");
			}
			explicit_bzero(again, sizeof(again));
		}
	} else {
		if (fgets(out, (int)len, stdin) == NULL) {
			if (ferror(stdin))
				err(EX_IOERR, "stdin");
			out[0] = '\0';
		}
		n = strlen(out);
		if (n == len - 1 && out[n - 1] != '\n')
			errx(EX_DATAERR, "password longer than %d octets",
			    PW_MAX - 2);
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
			out[--n] = '\0';
	}
	if (out[0] == '\0')
		errx(EX_DATAERR, "empty password");
}

/* Refuse an unknown scheme before asking for a password. */
static void
check_scheme(struct pw *pw)
{
	char	 hash[HASH_MAX];

	if (users_hash_scheme("x", pw->scheme, hash, sizeof(hash)) == -1 &&
	    errno == EINVAL)
		errx(EX_USAGE, "%s: unknown scheme (yescrypt, sha512-crypt, "
		    "bcrypt)", pw->scheme);
}

static void
make_hash(struct pw *pw, const char *password, char *hash, size_t len)
{
	if (users_hash_scheme(password, pw->scheme, hash, len) == -1) {
		if (errno == EINVAL)
			errx(EX_USAGE, "%s: unknown scheme (yescrypt, "
			    "sha512-crypt, bcrypt)", pw->scheme);
		err(EX_SOFTWARE, "crypt");
	}
}

/* The users file, or an empty one when it does not exist yet. */
static void
load(struct pw *pw, struct users *us, int missing_ok)
{
	char	 e[512];

	if (users_load(us, pw->users, e, sizeof(e)) == -1) {
		if (missing_ok && access(pw->users, F_OK) == -1 &&
		    errno == ENOENT) {
			memset(us, 0, sizeof(*us));
			return;
		}
		errx(EX_CONFIG, "%s", e);
	}
}

static int
edit_status(int e)
{
	switch (e) {
	case EEXIST:
	case EINVAL:
		return EX_DATAERR;
	case ENOENT:
		return EX_NOUSER;
	case EAGAIN:
		return EX_TEMPFAIL;
	default:
		return EX_IOERR;
	}
}

/* The users file's folder + rel, or rel when absolute. */
static void
abs_path(struct pw *pw, const char *rel, char *out, size_t len)
{
	const char	*slash = strrchr(pw->users, '/');
	int		 n;

	if (rel[0] == '/')
		n = snprintf(out, len, "%s", rel);
	else if (slash == NULL)
		n = snprintf(out, len, "./%s", rel);
	else
		n = snprintf(out, len, "%.*s/%s", (int)(slash - pw->users),
		    pw->users, rel);
	if (n < 0 || (size_t)n >= len)
		errx(EX_DATAERR, "%s: path too long", rel);
}

static int
bad_component(const char *s, size_t n)
{
	return n == 0 || s[0] == '.' || memchr(s, '/', n) != NULL;
}

/* mail/<local part>, or mail/<domain>/<local part> when another user
 * has the first already. */
static void
default_maildir(struct pw *pw, const struct users *us, const char *address,
    char *out, size_t len)
{
	const char	*at = strrchr(address, '@');
	char		 absp[PATH_MAX];
	size_t		 i, llen = (size_t)(at - address);

	if (bad_component(address, llen) ||
	    bad_component(at + 1, strlen(at + 1)))
		errx(EX_DATAERR, "%s: give the Maildir's path", address);
	snprintf(out, len, "mail/%.*s", (int)llen, address);
	abs_path(pw, out, absp, sizeof(absp));
	for (i = 0; i < us->n; i++)
		if (strcmp(us->u[i].maildir, absp) == 0) {
			snprintf(out, len, "mail/%s/%.*s", at + 1, (int)llen,
			    address);
			return;
		}
}

static int
chown_entry(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (lchown(path, chown_uid, chown_gid) == -1)
		warn("%s", path);
	return 0;
}

/* A Maildir made by root belongs to mail_user: find the account
 * before anything is made. */
static void
find_mail_user(void)
{
	struct passwd	*p;

	if (geteuid() != 0)
		return;
	if ((p = getpwnam(conf_str(C_mail_user))) == NULL)
		errx(EX_NOUSER, "mail_user %s: no such account",
		    conf_str(C_mail_user));
	chown_uid = p->pw_uid;
	chown_gid = p->pw_gid;
}

static void
give_to_mail_user(const char *maildir)
{
	if (geteuid() == 0)
		nftw(maildir, chown_entry, 16, FTW_PHYS);
}

static void
make_mailbox(const char *maildir)
{
	size_t	 i;

	if (maildir_make(maildir) == -1)
		err(EX_CANTCREAT, "%s", maildir);
	for (i = 0; i < sizeof(default_folders) / sizeof(default_folders[0]);
	    i++) {
		if (md_folder_make(maildir, default_folders[i], NULL, 0) ==
		    -1)
			err(EX_CANTCREAT, "%s/.%s", maildir, default_folders[i]);
		if (md_subscribe(maildir, default_folders[i], 1) == -1)
			err(EX_CANTCREAT, "%s/subscriptions", maildir);
	}
	give_to_mail_user(maildir);
}

int
pw_add(struct pw *pw, const char *address, const char *maildir)
{
	struct users	 us;
	char		 password[PW_MAX], hash[HASH_MAX], md[PATH_MAX];
	char		 absp[PATH_MAX], e[512];

	if (!users_address_ok(address))
		errx(EX_DATAERR, "%s: not an address for the users file",
		    address);
	load(pw, &us, 1);
	if (users_find(&us, address) != NULL)
		errx(EX_DATAERR, "%s: is there already", address);
	if (maildir == NULL)
		default_maildir(pw, &us, address, md, sizeof(md));
	else if (strlcpy(md, maildir, sizeof(md)) >= sizeof(md))
		errx(EX_DATAERR, "%s: path too long", maildir);
	if (strchr(md, ':') != NULL || strchr(md, '\n') != NULL)
		errx(EX_DATAERR, "%s: a Maildir path has no ':'", md);
	users_free(&us);
	abs_path(pw, md, absp, sizeof(absp));
	find_mail_user();
	check_scheme(pw);

	read_password(address, 1, password, sizeof(password));
	make_hash(pw, password, hash, sizeof(hash));
	explicit_bzero(password, sizeof(password));

	md_conf_init();
	make_mailbox(absp);
	if (users_add(pw->users, address, hash, md, e, sizeof(e)) == -1) {
		warnx("%s", e);
		return edit_status(errno);
	}
	return 0;
}

int
pw_passwd(struct pw *pw, const char *address)
{
	struct users	 us;
	char		 password[PW_MAX], hash[HASH_MAX], e[512];

	load(pw, &us, 0);
	if (users_find(&us, address) == NULL)
		errx(EX_NOUSER, "%s: no such user", address);
	users_free(&us);
	check_scheme(pw);
	read_password(address, 1, password, sizeof(password));
	make_hash(pw, password, hash, sizeof(hash));
	explicit_bzero(password, sizeof(password));
	if (users_set_hash(pw->users, address, hash, e, sizeof(e)) == -1) {
		warnx("%s", e);
		return edit_status(errno);
	}
	return 0;
}

int
pw_check(struct pw *pw, const char *address)
{
	struct users	 us;
	char		 password[PW_MAX];
	int		 ok;

	load(pw, &us, 0);
	read_password(address, 0, password, sizeof(password));
	ok = users_check(&us, address, password);
	explicit_bzero(password, sizeof(password));
	users_free(&us);
	if (!ok) {
		warnx("%s: wrong password or no such user", address);
		return EX_NOPERM;
	}
	return 0;
}

int
pw_delete(struct pw *pw, const char *address)
{
	char	 e[512];

	if (users_delete(pw->users, address, e, sizeof(e)) == -1) {
		warnx("%s", e);
		return edit_status(errno);
	}
	return 0;
}

int
pw_list(struct pw *pw)
{
	struct users	 us;
	const char	*kind;
	size_t		 i;

	load(pw, &us, 1);
	for (i = 0; i < us.n; i++) {
		kind = users_hash_kind(us.u[i].hash);
		printf("%s\t%s\t%s\n", us.u[i].address, kind ? kind : "-",
		    us.u[i].maildir);
	}
	users_free(&us);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return 0;
}
