/*
 * imapsearch: evaluation of an IMAP SEARCH program (RFC 3501 6.4.4)
 * against one message.  Pure: what the server knows of the message
 * comes in a struct imap_smsg; the message text, when a key needs it
 * (header and body keys, SENT*), is asked for once through ->load.
 *
 * Text keys are case-insensitive substrings: ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic letters fold (UTF-8 on both sides;
 * other octets compare as they are).  Header keys look at every field
 * of that name, unfolded, with RFC 2047 encoded words decoded (lib/enc
 * rfc2047_decode); BODY looks at each text part of the body with its
 * transfer encoding undone; TEXT at the header and the body.  Dates without time and timezone: the
 * internal date's UTC day, the Date: field's day as written.
 */
#ifndef POSTA_IMAPSEARCH_H
#define POSTA_IMAPSEARCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "imapparse.h"

#define SF_SEEN		0x01
#define SF_ANSWERED	0x02
#define SF_FLAGGED	0x04
#define SF_DELETED	0x08
#define SF_DRAFT	0x10
#define SF_RECENT	0x20

struct imap_smsg {
	uint32_t	 seq, uid;
	uint32_t	 maxseq, maxuid;	/* what "*" stands for */
	unsigned int	 flags;			/* SF_* */
	uint64_t	 size;			/* RFC822.SIZE (CRLF) */
	time_t		 date;			/* internal date */
	/* 1 when the message has keyword name */
	int		(*has_keyword)(void *arg, const char *name);
	/* the message text (LF ends); -1 when it cannot be read */
	int		(*load)(void *arg, const char **s, size_t *len);
	void		*arg;
};

/* 1 match, 0 no match, -1 the message could not be read. */
int	imap_search_eval(const struct imap_search *, struct imap_smsg *);
/* Does the program look at the message text at all? */
int	imap_search_needs_text(const struct imap_search *);

#endif
