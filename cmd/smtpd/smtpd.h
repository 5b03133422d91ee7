/*
 * posta-smtpd: one SMTP session on stdin/stdout, see posta-smtpd(8).
 */
#ifndef POSTA_SMTPD_H
#define POSTA_SMTPD_H

#include <sys/types.h>

#include "addr.h"
#include "buf.h"
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
	struct tls	*tls_server;	/* NULL: no STARTTLS */
	char		 hostname[256];
	char		 peer_ip[64];	/* "" when unknown */
	char		 local_ip[64];	/* our address on this connection */
	int		 peer_loopback;
	char		 local_user[64];	/* -b: who runs us */
	struct table	 local_domains;
	struct table	 relay_domains;
	struct table	 relay_networks;
	struct users	 users;
	struct table	 aliases;	/* the keys of the aliases file */
};

/* A message on its way into posta-enqueue. */
struct spool {
	pid_t		 pid;
	int		 msgfd;		/* pipe to its fd 0; -1 once closed */
	int		 envfd;		/* socket on its fd 1 */
	int		 failed;	/* a write failed: it is gone */
	long long	 written;
};

/* policy.c */
int	policy_aliases_load(struct table *, const char *path);
/* 1 local domain (ours), 2 relay domain, 0 neither */
int	policy_domain(const struct smtpd *, const struct addr *);
int	policy_local_exists(const struct smtpd *, const struct addr *);
int	policy_relay_client(const struct smtpd *);
int	policy_is_loopback(const char *ip);

/* spool.c */
int	spool_open(struct spool *, const struct smtpd *);
int	spool_write(struct spool *, const void *, size_t);
/* Returns the exit status of posta-enqueue, or 75; id gets the ID. */
int	spool_commit(struct spool *, const struct buf *envelope, char *id,
	    size_t idlen);
void	spool_abort(struct spool *);

/* smtpd.c */
void	smtpd_session(struct smtpd *) __attribute__((noreturn));

#endif
