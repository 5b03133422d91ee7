/*
 * posta-smtpd: one SMTP session on stdin/stdout, see posta-smtpd(8).
 */
#ifndef POSTA_SMTPD_H
#define POSTA_SMTPD_H

#include <sys/types.h>

#include "addr.h"
#include "aliases.h"
#include "buf.h"
#include "submit.h"
#include "table.h"
#include "users.h"

struct tls;

#define ROLE_MX		0
#define ROLE_SUBMISSION	1

struct smtpd {
	int		 role;
	int		 implicit_tls;	/* -s: TLS from the first byte */
	int		 local;		/* -b: a local user on stdin/stdout */
	const char	*cflag;		/* -C, passed on to posta-enqueue */
	struct tlsx_server *tls_server;	/* NULL: no STARTTLS */
	char		 hostname[256];
	char		 peer_ip[64];	/* "" when unknown */
	char		 local_ip[64];	/* our address on this connection */
	int		 peer_loopback;
	char		 local_user[64];	/* -b: who runs us */
	struct table	 local_domains;
	struct table	 relay_domains;
	struct table	 relay_networks;
	struct users	 users;
	struct aliases	 aliases;	/* posta-aliases(5), as posta-local reads it */
};

/* policy.c */
/* 1 local domain (ours), 2 relay domain, 0 neither */
int	policy_domain(const struct smtpd *, const struct addr *);
int	policy_local_exists(const struct smtpd *, const struct addr *);
int	policy_relay_client(const struct smtpd *);

/* smtpd.c */
void	smtpd_session(struct smtpd *) __attribute__((noreturn));

#endif
