/*
 * posta-pop3d: one POP3 session on stdin/stdout, see posta-pop3d(8).
 */
#ifndef POSTA_POP3D_H
#define POSTA_POP3D_H

#include <sys/types.h>
#include <stdint.h>

#include "users.h"

struct tlsx_server;

struct pop3d {
	int		 implicit_tls;	/* -s: TLS from the first byte */
	struct tlsx_server *tls_server;	/* NULL: no STLS */
	char		 hostname[256];
	char		 peer_ip[64];	/* "" when unknown */
	int		 peer_loopback;
	struct users	 users;
};

struct md_folder;

/* One message of the session's snapshot of INBOX (RFC 1939 5). */
struct pop3_msg {
	size_t		 idx;		/* into the folder's msgs */
	uint32_t	 uid;
	long long	 wsize;		/* octets on the wire (W=) */
	int		 deleted;	/* DELE: removed at QUIT */
	int		 retrieved;	/* RETR: to cur/ and seen at QUIT */
};

struct mbox {
	struct md_folder *f;
	int		 lockfd;	/* the POP3 session lock */
	uint32_t	 uidvalidity;
	struct pop3_msg	*m;
	size_t		 n;
};

#define MBOX_INUSE	(-2)

/* mbox.c */
/*
 * Lock the Maildir dir for this session and take a snapshot of its
 * INBOX (the first max messages by UID): 0, MBOX_INUSE when another
 * session holds the lock, -1 with err on a system error.
 */
int		 mbox_open(struct mbox *, const char *dir, size_t max,
		    char *err, size_t errlen);
/* Open message i for reading: an fd, or -1 (gone, or a system error). */
int		 mbox_msg_open(struct mbox *, size_t i);
const char	*mbox_msg_name(const struct mbox *, size_t i);
/* RFC 1939 6, UPDATE: remove the deleted, move the retrieved to cur/
 * with the S flag; *notremoved counts the deleted ones still there. */
int		 mbox_update(struct mbox *, size_t *notremoved);
void		 mbox_close(struct mbox *);

/* pop3d.c */
void	pop3d_session(struct pop3d *) __attribute__((noreturn));

#endif
