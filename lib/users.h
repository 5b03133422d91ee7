/*
 * users: the virtual users file, posta-users(5): "address:hash:maildir"
 * lines, # comments.  Hashes are crypt(3) strings (yescrypt by default;
 * sha512-crypt and bcrypt accepted).  A relative maildir is taken from
 * the folder of the users file.
 *
 * users_check() costs the same for an unknown user as for a known one:
 * it hashes against the hash of a user of the file's most used scheme
 * (so with the same scheme and cost as most users have; a fixed
 * yescrypt hash when the file has none), so replies and timing do not
 * tell which addresses exist.  A hash of another scheme
 * (DES, MD5, SHA-256 crypt, "*", "!") never matches.
 *
 * The file is changed only by users_add/users_delete/users_set_hash:
 * under an flock(2) on "<file>.lock", the new text is written to a
 * temporary file beside it (same mode and owner), fsync'ed and renamed
 * over the old one, so a reader sees the old file or the new one.
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
	char		*dummy;	/* hashed against for unknown users */
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
/* A new hash with scheme "yescrypt", "sha512-crypt" or "bcrypt";
 * -1 with EINVAL for another scheme. */
int		 users_hash_scheme(const char *password, const char *scheme,
		    char *out, size_t outlen);
/* The scheme of a hash ("yescrypt" ...), NULL when not accepted. */
const char	*users_hash_kind(const char *hash);
/* 1 when an address can be a users file key: no ':', no white space or
 * control characters, an '@' with text on both sides, at most 256
 * octets. */
int		 users_address_ok(const char *address);

/* Change the file (see above).  -1 with errno: EEXIST (add: the address
 * is there), ENOENT (delete, set_hash: it is not), EAGAIN (the lock
 * stayed busy for 10 s); err says more. */
int		 users_add(const char *path, const char *address,
		    const char *hash, const char *maildir, char *err,
		    size_t errlen);
int		 users_delete(const char *path, const char *address, char *err,
		    size_t errlen);
int		 users_set_hash(const char *path, const char *address,
		    const char *hash, char *err, size_t errlen);
/* Sleep after the nth failed attempt: 1, 2, 4 ... seconds, at most max
 * (n <= 0 or max <= 0: no sleep). */
void		 users_fail_delay(int nfail, int max_seconds);

#endif
