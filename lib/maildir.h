/*
 * maildir: a user's mailbox as the servers (posta-pop3d, posta-imapd)
 * see it.  A Maildir is a directory with cur/, new/ and tmp/; INBOX is
 * the Maildir itself and every other folder is a Maildir++ folder
 * `.Name' beside cur/ (hierarchy separator '.', so "Lists.posta" is
 * `.Lists.posta').  Folder names here are the names on disk, which are
 * IMAP's modified UTF-7 as Dovecot stores them; posta-imapd checks and
 * decodes them, this module only keeps a name inside the Maildir.
 *
 * File names (DESIGN.md, posta-local): new/ holds
 * "SECS.M<usec>P<pid>Q<n>.<host>,S=<size>,W=<vsize>" and cur/ the same
 * with ":2,<flags>", the flags sorted in ASCII order: D draft, F flagged,
 * P passed, R replied, S seen, T trashed (IMAP \Deleted), then keyword
 * letters a..z (see uidlist.h, dovecot-keywords).  The part before ':'
 * is the message's base, which never changes while the file lives in
 * one folder.
 *
 * Nothing here opens a message file to learn a UID, flags, a size or a
 * date: UIDs come from dovecot-uidlist (uidlist.h), flags from the
 * name's suffix, sizes from S= and W= (a stat, or one read of the file
 * to count lines for W=, only when the name lacks them), the internal
 * date from the name's leading timestamp (the file's mtime when the name
 * has none, or with maildir_mtime_date, as Dovecot keeps it: a stat per
 * message when it is first seen).  posta writes the internal date of an
 * appended or copied message into both the name and the mtime.
 *
 * Consistency with other processes (posta-local delivering, other
 * sessions, Dovecot): md_sync() looks at new/ and cur/ only when their
 * mtime changed since it last looked (an mtime read before the clock
 * moved past it counts as changed once more, since mtimes are coarse),
 * reads the uidlist only when it was replaced or grew, and gives UIDs
 * to new files under the uidlist lock, with new/ (and cur/ when it
 * changed) read under that lock, so UIDs only ever grow in every
 * session's view.  Every rename in cur/ is made under that lock too,
 * as Dovecot does, so that no readdir(3) misses a file being renamed.
 * A delivery costs a read of new/, never of cur/, even when the session
 * then moves it to cur/ (see md_lock).
 *
 * The index (lib/mdindex.c): a folder of maildir_index_min messages or
 * more keeps the view of the last session that could save it in
 * `posta-index' (UID, flags, keywords, sizes, date and name of each
 * message, with the mtimes of new/ and cur/ and the uidlist's identity
 * it is a view of).  The first md_sync of an md_folder starts from it
 * when it is sound, and goes on as a running session would: nothing is
 * read when nothing changed, the uidlist only when new/ or the list
 * did.  A view from the index that disagrees with the uidlist (another
 * UIDVALIDITY, a file missing from it that the list has below its
 * highest UID) is dropped and the folder read from scratch.  The index
 * is mapped (mmap(2)); loading it checks its header, which holds the
 * counts a SELECT tells, and its names and records are checked when the
 * view is built from them (the names stay in the mapping,
 * md_msg.indexed); when they fail, the view is read from the folder
 * instead.  With MD_SYNC_LAZY, a first md_sync that finds the folder as
 * its index saw it builds no view at all: msgs stays NULL (nmsgs is its
 * size) until md_view, or any md_sync without MD_SYNC_LAZY, builds it;
 * md_count and md_counts answer from the index's header meanwhile, so a
 * SELECT, EXAMINE or STATUS of a large folder reads one page of its
 * index and no per-message memory.
 *
 * Errors: functions return -1 (or NULL) with errno set; EAGAIN means a
 * lock stayed busy (try later: 4xx, -ERR, NO [INUSE]), ENOENT a folder
 * or message that is gone, EINVAL a bad name.
 */
#ifndef POSTA_MAILDIR_H
#define POSTA_MAILDIR_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "uidlist.h"

/* Flag bits; letters in ASCII order. */
#define MD_F_DRAFT	0x01	/* D  \Draft */
#define MD_F_FLAGGED	0x02	/* F  \Flagged */
#define MD_F_PASSED	0x04	/* P  (forwarded; no IMAP system flag) */
#define MD_F_REPLIED	0x08	/* R  \Answered */
#define MD_F_SEEN	0x10	/* S  \Seen */
#define MD_F_TRASHED	0x20	/* T  \Deleted */
#define MD_F_ALL	0x3f

/* --- names ------------------------------------------------------------ */

struct md_name {
	size_t		 baselen;	/* name[0..baselen): the base */
	time_t		 secs;		/* leading timestamp, -1 when none */
	long		 usec;		/* from M<usec>, 0 when none */
	off_t		 size;		/* ,S=, -1 when absent */
	off_t		 vsize;		/* ,W=, -1 when absent */
	int		 info;		/* ":2," present */
	unsigned int	 flags;		/* MD_F_* */
	uint32_t	 keywords;	/* bit i: letter 'a' + i */
};

/* Parse a file name of new/ or cur/.  -1 (EINVAL) for names that are no
 * message ("." files, empty, '/' inside). */
int	md_name_parse(const char *name, struct md_name *);
/* Flags from a suffix (the text after ":2,"); unknown letters ignored. */
void	md_flags_parse(const char *s, unsigned int *flags, uint32_t *kw);
/* "DFRS" + "ab": the suffix for flags and keywords, sorted; -1 if long. */
int	md_flags_format(unsigned int flags, uint32_t kw, char *out, size_t);
/* base + ":2," + flags into out. */
int	md_name_with_flags(const char *base, size_t baselen,
	    unsigned int flags, uint32_t kw, char *out, size_t outlen);
/* A new unique base "SECS.M<usec>P<pid>Q<n>.<host>,S=<size>,W=<vsize>"
 * as posta-local makes them (lib/mdeliver.h); secs is the internal
 * date (<= 0: now). */
int	md_unique_base(time_t secs, off_t size, off_t vsize, char *out,
	    size_t outlen);

/* --- folders of a Maildir -------------------------------------------- */

/* Read maildir_lock_timeout, maildir_lock_stale and
 * maildir_mtime_date (after conf_init); without a call the defaults
 * (30 s, 120 s, no) hold. */
void	md_conf_init(void);
/* 1 for "INBOX" in any case. */
int	md_is_inbox(const char *name);
/* 1 when a folder name stays inside the Maildir: "INBOX" (any case), or
 * '.'-separated components, none empty, none "cur" "new" "tmp", no '/',
 * no '~' first, no control characters, at most 255 octets. */
int	md_name_ok(const char *name);
/* 1 for a folder name that may come from an address extension
 * (posta-local's user+Folder): md_name_ok, not INBOX, of letters,
 * digits and "-_+=&" (with '.' between parts), at most 200 octets. */
int	md_folder_name_plain(const char *name);
/* The folder's directory: maildir itself for INBOX, maildir/.name else. */
int	md_folder_path(const char *maildir, const char *name, char *out,
	    size_t outlen);

struct md_list {
	char	**names;
	size_t	  n;
};
/* Every folder: "INBOX" first, then the others sorted (byte order). */
int	md_folder_list(const char *maildir, struct md_list *);
void	md_list_free(struct md_list *);
/* 1 when the folder exists (has cur/), 0 when not. */
int	md_folder_exists(const char *maildir, const char *name);
/* Make .name with cur/ new/ tmp/ and the Maildir++ `maildirfolder' file
 * (mode 0700), durable (the directories fsync'ed) before it returns;
 * EEXIST when it exists, and on any failure nothing of it is left. */
int	md_folder_create(const char *maildir, const char *name);
/* For deliveries (posta-local, posta-passwd): the Maildir itself too
 * when it is missing, a folder already there is fine (what is missing
 * of it is made), the name must be md_folder_name_plain (EINVAL).  out
 * (when not NULL) gets the folder's path. */
int	md_folder_make(const char *maildir, const char *name, char *out,
	    size_t outlen);
/* Remove .name and everything in it (its messages, its uidlist);
 * subfolders (".name.child") stay.  INBOX cannot be deleted (EPERM). */
int	md_folder_delete(const char *maildir, const char *name);
/* Rename .old to .new and each .old.x to .new.x (EEXIST when a target
 * exists).  Renaming INBOX makes the new folder and moves INBOX's
 * messages into it (with new UIDs there); INBOX stays, empty, as RFC
 * 3501 6.3.5 says. */
int	md_folder_rename(const char *maildir, const char *oldname,
	    const char *newname);

/* Subscriptions: the `subscriptions' file in the Maildir, in Dovecot's
 * version 2 form (a "V\t2" line and an empty one, then a name a line
 * with TAB for the hierarchy separator, and a TAB, CR, LF or \001 in a
 * name as \001 and t, r, n or 1); version 1 files (a name a line) are
 * read too.  Changed under `subscriptions.lock' (created
 * exclusively, written, renamed over the file). */
int	md_subscriptions(const char *maildir, struct md_list *);
int	md_subscribe(const char *maildir, const char *name, int on);

/* --- an open folder -------------------------------------------------- */

struct md_msg {
	uint32_t	 uid;
	unsigned int	 flags;		/* MD_F_* */
	uint32_t	 keywords;	/* bit i: keyword letter 'a' + i */
	time_t		 date;		/* internal date */
	off_t		 size;		/* octets as stored (LF); -1 unknown */
	off_t		 vsize;		/* octets with CRLF; -1 unknown */
	char		*name;		/* file name in new/ or cur/ */
	size_t		 baselen;	/* name[0..baselen): the base */
	unsigned int	 in_new:1;	/* the file is in new/ */
	unsigned int	 recent:1;	/* moved out of new/ by this session */
	unsigned int	 expunged:1;	/* gone; kept until md_compact() */
	unsigned int	 changed:1;	/* flags changed by another process
					   (set by md_sync, cleared by the
					   caller) */
	unsigned int	 indexed:1;	/* private: name is in the index's
					   mapping, not allocated alone */
	size_t		 seen;		/* private to md_sync */
};

/* What a SELECT or STATUS tells of a folder (md_counts). */
struct md_counts {
	size_t		 exists;	/* messages not expunged */
	size_t		 unseen;	/* of those, not \Seen */
	size_t		 first_unseen;	/* 1 + index in msgs of the first
					   not \Seen, 0 when none */
	size_t		 recent;	/* marked recent (md_msg.recent) */
	size_t		 in_new;	/* in new/ and not marked recent */
};

struct md_folder {
	char		*maildir;
	char		*name;		/* "INBOX", "Sent", ... */
	char		*path;		/* its directory */
	uint32_t	 uidvalidity;	/* 0 until the first md_sync */
	uint32_t	 uidnext;
	struct md_msg	*msgs;		/* the session's view, sorted by uid;
					   NULL while not built (see
					   MD_SYNC_LAZY, md_view) */
	size_t		 nmsgs;		/* including expunged ones */
	struct keywords	 kw;		/* dovecot-keywords */
	/* private */
	struct uidlist	 ul;
	struct timespec	 newmt, curmt;	/* mtimes when last read */
	int		 newdirty, curdirty;
	int		 curclean;	/* cur/ as last read when locked */
	int		 curown;	/* cur/ changed by us under the lock */
	int		 settle;	/* the lock waits for cur/ to settle */
	int		 synced;
	int		 lockdepth;
	size_t		 msgcap;
	struct uidhash	*hash;		/* base -> index into msgs */
	size_t		 hashcap;
	size_t		 hashused;
	size_t		 gen;
	uint32_t	 maxuid;
	struct timespec	 kwmt;		/* dovecot-keywords when read */
	ino_t		 kwino;
	/* the folder's posta-index (lib/mdindex.c) */
	void		*idxmap;	/* a loaded index, mapped */
	size_t		 idxmaplen;
	int		 idxlazy;	/* msgs not built: the view is the
					   index's records, not checked yet */
	struct md_counts idxcounts;	/* of the index's view */
	int		 idxtried;	/* looked for one at the first sync */
	int		 idxbase;	/* the view is the index's, not yet
					   checked against the uidlist */
	int		 ullazy;	/* the uidlist not read: it is the
					   one in ulid */
	struct md_fileid {
		uint64_t	 dev, ino, size;
		int64_t		 sec, nsec;
	}		 ulid;
	struct md_idxstate {
		struct timespec	 newmt, curmt;
		struct md_fileid ul;
		size_t		 nmsgs;
		int		 valid;
	}		 idxsaved;	/* what the index on disk holds */
};

/* md_sync results: how many of each kind this call found. */
struct md_changes {
	size_t	nnew;		/* appended at the end of msgs */
	size_t	nexpunged;	/* marked expunged */
	size_t	nflags;		/* marked changed */
	int	uidvalidity_changed; /* the list was lost and made again:
				   the view was emptied and every message
				   is back as new, nexpunged is how many
				   the view had (IMAP: end the session) */
	size_t	npending;	/* files that need a UID but could not get
				   one: the list could not be written
				   (pending_errno ENOSPC or EDQUOT); they
				   are not in the view, and the next sync
				   tries again */
	int	pending_errno;
};

#define MD_SYNC_CLAIM_NEW 0x01	/* move new/ files to cur/; those this
				   process moved are marked recent */
#define MD_SYNC_LAZY	0x02	/* msgs may stay unbuilt (NULL) when the
				   view is still the index's: call
				   md_view before reading msgs */

/* Open a folder (nothing is read until md_sync).  NULL with ENOENT when
 * it does not exist, EINVAL for a bad name. */
struct md_folder *md_open(const char *maildir, const char *name);
void	md_close(struct md_folder *);
/* Bring the view up to date (see the top of this file).  The first
 * call reads everything.  changes may be NULL.  A UID is in the view
 * only once it is on disk: when the uidlist cannot be written for want
 * of space (ENOSPC, EDQUOT), the call still succeeds with the messages
 * that had a UID (a full disk does not keep anyone from reading), and
 * the others are counted in npending; -1 with that errno only when the
 * folder has no uidlist on disk at all (no UIDVALIDITY to give).  When
 * not even the lock file can be made (no inode left), the folder is
 * read without the lock and nothing is changed: no UIDs given, nothing
 * moved out of new/, and no expunge reported (a file another process
 * renamed meanwhile could be missed) until a sync under the lock. */
int	md_sync(struct md_folder *, int flags, struct md_changes *);
/* Hold the folder's uidlist lock across several calls (a STORE or
 * EXPUNGE of many messages); the calls below take it for themselves
 * otherwise.  Nested calls count.  When this process changed cur/
 * under md_lock (or md_sync moved files there), the last md_unlock
 * waits (a clock tick, a few milliseconds) until the clock has passed
 * cur/'s new mtime, so that the next md_sync can trust it and need not
 * read cur/ again.  A single md_set_flags or md_expunge outside md_lock
 * does not wait, and leaves cur/ to be read at the next md_sync: wrap
 * a loop of them in one md_lock/md_unlock. */
int	md_lock(struct md_folder *);
void	md_unlock(struct md_folder *);
/* Remove the expunged entries from msgs (when the client has been
 * told). */
void	md_compact(struct md_folder *);
/* Index into msgs of a UID (expunged entries included), -1 if none. */
ssize_t	md_uid_index(const struct md_folder *, uint32_t uid);
/* Number of messages not expunged, and of those not \Seen. */
size_t	md_count(const struct md_folder *, size_t *unseen);
/* What a SELECT or STATUS tells (struct md_counts above), with the view
 * built or not. */
void	md_counts(const struct md_folder *, struct md_counts *);
/* Build msgs when an md_sync with MD_SYNC_LAZY left it unbuilt (a
 * no-op otherwise): 0, or -1 with errno: ENOMEM (still unbuilt: try
 * again), or ESTALE when the index turned out unsound and the folder,
 * read instead, no longer has what its counts said (those nmsgs
 * messages first, up to the highest UID then), or could not be read:
 * a client told those counts must start again (IMAP ends the
 * session).  Every function here that needs the view builds it itself;
 * the callers, before they read msgs. */
int	md_view(struct md_folder *);

/* Path of a message file: folder/new/name or folder/cur/name. */
int	md_msg_path(const struct md_folder *, const struct md_msg *,
	    char *out, size_t outlen);
/* Open a message read-only; when it was renamed by another process it
 * is found again.  -1 with ENOENT when it is gone. */
int	md_msg_open(struct md_folder *, struct md_msg *);
/* Sizes: the name's S= / W=, else a stat / one read of the file (the
 * answer is kept in the md_msg). */
off_t	md_msg_size(struct md_folder *, struct md_msg *);
off_t	md_msg_vsize(struct md_folder *, struct md_msg *);

/* Set a message's flags and keywords: the file is renamed into cur/
 * with the new suffix, under the uidlist lock, as Dovecot does, so a
 * directory scan of another process never misses it (nothing happens
 * when they are the same and it is in cur/ already).  ENOENT: the
 * message was expunged by another process. */
int	md_set_flags(struct md_folder *, struct md_msg *, unsigned int flags,
	    uint32_t kw);
/* Move a message from new/ to cur/ with its flags (none: ":2,"). */
int	md_to_cur(struct md_folder *, struct md_msg *);
/* Remove a message file (under the lock); the entry is marked
 * expunged. */
int	md_expunge(struct md_folder *, struct md_msg *);

/* Copy a message into dst with the given flags and keywords (letters of
 * dst's keyword table): a hard link when possible, else a copy; the
 * internal date is kept.  dst need not have been synced; *uid (may be
 * NULL) is the new message's UID in dst (UIDPLUS), dst's uidvalidity is
 * set.  dst may be src; two md_folders of one directory in one process
 * would wait for each other's lock, so use one. */
int	md_copy(struct md_folder *src, struct md_msg *, struct md_folder *dst,
	    unsigned int flags, uint32_t kw, uint32_t *uid);

/* Append a message: begin, write its text (LF line endings) in pieces,
 * commit.  date <= 0: now.  The file goes tmp/ -> cur/ with the flags,
 * its mtime is set to date, and it gets a UID at once. */
struct md_append;
struct md_append *md_append_begin(struct md_folder *dst);
int	md_append_write(struct md_append *, const void *, size_t);
int	md_append_commit(struct md_append *, unsigned int flags, uint32_t kw,
	    time_t date, uint32_t *uid);
void	md_append_abort(struct md_append *);

/* Keywords of a folder: the letter index (0..25) of a name, made and
 * saved when create and absent; -1 with ENOENT (absent), EMLINK (all 26
 * used), EINVAL (a bad name), or the error of saving dovecot-keywords
 * (ENOSPC, EDQUOT: a full disk).  md_keyword_name: NULL when the index
 * is unused (the table is read by md_sync and md_keyword_index). */
int	md_keyword_index(struct md_folder *, const char *name, int create);
const char *md_keyword_name(const struct md_folder *, int index);
/* Translate keyword bits of src's table into dst's (*out), making names
 * in dst as needed: names that do not fit in dst's 26 are dropped; -1
 * with errno when dst's table cannot be saved (ENOSPC, EDQUOT ...). */
int	md_keywords_map(struct md_folder *src, uint32_t kw,
	    struct md_folder *dst, uint32_t *out);

/* --- POP3's exclusive session ---------------------------------------- */

/* Take the lock of a POP3 session on a Maildir (an flock(2) on
 * `posta-pop3.lock' inside it, so a crashed session frees it): the fd to
 * keep open, or -1 with EWOULDBLOCK when another session holds it
 * (-ERR [IN-USE]). */
int	md_pop3_lock(const char *maildir);
void	md_pop3_unlock(int fd);

#endif
