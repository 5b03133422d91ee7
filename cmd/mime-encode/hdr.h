/*
 * hdr: header field text for mime-encode.  Pure functions: strings in,
 * folded header text (LF line ends, at most 78 columns where the
 * content allows, RFC 5322 2.1.1) appended to a struct buf out.
 * Return 0, or -1 with *why (or errno for a buffer that cannot grow).
 */
#ifndef MIME_HDR_H
#define MIME_HDR_H

#include <stddef.h>

#include "buf.h"

#define HDR_COLS	78

struct mailbox {
	char	*name;		/* display name, UTF-8, or NULL */
	char	*addr;		/* addr-spec as canonical text */
};

/*
 * Parse an option argument: one mailbox or a comma-separated list,
 * each "addr@dom", "Name <addr@dom>" or "\"Quoted, Name\" <addr@dom>".
 * Appends to *list (grown with reallocarray).
 */
int	hdr_mailboxes(const char *arg, struct mailbox **list, size_t *n,
	    const char **why);
void	mailboxes_free(struct mailbox *, size_t);
/* "Name: mailbox, mailbox\n", display names quoted or RFC 2047 encoded */
int	hdr_addresses(struct buf *, const char *name,
	    const struct mailbox *, size_t n);
/* "Name: text\n" for unstructured text: folded, RFC 2047 if needed */
int	hdr_unstructured(struct buf *, const char *name, const char *value);
/* A field name: printable US-ASCII except ":" (RFC 5322 2.2) */
int	hdr_name_valid(const char *name, size_t len);
/* A value: UTF-8 without CR, LF or other controls except TAB */
int	hdr_value_valid(const char *value);
/*
 * Append ";" and attr=value to a structured field at column *col:
 * a token or a quoted string when that fits on a line, else RFC 2231
 * charset/percent encoding, split into continuations as needed.
 */
int	hdr_param(struct buf *, size_t *col, const char *attr,
	    const char *value);

#endif
