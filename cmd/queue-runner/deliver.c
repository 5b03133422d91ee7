/*
 * The children: posta-local for one local recipient, posta-remote for
 * a batch of one destination's recipients (the contracts are in
 * posta-local(8) and posta-remote(8)), and the recording of each
 * outcome in the queue file as it comes back (DESIGN.md, queue rule 3).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "runner.h"

/* What a child may say on stdout, at most; more is dropped. */
#define OUT_MAX		(64 * 1024)

void
record(struct msg *m, size_t idx, int result, const char *status,
    const char *diag)
{
	struct qrcpt	*r = &m->env.rcpt[idx];
	struct rinfo	*ri = &m->ri[idx];
	time_t		 now = runner_now(), next = 0, expire;
	char		 state;
	int		 tries = r->tries + 1;

	expire = m->env.arrival + conf_num(C_queue_lifetime);
	switch (result) {
	case 'D':
		state = QR_DELIVERED;
		break;
	case 'F':
		state = QR_FAILED;
		break;
	default:
		result = 'T';
		/* RFC 5321 4.5.4.1: give up after the queue lifetime */
		if (now >= expire) {
			state = QR_FAILED;
			log_info("%s: to=<%s> expired after %lld s in the queue",
			    m->env.id, r->addr, (long long)(now -
			    m->env.arrival));
			break;
		}
		state = r->state == QR_WARNED ? QR_WARNED : QR_PENDING;
		next = now + retry_interval(tries);
		/* the last try falls on the expiry, not a whole interval after */
		if (next > expire)
			next = expire;
		break;
	}
	if (queue_rcpt_update(m->fd, r, state, next, tries) == -1 ||
	    fdatasync(m->fd) == -1)
		log_warn("%s: recording the outcome for <%s>", m->env.id,
		    r->addr);
	ri->inflight = 0;
	ri->result = result;
	ri->when = now;
	strlcpy(ri->status, status, sizeof(ri->status));
	free(ri->diag);
	ri->diag = diag ? strdup(diag) : NULL;
	log_info("%s: to=<%s> %s, status=%s (%s)", m->env.id, r->addr,
	    state == QR_DELIVERED ? "delivered" : state == QR_FAILED ?
	    "failed" : "deferred", status, diag ? diag : "");
}

static int
status_ok(const char *s)
{
	/* RFC 3463 2: class "." subject "." detail */
	if (*s != '2' && *s != '4' && *s != '5')
		return 0;
	s++;
	if (*s++ != '.' || !isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s++ != '.' || !isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	return *s == '\0' || *s == ' ';
}

static void
set_nonblock(int fd)
{
	int	 fl = fcntl(fd, F_GETFL);

	if (fl != -1)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Fork and exec program_dir/name with argv; stdin and stdout given. */
static pid_t
spawn(const char *name, char *const argv[], int in, int out)
{
	char	 prog[PATH_MAX];
	pid_t	 pid;

	if ((size_t)snprintf(prog, sizeof(prog), "%s/%s",
	    conf_str(C_program_dir), name) >= sizeof(prog)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	switch (pid = fork()) {
	case -1:
		return -1;
	case 0:
		if (dup2(in, 0) == -1 || dup2(out, 1) == -1)
			_exit(EX_OSERR);
		execv(prog, argv);
		fprintf(stderr, "posta-queue-runner: %s: %s\n", prog,
		    strerror(errno));
		_exit(EX_TEMPFAIL);
	}
	return pid;
}

static struct job *
job_new(int remote)
{
	struct job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->remote = remote;
	j->outfd = j->infd = -1;
	return j;
}

int
job_start_local(struct task *t)
{
	struct msg	*m = t->m;
	struct qrcpt	*r = &m->env.rcpt[t->idx];
	struct buf	 p = BUF_INIT;
	struct job	*j = NULL;
	char		 len[32], *argv[16];
	int		 qfd = -1, out[2] = { -1, -1 }, i = 0;

	snprintf(len, sizeof(len), "%lld", (long long)m->env.msglen);
	argv[i++] = "posta-local";
	if (*conf_file() != '\0') {
		argv[i++] = "-C";
		argv[i++] = (char *)conf_file();
	}
	argv[i++] = "-f";
	argv[i++] = m->env.sender;
	argv[i++] = "-i";
	argv[i++] = m->env.id;
	argv[i++] = "-L";
	argv[i++] = len;
	argv[i++] = r->addr;
	argv[i] = NULL;
	/* its own open file: its own offset, at the message */
	if (queue_path(&p, R.qdir, "queue", m->env.id) == -1 ||
	    (qfd = open(p.s, O_RDONLY | O_CLOEXEC)) == -1 ||
	    lseek(qfd, m->env.msgoff, SEEK_SET) == -1 ||
	    pipe2(out, O_CLOEXEC) == -1 || (j = job_new(0)) == NULL ||
	    (j->pid = spawn("posta-local", argv, qfd, out[1])) == -1) {
		log_warn("%s: starting posta-local", m->env.id);
		record(m, t->idx, 'T', "4.3.0", "cannot start posta-local");
		if (qfd != -1)
			close(qfd);
		if (out[0] != -1) {
			close(out[0]);
			close(out[1]);
		}
		free(j);
		buf_free(&p);
		msg_task_done(m);
		return -1;
	}
	buf_free(&p);
	close(qfd);
	close(out[1]);
	j->outfd = out[0];
	set_nonblock(j->outfd);
	if ((j->t = malloc(sizeof(*j->t))) == NULL)
		fatalx("out of memory");
	j->t[0] = *t;
	j->nt = 1;
	m->ri[t->idx].inflight = 1;
	TAILQ_INSERT_TAIL(&R.jobs, j, entry);
	R.nlocal++;
	log_debug("%s: posta-local %s started (pid %d)", m->env.id, r->addr,
	    (int)j->pid);
	return 0;
}

int
job_start_remote(struct dest *d)
{
	struct job	*j;
	char		*argv[8];
	size_t		 n = 0, nmsg = 0, k;
	int		 in[2] = { -1, -1 }, out[2] = { -1, -1 }, i = 0;

	if ((j = job_new(1)) == NULL)
		fatalx("out of memory");
	/* a batch: the tasks of up to queue_remote_batch messages */
	while (n < d->nt) {
		if (n == 0 || d->t[n].m != d->t[n - 1].m) {
			if (nmsg == (size_t)conf_num(C_queue_remote_batch))
				break;
			nmsg++;
			if (n > 0)
				buf_addc(&j->in, '\n');
			buf_printf(&j->in, "%s %zu", d->t[n].m->env.id,
			    d->t[n].idx);
		} else
			buf_printf(&j->in, ",%zu", d->t[n].idx);
		n++;
	}
	buf_addc(&j->in, '\n');
	if ((j->t = reallocarray(NULL, n, sizeof(*j->t))) == NULL ||
	    (j->reported = calloc(n, sizeof(*j->reported))) == NULL)
		fatalx("out of memory");
	memcpy(j->t, d->t, n * sizeof(*j->t));
	j->nt = n;
	memmove(d->t, d->t + n, (d->nt - n) * sizeof(*d->t));
	d->nt -= n;
	j->dest = d;

	argv[i++] = "posta-remote";
	if (*conf_file() != '\0') {
		argv[i++] = "-C";
		argv[i++] = (char *)conf_file();
	}
	argv[i++] = d->name;
	argv[i] = NULL;
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    (j->pid = spawn("posta-remote", argv, in[0], out[1])) == -1) {
		log_warn("%s: starting posta-remote", d->name);
		for (k = 0; k < 2; k++) {
			if (in[k] != -1)
				close(in[k]);
			if (out[k] != -1)
				close(out[k]);
		}
		for (k = 0; k < n; k++)
			record(j->t[k].m, j->t[k].idx, 'T', "4.3.0",
			    "cannot start posta-remote");
		for (k = 0; k < n; k++)
			msg_task_done(j->t[k].m);
		buf_free(&j->in);
		free(j->t);
		free(j->reported);
		free(j);
		return -1;
	}
	close(in[0]);
	close(out[1]);
	j->infd = in[1];
	j->outfd = out[0];
	set_nonblock(j->infd);
	set_nonblock(j->outfd);
	for (k = 0; k < n; k++)
		j->t[k].m->ri[j->t[k].idx].inflight = 1;
	d->running++;
	R.nremote++;
	TAILQ_INSERT_TAIL(&R.jobs, j, entry);
	log_debug("%s: posta-remote started for %zu recipients (pid %d)",
	    d->name, n, (int)j->pid);
	return 0;
}

int
job_write(struct job *j)
{
	ssize_t	 w;

	while (j->inoff < j->in.len) {
		w = write(j->infd, j->in.s + j->inoff, j->in.len - j->inoff);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN)
			return 0;
		if (w == -1)
			break;		/* it is gone: its exit says the rest */
		j->inoff += (size_t)w;
	}
	close(j->infd);		/* EOF ends its list */
	j->infd = -1;
	return 0;
}

/* posta-remote ends a server's reply with "(host NAME[IP])". */
static void
remote_mta(struct rinfo *ri, const char *text)
{
	const char	*p, *e;
	size_t		 n;

	free(ri->mta);
	ri->mta = NULL;
	if (text == NULL || (p = strstr(text, " (host ")) == NULL)
		return;
	p += 7;
	n = strcspn(p, "[) ");
	e = p + n;
	if (n == 0 || n > 255 || (*e != '[' && *e != ')'))
		return;
	ri->mta = strndup(p, n);
}

/* "QUEUEID IDX D|T|F STATUS TEXT", as posta-remote(8) reports. */
static void
remote_line(struct job *j, char *line)
{
	char		*id, *idx, *res, *status, *text, *end, *save = NULL;
	unsigned long	 n;
	size_t		 k;

	id = strtok_r(line, " ", &save);
	idx = strtok_r(NULL, " ", &save);
	res = strtok_r(NULL, " ", &save);
	status = strtok_r(NULL, " ", &save);
	text = save;
	if (id == NULL || idx == NULL || res == NULL || status == NULL ||
	    strlen(res) != 1 || strchr("DTF", *res) == NULL ||
	    !status_ok(status)) {
		log_warnx("%s: posta-remote said something odd: %s",
		    j->dest->name, line);
		return;
	}
	errno = 0;
	n = strtoul(idx, &end, 10);
	if (errno || *end != '\0')
		return;
	for (k = 0; k < j->nt; k++) {
		struct msg *m = j->t[k].m;

		if (j->t[k].idx != n || j->reported[k] ||
		    strcmp(m->env.id, id) != 0)
			continue;
		j->reported[k] = *res;
		record(m, n, *res, status, text && *text ? text : NULL);
		remote_mta(&m->ri[n], text);
		return;
	}
	log_warnx("%s: posta-remote reported %s %s, which it was not given",
	    j->dest->name, id, idx);
}

int
job_read(struct job *j)
{
	char	 tmp[4096], *nl;
	ssize_t	 r;

	for (;;) {
		r = read(j->outfd, tmp, sizeof(tmp));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == EAGAIN)
			return 1;
		if (r <= 0) {
			close(j->outfd);
			j->outfd = -1;
			if (j->remote && j->out.len > 0) {
				/* a last line without its LF */
				buf_addc(&j->out, '\0');
				remote_line(j, j->out.s);
				buf_reset(&j->out);
			}
			return 0;
		}
		if (j->out.len + (size_t)r <= OUT_MAX)
			buf_add(&j->out, tmp, (size_t)r);
		if (!j->remote)
			continue;
		/* results are recorded as they come, line by line */
		while ((nl = memchr(j->out.s, '\n', j->out.len)) != NULL) {
			*nl = '\0';
			if (nl > j->out.s && nl[-1] == '\r')
				nl[-1] = '\0';
			remote_line(j, j->out.s);
			buf_drop(&j->out, (size_t)(nl - j->out.s) + 1);
		}
	}
}

static void
exit_text(int status, char *out, size_t len)
{
	if (WIFEXITED(status))
		snprintf(out, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, len, "status %d", status);
}

/*
 * D, T or F for posta-local's exit code (-1: killed by a signal).  Only
 * the sysexits(3) codes that name a lasting fault fail the recipient;
 * EX_TEMPFAIL, EX_OSERR, EX_IOERR and EX_CONFIG are faults of this
 * host that may mend, and a status outside sysexits (a shell's 2, a
 * crash's 1, 126 or 127 of an exec) is no answer at all: the mail is
 * kept and tried again, never bounced for a fault of ours.
 */
static int
local_result(int code)
{
	switch (code) {
	case 0:
		return 'D';
	case EX_USAGE:
	case EX_DATAERR:
	case EX_NOINPUT:
	case EX_NOUSER:
	case EX_NOHOST:
	case EX_UNAVAILABLE:
	case EX_SOFTWARE:
	case EX_OSFILE:
	case EX_CANTCREAT:
	case EX_PROTOCOL:
	case EX_NOPERM:
		return 'F';
	default:
		return 'T';
	}
}

/* posta-local's exit and its one line: the outcome. */
static void
local_finish(struct job *j)
{
	struct task	*t = &j->t[0];
	char		 status[16], why[64], *line, *sp, *diag = NULL;
	int		 result, code = -1;

	if (WIFEXITED(j->status))
		code = WEXITSTATUS(j->status);
	result = local_result(code);
	buf_addc(&j->out, '\0');
	line = j->out.s;
	line[strcspn(line, "\r\n")] = '\0';
	if (status_ok(line)) {
		sp = line + strcspn(line, " ");
		snprintf(status, sizeof(status), "%.*s", (int)(sp - line),
		    line);
		/* the code goes in Status, the text in Diagnostic-Code */
		diag = *sp == ' ' ? sp + 1 : NULL;
	} else {
		exit_text(j->status, why, sizeof(why));
		snprintf(status, sizeof(status), "%s",
		    result == 'D' ? "2.0.0" : result == 'T' ? "4.3.0" : "5.3.0");
		if (*line == '\0')
			line = why;
		diag = line;
	}
	/* the class follows the exit status, which is the contract */
	status[0] = result == 'D' ? '2' : result == 'T' ? '4' : '5';
	if (result != 'D' && *line != '\0') {
		exit_text(j->status, why, sizeof(why));
		log_debug("%s: posta-local %s", j->t[0].m->env.id, why);
	}
	record(t->m, t->idx, result, status, diag);
	R.nlocal--;
	msg_task_done(t->m);
}

static void
remote_finish(struct job *j)
{
	char	 why[64], diag[128];
	size_t	 k;
	int	 reachable = 0;

	exit_text(j->status, why, sizeof(why));
	snprintf(diag, sizeof(diag), "posta-remote gave no result (%s)", why);
	for (k = 0; k < j->nt; k++) {
		if (j->reported[k] == 'D' || j->reported[k] == 'F')
			reachable = 1;
		if (!j->reported[k])
			record(j->t[k].m, j->t[k].idx, 'T', "4.4.0", diag);
	}
	j->dest->running--;
	R.nremote--;
	dest_result(j->dest, reachable);
	for (k = 0; k < j->nt; k++)
		msg_task_done(j->t[k].m);
}

void
job_finish(struct job *j)
{
	TAILQ_REMOVE(&R.jobs, j, entry);
	if (j->infd != -1)
		close(j->infd);
	if (j->remote)
		remote_finish(j);
	else
		local_finish(j);
	buf_free(&j->in);
	buf_free(&j->out);
	free(j->t);
	free(j->reported);
	free(j);
}
