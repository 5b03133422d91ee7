/*
 * submit: the client side of posta-enqueue(8); see submit.h.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
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

int
submit_open(struct submit *sp, int pass_conf)
{
	char		 prog[PATH_MAX];
	int		 p[2], s[2];
	const char	*conf;

	memset(sp, 0, sizeof(*sp));
	sp->msgfd = sp->envfd = -1;
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
	switch (sp->pid = fork()) {
	case -1:
		log_warn("fork");
		close(p[0]);
		close(p[1]);
		close(s[0]);
		close(s[1]);
		return -1;
	case 0:
		if (dup2(p[0], 0) == -1 || dup2(s[1], 1) == -1)
			_exit(EX_OSERR);
		if (pass_conf && *conf != '\0')
			execl(prog, "posta-enqueue", "-C", conf, (char *)NULL);
		else
			execl(prog, "posta-enqueue", (char *)NULL);
		log_warn("%s", prog);
		_exit(EX_TEMPFAIL);
	}
	close(p[0]);
	close(s[1]);
	sp->msgfd = p[1];
	sp->envfd = s[0];
	return 0;
}

int
submit_write(struct submit *sp, const void *p, size_t n)
{
	if (sp->failed || sp->msgfd == -1)
		return -1;
	if (write_full(sp->msgfd, p, n) == -1) {
		/* posta-enqueue stopped reading; its status will say why */
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
