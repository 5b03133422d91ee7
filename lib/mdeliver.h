/*
 * mdeliver: delivery into a Maildir by the Maildir rules.
 *
 * A message is written to tmp/ under a unique name, fsync'ed, linked
 * into new/ under its final name and unlinked from tmp/; then new/ is
 * fsync'ed, so that once mdeliver_commit() returns 0 the message
 * survives a power cut.  Final names are
 *
 *	SECS.M<usec>P<pid>Q<n>.<host>,S=<octets>,W=<octets with CRLF>
 *
 * where <host> has "/", ":", "," and "\\" written as \057, \072, \054
 * and \134.
 * A failure at any step (ENOSPC, EDQUOT, EIO ...) removes the tmp/
 * file and leaves nothing in new/; the caller decides whether the
 * error is temporary (posta-local: all of them but a refused path).
 *
 * Mailboxes are made on demand, mode 0700, by maildir_make(); their
 * Maildir++ folders (".Sent", ".Lists.posta") by md_folder_make() of
 * lib/maildir, which has every rule about folder names.
 * These functions report errors by return value and errno only; they
 * neither log nor exit.
 */
#ifndef POSTA_MDELIVER_H
#define POSTA_MDELIVER_H

#include <sys/types.h>
#include <limits.h>
#include <stddef.h>
#include <time.h>

#define MAILDIR_NAMEMAX	256

/*
 * Make the Maildir path (and any missing parent folders) with its tmp/,
 * new/ and cur/.  A Maildir that is already there is fine.  0, or -1
 * with errno set.
 */
int	maildir_make(const char *path);

/*
 * The new/ name for a message (pure).  host is the raw host name; it is
 * encoded here.  Returns the length, or -1 if it does not fit.
 */
int	maildir_name(char *out, size_t outlen, time_t secs, long usec,
	    pid_t pid, unsigned long n, const char *host, off_t size,
	    off_t wsize);

/*
 * Octets a message occupies with CRLF line ends: each LF that is not
 * already after a CR counts twice.  Streaming: pass the chunks in
 * order; *prevcr carries a CR at the end of a chunk (start with 0).
 */
off_t	maildir_crlf_extra(const char *p, size_t n, int *prevcr);

struct mdeliver {
	int		 fd;			/* the tmp/ file; -1 when none */
	char		 dir[PATH_MAX];		/* the Maildir (or folder) */
	char		 tmp[PATH_MAX];		/* dir/tmp/NAME */
	char		 final[MAILDIR_NAMEMAX];	/* name in new/ after commit */
	time_t		 secs;
	long		 usec;
	unsigned long	 n;
	off_t		 size;
	off_t		 extra;			/* LFs without a CR before */
	int		 prevcr;
};

/*
 * Start a delivery into the Maildir dir (made with maildir_make() if
 * missing).  host: this host's name for the unique name.  0 or -1 and
 * errno.
 */
int	mdeliver_open(struct mdeliver *, const char *dir, const char *host);
/* Append message octets (LF line ends).  0 or -1 and errno. */
int	mdeliver_write(struct mdeliver *, const void *, size_t);
/*
 * fsync, link into new/ under the final name (in ->final), unlink the
 * tmp/ file, fsync new/.  0, or -1 and errno with nothing left in new/
 * or tmp/.
 */
int	mdeliver_commit(struct mdeliver *);
/* Give up: the tmp/ file is removed. */
void	mdeliver_abort(struct mdeliver *);

#endif
