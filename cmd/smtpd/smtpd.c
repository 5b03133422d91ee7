/*
 * The SMTP session (RFC 5321) with its extensions: the state machine
 * over lib/smtp's pure parser and message decoder.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <tls.h>
#include <unistd.h>

#include "conf.h"
#include "enc.h"
#include "io.h"
#include "log.h"
#include "sasl.h"
#include "smtp.h"
#include "smtpd.h"
#include "tlsx.h"

#define DATA_LINEMAX	4096	/* longer lines are refused anyway (998) */
#define AUTH_LINEMAX	12288	/* RFC 4954 4 */

struct session {
	struct smtpd	*sd;
	struct io	 io;
	struct buf	 line;
	int		 helo;		/* 0 none, 1 HELO, 2 EHLO */
	char		 helo_name[SMTP_ARGMAX];
	char		 tls_desc[200];
	char		 auth_user[ADDR_MAX];
	int		 auth_fails;
	int		 errors;
	long long	 limit;		/* message_size_limit */
	int		 cmd_timeout;	/* ms */
	int		 data_timeout;
	/* the transaction */
	int		 in_mail;
	int		 smtputf8;
	int		 body8;
	char		 sender[ADDR_MAX];
	struct buf	 env;		/* envelope for posta-enqueue */
	size_t		 nrcpt;
	char		 first_rcpt[ADDR_MAX];
	int		 spooling;
	int		 bdat;		/* BDAT chunks under way */
	struct submit	 spool;
	struct smtp_dec	 dec;
	struct smtp_hdr	 hdr;
	int		 toobig;
	char		 queue_id[64];
};

static void	 session_end(struct session *, int) __attribute__((noreturn));

static void
reply(struct session *s, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)buf_vprintf(&s->io.out, fmt, ap);
	va_end(ap);
	(void)io_write(&s->io, "\r\n", 2);
	if (s->io.failed == IO_ERR)
		session_end(s, 0);
}

/* A refused command: RFC 5321 4.5.3.1 lets a server end an abusive
 * session; after smtpd_max_errors of them it does. */
static void
reply_err(struct session *s, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)buf_vprintf(&s->io.out, fmt, ap);
	va_end(ap);
	(void)io_write(&s->io, "\r\n", 2);
	if (++s->errors >= conf_num(C_smtpd_max_errors)) {
		log_info("%s: too many errors", s->sd->peer_ip);
		reply(s, "421 4.7.0 %s Too many errors, closing connection",
		    s->sd->hostname);
		session_end(s, 0);
	}
}

static void
transaction_reset(struct session *s)
{
	if (s->spooling)
		submit_abort(&s->spool);
	s->spooling = 0;
	s->bdat = 0;
	s->in_mail = 0;
	s->smtputf8 = 0;
	s->body8 = 0;
	s->sender[0] = '\0';
	s->nrcpt = 0;
	s->first_rcpt[0] = '\0';
	s->toobig = 0;
	buf_reset(&s->env);
}

static void
session_end(struct session *s, int status)
{
	if (s->spooling)
		submit_abort(&s->spool);
	s->spooling = 0;
	(void)io_flush(&s->io);
	tlsx_close(&s->io);
	exit(status);
}

static void
timed_out(struct session *s)
{
	log_info("%s: timeout", s->sd->peer_ip);
	reply(s, "421 4.4.2 %s Timeout, closing connection", s->sd->hostname);
	session_end(s, 0);
}

static int
auth_offered(const struct session *s)
{
	const struct smtpd *sd = s->sd;

	if (sd->role != ROLE_SUBMISSION || sd->local || s->auth_user[0])
		return 0;
	/* RFC 4954 4: no passwords in the clear, except over loopback */
	return s->io.tls != NULL ||
	    (sd->peer_loopback && conf_bool(C_smtpd_auth_loopback));
}

static const char *
proto_name(const struct session *s)
{
	/* RFC 3848, RFC 6531 3.7.3 */
	static char	 p[16];
	int		 ext = s->helo == 2 || s->io.tls || s->auth_user[0];

	snprintf(p, sizeof(p), "%s%s%s", s->smtputf8 ? "UTF8SMTP" :
	    ext ? "ESMTP" : "SMTP", ext && s->io.tls ? "S" : "",
	    ext && s->auth_user[0] ? "A" : "");
	return p;
}

static void
do_ehlo(struct session *s, struct smtp_cmd *c)
{
	struct smtpd	*sd = s->sd;

	transaction_reset(s);
	s->helo = c->verb == SMTP_EHLO ? 2 : 1;
	strlcpy(s->helo_name, c->arg, sizeof(s->helo_name));
	if (c->verb == SMTP_HELO) {
		reply(s, "250 %s", sd->hostname);
		return;
	}
	reply(s, "250-%s Hello %s", sd->hostname, c->arg);
	reply(s, "250-PIPELINING");
	reply(s, "250-SIZE %lld", s->limit);
	reply(s, "250-8BITMIME");
	reply(s, "250-SMTPUTF8");
	reply(s, "250-ENHANCEDSTATUSCODES");
	if (sd->tls_server != NULL && s->io.tls == NULL && !sd->local)
		reply(s, "250-STARTTLS");
	if (auth_offered(s))
		reply(s, "250-AUTH PLAIN LOGIN");
	reply(s, "250-CHUNKING");
	reply(s, "250-DSN");
	reply(s, "250 HELP");
}

static void
do_mail(struct session *s, struct smtp_cmd *c)
{
	struct smtpd	*sd = s->sd;
	char		 who[ADDR_MAX];

	if (s->helo == 0) {
		reply_err(s, "503 5.5.1 Send HELO or EHLO first");
		return;
	}
	if (s->in_mail) {
		reply_err(s, "503 5.5.1 Nested MAIL command");
		return;
	}
	if (sd->role == ROLE_SUBMISSION && !sd->local && !s->auth_user[0]) {
		reply_err(s, "530 5.7.0 Authentication required");
		return;
	}
	if (s->helo == 1 && (c->size != -1 || c->body8 != -1 ||
	    c->smtputf8 || c->ret[0] || c->envid[0])) {
		reply_err(s, "555 5.5.4 Parameters need EHLO");
		return;
	}
	if (s->limit > 0 && c->size > s->limit) {
		reply_err(s, "552 5.3.4 Message size exceeds fixed limit");
		return;
	}
	if (c->path.utf8 && !c->smtputf8) {
		reply_err(s, "553 5.6.7 Non-ASCII address needs SMTPUTF8");
		return;
	}
	if (c->path.null)
		who[0] = '\0';
	else if (addr_format(&c->path, who, sizeof(who)) == -1) {
		reply_err(s, "501 5.1.7 Address too long");
		return;
	}
	/* Submission: one's own address only, unless the setting allows */
	if (s->auth_user[0] && !c->path.null &&
	    !conf_bool(C_smtpd_any_sender) &&
	    strcasecmp(who, s->auth_user) != 0) {
		reply_err(s, "553 5.7.1 <%s>: Sender address not owned by "
		    "user %s", who, s->auth_user);
		return;
	}
	transaction_reset(s);
	s->in_mail = 1;
	s->smtputf8 = c->smtputf8;
	s->body8 = c->body8 == 1;
	strlcpy(s->sender, who, sizeof(s->sender));
	(void)buf_printf(&s->env, "F %s\n", who);
	if (c->envid[0])
		(void)buf_printf(&s->env, "E %s\n", c->envid);
	if (c->ret[0])
		(void)buf_printf(&s->env, "N %s\n", c->ret);
	if (s->auth_user[0])
		(void)buf_printf(&s->env, "A %s\n", s->auth_user);
	if (sd->local)
		(void)buf_printf(&s->env, "C local user %s\n", sd->local_user);
	else
		(void)buf_printf(&s->env, "C %s ([%s])\n", s->helo_name,
		    sd->peer_ip[0] ? sd->peer_ip : "unknown");
	if (s->smtputf8)
		(void)buf_adds(&s->env, "U\n");
	if (s->body8)
		(void)buf_adds(&s->env, "8\n");
	reply(s, "250 2.1.0 Ok");
}

static void
do_rcpt(struct session *s, struct smtp_cmd *c)
{
	struct smtpd	*sd = s->sd;
	struct addr	*a = &c->path;
	char		 who[ADDR_MAX];
	int		 d;

	if (!s->in_mail || s->spooling) {
		reply_err(s, "503 5.5.1 Need MAIL before RCPT");
		return;
	}
	if (s->nrcpt >= (size_t)conf_num(C_max_recipients)) {
		/* RFC 5321 4.5.3.1.10 */
		reply(s, "452 4.5.3 Too many recipients");
		return;
	}
	if (a->utf8 && !s->smtputf8) {
		reply_err(s, "553 5.6.7 Non-ASCII address needs SMTPUTF8");
		return;
	}
	if (a->route) {
		reply_err(s, "550 5.7.1 Source routes are not accepted");
		return;
	}
	if (a->domain[0] == '\0')	/* <postmaster>, RFC 5321 4.5.1 */
		strlcpy(a->domain, sd->hostname, sizeof(a->domain));
	if (addr_format(a, who, sizeof(who)) == -1) {
		reply_err(s, "501 5.1.3 Address too long");
		return;
	}
	d = policy_domain(sd, a);
	/* %-hacks, bang paths, "user@other"@here: no relaying through us */
	if (d != 0 && strpbrk(a->local, "%!@") != NULL) {
		reply_err(s, "550 5.7.1 <%s>: Relay access denied", who);
		return;
	}
	if (d == 0 && !sd->local && !s->auth_user[0] &&
	    !policy_relay_client(sd)) {
		log_info("%s: relay refused to <%s>", sd->peer_ip, who);
		reply_err(s, "554 5.7.1 <%s>: Relay access denied", who);
		return;
	}
	if (d == 1 && !policy_local_exists(sd, a)) {
		reply_err(s, "550 5.1.1 <%s>: Recipient address rejected: "
		    "no such user here", who);
		return;
	}
	(void)buf_printf(&s->env, "R %s", who);
	if (c->notify[0])
		(void)buf_printf(&s->env, " NOTIFY=%s", c->notify);
	if (c->orcpt[0])
		(void)buf_printf(&s->env, " ORCPT=%s", c->orcpt);
	(void)buf_adds(&s->env, "\n");
	if (s->nrcpt++ == 0)
		strlcpy(s->first_rcpt, who, sizeof(s->first_rcpt));
	reply(s, "250 2.1.5 Ok");
}

/* RFC 5321 4.4 trace field, written first into the message. */
static int
received(struct session *s)
{
	struct smtpd	*sd = s->sd;
	struct buf	 r = BUF_INIT;
	char		 date[64];
	time_t		 now = time(NULL);
	int		 rv;

	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z",
	    localtime(&now));
	if (sd->local)
		(void)buf_printf(&r, "Received: from %s (local user %s)\n",
		    s->helo_name, sd->local_user);
	else
		(void)buf_printf(&r, "Received: from %s ([%s%s])\n",
		    s->helo_name, strchr(sd->peer_ip, ':') ? "IPv6:" : "",
		    sd->peer_ip[0] ? sd->peer_ip : "unknown");
	if (s->io.tls != NULL)
		(void)buf_printf(&r, "\t(using %s)\n", s->tls_desc);
	(void)buf_printf(&r, "\tby %s (posta) with %s", sd->hostname,
	    proto_name(s));
	if (s->nrcpt == 1)
		(void)buf_printf(&r, "\n\tfor <%s>", s->first_rcpt);
	(void)buf_printf(&r, "; %s\n", date);
	if (r.s == NULL)
		return -1;
	rv = submit_write(&s->spool, r.s, r.len);
	buf_free(&r);
	return rv;
}

static int
spool_start(struct session *s, int flags)
{
	if (submit_open(&s->spool, s->sd->cflag != NULL) == -1)
		return -1;
	s->spooling = 1;
	s->toobig = 0;
	smtp_dec_init(&s->dec, flags, 998);	/* RFC 5321 4.5.3.1.6 */
	smtp_hdr_init(&s->hdr);
	if (received(s) == -1) {
		transaction_reset(s);
		return -1;
	}
	return 0;
}

/* Decoded octets: count Received fields, bound the size, pass them on. */
static void
spool_feed(struct session *s, const char *p, size_t n)
{
	if (n == 0)
		return;
	smtp_hdr_scan(&s->hdr, p, n);
	if (s->toobig)
		return;
	if (s->limit > 0 && s->spool.written + (long long)n > s->limit) {
		s->toobig = 1;
		return;
	}
	(void)submit_write(&s->spool, p, n);
}

/* The end of the message: refuse, or commit and reply with the ID. */
static void
message_end(struct session *s)
{
	char	 id[64];
	int	 status;

	if (s->toobig) {
		transaction_reset(s);
		reply(s, "552 5.3.4 Message size exceeds fixed limit");
		return;
	}
	if (s->dec.toolong) {
		transaction_reset(s);
		/* RFC 5321 4.5.3.1.6 */
		reply(s, "554 5.6.0 Line longer than 998 octets refused");
		return;
	}
	if (s->hdr.received > conf_num(C_smtpd_max_received)) {
		log_info("%s: mail loop: %d Received fields", s->sd->peer_ip,
		    s->hdr.received);
		transaction_reset(s);
		reply(s, "554 5.4.6 Too many Received fields: mail loop");
		return;
	}
	status = submit_commit(&s->spool, &s->env, id, sizeof(id));
	s->spooling = 0;
	transaction_reset(s);
	switch (status) {
	case 0:
		log_info("%s: queued %s", s->sd->peer_ip, id);
		reply(s, "250 2.0.0 Ok: queued as %s", id);
		break;
	case EX_DATAERR:
		reply(s, "554 5.6.0 Message refused by the queue");
		break;
	default:
		log_warnx("posta-enqueue exited with %d", status);
		reply(s, "451 4.3.0 Queue failure, try again later");
		break;
	}
}

static void
do_data(struct session *s)
{
	char	 out[DATA_LINEMAX];
	size_t	 olen, used;
	int	 r;

	if (!s->in_mail || s->bdat) {
		reply_err(s, "503 5.5.1 Need MAIL before DATA");
		return;
	}
	if (s->nrcpt == 0) {
		reply_err(s, "554 5.5.1 No valid recipients");
		return;
	}
	if (spool_start(s, SMTP_DEC_DATA) == -1) {
		transaction_reset(s);
		reply(s, "451 4.3.0 Queue failure, try again later");
		return;
	}
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
	if (io_flush(&s->io) != 0)
		session_end(s, 0);
	s->io.timeout = s->data_timeout;
	for (;;) {
		r = io_getline(&s->io, &s->line, DATA_LINEMAX);
		if (r == IO_TIMEOUT)
			timed_out(s);
		if (r == IO_EOF || r == IO_ERR) {
			log_info("%s: lost connection during DATA",
			    s->sd->peer_ip);
			session_end(s, 0);
		}
		if (r == IO_TOOLONG) {
			s->dec.toolong = 1;
			continue;
		}
		r = smtp_dec_run(&s->dec, s->line.s, s->line.len, out, &olen,
		    &used);
		spool_feed(s, out, olen);
		if (r == SMTP_DEC_END)
			break;
		if (r == SMTP_DEC_BARELF || r == SMTP_DEC_BARECR) {
			/* no guessing where this message ends: smuggling */
			log_info("%s: bare %s in DATA", s->sd->peer_ip,
			    r == SMTP_DEC_BARELF ? "LF" : "CR");
			transaction_reset(s);
			reply(s, "554 5.5.2 Bare %s in message data refused, "
			    "closing connection", r == SMTP_DEC_BARELF ?
			    "LF" : "CR");
			session_end(s, 0);
		}
	}
	s->io.timeout = s->cmd_timeout;
	message_end(s);
}

/* RFC 3030 2: the chunk is read whatever the reply will be. */
static void
do_bdat(struct session *s, struct smtp_cmd *c)
{
	char		 in[IO_BUFSIZE], out[IO_BUFSIZE];
	long long	 left = c->chunk;
	size_t		 olen, used;
	ssize_t		 n;
	int		 bad = 0, r = SMTP_DEC_MORE;

	if (!s->in_mail || s->nrcpt == 0)
		bad = 1;
	else if (!s->spooling && spool_start(s, 0) == -1)
		bad = 2;
	else
		s->bdat = 1;
	s->io.timeout = s->data_timeout;
	while (left > 0) {
		n = io_read(&s->io, in, left < (long long)sizeof(in) ?
		    (size_t)left : sizeof(in));
		if (n == IO_TIMEOUT)
			timed_out(s);
		if (n <= 0) {
			log_info("%s: lost connection during BDAT",
			    s->sd->peer_ip);
			session_end(s, 0);
		}
		left -= n;
		if (bad)
			continue;
		r = smtp_dec_run(&s->dec, in, (size_t)n, out, &olen, &used);
		spool_feed(s, out, olen);
	}
	s->io.timeout = s->cmd_timeout;
	if (bad == 1) {
		reply_err(s, s->in_mail ? "554 5.5.1 No valid recipients" :
		    "503 5.5.1 Need MAIL before BDAT");
		return;
	}
	if (bad == 2) {
		transaction_reset(s);
		reply(s, "451 4.3.0 Queue failure, try again later");
		return;
	}
	if (c->last)
		r = smtp_dec_finish(&s->dec);
	if (r == SMTP_DEC_BARELF || r == SMTP_DEC_BARECR) {
		transaction_reset(s);
		reply_err(s, "554 5.5.2 Bare %s in message data refused",
		    r == SMTP_DEC_BARELF ? "LF" : "CR");
		return;
	}
	if (!c->last) {
		reply(s, "250 2.0.0 %lld octets received", c->chunk);
		return;
	}
	message_end(s);
}

static int
auth_getline(struct session *s, char *out, size_t outlen, int *len)
{
	const char	*why;
	size_t		 n;
	int		 r;

	if (io_flush(&s->io) != 0)
		session_end(s, 0);
	r = io_getline(&s->io, &s->line, AUTH_LINEMAX);
	if (r == IO_TIMEOUT)
		timed_out(s);
	if (r == IO_EOF || r == IO_ERR)
		session_end(s, 0);
	n = s->line.len;
	if (r == IO_TOOLONG || n < 2 || s->line.s[n - 2] != '\r' ||
	    memchr(s->line.s, '\r', n - 2) != NULL) {
		reply_err(s, "500 5.5.2 Bad line");
		return -1;
	}
	n -= 2;
	if (n == 1 && s->line.s[0] == '*') {
		reply_err(s, "501 5.0.0 Authentication cancelled");
		return -1;
	}
	why = NULL;
	/* RFC 4954 4: a SASL response is base64 */
	if ((*len = sasl_b64_decode(s->line.s, n, out, outlen)) == -1)
		why = "501 5.5.2 Bad base64";
	if (why) {
		reply_err(s, "%s", why);
		return -1;
	}
	return 0;
}

static void
do_auth(struct session *s, struct smtp_cmd *c)
{
	char		 buf[1024], user[ADDR_MAX], pass[512];
	char		*mech = c->arg, *ir;
	int		 n, ok, r;

	if (s->sd->role != ROLE_SUBMISSION || s->sd->local) {
		reply_err(s, "502 5.5.1 AUTH not available");
		return;
	}
	if (s->helo != 2 || s->auth_user[0] || s->in_mail) {
		reply_err(s, "503 5.5.1 AUTH not allowed now");
		return;
	}
	if (!auth_offered(s)) {
		reply_err(s, "538 5.7.11 Encryption required for requested "
		    "authentication mechanism");
		return;
	}
	if ((ir = strchr(mech, ' ')) != NULL)
		*ir++ = '\0';
	user[0] = pass[0] = '\0';
	if (strcasecmp(mech, "PLAIN") == 0) {
		/* RFC 4616 2: [authzid] NUL authcid NUL passwd */
		if (ir != NULL && strcmp(ir, "=") == 0)
			n = 0, buf[0] = '\0';
		else if (ir != NULL) {
			n = sasl_b64_decode(ir, strlen(ir), buf, sizeof(buf));
			if (n == -1) {
				reply_err(s, "501 5.5.2 Bad base64");
				return;
			}
		} else {
			reply(s, "334 ");
			if (auth_getline(s, buf, sizeof(buf), &n) == -1)
				return;
		}
		/* RFC 4616 2: [authzid] NUL authcid NUL passwd */
		r = sasl_plain_split(buf, (size_t)n, user, sizeof(user), pass,
		    sizeof(pass));
		if (r == SASL_EMALFORMED) {
			reply_err(s, "501 5.5.2 Bad PLAIN response");
			return;
		}
		if (r == SASL_EREFUSED) {
			explicit_bzero(buf, sizeof(buf));
			reply_err(s, "535 5.7.8 Authentication credentials "
			    "invalid");
			return;
		}
	} else if (strcasecmp(mech, "LOGIN") == 0) {
		if (ir != NULL) {
			n = sasl_b64_decode(ir, strlen(ir), buf, sizeof(buf));
			if (n == -1) {
				reply_err(s, "501 5.5.2 Bad base64");
				return;
			}
		} else {
			reply(s, "334 VXNlcm5hbWU6");	/* Username: */
			if (auth_getline(s, buf, sizeof(buf), &n) == -1)
				return;
		}
		strlcpy(user, buf, sizeof(user));
		reply(s, "334 UGFzc3dvcmQ6");	/* Password: */
		if (auth_getline(s, buf, sizeof(buf), &n) == -1)
			return;
		strlcpy(pass, buf, sizeof(pass));
	} else {
		reply_err(s, "504 5.5.4 Unrecognized authentication type");
		return;
	}
	explicit_bzero(buf, sizeof(buf));
	ok = users_check(&s->sd->users, user, pass);
	explicit_bzero(pass, sizeof(pass));
	if (!ok) {
		log_info("%s: authentication failed for %s", s->sd->peer_ip,
		    user);
		users_fail_delay(++s->auth_fails,
		    (int)conf_num(C_smtpd_auth_delay_max));
		reply_err(s, "535 5.7.8 Authentication credentials invalid");
		return;
	}
	strlcpy(s->auth_user, users_find(&s->sd->users, user)->address,
	    sizeof(s->auth_user));
	log_info("%s: authenticated as %s", s->sd->peer_ip, s->auth_user);
	reply(s, "235 2.7.0 Authentication successful");
}

static void
do_starttls(struct session *s)
{
	char	 err[256];

	if (s->io.tls != NULL) {
		reply_err(s, "503 5.5.1 TLS already active");
		return;
	}
	if (s->sd->tls_server == NULL || s->sd->local) {
		reply_err(s, "502 5.5.1 STARTTLS not available");
		return;
	}
	reply(s, "220 2.0.0 Ready to start TLS");
	/* tlsx_accept discards what was pipelined after STARTTLS */
	if (tlsx_accept(&s->io, s->sd->tls_server, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", s->sd->peer_ip, err);
		exit(0);
	}
	tlsx_describe(s->io.tls, s->tls_desc, sizeof(s->tls_desc));
	/* RFC 3207 4.2: forget everything learned before TLS */
	transaction_reset(s);
	s->helo = 0;
	s->helo_name[0] = '\0';
}

static void
do_help(struct session *s)
{
	reply(s, "214-2.0.0 posta-smtpd; commands:");
	reply(s, "214-2.0.0   HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT");
	reply(s, "214-2.0.0   HELP VRFY STARTTLS AUTH");
	reply(s, "214 2.0.0 End of HELP info");
}

static void
command(struct session *s)
{
	struct smtp_cmd	 c;
	const char	*why;
	int		 r;

	r = smtp_parse(s->line.s, s->line.len,
	    (size_t)conf_num(C_max_address_length), &c, &why);
	switch (r) {
	case SMTP_OK:
		break;
	case SMTP_EBARE:
		reply_err(s, "500 5.5.2 Bare CR or LF in command refused");
		return;
	case SMTP_EUNKNOWN:
		reply_err(s, "500 5.5.1 Command unrecognized");
		return;
	case SMTP_EPATH:
		reply_err(s, "501 %s Bad address: %s",
		    c.verb == SMTP_MAIL ? "5.1.7" : "5.1.3", why);
		return;
	case SMTP_EPARAM:
		reply_err(s, "555 5.5.4 %s", why);
		return;
	default:
		reply_err(s, "501 5.5.4 Syntax error: %s", why);
		return;
	}
	switch (c.verb) {
	case SMTP_HELO:
	case SMTP_EHLO:
		do_ehlo(s, &c);
		break;
	case SMTP_MAIL:
		do_mail(s, &c);
		break;
	case SMTP_RCPT:
		do_rcpt(s, &c);
		break;
	case SMTP_DATA:
		do_data(s);
		break;
	case SMTP_BDAT:
		do_bdat(s, &c);
		break;
	case SMTP_RSET:
		transaction_reset(s);
		reply(s, "250 2.0.0 Ok");
		break;
	case SMTP_NOOP:
		reply(s, "250 2.0.0 Ok");
		break;
	case SMTP_QUIT:
		reply(s, "221 2.0.0 %s Bye", s->sd->hostname);
		session_end(s, 0);
	case SMTP_HELP:
		do_help(s);
		break;
	case SMTP_VRFY:
		/* RFC 5321 3.5.3: 252 says nothing about who exists */
		if (strcmp(conf_str(C_smtpd_vrfy), "252") == 0)
			reply(s, "252 2.5.0 Cannot VRFY user, but will accept "
			    "message and attempt delivery");
		else
			reply_err(s, "502 5.5.1 VRFY command is disabled");
		break;
	case SMTP_STARTTLS:
		do_starttls(s);
		break;
	case SMTP_AUTH:
		do_auth(s, &c);
		break;
	case SMTP_EXPN:
	case SMTP_TURN:
	case SMTP_SEND:
	case SMTP_SOML:
	case SMTP_SAML:
	case SMTP_ETRN:
	default:
		reply_err(s, "502 5.5.1 %s not implemented",
		    smtp_verb_name(c.verb));
		break;
	}
}

void
smtpd_session(struct smtpd *sd)
{
	struct session	 s;
	char		 err[256];
	int		 r;

	memset(&s, 0, sizeof(s));
	s.sd = sd;
	s.limit = conf_num(C_message_size_limit);
	s.cmd_timeout = (int)conf_num(C_smtpd_command_timeout) * 1000;
	s.data_timeout = (int)conf_num(C_smtpd_data_timeout) * 1000;
	buf_init(&s.line, 0);
	buf_init(&s.env, 0);
	io_init(&s.io, 0, 1, s.cmd_timeout);
	if (sd->implicit_tls) {
		if (tlsx_accept(&s.io, sd->tls_server, err, sizeof(err)) ==
		    -1) {
			log_warnx("%s: %s", sd->peer_ip, err);
			exit(0);
		}
		tlsx_describe(s.io.tls, s.tls_desc, sizeof(s.tls_desc));
	}
	log_info("connect from %s%s", sd->local ? "local user " : "",
	    sd->local ? sd->local_user : sd->peer_ip);
	reply(&s, "220 %s ESMTP posta", sd->hostname);
	for (;;) {
		/* RFC 2920 3.1 */
		if (io_flush_idle(&s.io) != 0)
			session_end(&s, 0);
		r = io_getline(&s.io, &s.line,
		    (size_t)conf_num(C_smtpd_line_limit));
		if (r == IO_TIMEOUT)
			timed_out(&s);
		if (r == IO_EOF || r == IO_ERR)
			session_end(&s, 0);
		if (r == IO_TOOLONG) {
			/* RFC 5321 4.5.3.1.4 */
			reply_err(&s, "500 5.5.2 Line too long");
			continue;
		}
		command(&s);
	}
}
