/*
 * posta-remote: delivers queued messages for one destination over one
 * SMTP connection; see posta-remote(8).
 */
#ifndef POSTA_REMOTE_H
#define POSTA_REMOTE_H

#include <sys/types.h>
#include <sys/socket.h>

#include "queue.h"

/* TLS policies, weakest first. */
#define TLS_NONE	0
#define TLS_MAY		1
#define TLS_ENCRYPT	2
#define TLS_VERIFY	3

/* One message of the run and this destination's recipients in it. */
struct job {
	char		 id[QUEUE_IDLEN];
	int		 fd;
	struct qenv	 env;
	size_t		*idx;		/* indexes into env.rcpt */
	char		*result;	/* per idx: 0 pending, else D, T or F */
	size_t		 nidx;
	int		 eightbit;	/* the message has 8-bit octets */
	int		 longlines;	/* lines over SMTPC_LINEMAX */
	int		 utf8;		/* needs SMTPUTF8 */
	long long	 wiresize;	/* octets with CRLF line ends */
};

/* One address to try, in order. */
struct target {
	char			 name[256];	/* host name, or the address */
	char			 ip[64];
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	int			 port;
};

/* The route: what to try, and how. */
struct route {
	struct target	*t;
	size_t		 n;
	int		 relay;		/* the relay host: AUTH may be used */
	int		 tls;		/* TLS_* */
	char		 spec[1024];	/* next hops from the tables, or "" */
	/* no exchanger at all: this status and text for every recipient */
	char		 fail;		/* 0, T or F */
	char		 status[16];
	char		 text[512];
};

struct remote {
	const char	*dest;		/* the destination domain */
	struct job	*jobs;
	size_t		 njobs;
	char		 helo[256];
	char		*auth_user;
	char		*auth_pass;
	struct route	 route;
};

/* route.c */
int	route_tls_policy(const char *dest, char *err, size_t errlen);
int	route_tables(struct remote *, char *err, size_t errlen);
void	route_find(struct remote *);
int	route_auth_load(struct remote *, char *err, size_t errlen);

/* session.c */
void	remote_report(struct job *, size_t i, char result, const char *status,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
size_t	remote_pending(const struct remote *);
void	remote_deliver(struct remote *);
int	remote_stdout_failed(void);

#endif
