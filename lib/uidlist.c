/*
 * uidlist: dovecot-uidlist version 3 and dovecot-keywords; see uidlist.h.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "io.h"
#include "uidlist.h"

static int	 rec_append(struct uidlist *, uint32_t, const char *, size_t,
		    const char *, size_t);
static void	 hash_rebuild(struct uidlist *);
static void	 compact(struct uidlist *);

long long
uidlist_ext_num(const struct uidrec *r, char key)
{
	const char	*p;
	long long	 v;

	for (p = r->ext; p != NULL && *p != '\0'; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (*p != key || p[1] < '0' || p[1] > '9')
			continue;
		for (v = 0, p++; *p >= '0' && *p <= '9'; p++) {
			if (v > (LLONG_MAX - 9) / 10)
				return -1;
			v = v * 10 + (*p - '0');
		}
		if (*p == '\0' || *p == ' ')
			return v;
	}
	return -1;
}

size_t
uidlist_baselen(const char *name)
{
	const char	*c = strchr(name, ':');

	return c ? (size_t)(c - name) : strlen(name);
}

int
uidlist_init(struct uidlist *ul, const char *dir)
{
	memset(ul, 0, sizeof(*ul));
	ul->fd = -1;
	ul->lockfd = -1;
	if ((ul->dir = strdup(dir)) == NULL || (ul->hdrext = strdup("")) == NULL) {
		free(ul->dir);
		return -1;
	}
	return 0;
}

static void
clear_recs(struct uidlist *ul)
{
	size_t	 i;

	for (i = 0; i < ul->nrecs; i++)
		free(ul->recs[i].ext);
	free(ul->recs);
	ul->recs = NULL;
	ul->nrecs = ul->reccap = 0;
	ul->nappend = 0;
	ul->ndead = 0;
	free(ul->hash);
	ul->hash = NULL;
	ul->hashcap = ul->hashused = 0;
}

void
uidlist_reset(struct uidlist *ul)
{
	clear_recs(ul);
	if (ul->fd != -1)
		close(ul->fd);
	ul->fd = -1;
	ul->version = 0;
	ul->uidvalidity = ul->nextuid = 0;
	ul->guid[0] = '\0';
	ul->readoff = 0;
	ul->dirty = 1;
}

void
uidlist_discard(struct uidlist *ul)
{
	uidlist_reset(ul);
	ul->dirty = 0;
}

void
uidlist_free(struct uidlist *ul)
{
	if (ul->lockfd != -1)
		uidlist_unlock(ul);
	clear_recs(ul);
	if (ul->fd != -1)
		close(ul->fd);
	free(ul->dir);
	free(ul->hdrext);
	memset(ul, 0, sizeof(*ul));
	ul->fd = ul->lockfd = -1;
}

static int
path_of(const struct uidlist *ul, const char *file, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s", ul->dir, file) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* --- hash of bases --------------------------------------------------- */

/*
 * Eight octets a step (a SELECT hashes every base of the folder twice
 * or three times), then a final mix so that the low bits, the table
 * index, depend on every octet.  In memory only, never written.
 */
uint64_t
uidlist_hash(const char *s, size_t n)
{
	const uint64_t	 k = 0x9e3779b97f4a7c15ULL;
	uint64_t	 h = n * k, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * k;
		h ^= h >> 31;
	}
	if (n > 0) {
		w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * k;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static void
hash_insert(struct uidlist *ul, size_t idx)
{
	const struct uidrec	*r = &ul->recs[idx];
	uint64_t		 h = uidlist_hash(r->name, r->baselen);
	size_t			 i;

	i = h & (ul->hashcap - 1);
	while (ul->hash[i].idx != 0)
		i = (i + 1) & (ul->hashcap - 1);
	ul->hash[i].idx = (uint32_t)idx + 1;
	ul->hash[i].h = (uint32_t)(h >> 32);
	ul->hashused++;
}

/* On memory exhaustion the table is dropped and lookups fall back to a
 * linear search. */
static void
hash_rebuild(struct uidlist *ul)
{
	size_t	 cap = 64, i;

	compact(ul);
	while (cap < (ul->nrecs + 1) * 2)
		cap *= 2;
	free(ul->hash);
	ul->hashused = 0;
	if ((ul->hash = calloc(cap, sizeof(*ul->hash))) == NULL) {
		ul->hashcap = 0;
		return;
	}
	ul->hashcap = cap;
	for (i = 0; i < ul->nrecs; i++)
		hash_insert(ul, i);
}

struct uidrec *
uidlist_find(struct uidlist *ul, const char *base, size_t baselen)
{
	struct uidrec	*r;
	uint64_t	 h;
	size_t		 i;

	if (ul->ndead > 0 || ul->hash == NULL)
		hash_rebuild(ul);
	if (ul->hash == NULL) {
		for (i = 0; i < ul->nrecs; i++) {
			r = &ul->recs[i];
			if (r->name && r->baselen == baselen &&
			    memcmp(r->name, base, baselen) == 0)
				return r;
		}
		return NULL;
	}
	h = uidlist_hash(base, baselen);
	for (i = h & (ul->hashcap - 1); ul->hash[i].idx != 0;
	    i = (i + 1) & (ul->hashcap - 1)) {
		if (ul->hash[i].h != (uint32_t)(h >> 32))
			continue;
		r = &ul->recs[ul->hash[i].idx - 1];
		if (r->name && r->baselen == baselen &&
		    memcmp(r->name, base, baselen) == 0)
			return r;
	}
	return NULL;
}

struct uidrec *
uidlist_find_uid(struct uidlist *ul, uint32_t uid)
{
	size_t	 lo = 0, hi = ul->nrecs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ul->recs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ul->nrecs && ul->recs[lo].uid == uid && ul->recs[lo].name)
		return &ul->recs[lo];
	return NULL;
}

/* --- records --------------------------------------------------------- */

/* One allocation holds "ext\0name\0". */
static int
rec_append(struct uidlist *ul, uint32_t uid, const char *ext, size_t extlen,
    const char *name, size_t namelen)
{
	struct uidrec	*nr, *r;
	char		*mem;

	/* the last UID there is would leave no next UID: nextuid would wrap
	 * to 0 and new mail get UID 1 again (RFC 3501 2.3.1.1: UIDs only
	 * grow); such a list is broken, and a new one gets a new
	 * UIDVALIDITY */
	if ((ul->nrecs > 0 && uid <= ul->recs[ul->nrecs - 1].uid) ||
	    uid == UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* a NUL would cut the name (or ext) short: written back, the
	 * record would differ or, empty, make the list unreadable */
	if (namelen == 0 || memchr(name, '/', namelen) != NULL ||
	    memchr(name, '\0', namelen) != NULL ||
	    memchr(ext, '\0', extlen) != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (ul->nrecs == ul->reccap) {
		nr = reallocarray(ul->recs, ul->reccap ? ul->reccap * 2 : 16,
		    sizeof(*nr));
		if (nr == NULL)
			return -1;
		ul->recs = nr;
		ul->reccap = ul->reccap ? ul->reccap * 2 : 16;
	}
	if ((mem = malloc(extlen + namelen + 2)) == NULL)
		return -1;
	memcpy(mem, ext, extlen);
	mem[extlen] = '\0';
	memcpy(mem + extlen + 1, name, namelen);
	mem[extlen + 1 + namelen] = '\0';
	r = &ul->recs[ul->nrecs];
	r->uid = uid;
	r->ext = mem;
	r->name = mem + extlen + 1;
	r->baselen = uidlist_baselen(r->name);
	r->mark = 0;
	ul->nrecs++;
	if (ul->hash != NULL) {
		if ((ul->hashused + 1) * 2 > ul->hashcap)
			hash_rebuild(ul);	/* inserts the new one too */
		else
			hash_insert(ul, ul->nrecs - 1);
	}
	if (uid >= ul->nextuid)
		ul->nextuid = uid + 1;
	return 0;
}

static void
compact(struct uidlist *ul)
{
	size_t	 i, j;

	if (ul->ndead == 0)
		return;
	for (i = j = 0; i < ul->nrecs; i++) {
		if (ul->recs[i].name == NULL)
			continue;
		ul->recs[j++] = ul->recs[i];
	}
	ul->nrecs = j;
	ul->ndead = 0;
	free(ul->hash);
	ul->hash = NULL;
	ul->hashcap = ul->hashused = 0;
}

struct uidrec *
uidlist_add(struct uidlist *ul, const char *name, uint32_t uid)
{
	if (uid == 0)
		uid = ul->nextuid ? ul->nextuid : 1;
	if (rec_append(ul, uid, "", 0, name, strlen(name)) == -1)
		return NULL;
	ul->nappend++;
	return &ul->recs[ul->nrecs - 1];
}

int
uidlist_set_name(struct uidlist *ul, struct uidrec *r, const char *name)
{
	size_t	 extlen = strlen(r->ext), namelen = strlen(name);
	char	*mem;

	if (strcmp(r->name, name) == 0)
		return 0;
	if ((mem = malloc(extlen + namelen + 2)) == NULL)
		return -1;
	memcpy(mem, r->ext, extlen + 1);
	memcpy(mem + extlen + 1, name, namelen + 1);
	free(r->ext);
	r->ext = mem;
	r->name = mem + extlen + 1;
	/* the base is unchanged, so the hash stays right */
	return 0;
}

void
uidlist_remove(struct uidlist *ul, struct uidrec *r)
{
	if (r->name == NULL)
		return;
	free(r->ext);
	r->ext = NULL;
	r->name = NULL;
	ul->ndead++;
	ul->dirty = 1;
}

int
uidlist_renumber(struct uidlist *ul, struct uidrec *r)
{
	struct uidrec	 keep = *r;
	size_t		 idx = (size_t)(r - ul->recs);

	memmove(&ul->recs[idx], &ul->recs[idx + 1],
	    (ul->nrecs - idx - 1) * sizeof(*r));
	keep.uid = ul->nextuid ? ul->nextuid : 1;
	ul->nextuid = keep.uid + 1;
	ul->recs[ul->nrecs - 1] = keep;
	ul->dirty = 1;
	free(ul->hash);
	ul->hash = NULL;
	ul->hashcap = ul->hashused = 0;
	return 0;
}

/* --- parsing --------------------------------------------------------- */

static int
parse_u32(const char *s, size_t n, uint32_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_header(struct uidlist *ul, const char *s, size_t n)
{
	const char	*end = s + n, *t, *te;
	struct buf	 ext = BUF_INIT;
	uint32_t	 v;
	int		 field = 0;

	ul->version = 0;
	ul->uidvalidity = ul->nextuid = 0;
	ul->guid[0] = '\0';
	if (memchr(s, '\0', n) != NULL) {
		errno = EINVAL;
		return -1;
	}
	for (t = s; t < end; t = te + 1) {
		if ((te = memchr(t, ' ', (size_t)(end - t))) == NULL)
			te = end;
		if (te == t)
			continue;
		if (field++ == 0) {
			if (te - t != 1 || (*t != '1' && *t != '3'))
				goto bad;
			ul->version = *t - '0';
			continue;
		}
		if (ul->version == 1) {
			if (parse_u32(t, (size_t)(te - t), &v) == -1)
				goto bad;
			if (field == 2)
				ul->uidvalidity = v;
			else if (field == 3)
				ul->nextuid = v;
			continue;
		}
		if (*t == 'V' && parse_u32(t + 1, (size_t)(te - t - 1), &v) == 0)
			ul->uidvalidity = v;
		else if (*t == 'N' && parse_u32(t + 1, (size_t)(te - t - 1), &v) == 0)
			ul->nextuid = v;
		else if (*t == 'G' && te - t - 1 < (ptrdiff_t)sizeof(ul->guid)) {
			memcpy(ul->guid, t + 1, (size_t)(te - t - 1));
			ul->guid[te - t - 1] = '\0';
		} else {
			if (ext.len)
				buf_addc(&ext, ' ');
			if (buf_add(&ext, t, (size_t)(te - t)) == -1)
				goto bad;
		}
	}
	if (ul->version == 0 || ul->uidvalidity == 0)
		goto bad;
	free(ul->hdrext);
	ul->hdrext = ext.s ? buf_steal(&ext) : strdup("");
	if (ul->hdrext == NULL)
		return -1;
	return 0;
bad:
	buf_free(&ext);
	errno = EINVAL;
	return -1;
}

static int
parse_record(struct uidlist *ul, const char *s, size_t n)
{
	const char	*end = s + n, *p, *q;
	uint32_t	 uid;

	for (p = s; p < end && isdigit((unsigned char)*p); p++)
		;
	if (parse_u32(s, (size_t)(p - s), &uid) == -1 || uid == 0 ||
	    p == end || *p != ' ')
		goto bad;
	while (p < end && *p == ' ')
		p++;
	if (ul->version == 1)
		return rec_append(ul, uid, "", 0, p, (size_t)(end - p));
	if (p < end && *p == ':')
		return rec_append(ul, uid, "", 0, p + 1, (size_t)(end - p - 1));
	for (q = p; q + 1 < end; q++)
		if (q[0] == ' ' && q[1] == ':')
			return rec_append(ul, uid, p, (size_t)(q - p), q + 2,
			    (size_t)(end - q - 2));
bad:
	errno = EINVAL;
	return -1;
}

/* Parse whole lines of text as records; returns the octets used. */
static ssize_t
parse_records(struct uidlist *ul, const char *text, size_t len)
{
	const char	*p = text, *nl, *end = text + len;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl > p && parse_record(ul, p, (size_t)(nl - p)) == -1)
			return -1;
		p = nl + 1;
	}
	return p - text;
}

int
uidlist_parse(struct uidlist *ul, const char *text, size_t len)
{
	const char	*nl;
	ssize_t		 used;

	clear_recs(ul);
	if ((nl = memchr(text, '\n', len)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (parse_header(ul, text, (size_t)(nl - text)) == -1)
		return -1;
	if ((used = parse_records(ul, nl + 1, len - (size_t)(nl + 1 - text))) == -1)
		return -1;
	ul->readoff = (nl + 1 - text) + used;
	ul->nappend = 0;
	ul->dirty = 0;
	return 0;
}

static int
read_from(int fd, off_t off, struct buf *b)
{
	char	 chunk[65536];
	ssize_t	 r;

	for (;;) {
		if ((r = pread(fd, chunk, sizeof(chunk), off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return 0;
		if (buf_add(b, chunk, (size_t)r) == -1)
			return -1;
		off += r;
	}
}

int
uidlist_refresh(struct uidlist *ul)
{
	char		 path[PATH_MAX];
	struct stat	 st, ost;
	struct buf	 b = BUF_INIT;
	ssize_t		 used;
	size_t		 before;
	int		 fd;

	if (path_of(ul, UIDLIST_FILE, path, sizeof(path)) == -1)
		return -1;
	if (stat(path, &st) == -1) {
		if (errno != ENOENT)
			return -1;
		if (ul->fd == -1 && ul->version == 0)
			return 0;
		/* the list is gone: start again with nothing */
		uidlist_reset(ul);
		return 1;
	}
	/* a file shorter than what was read had a failed append cut off
	 * again (see append()): read it all again */
	if (ul->fd != -1 && fstat(ul->fd, &ost) == 0 &&
	    ost.st_dev == st.st_dev && ost.st_ino == st.st_ino &&
	    st.st_size >= ul->readoff) {
		/* the same file (we hold it open, so the inode is not a
		 * reused one): read what was appended, if anything */
		if (st.st_size <= ul->readoff)
			return 0;
		if (read_from(ul->fd, ul->readoff, &b) == -1) {
			buf_free(&b);
			return -1;
		}
		before = ul->nrecs;
		if ((used = parse_records(ul, b.s ? b.s : "", b.len)) == -1) {
			buf_free(&b);
			return -1;
		}
		buf_free(&b);
		ul->readoff += used;
		return ul->nrecs != before;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? uidlist_refresh(ul) : -1;
	if (read_from(fd, 0, &b) == -1 ||
	    uidlist_parse(ul, b.s ? b.s : "", b.len) == -1) {
		buf_free(&b);
		close(fd);
		return -1;
	}
	buf_free(&b);
	if (ul->fd != -1)
		close(ul->fd);
	ul->fd = fd;
	return 1;
}

/* --- locking and writing --------------------------------------------- */

int
uidlist_lock(struct uidlist *ul, int timeout, int stale)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	struct timespec	 start, now, pause;
	long		 waited_ms;
	int		 fd;
	unsigned int	 step = 5;

	if (ul->lockfd != -1)
		return 0;
	if (path_of(ul, UIDLIST_LOCK, path, sizeof(path)) == -1)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd != -1) {
			ul->lockfd = fd;
			return 0;
		}
		if (errno != EEXIST)
			return -1;
		if (stat(path, &st) == 0 && stale > 0 &&
		    time(NULL) - st.st_mtime > stale) {
			/* left by a writer that died */
			unlink(path);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited_ms = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited_ms >= (long)timeout * 1000) {
			errno = EAGAIN;
			return -1;
		}
		/* 5, 10, 20 ... 100 ms, with some jitter */
		pause.tv_sec = 0;
		pause.tv_nsec = (long)(step + arc4random_uniform(step)) * 1000000;
		nanosleep(&pause, NULL);
		if (step < 100)
			step *= 2;
	}
}

void
uidlist_unlock(struct uidlist *ul)
{
	char	 path[PATH_MAX];

	if (ul->lockfd == -1)
		return;
	if (path_of(ul, UIDLIST_LOCK, path, sizeof(path)) == 0)
		unlink(path);
	close(ul->lockfd);
	ul->lockfd = -1;
}

void
uidlist_create(struct uidlist *ul)
{
	unsigned char	 g[16];
	size_t		 i;

	if (ul->uidvalidity != 0)
		return;
	ul->version = 3;
	ul->uidvalidity = (uint32_t)time(NULL);
	if (ul->nextuid == 0)
		ul->nextuid = 1;
	arc4random_buf(g, sizeof(g));
	for (i = 0; i < sizeof(g); i++)
		snprintf(ul->guid + 2 * i, 3, "%02x", g[i]);
	ul->dirty = 1;
}

static int
format_rec(struct buf *b, const struct uidrec *r)
{
	return buf_printf(b, "%u%s%s :%s\n", r->uid, r->ext[0] ? " " : "",
	    r->ext, r->name);
}

static int
rewrite(struct uidlist *ul)
{
	char		 path[PATH_MAX], tmp[PATH_MAX];
	struct buf	 b = BUF_INIT;
	size_t		 i;
	int		 fd = -1, r = -1;

	if (path_of(ul, UIDLIST_FILE, path, sizeof(path)) == -1 ||
	    path_of(ul, UIDLIST_FILE ".tmp", tmp, sizeof(tmp)) == -1)
		return -1;
	compact(ul);
	if (ul->nextuid == 0)
		ul->nextuid = 1;
	if (buf_printf(&b, "3 V%u N%u", ul->uidvalidity, ul->nextuid) == -1 ||
	    (ul->guid[0] && buf_printf(&b, " G%s", ul->guid) == -1) ||
	    (ul->hdrext[0] && buf_printf(&b, " %s", ul->hdrext) == -1) ||
	    buf_addc(&b, '\n') == -1)
		goto out;
	for (i = 0; i < ul->nrecs; i++)
		if (format_rec(&b, &ul->recs[i]) == -1)
			goto out;
	/* the tmp name is ours alone while we hold the lock */
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1)
		goto out;
	if (write_full(fd, b.s, b.len) == -1 || fsync(fd) == -1 ||
	    rename(tmp, path) == -1) {
		unlink(tmp);
		goto out;
	}
	/* the rename is made: a failing directory fsync cannot undo it,
	 * and the new list is as valid as the old one */
	(void)fsync_dir(ul->dir);
	/* keep the new file open as the one read */
	if (ul->fd != -1)
		close(ul->fd);
	ul->fd = fd;
	fd = -1;
	ul->readoff = (off_t)b.len;
	ul->version = 3;
	r = 0;
out:
	if (fd != -1)
		close(fd);
	buf_free(&b);
	return r;
}

static int
append(struct uidlist *ul)
{
	char		 path[PATH_MAX];
	struct buf	 b = BUF_INIT;
	struct stat	 st, ost;
	size_t		 i;
	int		 fd, r = -1, save;

	if (path_of(ul, UIDLIST_FILE, path, sizeof(path)) == -1)
		return -1;
	for (i = ul->nrecs - ul->nappend; i < ul->nrecs; i++)
		if (ul->recs[i].name && format_rec(&b, &ul->recs[i]) == -1)
			goto out;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1)
		goto out;
	if (fstat(fd, &st) == -1 || fstat(ul->fd, &ost) == -1 ||
	    st.st_ino != ost.st_ino || st.st_dev != ost.st_dev ||
	    st.st_size != ul->readoff) {
		/* not the file we read, or a torn last line: rewrite */
		close(fd);
		r = rewrite(ul);
		goto out;
	}
	if (write_full(fd, b.s, b.len) == -1 || fdatasync(fd) == -1) {
		/* a disk full part way leaves a torn line, or whole lines
		 * of UIDs that the caller will not use: cut the file back
		 * to what it was (freeing space never fails for want of
		 * it), so that the list stays byte for byte the old one */
		save = errno;
		(void)ftruncate(fd, ul->readoff);
		close(fd);
		errno = save;
		goto out;
	}
	if (close(fd) == -1)
		goto out;
	ul->readoff += (off_t)b.len;
	r = 0;
out:
	buf_free(&b);
	return r;
}

int
uidlist_write(struct uidlist *ul)
{
	int	 r = 0;

	if (ul->lockfd == -1) {
		errno = EINVAL;
		return -1;
	}
	if (ul->uidvalidity == 0)
		uidlist_create(ul);
	if (ul->dirty || ul->version != 3 || ul->fd == -1)
		r = rewrite(ul);
	else if (ul->nappend > 0)
		r = append(ul);
	if (r == 0) {
		ul->nappend = 0;
		ul->dirty = 0;
	}
	return r;
}

int
uidlist_commit(struct uidlist *ul)
{
	int	 r, save;

	r = uidlist_write(ul);
	save = errno;
	uidlist_unlock(ul);
	errno = save;
	return r;
}

/* --- dovecot-keywords ------------------------------------------------ */

void
keywords_free(struct keywords *kw)
{
	int	 i;

	for (i = 0; i < UIDLIST_NKEYWORDS; i++) {
		free(kw->names[i]);
		kw->names[i] = NULL;
	}
}

int
keywords_load(struct keywords *kw, const char *dir)
{
	char	 path[PATH_MAX], *line = NULL, *sp, *end;
	size_t	 cap = 0;
	ssize_t	 len;
	long	 idx;
	FILE	*fp;

	keywords_free(kw);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, KEYWORDS_FILE) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fp = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((len = getline(&line, &cap, fp)) != -1) {
		/* the name ends at a NUL: its line end is trimmed there, so
		 * that what keywords_save() writes reads back the same */
		len = (ssize_t)strlen(line);
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if ((sp = strchr(line, ' ')) == NULL || sp[1] == '\0')
			continue;
		*sp = '\0';
		errno = 0;
		idx = strtol(line, &end, 10);
		if (*end != '\0' || idx < 0 || idx >= UIDLIST_NKEYWORDS ||
		    kw->names[idx] != NULL)
			continue;
		if ((kw->names[idx] = strdup(sp + 1)) == NULL) {
			free(line);
			fclose(fp);
			return -1;
		}
	}
	free(line);
	fclose(fp);
	return 0;
}

int
keywords_save(const struct keywords *kw, const char *dir)
{
	char	 path[PATH_MAX], tmp[PATH_MAX];
	FILE	*fp;
	int	 i, bad = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, KEYWORDS_FILE) >=
	    sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, KEYWORDS_FILE) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fp = fopen(tmp, "we")) == NULL)
		return -1;
	for (i = 0; i < UIDLIST_NKEYWORDS; i++)
		if (kw->names[i] && fprintf(fp, "%d %s\n", i, kw->names[i]) < 0)
			bad = 1;
	if (fflush(fp) == EOF || fsync(fileno(fp)) == -1)
		bad = 1;
	if (fclose(fp) == EOF)
		bad = 1;
	if (bad || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	/* the letter goes into file names next: its name first on disk */
	if (fsync_dir(dir) == -1)
		return -1;
	return 0;
}

int
keywords_index(const struct keywords *kw, const char *name)
{
	int	 i;

	for (i = 0; i < UIDLIST_NKEYWORDS; i++)
		if (kw->names[i] && strcasecmp(kw->names[i], name) == 0)
			return i;
	return -1;
}
