/*
 * submit: the way into the queue for every program that adds mail
 * (posta-smtpd, posta-sendmail, the runner's bounces, posta-local's
 * forwards): posta-enqueue(8) with the message on a pipe to its fd 0,
 * the envelope on a socket on its fd 1, the queue ID back on that
 * socket after the commit, and its exit status as the answer.  The
 * message streams through in pieces of up to SUBMIT_BUFSIZE octets
 * (a small one in one write, at the commit); a submission that is
 * aborted closes the pipe and the socket without an envelope, and
 * posta-enqueue refuses an envelope without a sender, so nothing is
 * queued.
 */
#ifndef POSTA_SUBMIT_H
#define POSTA_SUBMIT_H

#include <sys/types.h>
#include <stddef.h>

#include "buf.h"

struct submit {
	pid_t		 pid;
	int		 msgfd;		/* pipe to its fd 0; -1 once closed */
	int		 envfd;		/* socket on its fd 1 */
	int		 failed;	/* a write failed: it is gone */
	long long	 written;
	struct buf	 out;		/* message octets not yet on the pipe */
};

#define SUBMIT_BUFSIZE	65536

/*
 * Start program_dir/posta-enqueue; pass_conf: give it "-C" with the
 * posta.conf this program read (conf_file()).  -1 (logged) on failure.
 */
int	submit_open(struct submit *, int pass_conf);
/* Message octets, LF line endings.  -1 once posta-enqueue is gone. */
int	submit_write(struct submit *, const void *, size_t);
/*
 * Send the envelope (posta-enqueue(8) items, one a line; the empty
 * line that ends it is added here) and wait.  Returns the exit status
 * of posta-enqueue, or 75; id gets the queue ID on success.
 */
int	submit_commit(struct submit *, const struct buf *envelope, char *id,
	    size_t idlen);
/* Give up: nothing is queued. */
void	submit_abort(struct submit *);

#endif
