/*
 * queue: the on-disk queue, posta-queue(5).
 *
 * queue_dir/tmp/ID     a message being written by posta-enqueue
 * queue_dir/queue/ID   committed messages, one file each
 * queue_dir/hold/ID    messages held by the administrator
 * queue_dir/trigger    FIFO: posta-enqueue writes a byte after a commit
 *
 * A queue file is a 32-octet header line giving the message length,
 * the message (LF line endings, byte for byte as given), then the
 * envelope: one line per item, the recipients last, and "." alone.
 * Recipient lines have a fixed-width state prefix that the runner
 * rewrites in place (queue_rcpt_update), so each recipient's outcome is
 * recorded durably as it happens.
 */
#ifndef POSTA_QUEUE_H
#define POSTA_QUEUE_H

#include <sys/types.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

#define QUEUE_HDRLEN	32
#define QUEUE_IDLEN	32
#define QUEUE_MAGIC	"posta-queue-1 "

/* Recipient states. */
#define QR_PENDING	'P'	/* not yet delivered; next try in next */
#define QR_WARNED	'W'	/* pending, and the delay notice has gone out */
#define QR_DELIVERED	'D'
#define QR_FAILED	'F'	/* failed for good; a bounce is owed */
#define QR_BOUNCED	'B'	/* failed, and the bounce is queued */

/* Offsets inside a recipient line "R S NNNNNNNNNN TTTT ...". */
#define QR_OFF_STATE	2
#define QR_OFF_NEXT	4
#define QR_OFF_TRIES	15
#define QR_PREFIX	20

struct qrcpt {
	char	 state;
	time_t	 next;		/* next try (0: now) */
	int	 tries;
	char	*notify;	/* RFC 3461 NOTIFY, or NULL */
	char	*orcpt;		/* RFC 3461 ORCPT (addr-type;xtext), or NULL */
	char	*addr;
	off_t	 off;		/* offset of the line in the queue file */
};

struct qenv {
	char		 id[QUEUE_IDLEN];
	time_t		 arrival;
	char		*sender;	/* "" for the null sender */
	char		*envid;		/* RFC 3461 ENVID (xtext), or NULL */
	char		*ret;		/* FULL or HDRS, or NULL */
	char		*auth;		/* authenticated user, or NULL */
	char		*client;	/* where it came from, or NULL */
	int		 smtputf8;
	int		 eightbit;
	struct qrcpt	*rcpt;
	size_t		 nrcpt;
	off_t		 msgoff;	/* message octets start here */
	off_t		 msglen;
};

/* A fresh, unique queue ID (time, microseconds, pid). */
void	queue_new_id(char id[QUEUE_IDLEN]);
/* Parse posta-enqueue's input envelope (posta-enqueue(8)). */
int	queue_env_parse_input(const char *s, size_t len, size_t max_addr,
	    size_t max_rcpt, struct qenv *, char *err, size_t errlen);
/* The envelope as stored in the queue file (after the message). */
int	queue_env_serialize(const struct qenv *, struct buf *);
/* The 32-octet header for a message of msglen octets. */
void	queue_header(char hdr[QUEUE_HDRLEN + 1], off_t msglen);
/* Read a queue file's header and envelope. */
int	queue_env_read(int fd, struct qenv *, char *err, size_t errlen);
/* Parse a stored envelope (text after the message); base is its offset. */
int	queue_env_parse_stored(const char *s, size_t len, off_t base,
	    struct qenv *, char *err, size_t errlen);
void	queue_env_free(struct qenv *);
/* Rewrite one recipient's state in place; the caller syncs (fdatasync). */
int	queue_rcpt_update(int fd, struct qrcpt *, char state, time_t next,
	    int tries);
/* Paths under queue_dir. */
int	queue_path(struct buf *, const char *qdir, const char *sub,
	    const char *id);
/*
 * Wake a waiting runner; silent when none listens.  With id, the message
 * just committed ("ID\n", which the runner takes without reading
 * queue/); without, a NUL, which asks it to read queue/ again.
 */
void	queue_trigger(const char *qdir, const char *id);

#endif
