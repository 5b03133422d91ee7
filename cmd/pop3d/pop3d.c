/*
 * The POP3 session: RFC 1939's AUTHORIZATION, TRANSACTION and UPDATE
 * states over lib/pop3's pure parser and encoder, with RFC 2449 CAPA
 * and response codes (RFC 3206), RFC 2595 STLS and RFC 5034 AUTH PLAIN.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "io.h"
#include "log.h"
#include "pop3.h"
#include "pop3d.h"
#include "sasl.h"
#include "tlsx.h"
#include "users.h"

#define ST_AUTH		0	/* RFC 1939 4: AUTHORIZATION */
#define ST_TRANS	1	/* RFC 1939 5: TRANSACTION */

#define USER_MAX	256
#define PASS_MAX	512

struct session {
	struct pop3d	*pd;
	struct io	 io;
	struct buf	 line;
	int		 state;
	char		 user[USER_MAX];	/* after USER, or logged in */
	int		 have_user;
	int		 auth_fails;
	int		 errors;
	struct mbox	 mb;
	int		 have_mbox;
};

static void	 session_end(struct session *) __attribute__((noreturn));
static void	 reply(struct session *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 reply_err(struct session *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
vreply(struct session *s, const char *fmt, va_list ap)
{
	(void)buf_vprintf(&s->io.out, fmt, ap);
	(void)io_write(&s->io, "\r\n", 2);
	if (s->io.failed == IO_ERR)
		session_end(s);
}

static void
reply(struct session *s, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
}

/* A refused command; after pop3d_max_errors of them the session ends. */
static void
reply_err(struct session *s, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
	if (++s->errors >= conf_num(C_pop3d_max_errors)) {
		log_info("%s: too many errors", s->pd->peer_ip);
		reply(s, "-ERR Too many errors, closing connection");
		session_end(s);
	}
}

/* Without QUIT there is no UPDATE state (RFC 1939 6): nothing changes. */
static void
session_end(struct session *s)
{
	/* the lock goes before the last reply: a client that reconnects
	 * after QUIT's +OK finds the mailbox free */
	if (s->have_mbox)
		mbox_close(&s->mb);
	s->have_mbox = 0;
	(void)io_flush(&s->io);
	tlsx_close(&s->io);
	exit(0);
}

static void
timed_out(struct session *s)
{
	/* RFC 1939 3: the autologout timer; no UPDATE */
	log_info("%s: timeout", s->pd->peer_ip);
	reply(s, "-ERR Autologout: idle for too long");
	session_end(s);
}

/* RFC 2595 2.3 and 4: no passwords in the clear, except over loopback. */
static int
plaintext_ok(const struct session *s)
{
	return s->io.tls != NULL || (s->pd->peer_loopback &&
	    conf_bool(C_pop3d_plaintext_loopback));
}

static void
do_capa(struct session *s)
{
	/* RFC 2449 5, 6 */
	reply(s, "+OK Capability list follows");
	reply(s, "TOP");
	reply(s, "UIDL");
	reply(s, "RESP-CODES");
	reply(s, "AUTH-RESP-CODE");
	reply(s, "PIPELINING");
	if (s->state == ST_AUTH) {
		if (plaintext_ok(s)) {
			reply(s, "USER");
			reply(s, "SASL PLAIN");
		}
		if (s->pd->tls_server != NULL && s->io.tls == NULL)
			reply(s, "STLS");
	}
	reply(s, "IMPLEMENTATION posta");
	reply(s, ".");
}

static void
do_stls(struct session *s)
{
	char	 err[256];

	if (s->io.tls != NULL) {
		reply_err(s, "-ERR TLS already active");
		return;
	}
	if (s->pd->tls_server == NULL) {
		reply_err(s, "-ERR STLS not available");
		return;
	}
	reply(s, "+OK Begin TLS negotiation");
	/* RFC 2595 4: what was pipelined after STLS is thrown away */
	if (tlsx_accept(&s->io, s->pd->tls_server, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", s->pd->peer_ip, err);
		exit(0);
	}
	/* forget a USER given in the clear */
	s->have_user = 0;
	s->user[0] = '\0';
}

/* The password is right: lock and read the mailbox (RFC 1939 4). */
static void
login(struct session *s, const char *user, const char *how)
{
	const struct user	*u = users_find(&s->pd->users, user);
	long long		 total = 0;
	char			 err[512];
	size_t			 i;
	int			 r;

	strlcpy(s->user, u->address, sizeof(s->user));
	r = mbox_open(&s->mb, u->maildir,
	    (size_t)conf_num(C_pop3d_max_messages), err, sizeof(err));
	if (r == MBOX_INUSE) {
		log_info("%s: %s: mailbox in use", s->pd->peer_ip, s->user);
		s->have_user = 0;
		/* RFC 2449 8.1.1 */
		reply(s, "-ERR [IN-USE] Mailbox is locked by another POP3 "
		    "session");
		return;
	}
	if (r == -1) {
		log_warnx("%s: %s: %s", s->pd->peer_ip, s->user, err);
		s->have_user = 0;
		/* RFC 3206 5 */
		reply(s, "-ERR [SYS/TEMP] Cannot open the mailbox, try again "
		    "later");
		return;
	}
	s->have_mbox = 1;
	s->state = ST_TRANS;
	for (i = 0; i < s->mb.n; i++)
		total += s->mb.m[i].wsize;
	log_info("%s: %s logged in with %s%s, %zu messages", s->pd->peer_ip,
	    s->user, how, s->io.tls ? " over TLS" : "", s->mb.n);
	reply(s, "+OK %s has %zu messages (%lld octets)", s->user, s->mb.n,
	    total);
}

static void
check_password(struct session *s, const char *user, const char *pass,
    const char *how)
{
	int	 ok;

	ok = users_check(&s->pd->users, user, pass);
	if (ok) {
		login(s, user, how);
		return;
	}
	s->have_user = 0;
	log_info("%s: authentication failed for %s", s->pd->peer_ip, user);
	users_fail_delay(++s->auth_fails,
	    (int)conf_num(C_pop3d_auth_delay_max));
	/* the same words for an unknown user and a wrong password */
	if (s->auth_fails >= conf_num(C_pop3d_max_auth_failures)) {
		reply(s, "-ERR [AUTH] Authentication failed, closing "
		    "connection");
		session_end(s);
	}
	reply_err(s, "-ERR [AUTH] Authentication failed");
}

static void
do_user(struct session *s, struct pop3_cmd *c)
{
	if (!plaintext_ok(s)) {
		reply_err(s, "-ERR Plain passwords need TLS: use STLS first");
		return;
	}
	if (strlcpy(s->user, c->arg, sizeof(s->user)) >= sizeof(s->user)) {
		reply_err(s, "-ERR Name too long");
		return;
	}
	/* RFC 1939 7: the reply tells nothing about who exists */
	s->have_user = 1;
	reply(s, "+OK Send the password");
}

static void
do_pass(struct session *s, struct pop3_cmd *c)
{
	char	 user[USER_MAX];

	if (!s->have_user) {
		explicit_bzero(c->arg, sizeof(c->arg));
		reply_err(s, "-ERR USER first");
		return;
	}
	strlcpy(user, s->user, sizeof(user));
	check_password(s, user, c->arg, "USER/PASS");
	explicit_bzero(c->arg, sizeof(c->arg));
}

/* An AUTH continuation line, decoded; -1 when refused (replied). */
static int
auth_getline(struct session *s, char *out, size_t outlen, int *len)
{
	long	 n;
	int	 r;

	if (io_flush(&s->io) != 0)
		session_end(s);
	r = io_getline(&s->io, &s->line,
	    (size_t)conf_num(C_pop3d_auth_line_limit));
	if (r == IO_TIMEOUT)
		timed_out(s);
	if (r == IO_EOF || r == IO_ERR)
		session_end(s);
	if (r == IO_TOOLONG) {
		reply_err(s, "-ERR Line too long");
		return -1;
	}
	n = pop3_sasl_line(s->line.s, s->line.len);
	if (n >= 0)
		*len = sasl_b64_decode(s->line.s, (size_t)n, out, outlen);
	explicit_bzero(s->line.s, s->line.len);
	if (n == POP3_SASL_CANCEL) {
		/* RFC 5034 4 */
		reply_err(s, "-ERR Authentication cancelled");
		return -1;
	}
	if (n < 0 || *len == -1) {
		reply_err(s, "-ERR Bad base64");
		return -1;
	}
	return 0;
}

static void
do_auth(struct session *s, struct pop3_cmd *c)
{
	char	 msg[1024], user[USER_MAX], pass[PASS_MAX];
	int	 n;

	if (c->nargs == 0) {
		/* the mechanism list of RFC 1734's drafts, still asked for */
		reply(s, "+OK Mechanisms follow");
		if (plaintext_ok(s))
			reply(s, "PLAIN");
		reply(s, ".");
		return;
	}
	if (strcasecmp(c->arg, "PLAIN") != 0) {
		reply_err(s, "-ERR Unsupported authentication mechanism");
		return;
	}
	if (!plaintext_ok(s)) {
		reply_err(s, "-ERR Plain passwords need TLS: use STLS first");
		return;
	}
	if (c->nargs == 2 && strcmp(c->arg2, "=") == 0)
		n = 0;		/* RFC 5034 4: an empty initial response */
	else if (c->nargs == 2) {
		n = sasl_b64_decode(c->arg2, strlen(c->arg2), msg,
		    sizeof(msg));
		explicit_bzero(c->arg2, sizeof(c->arg2));
		if (n == -1) {
			reply_err(s, "-ERR Bad base64");
			return;
		}
	} else {
		/* RFC 5034 4: an empty challenge */
		reply(s, "+ ");
		if (auth_getline(s, msg, sizeof(msg), &n) == -1)
			return;
	}
	if (sasl_plain_split(msg, (size_t)n, user, sizeof(user), pass,
	    sizeof(pass)) != 0) {
		explicit_bzero(msg, sizeof(msg));
		/* counted as a failed login, like a wrong password */
		check_password(s, "", "", "AUTH PLAIN");
		return;
	}
	explicit_bzero(msg, sizeof(msg));
	check_password(s, user, pass, "AUTH PLAIN");
	explicit_bzero(pass, sizeof(pass));
}

/* Message number num (1-based) that is not deleted, or NULL (replied). */
static struct pop3_msg *
message(struct session *s, long num)
{
	struct pop3_msg	*m;

	if (num < 1 || (size_t)num > s->mb.n) {
		reply_err(s, "-ERR No such message");
		return NULL;
	}
	m = &s->mb.m[num - 1];
	if (m->deleted) {
		reply_err(s, "-ERR Message %ld is deleted", num);
		return NULL;
	}
	return m;
}

static void
do_stat(struct session *s)
{
	long long	 total = 0;
	size_t		 i, n = 0;

	for (i = 0; i < s->mb.n; i++)
		if (!s->mb.m[i].deleted) {
			n++;
			total += s->mb.m[i].wsize;
		}
	/* RFC 1939 5: "+OK nn mm", nothing else before any text */
	reply(s, "+OK %zu %lld", n, total);
}

/* RFC 1939 7, UIDL: Dovecot's default form, so no client fetches twice
 * after a move between the two servers. */
static void
uidl_of(const struct session *s, const struct pop3_msg *m, char *out,
    size_t outlen)
{
	snprintf(out, outlen, "%08X%08X", (unsigned)m->uid,
	    (unsigned)s->mb.uidvalidity);
}

/* digits of v, in base 10 or 16 (upper case), at least width of them */
static size_t
put_num(char *out, unsigned long long v, unsigned int base, size_t width)
{
	char	 t[24];
	size_t	 n = 0, i;

	do {
		t[n++] = "0123456789ABCDEF"[v % base];
		v /= base;
	} while (v > 0);
	while (n < width)
		t[n++] = '0';
	for (i = 0; i < n; i++)
		out[i] = t[n - 1 - i];
	return n;
}

/*
 * One line of a whole LIST or UIDL listing, as reply() would print
 * "%zu %lld" or "%zu %s" of uidl_of(), without printf: the listing of
 * a large mailbox is a line a message.
 */
static void
list_line(struct session *s, size_t num, const struct pop3_msg *m, int uidl)
{
	char	 line[80];
	size_t	 n;

	n = put_num(line, num, 10, 1);
	line[n++] = ' ';
	if (uidl) {
		n += put_num(line + n, (unsigned)m->uid, 16, 8);
		n += put_num(line + n, (unsigned)s->mb.uidvalidity, 16, 8);
	} else if (m->wsize < 0) {
		line[n++] = '-';
		n += put_num(line + n, -(unsigned long long)m->wsize, 10, 1);
	} else
		n += put_num(line + n, (unsigned long long)m->wsize, 10, 1);
	line[n++] = '\r';
	line[n++] = '\n';
	(void)io_write(&s->io, line, n);
}

static void
do_list(struct session *s, struct pop3_cmd *c, int uidl)
{
	struct pop3_msg	*m;
	char		 id[32];
	size_t		 i;

	if (c->nargs == 1) {
		if ((m = message(s, c->num[0])) == NULL)
			return;
		if (uidl) {
			uidl_of(s, m, id, sizeof(id));
			reply(s, "+OK %ld %s", c->num[0], id);
		} else
			reply(s, "+OK %ld %lld", c->num[0], m->wsize);
		return;
	}
	reply(s, uidl ? "+OK Unique-ID listing follows" :
	    "+OK Scan listing follows");
	for (i = 0; i < s->mb.n; i++) {
		m = &s->mb.m[i];
		if (m->deleted)
			continue;
		list_line(s, i + 1, m, uidl);
		if (s->io.failed == IO_ERR) {
			session_end(s);
			return;
		}
	}
	reply(s, ".");
}

static void __attribute__((noreturn))
send_failed(struct session *s, int fd, long num)
{
	log_info("%s: %s: %s while sending message %ld", s->pd->peer_ip,
	    s->user, s->io.failed == IO_TIMEOUT ? "timeout" :
	    "lost connection", num);
	if (fd != -1)
		close(fd);
	session_end(s);
}

/* RETR (lines -1) and TOP: the message as lib/pop3 encodes it. */
static void
do_retr(struct session *s, long num, long lines)
{
	struct pop3_msg	*m;
	struct pop3_enc	 enc;
	char		 in[8192], out[POP3_ENC_BOUND(8192) + POP3_ENC_FINAL];
	ssize_t		 n;
	size_t		 o;
	int		 fd;

	if ((m = message(s, num)) == NULL)
		return;
	if ((fd = mbox_msg_open(&s->mb, (size_t)num - 1)) == -1) {
		if (errno == ENOENT) {
			/* expunged by an IMAP session: it will not come back */
			reply(s, "-ERR Message %ld was removed by another "
			    "session", num);
			return;
		}
		log_warn("%s: %s: message %ld (%s)", s->pd->peer_ip, s->user,
		    num, mbox_msg_name(&s->mb, (size_t)num - 1));
		reply(s, "-ERR [SYS/TEMP] Message %ld cannot be read", num);
		return;
	}
	if (lines < 0)
		reply(s, "+OK %lld octets", m->wsize);
	else
		reply(s, "+OK Top of message follows");
	pop3_enc_init(&enc, lines);
	for (;;) {
		n = read(fd, in, sizeof(in));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			/* the +OK is out: only closing tells the client */
			log_warn("%s: %s: reading message %ld", s->pd->peer_ip,
			    s->user, num);
			close(fd);
			session_end(s);
		}
		if (n == 0 || enc.stopped)
			break;
		o = pop3_enc_update(&enc, in, (size_t)n, out);
		if (io_write(&s->io, out, o) != 0)
			send_failed(s, fd, num);
	}
	close(fd);
	o = pop3_enc_final(&enc, out);
	if (io_write(&s->io, out, o) != 0)
		send_failed(s, -1, num);
	if (lines < 0)
		m->retrieved = 1;
}

static void
do_quit(struct session *s)
{
	size_t	 i, left = 0, notremoved = 0;

	if (s->state != ST_TRANS) {
		reply(s, "+OK posta POP3 server signing off");
		session_end(s);
	}
	/* RFC 1939 6: the UPDATE state */
	if (mbox_update(&s->mb, &notremoved) == -1 || notremoved > 0) {
		log_warnx("%s: %s: %zu deleted messages not removed",
		    s->pd->peer_ip, s->user, notremoved);
		reply(s, "-ERR [SYS/TEMP] Some deleted messages not removed");
		session_end(s);
	}
	for (i = 0; i < s->mb.n; i++)
		left += !s->mb.m[i].deleted;
	log_info("%s: %s: logout, %zu deleted, %zu left", s->pd->peer_ip,
	    s->user, s->mb.n - left, left);
	reply(s, "+OK posta POP3 server signing off (%zu messages left)",
	    left);
	session_end(s);
}

static void
command(struct session *s)
{
	struct pop3_cmd	 c;
	const char	*why;
	size_t		 i;
	int		 r;

	r = pop3_parse(s->line.s, s->line.len, &c, &why);
	/* the line may hold a password: it is not kept */
	explicit_bzero(s->line.s, s->line.len);
	switch (r) {
	case POP3_OK:
		break;
	case POP3_EUNKNOWN:
		reply_err(s, "-ERR Unknown command");
		return;
	default:
		reply_err(s, "-ERR Syntax error: %s", why);
		return;
	}
	switch (c.verb) {
	case POP3_CAPA:
		do_capa(s);
		return;
	case POP3_QUIT:
		do_quit(s);
		return;
	default:
		break;
	}
	if (s->state == ST_AUTH) {
		switch (c.verb) {
		case POP3_USER:
			do_user(s, &c);
			break;
		case POP3_PASS:
			do_pass(s, &c);
			break;
		case POP3_AUTH:
			do_auth(s, &c);
			break;
		case POP3_STLS:
			do_stls(s);
			break;
		case POP3_APOP:
			reply_err(s, "-ERR APOP not supported");
			break;
		default:
			reply_err(s, "-ERR Log in first");
			break;
		}
		explicit_bzero(&c, sizeof(c));
		return;
	}
	switch (c.verb) {
	case POP3_STAT:
		do_stat(s);
		break;
	case POP3_LIST:
		do_list(s, &c, 0);
		break;
	case POP3_UIDL:
		do_list(s, &c, 1);
		break;
	case POP3_RETR:
		do_retr(s, c.num[0], -1);
		break;
	case POP3_TOP:
		do_retr(s, c.num[0], c.num[1]);
		break;
	case POP3_DELE:
		if (message(s, c.num[0]) != NULL) {
			s->mb.m[c.num[0] - 1].deleted = 1;
			reply(s, "+OK Message %ld deleted", c.num[0]);
		}
		break;
	case POP3_RSET:
		for (i = 0; i < s->mb.n; i++)
			s->mb.m[i].deleted = 0;
		reply(s, "+OK %zu messages", s->mb.n);
		break;
	case POP3_NOOP:
		reply(s, "+OK");
		break;
	default:
		reply_err(s, "-ERR Already logged in");
		break;
	}
}

static int
nonblock(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void
pop3d_session(struct pop3d *pd)
{
	struct session	 s;
	char		 err[256];
	int		 r;

	memset(&s, 0, sizeof(s));
	s.pd = pd;
	s.state = ST_AUTH;
	buf_init(&s.line, 0);
	io_init(&s.io, 0, 1, (int)conf_num(C_pop3d_timeout) * 1000);
	/*
	 * Non-blocking descriptors: lib/io then waits in poll(2) with the
	 * timeout for writes too, so a client that stops reading a long
	 * RETR is logged out like an idle one.
	 */
	if (nonblock(0) == -1 || nonblock(1) == -1)
		fatal("fcntl");
	if (pd->implicit_tls) {
		if (tlsx_accept(&s.io, pd->tls_server, err, sizeof(err)) ==
		    -1) {
			log_warnx("%s: %s", pd->peer_ip, err);
			exit(0);
		}
	}
	log_info("connect from %s%s", pd->peer_ip[0] ? pd->peer_ip :
	    "unknown", pd->implicit_tls ? " (TLS)" : "");
	reply(&s, "+OK posta POP3 server ready");
	for (;;) {
		/* RFC 2449 6.6 */
		if (io_flush_idle(&s.io) != 0)
			session_end(&s);
		r = io_getline(&s.io, &s.line,
		    (size_t)conf_num(C_pop3d_line_limit));
		if (r == IO_TIMEOUT)
			timed_out(&s);
		if (r == IO_EOF || r == IO_ERR)
			session_end(&s);
		if (r == IO_TOOLONG) {
			/* RFC 2449 4 */
			reply_err(&s, "-ERR Line too long");
			continue;
		}
		command(&s);
	}
}
