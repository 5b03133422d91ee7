/*
 * posta-imapd: folder names and the commands on folders (SELECT,
 * EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB,
 * STATUS, APPEND).
 *
 * A folder's wire name is its name on disk (modified UTF-7, as Dovecot
 * stores Maildir++ folders): ".Name" beside cur/, "." between levels,
 * INBOX the Maildir itself.  A name is checked before anything touches
 * the disk: canonical modified UTF-7 decoding to valid UTF-8 without
 * controls, no empty level, no "/", no "~" first, no wildcard, no level
 * named cur, new or tmp (md_name_ok), so no name leaves the Maildir.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "conf.h"
#include "imapd.h"
#include "log.h"
#include "maildir.h"
#include "msg.h"
#include "mutf7.h"

#define NAME_MAX_IMAP	255

int
folder_disk_name(const char *wire, size_t len, char *out, size_t outlen,
    const char **why)
{
	struct buf	 u = BUF_INIT;
	size_t		 i;

	*why = "bad mailbox name";
	if (len == 0 || strlen(wire) != len || len > NAME_MAX_IMAP ||
	    len >= outlen)
		return -1;
	if (strcasecmp(wire, "INBOX") == 0) {
		strlcpy(out, "INBOX", outlen);
		return 0;
	}
	if (mutf7_decode(&u, wire, len) == -1) {
		buf_free(&u);
		*why = "mailbox name is not valid modified UTF-7";
		return -1;
	}
	for (i = 0; i < u.len; i++)
		if ((unsigned char)u.s[i] < 0x20 || u.s[i] == 0x7f) {
			buf_free(&u);
			return -1;
		}
	buf_free(&u);
	if (strpbrk(wire, "%*/\\") != NULL || wire[0] == '~' ||
	    wire[0] == '.' || wire[len - 1] == '.' || strstr(wire, "..")) {
		*why = "mailbox name not allowed";
		return -1;
	}
	strlcpy(out, wire, outlen);
	/* INBOX's children: the prefix in one spelling */
	if (strncasecmp(out, "INBOX.", 6) == 0)
		memcpy(out, "INBOX.", 6);
	if (!md_name_ok(out)) {
		*why = "mailbox name not allowed";
		return -1;
	}
	return 0;
}

/* The mailbox argument as a disk name, or a NO reply and -1. */
static int
arg_name(struct imapd *sd, struct imap_cmd *c, int i, char *out, size_t len)
{
	const char	*why;

	if (folder_disk_name(c->arg[i], c->arglen[i], out, len, &why) == -1) {
		reply(sd, "%s NO [CANNOT] %s", c->tag, why);
		return -1;
	}
	return 0;
}

void
folder_unselect(struct imapd *sd)
{
	if (sd->sel != NULL)
		md_close(sd->sel);
	sd->sel = NULL;
	sd->nknown = 0;
	sd->readonly = 0;
	if (sd->state == S_SELECTED)
		sd->state = S_AUTH;
}

/*
 * RFC 5530 3: OVERQUOTA "the user would be over quota after the
 * operation", for EDQUOT; a full file system is no quota of the user's
 * but "a subsystem is down" for a while: UNAVAILABLE, "temporary
 * failure".  Both say: nothing was done, try again later (what was
 * stored before stays readable).
 */
const char *
imapd_full_reply(int e)
{
	if (e == EDQUOT)
		return "[OVERQUOTA] mailbox over quota, try again later";
	if (e == ENOSPC)
		return "[UNAVAILABLE] mail system full, try again later";
	return NULL;
}

static void
fail_reply(struct imapd *sd, struct imap_cmd *c, const char *what)
{
	int		 e = errno;
	const char	*full;

	if ((full = imapd_full_reply(e)) != NULL) {
		log_warnx("%s: %s: %s", sd->user, what, strerror(e));
		reply(sd, "%s NO %s", c->tag, full);
	} else if (e == ENOENT)
		reply(sd, "%s NO [NONEXISTENT] no such mailbox", c->tag);
	else if (e == EEXIST)
		reply(sd, "%s NO [ALREADYEXISTS] mailbox exists", c->tag);
	else if (e == EINVAL)
		reply(sd, "%s NO [CANNOT] bad mailbox name", c->tag);
	else if (e == EPERM)
		reply(sd, "%s NO [CANNOT] not allowed for this mailbox", c->tag);
	else if (e == EAGAIN)
		reply(sd, "%s NO [INUSE] mailbox busy, try again", c->tag);
	else {
		log_warn("%s: %s", sd->user, what);
		reply(sd, "%s NO [SERVERBUG] %s failed", c->tag, what);
	}
}

void
cmd_select(struct imapd *sd, struct imap_cmd *c)
{
	char			 name[NAME_MAX_IMAP + 1];
	struct md_folder	*f;
	struct md_changes	 ch;
	struct md_counts	 cn;
	size_t			 i, recent, unseen;

	if (arg_name(sd, c, 0, name, sizeof(name)) == -1) {
		folder_unselect(sd);
		return;
	}
	/* the same folder again: its view is brought up to date, not reread */
	if (sd->sel != NULL && strcmp(sd->sel->name, name) == 0) {
		f = sd->sel;
		sd->sel = NULL;
	} else {
		folder_unselect(sd);
		if ((f = md_open(sd->maildir, name)) == NULL) {
			fail_reply(sd, c, "SELECT");
			return;
		}
	}
	sd->state = S_AUTH;
	sd->readonly = c->name == IC_EXAMINE;
	/* a folder as its index saw it needs no view to be selected: the
	 * next command builds it (imapd.c, dispatch) */
	if (md_sync(f, (sd->readonly ? 0 : MD_SYNC_CLAIM_NEW) | MD_SYNC_LAZY,
	    &ch) == -1) {
		md_close(f);
		fail_reply(sd, c, "SELECT");
		return;
	}
	/* RFC 3501 7.1.2: an untagged NO is a warning, the command still
	 * completes: the mail that has UIDs is there to read */
	if (ch.npending > 0)
		reply(sd, "* NO %s: %zu new messages wait for UIDs",
		    imapd_full_reply(ch.pending_errno), ch.npending);
	sd->sel = f;
	sd->state = S_SELECTED;
	md_compact(f);
	sd->nknown = f->nmsgs;
	/* mail_is_recent's count; after md_compact, indexes are sequence
	 * numbers */
	md_counts(f, &cn);
	recent = cn.recent + (sd->readonly ? cn.in_new : 0);
	unseen = cn.first_unseen;
	for (i = 0; f->msgs != NULL && i < f->nmsgs; i++)
		f->msgs[i].changed = 0;
	mail_flags_changed(sd, 1);
	reply(sd, "* %zu EXISTS", f->nmsgs);
	reply(sd, "* %zu RECENT", recent);
	if (unseen)
		reply(sd, "* OK [UNSEEN %zu] first unseen", unseen);
	reply(sd, "* OK [UIDVALIDITY %u] UIDs valid", (unsigned)f->uidvalidity);
	reply(sd, "* OK [UIDNEXT %u] predicted next UID", (unsigned)f->uidnext);
	reply(sd, "%s OK [%s] %s completed", c->tag, sd->readonly ? "READ-ONLY" :
	    "READ-WRITE", sd->readonly ? "EXAMINE" : "SELECT");
}

void
cmd_status(struct imapd *sd, struct imap_cmd *c)
{
	char			 name[NAME_MAX_IMAP + 1];
	struct md_folder	*f;
	struct md_counts	 cn;
	struct buf		 b = BUF_INIT;
	size_t			 n, unseen, recent;
	int			 own;

	if (arg_name(sd, c, 0, name, sizeof(name)) == -1)
		return;
	own = sd->sel != NULL && strcmp(sd->sel->name, name) == 0;
	if (own) {
		imapd_report(sd, 1);
		f = sd->sel;
	} else if ((f = md_open(sd->maildir, name)) == NULL ||
	    md_sync(f, MD_SYNC_LAZY, NULL) == -1) {
		if (f)
			md_close(f);
		fail_reply(sd, c, "STATUS");
		return;
	}
	/* recent: mail_is_recent's count for the selected folder, what is
	 * in new/ for another */
	md_counts(f, &cn);
	n = cn.exists;
	unseen = cn.unseen;
	recent = own ? cn.recent + (sd->readonly ? cn.in_new : 0) :
	    cn.recent + cn.in_new;
	buf_adds(&b, "* STATUS ");
	msg_imap_string(&b, c->arg[0], c->arglen[0]);
	buf_adds(&b, " (");
	if (c->status & ST_MESSAGES)
		buf_printf(&b, "MESSAGES %zu ", n);
	if (c->status & ST_RECENT)
		buf_printf(&b, "RECENT %zu ", recent);
	if (c->status & ST_UIDNEXT)
		buf_printf(&b, "UIDNEXT %u ", (unsigned)f->uidnext);
	if (c->status & ST_UIDVALIDITY)
		buf_printf(&b, "UIDVALIDITY %u ", (unsigned)f->uidvalidity);
	if (c->status & ST_UNSEEN)
		buf_printf(&b, "UNSEEN %zu ", unseen);
	if (b.s[b.len - 1] == ' ')
		b.len--;
	buf_adds(&b, ")");
	reply(sd, "%s", b.s);
	buf_free(&b);
	if (!own)
		md_close(f);
	reply(sd, "%s OK STATUS completed", c->tag);
}

void
cmd_append(struct imapd *sd, struct imap_cmd *c)
{
	char			 name[NAME_MAX_IMAP + 1];
	struct md_folder	*f;
	struct md_append	*a;
	const char		*p, *end, *cr, *why;
	unsigned int		 fl = 0;
	uint32_t		 kw = 0, uid = 0;

	if (arg_name(sd, c, 0, name, sizeof(name)) == -1)
		return;
	if (c->datalen == 0) {
		reply(sd, "%s NO empty message", c->tag);
		return;
	}
	if ((f = md_open(sd->maildir, name)) == NULL) {
		if (errno == ENOENT)
			reply(sd, "%s NO [TRYCREATE] no such mailbox", c->tag);
		else
			fail_reply(sd, c, "APPEND");
		return;
	}
	if (mail_parse_flags(sd, f, c->flags, c->nflags, &fl, &kw, &why) == -1) {
		reply(sd, "%s %s", c->tag, why);
		md_close(f);
		return;
	}
	if ((a = md_append_begin(f)) == NULL) {
		fail_reply(sd, c, "APPEND");
		md_close(f);
		return;
	}
	/* CRLF on the wire, LF on disk */
	for (p = c->data, end = c->data + c->datalen; p < end; p = cr + 1) {
		cr = memchr(p, '\r', (size_t)(end - p));
		if (cr == NULL) {
			if (md_append_write(a, p, (size_t)(end - p)) == -1)
				goto fail;
			break;
		}
		if (md_append_write(a, p, (size_t)(cr - p)) == -1)
			goto fail;
		if (cr + 1 < end && cr[1] != '\n' &&
		    md_append_write(a, "\r", 1) == -1)
			goto fail;
	}
	if (md_append_commit(a, fl, kw, c->has_date ? c->date : 0, &uid) == -1) {
		fail_reply(sd, c, "APPEND");
		md_close(f);
		return;
	}
	if (f->uidvalidity == 0)
		md_sync(f, 0, NULL);
	if (sd->sel)
		imapd_report(sd, 1);
	reply(sd, "%s OK [APPENDUID %u %u] APPEND completed", c->tag,
	    (unsigned)f->uidvalidity, (unsigned)uid);
	md_close(f);
	return;
fail:
	md_append_abort(a);
	fail_reply(sd, c, "APPEND");
	md_close(f);
}

/* --- LIST and LSUB ---------------------------------------------------- */

/*
 * RFC 3501 6.3.8: "*" matches anything, "%" anything but the
 * separator.  Dynamic programming over the name, each step charged to
 * *work so that a hostile pattern costs bounded time.
 */
static int
match(const char *pat, const char *name, long long *work)
{
	size_t	 n = strlen(name), i;
	char	 row[NAME_MAX_IMAP + 2], next[NAME_MAX_IMAP + 2];

	if (n > NAME_MAX_IMAP)
		return 0;
	memset(row, 0, sizeof(row));
	row[0] = 1;
	for (; *pat; pat++) {
		*work -= (long long)n + 1;
		if (*work < 0)
			return -1;
		memset(next, 0, sizeof(next));
		if (*pat == '*' || *pat == '%') {
			for (i = 0; i <= n; i++) {
				if (row[i])
					next[i] = 1;
				else if (i > 0 && next[i - 1] &&
				    (*pat == '*' || name[i - 1] != '.'))
					next[i] = 1;
			}
		} else {
			for (i = 1; i <= n; i++)
				next[i] = row[i - 1] && name[i - 1] == *pat;
		}
		memcpy(row, next, sizeof(row));
	}
	return row[n];
}

static const char *
special_use(const char *name)
{
	static const char *names[][2] = {
		{ "Sent", "\\Sent" }, { "Drafts", "\\Drafts" },
		{ "Trash", "\\Trash" }, { "Junk", "\\Junk" },
		{ "Archive", "\\Archive" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i][0]) == 0)
			return names[i][1];
	return NULL;
}

static int
has_child(const struct md_list *l, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < l->n; i++)
		if (strncmp(l->names[i], name, n) == 0 && l->names[i][n] == '.')
			return 1;
	return 0;
}

static int
in_list(const struct md_list *l, const char *name)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->names[i], name) == 0)
			return 1;
	return 0;
}

static int
list_add(struct md_list *l, const char *name)
{
	char	**t, *s;

	if (in_list(l, name))
		return 0;
	if ((s = strdup(name)) == NULL ||
	    (t = reallocarray(l->names, l->n + 1, sizeof(*t))) == NULL) {
		free(s);
		return -1;
	}
	l->names = t;
	t[l->n++] = s;
	return 0;
}

static void
cmd_list(struct imapd *sd, struct imap_cmd *c)
{
	struct md_list	 all = { NULL, 0 }, subs = { NULL, 0 }, cand = { NULL, 0 };
	struct buf	 pat = BUF_INIT, b = BUF_INIT;
	long long	 work = conf_num(C_imapd_list_work);
	const char	*su, *verb = c->name == IC_LIST ? "LIST" : "LSUB";
	char		*dot, tmp[NAME_MAX_IMAP + 1];
	size_t		 i;
	int		 m, exists;

	if (c->name == IC_LIST && c->arg[1][0] == '\0') {
		/* RFC 3501 6.3.8: the hierarchy delimiter */
		reply(sd, "* LIST (\\Noselect) \".\" \"\"");
		reply(sd, "%s OK LIST completed", c->tag);
		return;
	}
	if (buf_add(&pat, c->arg[0], c->arglen[0]) == -1 ||
	    buf_add(&pat, c->arg[1], c->arglen[1]) == -1)
		goto fail;
	/* INBOX is case-insensitive (RFC 3501 5.1), its children too */
	if (strncasecmp(pat.s, "INBOX", 5) == 0 && (pat.s[5] == '\0' ||
	    pat.s[5] == '.'))
		memcpy(pat.s, "INBOX", 5);
	if (md_folder_list(sd->maildir, &all) == -1)
		goto fail;
	if (c->name == IC_LSUB && md_subscriptions(sd->maildir, &subs) == -1)
		goto fail;
	/* the folders, and the levels above them that are no folder */
	for (i = 0; i < all.n; i++) {
		if (list_add(&cand, all.names[i]) == -1)
			goto fail;
		strlcpy(tmp, all.names[i], sizeof(tmp));
		while ((dot = strrchr(tmp, '.')) != NULL) {
			*dot = '\0';
			if (list_add(&cand, tmp) == -1)
				goto fail;
		}
	}
	if (c->name == IC_LSUB) {
		md_list_free(&cand);
		for (i = 0; i < subs.n; i++)
			if (list_add(&cand, subs.names[i]) == -1)
				goto fail;
	}
	for (i = 0; i < cand.n; i++) {
		const char *n = cand.names[i];

		if ((m = match(pat.s, n, &work)) == -1) {
			reply(sd, "%s NO [LIMIT] pattern too complex", c->tag);
			goto out;
		}
		if (!m)
			continue;
		exists = in_list(&all, n);
		buf_reset(&b);
		buf_printf(&b, "* %s (", verb);
		if (!exists)
			buf_adds(&b, "\\Noselect ");
		if (c->name == IC_LIST)
			buf_adds(&b, has_child(&all, n) ? "\\HasChildren " :
			    "\\HasNoChildren ");
		if ((su = special_use(n)) != NULL && exists)
			buf_printf(&b, "%s ", su);
		if (b.s[b.len - 1] == ' ')
			b.len--;
		buf_adds(&b, ") \".\" ");
		msg_imap_string(&b, n, strlen(n));
		reply(sd, "%s", b.s);
	}
	reply(sd, "%s OK %s completed", c->tag, verb);
	goto out;
fail:
	log_warn("%s: %s", sd->user, verb);
	reply(sd, "%s NO [SERVERBUG] %s failed", c->tag, verb);
out:
	md_list_free(&all);
	md_list_free(&subs);
	md_list_free(&cand);
	buf_free(&pat);
	buf_free(&b);
}

void
cmd_folders(struct imapd *sd, struct imap_cmd *c)
{
	char	 name[NAME_MAX_IMAP + 1], name2[NAME_MAX_IMAP + 1];
	size_t	 n;

	switch (c->name) {
	case IC_LIST:
	case IC_LSUB:
		cmd_list(sd, c);
		return;
	case IC_CREATE:
		/* RFC 3501 6.3.3: a trailing separator only says "a parent" */
		n = c->arglen[0];
		if (n > 1 && c->arg[0][n - 1] == '.') {
			c->arg[0][n - 1] = '\0';
			c->arglen[0]--;
		}
		if (arg_name(sd, c, 0, name, sizeof(name)) == -1)
			return;
		if (strcmp(name, "INBOX") == 0) {
			reply(sd, "%s NO [ALREADYEXISTS] INBOX exists", c->tag);
			return;
		}
		if (md_folder_create(sd->maildir, name) == -1) {
			fail_reply(sd, c, "CREATE");
			return;
		}
		reply(sd, "%s OK CREATE completed", c->tag);
		return;
	case IC_DELETE:
		if (arg_name(sd, c, 0, name, sizeof(name)) == -1)
			return;
		if (strcmp(name, "INBOX") == 0) {
			reply(sd, "%s NO [CANNOT] INBOX cannot be deleted", c->tag);
			return;
		}
		if (sd->sel && strcmp(sd->sel->name, name) == 0) {
			reply(sd, "%s NO [INUSE] mailbox is selected", c->tag);
			return;
		}
		if (!md_folder_exists(sd->maildir, name)) {
			reply(sd, "%s NO [NONEXISTENT] no such mailbox", c->tag);
			return;
		}
		if (md_folder_delete(sd->maildir, name) == -1) {
			fail_reply(sd, c, "DELETE");
			return;
		}
		reply(sd, "%s OK DELETE completed", c->tag);
		return;
	case IC_RENAME:
		if (arg_name(sd, c, 0, name, sizeof(name)) == -1 ||
		    arg_name(sd, c, 1, name2, sizeof(name2)) == -1)
			return;
		if (strcmp(name2, "INBOX") == 0) {
			reply(sd, "%s NO [ALREADYEXISTS] INBOX exists", c->tag);
			return;
		}
		if (sd->sel && strcmp(sd->sel->name, name) == 0 &&
		    strcmp(name, "INBOX") != 0) {
			reply(sd, "%s NO [INUSE] mailbox is selected", c->tag);
			return;
		}
		if (!md_folder_exists(sd->maildir, name)) {
			reply(sd, "%s NO [NONEXISTENT] no such mailbox", c->tag);
			return;
		}
		if (md_folder_rename(sd->maildir, name, name2) == -1) {
			fail_reply(sd, c, "RENAME");
			return;
		}
		reply(sd, "%s OK RENAME completed", c->tag);
		return;
	case IC_SUBSCRIBE:
	case IC_UNSUBSCRIBE:
		if (arg_name(sd, c, 0, name, sizeof(name)) == -1)
			return;
		if (md_subscribe(sd->maildir, name, c->name == IC_SUBSCRIBE) == -1) {
			fail_reply(sd, c, "SUBSCRIBE");
			return;
		}
		reply(sd, "%s OK %s completed", c->tag,
		    c->name == IC_SUBSCRIBE ? "SUBSCRIBE" : "UNSUBSCRIBE");
		return;
	default:
		return;
	}
}
