/*
 * mdindex: a folder's `posta-index', the view one session had of the
 * folder, saved so that the next session need not read cur/ and
 * dovecot-uidlist again; see maildir.h.  It is a cache: posta alone
 * reads and writes it, any doubt about it means it is not used, and
 * dovecot-uidlist stays the truth.
 *
 * The file, in native byte order (the header's order mark says which):
 *
 *	header		struct mdx_hdr
 *	names		each message's file name and a NUL, the whole
 *			padded with NULs to a multiple of 8 octets
 *	records		struct mdx_rec, one a message, in UID order
 *
 * The header holds what a SELECT tells (how many messages, how many and
 * which first not \Seen, how many in new/), so that loading the index
 * (mdx_load) reads and checks the header alone; the names and records
 * are checked only when the view is built from them (mdx_view), and a
 * failure there drops the view for a reading of the folder (md_view in
 * mdfolder.c).  The names stay in the mapping.  The header holds what
 * the view is a view of: new/'s and cur/'s mtimes
 * (nanoseconds) and dovecot-uidlist's device, inode, size and mtime, as
 * they were when the view was read, plus checksums of itself, the names
 * and the records.  Another magic, version, byte order, record size or
 * maildir_mtime_date setting, a size that does not add up, a bad
 * checksum or a record out of bounds: the file is ignored (and written
 * again by the next session that can).
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

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
#include "maildir.h"
#include "mdpriv.h"

#define MDX_MAGIC	"posta-ix"
#define MDX_VERSION	2
#define MDX_ORDER	0x01020304u
#define MDX_F_MTIME	0x01		/* written with maildir_mtime_date */
#define MDX_SETTLE	2		/* seconds; see mdx_save */

struct mdx_hdr {
	char		 magic[8];
	uint32_t	 version;
	uint32_t	 order;
	uint32_t	 recsize;
	uint32_t	 flags;		/* MDX_F_* */
	uint32_t	 uidvalidity;
	uint32_t	 uidnext;
	uint32_t	 maxuid;
	uint32_t	 nmsgs;
	uint32_t	 nunseen;	/* records not \Seen */
	uint32_t	 firstunseen;	/* 1 + index of the first, 0: none */
	uint32_t	 nnew;		/* records in new/ */
	uint32_t	 pad;
	uint64_t	 nameslen;
	int64_t		 newsec, newnsec, cursec, curnsec;
	struct md_fileid ul;		/* dovecot-uidlist */
	uint64_t	 cknames, ckrecs;
	uint64_t	 ckhdr;		/* of the header with this 0 */
};

struct mdx_rec {
	uint32_t	 uid;
	uint32_t	 keywords;
	uint32_t	 nameoff;	/* into the names */
	uint8_t		 namelen;
	uint8_t		 baselen;
	uint8_t		 flags;		/* MD_F_* */
	uint8_t		 in_new;
	int64_t		 date;
	int64_t		 size;		/* -1: unknown */
	int64_t		 vsize;		/* -1: unknown */
};

/*
 * A checksum against damage (not against malice: whoever can write the
 * file can write the folder): Fletcher's two sums, over 64-bit words in
 * four lanes so that it runs at memory speed, the second sum catching
 * words moved about.  Fed in pieces of a multiple of 32 octets but the
 * last, whose tail goes through uidlist_hash.
 */
struct mdx_ck {
	uint64_t	 a[4], b[4];
	uint64_t	 n;
};

static void
ck_init(struct mdx_ck *c)
{
	memset(c, 0, sizeof(*c));
}

static void
ck_add(struct mdx_ck *c, const void *p, size_t n)
{
	const unsigned char	*s = p;
	uint64_t		 w[4];
	uint64_t		 a0 = c->a[0], a1 = c->a[1], a2 = c->a[2];
	uint64_t		 a3 = c->a[3], b0 = c->b[0], b1 = c->b[1];
	uint64_t		 b2 = c->b[2], b3 = c->b[3];

	c->n += n;
	for (; n >= 32; s += 32, n -= 32) {
		memcpy(w, s, 32);
		a0 += w[0];
		a1 += w[1];
		a2 += w[2];
		a3 += w[3];
		b0 += a0;
		b1 += a1;
		b2 += a2;
		b3 += a3;
	}
	if (n > 0)
		a0 ^= uidlist_hash((const char *)s, n);
	c->a[0] = a0;
	c->a[1] = a1;
	c->a[2] = a2;
	c->a[3] = a3;
	c->b[0] = b0;
	c->b[1] = b1;
	c->b[2] = b2;
	c->b[3] = b3;
}

static uint64_t
ck_end(const struct mdx_ck *c)
{
	const uint64_t	 k = 0x9e3779b97f4a7c15ULL;
	uint64_t	 h = c->n;
	int		 i;

	for (i = 0; i < 4; i++) {
		h = (h ^ c->a[i]) * k;
		h = (h ^ c->b[i]) * k;
		h ^= h >> 31;
	}
	return h;
}

static uint64_t
mdx_sum(const void *p, size_t n)
{
	struct mdx_ck	 c;

	ck_init(&c);
	ck_add(&c, p, n);
	return ck_end(&c);
}

int
mdx_fileid(int fd, const char *path, struct md_fileid *id)
{
	struct stat	 st;

	if ((fd != -1 ? fstat(fd, &st) : stat(path, &st)) == -1)
		return -1;
	memset(id, 0, sizeof(*id));
	id->dev = (uint64_t)st.st_dev;
	id->ino = (uint64_t)st.st_ino;
	id->size = (uint64_t)st.st_size;
	id->sec = (int64_t)st.st_mtim.tv_sec;
	id->nsec = (int64_t)st.st_mtim.tv_nsec;
	return 0;
}

int
mdx_fileid_eq(const struct md_fileid *a, const struct md_fileid *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->sec == b->sec && a->nsec == b->nsec;
}

static int
ts_set(struct timespec *t, int64_t sec, int64_t nsec)
{
	if (nsec < 0 || nsec > 999999999)
		return -1;
	t->tv_sec = (time_t)sec;
	t->tv_nsec = (long)nsec;
	return 0;
}

/* The header's checks: 0 when it can be used. */
static int
hdr_ok(struct mdx_hdr *h, off_t filesize)
{
	uint64_t	 ck = h->ckhdr, want;

	if (memcmp(h->magic, MDX_MAGIC, sizeof(h->magic)) != 0 ||
	    h->version != MDX_VERSION || h->order != MDX_ORDER ||
	    h->recsize != sizeof(struct mdx_rec) ||
	    h->flags != (md_settings.mtime_date ? MDX_F_MTIME : 0))
		return -1;
	h->ckhdr = 0;
	if (mdx_sum(h, sizeof(*h)) != ck)
		return -1;
	h->ckhdr = ck;
	if (h->uidvalidity == 0 || h->maxuid >= h->uidnext ||
	    h->nameslen % 8 != 0 || h->nameslen > (uint64_t)filesize ||
	    h->nmsgs > (uint64_t)filesize / sizeof(struct mdx_rec))
		return -1;
	want = sizeof(*h) + h->nameslen +
	    (uint64_t)h->nmsgs * sizeof(struct mdx_rec);
	if (want != (uint64_t)filesize)
		return -1;
	/* every message has a name of at least one octet and its NUL */
	if (h->nameslen < 2 * (uint64_t)h->nmsgs || h->nameslen > UINT32_MAX)
		return -1;
	if (h->nunseen > h->nmsgs || h->nnew > h->nmsgs ||
	    h->firstunseen > h->nmsgs || (h->nunseen == 0) !=
	    (h->firstunseen == 0) || h->pad != 0)
		return -1;
	return 0;
}

/* A record's checks (bounds, order) against the mapped names: 0 when
 * it can be used. */
static int
rec_ok(const struct mdx_rec *r, const char *names, uint64_t nameslen,
    uint32_t prev, uint32_t maxuid)
{
	const char	*name;

	if (r->uid <= prev || r->uid > maxuid || r->namelen == 0 ||
	    (uint64_t)r->nameoff + r->namelen >= nameslen ||
	    r->baselen == 0 || r->baselen > r->namelen ||
	    (r->flags & ~MD_F_ALL) != 0 || r->in_new > 1 ||
	    r->size < -1 || r->vsize < -1 || r->date < 0)
		return -1;
	/*
	 * No scan of the name: the checksum vouches that a posta wrote it,
	 * and a posta writes only names it read in new/ or cur/.  (A name
	 * made up to leave the folder needs the right to write in it,
	 * which is the right to put a symbolic link there.)
	 */
	name = names + r->nameoff;
	if (name[r->namelen] != '\0' || name[0] == '.' ||
	    (r->baselen < r->namelen && name[r->baselen] != ':'))
		return -1;
	return 0;
}

/*
 * Map the index and check its header: what a SELECT tells comes from
 * there; the rest is checked by mdx_view.  The file is never written in
 * place (a new one is renamed over it), so the mapping stays the index
 * the header is of.
 */
int
mdx_load(struct md_folder *f)
{
	char			 path[PATH_MAX];
	struct mdx_hdr		 h;
	struct md_counts	*cn = &f->idxcounts;
	struct timespec		 newmt, curmt;
	struct stat		 st;
	void			*map = MAP_FAILED;
	size_t			 len = 0;
	int			 fd;

	if (!md_settings.index || f->synced || f->nmsgs > 0 ||
	    md_subpath(f, MDX_FILE, path, sizeof(path)) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	f->idxtried = 2;	/* there is one: remove it when unfit */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size < (off_t)sizeof(h) || (uint64_t)st.st_size > SIZE_MAX)
		goto bad;
	len = (size_t)st.st_size;
	if ((map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0)) ==
	    MAP_FAILED)
		goto bad;
	memcpy(&h, map, sizeof(h));
	if (hdr_ok(&h, st.st_size) == -1 ||
	    ts_set(&newmt, h.newsec, h.newnsec) == -1 ||
	    ts_set(&curmt, h.cursec, h.curnsec) == -1)
		goto bad;
	close(fd);

	memset(cn, 0, sizeof(*cn));
	cn->exists = h.nmsgs;
	cn->unseen = h.nunseen;
	cn->first_unseen = h.firstunseen;
	cn->in_new = h.nnew;
	f->msgs = NULL;
	f->nmsgs = h.nmsgs;
	f->msgcap = 0;
	f->idxmap = map;
	f->idxmaplen = len;
	f->idxlazy = 1;
	f->uidvalidity = h.uidvalidity;
	f->uidnext = h.uidnext;
	f->maxuid = h.maxuid;
	f->newmt = newmt;
	f->curmt = curmt;
	f->newdirty = f->curdirty = 0;
	f->ulid = h.ul;
	f->ullazy = 1;
	f->idxbase = 1;
	f->synced = 1;
	f->idxsaved.newmt = newmt;
	f->idxsaved.curmt = curmt;
	f->idxsaved.ul = h.ul;
	f->idxsaved.nmsgs = h.nmsgs;
	f->idxsaved.valid = 1;
	return 0;
bad:
	close(fd);
	if (map != MAP_FAILED)
		munmap(map, len);
	return -1;
}

/* The names and records of a loaded index: their checksums, every
 * record, and the header's counts against them.  0 when sound. */
static int
mdx_check(const struct md_folder *f)
{
	struct mdx_hdr		 h;
	struct mdx_ck		 ck;
	const struct mdx_rec	*recs;
	const char		*names;
	uint32_t		 prev = 0, unseen = 0, first = 0, nnew = 0;
	size_t			 i, j, n;

	memcpy(&h, f->idxmap, sizeof(h));
	names = (const char *)f->idxmap + sizeof(h);
	if (mdx_sum(names, h.nameslen) != h.cknames ||
	    (h.nameslen > 0 && names[h.nameslen - 1] != '\0'))
		return -1;
	/* header and names are multiples of 8 octets: aligned records */
	recs = (const struct mdx_rec *)(const void *)(names + h.nameslen);
	/* the records a piece at a time, checked while in the cache */
	ck_init(&ck);
	for (i = 0; i < h.nmsgs; i += n) {
		n = h.nmsgs - i;
		if (n > 1600)	/* 64000 octets: 32 | 40 * 1600 */
			n = 1600;
		ck_add(&ck, recs + i, n * sizeof(*recs));
		for (j = i; j < i + n; j++) {
			if (rec_ok(&recs[j], names, h.nameslen, prev,
			    h.maxuid) == -1)
				return -1;
			prev = recs[j].uid;
			if (!(recs[j].flags & MD_F_SEEN) && unseen++ == 0)
				first = (uint32_t)j + 1;
			if (recs[j].in_new)
				nnew++;
		}
	}
	if (ck_end(&ck) != h.ckrecs || prev != h.maxuid ||
	    unseen != h.nunseen || first != h.firstunseen || nnew != h.nnew)
		return -1;
	return 0;
}

int
mdx_view(struct md_folder *f)
{
	const struct mdx_rec	*r;
	struct md_msg		*msgs, *m;
	char			*names;
	size_t			 i, recoff, off;
	long			 pg;

	if (!f->idxlazy)
		return 0;
	if (mdx_check(f) == -1) {
		errno = EINVAL;
		return -1;
	}
	if ((msgs = reallocarray(NULL, f->nmsgs ? f->nmsgs : 1,
	    sizeof(*msgs))) == NULL)
		return -1;
	names = (char *)f->idxmap + sizeof(struct mdx_hdr);
	recoff = sizeof(struct mdx_hdr) +
	    (size_t)((const struct mdx_hdr *)f->idxmap)->nameslen;
	r = (const struct mdx_rec *)(const void *)((const char *)f->idxmap +
	    recoff);
	for (i = 0; i < f->nmsgs; i++, r++) {
		m = &msgs[i];
		memset(m, 0, sizeof(*m));
		m->uid = r->uid;
		m->flags = r->flags;
		m->keywords = r->keywords;
		m->date = (time_t)r->date;
		m->size = (off_t)r->size;
		m->vsize = (off_t)r->vsize;
		m->name = names + r->nameoff;	/* checked by mdx_check */
		m->baselen = r->baselen;
		m->in_new = r->in_new;
		m->indexed = 1;
	}
	f->msgs = msgs;
	f->msgcap = f->nmsgs ? f->nmsgs : 1;
	f->idxlazy = 0;
	/* the records are in msgs now: only the names need stay mapped
	 * (and the length is cut: the hole may be mapped again by
	 * anyone, malloc(3) too) */
	if ((pg = sysconf(_SC_PAGESIZE)) > 0) {
		off = (recoff + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
		if (off < f->idxmaplen &&
		    munmap((char *)f->idxmap + off, f->idxmaplen - off) == 0)
			f->idxmaplen = off;
	}
	return 0;
}

void
mdx_unmap(struct md_folder *f)
{
	if (f->idxmap != NULL)
		munmap(f->idxmap, f->idxmaplen);
	f->idxmap = NULL;
	f->idxmaplen = 0;
	f->idxlazy = 0;
}

static int
ts_eq(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* At least MDX_SETTLE seconds between t and now. */
static int
settled(const struct timespec *now, const struct timespec *t)
{
	long long	 d;

	d = ((long long)now->tv_sec - (long long)t->tv_sec) * 1000000000LL +
	    (now->tv_nsec - t->tv_nsec);
	return d >= MDX_SETTLE * 1000000000LL;
}

static int
dir_is(const struct md_folder *f, const char *sub, const struct timespec *t)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	return md_subpath(f, sub, path, sizeof(path)) == 0 &&
	    stat(path, &st) == 0 && ts_eq(&st.st_mtim, t);
}

/* The names and records of the view's messages. */
static int
mdx_build(const struct md_folder *f, struct buf *names, struct buf *recs,
    uint32_t *n, struct mdx_hdr *h)
{
	const struct md_msg	*m;
	struct mdx_rec		 r;
	size_t			 i, len;
	static const char	 pad[8];

	*n = 0;
	for (i = 0; i < f->nmsgs; i++) {
		m = &f->msgs[i];
		if (m->expunged)
			continue;
		len = strlen(m->name);
		if (len == 0 || len > 255 || m->baselen == 0 ||
		    m->baselen > len || names->len > UINT32_MAX - 256 ||
		    m->date < 0)
			return -1;
		memset(&r, 0, sizeof(r));
		r.uid = m->uid;
		r.keywords = m->keywords;
		r.nameoff = (uint32_t)names->len;
		r.namelen = (uint8_t)len;
		r.baselen = (uint8_t)m->baselen;
		r.flags = (uint8_t)(m->flags & MD_F_ALL);
		r.in_new = m->in_new;
		r.date = (int64_t)m->date;
		r.size = m->size < 0 ? -1 : (int64_t)m->size;
		r.vsize = m->vsize < 0 ? -1 : (int64_t)m->vsize;
		if (buf_add(names, m->name, len + 1) == -1 ||
		    buf_add(recs, &r, sizeof(r)) == -1)
			return -1;
		(*n)++;
		if (!(r.flags & MD_F_SEEN) && h->nunseen++ == 0)
			h->firstunseen = *n;
		if (r.in_new)
			h->nnew++;
	}
	if (names->len % 8 != 0 &&
	    buf_add(names, pad, 8 - names->len % 8) == -1)
		return -1;
	return 0;
}

/*
 * Save the view.  Only a view that md_sync trusts (neither new/ nor
 * cur/ dirty), of a folder as it still is (both mtimes and the
 * uidlist's identity unchanged since the view was read), and only when
 * both directories last changed at least MDX_SETTLE seconds ago: a
 * directory changed within the last tick of a coarse clock (or of a
 * file server's clock) could change again without a new mtime, as
 * Dovecot too treats such a directory as dirty.  A folder below
 * maildir_index_min messages gets no index (one left from when it was
 * larger is removed).
 */
/*
 * Is there anything to save (without a lock)?  1, with the uidlist's
 * identity in *ul; 2 when a stale index is to be removed; 0 when not.
 */
static int
mdx_wanted(struct md_folder *f, struct md_fileid *ul)
{
	char		 ulpath[PATH_MAX];
	struct md_fileid now_ul;
	struct timespec	 now;

	if (!md_settings.index || !f->synced || f->curdirty || f->newdirty ||
	    f->uidvalidity == 0 || f->idxbase)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	if (!settled(&now, &f->newmt) || !settled(&now, &f->curmt))
		return 0;
	if (f->ullazy)
		*ul = f->ulid;
	else if (f->ul.fd == -1 || mdx_fileid(f->ul.fd, NULL, ul) == -1 ||
	    ul->size != (uint64_t)f->ul.readoff ||
	    f->ul.uidvalidity != f->uidvalidity)
		return 0;	/* the view is not of the list as it is */
	if (f->idxsaved.valid && ts_eq(&f->idxsaved.newmt, &f->newmt) &&
	    ts_eq(&f->idxsaved.curmt, &f->curmt) &&
	    mdx_fileid_eq(&f->idxsaved.ul, ul))
		return 0;	/* the index on disk is this view */
	if (md_count(f, NULL) < (size_t)(md_settings.index_min > 0 ?
	    md_settings.index_min : 0))
		return f->idxtried == 2 ? 2 : 0;
	if (md_subpath(f, UIDLIST_FILE, ulpath, sizeof(ulpath)) == -1 ||
	    mdx_fileid(-1, ulpath, &now_ul) == -1 ||
	    !mdx_fileid_eq(ul, &now_ul))
		return 0;
	if (!dir_is(f, "new", &f->newmt) || !dir_is(f, "cur", &f->curmt))
		return 0;
	return 1;
}

void
mdx_save(struct md_folder *f, int trylock)
{
	char		 path[PATH_MAX], tmp[PATH_MAX];
	struct mdx_hdr	 h;
	struct md_fileid ul;
	struct buf	 names = BUF_INIT, recs = BUF_INIT;
	uint32_t	 n;
	int		 fd = -1, bad, w, locked = 0;

	if ((w = mdx_wanted(f, &ul)) == 0)
		return;
	if (f->ul.lockfd == -1) {
		/* never wait: the next session may save it */
		if (!trylock || uidlist_lock(&f->ul, 0,
		    md_settings.lock_stale) == -1)
			return;
		locked = 1;
		if ((w = mdx_wanted(f, &ul)) == 0)
			goto out;
	}
	if (w == 2) {
		if (md_subpath(f, MDX_FILE, path, sizeof(path)) == 0 &&
		    (unlink(path) == 0 || errno == ENOENT))
			f->idxtried = 1;
		f->idxsaved.valid = 0;
		goto out;
	}

	memset(&h, 0, sizeof(h));
	if (mdx_build(f, &names, &recs, &n, &h) == -1)
		goto out;
	memcpy(h.magic, MDX_MAGIC, sizeof(h.magic));
	h.version = MDX_VERSION;
	h.order = MDX_ORDER;
	h.recsize = sizeof(struct mdx_rec);
	h.flags = md_settings.mtime_date ? MDX_F_MTIME : 0;
	h.uidvalidity = f->uidvalidity;
	h.uidnext = f->uidnext;
	h.maxuid = n > 0 ? ((const struct mdx_rec *)(const void *)
	    (recs.s + recs.len))[-1].uid : 0;
	h.nmsgs = n;
	h.nameslen = names.len;
	h.newsec = (int64_t)f->newmt.tv_sec;
	h.newnsec = f->newmt.tv_nsec;
	h.cursec = (int64_t)f->curmt.tv_sec;
	h.curnsec = f->curmt.tv_nsec;
	h.ul = ul;
	h.cknames = mdx_sum(names.s ? names.s : "", names.len);
	h.ckrecs = mdx_sum(recs.s ? recs.s : "", recs.len);
	h.ckhdr = mdx_sum(&h, sizeof(h));
	if (h.maxuid >= h.uidnext)
		goto out;

	/* the tmp name is ours alone while we hold the lock */
	if (md_subpath(f, MDX_FILE, path, sizeof(path)) == -1 ||
	    md_subpath(f, MDX_FILE ".tmp", tmp, sizeof(tmp)) == -1)
		goto out;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		goto out;
	/* no fsync: a file cut short by a crash fails its checks and is
	 * made again */
	bad = write_full(fd, &h, sizeof(h)) == -1 ||
	    (names.len > 0 && write_full(fd, names.s, names.len) == -1) ||
	    (recs.len > 0 && write_full(fd, recs.s, recs.len) == -1);
	if (close(fd) == -1)
		bad = 1;
	fd = -1;
	if (bad) {
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		goto out;
	}
	f->idxtried = 2;
	f->idxsaved.newmt = f->newmt;
	f->idxsaved.curmt = f->curmt;
	f->idxsaved.ul = ul;
	f->idxsaved.nmsgs = n;
	f->idxsaved.valid = 1;
out:
	if (fd != -1)
		close(fd);
	buf_free(&names);
	buf_free(&recs);
	if (locked)
		uidlist_unlock(&f->ul);
}
