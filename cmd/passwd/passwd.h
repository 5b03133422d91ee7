/*
 * posta-passwd's commands; each returns the exit status.
 */
#ifndef POSTA_PASSWD_H
#define POSTA_PASSWD_H

#include <err.h>

struct pw {
	const char	*users;		/* the users file */
	const char	*scheme;	/* of new hashes */
};

int	pw_add(struct pw *, const char *address, const char *maildir);
int	pw_passwd(struct pw *, const char *address);
int	pw_check(struct pw *, const char *address);
int	pw_delete(struct pw *, const char *address);
int	pw_list(struct pw *);

#endif
