/*
 * users: the virtual users file, posta-users(5): "address:hash:maildir"
 * lines, # comments.  Hashes are crypt(3) strings (yescrypt by default;
 * sha512-crypt and bcrypt accepted).  A relative maildir is taken from
 * the folder of the users file.
 *
 * users_check() costs the same for an unknown user as for a known one
 * (it hashes against a dummy of the default method), so replies and
 * timing do not tell which addresses exist.
 */
#ifndef POSTA_USERS_H
#define POSTA_USERS_H

#include <stddef.h>

struct user {
	char	*address;	/* as in the file */
	char	*hash;
	char	*maildir;	/* absolute */
};

struct users {
	struct user	*u;
	size_t		 n;
	char		*path;
};

/* Load path; -1 with err "file:line: reason" on error. */
int		 users_load(struct users *, const char *path, char *err,
		    size_t errlen);
void		 users_free(struct users *);
/* Case-insensitive lookup of an address. */
const struct user *users_find(const struct users *, const char *address);
/* 1: the password is right; 0: wrong or unknown user. */
int		 users_check(const struct users *, const char *address,
		    const char *password);
/* A new hash of password with the default method (yescrypt). */
int		 users_hash(const char *password, char *out, size_t outlen);
/* Sleep after the nth failed attempt: 1, 2, 4 ... seconds, at most max. */
void		 users_fail_delay(int nfail, int max_seconds);

#endif
