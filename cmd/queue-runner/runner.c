/*
 * The runner's scheduler: the memory of the queue's files, loading due
 * messages, handing their recipients to posta-local and posta-remote
 * within the concurrency limits, and the event loop over the children's
 * pipes, SIGCHLD and the trigger FIFO.
 *
 * What a turn costs does not grow with the queue: the entries that wait
 * are in a heap by due time, so a turn looks only at those due, and a
 * new message is known by the ID posta-enqueue writes to the trigger,
 * so queue/ is read whole only at the start, every queue_scan_interval
 * and when a trigger is not an ID (a release from hold/) or may have
 * been lost (the FIFO was full).
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "runner.h"
#include "table.h"

struct runner	 R;

static void	*qtree;			/* struct qent, by ID */
static struct qent **heap;		/* waiting entries, a min-heap by due */
static size_t	 nheap, heapcap;
static int	 sigfd[2] = { -1, -1 };	/* SIGCHLD and SIGTERM wake poll */
static volatile sig_atomic_t	 got_term;

/* POSTA_FAKE_NOW: "+N"/"-N" seconds from now, or a fixed time. */
time_t
runner_now(void)
{
	static int	 init, fixed;
	static long long v;
	const char	*e;
	char		*end;

	if (!init) {
		init = 1;
		if ((e = getenv("POSTA_FAKE_NOW")) != NULL && *e != '\0') {
			errno = 0;
			v = strtoll(e, &end, 10);
			if (errno || *end != '\0')
				fatalx("POSTA_FAKE_NOW: not a number: %s", e);
			fixed = *e != '+' && *e != '-';
		}
	}
	return fixed ? (time_t)v : time(NULL) + (time_t)v;
}

/* The wait after the nth failed try: queue_retry_min, doubling, at most queue_retry_max. */
time_t
retry_interval(int tries)
{
	long long	 t = conf_num(C_queue_retry_min);
	long long	 max = conf_num(C_queue_retry_max);
	int		 i;

	if (t < 1)
		t = 1;
	for (i = 1; i < tries && t < max; i++)
		t *= 2;
	return (time_t)(t > max ? max : t);
}

const char *
rcpt_domain(const char *addr)
{
	const char	*at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

int
rcpt_is_local(const char *addr)
{
	const char	*d = rcpt_domain(addr);

	return *d == '\0' || strcasecmp(d, R.hostname) == 0 ||
	    table_has(R.local_domains, d);
}

/* The queue's memory. */

static int
qent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct qent *)a)->id,
	    ((const struct qent *)b)->id);
}

/* Earlier due first; among equals, the older ID (arrival order). */
static int
heap_before(size_t a, size_t b)
{
	if (heap[a]->due != heap[b]->due)
		return heap[a]->due < heap[b]->due;
	return strcmp(heap[a]->id, heap[b]->id) < 0;
}

static void
heap_swap(size_t a, size_t b)
{
	struct qent	*t = heap[a];

	heap[a] = heap[b];
	heap[b] = t;
	heap[a]->hpos = a + 1;
	heap[b]->hpos = b + 1;
}

/* Restore the heap order around index i. */
static void
heap_fix(size_t i)
{
	size_t	 c;

	while (i > 0 && heap_before(i, (i - 1) / 2)) {
		heap_swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		c = 2 * i + 1;
		if (c >= nheap)
			break;
		if (c + 1 < nheap && heap_before(c + 1, c))
			c++;
		if (!heap_before(c, i))
			break;
		heap_swap(i, c);
		i = c;
	}
}

static void
due_drop(struct qent *q)
{
	size_t	 i;

	if (q->hpos == 0)
		return;
	i = q->hpos - 1;
	q->hpos = 0;
	if (i == --nheap)
		return;
	heap[i] = heap[nheap];
	heap[i]->hpos = i + 1;
	heap_fix(i);
}

/*
 * The entry next needs work at t: into the heap, or moved in it.  A
 * one-shot run does each message once, so what it has done stays out.
 */
static void
due_set(struct qent *q, time_t t)
{
	struct qent	**nh;

	q->due = t;
	if (q->hpos != 0) {
		heap_fix(q->hpos - 1);
		return;
	}
	if (!R.daemon && q->visited)
		return;
	if (nheap == heapcap) {
		if ((nh = reallocarray(heap, heapcap ? heapcap * 2 : 256,
		    sizeof(*nh))) == NULL)
			fatalx("out of memory");
		heap = nh;
		heapcap = heapcap ? heapcap * 2 : 256;
	}
	heap[nheap] = q;
	q->hpos = ++nheap;
	heap_fix(nheap - 1);
}

/* The entry of id; with create, a new one (due at once) if none. */
static struct qent *
qent_get(const char *id, int create)
{
	struct qent	 key, *q, **found;

	if (strlcpy(key.id, id, sizeof(key.id)) >= sizeof(key.id))
		return NULL;
	if ((found = tfind(&key, &qtree, qent_cmp)) != NULL)
		return *found;
	if (!create || (q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	strlcpy(q->id, id, sizeof(q->id));
	if (tsearch(q, &qtree, qent_cmp) == NULL) {
		free(q);
		return NULL;
	}
	due_set(q, 0);
	return q;
}

static void
qent_del(struct qent *q)
{
	due_drop(q);
	tdelete(q, &qtree, qent_cmp);
	free(q);
}

static int
id_ok(const char *s)
{
	size_t	 n = strspn(s, "0123456789ABCDEF");

	return n > 0 && n < QUEUE_IDLEN && s[n] == '\0';
}

/* Learn the files in queue/; forget the ones gone. */
static struct qent	**walk_list;
static size_t		  walk_n, walk_cap;
static int		  walk_oom;

static void
walk_collect(const void *node, VISIT v, int depth)
{
	struct qent	**nl;

	if (v != postorder && v != leaf)
		return;
	if (walk_n == walk_cap) {
		if ((nl = reallocarray(walk_list, walk_cap ? walk_cap * 2 : 256,
		    sizeof(*nl))) == NULL) {
			walk_oom = 1;
			return;
		}
		walk_list = nl;
		walk_cap = walk_cap ? walk_cap * 2 : 256;
	}
	walk_list[walk_n++] = *(struct qent *const *)node;
}

/* Every entry, in ID (arrival) order, in walk_list[0..walk_n). */
static void
qent_all(void)
{
	walk_n = 0;
	walk_oom = 0;
	twalk(qtree, walk_collect);
	if (walk_oom)
		log_warnx("out of memory listing the queue");
}

static int
scan_queue(void)
{
	struct buf	 p = BUF_INIT;
	struct dirent	*de;
	struct qent	*q;
	DIR		*d;
	size_t		 i;
	int		 added = 0;

	if (queue_path(&p, R.qdir, "queue", NULL) == -1 ||
	    (d = opendir(p.s)) == NULL) {
		log_warn("%s", p.s ? p.s : "queue");
		buf_free(&p);
		return 0;
	}
	qent_all();
	for (i = 0; i < walk_n; i++)
		walk_list[i]->seen = 0;
	while ((de = readdir(d)) != NULL) {
		if (!id_ok(de->d_name))
			continue;
		if ((q = qent_get(de->d_name, 0)) == NULL) {
			if ((q = qent_get(de->d_name, 1)) == NULL) {
				log_warnx("out of memory");
				break;
			}
			added++;
		}
		q->seen = 1;
	}
	closedir(d);
	buf_free(&p);
	for (i = 0; i < walk_n; i++)
		if (!walk_list[i]->seen && !walk_list[i]->active)
			qent_del(walk_list[i]);
	return added;
}

/* Files in tmp/ older than queue_tmp_lifetime are debris of a crash. */
static void
remove_debris(time_t now)
{
	struct buf	 p = BUF_INIT, f = BUF_INIT;
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;

	if (queue_path(&p, R.qdir, "tmp", NULL) == -1 ||
	    (d = opendir(p.s)) == NULL) {
		buf_free(&p);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&f);
		if (buf_printf(&f, "%s/%s", p.s, de->d_name) == -1 ||
		    lstat(f.s, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (st.st_mtime + conf_num(C_queue_tmp_lifetime) < now) {
			if (unlink(f.s) == 0)
				log_info("removed debris %s", f.s);
			else
				log_warn("%s", f.s);
		}
	}
	closedir(d);
	buf_free(&p);
	buf_free(&f);
}

static int
flush_wanted(const char *addr)
{
	int	 i;

	if (R.nflush_domains == 0)
		return 1;
	for (i = 0; i < R.nflush_domains; i++)
		if (strcasecmp(rcpt_domain(addr), R.flush_domains[i]) == 0)
			return 1;
	return 0;
}

static int
task_push(struct task **a, size_t *n, size_t *cap, struct msg *m, size_t idx)
{
	struct task	*na;

	if (*n == *cap) {
		if ((na = reallocarray(*a, *cap ? *cap * 2 : 64,
		    sizeof(*na))) == NULL)
			return -1;
		*a = na;
		*cap = *cap ? *cap * 2 : 64;
	}
	(*a)[*n].m = m;
	(*a)[(*n)++].idx = idx;
	return 0;
}

/* When the message next needs work: its earliest pending recipient. */
static time_t
msg_due(const struct qenv *e)
{
	time_t		 due = 0, t, expire;
	struct dest	*d;
	size_t		 i;
	int		 any = 0;

	expire = e->arrival + conf_num(C_queue_lifetime);

	for (i = 0; i < e->nrcpt; i++) {
		const struct qrcpt *r = &e->rcpt[i];

		if (r->state == QR_FAILED)
			return runner_now() + retry_interval(1);
		if (r->state != QR_PENDING && r->state != QR_WARNED)
			continue;
		t = r->next;
		if (!rcpt_is_local(r->addr) &&
		    (d = dest_get(rcpt_domain(r->addr))) != NULL && d->next > t)
			t = d->next;
		/* the last try is at the expiry, back-off or not */
		if (t > expire)
			t = r->next > expire ? r->next : expire;
		if (!any || t < due)
			due = t;
		any = 1;
	}
	return due;
}

static void
msg_free(struct msg *m)
{
	size_t	 i;

	for (i = 0; i < m->env.nrcpt; i++) {
		free(m->ri[i].diag);
		free(m->ri[i].mta);
	}
	free(m->ri);
	queue_env_free(&m->env);
	if (m->fd != -1)
		close(m->fd);	/* and the lock goes */
	free(m);
}

/*
 * Group commit (DESIGN.md, queue rule 3).  record() writes each outcome
 * into the queue file at once, and the syncs wait for the end of the
 * event loop's turn, before the runner sleeps in poll() again:
 * runner_commit() fdatasyncs each open message with new records, once
 * for all the results of the turn, and fsyncs queue/ once for all the
 * files removed in the turn.  A message whose every recipient is final
 * and that needs no notice is unlinked without syncing its records
 * first: the unlink made durable by the folder's fsync says the same
 * as the records would.  A crash (a power cut; a killed runner loses
 * nothing, the kernel has the writes) before the commit sends again the
 * recipients whose outcome the runner read in that turn, which count
 * as in flight: nothing outside the runner learnt of them.  A message
 * that gets a notice is synced before the notice is queued, and its B
 * states before it is removed, so no notice is ever sent twice.
 */
void
msg_sync(struct msg *m)
{
	if (!m->dirty)
		return;
	if (fdatasync(m->fd) == -1)
		log_warn("%s: recording the outcomes", m->env.id);
	m->dirty = 0;
}

void
runner_commit(void)
{
	struct msg	*m;

	TAILQ_FOREACH(m, &R.msgs, entry)
		msg_sync(m);
	if (R.unlinks_unsynced) {
		if (fsync(R.qdirfd) == -1)
			log_warn("fsync %s/queue", R.qdir);
		R.unlinks_unsynced = 0;
	}
}

/* Nothing of the message is queued or running: notices, then done. */
static void
msg_finish(struct msg *m)
{
	struct qent	*q = m->qe;
	struct buf	 p = BUF_INIT;
	int		 left;
	time_t		 due, now;

	left = notify_finish(m);
	if (left == 0) {
		if (queue_path(&p, R.qdir, "queue", m->env.id) == -1 ||
		    unlink(p.s) == -1) {
			log_warn("%s", p.s ? p.s : m->env.id);
			msg_sync(m);
		} else {
			log_info("%s: removed", m->env.id);
			if (m->dirty)
				R.unlinks_unsynced = 1;
		}
		buf_free(&p);
		TAILQ_REMOVE(&R.msgs, m, entry);
		R.nmsgs--;
		msg_free(m);
		qent_del(q);
		return;
	}
	now = runner_now();
	due = msg_due(&m->env);
	if (left == -1 && due > now + retry_interval(1))
		due = now + retry_interval(1);
	/* due again at once (a recipient -F left out): the next second,
	 * not again in this turn's load_due */
	if (due <= now)
		due = now + 1;
	q->active = 0;
	due_set(q, due);
	msg_sync(m);	/* before its fd (and so its lock) goes */
	TAILQ_REMOVE(&R.msgs, m, entry);
	R.nmsgs--;
	msg_free(m);
}

void
msg_task_done(struct msg *m)
{
	if (--m->outstanding <= 0)
		msg_finish(m);
}

/* Open, lock and read a message, and queue its due recipients. */
static void
msg_load(struct qent *q, time_t now)
{
	struct buf	 p = BUF_INIT;
	struct msg	*m;
	struct dest	*d;
	char		 err[256];
	size_t		 i;
	int		 fd;

	q->visited = 1;
	if (queue_path(&p, R.qdir, "queue", q->id) == -1)
		return;
	fd = open(p.s, O_RDWR | O_CLOEXEC);
	if (fd == -1) {
		if (errno != ENOENT)
			log_warn("%s", p.s);
		buf_free(&p);
		if (errno == ENOENT)
			qent_del(q);
		else
			due_set(q, now + retry_interval(1));
		return;
	}
	buf_free(&p);
	/* two runners never work on one message */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_debug("%s: busy (another runner has it)", q->id);
		close(fd);
		due_set(q, now + 30);
		return;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		close(fd);
		due_set(q, now + 60);
		return;
	}
	m->fd = fd;
	m->qe = q;
	if (queue_env_read(fd, &m->env, err, sizeof(err)) == -1) {
		log_warnx("%s: %s; left alone", q->id, err);
		due_set(q, now + conf_num(C_queue_retry_max));
		free(m);
		close(fd);
		return;
	}
	if ((m->ri = calloc(m->env.nrcpt, sizeof(*m->ri))) == NULL) {
		queue_env_free(&m->env);
		free(m);
		close(fd);
		due_set(q, now + 60);
		return;
	}
	q->active = 1;
	TAILQ_INSERT_TAIL(&R.msgs, m, entry);
	R.nmsgs++;
	m->outstanding = 1;	/* held until every task is queued */
	for (i = 0; i < m->env.nrcpt; i++) {
		struct qrcpt *r = &m->env.rcpt[i];

		if (r->state != QR_PENDING && r->state != QR_WARNED)
			continue;
		if (!R.flush && r->next > now)
			continue;
		if (R.flush && !flush_wanted(r->addr))
			continue;
		if (rcpt_is_local(r->addr)) {
			if (task_push(&R.ltasks, &R.nlt, &R.lcap, m, i) == -1)
				continue;
		} else {
			if ((d = dest_get(rcpt_domain(r->addr))) == NULL)
				continue;
			if (!R.flush && d->next > now && now < m->env.arrival +
			    conf_num(C_queue_lifetime))
				continue;
			if (task_push(&d->t, &d->nt, &d->cap, m, i) == -1)
				continue;
		}
		m->outstanding++;
	}
	msg_task_done(m);
}

/*
 * Load what is due, as far as queue_active_max allows; returns how many
 * due messages wait for room (0 or 1: only whether any does counts),
 * and the earliest future due time in *next.
 */
static size_t
load_due(time_t now, time_t *next)
{
	struct qent	*q;

	*next = 0;
	while (nheap > 0) {
		q = heap[0];
		if (q->due > now) {
			*next = q->due;
			return 0;
		}
		if (R.nmsgs >= conf_num(C_queue_active_max))
			return 1;
		due_drop(q);
		msg_load(q, now);
	}
	return 0;
}

static int
running(void)
{
	return R.nlocal + R.nremote;
}

/* Start what the limits allow. */
static void
schedule(time_t now)
{
	struct dest	*d;
	int		 progress = 1;

	while (progress && running() < conf_num(C_queue_max_procs)) {
		progress = 0;
		if (R.lhead < R.nlt && R.nlocal < conf_num(C_queue_local_procs)) {
			job_start_local(&R.ltasks[R.lhead++]);
			progress = 1;
		}
		if (R.lhead == R.nlt)
			R.lhead = R.nlt = 0;
		if (running() >= conf_num(C_queue_max_procs))
			break;
		TAILQ_FOREACH(d, &R.dests, entry) {
			if (R.nremote >= conf_num(C_queue_remote_procs))
				break;
			/* a backed-off destination has tasks only when due all the same */
			if (d->nt == 0 ||
			    d->running >= conf_num(C_queue_domain_procs))
				continue;
			job_start_remote(d);
			progress = 1;
			/* the next domain first: round robin */
			TAILQ_REMOVE(&R.dests, d, entry);
			TAILQ_INSERT_TAIL(&R.dests, d, entry);
			break;
		}
	}
}

static void
on_signal(int sig)
{
	int	 saved = errno;
	char	 c = (char)sig;

	if (sig == SIGTERM || sig == SIGINT) {
		if (got_term)
			_exit(0);	/* the second time: at once */
		got_term = 1;
	}
	(void)write(sigfd[1], &c, 1);
	errno = saved;
}

static void
reap(void)
{
	struct job	*j;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		TAILQ_FOREACH(j, &R.jobs, entry)
			if (j->pid == pid) {
				j->exited = 1;
				j->status = status;
				break;
			}
	}
}

/*
 * What the trigger FIFO says: posta-enqueue writes "ID\n" after each
 * commit (one write, so lines never mix), and that message is known at
 * once, without reading queue/.  Anything else (the NUL that a release
 * from hold/ writes) asks for a scan, and so does a FIFO that was full:
 * a write to it fails rather than blocks, and its ID would be lost.
 * Returns 1 when queue/ must be read.
 */
static int
trigger_read(int fd)
{
	static char	 line[QUEUE_IDLEN + 1];	/* an ID so far (writes of
						   a line are whole, but a
						   read may end inside one) */
	static size_t	 len;
	char		 b[4096], c;
	ssize_t		 n, i;
	size_t		 total = 0;
	int		 cap, scan = 0;

	while ((n = read(fd, b, sizeof(b))) > 0) {
		total += (size_t)n;
		for (i = 0; i < n; i++) {
			c = b[i];
			if (c == '\n') {
				line[len] = '\0';
				/* (out of memory: the scan finds it later) */
				if (!id_ok(line) || qent_get(line, 1) == NULL)
					scan = 1;
				len = 0;
			} else if (len < sizeof(line) - 1 && ((c >= '0' &&
			    c <= '9') || (c >= 'A' && c <= 'F')))
				line[len++] = c;
			else {
				/* not an ID (the NUL of a release): a scan */
				scan = 1;
				len = 0;
			}
		}
	}
	if ((cap = fcntl(fd, F_GETPIPE_SZ)) == -1 || total + PIPE_BUF >=
	    (size_t)cap)
		scan = 1;
	return scan;
}

static int
open_trigger(void)
{
	struct buf	 p = BUF_INIT;
	int		 fd;

	if (queue_path(&p, R.qdir, "trigger", NULL) == -1)
		fatalx("out of memory");
	if (mkfifo(p.s, 0620) == -1 && errno != EEXIST)
		log_warn("mkfifo %s", p.s);
	/* O_RDWR: a writer that comes and goes never gives us EOF */
	if ((fd = open(p.s, O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1)
		fatal("%s", p.s);
	buf_free(&p);
	return fd;
}

/* queue/ itself, for the fsync that makes the turn's unlinks durable */
static int
open_queue_dir(void)
{
	struct buf	 p = BUF_INIT;
	int		 fd;

	if (queue_path(&p, R.qdir, "queue", NULL) == -1)
		fatalx("out of memory");
	if ((fd = open(p.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("%s", p.s);
	buf_free(&p);
	return fd;
}

static void
setup_signals(void)
{
	struct sigaction	 sa;

	if (pipe2(sigfd, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
runner_run(void)
{
	struct pollfd	*pfd = NULL;
	struct job	**pjob = NULL, *j, *jn;
	size_t		 npfd, cap = 0, i, waiting;
	time_t		 now, next, last_scan = 0, last_debris = 0;
	int		 trig = -1, need_scan = 1, timeout, n;
	char		 junk[512];

	TAILQ_INIT(&R.msgs);
	TAILQ_INIT(&R.jobs);
	setup_signals();
	backoff_load();
	if (R.daemon)
		trig = open_trigger();
	R.qdirfd = open_queue_dir();
	for (;;) {
		now = runner_now();
		if (need_scan || (R.daemon && now - last_scan >=
		    conf_num(C_queue_scan_interval))) {
			scan_queue();
			need_scan = 0;
			last_scan = now;
		}
		if (now - last_debris >= 3600) {
			remove_debris(now);
			last_debris = now;
		}
		waiting = 0;
		next = 0;
		/* told to stop: start nothing, let what runs report */
		if (!got_term) {
			waiting = load_due(now, &next);
			schedule(now);
		}
		if (R.backoff_dirty)
			backoff_save();
		/* the turn's outcomes, once the freed slots are refilled */
		runner_commit();
		if (got_term && TAILQ_EMPTY(&R.jobs))
			break;
		/* one pass ends when idle and no notice it queued is left */
		if (!R.daemon && TAILQ_EMPTY(&R.jobs) && R.nmsgs == 0 &&
		    waiting == 0 && scan_queue() == 0)
			break;

		/* the poll set: signals, trigger, each child's pipes */
		npfd = 0;
		n = 2;
		TAILQ_FOREACH(j, &R.jobs, entry)
			n += 2;
		if ((size_t)n > cap) {
			struct pollfd	*np;
			struct job	**nj;

			if ((np = reallocarray(pfd, (size_t)n, sizeof(*np))) ==
			    NULL || (pfd = np, (nj = reallocarray(pjob,
			    (size_t)n, sizeof(*nj))) == NULL))
				fatalx("out of memory");
			pjob = nj;
			cap = (size_t)n;
		}
		pfd[npfd].fd = sigfd[0];
		pfd[npfd].events = POLLIN;
		pjob[npfd++] = NULL;
		if (trig != -1) {
			pfd[npfd].fd = trig;
			pfd[npfd].events = POLLIN;
			pjob[npfd++] = NULL;
		}
		TAILQ_FOREACH(j, &R.jobs, entry) {
			if (j->outfd != -1) {
				pfd[npfd].fd = j->outfd;
				pfd[npfd].events = POLLIN;
				pjob[npfd++] = j;
			}
			if (j->infd != -1) {
				pfd[npfd].fd = j->infd;
				pfd[npfd].events = POLLOUT;
				pjob[npfd++] = j;
			}
		}
		timeout = 1000;
		if (R.daemon) {
			long long t = conf_num(C_queue_scan_interval) -
			    (now - last_scan);

			if (next != 0 && next - now < t)
				t = next - now;
			if (t < 0)
				t = 0;
			timeout = t > 3600 ? 3600 * 1000 : (int)t * 1000;
			/* the second boundary: a due time is whole seconds */
			if (next != 0 && next - now <= 1)
				timeout = 1000;
		}
		if (poll(pfd, npfd, timeout) == -1 && errno != EINTR)
			fatal("poll");
		for (i = 0; i < npfd; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pjob[i] == NULL) {
				if (pfd[i].fd == trig) {
					if (trigger_read(trig))
						need_scan = 1;
				} else
					while (read(pfd[i].fd, junk,
					    sizeof(junk)) > 0)
						;
				continue;
			}
			if (pfd[i].fd == pjob[i]->outfd)
				job_read(pjob[i]);
			else if (pfd[i].fd == pjob[i]->infd)
				job_write(pjob[i]);
		}
		reap();
		TAILQ_FOREACH_SAFE(j, &R.jobs, entry, jn)
			if (j->exited && j->outfd == -1)
				job_finish(j);
	}
	if (R.backoff_dirty)
		backoff_save();
	runner_commit();
	close(R.qdirfd);
	free(pfd);
	free(pjob);
	return 0;
}
