/*
 * Queue administration: the mailq listing, delete, hold and release.
 * A message is changed only under its lock, so never while a runner
 * delivers it.
 */
#include <sys/types.h>
#include <sys/file.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "runner.h"

static int
id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The IDs in queue_dir/sub, sorted (by arrival). */
static char **
list_ids(const char *sub, size_t *np)
{
	struct buf	 p = BUF_INIT;
	struct dirent	*de;
	char		**v = NULL, **nv;
	size_t		 n = 0, cap = 0;
	DIR		*d;

	*np = 0;
	if (queue_path(&p, R.qdir, sub, NULL) == -1)
		err(EX_OSERR, NULL);
	if ((d = opendir(p.s)) == NULL) {
		if (errno == ENOENT)
			return NULL;
		err(EX_NOINPUT, "%s", p.s);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				err(EX_OSERR, NULL);
			v = nv;
		}
		if ((v[n++] = strdup(de->d_name)) == NULL)
			err(EX_OSERR, NULL);
	}
	closedir(d);
	buf_free(&p);
	if (n > 0)
		qsort(v, n, sizeof(*v), id_cmp);
	*np = n;
	return v;
}

static void
fmt_time(time_t t, char *out, size_t len)
{
	struct tm	 tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, len, "%lld", (long long)t);
}

static const char *
state_name(char s)
{
	switch (s) {
	case QR_PENDING:
		return "pending";
	case QR_WARNED:
		return "pending (sender warned)";
	case QR_DELIVERED:
		return "delivered";
	case QR_FAILED:
		return "failed, bounce owed";
	case QR_BOUNCED:
		return "failed, bounced";
	default:
		return "unknown state";
	}
}

static int
list_one(const char *sub, const char *id, long long *bytes)
{
	struct buf	 p = BUF_INIT;
	struct qenv	 e;
	char		 when[64], errs[256];
	size_t		 i;
	int		 fd;

	if (queue_path(&p, R.qdir, sub, id) == -1)
		err(EX_OSERR, NULL);
	if ((fd = open(p.s, O_RDONLY | O_CLOEXEC)) == -1) {
		buf_free(&p);
		return 0;	/* delivered while we looked */
	}
	if (queue_env_read(fd, &e, errs, sizeof(errs)) == -1) {
		printf("%-20s (%s)\n", id, errs);
		close(fd);
		buf_free(&p);
		return 1;
	}
	close(fd);
	buf_free(&p);
	fmt_time(e.arrival, when, sizeof(when));
	printf("%-20s %9lld  %s  <%s>%s\n", id, (long long)e.msglen, when,
	    e.sender, strcmp(sub, "hold") == 0 ? "  (held)" : "");
	*bytes += e.msglen;
	for (i = 0; i < e.nrcpt; i++) {
		const struct qrcpt *r = &e.rcpt[i];

		printf("    <%s>  %s", r->addr, state_name(r->state));
		if (r->state == QR_PENDING || r->state == QR_WARNED) {
			if (r->next == 0)
				printf(", tries %d, next now", r->tries);
			else {
				fmt_time(r->next, when, sizeof(when));
				printf(", tries %d, next %s", r->tries, when);
			}
		}
		printf("\n");
	}
	queue_env_free(&e);
	return 1;
}

int
admin_list(void)
{
	const char	*subs[] = { "queue", "hold" };
	char		**ids;
	long long	 bytes = 0;
	size_t		 n, i, k, count = 0;

	for (k = 0; k < 2; k++) {
		ids = list_ids(subs[k], &n);
		for (i = 0; i < n; i++) {
			if (count == 0)
				printf("%-20s %9s  %-19s  %s\n", "Queue ID", "Size",
				    "Arrival", "Sender / recipients");
			count += (size_t)list_one(subs[k], ids[i], &bytes);
			free(ids[i]);
		}
		free(ids);
	}
	if (count == 0)
		printf("Mail queue is empty\n");
	else
		printf("-- %lld Kbytes in %zu message%s.\n",
		    (bytes + 1023) / 1024, count, count == 1 ? "" : "s");
	return fflush(stdout) == EOF ? EX_IOERR : 0;
}

/* Open queue_dir/sub/id and take its lock without waiting. */
static int
open_locked(const char *sub, const char *id, struct buf *path)
{
	int	 fd;

	if (queue_path(path, R.qdir, sub, id) == -1)
		err(EX_OSERR, NULL);
	if ((fd = open(path->s, O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		errno = EWOULDBLOCK;
		return -1;
	}
	return fd;
}

static int
valid_id(const char *id)
{
	size_t	 n = strspn(id, "0123456789ABCDEF");

	if (n == 0 || n >= QUEUE_IDLEN || id[n] != '\0') {
		warnx("%s: not a queue ID", id);
		return 0;
	}
	return 1;
}

int
admin_move(char **ids, int n, const char *from, const char *to)
{
	struct buf	 src = BUF_INIT, dst = BUF_INIT;
	int		 i, fd, rc = 0;

	for (i = 0; i < n; i++) {
		if (!valid_id(ids[i])) {
			rc = EX_USAGE;
			continue;
		}
		if ((fd = open_locked(from, ids[i], &src)) == -1) {
			warn("%s", ids[i]);
			rc = errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_NOINPUT;
			continue;
		}
		if (queue_path(&dst, R.qdir, to, ids[i]) == -1)
			err(EX_OSERR, NULL);
		if (rename(src.s, dst.s) == -1) {
			warn("%s", dst.s);
			rc = EX_IOERR;
		}
		close(fd);
	}
	buf_free(&src);
	buf_free(&dst);
	/* a released message is there for a waiting runner at once */
	if (strcmp(to, "queue") == 0)
		queue_trigger(R.qdir, NULL);
	return rc;
}

int
admin_delete(char **ids, int n)
{
	struct buf	 p = BUF_INIT;
	int		 i, fd, rc = 0;

	for (i = 0; i < n; i++) {
		if (!valid_id(ids[i])) {
			rc = EX_USAGE;
			continue;
		}
		if ((fd = open_locked("queue", ids[i], &p)) == -1 &&
		    errno == ENOENT)
			fd = open_locked("hold", ids[i], &p);
		if (fd == -1) {
			warn("%s", ids[i]);
			rc = errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_NOINPUT;
			continue;
		}
		if (unlink(p.s) == -1) {
			warn("%s", p.s);
			rc = EX_IOERR;
		}
		close(fd);
	}
	buf_free(&p);
	return rc;
}
