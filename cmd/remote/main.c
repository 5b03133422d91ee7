/*
 * posta-remote: delivers the queued messages the runner names on stdin
 * to one destination over SMTP; see posta-remote(8).
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "priv.h"
#include "queue.h"
#include "remote.h"
#include "smtpc.h"
#include "tlsx.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: posta-remote [-v] [-C file] destination\n");
	exit(EX_USAGE);
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* 8-bit octets, SMTPUTF8, and the size on the wire (CRLF line ends). */
static int
job_scan(struct job *j, char *err, size_t errlen)
{
	static char		 b[65536];
	unsigned long long	 lines, nl = 0;
	off_t			 off = 0;
	ssize_t			 n;
	size_t			 i, col = 0;
	int			 last = '\n';

	j->eightbit = j->env.eightbit;
	while (off < j->env.msglen) {
		n = pread(j->fd, b, j->env.msglen - off < (off_t)sizeof(b) ?
		    (size_t)(j->env.msglen - off) : sizeof(b),
		    j->env.msgoff + off);
		if (n <= 0) {
			snprintf(err, errlen, "reading the message: %s",
			    n == 0 ? "short file" : strerror(errno));
			return -1;
		}
		if (smtpc_is_8bit(b, (size_t)n, &lines))
			j->eightbit = 1;
		nl += lines;
		for (i = 0; i < (size_t)n; i++) {
			if (b[i] == '\n')
				col = 0;
			else if (++col > SMTPC_LINEMAX)
				j->longlines = 1;
		}
		last = (unsigned char)b[n - 1];
		off += n;
	}
	j->wiresize = (long long)j->env.msglen + (long long)nl +
	    (last != '\n' ? 2 : 0);
	j->utf8 = j->env.smtputf8 || !is_ascii(j->env.sender);
	for (i = 0; i < j->nidx; i++)
		if (!is_ascii(j->env.rcpt[j->idx[i]].addr))
			j->utf8 = 1;
	return 0;
}

/* "QUEUEID IDX[,IDX...]": the indexes into j; -1 if malformed. */
static int
parse_line(char *line, struct job *j)
{
	char		*sp, *p, *end;
	size_t		*nidx;
	unsigned long	 v;

	line[strcspn(line, "\r\n")] = '\0';
	if ((sp = strchr(line, ' ')) == NULL)
		return -1;
	*sp = '\0';
	if (sp == line || (size_t)(sp - line) >= sizeof(j->id) ||
	    strspn(line, "0123456789ABCDEFabcdef") != (size_t)(sp - line))
		return -1;
	strlcpy(j->id, line, sizeof(j->id));
	for (p = sp + 1; *p != '\0'; p = end + (*end == ',')) {
		if (!isdigit((unsigned char)*p))
			return -1;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno != 0 || (*end != ',' && *end != '\0') ||
		    v > 10000000UL)
			return -1;
		if ((nidx = reallocarray(j->idx, j->nidx + 1,
		    sizeof(*nidx))) == NULL)
			return -1;
		j->idx = nidx;
		j->idx[j->nidx++] = v;
	}
	if (j->nidx == 0 || (j->result = calloc(j->nidx, 1)) == NULL)
		return -1;
	return 0;
}

/*
 * The runner's list, each message's queue file opened and read now
 * (before any privilege is dropped).  Returns 0, or 1 when some lines
 * could not be taken (their recipients go unreported).
 */
static int
read_jobs(struct remote *r)
{
	struct buf	 path = BUF_INIT;
	struct job	*j, *nj;
	char		*line = NULL, err[512];
	size_t		 cap = 0, k;
	int		 incomplete = 0;

	while (getline(&line, &cap, stdin) != -1) {
		if (r->njobs >= (size_t)conf_num(C_remote_max_messages)) {
			log_warnx("more than %lld messages: the rest waits "
			    "for the next run",
			    conf_num(C_remote_max_messages));
			incomplete = 1;
			break;
		}
		if ((nj = reallocarray(r->jobs, r->njobs + 1,
		    sizeof(*nj))) == NULL)
			fatal("reallocarray");
		r->jobs = nj;
		j = &r->jobs[r->njobs];
		memset(j, 0, sizeof(*j));
		j->fd = -1;
		if (parse_line(line, j) == -1) {
			log_warnx("malformed line from the runner: %s", line);
			free(j->idx);
			free(j->result);
			incomplete = 1;
			continue;
		}
		r->njobs++;
		if (queue_path(&path, conf_str(C_queue_dir), "queue",
		    j->id) == -1)
			fatal("queue_path");
		err[0] = '\0';
		if ((j->fd = open(path.s, O_RDONLY | O_CLOEXEC)) == -1)
			snprintf(err, sizeof(err), "%s: %s", path.s,
			    strerror(errno));
		else if (queue_env_read(j->fd, &j->env, err, sizeof(err)) == 0) {
			for (k = 0; k < j->nidx; k++)
				if (j->idx[k] >= j->env.nrcpt) {
					snprintf(err, sizeof(err), "no "
					    "recipient %zu in the envelope",
					    j->idx[k]);
					break;
				}
			if (k == j->nidx)
				job_scan(j, err, sizeof(err));
		}
		if (err[0] != '\0') {
			log_warnx("%s: %s", j->id, err);
			for (k = 0; k < j->nidx; k++)
				remote_report(j, k, 'T', "4.3.0",
				    "cannot read the queue file: %s", err);
		}
	}
	free(line);
	buf_free(&path);
	return incomplete;
}

static void
remote_free(struct remote *r)
{
	size_t	 i;

	for (i = 0; i < r->njobs; i++) {
		if (r->jobs[i].fd != -1)
			close(r->jobs[i].fd);
		queue_env_free(&r->jobs[i].env);
		free(r->jobs[i].idx);
		free(r->jobs[i].result);
	}
	free(r->jobs);
	free(r->route.t);
	if (r->auth_pass != NULL)
		explicit_bzero(r->auth_pass, strlen(r->auth_pass));
	free(r->auth_user);
	free(r->auth_pass);
}

static int
valid_destination(const char *d)
{
	size_t	 n = strlen(d);

	if (n == 0 || n > 255)
		return 0;
	for (; *d != '\0'; d++)
		if ((unsigned char)*d <= 0x20 || *d == 0x7f || *d == '/')
			return 0;
	return 1;
}

int
main(int argc, char *argv[])
{
	struct remote	 r;
	const char	*cflag = NULL;
	char		 err[512];
	int		 ch, verbose = 0, incomplete;

	while ((ch = getopt(argc, argv, "C:v")) != -1) {
		switch (ch) {
		case 'C':
			cflag = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || !valid_destination(argv[0]))
		usage();

	log_init("posta-remote", verbose, verbose);
	conf_init(cflag);
	signal(SIGPIPE, SIG_IGN);
	memset(&r, 0, sizeof(r));
	r.dest = argv[0];
	if (*conf_str(C_remote_helo_name) != '\0')
		strlcpy(r.helo, conf_str(C_remote_helo_name), sizeof(r.helo));
	else
		conf_myhostname(r.helo, sizeof(r.helo));

	/*
	 * What only root may read is read now: the tables, the password,
	 * the CA certificates, the queue files.
	 */
	if (route_tables(&r, err, sizeof(err)) == -1 ||
	    route_auth_load(&r, err, sizeof(err)) == -1 ||
	    tlsx_client_init(err, sizeof(err)) == -1)
		fatalx("%s", err);
	incomplete = read_jobs(&r);
	/* never as root: priv_drop refuses a mail_user of uid 0 */
	priv_drop(conf_str(C_mail_user));

	route_find(&r);
	remote_deliver(&r);
	remote_free(&r);
	if (remote_stdout_failed())
		fatalx("cannot write the results on standard output");
	return incomplete ? EX_TEMPFAIL : 0;
}
