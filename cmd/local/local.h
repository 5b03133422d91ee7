/*
 * posta-local: delivery of one message to one local address; see
 * posta-local(8).
 */
#ifndef POSTA_LOCAL_H
#define POSTA_LOCAL_H

#include <stddef.h>

#include "addr.h"
#include "aliases.h"
#include "buf.h"
#include "table.h"
#include "users.h"

struct local {
	const char	*qid;		/* -i, for the logs; "-" if none */
	const char	*sender;	/* "" for the null sender */
	char		 rcpt[ADDR_MAX];	/* canonical "local@domain" */
	struct addr	 addr;
	char		 hostname[ADDR_DOMAIN_MAX];
	char		 mydomain[ADDR_DOMAIN_MAX];
	struct table	 domains;
	struct users	 users;
	struct aliases	 aliases;
	struct buf	 msg;		/* the message, LF line ends */
};

/* Set up the fallback status line (for fatal()). */
void	local_init(void);
/* The one status line on stdout, the log line, and exit(ex). */
void	local_finish(struct local *, int ex, const char *code,
	    const char *fmt, ...)
	    __attribute__((format(printf, 4, 5), noreturn));
int	local_domain_is_local(void *, const char *domain);
/* Loop checks on the header section: returns only when there is none. */
void	local_check_loops(struct local *);
/* Deliver l->msg to l->rcpt: aliases, users, forwards; never returns. */
void	local_deliver(struct local *) __attribute__((noreturn));

#endif
