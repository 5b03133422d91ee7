/*
 * mdeliver: Maildir delivery; see mdeliver.h.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdeliver.h"

#define MDELIVER_TRIES		100

static unsigned long	 deliveries;	/* Q<n>: unique within this process */

static int
mkdir_one(const char *path)
{
	struct stat	 st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (stat(path, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* mkdir -p, mode 0700. */
static int
mkdir_parents(const char *path)
{
	char	 p[PATH_MAX], *s;

	if (strlcpy(p, path, sizeof(p)) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir_one(p) == -1) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return mkdir_one(p);
}

static int
subdir(char *out, size_t outlen, const char *dir, const char *sub)
{
	if ((size_t)snprintf(out, outlen, "%s/%s", dir, sub) >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
maildir_make(const char *path)
{
	static const char	*subs[] = { "tmp", "new", "cur" };
	char			 p[PATH_MAX];
	size_t			 i;

	if (*path == '\0') {
		errno = ENOENT;
		return -1;
	}
	if (mkdir_parents(path) == -1)
		return -1;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (subdir(p, sizeof(p), path, subs[i]) == -1 ||
		    mkdir_one(p) == -1)
			return -1;
	return 0;
}

/* The host part of a name: "/" ":" "," escaped as octal (the Maildir rule). */
static int
host_part(char *out, size_t outlen, const char *host)
{
	size_t	 o = 0;
	int	 n;

	for (; *host != '\0'; host++) {
		if (*host == '/' || *host == ':' || *host == ',' ||
		    *host == '\\')
			n = snprintf(out + o, outlen - o, "\\%03o",
			    (unsigned char)*host);
		else
			n = snprintf(out + o, outlen - o, "%c", *host);
		if (n < 0 || (size_t)n >= outlen - o)
			return -1;
		o += (size_t)n;
	}
	if (o == 0)
		return snprintf(out, outlen, "localhost") >= (int)outlen ? -1 : 0;
	return 0;
}

static int
base_name(char *out, size_t outlen, time_t secs, long usec, pid_t pid,
    unsigned long n, const char *host)
{
	char	 h[MAILDIR_NAMEMAX];
	int	 len;

	if (host_part(h, sizeof(h), host) == -1)
		return -1;
	len = snprintf(out, outlen, "%lld.M%06ldP%ldQ%lu.%s", (long long)secs,
	    usec, (long)pid, n, h);
	return len < 0 || (size_t)len >= outlen ? -1 : len;
}

int
maildir_name(char *out, size_t outlen, time_t secs, long usec, pid_t pid,
    unsigned long n, const char *host, off_t size, off_t wsize)
{
	char	 base[MAILDIR_NAMEMAX];
	int	 len;

	if (base_name(base, sizeof(base), secs, usec, pid, n, host) == -1)
		return -1;
	len = snprintf(out, outlen, "%s,S=%lld,W=%lld", base,
	    (long long)size, (long long)wsize);
	return len < 0 || (size_t)len >= outlen ? -1 : len;
}

off_t
maildir_crlf_extra(const char *p, size_t n, int *prevcr)
{
	off_t	 extra = 0;
	size_t	 i;
	int	 cr = *prevcr;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && !cr)
			extra++;
		cr = p[i] == '\r';
	}
	*prevcr = cr;
	return extra;
}

int
mdeliver_open(struct mdeliver *md, const char *dir, const char *host)
{
	struct timeval	 tv;
	char		 base[MAILDIR_NAMEMAX];
	int		 tries, made = 0;

	memset(md, 0, sizeof(*md));
	md->fd = -1;
	if (strlcpy(md->dir, dir, sizeof(md->dir)) >= sizeof(md->dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (tries = 0; tries < MDELIVER_TRIES; tries++) {
		gettimeofday(&tv, NULL);
		md->secs = tv.tv_sec;
		md->usec = (long)tv.tv_usec;
		md->n = ++deliveries;
		if (base_name(base, sizeof(base), md->secs, md->usec, getpid(),
		    md->n, host) == -1 ||
		    (size_t)snprintf(md->tmp, sizeof(md->tmp), "%s/tmp/%s",
		    dir, base) >= sizeof(md->tmp)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		md->fd = open(md->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (md->fd != -1)
			break;
		/* the first delivery makes the Maildir */
		if (errno == ENOENT && !made) {
			if (maildir_make(dir) == -1)
				return -1;
			made = 1;
			continue;
		}
		if (errno != EEXIST)
			return -1;
	}
	if (md->fd == -1)
		return -1;
	/* the host part is kept for the final name */
	if (strlcpy(md->final, host, sizeof(md->final)) >= sizeof(md->final)) {
		mdeliver_abort(md);
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
mdeliver_write(struct mdeliver *md, const void *p, size_t n)
{
	const char	*s = p;
	ssize_t		 w;

	if (md->fd == -1) {
		errno = EBADF;
		return -1;
	}
	md->extra += maildir_crlf_extra(s, n, &md->prevcr);
	while (n > 0) {
		w = write(md->fd, s, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		s += w;
		n -= (size_t)w;
		md->size += w;
	}
	return 0;
}

int
mdeliver_commit(struct mdeliver *md)
{
	char	 host[MAILDIR_NAMEMAX], name[MAILDIR_NAMEMAX], path[PATH_MAX];
	char	 newdir[PATH_MAX];
	int	 dfd, saved, tries, made = 0;

	if (md->fd == -1) {
		errno = EBADF;
		return -1;
	}
	if (fsync(md->fd) == -1 || close(md->fd) == -1) {
		saved = errno;
		md->fd = -1;
		unlink(md->tmp);
		errno = saved;
		return -1;
	}
	md->fd = -1;
	strlcpy(host, md->final, sizeof(host));
	md->final[0] = '\0';
	if (subdir(newdir, sizeof(newdir), md->dir, "new") == -1)
		goto fail;
	for (tries = 0; tries < MDELIVER_TRIES; tries++) {
		if (maildir_name(name, sizeof(name), md->secs, md->usec,
		    getpid(), md->n, host, md->size, md->size + md->extra) ==
		    -1 || subdir(path, sizeof(path), newdir, name) == -1) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if (link(md->tmp, path) == 0)
			break;
		if (errno == EEXIST) {
			md->n = ++deliveries;	/* never overwrite a message */
			continue;
		}
		if (errno == ENOENT && !made) {
			/* a Maildir with tmp/ but no new/ */
			if (maildir_make(md->dir) == -1)
				goto fail;
			made = 1;
			continue;
		}
		if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS)
			goto fail;
		/* no hard links on this file system: rename, the name unique */
		if (access(path, F_OK) == 0) {
			md->n = ++deliveries;
			continue;
		}
		if (rename(md->tmp, path) == 0)
			break;
		goto fail;
	}
	if (tries == MDELIVER_TRIES)
		goto fail;
	if ((dfd = open(newdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(dfd) == -1) {
		saved = errno;
		if (dfd != -1)
			close(dfd);
		unlink(path);
		errno = saved;
		goto fail;
	}
	close(dfd);
	unlink(md->tmp);
	strlcpy(md->final, name, sizeof(md->final));
	return 0;
fail:
	saved = errno;
	unlink(md->tmp);
	errno = saved;
	return -1;
}

void
mdeliver_abort(struct mdeliver *md)
{
	int	 saved = errno;

	if (md->fd != -1) {
		close(md->fd);
		md->fd = -1;
		unlink(md->tmp);
	}
	errno = saved;
}
