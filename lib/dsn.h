/*
 * dsn: RFC 3464 delivery status notifications, as the queue runner
 * sends them (bounces, delay warnings, success notices).  Pure
 * functions: everything a notice says, the clock and the boundary
 * included, comes in through struct dsn, and the message comes out
 * in a struct buf with LF line endings, ready for posta-enqueue.  No
 * I/O, so the builder is unit-tested and fuzzable.
 *
 * The notice is a multipart/report; report-type=delivery-status
 * (RFC 6522) of three parts: a text/plain explanation for people, the
 * message/delivery-status (RFC 3464 2), and the original message as
 * message/rfc822, or only its header as text/rfc822-headers.
 */
#ifndef POSTA_DSN_H
#define POSTA_DSN_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

/* What the notice reports (RFC 3464 2.3.3 Action). */
#define DSN_FAILED	0
#define DSN_DELAYED	1
#define DSN_DELIVERED	2
/* handed to a server without DSN: no further notice will come (RFC 3461 5.2.2) */
#define DSN_RELAYED	3

struct dsn_rcpt {
	const char	*orcpt;		/* ORCPT as stored: type;xtext, or NULL */
	const char	*addr;		/* the recipient (Final-Recipient) */
	const char	*status;	/* RFC 3463 code: "5.1.1" */
	const char	*diag;		/* diagnostic text, or NULL */
	const char	*remote_mta;	/* host that answered, or NULL */
	time_t		 last_attempt;	/* 0: not given */
};

struct dsn {
	int		 kind;		/* DSN_FAILED, ... (one for all recipients) */
	const char	*reporting_mta;	/* myhostname */
	const char	*from;		/* From: of the notice */
	const char	*to;		/* To: of the notice (the sender) */
	const char	*msgid;		/* Message-ID without < > */
	const char	*boundary;	/* must not occur in orig */
	const char	*queue_id;	/* X-Posta-Queue-ID of the report */
	const char	*envid;		/* ENVID as stored (xtext), or NULL */
	time_t		 now;		/* Date: of the notice */
	time_t		 arrival;	/* Arrival-Date */
	time_t		 retry_until;	/* Will-Retry-Until (delays), 0: none */
	int		 headers_only;	/* return the header only */
	int		 utf8;		/* message/global parts (RFC 6532 3.7) */
	const char	*orig;		/* the original message, LF endings */
	size_t		 origlen;
	const struct dsn_rcpt *rcpt;
	size_t		 nrcpt;
};

/* The whole notice; 0, or -1 when the buffer cannot grow. */
int	dsn_build(const struct dsn *, struct buf *out);
/* RFC 5322 3.3 date-time of t in UTC ("Tue, 1 Dec 2026 08:00:00 +0000"). */
void	dsn_date(time_t t, char *out, size_t outlen);
/* Length of the header section of msg, with its empty line, if any. */
size_t	dsn_header_len(const char *msg, size_t len);
/* RFC 3461 4: decode xtext ("+2B" is "+"); -1 when malformed. */
int	dsn_xtext_decode(const char *s, struct buf *out);
/* Does NOTIFY (NULL: not given) ask for this kind of notice (RFC 3461 4.1)? */
int	dsn_wanted(const char *notify, int kind);

#endif
