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
 * The file name is the last one known (Dovecot writes the name with
 * its flags as it was at the last rewrite); a message is identified by
 * its base, the name up to the ':'.  The next UID is the larger of the header's N and the last
 * line's UID + 1, because a writer may append lines without rewriting
 * the header (Dovecot does this too).  Version 1 files ("1 <uidvalidity>
 * <nextuid>", "<uid> <name>") are read as well; they are rewritten as
 * version 3 at the next rewrite.
 *
 * Locking (Dovecot's convention): a writer creates
 * `dovecot-uidlist.lock' with O_CREAT|O_EXCL; while it holds it, it
 * either writes a whole new list into `dovecot-uidlist.tmp' and renames
 * that over dovecot-uidlist (a rewrite: readers see the old or the new
 * file, never a mixture), or appends whole lines to dovecot-uidlist
 * with one write; then it removes the lock.  A reader needs no lock: it ignores a last line
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
	char		*name;		/* last known file name; NULL:
					   removed (skipped by everything) */
	size_t		 baselen;	/* name[0..baselen) is the base */
	size_t		 mark;		/* free for the caller (lib/maildir) */
};

/* An index entry of a table of bases (private to lib/uidlist and
 * lib/maildir): idx + 1 (0: empty), and the hash's high bits, so that a
 * probe rarely has to look at the record. */
struct uidhash {
	uint32_t	 idx;
	uint32_t	 h;
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
	size_t		 reccap;
	/* private: hash of bases, what was read of which file */
	struct uidhash	*hash;
	size_t		 hashcap;
	size_t		 hashused;
	int		 fd;		/* the file read, kept open so its
					   inode number cannot be reused */
	off_t		 readoff;	/* end of its last whole line */
	int		 lockfd;
	size_t		 nappend;	/* records not yet in the file */
	size_t		 ndead;		/* removed records not compacted */
	int		 dirty;		/* the next write must rewrite */
};

/* Record pointers stay valid until the next call that adds, removes,
 * renumbers, refreshes or commits. */

/* An empty list for dir (nothing read yet). */
int		 uidlist_init(struct uidlist *, const char *dir);
void		 uidlist_free(struct uidlist *);
/* Bring the list up to date with the file: nothing when the file is the
 * one already read, only the new lines when it grew, all of it when it
 * was replaced.  A missing file leaves an empty list (uidvalidity 0).
 * 1: something changed; 0: nothing; -1: error (errno; EINVAL: bad
 * syntax, then the list is left as it was). */
int		 uidlist_refresh(struct uidlist *);
/* Forget what was read (a broken file): the next write makes a new list
 * with a new UIDVALIDITY.  A held lock stays held. */
void		 uidlist_reset(struct uidlist *);
/* Drop what was not written (records added, renumbered or removed
 * after a failed uidlist_write): the next uidlist_refresh reads the
 * file again, so the list is what is on disk.  A held lock stays held. */
void		 uidlist_discard(struct uidlist *);
/* Parse a whole file's text (exported for the unit tests). */
int		 uidlist_parse(struct uidlist *, const char *text, size_t len);

/* Take the lock: wait up to timeout seconds, removing a lock older than
 * stale seconds.  -1 with errno EAGAIN when the lock stays busy. */
int		 uidlist_lock(struct uidlist *, int timeout, int stale);
/* Give a new list its UIDVALIDITY and GUID (when it has none). */
void		 uidlist_create(struct uidlist *);
/* Add a record with the next UID (or with uid when uid != 0, for a list
 * being rebuilt); returns it, NULL on memory exhaustion. */
struct uidrec	*uidlist_add(struct uidlist *, const char *name, uint32_t uid);
/* Record a record's current file name (written at the next rewrite). */
int		 uidlist_set_name(struct uidlist *, struct uidrec *,
		    const char *name);
/* Drop a record (the file is gone); the next write rewrites. */
void		 uidlist_remove(struct uidlist *, struct uidrec *);
/* Give a record a new, higher UID (a file found in the middle). */
int		 uidlist_renumber(struct uidlist *, struct uidrec *);
/* Write what changed (append, or a rewrite into dovecot-uidlist.tmp
 * renamed over the list while the lock is held) and keep the lock.  -1
 * with errno on failure (ENOSPC, EDQUOT ...); then the file is as it
 * was (a part-written append is cut off again, a rewrite's temporary
 * file removed) and the caller should uidlist_discard. */
int		 uidlist_write(struct uidlist *);
/* uidlist_write, then release the lock either way. */
int		 uidlist_commit(struct uidlist *);
/* Release the lock without writing. */
void		 uidlist_unlock(struct uidlist *);

/* By base (name up to ':', or the whole of base when it has none). */
struct uidrec	*uidlist_find(struct uidlist *, const char *base,
		    size_t baselen);
struct uidrec	*uidlist_find_uid(struct uidlist *, uint32_t uid);
/* The hash of a base (FNV-1a), for lib/maildir's index too. */
uint64_t	 uidlist_hash(const char *, size_t);
/* The number of a record's extension field (Dovecot's W<vsize>,
 * S<size>), -1 when it has none. */
long long	 uidlist_ext_num(const struct uidrec *, char key);
/* Length of a file name's base: up to the first ':'. */
size_t		 uidlist_baselen(const char *name);

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
