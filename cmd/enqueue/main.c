/*
 * posta-enqueue: the only writer of the queue.  Message on fd 0,
 * envelope on fd 1, the exit status is the answer; see posta-enqueue(8)
 * and posta-queue(5).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "io.h"
#include "log.h"
#include "queue.h"

static char	 tmppath[PATH_MAX];

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: posta-enqueue [-v] [-C file]\n");
	exit(EX_USAGE);
}

/* Remove the half-written file and leave with status. */
static void __attribute__((noreturn))
give_up(int status)
{
	if (tmppath[0] != '\0')
		unlink(tmppath);
	exit(status);
}

/* Status for a failed write or sync: everything is worth a retry. */
static int
io_status(void)
{
	return EX_TEMPFAIL;
}

int
main(int argc, char *argv[])
{
	struct qenv	 env;
	struct buf	 envtext = BUF_INIT, path = BUF_INIT, stored = BUF_INIT;
	char		 id[QUEUE_IDLEN], hdr[QUEUE_HDRLEN + 1], err[512];
	char		 chunk[65536], ebuf[8192];
	const char	*cflag = NULL, *qdir;
	long long	 limit, msglen = 0;
	struct iovec	 iov[3];
	size_t		 envmax, pend;
	ssize_t		 n;
	struct stat	 st;
	int		 ch, fd, dfd, verbose = 0, tries, envsock;
	int		 streaming = 0;	/* the message is partly written */

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
	if (argc != 0)
		usage();

	log_init("posta-enqueue", 0, verbose);
	/* Set-group-ID: only the system's own configuration is trusted. */
	if (getegid() != getgid() || geteuid() != getuid()) {
		cflag = NULL;
		unsetenv("POSTA_CONF");
	}
	conf_init(cflag);
	signal(SIGPIPE, SIG_IGN);
	qdir = conf_str(C_queue_dir);
	limit = conf_num(C_message_size_limit);
	umask(007);	/* the runner, in the queue group, rewrites states */

	if (fstat(0, &st) == -1 || fstat(1, &st) == -1) {
		log_warnx("message on fd 0 and envelope on fd 1 are required");
		exit(EX_USAGE);
	}
	envsock = S_ISSOCK(st.st_mode);

	for (tries = 0;; tries++) {
		queue_new_id(id);
		if (queue_path(&path, qdir, "tmp", id) == -1 ||
		    strlcpy(tmppath, path.s, sizeof(tmppath)) >= sizeof(tmppath)) {
			log_warnx("queue path too long");
			exit(EX_SOFTWARE);
		}
		fd = open(tmppath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
		if (fd != -1)
			break;
		if (errno != EEXIST || tries > 100) {
			log_warn("%s", tmppath);
			tmppath[0] = '\0';
			exit(errno == EACCES || errno == ENOENT ? EX_CANTCREAT :
			    EX_TEMPFAIL);
		}
		usleep(1000);
	}

	/*
	 * The message as it comes, in pieces of up to sizeof(chunk): a
	 * message smaller than that (most are) is written at the end with
	 * its header and envelope in one writev(2); a larger one goes out
	 * a chunk at a time behind a placeholder header, rewritten last.
	 */
	pend = 0;
	for (;;) {
		n = read(0, chunk + pend, sizeof(chunk) - pend);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("%s: reading the message", id);
			give_up(EX_TEMPFAIL);
		}
		if (n == 0)
			break;
		msglen += n;
		pend += (size_t)n;
		if (limit > 0 && msglen > limit) {
			log_warnx("%s: message larger than message_size_limit "
			    "(%lld)", id, limit);
			fprintf(stderr, "posta-enqueue: message too large\n");
			give_up(EX_DATAERR);
		}
		if (pend < sizeof(chunk))
			continue;
		iov[0].iov_base = hdr;
		iov[0].iov_len = streaming ? 0 : QUEUE_HDRLEN;
		iov[1].iov_base = chunk;
		iov[1].iov_len = pend;
		queue_header(hdr, 0);
		if (writev_full(fd, iov, 2) == -1) {
			log_warn("%s: write", id);
			give_up(io_status());
		}
		streaming = 1;
		pend = 0;
	}

	/* the envelope: until EOF or an empty line */
	envmax = (size_t)conf_num(C_enqueue_max_recipients) *
	    ((size_t)conf_num(C_max_address_length) + 600) + 4096;
	buf_init(&envtext, envmax);
	for (;;) {
		n = read(1, ebuf, sizeof(ebuf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("%s: reading the envelope", id);
			give_up(EX_TEMPFAIL);
		}
		if (n == 0)
			break;
		if (buf_add(&envtext, ebuf, (size_t)n) == -1) {
			log_warnx("%s: envelope too large", id);
			fprintf(stderr, "posta-enqueue: envelope too large\n");
			give_up(EX_DATAERR);
		}
		if ((envtext.len == 1 && envtext.s[0] == '\n') ||
		    (envtext.len >= 2 && memcmp(envtext.s + envtext.len - 2,
		    "\n\n", 2) == 0))
			break;
	}
	if (queue_env_parse_input(envtext.s ? envtext.s : "", envtext.len,
	    (size_t)conf_num(C_max_address_length),
	    (size_t)conf_num(C_enqueue_max_recipients), &env, err,
	    sizeof(err)) == -1) {
		log_warnx("%s: refused: %s", id, err);
		fprintf(stderr, "posta-enqueue: %s\n", err);
		give_up(EX_DATAERR);
	}
	strlcpy(env.id, id, sizeof(env.id));
	env.arrival = time(NULL);
	if (queue_env_serialize(&env, &stored) == -1) {
		log_warnx("%s: out of memory", id);
		give_up(EX_TEMPFAIL);
	}
	queue_header(hdr, msglen);
	iov[0].iov_base = hdr;
	iov[0].iov_len = streaming ? 0 : QUEUE_HDRLEN;
	iov[1].iov_base = chunk;
	iov[1].iov_len = pend;
	iov[2].iov_base = stored.s;
	iov[2].iov_len = stored.len;
	if (writev_full(fd, iov, 3) == -1 || (streaming &&
	    pwrite(fd, hdr, QUEUE_HDRLEN, 0) != QUEUE_HDRLEN)) {
		log_warn("%s: write", id);
		give_up(io_status());
	}
	/*
	 * Durable before visible: sync 1 of 2.  Two is the fewest that
	 * keep posta-queue(5)'s promise on any file system: the file's
	 * octets must be on disk before its name in queue/ (else a crash
	 * could leave a visible half message), and the name before the
	 * caller hears "queued".  One fsync after the rename is enough on
	 * ext4 and XFS, whose journal commits the rename with the file,
	 * but not by POSIX, and a visible file whose data did not make it
	 * would be a half message.  O_TMPFILE and linkat(2) would spare
	 * the unlink of an abandoned file but no sync and no system call
	 * (open and rename become open and linkat), and need /proc (a
	 * linkat of an open file needs CAP_DAC_READ_SEARCH without it)
	 * and a second way for file systems without O_TMPFILE.
	 */
	if (fdatasync(fd) == -1 || close(fd) == -1) {
		log_warn("%s: sync", id);
		give_up(io_status());
	}
	if (queue_path(&path, qdir, "queue", id) == -1 ||
	    rename(tmppath, path.s) == -1) {
		log_warn("%s: commit", id);
		give_up(EX_TEMPFAIL);
	}
	tmppath[0] = '\0';
	/* The rename must survive a crash too: sync 2 of 2. */
	if (queue_path(&path, qdir, "queue", NULL) == -1 ||
	    (dfd = open(path.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(dfd) == -1) {
		log_warn("%s: sync of the queue folder", id);
		/* visible but maybe not durable: the caller must retry */
		exit(EX_TEMPFAIL);
	}
	close(dfd);

	log_info("%s: queued from=<%s> size=%lld nrcpt=%zu%s%s", id,
	    env.sender, msglen, env.nrcpt, env.client ? " client=" : "",
	    env.client ? env.client : "");
	if (conf_bool(C_queue_trigger))
		queue_trigger(qdir, id);

	/* The ID for the caller: back on fd 1 when it is a socket. */
	snprintf(chunk, sizeof(chunk), "%s\n", id);
	if (envsock)
		(void)write_full(1, chunk, strlen(chunk));
	else
		(void)write_full(2, chunk, strlen(chunk));
	queue_env_free(&env);
	buf_free(&envtext);
	buf_free(&stored);
	buf_free(&path);
	return EX_OK;
}
