/*
 * uidlist: a folder's UID list, Dovecot's `dovecot-uidlist' version 3,
 * and its keywords, Dovecot's `dovecot-keywords'.  lib/maildir uses this
 * module; the servers normally need only lib/maildir.h.
 *
 * dovecot-uidlist (in the folder's directory):
 *
 *	3 V<uidvalidity> N<nextuid> G<mailbox guid, 32 hex>
 *	<uid> [<ext field> ...] :<file name base>
 *
 * The header's fields are space-separated, each a letter and a value;
 * unknown header fields and each line's extension fields (W<vsize>,
 * S<size>, G<guid>, ...) are kept as read and written back unchanged.
 * The file name base is the Maildir name without its ":2,<flags>" part
 * (a name written with flags by another program is read up to the
 * ':').  The next UID is the larger of the header's N and the last
 * line's UID + 1, because a writer may append lines without rewriting
 * the header (Dovecot does this too).  Version 1 files ("1 <uidvalidity>
 * <nextuid>", "<uid> <name>") are read as well; they are rewritten as
 * version 3 at the next rewrite.
 *
 * Locking (Dovecot's convention): a writer creates
 * `dovecot-uidlist.lock' with O_CREAT|O_EXCL and then either writes the
 * whole new list into the lock file and renames it over
 * dovecot-uidlist (a rewrite: readers see the old or the new file, never
 * a mixture), or appends whole lines to dovecot-uidlist with one write
 * and removes the lock.  A reader needs no lock: it ignores a last line
 * without its newline.  A lock file not modified for `stale' seconds is
 * taken to be left by a crashed writer and removed.
 *
 * dovecot-keywords: "<index> <name>" lines, index 0 to 25, standing for
 * the letters 'a' + index in a Maildir name's flag suffix.  It is
 * rewritten (temp file + rename) under the uidlist lock.
 */
#ifndef POSTA_UIDLIST_H
#define POSTA_UIDLIST_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define UIDLIST_FILE	"dovecot-uidlist"
#define UIDLIST_LOCK	"dovecot-uidlist.lock"
#define KEYWORDS_FILE	"dovecot-keywords"
#define UIDLIST_NKEYWORDS 26

struct uidrec {
	uint32_t	 uid;
	char		*ext;		/* extension fields, "" when none */
	char		*base;		/* file name base (no ":2,...") */
	size_t		 baselen;
	int		 mark;		/* free for the caller (lib/maildir) */
};

struct uidlist {
	char		*dir;		/* the folder's directory */
	int		 version;	/* 1 or 3 as read; 0: no file yet */
	uint32_t	 uidvalidity;	/* 0: no list yet */
	uint32_t	 nextuid;
	char		 guid[33];	/* "" when none */
	char		*hdrext;	/* other header fields, "" when none */
	struct uidrec	*recs;		/* sorted by uid */
	size_t		 nrecs;
	/* private: hash of bases, what was read of which file */
	size_t		*hash;
	size_t		 hashcap;
	size_t		 hashused;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 readoff;
	int		 lockfd;
	size_t		 nappend;	/* records not yet in the file */
	int		 dirty;		/* the next write must rewrite */
};

/* An empty list for dir (nothing read yet). */
int		 uidlist_init(struct uidlist *, const char *dir);
void		 uidlist_free(struct uidlist *);
/* Bring the list up to date with the file: nothing when the file is the
 * one already read, only the new lines when it grew, all of it when it
 * was replaced.  A missing file leaves an empty list (uidvalidity 0).
 * 1: something changed; 0: nothing; -1: error (errno; EINVAL: bad
 * syntax, then the list is left as it was). */
int		 uidlist_refresh(struct uidlist *);
/* Parse a whole file's text (exported for the unit tests). */
int		 uidlist_parse(struct uidlist *, const char *text, size_t len);

/* Take the lock: wait up to timeout seconds, removing a lock older than
 * stale seconds.  -1 with errno EAGAIN when the lock stays busy. */
int		 uidlist_lock(struct uidlist *, int timeout, int stale);
/* Give a new list its UIDVALIDITY and GUID (when it has none). */
void		 uidlist_create(struct uidlist *);
/* Add a record with the next UID (or with uid when uid != 0, for a list
 * being rebuilt); returns it, NULL on memory exhaustion. */
struct uidrec	*uidlist_add(struct uidlist *, const char *base, size_t baselen,
		    uint32_t uid);
/* Drop a record (the file is gone); the next write rewrites. */
void		 uidlist_remove(struct uidlist *, struct uidrec *);
/* Give a record a new, higher UID (a file found in the middle). */
int		 uidlist_renumber(struct uidlist *, struct uidrec *);
/* Write what changed (append or rewrite, see above) and release the
 * lock.  -1 with errno on failure; the lock is released either way. */
int		 uidlist_commit(struct uidlist *);
/* Release the lock without writing. */
void		 uidlist_unlock(struct uidlist *);

struct uidrec	*uidlist_find(const struct uidlist *, const char *base,
		    size_t baselen);
struct uidrec	*uidlist_find_uid(const struct uidlist *, uint32_t uid);

/* dovecot-keywords of a folder: names[i] is the keyword of letter
 * 'a' + i, NULL when unused. */
struct keywords {
	char	*names[UIDLIST_NKEYWORDS];
};
/* Read dir/dovecot-keywords; a missing file is an empty table. */
int		 keywords_load(struct keywords *, const char *dir);
/* Rewrite it atomically (temp + rename). */
int		 keywords_save(const struct keywords *, const char *dir);
void		 keywords_free(struct keywords *);
/* Index of a keyword (case-insensitive), -1 when absent. */
int		 keywords_index(const struct keywords *, const char *name);

#endif
