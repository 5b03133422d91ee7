/*
 * Notices to the sender once a message's pass is over: bounces for the
 * recipients that failed, one delay warning, success notices when
 * asked (RFC 3461 4.1), built by lib/dsn and queued with lib/submit
 * from the null sender.  A message from the null sender is never
 * bounced to it: its failure goes once to double_bounce_recipient,
 * marked so that the failure of that notice is dropped.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "dsn.h"
#include "log.h"
#include "runner.h"
#include "submit.h"

/* Most of a header read for a headers-only notice. */
#define HDR_READ_MAX	(256 * 1024)

static int
read_original(struct msg *m, int headers_only, struct buf *out)
{
	size_t	 want = (size_t)m->env.msglen;
	ssize_t	 r;

	if (headers_only && want > HDR_READ_MAX)
		want = HDR_READ_MAX;
	if (buf_reserve(out, want + 1) == -1)
		return -1;
	r = pread(m->fd, out->s, want, m->env.msgoff);
	if (r < 0)
		return -1;
	out->len = (size_t)r;
	out->s[out->len] = '\0';
	if (headers_only)
		out->len = dsn_header_len(out->s, out->len);
	return 0;
}

/* One notice about the recipients idx[0..n) to "to"; 0 when queued. */
static int
send_notice(struct msg *m, int kind, const size_t *idx, size_t n,
    const char *to, const char *mark)
{
	struct dsn	 d;
	struct dsn_rcpt	*dr;
	struct submit	 s;
	struct buf	 orig = BUF_INIT, out = BUF_INIT, env = BUF_INIT;
	char		 msgid[512], bnd[128], from[300], newid[64];
	time_t		 now = runner_now();
	size_t		 i;
	int		 rc = -1, status;

	/* the outcomes it tells of are durable before it is queued */
	msg_sync(m);
	if ((dr = calloc(n, sizeof(*dr))) == NULL)
		return -1;
	memset(&d, 0, sizeof(d));
	for (i = 0; i < n; i++) {
		const struct qrcpt *r = &m->env.rcpt[idx[i]];
		const struct rinfo *ri = &m->ri[idx[i]];

		dr[i].orcpt = r->orcpt;
		dr[i].addr = r->addr;
		dr[i].status = ri->status[0] ? ri->status :
		    kind == DSN_FAILED ? "5.0.0" : kind == DSN_DELAYED ?
		    "4.0.0" : "2.0.0";
		dr[i].diag = ri->diag;
		if (ri->status[0] == '\0' && kind == DSN_FAILED)
			/* failed in an earlier run that stopped before this */
			dr[i].diag = "delivery failed (the details were lost "
			    "when the queue runner stopped)";
		dr[i].remote_mta = ri->mta;
		dr[i].last_attempt = ri->when;
	}
	d.kind = kind;
	d.reporting_mta = R.hostname;
	snprintf(from, sizeof(from), "MAILER-DAEMON@%s", R.hostname);
	d.from = from;
	d.to = to;
	snprintf(msgid, sizeof(msgid), "%s.%c%lld@%s", m->env.id,
	    "FDSR"[kind], (long long)now, R.hostname);
	d.msgid = msgid;
	snprintf(bnd, sizeof(bnd), "=_posta-%s-%c%lld", m->env.id,
	    "FDSR"[kind], (long long)now);
	d.boundary = bnd;
	d.queue_id = m->env.id;
	d.envid = m->env.envid;
	d.now = now;
	d.arrival = m->env.arrival;
	if (kind == DSN_DELAYED)
		d.retry_until = m->env.arrival + conf_num(C_queue_lifetime);
	/* RFC 3461 4.3: RET=HDRS, or too large; delays and successes never carry the body */
	d.headers_only = kind != DSN_FAILED ||
	    (m->env.ret && strcmp(m->env.ret, "HDRS") == 0) ||
	    m->env.msglen > conf_num(C_bounce_size_limit);
	d.utf8 = m->env.smtputf8;
	d.rcpt = dr;
	d.nrcpt = n;
	if (read_original(m, d.headers_only, &orig) == -1) {
		log_warn("%s: reading the message for a notice", m->env.id);
		goto done;
	}
	d.orig = orig.s;
	d.origlen = orig.len;
	if (dsn_build(&d, &out) == -1) {
		log_warn("%s: building a notice", m->env.id);
		goto done;
	}
	/* the null sender: no notice about a notice comes back */
	buf_printf(&env, "F \nC %s\n", mark);
	if (m->env.eightbit || m->env.smtputf8)
		buf_adds(&env, "8\n");
	if (m->env.smtputf8)
		buf_adds(&env, "U\n");
	buf_printf(&env, "R %s\n", to);
	if (submit_open(&s, 1) == -1)
		goto done;
	if (submit_write(&s, out.s, out.len) == -1) {
		submit_abort(&s);
		log_warnx("%s: posta-enqueue refused the notice", m->env.id);
		goto done;
	}
	status = submit_commit(&s, &env, newid, sizeof(newid));
	if (status != 0) {
		log_warnx("%s: posta-enqueue exited %d for the notice",
		    m->env.id, status);
		goto done;
	}
	log_info("%s: %s notice to <%s> queued as %s", m->env.id,
	    kind == DSN_FAILED ? "non-delivery" : kind == DSN_DELAYED ?
	    "delay" : kind == DSN_RELAYED ? "relay" : "delivery", to, newid);
	rc = 0;
done:
	free(dr);
	buf_free(&orig);
	buf_free(&out);
	buf_free(&env);
	return rc;
}

static void
set_state(struct msg *m, size_t i, char state)
{
	struct qrcpt	*r = &m->env.rcpt[i];

	if (queue_rcpt_update(m->fd, r, state, r->next, r->tries) == -1)
		log_warn("%s: recording <%s>", m->env.id, r->addr);
	/* durable before the file can go: a notice is never sent twice */
	m->dirty = 1;
	msg_sync(m);
}

static void
double_bounce_to(char *out, size_t len)
{
	const char	*v = conf_str(C_double_bounce_recipient);

	if (strchr(v, '@') != NULL)
		snprintf(out, len, "%s", v);
	else
		snprintf(out, len, "%s@%s", v, R.hostname);
}

/* The failed recipients: a bounce, and then they are B. */
static int
notify_failures(struct msg *m)
{
	size_t		*idx, n = 0, nw = 0, i;
	char		 to[600];
	const char	*mark = BOUNCE_MARK;
	int		 null = *m->env.sender == '\0', rc = 0;

	if ((idx = calloc(m->env.nrcpt, sizeof(*idx))) == NULL)
		return -1;
	for (i = 0; i < m->env.nrcpt; i++)
		if (m->env.rcpt[i].state == QR_FAILED)
			n++;
	if (n == 0)
		goto done;
	for (i = 0; i < m->env.nrcpt; i++) {
		if (m->env.rcpt[i].state != QR_FAILED)
			continue;
		/* a double bounce goes out whatever the NOTIFY of a bounce */
		if (null || dsn_wanted(m->env.rcpt[i].notify, DSN_FAILED))
			idx[nw++] = i;
	}
	if (null) {
		if ((m->env.client && strcmp(m->env.client, DBOUNCE_MARK) == 0) ||
		    *conf_str(C_double_bounce_recipient) == '\0') {
			log_info("%s: undeliverable notice from <>, dropped",
			    m->env.id);
			nw = 0;
		}
		double_bounce_to(to, sizeof(to));
		mark = DBOUNCE_MARK;
	} else
		snprintf(to, sizeof(to), "%s", m->env.sender);
	if (nw > 0 && send_notice(m, DSN_FAILED, idx, nw, to, mark) == -1) {
		rc = -1;
		goto done;
	}
	for (i = 0; i < m->env.nrcpt; i++)
		if (m->env.rcpt[i].state == QR_FAILED)
			set_state(m, i, QR_BOUNCED);
done:
	free(idx);
	return rc;
}

/* Recipients deferred this pass, late enough: one warning, then W. */
static void
notify_delays(struct msg *m, time_t now)
{
	size_t		*idx, n = 0, i;
	long long	 dwt = conf_num(C_delay_warning_time);

	if (dwt <= 0 || *m->env.sender == '\0' ||
	    now < m->env.arrival + dwt)
		return;
	if ((idx = calloc(m->env.nrcpt, sizeof(*idx))) == NULL)
		return;
	for (i = 0; i < m->env.nrcpt; i++) {
		const struct qrcpt *r = &m->env.rcpt[i];

		if (r->state == QR_PENDING && m->ri[i].result == 'T' &&
		    dsn_wanted(r->notify, DSN_DELAYED))
			idx[n++] = i;
	}
	if (n > 0 && send_notice(m, DSN_DELAYED, idx, n, m->env.sender,
	    BOUNCE_MARK) == 0)
		for (i = 0; i < n; i++)
			set_state(m, idx[i], QR_WARNED);
	free(idx);
}

/*
 * NOTIFY=SUCCESS for the ones delivered this pass: Action delivered for
 * the local ones, relayed for those taken by a server without DSN
 * (RFC 3461 5.2.2).  A server with DSN got the NOTIFY and answers it.
 */
static void
notify_successes(struct msg *m)
{
	size_t	*idx, *rel, n = 0, nr = 0, i;

	if (*m->env.sender == '\0')
		return;
	if ((idx = calloc(m->env.nrcpt, sizeof(*idx))) == NULL)
		return;
	if ((rel = calloc(m->env.nrcpt, sizeof(*rel))) == NULL) {
		free(idx);
		return;
	}
	for (i = 0; i < m->env.nrcpt; i++) {
		if (m->ri[i].result != 'D' ||
		    m->env.rcpt[i].state != QR_DELIVERED ||
		    !dsn_wanted(m->env.rcpt[i].notify, DSN_DELIVERED))
			continue;
		if (rcpt_is_local(m->env.rcpt[i].addr))
			idx[n++] = i;
		else if (m->ri[i].relayed)
			rel[nr++] = i;
	}
	if (n > 0)
		(void)send_notice(m, DSN_DELIVERED, idx, n, m->env.sender,
		    BOUNCE_MARK);
	if (nr > 0)
		(void)send_notice(m, DSN_RELAYED, rel, nr, m->env.sender,
		    BOUNCE_MARK);
	free(idx);
	free(rel);
}

/*
 * Returns 0 when nothing is left to do (the file can go), 1 when
 * recipients are pending, -1 when a bounce could not be queued yet.
 */
int
notify_finish(struct msg *m)
{
	size_t	 i;
	int	 rc, left = 0;

	rc = notify_failures(m);
	notify_delays(m, runner_now());
	notify_successes(m);
	for (i = 0; i < m->env.nrcpt; i++) {
		char st = m->env.rcpt[i].state;

		if (st == QR_PENDING || st == QR_WARNED || st == QR_FAILED)
			left = 1;
	}
	return rc == -1 ? -1 : left;
}
