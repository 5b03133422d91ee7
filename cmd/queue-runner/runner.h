/*
 * posta-queue-runner: the queue runner; see posta-queue-runner(8).
 */
#ifndef RUNNER_H
#define RUNNER_H

#include <sys/types.h>
#include <sys/queue.h>

#include <time.h>

#include "buf.h"
#include "queue.h"

/* Marks, in the envelope's C item, of the runner's own notices. */
#define BOUNCE_MARK	"posta-queue-runner (bounce)"
#define DBOUNCE_MARK	"posta-queue-runner (double bounce)"

/* What this pass learnt about one recipient. */
struct rinfo {
	int	 inflight;	/* handed to a child, no outcome yet */
	int	 result;	/* 0, or 'D', 'T', 'F' from this pass */
	int	 relayed;	/* D by a server without DSN (posta-remote's R) */
	char	 status[16];
	char	*diag;
	char	*mta;		/* the remote host that answered, or NULL */
	time_t	 when;
};

/* A message open (and flock'ed) for delivery. */
struct msg {
	TAILQ_ENTRY(msg) entry;
	int		 fd;
	struct qenv	 env;
	struct rinfo	*ri;
	int		 outstanding;	/* tasks queued or running */
	int		 dirty;		/* records written, not yet synced */
	struct qent	*qe;
};
TAILQ_HEAD(msglist, msg);

/* One recipient of one message to hand to a child. */
struct task {
	struct msg	*m;
	size_t		 idx;
};

/* A destination domain of remote mail, with its back-off memory. */
struct dest {
	TAILQ_ENTRY(dest) entry;
	char		 name[256];
	int		 running;
	struct task	*t;
	size_t		 nt, cap;
	int		 fails;		/* consecutive failed runs */
	time_t		 next;		/* not before; 0: any time */
};
TAILQ_HEAD(destlist, dest);

/* A running posta-local or posta-remote. */
struct job {
	TAILQ_ENTRY(job) entry;
	int		 remote;
	pid_t		 pid;
	int		 exited, status;
	int		 outfd;		/* its stdout; -1 at EOF */
	int		 infd;		/* remote: its stdin; -1 when closed */
	struct buf	 in;		/* remote: what is still to be written */
	size_t		 inoff;
	struct buf	 out;		/* what it said, not yet handled */
	struct dest	*dest;
	struct task	*t;
	int		*reported;
	size_t		 nt;
};
TAILQ_HEAD(joblist, job);

/* The runner's memory of one queue file. */
struct qent {
	char		 id[QUEUE_IDLEN];
	time_t		 due;		/* next time it needs work */
	int		 active;	/* open as a struct msg */
	int		 visited;	/* a one-shot run has done it */
	int		 seen;		/* found by the latest scan */
	size_t		 hpos;		/* 1 + its place in the due heap;
					   0 when not in it (active, or done
					   by a one-shot run) */
};

struct runner {
	int		 daemon;
	int		 flush;		/* -F: ignore the schedule */
	char	       **flush_domains;
	int		 nflush_domains;
	const char	*qdir;
	char		 hostname[256];
	struct table	*local_domains;
	struct msglist	 msgs;
	int		 nmsgs;
	struct destlist	 dests;
	struct joblist	 jobs;
	int		 nlocal, nremote;
	struct task	*ltasks;	/* local tasks waiting */
	size_t		 nlt, lcap, lhead;
	int		 backoff_dirty;
	int		 unlinks_unsynced;	/* removed with unsynced records */
	int		 qdirfd;		/* queue/, for its fsync */
};

extern struct runner	 R;

/* runner.c */
time_t	 runner_now(void);
int	 runner_run(void);
time_t	 retry_interval(int tries);
void	 msg_task_done(struct msg *);
void	 msg_sync(struct msg *);
void	 runner_commit(void);
int	 rcpt_is_local(const char *addr);
const char *rcpt_domain(const char *addr);

/* deliver.c */
int	 job_start_local(struct task *);
int	 job_start_remote(struct dest *);
int	 job_read(struct job *);
int	 job_write(struct job *);
void	 job_finish(struct job *);
void	 record(struct msg *, size_t idx, int result, const char *status,
	    const char *diag);

/* notify.c */
int	 notify_finish(struct msg *);

/* backoff.c */
void	 backoff_load(void);
void	 backoff_save(void);
struct dest *dest_get(const char *name);
void	 dest_result(struct dest *, int reachable);

/* admin.c */
int	 admin_list(void);
int	 admin_move(char **ids, int n, const char *from, const char *to);
int	 admin_delete(char **ids, int n);

#endif
