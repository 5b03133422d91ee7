/*
 * maildir: an open folder: md_sync against new/, cur/ and the uidlist,
 * and the operations on its messages.  See maildir.h.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
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
#include "mdeliver.h"
#include "mdpriv.h"

static int	 view_rebuild(struct md_folder *, size_t);
static int	 dir_stat(struct md_folder *, const char *, struct timespec *);
static int	 ts_eq(const struct timespec *, const struct timespec *);
static int	 ts_trusted(const struct timespec *, const struct timespec *);

/* --- the session's view: base -> index ------------------------------- */

/* A name from the index lives in its mapping (f->idxmap), not in its
 * own allocation. */
static void
msg_name_free(struct md_msg *m)
{
	if (!m->indexed)
		free(m->name);
	m->name = NULL;
	m->indexed = 0;
}

static void
view_insert(struct md_folder *f, size_t idx)
{
	const struct md_msg	*m = &f->msgs[idx];
	uint64_t		 h;
	size_t			 i;

	if (f->hashcap == 0)
		return;		/* none yet: md_sync makes it */
	h = uidlist_hash(m->name, m->baselen);
	i = h & (f->hashcap - 1);
	while (f->hash[i].idx != 0)
		i = (i + 1) & (f->hashcap - 1);
	f->hash[i].idx = (uint32_t)idx + 1;
	f->hash[i].h = (uint32_t)(h >> 32);
	f->hashused++;
}

/* The index again, with room for n messages. */
static int
view_rebuild(struct md_folder *f, size_t n)
{
	size_t	 cap = 64, i;

	if (n < f->nmsgs)
		n = f->nmsgs;
	while (cap < (n + 1) * 2)
		cap *= 2;
	free(f->hash);
	f->hashused = 0;
	if ((f->hash = calloc(cap, sizeof(*f->hash))) == NULL) {
		f->hashcap = 0;
		return -1;
	}
	f->hashcap = cap;
	for (i = 0; i < f->nmsgs; i++)
		view_insert(f, i);
	return 0;
}

static struct md_msg *
view_find(struct md_folder *f, const char *base, size_t baselen)
{
	struct md_msg	*m;
	uint64_t	 h;
	size_t		 i;

	if (f->hashcap == 0)
		return NULL;
	h = uidlist_hash(base, baselen);
	for (i = h & (f->hashcap - 1); f->hash[i].idx != 0;
	    i = (i + 1) & (f->hashcap - 1)) {
		if (f->hash[i].h != (uint32_t)(h >> 32))
			continue;
		m = &f->msgs[f->hash[i].idx - 1];
		if (!m->expunged && m->baselen == baselen &&
		    memcmp(m->name, base, baselen) == 0)
			return m;
	}
	return NULL;
}

/* Room for n more messages, in the array and in the index. */
static int
view_reserve(struct md_folder *f, size_t n)
{
	struct md_msg	*nm;
	size_t		 cap = f->msgcap ? f->msgcap : 64;

	while (cap < f->nmsgs + n)
		cap *= 2;
	if (cap > f->msgcap) {
		if ((nm = reallocarray(f->msgs, cap, sizeof(*nm))) == NULL)
			return -1;
		f->msgs = nm;
		f->msgcap = cap;
	}
	if (f->hashcap > 0 && (f->nmsgs + n + 1) * 2 > f->hashcap)
		return view_rebuild(f, f->nmsgs + n);
	return 0;
}

/* Append a message to the view (uid above every earlier one). */
static struct md_msg *
view_add(struct md_folder *f, uint32_t uid, const char *name, int in_new,
    const struct md_name *n)
{
	struct md_msg	*m;
	struct stat	 st;
	char		 path[PATH_MAX];

	if (view_reserve(f, 1) == -1)
		return NULL;
	m = &f->msgs[f->nmsgs];
	memset(m, 0, sizeof(*m));
	if ((m->name = strdup(name)) == NULL)
		return NULL;
	m->uid = uid;
	m->baselen = n->baselen;
	m->flags = n->flags;
	m->keywords = n->keywords;
	m->size = n->size;
	m->vsize = n->vsize;
	m->in_new = in_new ? 1 : 0;
	m->seen = f->gen;
	m->date = n->secs;
	if (n->secs < 0 || md_settings.mtime_date) {
		if (md_msg_path(f, m, path, sizeof(path)) == 0 &&
		    stat(path, &st) == 0) {
			m->date = st.st_mtime;
			if (m->size < 0)
				m->size = st.st_size;
		} else if (m->date < 0)
			m->date = 0;
	}
	f->nmsgs++;
	if (f->uidnext <= uid)
		f->uidnext = uid + 1;
	if (f->maxuid < uid)
		f->maxuid = uid;
	view_insert(f, f->nmsgs - 1);
	return m;
}

static void
view_clear(struct md_folder *f)
{
	size_t	 i;

	for (i = 0; f->msgs != NULL && i < f->nmsgs; i++)
		msg_name_free(&f->msgs[i]);
	free(f->msgs);
	free(f->hash);
	mdx_unmap(f);
	f->msgs = NULL;
	f->hash = NULL;
	f->nmsgs = f->msgcap = f->hashcap = f->hashused = 0;
	f->maxuid = 0;
}

/* --- open, close ----------------------------------------------------- */

struct md_folder *
md_open(const char *maildir, const char *name)
{
	struct md_folder	*f;
	char			 path[PATH_MAX];

	if (md_folder_path(maildir, name, path, sizeof(path)) == -1)
		return NULL;
	if (!md_folder_exists(maildir, name)) {
		errno = ENOENT;
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if ((f->maildir = strdup(maildir)) == NULL ||
	    (f->name = strdup(md_is_inbox(name) ? "INBOX" : name)) == NULL ||
	    (f->path = strdup(path)) == NULL ||
	    uidlist_init(&f->ul, path) == -1) {
		free(f->maildir);
		free(f->name);
		free(f->path);
		free(f);
		return NULL;
	}
	f->gen = 1;
	return f;
}

void
md_close(struct md_folder *f)
{
	if (f == NULL)
		return;
	/* a view not saved at the last unlock (a directory had changed
	 * too recently) may be by now; never wait for the lock here */
	if (f->lockdepth == 0)
		mdx_save(f, 1);
	view_clear(f);
	uidlist_free(&f->ul);
	keywords_free(&f->kw);
	free(f->maildir);
	free(f->name);
	free(f->path);
	free(f);
}

/* Take the lock (nested: counted).  settle: when this is the outermost
 * lock and cur/ is changed under it, md_unlock waits for the clock (see
 * cur_settle); single calls do not wait, and leave cur/ to be read at
 * the next md_sync instead. */
static int
lock_folder(struct md_folder *f, int settle)
{
	struct timespec	 mt;

	if (f->lockdepth > 0) {
		f->lockdepth++;
		return 0;
	}
	if (uidlist_lock(&f->ul, md_settings.lock_timeout,
	    md_settings.lock_stale) == -1)
		return -1;
	f->lockdepth = 1;
	f->settle = settle;
	/* is cur/ still as this session last read it? */
	f->curown = 0;
	f->curclean = f->synced && !f->curdirty &&
	    dir_stat(f, "cur", &mt) == 0 && ts_eq(&mt, &f->curmt);
	return 0;
}

/*
 * cur/ was read or changed by this process under the lock, with no
 * change by another before: wait (still locked) until the coarse clock
 * is past cur/'s mtime, so that any later change by another process
 * gets a later mtime, and take that mtime as read.  Only processes
 * that ignore the lock can slip a change in unseen, as with Dovecot.
 */
static void
cur_settle(struct md_folder *f)
{
	struct timespec	 now, mt, pause = { 0, 1000 * 1000 };
	int		 tries;

	if (!f->curclean) {
		f->curdirty = 1;
		return;
	}
	for (tries = 0; tries < 50; tries++) {
		clock_gettime(CLOCK_REALTIME_COARSE, &now);
		if (dir_stat(f, "cur", &mt) == -1)
			break;
		if (ts_trusted(&now, &mt)) {
			f->curmt = mt;
			f->curdirty = 0;
			return;
		}
		if (mt.tv_nsec == 0)
			break;		/* whole seconds: not worth a wait */
		nanosleep(&pause, NULL);
	}
	f->curdirty = 1;
}

int
md_lock(struct md_folder *f)
{
	return lock_folder(f, 1);
}

void
md_unlock(struct md_folder *f)
{
	if (f->lockdepth == 0)
		return;
	if (--f->lockdepth > 0)
		return;
	if (f->curown) {
		if (f->settle)
			cur_settle(f);
		else
			f->curdirty = 1;
	}
	f->curown = 0;
	mdx_save(f, 0);
	uidlist_unlock(&f->ul);
}

/* Write the uidlist's changes; the lock stays held by the caller. */
static int
ul_write(struct md_folder *f)
{
	return uidlist_write(&f->ul);
}

/* --- scanning -------------------------------------------------------- */

struct scan_ent {
	size_t		 off;		/* into names */
	unsigned int	 in_new;
};

struct scan {
	struct buf	 names;
	struct scan_ent	*e;
	size_t		 n, cap;
};

static void
scan_free(struct scan *sc)
{
	buf_free(&sc->names);
	free(sc->e);
	memset(sc, 0, sizeof(*sc));
}

int
md_subpath(const struct md_folder *f, const char *sub, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s", f->path, sub) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int
scan_dir(struct md_folder *f, int in_new, struct scan *sc)
{
	char		 dir[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	struct scan_ent	*ne;
	size_t		 len;

	if (md_subpath(f, in_new ? "new" : "cur", dir, sizeof(dir)) == -1)
		return -1;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (sc->n == sc->cap) {
			ne = reallocarray(sc->e, sc->cap ? sc->cap * 2 : 256,
			    sizeof(*ne));
			if (ne == NULL)
				goto fail;
			sc->e = ne;
			sc->cap = sc->cap ? sc->cap * 2 : 256;
		}
		len = strlen(de->d_name);
		sc->e[sc->n].off = sc->names.len;
		sc->e[sc->n].in_new = in_new;
		if (buf_add(&sc->names, de->d_name, len + 1) == -1)
			goto fail;
		sc->n++;
	}
	closedir(d);
	return 0;
fail:
	closedir(d);
	return -1;
}

static int
dir_stat(struct md_folder *f, const char *sub, struct timespec *mt)
{
	char		 dir[PATH_MAX];
	struct stat	 st;

	if (md_subpath(f, sub, dir, sizeof(dir)) == -1 || stat(dir, &st) == -1)
		return -1;
	*mt = st.st_mtim;
	return 0;
}

static int
ts_eq(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/*
 * Can a directory's mtime t, read after the coarse clock said now, be
 * trusted to change with the next change?  A file system stamps a
 * change with the coarse clock (or a finer one) cut to its granularity:
 * once the clock has moved past t, any later change gets a later
 * stamp.  A stamp with no nanoseconds may come from a file system that
 * keeps whole seconds, so it needs the next second.
 */
static int
ts_trusted(const struct timespec *now, const struct timespec *t)
{
	if (t->tv_nsec == 0)
		return now->tv_sec > t->tv_sec;
	return now->tv_sec > t->tv_sec ||
	    (now->tv_sec == t->tv_sec && now->tv_nsec > t->tv_nsec);
}

/* A file found that the view does not have yet. */
struct found {
	uint32_t	 uid;		/* 0: none yet */
	int		 fresh;		/* the uid was given by this sync */
	const char	*name;
	int		 in_new;
	struct md_name	 nm;
};

static int
cmp_found_base(const void *a, const void *b)
{
	const struct found	*x = a, *y = b;
	size_t			 xl = x->nm.baselen, yl = y->nm.baselen;
	int			 c;

	if ((c = memcmp(x->name, y->name, xl < yl ? xl : yl)) != 0)
		return c;
	if (xl != yl)
		return xl < yl ? -1 : 1;
	return x->in_new - y->in_new;	/* cur/ first */
}

static int
cmp_found_time(const void *a, const void *b)
{
	const struct found	*x = a, *y = b;

	if (x->nm.secs != y->nm.secs)
		return x->nm.secs < y->nm.secs ? -1 : 1;
	if (x->nm.usec != y->nm.usec)
		return x->nm.usec < y->nm.usec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int
cmp_found_uid(const void *a, const void *b)
{
	const struct found	*x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static int
found_add(struct found **fa, size_t *n, size_t *cap, const struct found *v)
{
	struct found	*nf;

	if (*n == *cap) {
		nf = reallocarray(*fa, *cap ? *cap * 2 : 64, sizeof(*nf));
		if (nf == NULL)
			return -1;
		*fa = nf;
		*cap = *cap ? *cap * 2 : 64;
	}
	(*fa)[(*n)++] = *v;
	return 0;
}

/* Reload dovecot-keywords when it changed. */
static void
keywords_refresh(struct md_folder *f)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", f->path,
	    KEYWORDS_FILE) >= sizeof(path))
		return;
	if (stat(path, &st) == -1) {
		if (f->kwino != 0)
			keywords_free(&f->kw);
		f->kwino = 0;
		return;
	}
	if (st.st_ino == f->kwino && ts_eq(&st.st_mtim, &f->kwmt))
		return;
	if (keywords_load(&f->kw, f->path) == 0) {
		f->kwino = st.st_ino;
		f->kwmt = st.st_mtim;
	}
}

/* Is dovecot-uidlist still the file the index's view was made with? */
static int
ul_unchanged(const struct md_folder *f)
{
	char		 path[PATH_MAX];
	struct md_fileid id;

	return (size_t)snprintf(path, sizeof(path), "%s/%s", f->path,
	    UIDLIST_FILE) < sizeof(path) &&
	    mdx_fileid(-1, path, &id) == 0 && mdx_fileid_eq(&id, &f->ulid);
}

/* Does the file of m still exist under its name (a readdir can miss a
 * file renamed by a program that ignores the lock)? */
static int
still_there(struct md_folder *f, struct md_msg *m)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	return md_msg_path(f, m, path, sizeof(path)) == 0 &&
	    stat(path, &st) == 0;
}

static int
claim_new(struct md_folder *f)
{
	char		 from[PATH_MAX], to[PATH_MAX], name[NAME_MAX + 1];
	struct md_msg	*m;
	size_t		 i;

	for (i = 0; i < f->nmsgs; i++) {
		m = &f->msgs[i];
		if (!m->in_new || m->expunged)
			continue;
		if (md_msg_path(f, m, from, sizeof(from)) == -1 ||
		    md_name_with_flags(m->name, m->baselen, m->flags,
		    m->keywords, name, sizeof(name)) == -1 ||
		    (size_t)snprintf(to, sizeof(to), "%s/cur/%s", f->path,
		    name) >= sizeof(to))
			continue;
		if (rename(from, to) == -1)
			continue;	/* taken by another process */
		msg_name_free(m);
		if ((m->name = strdup(name)) == NULL) {
			m->expunged = 1;	/* out of memory: hide it */
			continue;
		}
		m->in_new = 0;
		m->recent = 1;
		f->curown = 1;
	}
	return 0;
}

/*
 * The view of a loaded index, needed now: built, when the index's names
 * and records pass their checks (mdx_view).  When they fail, the index
 * is dropped as if there had been none, and 1 returned: the folder is
 * to be read.  -1: no memory.
 */
static int
view_need(struct md_folder *f)
{
	if (!f->idxlazy)
		return 0;
	if (mdx_view(f) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
	view_clear(f);
	f->synced = 0;
	f->idxbase = 0;
	f->ullazy = 0;
	f->idxsaved.valid = 0;
	f->uidvalidity = f->uidnext = 0;
	f->newdirty = f->curdirty = 0;
	return 1;
}

/*
 * Nothing changed, but the view may hold files still in new/ that no
 * session took (the view of an EXAMINE or of posta-pop3d, saved in the
 * index): a SELECT takes them now, as reading the folder would have.
 */
static int
claim_unclaimed(struct md_folder *f, int flags)
{
	size_t	 i;

	if (!(flags & MD_SYNC_CLAIM_NEW) || f->idxlazy)
		return 0;	/* unbuilt: nothing in new/ (see md_sync) */
	for (i = 0; i < f->nmsgs; i++)
		if (f->msgs[i].in_new && !f->msgs[i].expunged)
			break;
	if (i == f->nmsgs)
		return 0;
	if (lock_folder(f, 1) == -1)
		return -1;
	claim_new(f);
	md_unlock(f);
	return 0;
}

int
md_sync(struct md_folder *f, int flags, struct md_changes *ch)
{
	struct md_changes	 dummy;
	struct timespec		 nmt, cmt, now;
	struct scan		 sc;
	struct found		*fa = NULL, v;
	struct md_msg		*m;
	struct md_name		 nm;
	struct uidrec		*rec;
	size_t			 nfa = 0, cafa = 0, i, j, live, known;
	uint32_t		 disknext;
	int			 scanned_cur = 0, r, save, nolock = 0;
	const char		*name;

	if (ch == NULL)
		ch = &dummy;
	memset(ch, 0, sizeof(*ch));
	memset(&sc, 0, sizeof(sc));
	/* a first sync starts from the view the folder's index saved,
	 * if it has one fit to use (see mdindex.c) */
	if (!f->synced && !f->idxtried) {
		f->idxtried = 1;
		if (mdx_load(f) == 0) {
			keywords_refresh(f);
			ch->nnew = f->nmsgs;
		}
	}
again:
	if (dir_stat(f, "new", &nmt) == -1 || dir_stat(f, "cur", &cmt) == -1)
		return -1;
	if (f->synced && !f->newdirty && !f->curdirty &&
	    ts_eq(&nmt, &f->newmt) && ts_eq(&cmt, &f->curmt)) {
		/* nothing in the folder changed; the list, perhaps */
		if (f->ullazy) {
			/* the view is the index's: the list must be the
			 * very file it was made with */
			if (ul_unchanged(f)) {
				/* built unless it may stay as it is */
				if (f->idxlazy && (!(flags & MD_SYNC_LAZY) ||
				    ((flags & MD_SYNC_CLAIM_NEW) &&
				    f->idxcounts.in_new > 0)) &&
				    (r = view_need(f)) != 0) {
					if (r == -1)
						return -1;
					memset(ch, 0, sizeof(*ch));
					goto again;
				}
				return claim_unclaimed(f, flags);
			}
		} else {
			r = uidlist_refresh(&f->ul);
			if (r == 0 && f->ul.uidvalidity == f->uidvalidity)
				return claim_unclaimed(f, flags);
		}
	}
	/* something changed: the view is needed */
	if ((r = view_need(f)) != 0) {
		if (r == -1)
			return -1;
		memset(ch, 0, sizeof(*ch));
		goto again;
	}

	if (lock_folder(f, 1) == -1) {
		/* no inode left for the lock file (or a quota on them):
		 * read all the same, changing nothing; see below */
		if (errno != ENOSPC && errno != EDQUOT)
			return -1;
		nolock = errno;
	}
	/* the table of bases, not made for a view from the index until
	 * now */
	if (f->hashcap == 0 && view_rebuild(f, 0) == -1)
		goto fail;
	r = uidlist_refresh(&f->ul);
	f->ullazy = 0;
	if (r == -1 && errno == EINVAL)
		uidlist_reset(&f->ul);	/* broken: a new list, a new
					   UIDVALIDITY */
	else if (r == -1)
		goto fail;
	if (f->idxbase && f->ul.uidvalidity != f->uidvalidity)
		goto distrust;		/* the index is of another list */
	if (f->synced && f->ul.uidvalidity != f->uidvalidity) {
		/* a new list: the view starts again, from both folders */
		ch->nexpunged = md_count(f, NULL);
		ch->uidvalidity_changed = 1;
		view_clear(f);
		f->uidnext = 0;
		f->curdirty = 1;
	}
	keywords_refresh(f);
	disknext = f->ul.nextuid;

	/* new/ first, then cur/ when it changed (stat again now: a move
	 * from new/ to cur/ while new/ was read shows there) */
	f->gen++;
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	if (dir_stat(f, "new", &nmt) == -1 || scan_dir(f, 1, &sc) == -1)
		goto fail;
	f->newmt = nmt;
	f->newdirty = !ts_trusted(&now, &nmt);
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	if (dir_stat(f, "cur", &cmt) == -1)
		goto fail;
	if (!f->synced || f->curdirty || !ts_eq(&cmt, &f->curmt)) {
		if (scan_dir(f, 0, &sc) == -1)
			goto fail;
		scanned_cur = 1;
		f->curmt = cmt;
		/* unchanged while it was read: settled at the unlock */
		if (dir_stat(f, "cur", &nmt) == 0 && ts_eq(&nmt, &cmt)) {
			f->curclean = 1;
			f->curown = 1;
			f->curdirty = 0;
		} else {
			f->curclean = 0;
			f->curdirty = 1;
		}
	}

	/* cur/ entries win over new/ ones of the same base: walk cur/'s
	 * (at the end of the scan) first */
	for (j = sc.n; j-- > 0;) {
		i = j;
		name = sc.names.s + sc.e[i].off;
		if (md_name_parse(name, &nm) == -1)
			continue;
		if ((m = view_find(f, name, nm.baselen)) != NULL) {
			if (m->seen == f->gen || m->expunged)
				continue;
			m->seen = f->gen;
			if (strcmp(m->name, name) != 0) {
				char	*dup = strdup(name);

				if (dup == NULL)
					goto fail;
				msg_name_free(m);
				m->name = dup;
			}
			m->in_new = sc.e[i].in_new;
			if (m->flags != nm.flags || m->keywords != nm.keywords) {
				m->flags = nm.flags;
				m->keywords = nm.keywords;
				m->changed = 1;
				ch->nflags++;
			}
			continue;
		}
		memset(&v, 0, sizeof(v));
		v.name = name;
		v.in_new = sc.e[i].in_new;
		v.nm = nm;
		if ((rec = uidlist_find(&f->ul, name, nm.baselen)) != NULL) {
			if (rec->mark == f->gen)
				continue;
			if (rec->uid <= f->maxuid) {
				/* a view from the index lacks a file that
				 * the list has: the index is not to be
				 * believed, read the folder as if there
				 * were none */
				if (f->idxbase)
					goto distrust;
				/* found in the middle (a restored file, or
				 * a program that ignores the lock): it gets
				 * a new UID, as Dovecot does */
				if (uidlist_renumber(&f->ul, rec) == -1)
					goto fail;
				rec = uidlist_find(&f->ul, name, nm.baselen);
				if (rec == NULL)
					goto fail;
				v.fresh = 1;
			}
			rec->mark = f->gen;
			if (uidlist_set_name(&f->ul, rec, name) == -1)
				goto fail;
			v.uid = rec->uid;
			/* sizes Dovecot keeps in the list when the name
			 * has none */
			if (v.nm.vsize < 0)
				v.nm.vsize = uidlist_ext_num(rec, 'W');
			if (v.nm.size < 0)
				v.nm.size = uidlist_ext_num(rec, 'S');
		}
		if (found_add(&fa, &nfa, &cafa, &v) == -1)
			goto fail;
	}

	/* those with a UID in the list first, in UID order; then the
	 * files without one, each base once (cur/'s copy), in order of
	 * arrival, which get the next UIDs */
	for (i = j = 0; i < nfa; i++)
		if (fa[i].uid != 0) {
			v = fa[j];
			fa[j++] = fa[i];
			fa[i] = v;
		}
	known = j;
	if (known > 0)
		qsort(fa, known, sizeof(*fa), cmp_found_uid);
	if (nfa > known)
		qsort(fa + known, nfa - known, sizeof(*fa), cmp_found_base);
	for (i = j = known; i < nfa; i++) {
		if (j > known && fa[i].nm.baselen == fa[j - 1].nm.baselen &&
		    memcmp(fa[i].name, fa[j - 1].name, fa[i].nm.baselen) == 0)
			continue;
		fa[j++] = fa[i];
	}
	nfa = j;
	if (nfa > known)
		qsort(fa + known, nfa - known, sizeof(*fa), cmp_found_time);
	if (f->ul.uidvalidity == 0)
		uidlist_create(&f->ul);
	for (i = known; i < nfa; i++) {
		if ((rec = uidlist_add(&f->ul, fa[i].name, 0)) == NULL)
			goto fail;
		rec->mark = f->gen;
		fa[i].uid = rec->uid;
		fa[i].fresh = 1;
	}

	/* what the view had and the folder no longer has: found here,
	 * marked expunged only once the list is written */
	live = 0;
	for (i = 0; i < f->nmsgs; i++) {
		m = &f->msgs[i];
		if (m->expunged)
			continue;
		if (m->seen == f->gen) {
			live++;
			continue;
		}
		if ((!m->in_new && !scanned_cur) || still_there(f, m)) {
			/* cur/ unchanged, or the file is there */
			m->seen = f->gen;
			live++;
		}
	}
	live += nfa;

	/* records of files that are gone: dropped when there are many
	 * (Dovecot too keeps them a while) */
	if (scanned_cur && f->ul.nrecs - f->ul.ndead > live + 100 +
	    (f->ul.nrecs - f->ul.ndead) / 8) {
		for (i = 0; i < f->ul.nrecs; i++) {
			rec = &f->ul.recs[i];
			if (rec->name == NULL || rec->mark == f->gen)
				continue;
			m = view_find(f, rec->name, rec->baselen);
			if (m != NULL && m->seen == f->gen && !m->expunged)
				continue;
			uidlist_remove(&f->ul, rec);
		}
	}
	if (nolock)
		errno = nolock;
	if (nolock || ul_write(f) == -1) {
		/*
		 * The list cannot be written (a full disk, a quota): no UID
		 * given here is durable, so none may be shown, nor kept (a
		 * delivery or another session could give the same UID to
		 * another message).  What had a UID on disk before is
		 * shown all the same, so that a full disk never locks
		 * anyone out of the mail they have; the files without one
		 * wait for the next sync.  A list never written (no
		 * UIDVALIDITY on disk) leaves nothing to show.
		 */
		save = errno;
		if (f->ul.fd == -1 || (save != ENOSPC && save != EDQUOT))
			goto fail;
		f->uidvalidity = f->ul.uidvalidity;
		if (f->uidnext < disknext)
			f->uidnext = disknext;
		uidlist_discard(&f->ul);
		for (i = j = 0; i < nfa; i++) {
			if (!fa[i].fresh) {
				fa[j++] = fa[i];
				continue;
			}
			/* look for it again next time */
			if (fa[i].in_new)
				f->newdirty = 1;
			else
				f->curdirty = 1;
		}
		ch->npending = nfa - j;
		ch->pending_errno = save;
		nfa = j;
	} else {
		f->uidvalidity = f->ul.uidvalidity;
		if (f->uidnext < f->ul.nextuid)
			f->uidnext = f->ul.nextuid;
	}
	/* without the lock a file being renamed by another process may
	 * have been missed: expunges wait for a sync under the lock */
	for (i = 0; i < f->nmsgs && !nolock; i++) {
		m = &f->msgs[i];
		if (!m->expunged && m->seen != f->gen) {
			m->expunged = 1;
			ch->nexpunged++;
		}
	}
	if (view_reserve(f, nfa) == -1)
		goto fail;
	for (i = 0; i < nfa; i++) {
		if (view_add(f, fa[i].uid, fa[i].name, fa[i].in_new,
		    &fa[i].nm) == NULL)
			goto fail;
		ch->nnew++;
	}
	f->synced = 1;
	f->idxbase = 0;
	if (nolock) {
		/* read again at the next sync, under the lock */
		f->newdirty = f->curdirty = 1;
	} else if (flags & MD_SYNC_CLAIM_NEW)
		claim_new(f);
	md_unlock(f);
	free(fa);
	scan_free(&sc);
	return 0;
distrust:
	/* start again from nothing, with the list as read */
	f->synced = 0;
	f->idxbase = 0;
	f->idxsaved.valid = 0;
	md_unlock(f);
	view_clear(f);
	f->uidvalidity = f->uidnext = 0;
	f->newdirty = f->curdirty = 0;
	free(fa);
	fa = NULL;
	nfa = cafa = 0;
	scan_free(&sc);
	memset(ch, 0, sizeof(*ch));
	goto again;
fail:
	save = errno;
	/* nothing not on disk stays behind: the list is read again */
	uidlist_discard(&f->ul);
	md_unlock(f);
	free(fa);
	scan_free(&sc);
	f->curdirty = f->newdirty = 1;
	errno = save ? save : EIO;
	return -1;
}

void
md_compact(struct md_folder *f)
{
	size_t	 i, j;

	if (f->msgs == NULL)
		return;		/* not built: nothing expunged */
	for (i = j = 0; i < f->nmsgs; i++) {
		if (f->msgs[i].expunged) {
			msg_name_free(&f->msgs[i]);
			continue;
		}
		if (i != j)
			f->msgs[j] = f->msgs[i];
		j++;
	}
	if (j == f->nmsgs)
		return;
	f->nmsgs = j;
	if (f->hashcap > 0)
		view_rebuild(f, 0);
}

ssize_t
md_uid_index(const struct md_folder *f, uint32_t uid)
{
	size_t	 lo = 0, hi = f->nmsgs, mid;

	if (f->msgs == NULL)
		return -1;	/* not built (md_view) */

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (f->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < f->nmsgs && f->msgs[lo].uid == uid)
		return (ssize_t)lo;
	return -1;
}

size_t
md_count(const struct md_folder *f, size_t *unseen)
{
	struct md_counts	 c;

	md_counts(f, &c);
	if (unseen)
		*unseen = c.unseen;
	return c.exists;
}

void
md_counts(const struct md_folder *f, struct md_counts *c)
{
	const struct md_msg	*m;
	size_t			 i;

	if (f->idxlazy) {
		*c = f->idxcounts;
		return;
	}
	memset(c, 0, sizeof(*c));
	for (i = 0; i < f->nmsgs; i++) {
		m = &f->msgs[i];
		if (m->expunged)
			continue;
		c->exists++;
		if (!(m->flags & MD_F_SEEN) && c->unseen++ == 0)
			c->first_unseen = i + 1;
		if (m->recent)
			c->recent++;
		else if (m->in_new)
			c->in_new++;
	}
}

int
md_view(struct md_folder *f)
{
	uint32_t	 uidvalidity = f->uidvalidity, maxuid = f->maxuid;
	size_t		 n = f->nmsgs, i;
	int		 r;

	if ((r = view_need(f)) <= 0)
		return r;
	/* the index was unsound: the folder as it is must agree with what
	 * its header told (those messages, with UIDs up to its highest,
	 * first in the view); a view that cannot be read now is no view
	 * of what was told either */
	if (md_sync(f, 0, NULL) == -1) {
		errno = ESTALE;
		return -1;
	}
	for (i = 0; i < f->nmsgs && f->msgs[i].uid <= maxuid; i++)
		;
	if (f->uidvalidity != uidvalidity || i != n) {
		errno = ESTALE;
		return -1;
	}
	return 0;
}

/* --- messages -------------------------------------------------------- */

int
md_msg_path(const struct md_folder *f, const struct md_msg *m, char *out,
    size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s/%s", f->path,
	    m->in_new ? "new" : "cur", m->name) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Find a message renamed by another process: its base in new/ or cur/.
 * 0 found (m updated), -1 ENOENT. */
static int
relocate(struct md_folder *f, struct md_msg *m)
{
	char		 dir[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	struct md_name	 nm;
	int		 sub;
	char		*dup;

	for (sub = 0; sub < 2; sub++) {
		if (md_subpath(f, sub ? "new" : "cur", dir, sizeof(dir)) == -1 ||
		    (d = opendir(dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, m->name, m->baselen) != 0 ||
			    uidlist_baselen(de->d_name) != m->baselen)
				continue;
			if ((dup = strdup(de->d_name)) == NULL) {
				closedir(d);
				return -1;
			}
			msg_name_free(m);
			m->name = dup;
			m->in_new = sub;
			if (md_name_parse(dup, &nm) == 0 &&
			    (nm.flags != m->flags || nm.keywords != m->keywords)) {
				m->flags = nm.flags;
				m->keywords = nm.keywords;
				m->changed = 1;
			}
			closedir(d);
			return 0;
		}
		closedir(d);
	}
	errno = ENOENT;
	return -1;
}

int
md_msg_open(struct md_folder *f, struct md_msg *m)
{
	char	 path[PATH_MAX];
	int	 fd, tries;

	if (m->expunged) {
		errno = ENOENT;
		return -1;
	}
	for (tries = 0; tries < 3; tries++) {
		if (md_msg_path(f, m, path, sizeof(path)) == -1)
			return -1;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1)
			return fd;
		if (errno != ENOENT || relocate(f, m) == -1)
			return -1;
	}
	errno = ENOENT;
	return -1;
}

off_t
md_msg_size(struct md_folder *f, struct md_msg *m)
{
	struct stat	 st;
	int		 fd;

	if (m->size >= 0)
		return m->size;
	if ((fd = md_msg_open(f, m)) == -1)
		return -1;
	if (fstat(fd, &st) == 0)
		m->size = st.st_size;
	close(fd);
	return m->size;
}

off_t
md_msg_vsize(struct md_folder *f, struct md_msg *m)
{
	char	 b[65536];
	ssize_t	 n;
	off_t	 size = 0, lf = 0;
	int	 fd, prevcr = 0;

	if (m->vsize >= 0)
		return m->vsize;
	if ((fd = md_msg_open(f, m)) == -1)
		return -1;
	/* RFC 3501 RFC822.SIZE: as sent, every bare LF a CR LF */
	while ((n = read(fd, b, sizeof(b))) > 0) {
		lf += maildir_crlf_extra(b, (size_t)n, &prevcr);
		size += n;
	}
	close(fd);
	if (n == -1)
		return -1;
	m->size = size;
	m->vsize = size + lf;
	return m->vsize;
}

static int
rename_msg(struct md_folder *f, struct md_msg *m, unsigned int flags,
    uint32_t kw)
{
	char	 from[PATH_MAX], to[PATH_MAX], name[NAME_MAX + 1], *dup;
	int	 tries;

	if (md_name_with_flags(m->name, m->baselen, flags, kw, name,
	    sizeof(name)) == -1 ||
	    (size_t)snprintf(to, sizeof(to), "%s/cur/%s", f->path, name) >=
	    sizeof(to))
		return -1;
	for (tries = 0; tries < 3; tries++) {
		if (md_msg_path(f, m, from, sizeof(from)) == -1)
			return -1;
		if (rename(from, to) == 0)
			break;
		if (errno != ENOENT || relocate(f, m) == -1)
			return -1;
	}
	if (tries == 3) {
		errno = ENOENT;
		return -1;
	}
	f->curown = 1;
	if ((dup = strdup(name)) == NULL)
		return -1;
	msg_name_free(m);
	m->name = dup;
	m->in_new = 0;
	m->flags = flags;
	m->keywords = kw;
	return 0;
}

int
md_set_flags(struct md_folder *f, struct md_msg *m, unsigned int flags,
    uint32_t kw)
{
	int	 r, save;

	flags &= MD_F_ALL;
	if (m->expunged) {
		errno = ENOENT;
		return -1;
	}
	if (!m->in_new && m->flags == flags && m->keywords == kw &&
	    m->name[m->baselen] == ':')
		return 0;
	if (lock_folder(f, 0) == -1)
		return -1;
	r = rename_msg(f, m, flags, kw);
	save = errno;
	md_unlock(f);
	errno = save;
	return r;
}

int
md_to_cur(struct md_folder *f, struct md_msg *m)
{
	if (!m->in_new)
		return 0;
	return md_set_flags(f, m, m->flags, m->keywords);
}

int
md_expunge(struct md_folder *f, struct md_msg *m)
{
	char	 path[PATH_MAX];
	int	 tries, r = 0, save = 0;

	if (m->expunged)
		return 0;
	if (lock_folder(f, 0) == -1)
		return -1;
	for (tries = 0; tries < 3; tries++) {
		if (md_msg_path(f, m, path, sizeof(path)) == -1) {
			r = -1;
			save = errno;
			break;
		}
		if (unlink(path) == 0) {
			if (!m->in_new)
				f->curown = 1;
			m->expunged = 1;
			break;
		}
		if (errno != ENOENT) {
			r = -1;
			save = errno;
			break;
		}
		if (relocate(f, m) == -1) {
			m->expunged = 1;	/* gone already */
			break;
		}
	}
	md_unlock(f);
	errno = save;
	return r;
}

/* Give a file just placed in dst/cur/ its UID (dst locked). */
static int
assign_uid(struct md_folder *dst, const char *name, uint32_t *uid)
{
	struct uidrec	*rec;
	char		 cur[PATH_MAX];
	uint32_t	 r;
	int		 save;

	dst->curown = 1;
	/* the new name in cur/ durable before it has a UID */
	if (md_subpath(dst, "cur", cur, sizeof(cur)) == -1 || fsync_dir(cur) == -1)
		return -1;

	if (uidlist_refresh(&dst->ul) == -1) {
		if (errno != EINVAL)
			return -1;
		uidlist_reset(&dst->ul);
	}
	if (dst->ul.uidvalidity == 0)
		uidlist_create(&dst->ul);
	if ((rec = uidlist_add(&dst->ul, name, 0)) == NULL ||
	    (r = rec->uid, ul_write(dst) == -1)) {
		/* the UID given is on no disk: forget it, or the next
		 * write would hand it out for a file the caller removes */
		save = errno;
		uidlist_discard(&dst->ul);
		errno = save;
		return -1;
	}
	if (uid)
		*uid = r;
	dst->uidvalidity = dst->ul.uidvalidity;
	return 0;
}

/* A file placed in dst/cur/ that could not get its UID: removed again
 * (the client is told the command failed, and tries again), and its
 * removal made durable as far as it can be.  errno is kept. */
static void
unplace(struct md_folder *dst, const char *path)
{
	char	 cur[PATH_MAX];
	int	 save = errno;

	if (unlink(path) == 0 && md_subpath(dst, "cur", cur, sizeof(cur)) == 0)
		(void)fsync_dir(cur);
	errno = save;
}

static int
copy_fd(int in, int out)
{
	char	 b[65536];
	ssize_t	 n;

	while ((n = read(in, b, sizeof(b))) > 0)
		if (write_full(out, b, (size_t)n) == -1)
			return -1;
	return n == -1 ? -1 : 0;
}

int
md_copy(struct md_folder *src, struct md_msg *m, struct md_folder *dst,
    unsigned int flags, uint32_t kw, uint32_t *uid)
{
	char		 from[PATH_MAX], to[PATH_MAX], tmp[PATH_MAX];
	char		 base[NAME_MAX + 1], name[NAME_MAX + 1];
	struct timeval	 tv[2];
	off_t		 size, vsize;
	int		 in, out, r = -1, save, linked = 0, tries;

	if ((size = md_msg_size(src, m)) < 0 ||
	    (vsize = md_msg_vsize(src, m)) < 0)
		return -1;
	if (md_unique_base(m->date, size, vsize, base, sizeof(base)) == -1 ||
	    md_name_with_flags(base, strlen(base), flags & MD_F_ALL, kw, name,
	    sizeof(name)) == -1 ||
	    (size_t)snprintf(to, sizeof(to), "%s/cur/%s", dst->path, name) >=
	    sizeof(to) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dst->path, base) >=
	    sizeof(tmp))
		return -1;
	if (lock_folder(dst, 0) == -1)
		return -1;
	for (tries = 0; tries < 3 && !linked; tries++) {
		if (md_msg_path(src, m, from, sizeof(from)) == -1)
			goto out;
		if (link(from, to) == 0)
			linked = 1;
		else if (errno == ENOENT) {
			if (relocate(src, m) == -1)
				goto out;
		} else
			break;
	}
	if (!linked) {
		/* another file system, or links refused: copy via tmp/ */
		if ((in = md_msg_open(src, m)) == -1)
			goto out;
		if ((out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600)) == -1) {
			close(in);
			goto out;
		}
		if (copy_fd(in, out) == -1 || fsync(out) == -1) {
			save = errno;
			close(in);
			close(out);
			unlink(tmp);
			errno = save;
			goto out;
		}
		close(in);
		if (close(out) == -1) {
			unlink(tmp);
			goto out;
		}
		tv[0].tv_sec = tv[1].tv_sec = m->date;
		tv[0].tv_usec = tv[1].tv_usec = 0;
		utimes(tmp, tv);
		if (rename(tmp, to) == -1) {
			unlink(tmp);
			goto out;
		}
	}
	if ((r = assign_uid(dst, name, uid)) == -1)
		unplace(dst, to);
out:
	save = errno;
	md_unlock(dst);
	errno = save;
	return r;
}

struct md_append {
	struct md_folder	*dst;
	int			 fd;
	char			 tmp[PATH_MAX];
	off_t			 size;
	off_t			 lf;	/* bare LFs */
	int			 prevcr;
	int			 failed;
};

struct md_append *
md_append_begin(struct md_folder *dst)
{
	struct md_append	*a;
	char			 base[NAME_MAX + 1];

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->dst = dst;
	if (md_unique_base(0, -1, -1, base, sizeof(base)) == -1 ||
	    (size_t)snprintf(a->tmp, sizeof(a->tmp), "%s/tmp/%s", dst->path,
	    base) >= sizeof(a->tmp) ||
	    (a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		free(a);
		return NULL;
	}
	return a;
}

int
md_append_write(struct md_append *a, const void *p, size_t n)
{
	a->lf += maildir_crlf_extra(p, n, &a->prevcr);
	a->size += (off_t)n;
	if (write_full(a->fd, p, n) == -1) {
		a->failed = errno;
		return -1;
	}
	return 0;
}

void
md_append_abort(struct md_append *a)
{
	int	 save = errno;

	if (a == NULL)
		return;
	close(a->fd);
	unlink(a->tmp);
	free(a);
	errno = save;
}

int
md_append_commit(struct md_append *a, unsigned int flags, uint32_t kw,
    time_t date, uint32_t *uid)
{
	struct md_folder	*dst = a->dst;
	char			 base[NAME_MAX + 1], name[NAME_MAX + 1];
	char			 to[PATH_MAX];
	struct timeval		 tv[2];
	int			 r = -1, save;

	if (a->failed) {
		save = a->failed;
		md_append_abort(a);
		errno = save;
		return -1;
	}
	if (date <= 0)
		date = time(NULL);
	if (fsync(a->fd) == -1 || close(a->fd) == -1) {
		a->fd = -1;
		goto out;
	}
	a->fd = -1;
	tv[0].tv_sec = tv[1].tv_sec = date;
	tv[0].tv_usec = tv[1].tv_usec = 0;
	if (utimes(a->tmp, tv) == -1)
		goto out;
	if (md_unique_base(date, a->size, a->size + a->lf, base,
	    sizeof(base)) == -1 ||
	    md_name_with_flags(base, strlen(base), flags & MD_F_ALL, kw, name,
	    sizeof(name)) == -1 ||
	    (size_t)snprintf(to, sizeof(to), "%s/cur/%s", dst->path, name) >=
	    sizeof(to))
		goto out;
	if (lock_folder(dst, 0) == -1)
		goto out;
	if (rename(a->tmp, to) == -1) {
		save = errno;
		md_unlock(dst);
		errno = save;
		goto out;
	}
	if ((r = assign_uid(dst, name, uid)) == -1)
		unplace(dst, to);
	save = errno;
	md_unlock(dst);
	errno = save;
	free(a);
	return r;
out:
	save = errno;
	if (a->fd != -1)
		close(a->fd);
	unlink(a->tmp);
	free(a);
	errno = save;
	return -1;
}

/* --- keywords -------------------------------------------------------- */

int
md_keyword_index(struct md_folder *f, const char *name, int create)
{
	int	 i, save;

	keywords_refresh(f);
	if ((i = keywords_index(&f->kw, name)) >= 0)
		return i;
	if (!create) {
		errno = ENOENT;
		return -1;
	}
	if (name[0] == '\0' || strpbrk(name, " \t\r\n") != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (lock_folder(f, 0) == -1)
		return -1;
	/* read again under the lock: another process may have added it */
	if (keywords_load(&f->kw, f->path) == -1)
		goto fail;
	if ((i = keywords_index(&f->kw, name)) >= 0) {
		md_unlock(f);
		return i;
	}
	for (i = 0; i < UIDLIST_NKEYWORDS; i++)
		if (f->kw.names[i] == NULL)
			break;
	if (i == UIDLIST_NKEYWORDS) {
		/* not ENOSPC: that is a full disk, which passes */
		errno = EMLINK;
		goto fail;
	}
	if ((f->kw.names[i] = strdup(name)) == NULL)
		goto fail;
	if (keywords_save(&f->kw, f->path) == -1) {
		free(f->kw.names[i]);
		f->kw.names[i] = NULL;
		goto fail;
	}
	f->kwino = 0;		/* stat it again next time */
	md_unlock(f);
	return i;
fail:
	save = errno;
	md_unlock(f);
	errno = save;
	return -1;
}

const char *
md_keyword_name(const struct md_folder *f, int index)
{
	if (index < 0 || index >= UIDLIST_NKEYWORDS)
		return NULL;
	return f->kw.names[index];
}

int
md_keywords_map(struct md_folder *src, uint32_t kw, struct md_folder *dst,
    uint32_t *out)
{
	int	 i, j;

	*out = 0;
	if (src == dst) {
		*out = kw;
		return 0;
	}
	for (i = 0; i < UIDLIST_NKEYWORDS; i++) {
		if (!(kw & ((uint32_t)1 << i)) || src->kw.names[i] == NULL)
			continue;
		if ((j = md_keyword_index(dst, src->kw.names[i], 1)) >= 0)
			*out |= (uint32_t)1 << j;
		else if (errno != EMLINK && errno != EINVAL)
			return -1;	/* not saved: the copy would lose it */
	}
	return 0;
}
