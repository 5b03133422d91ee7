/* posta-sendmail: the injector's own parts. */
#ifndef SENDMAIL_H
#define SENDMAIL_H

#include <stdio.h>

#include "buf.h"

struct rcptlist {
	char	**a;
	size_t	  n;
};

struct inject {
	const char	*sender;	/* envelope sender, "" for <> */
	const char	*fullname;	/* -F, or NULL */
	const char	*login;		/* the user's login name */
	const char	*mydomain;
	const char	*myhostname;
	const char	*notify;	/* -N, RFC 3461 form, or NULL */
	const char	*ret;		/* -R: FULL or HDRS, or NULL */
	const char	*envid;		/* -V, or NULL */
	int		 extract;	/* -t */
	int		 dot_ends;	/* no -i: a lone "." ends the message */
	int		 verbose;
	int		 eightbit;	/* -B8BITMIME */
	size_t		 max_header;
	struct rcptlist	 rcpts;
};

int	rcpt_add(struct rcptlist *, const char *addr, const char *mydomain,
	    char *err, size_t errlen);
int	inject_message(struct inject *, FILE *in);

#endif
