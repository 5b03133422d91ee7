/*
 * smtp: the pure parts of the SMTP server side (RFC 5321), kept apart
 * from any I/O so that they can be unit-tested and fuzzed.
 *
 * smtp_parse() turns one command line (with its terminator, as
 * io_getline() hands it over) into a verb, a path and the ESMTP
 * parameters of MAIL and RCPT (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531
 * SMTPUTF8, RFC 3461 RET, ENVID, NOTIFY, ORCPT, RFC 4954 AUTH).
 *
 * smtp_dec_*() decode the message bytes of DATA (dot-unstuffing, end
 * only at <CRLF>.<CRLF>) and of BDAT chunks (RFC 3030) into the LF line
 * endings of the queue, and refuse what a mail server must not guess
 * about: a bare CR, a bare LF (SMTP smuggling, CVE-2023-51766 class),
 * lines longer than 998 octets (RFC 5321 4.5.3.1.6).
 *
 * smtp_hdr_*() count the Received: fields of a message as it streams.
 */
#ifndef POSTA_SMTP_H
#define POSTA_SMTP_H

#include <stddef.h>

#include "addr.h"

enum smtp_verb {
	SMTP_NONE = 0,
	SMTP_HELO, SMTP_EHLO, SMTP_MAIL, SMTP_RCPT, SMTP_DATA, SMTP_BDAT,
	SMTP_RSET, SMTP_NOOP, SMTP_QUIT, SMTP_HELP, SMTP_VRFY, SMTP_EXPN,
	SMTP_STARTTLS, SMTP_AUTH, SMTP_TURN, SMTP_SEND, SMTP_SOML,
	SMTP_SAML, SMTP_ETRN
};

/* smtp_parse() results; each maps to one reply in the server. */
#define SMTP_OK		0
#define SMTP_EBARE	(-1)	/* bare CR or LF: 500 5.5.2 */
#define SMTP_EUNKNOWN	(-2)	/* unknown verb: 500 5.5.1 */
#define SMTP_ESYNTAX	(-3)	/* bad arguments: 501 5.5.4 */
#define SMTP_EPATH	(-4)	/* bad address: 501 5.1.7 / 5.1.3 */
#define SMTP_EPARAM	(-5)	/* unknown or bad parameter: 555 5.5.4 */

#define SMTP_ARGMAX	1024
#define SMTP_ENVIDMAX	100	/* RFC 3461 4.4 */
#define SMTP_ORCPTMAX	500

struct smtp_cmd {
	enum smtp_verb	 verb;
	char		 arg[SMTP_ARGMAX];	/* text after the verb */
	struct addr	 path;			/* MAIL, RCPT */
	/* MAIL parameters */
	long long	 size;			/* SIZE=, -1 if none */
	int		 body8;			/* BODY=8BITMIME */
	int		 smtputf8;		/* SMTPUTF8 */
	char		 ret[5];		/* RET=FULL|HDRS, or "" */
	char		 envid[SMTP_ENVIDMAX + 1];	/* ENVID= xtext, or "" */
	/* RCPT parameters */
	char		 notify[32];		/* NEVER or S,F,D list, or "" */
	char		 orcpt[SMTP_ORCPTMAX + 1];	/* addr-type;xtext, or "" */
	/* BDAT */
	long long	 chunk;
	int		 last;
};

/*
 * Parse the command line s[0..len), terminator included.  maxaddr
 * bounds a path (RFC 5321 4.5.3.1.3).  Returns SMTP_OK or an SMTP_E*
 * code and sets *why to a short reason.
 */
int	smtp_parse(const char *s, size_t len, size_t maxaddr,
	    struct smtp_cmd *, const char **why);
const char *smtp_verb_name(enum smtp_verb);
/* RFC 3461 4: printable ASCII but "+" and "=", "+" followed by 2 HEX. */
int	smtp_xtext_valid(const char *s, size_t len);

/* The message decoder. */
#define SMTP_DEC_DATA	0x01	/* DATA: dot-stuffing, end at CRLF.CRLF */

#define SMTP_DEC_MORE	0
#define SMTP_DEC_END	1	/* DATA ended; the octets after are not used */
#define SMTP_DEC_BARELF	(-1)
#define SMTP_DEC_BARECR	(-2)

struct smtp_dec {
	int	 flags;
	int	 state;
	size_t	 col;		/* octets in the current line so far */
	size_t	 maxline;	/* without CRLF; 0: no bound */
	int	 toolong;	/* a line was longer than maxline */
	int	 result;	/* sticky: SMTP_DEC_END or an error */
};

void	smtp_dec_init(struct smtp_dec *, int flags, size_t maxline);
/*
 * Decode in[0..inlen) into out (room for inlen octets) and set *outlen.
 * Returns SMTP_DEC_MORE, SMTP_DEC_END (with *used, the octets taken,
 * just past the final dot's LF) or an error, which sticks.  A line over
 * maxline sets toolong but decoding goes on, so the end is still found.
 */
int	smtp_dec_run(struct smtp_dec *, const char *in, size_t inlen,
	    char *out, size_t *outlen, size_t *used);
/* After the last BDAT chunk: a CR left waiting for its LF is bare. */
int	smtp_dec_finish(struct smtp_dec *);

/* Received: fields in the header section of a streaming message. */
struct smtp_hdr {
	int	 state;
	size_t	 match;
	int	 received;
};

void	smtp_hdr_init(struct smtp_hdr *);
void	smtp_hdr_scan(struct smtp_hdr *, const char *, size_t);

#endif
