/*
 * dsn: RFC 3464 delivery status notifications; see dsn.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn.h"

/* Longest diagnostic kept: fields stay well under 998 octets (RFC 5322 2.1.1). */
#define DIAG_MAX	800

void
dsn_date(time_t t, char *out, size_t outlen)
{
	struct tm	 tm;
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	/* RFC 5322 3.3, by hand: strftime follows the locale */
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(out, outlen, "Thu, 1 Jan 1970 00:00:00 +0000");
		return;
	}
	snprintf(out, outlen, "%s, %d %s %d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

size_t
dsn_header_len(const char *msg, size_t len)
{
	size_t	 i;

	/* the header ends at the first empty line, or with the message */
	if (len > 0 && msg[0] == '\n')
		return 1;
	for (i = 0; i + 1 < len; i++)
		if (msg[i] == '\n' && msg[i + 1] == '\n')
			return i + 2;
	return len;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
dsn_xtext_decode(const char *s, struct buf *out)
{
	int	 hi, lo;

	/* RFC 3461 4: "+" and two upper-case hex digits stand for an octet */
	for (; *s; s++) {
		if (*s != '+') {
			if (buf_addc(out, *s) == -1)
				return -1;
			continue;
		}
		if ((hi = hexval(s[1])) == -1 || (lo = hexval(s[2])) == -1)
			return -1;
		if (buf_addc(out, hi * 16 + lo) == -1)
			return -1;
		s += 2;
	}
	return 0;
}

int
dsn_wanted(const char *notify, int kind)
{
	const char	*word;
	const char	*p;
	size_t		 wl;

	/* RFC 3461 4.1: without NOTIFY, failures and (at our choice) delays */
	if (notify == NULL)
		return kind == DSN_FAILED || kind == DSN_DELAYED;
	word = kind == DSN_FAILED ? "FAILURE" : kind == DSN_DELAYED ?
	    "DELAY" : "SUCCESS";
	wl = strlen(word);
	for (p = notify; *p; ) {
		size_t	 n = strcspn(p, ",");

		if (n == wl && strncasecmp(p, word, wl) == 0)
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/*
 * Text that goes into a field: controls (CR, LF, NUL ...) become spaces
 * and it is cut at max octets, so that no input can start a new field
 * or a new part.
 */
static int
add_field_text(struct buf *b, const char *s, size_t len, size_t max)
{
	size_t	 i;
	int	 r = 0;

	if (len > max)
		len = max;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		r |= buf_addc(b, c < 0x20 || c == 0x7f ? ' ' : c);
	}
	return r;
}

static int
add_xtext_field(struct buf *b, const char *name, const char *xtext)
{
	struct buf	 d = BUF_INIT;
	int		 r = 0;

	if (dsn_xtext_decode(xtext, &d) == -1) {
		/* malformed: keep it as it came, it is printable ASCII */
		buf_reset(&d);
		r |= buf_adds(&d, xtext);
	}
	r |= buf_printf(b, "%s: ", name);
	r |= add_field_text(b, d.s ? d.s : "", d.len, DIAG_MAX);
	r |= buf_addc(b, '\n');
	buf_free(&d);
	return r;
}

static int
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* "smtp; 550 ..." already carries its diagnostic-type (RFC 3464 2.3.6). */
static int
has_diag_type(const char *d)
{
	size_t	 n = 0;

	while (isalnum((unsigned char)d[n]) || d[n] == '-')
		n++;
	return n > 0 && d[n] == ';';
}

static int
add_rcpt_fields(struct buf *b, const struct dsn *d, const struct dsn_rcpt *r)
{
	char		 date[64];
	const char	*action;
	int		 x = 0;

	action = d->kind == DSN_FAILED ? "failed" : d->kind == DSN_DELAYED ?
	    "delayed" : d->kind == DSN_RELAYED ? "relayed" : "delivered";
	x |= buf_addc(b, '\n');
	/* RFC 3464 2.3.1: the ORCPT, xtext decoded */
	if (r->orcpt != NULL && strchr(r->orcpt, ';') != NULL)
		x |= add_xtext_field(b, "Original-Recipient", r->orcpt);
	/* RFC 3464 2.3.2; RFC 6533 3 for a UTF-8 address */
	x |= buf_printf(b, "Final-Recipient: %s; ",
	    is_ascii(r->addr) ? "rfc822" : "utf-8");
	x |= add_field_text(b, r->addr, strlen(r->addr), DIAG_MAX);
	x |= buf_printf(b, "\nAction: %s\nStatus: ", action);
	x |= add_field_text(b, r->status, strlen(r->status), 16);
	x |= buf_addc(b, '\n');
	if (r->remote_mta != NULL && *r->remote_mta != '\0') {
		x |= buf_adds(b, "Remote-MTA: dns; ");
		x |= add_field_text(b, r->remote_mta, strlen(r->remote_mta),
		    255);
		x |= buf_addc(b, '\n');
	}
	if (r->diag != NULL && *r->diag != '\0') {
		x |= buf_adds(b, "Diagnostic-Code: ");
		if (!has_diag_type(r->diag))
			x |= buf_adds(b, "x-posta; ");
		x |= add_field_text(b, r->diag, strlen(r->diag), DIAG_MAX);
		x |= buf_addc(b, '\n');
	}
	if (r->last_attempt != 0) {
		dsn_date(r->last_attempt, date, sizeof(date));
		x |= buf_printf(b, "Last-Attempt-Date: %s\n", date);
	}
	if (d->kind == DSN_DELAYED && d->retry_until != 0) {
		dsn_date(d->retry_until, date, sizeof(date));
		x |= buf_printf(b, "Will-Retry-Until: %s\n", date);
	}
	return x;
}

static int
add_human_part(struct buf *b, const struct dsn *d, const char *bnd)
{
	char	 until[64];
	size_t	 i;
	int	 x = 0;

	x |= buf_printf(b, "--%s\nContent-Description: Notification\n"
	    "Content-Type: text/plain; charset=%s\n\n", bnd,
	    d->utf8 ? "utf-8" : "us-ascii");
	x |= buf_printf(b, "This is the mail system at %s.\n\n",
	    d->reporting_mta);
	switch (d->kind) {
	case DSN_FAILED:
		x |= buf_adds(b, "Your message could not be delivered to the "
		    "recipients below.\nThe mail system gave up on them and "
		    "will not try again;\nthe reasons follow, and your message "
		    "is attached.\n\n");
		break;
	case DSN_DELAYED:
		x |= buf_adds(b, "Your message has not been delivered yet to "
		    "the recipients below.\nThe mail system keeps trying");
		if (d->retry_until != 0) {
			dsn_date(d->retry_until, until, sizeof(until));
			x |= buf_printf(b, " until\n%s", until);
		}
		x |= buf_adds(b, "; there is no need to send it again.\n\n");
		break;
	case DSN_RELAYED:
		x |= buf_adds(b, "Your message was handed to the mail systems "
		    "of the recipients below,\nas you asked to be told of its "
		    "delivery.  They do not report\ndeliveries, so this is the "
		    "last notice of it you will get.\n\n");
		break;
	default:
		x |= buf_adds(b, "Your message was delivered to the recipients "
		    "below, as you asked.\n\n");
		break;
	}
	for (i = 0; i < d->nrcpt; i++) {
		const struct dsn_rcpt *r = &d->rcpt[i];
		size_t	 alen = strlen(r->addr), dlen;

		dlen = r->diag != NULL && *r->diag != '\0' ? strlen(r->diag) :
		    strlen(r->status);
		alen = alen > DIAG_MAX ? DIAG_MAX : alen;
		dlen = dlen > DIAG_MAX ? DIAG_MAX : dlen;
		x |= buf_adds(b, "<");
		x |= add_field_text(b, r->addr, strlen(r->addr), DIAG_MAX);
		/* RFC 5322 2.1.1: no line over 998 octets; a long address
		 * and a long reply go on two lines */
		x |= buf_adds(b, alen + dlen + 4 > 998 ? ">:\n    " : ">: ");
		if (r->diag != NULL && *r->diag != '\0')
			x |= add_field_text(b, r->diag, strlen(r->diag),
			    DIAG_MAX);
		else
			x |= add_field_text(b, r->status, strlen(r->status), 16);
		x |= buf_addc(b, '\n');
	}
	x |= buf_adds(b, "\n");
	return x;
}

static int
add_status_part(struct buf *b, const struct dsn *d, const char *bnd)
{
	char	 date[64];
	size_t	 i;
	int	 x = 0;

	/* RFC 6533 6.1: message/global-delivery-status for UTF-8 */
	x |= buf_printf(b, "--%s\nContent-Description: Delivery report\n"
	    "Content-Type: message/%sdelivery-status\n\n", bnd,
	    d->utf8 ? "global-" : "");
	/* RFC 3464 2.2: per-message fields */
	x |= buf_printf(b, "Reporting-MTA: dns; %s\n", d->reporting_mta);
	if (d->queue_id != NULL)
		x |= buf_printf(b, "X-Posta-Queue-ID: %s\n", d->queue_id);
	if (d->envid != NULL && *d->envid != '\0')
		x |= add_xtext_field(b, "Original-Envelope-Id", d->envid);
	if (d->arrival != 0) {
		dsn_date(d->arrival, date, sizeof(date));
		x |= buf_printf(b, "Arrival-Date: %s\n", date);
	}
	/* RFC 3464 2.3: one group of fields per recipient */
	for (i = 0; i < d->nrcpt; i++)
		x |= add_rcpt_fields(b, d, &d->rcpt[i]);
	x |= buf_addc(b, '\n');
	return x;
}

static int
has_8bit(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

static int
add_original_part(struct buf *b, const struct dsn *d, const char *bnd)
{
	size_t		 len = d->origlen;
	const char	*type;
	int		 x = 0;

	if (d->headers_only) {
		len = dsn_header_len(d->orig, d->origlen);
		/* the text/rfc822-headers part holds the header only */
		while (len > 0 && d->orig[len - 1] == '\n' &&
		    (len == 1 || d->orig[len - 2] == '\n'))
			len--;
		/* RFC 6522 ... RFC 6533 6.3: message/global-headers */
		type = d->utf8 ? "message/global-headers" :
		    "text/rfc822-headers";
	} else
		type = d->utf8 ? "message/global" : "message/rfc822";
	x |= buf_printf(b, "--%s\nContent-Description: %s\n"
	    "Content-Type: %s\n", bnd, d->headers_only ?
	    "Header of the message" : "The message", type);
	/* RFC 2046 5.2.1: only 7bit, 8bit or binary for message/rfc822 */
	if (has_8bit(d->orig, len))
		x |= buf_adds(b, "Content-Transfer-Encoding: 8bit\n");
	x |= buf_addc(b, '\n');
	x |= buf_add(b, d->orig, len);
	if (len > 0 && d->orig[len - 1] != '\n')
		x |= buf_addc(b, '\n');
	return x;
}

static int
occurs(const char *hay, size_t hlen, const char *needle)
{
	return memmem(hay, hlen, needle, strlen(needle)) != NULL;
}

int
dsn_build(const struct dsn *d, struct buf *b)
{
	struct buf	 bnd = BUF_INIT;
	char		 date[64];
	const char	*subject;
	size_t		 start = b->len;
	int		 x = 0, n = 0;

	/*
	 * RFC 2046 5.1.1: the boundary must not occur in the parts; the
	 * only part not written here is the original, so look there.
	 */
	if (buf_adds(&bnd, d->boundary) == -1)
		return -1;
	while (d->orig != NULL && occurs(d->orig, d->origlen, bnd.s)) {
		buf_reset(&bnd);
		if (buf_printf(&bnd, "%s.%d", d->boundary, ++n) == -1) {
			buf_free(&bnd);
			return -1;
		}
	}
	subject = d->kind == DSN_FAILED ?
	    "Undelivered Mail Returned to Sender" : d->kind == DSN_DELAYED ?
	    "Delayed Mail (still being retried)" :
	    "Successful Mail Delivery Report";
	dsn_date(d->now, date, sizeof(date));
	x |= buf_printf(b, "From: Mail Delivery System <%s>\n", d->from);
	x |= buf_adds(b, "To: <");
	x |= add_field_text(b, d->to, strlen(d->to), DIAG_MAX);
	x |= buf_adds(b, ">\n");
	x |= buf_printf(b, "Subject: %s\nDate: %s\nMessage-ID: <%s>\n",
	    subject, date, d->msgid);
	/* RFC 3834 5: a notice is auto-replied, not to be answered by robots */
	x |= buf_adds(b, "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n");
	/* RFC 6522 3 */
	x |= buf_printf(b, "Content-Type: multipart/report; "
	    "report-type=delivery-status;\n\tboundary=\"%s\"\n\n", bnd.s);
	x |= buf_adds(b, "This is a MIME-encapsulated delivery status "
	    "notification (RFC 3464).\n\n");
	x |= add_human_part(b, d, bnd.s);
	x |= add_status_part(b, d, bnd.s);
	if (d->orig != NULL)
		x |= add_original_part(b, d, bnd.s);
	x |= buf_printf(b, "\n--%s--\n", bnd.s);
	buf_free(&bnd);
	if (x) {
		b->len = start;
		if (b->s)
			b->s[start] = '\0';
		errno = ENOMEM;
		return -1;
	}
	return 0;
}
