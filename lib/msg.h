/*
 * msg: an RFC 5322 message with its MIME structure (RFC 2045, 2046), in
 * memory (a buffer or an mmap of the Maildir file), as IMAP shows it.
 * Pure: bytes in, results appended to a struct buf, no I/O.
 *
 * Messages are stored with LF line ends; IMAP counts and sends octets
 * with CRLF.  Every size and every text this module gives the server
 * is in that CRLF view: an LF not preceded by CR counts, and is sent,
 * as CR LF.
 *
 * msg_parse() records, for each MIME entity, where its header and body
 * are and what its Content-* fields say; it keeps pointers into the
 * text, which must outlive the struct msg.  The depth of nesting and
 * the number of parts are bounded (a bomb of a million empty parts is
 * cut off, the rest shown as one text part).
 *
 * ENVELOPE and BODYSTRUCTURE follow RFC 3501 7.4.2: header values raw
 * (not decoded), addresses as (name adl mailbox host) with groups,
 * defaults text/plain; charset=us-ascii and 7BIT, message/rfc822
 * default in multipart/digest, MD5 always NIL.  Sections follow RFC
 * 3501 6.4.5: part numbers, HEADER, HEADER.FIELDS[.NOT], TEXT, MIME; a
 * part that does not exist is an empty text.
 */
#ifndef POSTA_MSG_H
#define POSTA_MSG_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "imapparse.h"

#define MSG_DEPTH	20
#define MSG_PARTS	5000

struct msg_param {
	char	*name;		/* as written */
	char	*value;		/* unquoted */
};

struct msg_part {
	size_t		 hoff, hlen;	/* header, with its empty line */
	size_t		 boff, blen;	/* body */
	char		*type, *subtype;	/* never NULL */
	struct msg_param *params;	/* Content-Type parameters */
	size_t		 nparams;
	char		*disp;		/* Content-Disposition type, or NULL */
	struct msg_param *dparams;
	size_t		 ndparams;
	char		*id, *desc, *enc, *lang, *loc, *md5;	/* NULL: absent */
	int		 multipart;
	int		 is_message;	/* the top message, or one inside message/rfc822 */
	struct msg_part	*kids;		/* multipart */
	size_t		 nkids;
	struct msg_part	*inner;		/* message/rfc822 */
};

struct msg {
	const char	*s;
	size_t		 len;
	struct msg_part	 root;
	size_t		 nparts;
};

/* Parse; -1 only when memory runs out. */
int	msg_parse(struct msg *, const char *s, size_t len);
void	msg_free(struct msg *);

/* Octets of s[0..len) in the CRLF view. */
size_t	msg_crlf_len(const char *s, size_t len);
/* Append s[0..len) in the CRLF view. */
int	msg_add_crlf(struct buf *, const char *s, size_t len);

/*
 * First field called name (case-insensitive) in the header h[0..hlen),
 * unfolded, leading white space removed, appended to out: 1 found,
 * 0 absent, -1 no memory.  msg_header_each calls fn for every field of
 * that name (NULL: every field) with its raw value (folded).
 */
int	msg_header(const char *h, size_t hlen, const char *name,
	    struct buf *out);
int	msg_header_each(const char *h, size_t hlen, const char *name,
	    int (*fn)(void *, const char *name, size_t namelen,
	    const char *value, size_t valuelen), void *arg);

/* IMAP string of s[0..len): quoted when it can be, else a literal. */
int	msg_imap_string(struct buf *, const char *s, size_t len);
/* ... or NIL for NULL. */
int	msg_imap_nstring(struct buf *, const char *s);

/* RFC 3501 7.4.2 ENVELOPE of a message entity (the root, or ->inner). */
int	msg_envelope(struct buf *, const struct msg *, const struct msg_part *);
/* BODY (extended 0) or BODYSTRUCTURE (extended 1) of the message. */
int	msg_bodystructure(struct buf *, const struct msg *, int extended);
/* The text of a section in the CRLF view, without <partial>. */
int	msg_section(struct buf *, const struct msg *,
	    const struct imap_section *);

/* RFC 5322 3.3 date-time to a time; *day is the civil date as written
 * (days since 1970-01-01).  -1 when it cannot be read. */
int	msg_date(const char *s, size_t len, time_t *, long *day);

#endif
