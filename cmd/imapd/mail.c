/*
 * posta-imapd: the commands on the selected folder (FETCH, STORE,
 * SEARCH, COPY, MOVE, EXPUNGE, IDLE) and IMAP's view of Maildir flags.
 *
 * The client's sequence numbers are indexes into sd->sel->msgs, which
 * keeps expunged entries until the client has been told (imapd_report);
 * only the first sd->nknown entries are known to the client.
 */
#include <sys/types.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "imapd.h"
#include "imapparse.h"
#include "imapsearch.h"
#include "io.h"
#include "log.h"
#include "maildir.h"
#include "msg.h"

static const struct {
	const char	*name;
	unsigned int	 bit;
} sysflags[] = {
	{ "\\Answered", MD_F_REPLIED }, { "\\Flagged", MD_F_FLAGGED },
	{ "\\Deleted", MD_F_TRASHED }, { "\\Seen", MD_F_SEEN },
	{ "\\Draft", MD_F_DRAFT },
};
#define NSYSFLAGS	(sizeof(sysflags) / sizeof(sysflags[0]))

/* Line to the client without a flush (a big FETCH is many lines). */
static int
emit(struct imapd *sd, const struct buf *b)
{
	if (io_write(&sd->io, b->s, b->len) == -1 ||
	    io_write(&sd->io, "\r\n", 2) == -1)
		return -1;
	return 0;
}

int
mail_is_recent(const struct imapd *sd, const struct md_msg *m)
{
	/* EXAMINE claims nothing: what is still in new/ is recent */
	return m->recent || (sd->readonly && m->in_new);
}

/*
 * A keyword as a client may see it: dovecot-keywords is written by
 * Dovecot, by hand or by another program, and a name that is no atom
 * (RFC 3501 9: a space, a parenthesis, a CR) would break the FLAGS
 * reply it is put in.  Such a keyword stays in the file and on its
 * messages, and is not shown.
 */
static const char *
kw_shown(struct imapd *sd, int i)
{
	const char	*k = md_keyword_name(sd->sel, i);

	return k != NULL && imap_is_atom(k) ? k : NULL;
}

int
mail_flag_list(struct imapd *sd, struct buf *b)
{
	size_t	 i;
	const char *k;

	buf_adds(b, "(\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	for (i = 0; sd->sel && i < UIDLIST_NKEYWORDS; i++)
		if ((k = kw_shown(sd, (int)i)) != NULL)
			buf_printf(b, " %s", k);
	return buf_adds(b, ")");
}

/*
 * RFC 3501 7.2.6: a new keyword changes the folder's FLAGS; say so
 * (always: at SELECT).
 */
void
mail_flags_changed(struct imapd *sd, int always)
{
	struct buf	 b = BUF_INIT;
	uint32_t	 mask = 0;
	int		 i;

	for (i = 0; sd->sel && i < UIDLIST_NKEYWORDS; i++)
		if (kw_shown(sd, i) != NULL)
			mask |= 1u << i;
	if (!always && mask == sd->kwtold)
		return;
	sd->kwtold = mask;
	buf_adds(&b, "* FLAGS ");
	mail_flag_list(sd, &b);
	reply(sd, "%s", b.s);
	buf_reset(&b);
	if (sd->readonly)
		buf_adds(&b, "* OK [PERMANENTFLAGS ()] read-only");
	else {
		buf_adds(&b, "* OK [PERMANENTFLAGS ");
		mail_flag_list(sd, &b);
		b.len--;	/* the ")": \* goes in */
		buf_adds(&b, " \\*)] flags permitted");
	}
	reply(sd, "%s", b.s);
	buf_free(&b);
}

int
mail_flags_out(struct imapd *sd, struct buf *b, const struct md_msg *m)
{
	size_t		 i, mark = b->len;
	const char	*k;

	if (buf_addc(b, '(') == -1)
		return -1;
	for (i = 0; i < NSYSFLAGS; i++)
		if (m->flags & sysflags[i].bit)
			buf_printf(b, "%s ", sysflags[i].name);
	for (i = 0; i < UIDLIST_NKEYWORDS; i++)
		if ((m->keywords & (1u << i)) &&
		    (k = kw_shown(sd, (int)i)) != NULL)
			buf_printf(b, "%s ", k);
	if (mail_is_recent(sd, m))
		buf_adds(b, "\\Recent ");
	if (b->len > mark + 1)
		b->len--;
	return buf_addc(b, ')');
}

int
mail_parse_flags(struct imapd *sd, struct md_folder *f, char **flags,
    size_t n, unsigned int *fl, uint32_t *kw, const char **why)
{
	size_t	 i, j;
	int	 k;

	*fl = 0;
	*kw = 0;
	for (i = 0; i < n; i++) {
		if (flags[i][0] == '\\') {
			for (j = 0; j < NSYSFLAGS; j++)
				if (strcasecmp(flags[i], sysflags[j].name) == 0)
					break;
			if (j < NSYSFLAGS)
				*fl |= sysflags[j].bit;
			else if (strcasecmp(flags[i], "\\Recent") != 0) {
				*why = "BAD invalid system flag";
				return -1;
			}
			continue;
		}
		if ((k = md_keyword_index(f, flags[i], 1)) == -1) {
			/* RFC 5530 3: LIMIT, "the number of flags used in
			 * a mailbox"; a full disk: see imapd_full_reply */
			if (errno == EMLINK)
				*why = "NO [LIMIT] too many keywords in this "
				    "mailbox";
			else if (errno == EDQUOT)
				*why = "NO [OVERQUOTA] keyword not saved: "
				    "mailbox over quota, try again later";
			else if (errno == ENOSPC)
				*why = "NO [UNAVAILABLE] keyword not saved: "
				    "mail system full, try again later";
			else if (errno == EINVAL)
				*why = "BAD invalid keyword";
			else
				*why = "NO [SERVERBUG] keywords could not be "
				    "saved";
			return -1;
		}
		*kw |= 1u << k;
	}
	return 0;
}

/*
 * The messages a set names: marks[i] for the first sd->nknown entries.
 * -1 (BAD replied) when a sequence number is out of range.
 */
static int
select_set(struct imapd *sd, struct imap_cmd *c, const struct imap_seqset *set,
    int uid, char **marksp)
{
	struct md_folder	*f = sd->sel;
	size_t			 i, r, lo_i, hi_i, mid;
	uint32_t		 lo, hi, t, maxuid;
	char			*marks;

	if ((marks = calloc(sd->nknown + 1, 1)) == NULL) {
		reply(sd, "%s NO [SERVERBUG] out of memory", c->tag);
		return -1;
	}
	maxuid = sd->nknown ? f->msgs[sd->nknown - 1].uid : 0;
	for (r = 0; r < set->n; r++) {
		if (!uid) {
			lo = set->r[r].lo == IMAP_STAR ? (uint32_t)sd->nknown :
			    set->r[r].lo;
			hi = set->r[r].hi == IMAP_STAR ? (uint32_t)sd->nknown :
			    set->r[r].hi;
			if (lo > hi) {
				t = lo;
				lo = hi;
				hi = t;
			}
			if (lo == 0 || hi > sd->nknown) {
				free(marks);
				reply(sd, "%s BAD invalid message sequence number",
				    c->tag);
				return -1;
			}
			memset(marks + lo - 1, 1, hi - lo + 1);
			continue;
		}
		lo = set->r[r].lo == IMAP_STAR ? maxuid : set->r[r].lo;
		hi = set->r[r].hi == IMAP_STAR ? maxuid : set->r[r].hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		/* the first known entry with uid >= lo */
		lo_i = 0;
		hi_i = sd->nknown;
		while (lo_i < hi_i) {
			mid = lo_i + (hi_i - lo_i) / 2;
			if (f->msgs[mid].uid < lo)
				lo_i = mid + 1;
			else
				hi_i = mid;
		}
		for (i = lo_i; i < sd->nknown && f->msgs[i].uid <= hi; i++)
			marks[i] = 1;
	}
	*marksp = marks;
	return 0;
}

/* --- the message text, mapped ---------------------------------------- */

struct text {
	struct imapd	*sd;
	struct md_msg	*m;
	char		*map;
	size_t		 len;
	int		 state;		/* 0 not tried, 1 mapped, -1 failed */
};

static int
text_load(void *arg, const char **s, size_t *len)
{
	struct text	*t = arg;
	struct stat	 st;
	int		 fd;

	if (t->state == 0) {
		t->state = -1;
		if ((fd = md_msg_open(t->sd->sel, t->m)) == -1)
			return -1;
		if (fstat(fd, &st) == -1) {
			close(fd);
			return -1;
		}
		t->len = (size_t)st.st_size;
		if (t->len == 0)
			t->map = NULL;
		else if ((t->map = mmap(NULL, t->len, PROT_READ, MAP_PRIVATE,
		    fd, 0)) == MAP_FAILED) {
			close(fd);
			return -1;
		}
		close(fd);
		t->state = 1;
	}
	if (t->state != 1)
		return -1;
	*s = t->map ? t->map : "";
	*len = t->len;
	return 0;
}

static void
text_free(struct text *t)
{
	if (t->state == 1 && t->map != NULL)
		munmap(t->map, t->len);
	t->state = 0;
	t->map = NULL;
}

/* --- FETCH ------------------------------------------------------------ */

static int
internaldate(struct buf *b, time_t t)
{
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	return buf_printf(b, "\"%02d-%s-%04d %02d:%02d:%02d +0000\"",
	    tm.tm_mday, mon[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

static int
needs_text(const struct imap_cmd *c)
{
	size_t	 i;

	for (i = 0; i < c->nfatt; i++)
		switch (c->fatt[i].type) {
		case FA_ENVELOPE: case FA_RFC822: case FA_RFC822_HEADER:
		case FA_RFC822_TEXT: case FA_BODY: case FA_BODYSTRUCTURE:
		case FA_SECTION:
			return 1;
		default:
			break;
		}
	return 0;
}

/*
 * Whether the MIME structure is needed: not for the whole message
 * (BODY[], RFC822), which msg_section takes from the text itself, so
 * a client downloading mail does not pay for a parse of each message.
 */
static int
needs_structure(const struct imap_cmd *c)
{
	const struct imap_fatt	*fa;
	size_t			 i;

	for (i = 0; i < c->nfatt; i++) {
		fa = &c->fatt[i];
		switch (fa->type) {
		case FA_ENVELOPE: case FA_RFC822_HEADER: case FA_RFC822_TEXT:
		case FA_BODY: case FA_BODYSTRUCTURE:
			return 1;
		case FA_SECTION:
			if (fa->sec.spec != SEC_ALL || fa->sec.npart != 0)
				return 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Octets to the client in pieces, so the output buffer stays small. */
static int
emit_raw(struct imapd *sd, const char *p, size_t n)
{
	size_t	 k;

	while (n > 0) {
		k = n < IO_BUFSIZE ? n : IO_BUFSIZE;
		if (io_write(&sd->io, p, k) == -1)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

/*
 * A section's text, cut to its <partial>, as "NAME[TEXT] {n}CRLF...":
 * what b holds so far goes out first, then the literal straight from
 * tmp, and b is left empty for the rest of the response.
 */
static int
section_out(struct imapd *sd, struct buf *b, const char *name,
    const char *text, const struct msg *mp, const struct imap_section *sec,
    struct buf *tmp)
{
	size_t	 off = 0, n;

	buf_reset(tmp);
	if (msg_section(tmp, mp, sec) == -1)
		return -1;
	n = tmp->len;
	if (sec->partial) {
		off = sec->origin < n ? sec->origin : n;
		n = n - off < sec->count ? n - off : sec->count;
	}
	if (buf_adds(b, name) == -1 ||
	    (text != NULL && buf_printf(b, "[%s]", text) == -1))
		return -1;
	if (sec->partial && buf_printf(b, "<%u>", (unsigned)sec->origin) == -1)
		return -1;
	if (buf_printf(b, " {%zu}\r\n", n) == -1)
		return -1;
	if (emit_raw(sd, b->s, b->len) == -1 ||
	    emit_raw(sd, tmp->s + off, n) == -1)
		return -1;
	buf_reset(b);
	return buf_add(b, "", 0);
}

static int
fetch_one(struct imapd *sd, struct imap_cmd *c, size_t idx, struct buf *b,
    struct buf *tmp)
{
	struct md_folder	*f = sd->sel;
	struct md_msg		*m = &f->msgs[idx];
	struct text		 t = { sd, m, NULL, 0, 0 };
	struct msg		 mp;
	const char		*s;
	size_t			 i, len;
	int			 parsed = 0, flags_done = 0, seen = 0, rc = -1;
	const struct imap_fatt	*fa;

	if (needs_text(c)) {
		if (text_load(&t, &s, &len) == -1) {
			/* gone under us: the expunge comes with the next report */
			return 0;
		}
		if (needs_structure(c)) {
			if (msg_parse(&mp, s, len) == -1)
				goto out;
			parsed = 1;
		} else {
			memset(&mp, 0, sizeof(mp));
			mp.s = s;
			mp.len = len;
		}
	}
	for (i = 0; i < c->nfatt; i++) {
		fa = &c->fatt[i];
		if ((fa->type == FA_SECTION && !fa->peek) ||
		    fa->type == FA_RFC822 || fa->type == FA_RFC822_TEXT)
			seen = 1;
	}
	if (seen && !sd->readonly && !(m->flags & MD_F_SEEN)) {
		/* RFC 3501 6.4.5: BODY[] sets \Seen */
		if (md_set_flags(f, m, m->flags | MD_F_SEEN, m->keywords) == 0)
			seen = 2;
	}
	buf_reset(b);
	buf_printf(b, "* %zu FETCH (", idx + 1);
	if (c->uid)
		buf_printf(b, "UID %u ", (unsigned)m->uid);
	for (i = 0; i < c->nfatt; i++) {
		fa = &c->fatt[i];
		switch (fa->type) {
		case FA_UID:
			if (c->uid)
				continue;
			buf_printf(b, "UID %u", (unsigned)m->uid);
			break;
		case FA_FLAGS:
			buf_adds(b, "FLAGS ");
			mail_flags_out(sd, b, m);
			flags_done = 1;
			break;
		case FA_INTERNALDATE:
			buf_adds(b, "INTERNALDATE ");
			internaldate(b, m->date);
			break;
		case FA_RFC822_SIZE:
			buf_printf(b, "RFC822.SIZE %lld",
			    (long long)md_msg_vsize(f, m));
			break;
		case FA_ENVELOPE:
			buf_adds(b, "ENVELOPE ");
			if (msg_envelope(b, &mp, &mp.root) == -1)
				goto out;
			break;
		case FA_BODY:
		case FA_BODYSTRUCTURE:
			buf_adds(b, fa->type == FA_BODY ? "BODY " :
			    "BODYSTRUCTURE ");
			if (msg_bodystructure(b, &mp,
			    fa->type == FA_BODYSTRUCTURE) == -1)
				goto out;
			break;
		case FA_RFC822:
		case FA_RFC822_HEADER:
		case FA_RFC822_TEXT: {
			struct imap_section sec;

			memset(&sec, 0, sizeof(sec));
			sec.spec = fa->type == FA_RFC822 ? SEC_ALL :
			    fa->type == FA_RFC822_HEADER ? SEC_HEADER : SEC_TEXT;
			if (section_out(sd, b, fa->type == FA_RFC822 ? "RFC822" :
			    fa->type == FA_RFC822_HEADER ? "RFC822.HEADER" :
			    "RFC822.TEXT", NULL, &mp, &sec, tmp) == -1)
				goto out;
			break;
		}
		case FA_SECTION:
			if (section_out(sd, b, "BODY", fa->sec.text, &mp, &fa->sec,
			    tmp) == -1)
				goto out;
			break;
		}
		buf_addc(b, ' ');
	}
	if (seen == 2 && !flags_done) {
		buf_adds(b, "FLAGS ");
		mail_flags_out(sd, b, m);
		buf_addc(b, ' ');
	}
	if (b->len > 0 && b->s[b->len - 1] == ' ')
		b->len--;
	if (buf_addc(b, ')') == -1 || emit(sd, b) == -1)
		goto out;
	rc = 0;
out:
	if (parsed)
		msg_free(&mp);
	text_free(&t);
	return rc;
}

void
cmd_fetch(struct imapd *sd, struct imap_cmd *c)
{
	struct buf	 b = BUF_INIT, tmp = BUF_INIT;
	char		*marks;
	size_t		 i;
	int		 failed = 0;

	if (select_set(sd, c, &c->set, c->uid, &marks) == -1)
		return;
	for (i = 0; i < sd->nknown; i++) {
		if (!marks[i] || sd->sel->msgs[i].expunged)
			continue;
		if (fetch_one(sd, c, i, &b, &tmp) == -1) {
			log_warn("%s: FETCH uid %u", sd->user,
			    (unsigned)sd->sel->msgs[i].uid);
			failed = 1;
			break;
		}
	}
	free(marks);
	buf_free(&b);
	buf_free(&tmp);
	/* the report may learn of new mail: nknown is not the loop's any more */
	imapd_report(sd, c->uid);
	if (failed)
		reply(sd, "%s NO [SERVERBUG] FETCH failed", c->tag);
	else
		reply(sd, "%s OK FETCH completed", c->tag);
}

/* --- STORE ------------------------------------------------------------ */

void
cmd_store(struct imapd *sd, struct imap_cmd *c)
{
	struct md_folder	*f = sd->sel;
	struct md_msg		*m;
	struct buf		 b = BUF_INIT;
	const char		*why;
	unsigned int		 fl, nfl;
	uint32_t		 kw, nkw;
	char			*marks;
	size_t			 i;
	int			 locked, failed = 0;

	if (sd->readonly) {
		reply(sd, "%s NO [READ-ONLY] mailbox is read-only", c->tag);
		return;
	}
	if (mail_parse_flags(sd, f, c->flags, c->nflags, &fl, &kw, &why) == -1) {
		reply(sd, "%s %s", c->tag, why);
		return;
	}
	if (select_set(sd, c, &c->set, c->uid, &marks) == -1)
		return;
	mail_flags_changed(sd, 0);
	/*
	 * The renames under one hold of the folder's lock (one lock file
	 * made and removed for the command, not one a message); the
	 * replies after it, so that a client slow to read never keeps the
	 * lock.  marks[i] = 2: changed, or unchanged but reported.
	 */
	locked = md_lock(f) == 0;
	for (i = 0; i < sd->nknown; i++) {
		m = &f->msgs[i];
		if (!marks[i] || m->expunged)
			continue;
		if (c->store_mode == '+') {
			nfl = m->flags | fl;
			nkw = m->keywords | kw;
		} else if (c->store_mode == '-') {
			nfl = m->flags & ~fl;
			nkw = m->keywords & ~kw;
		} else {
			/* P (passed) has no IMAP flag: kept */
			nfl = fl | (m->flags & MD_F_PASSED);
			nkw = kw;
		}
		if ((nfl != m->flags || nkw != m->keywords) &&
		    md_set_flags(f, m, nfl, nkw) == -1) {
			if (errno != ENOENT) {
				log_warn("%s: STORE uid %u", sd->user,
				    (unsigned)m->uid);
				if (failed == 0)
					failed = errno;
			}
			continue;
		}
		marks[i] = 2;
	}
	if (locked)
		md_unlock(f);
	for (i = 0; i < sd->nknown && !c->silent; i++) {
		m = &f->msgs[i];
		if (marks[i] != 2)
			continue;
		buf_reset(&b);
		buf_printf(&b, "* %zu FETCH (FLAGS ", i + 1);
		mail_flags_out(sd, &b, m);
		if (c->uid)
			buf_printf(&b, " UID %u", (unsigned)m->uid);
		buf_addc(&b, ')');
		emit(sd, &b);
	}
	free(marks);
	buf_free(&b);
	imapd_report(sd, c->uid);
	/* RFC 3501 6.4.6: NO, "can't store that data"; the FETCHes above
	 * say which messages have their new flags */
	if (failed && (why = imapd_full_reply(failed)) != NULL)
		reply(sd, "%s NO %s", c->tag, why);
	else if (failed)
		reply(sd, "%s NO [SERVERBUG] STORE failed", c->tag);
	else
		reply(sd, "%s OK STORE completed", c->tag);
}

/* --- SEARCH ----------------------------------------------------------- */

struct kwarg {
	struct imapd	*sd;
	struct md_msg	*m;
	struct text	*t;
};

static int
has_keyword(void *arg, const char *name)
{
	struct kwarg	*k = arg;
	int		 i;

	if ((i = md_keyword_index(k->sd->sel, name, 0)) == -1)
		return 0;
	return (k->m->keywords & (1u << i)) != 0;
}

static int
search_load(void *arg, const char **s, size_t *len)
{
	struct kwarg	*k = arg;

	return text_load(k->t, s, len);
}

void
cmd_search(struct imapd *sd, struct imap_cmd *c)
{
	struct md_folder	*f = sd->sel;
	struct imap_smsg	 sm;
	struct kwarg		 ka;
	struct text		 t;
	struct buf		 b = BUF_INIT;
	size_t			 i;
	int			 r;

	buf_adds(&b, "* SEARCH");
	for (i = 0; i < sd->nknown; i++) {
		struct md_msg *m = &f->msgs[i];

		if (m->expunged)
			continue;
		memset(&sm, 0, sizeof(sm));
		memset(&t, 0, sizeof(t));
		t.sd = sd;
		t.m = m;
		ka.sd = sd;
		ka.m = m;
		ka.t = &t;
		sm.seq = (uint32_t)(i + 1);
		sm.uid = m->uid;
		sm.maxseq = (uint32_t)sd->nknown;
		sm.maxuid = sd->nknown ? f->msgs[sd->nknown - 1].uid : 0;
		sm.flags = (m->flags & MD_F_SEEN ? SF_SEEN : 0) |
		    (m->flags & MD_F_REPLIED ? SF_ANSWERED : 0) |
		    (m->flags & MD_F_FLAGGED ? SF_FLAGGED : 0) |
		    (m->flags & MD_F_TRASHED ? SF_DELETED : 0) |
		    (m->flags & MD_F_DRAFT ? SF_DRAFT : 0) |
		    (mail_is_recent(sd, m) ? SF_RECENT : 0);
		sm.size = (uint64_t)md_msg_vsize(f, m);
		sm.date = m->date;
		sm.has_keyword = has_keyword;
		sm.load = search_load;
		sm.arg = &ka;
		r = imap_search_eval(c->search, &sm);
		text_free(&t);
		if (r == 1)
			buf_printf(&b, " %u", c->uid ? (unsigned)m->uid :
			    (unsigned)(i + 1));
	}
	emit(sd, &b);
	buf_free(&b);
	imapd_report(sd, c->uid);
	reply(sd, "%s OK SEARCH completed", c->tag);
}

/* --- COPY, MOVE, EXPUNGE ---------------------------------------------- */

/* UIDs as a compact set: 1:3,7 */
static void
uidset_add(struct buf *b, uint32_t *last, uint32_t *start, uint32_t uid,
    int flush)
{
	if (!flush && *last != 0 && uid == *last + 1) {
		*last = uid;
		return;
	}
	if (*last != 0) {
		if (b->len > 0)
			buf_addc(b, ',');
		if (*start == *last)
			buf_printf(b, "%u", (unsigned)*start);
		else
			buf_printf(b, "%u:%u", (unsigned)*start, (unsigned)*last);
	}
	*start = *last = uid;
}

/* Remove the copies a failed COPY made in dst (their UIDs are on disk,
 * so a sync of dst has them). */
static void
copy_undo(struct md_folder *dst, const uint32_t *uids, size_t n)
{
	ssize_t	 k;
	size_t	 i;

	if (n == 0)
		return;
	if (md_sync(dst, 0, NULL) == -1) {
		log_warn("COPY: %s: copies not removed", dst->name);
		return;
	}
	for (i = 0; i < n; i++)
		if ((k = md_uid_index(dst, uids[i])) >= 0 &&
		    md_expunge(dst, &dst->msgs[k]) == -1 && errno != ENOENT)
			log_warn("COPY: %s uid %u not removed", dst->name,
			    (unsigned)uids[i]);
}

void
cmd_copy(struct imapd *sd, struct imap_cmd *c)
{
	struct md_folder	*f = sd->sel, *dst;
	struct buf		 src = BUF_INIT, dstb = BUF_INIT;
	uint32_t		 uid, s0 = 0, s1 = 0, d0 = 0, d1 = 0, kw;
	uint32_t		*copied = NULL, *nu;
	char			 name[256], *marks;
	const char		*why, *verb = c->name == IC_MOVE ? "MOVE" : "COPY";
	size_t			 i, ncopied = 0;
	int			 failed = 0;

	if (c->name == IC_MOVE && sd->readonly) {
		reply(sd, "%s NO [READ-ONLY] mailbox is read-only", c->tag);
		return;
	}
	if (folder_disk_name(c->arg[0], c->arglen[0], name, sizeof(name),
	    &why) == -1) {
		reply(sd, "%s NO [CANNOT] %s", c->tag, why);
		return;
	}
	if (select_set(sd, c, &c->set, c->uid, &marks) == -1)
		return;
	if ((dst = md_open(sd->maildir, name)) == NULL) {
		free(marks);
		if (errno == ENOENT)
			reply(sd, "%s NO [TRYCREATE] no such mailbox", c->tag);
		else
			reply(sd, "%s NO [CANNOT] %s failed", c->tag, verb);
		return;
	}
	for (i = 0; i < sd->nknown; i++) {
		struct md_msg *m = &f->msgs[i];

		if (!marks[i] || m->expunged)
			continue;
		if (md_keywords_map(f, m->keywords, dst, &kw) == -1 ||
		    md_copy(f, m, dst, m->flags, kw, &uid) == -1) {
			if (errno == ENOENT)
				continue;	/* expunged meanwhile */
			log_warn("%s: %s uid %u", sd->user, verb,
			    (unsigned)m->uid);
			failed = errno ? errno : EIO;
			break;
		}
		if ((nu = reallocarray(copied, ncopied + 1,
		    sizeof(*copied))) == NULL) {
			failed = errno;
			copy_undo(dst, &uid, 1);
			break;
		}
		copied = nu;
		copied[ncopied] = uid;
		ncopied++;
		uidset_add(&src, &s1, &s0, m->uid, 0);
		uidset_add(&dstb, &d1, &d0, uid, 0);
	}
	uidset_add(&src, &s1, &s0, 0, 1);
	uidset_add(&dstb, &d1, &d0, 0, 1);
	if (failed) {
		/* RFC 3501 6.4.7: a COPY that fails leaves the destination
		 * as it was (and a MOVE the source too) */
		copy_undo(dst, copied, ncopied);
		if ((why = imapd_full_reply(failed)) != NULL)
			reply(sd, "%s NO %s", c->tag, why);
		else
			reply(sd, "%s NO [SERVERBUG] %s failed", c->tag, verb);
		goto out;
	}
	if (c->name == IC_MOVE) {
		/* RFC 6851 4.3: COPYUID first, then the expunges */
		if (ncopied)
			reply(sd, "* OK [COPYUID %u %s %s] moved",
			    (unsigned)dst->uidvalidity, src.s, dstb.s);
		for (i = 0; i < sd->nknown; i++)
			if (marks[i] && !f->msgs[i].expunged &&
			    md_expunge(f, &f->msgs[i]) == -1 && errno != ENOENT)
				log_warn("%s: MOVE expunge", sd->user);
		imapd_report(sd, 1);
		reply(sd, "%s OK MOVE completed", c->tag);
	} else {
		imapd_report(sd, c->uid);
		if (ncopied)
			reply(sd, "%s OK [COPYUID %u %s %s] COPY completed",
			    c->tag, (unsigned)dst->uidvalidity, src.s, dstb.s);
		else
			reply(sd, "%s OK COPY completed", c->tag);
	}
out:
	free(marks);
	free(copied);
	md_close(dst);
	buf_free(&src);
	buf_free(&dstb);
}

void
cmd_expunge(struct imapd *sd, struct imap_cmd *c)
{
	struct md_folder	*f = sd->sel;
	char			*marks = NULL;
	const char		*why;
	size_t			 i;
	int			 failed = 0;

	if (sd->readonly) {
		reply(sd, "%s NO [READ-ONLY] mailbox is read-only", c->tag);
		return;
	}
	/* RFC 4315 2.1: UID EXPUNGE only touches the named messages */
	if (c->uid && select_set(sd, c, &c->set, 1, &marks) == -1)
		return;
	for (i = 0; i < sd->nknown; i++) {
		if ((marks && !marks[i]) || f->msgs[i].expunged ||
		    !(f->msgs[i].flags & MD_F_TRASHED))
			continue;
		if (md_expunge(f, &f->msgs[i]) == -1 && errno != ENOENT) {
			log_warn("%s: EXPUNGE uid %u", sd->user,
			    (unsigned)f->msgs[i].uid);
			if (failed == 0)
				failed = errno;
		}
	}
	free(marks);
	imapd_report(sd, 1);
	if (failed && (why = imapd_full_reply(failed)) != NULL)
		reply(sd, "%s NO %s", c->tag, why);
	else if (failed)
		reply(sd, "%s NO [SERVERBUG] some messages not expunged",
		    c->tag);
	else
		reply(sd, "%s OK EXPUNGE completed", c->tag);
}

/* --- IDLE (RFC 2177) -------------------------------------------------- */

void
cmd_idle(struct imapd *sd, struct imap_cmd *c)
{
	struct pollfd	 pfd[2];
	char		 path[4096], evbuf[4096];
	long long	 t = conf_num(C_imapd_idle_timeout);
	int		 in = -1, r, n;

	if (sd->sel != NULL && (in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC))
	    != -1) {
		snprintf(path, sizeof(path), "%s/new", sd->sel->path);
		if (inotify_add_watch(in, path, IN_CREATE | IN_MOVED_TO |
		    IN_MOVED_FROM | IN_DELETE) == -1)
			log_warn("inotify %s", path);
		snprintf(path, sizeof(path), "%s/cur", sd->sel->path);
		if (inotify_add_watch(in, path, IN_CREATE | IN_MOVED_TO |
		    IN_MOVED_FROM | IN_DELETE) == -1)
			log_warn("inotify %s", path);
	}
	reply(sd, "+ idling");
	imapd_report(sd, 1);
	io_flush(&sd->io);
	for (;;) {
		if (io_pending(&sd->io) == 0) {
			pfd[0].fd = sd->io.fd_in;
			pfd[0].events = POLLIN;
			pfd[1].fd = in;
			pfd[1].events = POLLIN;
			n = poll(pfd, in == -1 ? 1 : 2,
			    t > 0 ? (int)(t * 1000) : -1);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == 0) {
				reply(sd, "* BYE autologout: idle for too long");
				io_flush(&sd->io);
				exit(0);
			}
			if (in != -1 && (pfd[1].revents & POLLIN)) {
				while (read(in, evbuf, sizeof(evbuf)) > 0)
					;
				imapd_report(sd, 1);
				io_flush(&sd->io);
			}
			if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
		}
		r = io_getline(&sd->io, &sd->line, 1024);
		if (r != IO_LINE && r != IO_TOOLONG)
			exit(0);
		break;
	}
	if (in != -1)
		close(in);
	if (r == IO_LINE && sd->line.len >= 4 &&
	    strncasecmp(sd->line.s, "DONE", 4) == 0 &&
	    strspn(sd->line.s + 4, "\r\n") == sd->line.len - 4)
		reply(sd, "%s OK IDLE terminated", c->tag);
	else
		reply(sd, "%s BAD expected DONE", c->tag);
}
