/*
 * submit: the client side of posta-enqueue(8); see submit.h.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <spawn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "io.h"
#include "log.h"
#include "submit.h"

extern char **environ;

/*
 * posta-enqueue is started with posix_spawn(3), which glibc does with
 * vfork semantics: no copy of our page tables for a child that execs at
 * once.  Its fd 0 and 1 are dup2'ed by the file actions; everything
 * else we hold is close-on-exec.
 */
int
submit_open(struct submit *sp, int pass_conf)
{
	posix_spawn_file_actions_t fa;
	char		 prog[PATH_MAX];
	char		*argv[4];
	int		 p[2], s[2], r;
	const char	*conf;

	memset(sp, 0, sizeof(*sp));
	sp->msgfd = sp->envfd = -1;
	buf_init(&sp->out, 0);
	if ((size_t)snprintf(prog, sizeof(prog), "%s/posta-enqueue",
	    conf_str(C_program_dir)) >= sizeof(prog)) {
		log_warnx("program_dir too long");
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("pipe");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) == -1) {
		log_warn("socketpair");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	conf = conf_file();
	argv[0] = "posta-enqueue";
	argv[1] = argv[2] = argv[3] = NULL;
	if (pass_conf && *conf != '\0') {
		argv[1] = "-C";
		argv[2] = (char *)conf;
	}
	if ((r = posix_spawn_file_actions_init(&fa)) == 0) {
		if ((r = posix_spawn_file_actions_adddup2(&fa, p[0], 0)) == 0 &&
		    (r = posix_spawn_file_actions_adddup2(&fa, s[1], 1)) == 0)
			r = posix_spawn(&sp->pid, prog, &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(p[0]);
	close(s[1]);
	if (r != 0) {
		errno = r;
		log_warn("%s", prog);
		close(p[1]);
		close(s[0]);
		sp->pid = 0;
		return -1;
	}
	sp->msgfd = p[1];
	sp->envfd = s[0];
	return 0;
}

/* What is buffered, to the pipe; -1 once posta-enqueue is gone. */
static int
submit_flush(struct submit *sp)
{
	if (sp->out.len == 0)
		return 0;
	if (write_full(sp->msgfd, sp->out.s, sp->out.len) == -1) {
		/* posta-enqueue stopped reading; its status will say why */
		sp->failed = 1;
		return -1;
	}
	buf_reset(&sp->out);
	return 0;
}

/*
 * The message is gathered up to SUBMIT_BUFSIZE (a pipe's capacity)
 * before it goes to the pipe: posta-smtpd hands it over a line at a
 * time, and a write per line was a write(2) here and a read(2) and a
 * write(2) in posta-enqueue for each.
 */
int
submit_write(struct submit *sp, const void *p, size_t n)
{
	if (sp->failed || sp->msgfd == -1)
		return -1;
	if (sp->out.len + n > SUBMIT_BUFSIZE && submit_flush(sp) == -1)
		return -1;
	if (n >= SUBMIT_BUFSIZE) {
		if (write_full(sp->msgfd, p, n) == -1) {
			sp->failed = 1;
			return -1;
		}
	} else if (buf_add(&sp->out, p, n) == -1) {
		log_warn("submit");
		sp->failed = 1;
		return -1;
	}
	sp->written += (long long)n;
	return 0;
}

static int
reap(struct submit *sp)
{
	int	 status;

	buf_free(&sp->out);
	if (sp->msgfd != -1)
		close(sp->msgfd);
	if (sp->envfd != -1)
		close(sp->envfd);
	sp->msgfd = sp->envfd = -1;
	if (sp->pid <= 0)
		return EX_TEMPFAIL;
	while (waitpid(sp->pid, &status, 0) == -1)
		if (errno != EINTR) {
			sp->pid = 0;
			return EX_TEMPFAIL;
		}
	sp->pid = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return EX_TEMPFAIL;
}

int
submit_commit(struct submit *sp, const struct buf *env, char *id, size_t idlen)
{
	char	 rbuf[128];
	size_t	 got = 0;
	ssize_t	 n;
	int	 status;

	id[0] = '\0';
	if (sp->msgfd == -1)
		return reap(sp);
	(void)submit_flush(sp);
	close(sp->msgfd);
	sp->msgfd = -1;
	if (write_full(sp->envfd, env->s, env->len) == -1 ||
	    write_full(sp->envfd, "\n", 1) == -1) {
		log_warn("writing the envelope to posta-enqueue");
		return reap(sp);
	}
	/* the queue ID line, or EOF when it failed */
	while (got < sizeof(rbuf) - 1) {
		n = read(sp->envfd, rbuf + got, sizeof(rbuf) - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(rbuf, '\n', got) != NULL)
			break;
	}
	rbuf[got] = '\0';
	rbuf[strcspn(rbuf, "\n")] = '\0';
	status = reap(sp);
	if (status == 0)
		strlcpy(id, rbuf, idlen);
	return status;
}

void
submit_abort(struct submit *sp)
{
	/* no envelope: posta-enqueue removes its file and exits 65 */
	(void)reap(sp);
}
