/*
 * posta-imapd: the session: framing of commands with their literals,
 * the state machine of RFC 3501 3, authentication, and the untagged
 * updates of the selected folder.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "imapd.h"
#include "imapparse.h"
#include "io.h"
#include "log.h"
#include "maildir.h"
#include "sasl.h"
#include "tlsx.h"
#include "users.h"

#define SASL_MAX	2048

int
reply(struct imapd *sd, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 mark = sd->io.out.len;
	int	 r;

	va_start(ap, fmt);
	r = buf_vprintf(&sd->io.out, fmt, ap);
	va_end(ap);
	if (r == -1 || buf_add(&sd->io.out, "\r\n", 2) == -1)
		return -1;
	/*
	 * Untagged lines wait for the tagged reply or a continuation: one
	 * write, not two small ones that Nagle and delayed ACKs hold up.
	 */
	if (sd->io.out.s[mark] == '*' && sd->io.out.s[mark + 1] == ' ' &&
	    sd->io.out.len < IO_BUFSIZE)
		return 0;
	return io_flush(&sd->io);
}

static void __attribute__((noreturn))
bye(struct imapd *sd, const char *why)
{
	reply(sd, "* BYE %s", why);
	io_flush(&sd->io);
	if (sd->sel)
		folder_unselect(sd);
	if (sd->tls_on)
		tlsx_close(&sd->io);
	exit(0);
}

static int
login_allowed(const struct imapd *sd)
{
	return sd->tls_on || (sd->loopback && conf_bool(C_imapd_login_loopback));
}

static void
capabilities(struct imapd *sd, struct buf *b)
{
	buf_adds(b, "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE "
	    "UNSELECT CHILDREN SPECIAL-USE");
	if (sd->state != S_NOTAUTH) {
		buf_adds(b, " UIDPLUS MOVE");
		return;
	}
	if (sd->tls_server != NULL && !sd->tls_on)
		buf_adds(b, " STARTTLS");
	if (login_allowed(sd))
		buf_adds(b, " AUTH=PLAIN");
	else
		buf_adds(b, " LOGINDISABLED");
}

static void
set_timeout(struct imapd *sd)
{
	long long	 t;

	t = sd->state == S_NOTAUTH ? conf_num(C_imapd_preauth_timeout) :
	    conf_num(C_imapd_idle_timeout);
	sd->io.timeout = t > 0 ? (int)(t * 1000) : -1;
}

/* A successful login: the Maildir must be there. */
static int
logged_in(struct imapd *sd, struct imap_cmd *c, const char *user)
{
	const struct user	*u;
	struct buf		 caps = BUF_INIT;

	if ((u = users_find(&sd->users, user)) == NULL ||
	    !md_folder_exists(u->maildir, "INBOX")) {
		log_warnx("%s: maildir %s missing", user,
		    u ? u->maildir : "?");
		reply(sd, "%s NO [UNAVAILABLE] mailbox not available", c->tag);
		return -1;
	}
	if ((sd->user = strdup(user)) == NULL ||
	    (sd->maildir = strdup(u->maildir)) == NULL)
		fatal("strdup");
	sd->state = S_AUTH;
	set_timeout(sd);
	log_info("login %s from %s%s", user, sd->peer_ip[0] ? sd->peer_ip :
	    "local", sd->tls_on ? " with TLS" : "");
	capabilities(sd, &caps);
	reply(sd, "%s OK [CAPABILITY %s] logged in", c->tag, caps.s);
	buf_free(&caps);
	return 0;
}

static void
login_failed(struct imapd *sd, struct imap_cmd *c, const char *user)
{
	log_info("failed login %s from %s", user, sd->peer_ip[0] ?
	    sd->peer_ip : "local");
	users_fail_delay(++sd->auth_fails,
	    (int)conf_num(C_imapd_auth_delay_max));
	reply(sd, "%s NO [AUTHENTICATIONFAILED] authentication failed", c->tag);
}

static void
cmd_login(struct imapd *sd, struct imap_cmd *c)
{
	if (!login_allowed(sd)) {
		reply(sd, "%s NO [PRIVACYREQUIRED] LOGIN needs TLS: STARTTLS "
		    "first", c->tag);
		return;
	}
	if (strlen(c->arg[0]) != c->arglen[0] ||
	    strlen(c->arg[1]) != c->arglen[1] ||
	    !users_check(&sd->users, c->arg[0], c->arg[1])) {
		login_failed(sd, c, c->arg[0]);
		return;
	}
	logged_in(sd, c, c->arg[0]);
}

/* RFC 3501 6.2.2, RFC 4959 (SASL-IR), RFC 4616 (PLAIN) */
static void
cmd_authenticate(struct imapd *sd, struct imap_cmd *c)
{
	char		 msg[SASL_MAX], user[512], pass[512];
	const char	*resp;
	size_t		 rlen;
	int		 n, r;

	if (strcasecmp(c->arg[0], "PLAIN") != 0) {
		reply(sd, "%s NO unsupported mechanism", c->tag);
		return;
	}
	if (!login_allowed(sd)) {
		reply(sd, "%s NO [PRIVACYREQUIRED] AUTHENTICATE needs TLS: "
		    "STARTTLS first", c->tag);
		return;
	}
	if (c->arg[1] != NULL) {
		resp = c->arg[1];
		rlen = c->arglen[1];
	} else {
		reply(sd, "+ ");
		r = io_getline(&sd->io, &sd->line, SASL_MAX * 2);
		if (r == IO_TOOLONG) {
			reply(sd, "%s BAD response too long", c->tag);
			return;
		}
		if (r != IO_LINE)
			bye(sd, "connection lost");
		resp = sd->line.s;
		rlen = sd->line.len;
		while (rlen > 0 && (resp[rlen - 1] == '\n' ||
		    resp[rlen - 1] == '\r'))
			rlen--;
	}
	if (rlen == 1 && resp[0] == '*') {
		reply(sd, "%s BAD authentication cancelled", c->tag);
		return;
	}
	/* "=" is an empty initial response (RFC 4959 3) */
	if (rlen == 1 && resp[0] == '=')
		n = 0;
	else if ((n = sasl_b64_decode(resp, rlen, msg, sizeof(msg))) == -1) {
		reply(sd, "%s BAD bad base64", c->tag);
		return;
	}
	if (sasl_plain_split(msg, (size_t)n, user, sizeof(user), pass,
	    sizeof(pass)) != 0) {
		explicit_bzero(msg, sizeof(msg));
		login_failed(sd, c, "(malformed PLAIN)");
		return;
	}
	explicit_bzero(msg, sizeof(msg));
	r = users_check(&sd->users, user, pass);
	explicit_bzero(pass, sizeof(pass));
	if (!r)
		login_failed(sd, c, user);
	else
		logged_in(sd, c, user);
}

static void
cmd_starttls(struct imapd *sd, struct imap_cmd *c)
{
	char	 err[256];

	if (sd->tls_on || sd->tls_server == NULL) {
		reply(sd, "%s BAD STARTTLS not available", c->tag);
		return;
	}
	reply(sd, "%s OK begin TLS negotiation now", c->tag);
	/* tlsx_accept throws away what the client sent after STARTTLS */
	if (tlsx_accept(&sd->io, sd->tls_server, err, sizeof(err)) == -1) {
		log_warnx("STARTTLS from %s: %s", sd->peer_ip, err);
		exit(0);
	}
	sd->tls_on = 1;
}

static void
cmd_id(struct imapd *sd, struct imap_cmd *c)
{
	size_t	 i;
	struct buf	 b = BUF_INIT;

	/* RFC 2971: log what the client says of itself, say little back */
	for (i = 0; i + 1 < c->nlist; i += 2)
		if (buf_printf(&b, "%s%s=%.64s", i ? " " : "", c->list[i],
		    c->list[i + 1]) == -1)
			break;
	if (b.len > 0)
		log_info("client ID: %.512s", b.s);
	buf_free(&b);
	reply(sd, "* ID (\"name\" \"posta\")");
	reply(sd, "%s OK ID completed", c->tag);
}

/*
 * Tell the client what changed in the selected folder: flags that
 * others changed, expunges (only when allowed: RFC 3501 7.4.1 forbids
 * them during FETCH, STORE and SEARCH), new messages.
 */
int
imapd_report(struct imapd *sd, int expunges)
{
	struct md_folder	*f = sd->sel;
	struct md_changes	 ch;
	struct buf		 b = BUF_INIT;
	size_t			 i, seq, recent = 0;
	int			 any_expunged = 0;

	if (f == NULL)
		return 0;
	if (md_sync(f, sd->readonly ? 0 : MD_SYNC_CLAIM_NEW, &ch) == -1) {
		log_warn("%s: sync %s", sd->user, f->name);
		return -1;
	}
	mail_flags_changed(sd, 0);
	for (i = 0; i < sd->nknown && i < f->nmsgs; i++) {
		struct md_msg	*m = &f->msgs[i];

		if (m->expunged) {
			any_expunged = 1;
			continue;
		}
		if (!m->changed)
			continue;
		m->changed = 0;
		buf_reset(&b);
		if (buf_printf(&b, "* %zu FETCH (FLAGS ", i + 1) == -1 ||
		    mail_flags_out(sd, &b, m) == -1 || buf_adds(&b, ")") == -1)
			goto fail;
		reply(sd, "%s", b.s);
	}
	if (expunges && any_expunged) {
		for (i = 0, seq = 1; i < sd->nknown; i++) {
			if (f->msgs[i].expunged)
				reply(sd, "* %zu EXPUNGE", seq);
			else
				seq++;
		}
		/* compaction keeps the order: the known ones come first */
		md_compact(f);
		sd->nknown = seq - 1;
	}
	if (f->nmsgs > sd->nknown) {
		sd->nknown = f->nmsgs;
		reply(sd, "* %zu EXISTS", sd->nknown);
		for (i = 0; i < f->nmsgs; i++)
			if (!f->msgs[i].expunged && mail_is_recent(sd, &f->msgs[i]))
				recent++;
		reply(sd, "* %zu RECENT", recent);
	}
	buf_free(&b);
	return 0;
fail:
	buf_free(&b);
	return -1;
}

static int
state_ok(struct imapd *sd, struct imap_cmd *c)
{
	switch (c->name) {
	case IC_CAPABILITY: case IC_NOOP: case IC_LOGOUT: case IC_ID:
		return 1;
	case IC_STARTTLS: case IC_LOGIN: case IC_AUTHENTICATE:
		return sd->state == S_NOTAUTH;
	case IC_CHECK: case IC_CLOSE: case IC_EXPUNGE: case IC_SEARCH:
	case IC_FETCH: case IC_STORE: case IC_COPY: case IC_MOVE:
	case IC_UNSELECT:
		return sd->state == S_SELECTED;
	default:
		return sd->state != S_NOTAUTH;
	}
}

static void
dispatch(struct imapd *sd, struct imap_cmd *c)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	/* a view that SELECT left unbuilt (MD_SYNC_LAZY): built before any
	 * command that may read it */
	if (sd->sel != NULL && c->name != IC_SELECT &&
	    c->name != IC_EXAMINE && c->name != IC_LOGOUT &&
	    md_view(sd->sel) == -1) {
		log_warn("%s: view of %s", sd->user, sd->sel->name);
		/* the folder is not what SELECT said (its index was
		 * unsound, and it changed meanwhile): RFC 3501 7.1.5 */
		if (errno == ESTALE)
			bye(sd, "mailbox changed, select it again");
		reply(sd, "%s NO [SERVERBUG] out of memory", c->tag);
		return;
	}
	switch (c->name) {
	case IC_CAPABILITY:
		buf_adds(&b, "* CAPABILITY ");
		capabilities(sd, &b);
		reply(sd, "%s", b.s);
		buf_free(&b);
		reply(sd, "%s OK CAPABILITY completed", c->tag);
		break;
	case IC_NOOP:
	case IC_CHECK:
		imapd_report(sd, 1);
		reply(sd, "%s OK %s completed", c->tag,
		    c->name == IC_NOOP ? "NOOP" : "CHECK");
		break;
	case IC_LOGOUT:
		reply(sd, "* BYE logging out");
		reply(sd, "%s OK LOGOUT completed", c->tag);
		if (sd->sel)
			folder_unselect(sd);
		sd->state = S_LOGOUT;
		break;
	case IC_STARTTLS:
		cmd_starttls(sd, c);
		break;
	case IC_LOGIN:
		cmd_login(sd, c);
		break;
	case IC_AUTHENTICATE:
		cmd_authenticate(sd, c);
		break;
	case IC_ID:
		cmd_id(sd, c);
		break;
	case IC_ENABLE:
		/* RFC 5161: nothing here needs enabling */
		reply(sd, "* ENABLED");
		reply(sd, "%s OK ENABLE completed", c->tag);
		break;
	case IC_NAMESPACE:
		/* RFC 2342: one personal namespace, "." between levels */
		reply(sd, "* NAMESPACE ((\"\" \".\")) NIL NIL");
		reply(sd, "%s OK NAMESPACE completed", c->tag);
		break;
	case IC_SELECT:
	case IC_EXAMINE:
		cmd_select(sd, c);
		break;
	case IC_CREATE: case IC_DELETE: case IC_RENAME: case IC_SUBSCRIBE:
	case IC_UNSUBSCRIBE: case IC_LIST: case IC_LSUB:
		cmd_folders(sd, c);
		if (sd->sel)
			imapd_report(sd, 1);
		break;
	case IC_STATUS:
		cmd_status(sd, c);
		break;
	case IC_APPEND:
		cmd_append(sd, c);
		break;
	case IC_CLOSE:
	case IC_UNSELECT:
		if (c->name == IC_CLOSE && !sd->readonly) {
			/* RFC 3501 6.4.2: expunge without telling */
			md_sync(sd->sel, 0, NULL);
			for (i = 0; i < sd->sel->nmsgs; i++)
				if (!sd->sel->msgs[i].expunged &&
				    (sd->sel->msgs[i].flags & MD_F_TRASHED))
					md_expunge(sd->sel, &sd->sel->msgs[i]);
		}
		folder_unselect(sd);
		reply(sd, "%s OK %s completed", c->tag,
		    c->name == IC_CLOSE ? "CLOSE" : "UNSELECT");
		break;
	case IC_EXPUNGE:
		cmd_expunge(sd, c);
		break;
	case IC_SEARCH:
		cmd_search(sd, c);
		break;
	case IC_FETCH:
		cmd_fetch(sd, c);
		break;
	case IC_STORE:
		cmd_store(sd, c);
		break;
	case IC_COPY:
	case IC_MOVE:
		cmd_copy(sd, c);
		break;
	case IC_IDLE:
		cmd_idle(sd, c);
		break;
	case IC_NONE:
		break;
	}
}

/* The command word of a command being framed: is it APPEND? */
static int
framing_append(const struct buf *b)
{
	const char	*p = memchr(b->s, ' ', b->len);

	return p != NULL && (size_t)(b->s + b->len - p) > 7 &&
	    strncasecmp(p + 1, "APPEND ", 7) == 0;
}

/*
 * Read one whole command into sd->cmd: a line, and while it ends with a
 * literal announcement, the literal and the next line.  0: a command;
 * 1: refused during framing (replied already).
 */
static int
frame(struct imapd *sd)
{
	size_t		 linemax = (size_t)conf_num(C_imapd_line_limit);
	uint64_t	 n, limit;
	int		 r, nonsync;
	char		 tag[IMAP_TAG_MAX];

	buf_reset(&sd->cmd);
	for (;;) {
		r = io_getline(&sd->io, &sd->line, linemax);
		if (r == IO_TIMEOUT)
			bye(sd, "autologout: idle for too long");
		if (r == IO_TOOLONG) {
			reply(sd, "* BAD command line too long");
			io_flush(&sd->io);
			return 1;
		}
		if (r != IO_LINE)
			exit(0);
		if (buf_add(&sd->cmd, sd->line.s, sd->line.len) == -1)
			fatal("command");
		if ((r = imap_line_literal(sd->line.s, sd->line.len, &n,
		    &nonsync)) == 0)
			return 0;
		limit = framing_append(&sd->cmd) ?
		    (uint64_t)conf_num(C_message_size_limit) :
		    (uint64_t)conf_num(C_imapd_literal_limit);
		if (limit == 0)
			limit = UINT64_MAX / 2;
		if (r == -1 || n > limit || sd->cmd.len + n > limit + linemax * 8) {
			tag[0] = '\0';
			sscanf(sd->cmd.s, "%63[^ \r\n]", tag);
			if (nonsync)
				/* RFC 7888 4: the octets are on their way */
				bye(sd, "[TOOBIG] literal too large");
			reply(sd, "%s NO [TOOBIG] literal too large",
			    tag[0] ? tag : "*");
			return 1;
		}
		if (!nonsync) {
			/* RFC 3501 7.5: go ahead */
			reply(sd, "+ go ahead");
		}
		r = io_readn(&sd->io, &sd->cmd, (size_t)n);
		if (r == IO_TIMEOUT)
			bye(sd, "autologout: idle for too long");
		if (r != IO_LINE)
			exit(0);
	}
}

void
imapd_session(struct imapd *sd)
{
	struct imap_cmd	 c;
	struct buf	 caps = BUF_INIT;
	const char	*why;
	char		 err[256];

	io_init(&sd->io, 0, 1, -1);
	buf_init(&sd->cmd, 0);
	buf_init(&sd->line, 0);
	sd->lim.depth = (int)conf_num(C_imapd_max_depth);
	sd->lim.items = (size_t)conf_num(C_imapd_max_items);
	sd->lim.id_params = (size_t)conf_num(C_imapd_id_params);
	sd->state = S_NOTAUTH;
	set_timeout(sd);
	if (sd->implicit_tls) {
		if (tlsx_accept(&sd->io, sd->tls_server, err, sizeof(err)) ==
		    -1) {
			log_warnx("TLS from %s: %s", sd->peer_ip, err);
			exit(0);
		}
		sd->tls_on = 1;
	}
	capabilities(sd, &caps);
	reply(sd, "* OK [CAPABILITY %s] %s IMAP4rev1 posta ready", caps.s,
	    sd->hostname);
	io_flush(&sd->io);
	buf_free(&caps);

	while (sd->state != S_LOGOUT) {
		if (frame(sd) != 0)
			goto bad;
		sd->ncommands++;
		if (sd->state == S_NOTAUTH && sd->ncommands >
		    conf_num(C_imapd_preauth_commands))
			bye(sd, "too many commands without login");
		if (imap_parse(sd->cmd.s, sd->cmd.len, &sd->lim, &c, &why) == -1) {
			reply(sd, "%s BAD %s", c.tag[0] ? c.tag : "*", why);
			imap_cmd_free(&c);
			goto bad;
		}
		if (!state_ok(sd, &c)) {
			reply(sd, "%s BAD %s", c.tag, sd->state == S_NOTAUTH ?
			    "log in first" : sd->state == S_SELECTED ||
			    c.name == IC_LOGIN || c.name == IC_AUTHENTICATE ||
			    c.name == IC_STARTTLS ? "not in this state" :
			    "no folder selected");
			imap_cmd_free(&c);
			goto bad;
		}
		sd->errors = 0;
		dispatch(sd, &c);
		imap_cmd_free(&c);
		set_timeout(sd);
		continue;
bad:
		if (++sd->errors >= conf_num(C_imapd_max_errors))
			bye(sd, "too many errors");
	}
	if (sd->tls_on)
		tlsx_close(&sd->io);
	exit(0);
}
