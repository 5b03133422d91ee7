/*
 * addr: RFC 5321 mail addresses and paths, with RFC 6531 UTF-8, and the
 * RFC 5322 address lists of To/Cc/Bcc headers.  Pure parsers: bytes in,
 * a result or a reason out, no I/O.
 *
 * A parsed address keeps the local part decoded (quotes and backslash
 * escapes removed) so that policy can look at what it really is, and the
 * domain lowercased (ASCII letters only: U-labels stay as written).
 * addr_format() writes it back in its canonical RFC 5321 form: a
 * dot-string when the local part is one, else a quoted string.
 */
#ifndef POSTA_ADDR_H
#define POSTA_ADDR_H

#include <stddef.h>

#define ADDR_LOCAL_MAX	256
#define ADDR_DOMAIN_MAX	256
#define ADDR_MAX	(ADDR_LOCAL_MAX * 2 + ADDR_DOMAIN_MAX + 4)

struct addr {
	char	local[ADDR_LOCAL_MAX * 2];	/* decoded */
	char	domain[ADDR_DOMAIN_MAX];	/* lowercased; [..] literal kept */
	int	null;		/* <> */
	int	route;		/* a source route was given and dropped */
	int	literal;	/* domain is an address literal */
	int	utf8;		/* non-ASCII in local part or domain */
	int	quoted;		/* local part was a quoted string */
};

#define ADDR_UTF8	0x01	/* SMTPUTF8: UTF-8 allowed (RFC 6531 3.3) */
#define ADDR_NULLOK	0x02	/* <> accepted (MAIL FROM) */
#define ADDR_NOROUTE	0x04	/* refuse source routes instead of dropping them */
#define ADDR_POSTMASTER	0x08	/* bare <postmaster> accepted (RFC 5321 4.5.1) */
#define ADDR_NOBRACKET	0x10	/* path without < > tolerated */

/*
 * Parse a Path (RFC 5321 4.1.2) at s[0..len).  On success returns 0,
 * fills *a and sets *used to the octets consumed (so that ESMTP
 * parameters can follow).  On failure returns -1 and sets *why.
 */
int	addr_parse_path(const char *s, size_t len, int flags, size_t maxlen,
	    struct addr *a, size_t *used, const char **why);
/* A bare mailbox "local@domain" (NUL-terminated), whole string. */
int	addr_parse(const char *s, int flags, struct addr *a, const char **why);
/* Canonical text; returns length, or -1 if it does not fit. */
int	addr_format(const struct addr *, char *out, size_t outlen);
int	addr_is_dot_string(const char *s, size_t len, int utf8);
int	addr_valid_domain(const char *s, size_t len, int utf8);
int	utf8_valid(const char *s, size_t len);

/*
 * RFC 5322 3.4 address lists (To, Cc, Bcc, with groups, display names,
 * comments and folding).  Calls fn for each addr-spec found, as text
 * "local@domain" (or a bare local name, which the caller qualifies).
 * Returns 0, or -1 with *why on a syntax error.
 */
int	addrlist_parse(const char *s, size_t len,
	    int (*fn)(void *, const char *), void *arg, const char **why);

#endif
