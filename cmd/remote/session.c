/*
 * The SMTP client: one connection to the first exchanger that answers,
 * every message of the run over it (RFC 5321 3.3, 4.1.1.5), each
 * recipient's result reported as soon as it is known.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "dsn.h"
#include "enc.h"
#include "io.h"
#include "log.h"
#include "remote.h"
#include "smtpc.h"
#include "tlsx.h"

/* Commands sent in one go before their replies are read (RFC 2920 3.1). */
#define PIPE_BATCH	100

#define SESSION_OK	0
#define SESSION_FAIL	(-1)	/* try the next exchanger */
#define SESSION_PLAIN	(-2)	/* TLS failed under "may": again without */

/* read_reply() results beside IO_ERR, IO_TIMEOUT and IO_TOOLONG */
#define REPLY_BAD	(-10)	/* not an SMTP reply */
#define REPLY_LONG	(-11)	/* over remote_reply_limit */

struct sess {
	struct remote		*r;
	struct target		*t;
	struct io		 io;
	struct smtpc_reply	 rep;
	struct smtpc_ehlo	 x;
	struct buf		 line;
	int			 fd;
	int			 esmtp;
	int			 tls;
	int			 transactions;
	char			 host[400];	/* name[address] */
	/* why the session failed, for the recipients still pending */
	char			 status[16];
	char			 why[1024];
};

static int	 stdout_failed;

static int
ms(enum conf_key k)
{
	long long	 s = conf_num(k);

	return s <= 0 || s > INT_MAX / 1000 ? -1 : (int)(s * 1000);
}

/* Keep a diagnostic to one line of printable text. */
static void
oneline(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = ' ';
}

void
remote_report(struct job *j, size_t i, char result, const char *status,
    const char *fmt, ...)
{
	char		 text[2048];
	va_list		 ap;

	if (j->result[i] != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	oneline(text);
	j->result[i] = result;
	if (printf("%s %zu %c %s %s\n", j->id, j->idx[i], result, status,
	    text) < 0 || fflush(stdout) == EOF)
		stdout_failed = 1;
	log_info("%s: to=<%s>, status=%s %s (%s)", j->id,
	    j->idx[i] < j->env.nrcpt ? j->env.rcpt[j->idx[i]].addr : "?",
	    result == 'D' || result == 'R' ? "sent" : result == 'T' ?
	    "deferred" : "bounced",
	    status, text);
}

size_t
remote_pending(const struct remote *r)
{
	size_t	 n = 0, i, k;

	for (i = 0; i < r->njobs; i++)
		for (k = 0; k < r->jobs[i].nidx; k++)
			if (r->jobs[i].result[k] == 0)
				n++;
	return n;
}

/* A session failure: what the pending recipients will be told. */
static int
sess_fail(struct sess *s, const char *status, const char *fmt, ...)
{
	va_list	 ap;

	strlcpy(s->status, status, sizeof(s->status));
	/* the recipients are deferred: a temporary code says so */
	if (s->status[0] == '5')
		s->status[0] = '4';
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	log_info("%s: %s", s->r->dest, s->why);
	return SESSION_FAIL;
}

static int
lost(struct sess *s, int ioerr, const char *stage)
{
	if (ioerr == IO_TIMEOUT)
		return sess_fail(s, "4.4.2", "conversation with %s timed out "
		    "while %s", s->host, stage);
	if (ioerr == IO_TOOLONG || ioerr == REPLY_LONG)
		return sess_fail(s, "4.5.0", "reply from %s too long while %s",
		    s->host, stage);
	if (ioerr == REPLY_BAD)
		return sess_fail(s, "4.5.0", "malformed reply from %s while %s",
		    s->host, stage);
	return sess_fail(s, "4.4.2", "lost connection with %s while %s",
	    s->host, stage);
}

/* Read one whole reply; 0, or an IO_ or REPLY_ error. */
static int
read_reply(struct sess *s, int timeout)
{
	int	 r;

	smtpc_reply_reset(&s->rep);
	s->io.timeout = timeout;
	for (;;) {
		r = io_getline(&s->io, &s->line,
		    (size_t)conf_num(C_remote_reply_limit));
		if (r == IO_EOF)
			return IO_ERR;
		if (r != IO_LINE)
			return r;
		log_debug("<<< %.*s", (int)(s->line.len > 0 &&
		    s->line.s[s->line.len - 1] == '\n' ? s->line.len - 1 :
		    s->line.len), s->line.s);
		r = smtpc_reply_feed(&s->rep, s->line.s, s->line.len);
		if (r == SMTPC_DONE)
			return 0;
		if (r == SMTPC_EBAD)
			return REPLY_BAD;
		if (r == SMTPC_ELONG)
			return REPLY_LONG;
	}
}

/* With -v, the command just added to the output; never credentials. */
static void
log_sent(struct sess *s, const char *fmt)
{
	const char	*p, *end = s->io.out.s + s->io.out.len - 2;

	if (!log_getverbose())
		return;
	for (p = end; p > s->io.out.s && p[-1] != '\n'; p--)
		;
	if (strncmp(fmt, "AUTH", 4) == 0 || strcmp(fmt, "%s") == 0)
		log_debug(">>> (AUTH credentials)");
	else
		log_debug(">>> %.*s", (int)(end - p), p);
}

static int
send_line(struct sess *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Queue one command line (CRLF added); flushed by the caller. */
static int
send_line(struct sess *s, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = buf_vprintf(&s->io.out, fmt, ap);
	va_end(ap);
	if (r == -1 || buf_add(&s->io.out, "\r\n", 2) == -1)
		return IO_ERR;
	log_sent(s, fmt);
	return 0;
}

/* One command and its reply; 0, or an I/O error. */
static int
command(struct sess *s, int timeout, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
command(struct sess *s, int timeout, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = buf_vprintf(&s->io.out, fmt, ap);
	va_end(ap);
	if (r == -1 || buf_add(&s->io.out, "\r\n", 2) == -1)
		return IO_ERR;
	log_sent(s, fmt);
	s->io.timeout = timeout;
	if ((r = io_flush(&s->io)) != 0)
		return r;
	return read_reply(s, timeout);
}

/* The reply as a diagnostic: "smtp; 550 5.1.1 text (host name[ip])". */
static const char *
diag(struct sess *s, char *out, size_t outlen)
{
	snprintf(out, outlen, "smtp; %d%s%s (host %s)", s->rep.code,
	    s->rep.text.len ? " " : "", s->rep.text.len ? s->rep.text.s : "",
	    s->host);
	return out;
}

static const char *
status(struct sess *s, char *out, size_t outlen)
{
	return smtpc_reply_status(&s->rep, out, outlen);
}

static char
result_of(int code)
{
	return code >= 200 && code < 300 ? 'D' : code >= 500 ? 'F' : 'T';
}

static int
tcp_connect(struct sess *s)
{
	struct pollfd	 pfd;
	socklen_t	 sl;
	int		 fd, e, n;

	fd = socket(s->t->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return sess_fail(s, "4.4.1", "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&s->t->sa, s->t->salen) == -1) {
		if (errno != EINPROGRESS) {
			e = errno;
			close(fd);
			return sess_fail(s, "4.4.1", "connect to %s:%d: %s",
			    s->host, s->t->port, strerror(e));
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		while ((n = poll(&pfd, 1, ms(C_remote_connect_timeout))) == -1 &&
		    errno == EINTR)
			;
		sl = sizeof(e);
		if (n == 0)
			e = ETIMEDOUT;
		else if (n == -1)
			e = errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == -1)
			e = errno;
		if (e != 0) {
			close(fd);
			return sess_fail(s, "4.4.1", "connect to %s:%d: %s",
			    s->host, s->t->port, strerror(e));
		}
	}
	s->fd = fd;
	io_init(&s->io, fd, fd, ms(C_remote_greeting_timeout));
	return SESSION_OK;
}

static void
quit(struct sess *s)
{
	if (s->fd == -1)
		return;
	if (s->io.failed == 0 && command(s, ms(C_remote_helo_timeout),
	    "QUIT") != 0)
		log_debug("no reply to QUIT from %s", s->host);
	tlsx_close(&s->io);
	io_free(&s->io);
	close(s->fd);
	s->fd = -1;
}

static int
ehlo(struct sess *s, const char *stage)
{
	char	 d[1200], st[16];
	int	 r, helo = 0;

	memset(&s->x, 0, sizeof(s->x));
	if ((r = command(s, ms(C_remote_helo_timeout), "EHLO %s",
	    s->r->helo)) != 0)
		return lost(s, r, stage);
	if (s->rep.code / 100 == 2) {
		s->esmtp = 1;
		smtpc_ehlo_parse(&s->rep, &s->x);
		return SESSION_OK;
	}
	if (s->rep.code / 100 == 5 && !s->tls) {
		/* RFC 5321 4.1.4: a server without EHLO; try HELO */
		helo = 1;
		if ((r = command(s, ms(C_remote_helo_timeout), "HELO %s",
		    s->r->helo)) != 0)
			return lost(s, r, "sending HELO");
		if (s->rep.code / 100 == 2) {
			s->esmtp = 0;
			return SESSION_OK;
		}
	}
	return sess_fail(s, status(s, st, sizeof(st)), "host %s refused %s: %s",
	    s->host, helo ? "EHLO and HELO" : "EHLO", diag(s, d, sizeof(d)));
}

static int
starttls(struct sess *s, int policy, const char *servername)
{
	char	 err[512], d[1200], st[16], desc[128];
	int	 r;

	if ((r = command(s, ms(C_remote_helo_timeout), "STARTTLS")) != 0)
		return lost(s, r, "sending STARTTLS");
	if (s->rep.code != 220) {
		if (policy >= TLS_ENCRYPT)
			return sess_fail(s, status(s, st, sizeof(st)),
			    "TLS is required, but host %s refused STARTTLS: %s",
			    s->host, diag(s, d, sizeof(d)));
		log_info("host %s refused STARTTLS, going on without TLS: %s",
		    s->host, diag(s, d, sizeof(d)));
		return SESSION_OK;
	}
	s->io.timeout = ms(C_remote_helo_timeout);
	if (tlsx_connect(&s->io, servername, policy == TLS_VERIFY, err,
	    sizeof(err)) == -1) {
		s->io.failed = IO_ERR;
		sess_fail(s, "4.7.5", "TLS with %s failed: %s", s->host, err);
		return policy == TLS_MAY ? SESSION_PLAIN : SESSION_FAIL;
	}
	s->tls = 1;
	log_info("TLS with %s: %s", s->host,
	    tlsx_describe(s->io.tls, desc, sizeof(desc)));
	/* RFC 3207 4.2: forget what was learnt before TLS, ask again */
	return ehlo(s, "sending EHLO after STARTTLS");
}

static int
b64(const char *s, size_t len, char *out, size_t outlen)
{
	struct enc_b64	 e;
	size_t		 n;

	if (ENC_B64_BOUND(len) >= outlen)
		return -1;
	enc_b64_init(&e, 0, 0);
	n = enc_b64_update(&e, s, len, out);
	n += enc_b64_final(&e, out + n);
	out[n] = '\0';
	return 0;
}

/* RFC 4954 with PLAIN (RFC 4616) or LOGIN. */
static int
auth(struct sess *s)
{
	struct remote	*r = s->r;
	char		 raw[1024], enc[ENC_B64_BOUND(1024) + 1];
	char		 d[1200], st[16];
	size_t		 ul = strlen(r->auth_user), pl = strlen(r->auth_pass);
	int		 e;

	if (!s->tls)
		return sess_fail(s, "4.7.0", "not sending credentials to %s "
		    "without TLS", s->host);
	if (!(s->x.ext & SMTPC_X_AUTH)) {
		log_info("host %s offers no AUTH; going on without", s->host);
		return SESSION_OK;
	}
	if (ul + pl + 2 > sizeof(raw))
		return sess_fail(s, "4.7.0", "AUTH credentials too long");
	if (s->x.auth & SMTPC_AUTH_PLAIN) {
		raw[0] = '\0';
		memcpy(raw + 1, r->auth_user, ul);
		raw[ul + 1] = '\0';
		memcpy(raw + ul + 2, r->auth_pass, pl);
		e = b64(raw, ul + pl + 2, enc, sizeof(enc));
		explicit_bzero(raw, sizeof(raw));
		if (e == -1)
			return sess_fail(s, "4.7.0", "AUTH credentials too long");
		e = command(s, ms(C_remote_helo_timeout), "AUTH PLAIN %s", enc);
		explicit_bzero(enc, sizeof(enc));
	} else if (s->x.auth & SMTPC_AUTH_LOGIN) {
		if ((e = command(s, ms(C_remote_helo_timeout), "AUTH LOGIN"))
		    != 0)
			return lost(s, e, "sending AUTH");
		if (s->rep.code != 334)
			goto refused;
		b64(r->auth_user, ul, enc, sizeof(enc));
		if ((e = command(s, ms(C_remote_helo_timeout), "%s", enc)) != 0)
			return lost(s, e, "sending AUTH");
		if (s->rep.code != 334)
			goto refused;
		b64(r->auth_pass, pl, enc, sizeof(enc));
		e = command(s, ms(C_remote_helo_timeout), "%s", enc);
		explicit_bzero(enc, sizeof(enc));
	} else
		return sess_fail(s, "4.7.0", "host %s offers neither AUTH "
		    "PLAIN nor LOGIN", s->host);
	if (e != 0)
		return lost(s, e, "sending AUTH");
	if (s->rep.code == 235)
		return SESSION_OK;
refused:
	return sess_fail(s, status(s, st, sizeof(st)), "authentication at "
	    "%s failed: %s", s->host, diag(s, d, sizeof(d)));
}

/* Every still pending recipient of j gets this reply. */
static void
report_all(struct sess *s, struct job *j, const char *accepted)
{
	char	 d[1200], st[16], res;
	size_t	 k;

	diag(s, d, sizeof(d));
	status(s, st, sizeof(st));
	for (k = 0; k < j->nidx; k++) {
		if (j->result[k] != 0 || (accepted != NULL && !accepted[k]))
			continue;
		res = result_of(s->rep.code);
		/*
		 * RFC 3461 5.2.2: a server without DSN took it, and no
		 * notice of the delivery will come from beyond it; the
		 * runner owes one to a NOTIFY that asked for SUCCESS
		 */
		if (res == 'D' && !(s->x.ext & SMTPC_X_DSN) &&
		    j->idx[k] < j->env.nrcpt &&
		    j->env.rcpt[j->idx[k]].notify != NULL &&
		    dsn_wanted(j->env.rcpt[j->idx[k]].notify, DSN_DELIVERED))
			res = 'R';
		remote_report(j, k, res, st, "%s", d);
	}
}

static int
mail_cmd(struct sess *s, struct job *j)
{
	struct qenv	*e = &j->env;
	struct buf	*o = &s->io.out;
	int		 r;

	r = buf_printf(o, "MAIL FROM:<%s>", e->sender);
	if (r == 0 && (s->x.ext & SMTPC_X_SIZE))
		r = buf_printf(o, " SIZE=%lld", j->wiresize);
	if (r == 0 && j->eightbit && (s->x.ext & SMTPC_X_8BITMIME))
		r = buf_adds(o, " BODY=8BITMIME");
	if (r == 0 && j->utf8)
		r = buf_adds(o, " SMTPUTF8");
	/* RFC 3461 4.3, 4.4: only to a server that offers DSN */
	if (r == 0 && (s->x.ext & SMTPC_X_DSN) && e->ret != NULL)
		r = buf_printf(o, " RET=%s", e->ret);
	if (r == 0 && (s->x.ext & SMTPC_X_DSN) && e->envid != NULL)
		r = buf_printf(o, " ENVID=%s", e->envid);
	if (r == 0 && (r = buf_add(o, "\r\n", 2)) == 0)
		log_sent(s, "");
	return r == -1 ? IO_ERR : 0;
}

static int
rcpt_cmd(struct sess *s, struct job *j, size_t k)
{
	struct qrcpt	*rc = &j->env.rcpt[j->idx[k]];
	struct buf	*o = &s->io.out;
	int		 r;

	r = buf_printf(o, "RCPT TO:<%s>", rc->addr);
	/* RFC 3461 4.1, 4.2 */
	if (r == 0 && (s->x.ext & SMTPC_X_DSN) && rc->notify != NULL)
		r = buf_printf(o, " NOTIFY=%s", rc->notify);
	if (r == 0 && (s->x.ext & SMTPC_X_DSN) && rc->orcpt != NULL)
		r = buf_printf(o, " ORCPT=%s", rc->orcpt);
	if (r == 0 && (r = buf_add(o, "\r\n", 2)) == 0)
		log_sent(s, "");
	return r == -1 ? IO_ERR : 0;
}

/* The message, dot-stuffed with CRLF, and the final dot. */
static int
send_body(struct sess *s, struct job *j, int downgrade)
{
	struct smtpc_enc	 enc;
	struct buf		 m = BUF_INIT, d = BUF_INIT;
	static char		 in[16384], out[SMTPC_ENC_BOUND(16384)];
	const char		*src = NULL;
	off_t			 off = 0, len = j->env.msglen;
	size_t			 n;
	ssize_t			 got;
	int			 r = 0;

	if (downgrade) {
		/* 7-bit, short lines (RFC 6152 3, RFC 5321 4.5.3.1.6) */
		if (buf_reserve(&m, (size_t)len) == -1 ||
		    pread(j->fd, m.s, (size_t)len, j->env.msgoff) != len ||
		    smtpc_downgrade(m.s, (size_t)len, &d,
		    (int)conf_num(C_remote_mime_depth)) == -1) {
			buf_free(&m);
			buf_free(&d);
			return IO_ERR;
		}
		buf_free(&m);
		src = d.s;
		len = (off_t)d.len;
		log_info("%s: body re-encoded for %s (%s)", j->id, s->host,
		    j->longlines ? "lines over 998 octets" : "8-bit to a "
		    "server without 8BITMIME");
	}
	s->io.timeout = ms(C_remote_data_block_timeout);
	smtpc_enc_init(&enc);
	while (off < len) {
		n = len - off < (off_t)sizeof(in) ? (size_t)(len - off) :
		    sizeof(in);
		if (src != NULL)
			memcpy(in, src + off, n);
		else {
			got = pread(j->fd, in, n, j->env.msgoff + off);
			if (got <= 0) {
				log_warn("%s: reading the message", j->id);
				r = IO_ERR;
				break;
			}
			n = (size_t)got;
		}
		if ((r = io_write(&s->io, out, smtpc_enc_update(&enc, in, n,
		    out))) != 0)
			break;
		off += (off_t)n;
	}
	buf_free(&d);
	if (r != 0)
		return r;
	if ((r = io_write(&s->io, out, smtpc_enc_final(&enc, out))) != 0)
		return r;
	return io_flush(&s->io);
}

/* The reply to RCPT for recipient k; -1 when the server is closing. */
static int
rcpt_reply(struct sess *s, struct job *j, size_t k, char *accepted,
    size_t *nacc)
{
	char	 d[1200], st[16];

	if (s->rep.code == 421)
		return -1;
	if (j->result[k] != 0)
		return 0;	/* MAIL was refused */
	if (s->rep.code / 100 == 2) {
		accepted[k] = 1;
		(*nacc)++;
	} else
		remote_report(j, k, result_of(s->rep.code),
		    status(s, st, sizeof(st)), "%s", diag(s, d, sizeof(d)));
	return 0;
}

/*
 * One mail transaction for the pending recipients of j.  SESSION_OK
 * when the connection can carry the next one (the recipients have
 * their results, or stay pending when the server said so), else
 * SESSION_FAIL.
 */
static int
transaction(struct sess *s, struct job *j)
{
	char	*accepted = NULL;
	size_t	*list = NULL;
	char	 d[1200], st[16];
	size_t	 k, n = 0, nacc = 0, sent, rd, cnt;
	int	 r = 0, downgrade, mail_ok = 0, data_sent = 0;
	int	 rv = SESSION_FAIL;

	for (k = 0; k < j->nidx; k++)
		if (j->result[k] == 0)
			n++;
	if (n == 0)
		return SESSION_OK;
	if (s->transactions > 0) {
		if ((r = command(s, ms(C_remote_helo_timeout), "RSET")) != 0)
			return lost(s, r, "sending RSET");
		if (s->rep.code / 100 != 2)
			return sess_fail(s, status(s, st, sizeof(st)),
			    "host %s refused RSET: %s", s->host,
			    diag(s, d, sizeof(d)));
	}
	if (j->utf8 && !(s->x.ext & SMTPC_X_SMTPUTF8)) {
		/* RFC 6531 3.4 */
		for (k = 0; k < j->nidx; k++)
			remote_report(j, k, 'F', "5.6.7", "SMTPUTF8 is "
			    "required, but was not offered by host %s",
			    s->host);
		return SESSION_OK;
	}
	if ((s->x.ext & SMTPC_X_SIZE) && s->x.size > 0 &&
	    j->wiresize > s->x.size) {
		/* RFC 1870 6 */
		for (k = 0; k < j->nidx; k++)
			remote_report(j, k, 'F', "5.3.4", "message size %lld "
			    "exceeds size limit %lld of server %s",
			    j->wiresize, s->x.size, s->host);
		return SESSION_OK;
	}
	/* RFC 6152 3; RFC 5321 4.5.3.1.6 even with 8BITMIME */
	downgrade = (j->eightbit && !(s->x.ext & SMTPC_X_8BITMIME)) ||
	    j->longlines;
	if ((accepted = calloc(j->nidx, 1)) == NULL ||
	    (list = reallocarray(NULL, n, sizeof(*list))) == NULL) {
		free(accepted);
		return sess_fail(s, "4.3.0", "out of memory");
	}
	for (k = 0, n = 0; k < j->nidx; k++)
		if (j->result[k] == 0)
			list[n++] = k;
	s->transactions++;

	if ((r = mail_cmd(s, j)) != 0)
		goto lostit;
	if (s->x.ext & SMTPC_X_PIPELINING) {
		/*
		 * RFC 2920 3.1: MAIL, the RCPTs and DATA go in batches,
		 * DATA last; the replies are read in order after each.
		 */
		sent = rd = 0;
		for (;;) {
			for (cnt = sent == 0; sent < n && cnt < PIPE_BATCH;
			    cnt++)
				if ((r = rcpt_cmd(s, j, list[sent++])) != 0)
					goto lostit;
			if (sent == n) {
				if ((r = send_line(s, "DATA")) != 0)
					goto lostit;
				data_sent = 1;
			}
			s->io.timeout = ms(C_remote_rcpt_timeout);
			if ((r = io_flush(&s->io)) != 0)
				goto lostit;
			if (rd == 0) {
				if ((r = read_reply(s,
				    ms(C_remote_mail_timeout))) != 0)
					goto lostit;
				if (s->rep.code == 421)
					goto closing;
				if (!(mail_ok = s->rep.code / 100 == 2))
					report_all(s, j, NULL);
			}
			for (; rd < sent; rd++) {
				if ((r = read_reply(s,
				    ms(C_remote_rcpt_timeout))) != 0)
					goto lostit;
				if (rcpt_reply(s, j, list[rd], accepted,
				    &nacc) == -1)
					goto closing;
			}
			if (data_sent)
				break;
		}
		if ((r = read_reply(s, ms(C_remote_data_timeout))) != 0)
			goto lostit;
		if (s->rep.code == 421)
			goto closing;
		if (!mail_ok || nacc == 0) {
			/* RFC 2920 3.1: a 354 anyway gets an empty message */
			if (s->rep.code == 354 && (r = command(s,
			    ms(C_remote_dot_timeout), ".")) != 0)
				goto lostit;
			rv = SESSION_OK;
			goto out;
		}
	} else {
		s->io.timeout = ms(C_remote_mail_timeout);
		if ((r = io_flush(&s->io)) != 0 ||
		    (r = read_reply(s, ms(C_remote_mail_timeout))) != 0)
			goto lostit;
		if (s->rep.code == 421)
			goto closing;
		if (s->rep.code / 100 != 2) {
			report_all(s, j, NULL);
			rv = SESSION_OK;
			goto out;
		}
		for (k = 0; k < n; k++) {
			if ((r = rcpt_cmd(s, j, list[k])) != 0)
				goto lostit;
			s->io.timeout = ms(C_remote_rcpt_timeout);
			if ((r = io_flush(&s->io)) != 0 ||
			    (r = read_reply(s, ms(C_remote_rcpt_timeout))) != 0)
				goto lostit;
			if (rcpt_reply(s, j, list[k], accepted, &nacc) == -1)
				goto closing;
		}
		if (nacc == 0) {
			rv = SESSION_OK;
			goto out;
		}
		data_sent = 1;
		if ((r = command(s, ms(C_remote_data_timeout), "DATA")) != 0)
			goto lostit;
		if (s->rep.code == 421)
			goto closing;
	}
	if (s->rep.code != 354) {
		report_all(s, j, accepted);
		rv = SESSION_OK;
		goto out;
	}
	if ((r = send_body(s, j, downgrade)) != 0)
		goto lostit;
	if ((r = read_reply(s, ms(C_remote_dot_timeout))) != 0)
		goto lostit;
	if (s->rep.code == 421)
		goto closing;
	/* RFC 5321 4.2.5: the reply to the dot is for every accepted one */
	report_all(s, j, accepted);
	rv = SESSION_OK;
	goto out;

closing:
	rv = sess_fail(s, status(s, st, sizeof(st)), "host %s is closing the "
	    "connection: %s", s->host, diag(s, d, sizeof(d)));
	goto out;
lostit:
	rv = lost(s, r, data_sent ? "sending message data" :
	    "sending the envelope");
out:
	free(list);
	free(accepted);
	return rv;
}

static int
session(struct remote *r, struct target *t, int notls)
{
	struct sess	 s;
	char		 d[1200], st[16];
	const char	*servername;
	size_t		 i;
	int		 rv;

	memset(&s, 0, sizeof(s));
	s.r = r;
	s.t = t;
	s.fd = -1;
	buf_init(&s.line, 0);
	smtpc_reply_init(&s.rep, (size_t)conf_num(C_remote_reply_limit));
	snprintf(s.host, sizeof(s.host), "%s[%s]", t->name, t->ip);
	strlcpy(s.status, "4.4.1", sizeof(s.status));
	if ((rv = tcp_connect(&s)) != SESSION_OK)
		goto done;
	log_debug("connected to %s:%d", s.host, t->port);
	if ((rv = read_reply(&s, ms(C_remote_greeting_timeout))) != 0) {
		rv = lost(&s, rv, "receiving the initial greeting");
		goto done;
	}
	if (s.rep.code != 220) {
		/* RFC 5321 3.1, 5.1: next exchanger */
		rv = sess_fail(&s, status(&s, st, sizeof(st)), "host %s refused "
		    "to talk to me: %s", s.host, diag(&s, d, sizeof(d)));
		goto done;
	}
	if ((rv = ehlo(&s, "sending EHLO")) != SESSION_OK)
		goto done;
	if (r->route.tls != TLS_NONE && !notls &&
	    (s.x.ext & SMTPC_X_STARTTLS)) {
		servername = strcmp(t->name, t->ip) == 0 ? t->ip : t->name;
		if ((rv = starttls(&s, r->route.tls, servername)) != SESSION_OK)
			goto done;
	}
	if (r->route.tls >= TLS_ENCRYPT && !s.tls) {
		rv = sess_fail(&s, "4.7.4", "TLS is required, but was not "
		    "offered by host %s", s.host);
		goto done;
	}
	if (r->route.relay && r->auth_user != NULL &&
	    (rv = auth(&s)) != SESSION_OK)
		goto done;
	for (i = 0; i < r->njobs; i++)
		if ((rv = transaction(&s, &r->jobs[i])) != SESSION_OK)
			goto done;
	rv = SESSION_OK;
done:
	if (rv == SESSION_OK || s.io.failed == 0)
		quit(&s);
	else if (s.fd != -1) {
		tlsx_close(&s.io);
		io_free(&s.io);
		close(s.fd);
	}
	if (rv != SESSION_OK) {
		strlcpy(r->route.status, s.status, sizeof(r->route.status));
		strlcpy(r->route.text, s.why, sizeof(r->route.text));
	}
	buf_free(&s.line);
	smtpc_reply_free(&s.rep);
	return rv;
}

void
remote_deliver(struct remote *r)
{
	struct route	*rt = &r->route;
	size_t		 i, j, k;
	int		 notls, rv;

	if (rt->fail == 0 && rt->n == 0)
		strlcpy(rt->text, "no exchanger to try", sizeof(rt->text));
	for (i = 0; rt->fail == 0 && i < rt->n && remote_pending(r) > 0; i++) {
		notls = 0;
		do {
			rv = session(r, &rt->t[i], notls);
			notls = 1;
		} while (rv == SESSION_PLAIN);
	}
	if (rt->fail == 0) {
		rt->fail = 'T';
		if (rt->status[0] == '\0')
			strlcpy(rt->status, "4.4.1", sizeof(rt->status));
	}
	for (j = 0; j < r->njobs; j++)
		for (k = 0; k < r->jobs[j].nidx; k++)
			remote_report(&r->jobs[j], k, rt->fail, rt->status,
			    "%s", rt->text);
}

int
remote_stdout_failed(void)
{
	return stdout_failed;
}
