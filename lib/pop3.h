/*
 * pop3: the pure parts of the POP3 server (RFC 1939 with RFC 2449 CAPA,
 * RFC 2595 STLS, RFC 5034 AUTH), kept apart from any I/O so that they
 * can be unit-tested and fuzzed.
 *
 * pop3_parse() turns one command line, with its terminator as
 * io_getline() hands it over, into a command and its arguments.  The
 * keyword is case-insensitive; arguments are separated by single spaces
 * (RFC 1939 3), except that PASS takes the rest of the line, spaces
 * included (RFC 1939 7, PASS discussion).  A line may end in CRLF or,
 * leniently, in a bare LF; a CR or NUL elsewhere is refused.
 *
 * pop3_sasl_line() checks an AUTH continuation line (RFC 5034 4) and
 * gives the length of its base64 text, or tells a cancel ("*").
 *
 * pop3_enc_*() turn a stored message (LF line ends) into the octets of
 * a RETR or TOP reply: CRLF line ends, a '.' doubled at the start of a
 * line (RFC 1939 3, byte-stuffing), a CRLF added to an unterminated
 * last line, and the terminating ".CRLF".  Every LF that does not
 * follow a CR becomes CRLF and nothing else changes, so a message of S
 * octets with L such line feeds is S + L octets on the wire, stuffing
 * and the end line aside: the W= size of its Maildir name (lib/
 * mdeliver's count), which LIST reports.  For TOP the encoder stops
 * after the header, the blank line and the requested number of body
 * lines.
 */
#ifndef POSTA_POP3_H
#define POSTA_POP3_H

#include <stddef.h>

enum pop3_verb {
	POP3_NONE = 0,
	POP3_USER, POP3_PASS, POP3_APOP, POP3_AUTH, POP3_STLS, POP3_CAPA,
	POP3_STAT, POP3_LIST, POP3_RETR, POP3_DELE, POP3_NOOP, POP3_RSET,
	POP3_TOP, POP3_UIDL, POP3_QUIT
};

/* pop3_parse() results; each maps to one -ERR reply in the server. */
#define POP3_OK		0
#define POP3_EBARE	(-1)	/* CR or NUL inside the line, or no LF */
#define POP3_EUNKNOWN	(-2)	/* unknown keyword */
#define POP3_ESYNTAX	(-3)	/* wrong arguments */

#define POP3_ARGMAX	1024	/* an argument, NUL included */
#define POP3_NUMMAX	999999999L	/* largest message number or line count */

struct pop3_cmd {
	enum pop3_verb	 verb;
	int		 nargs;		/* arguments given */
	long		 num[2];	/* LIST, UIDL, RETR, DELE, TOP */
	char		 arg[POP3_ARGMAX];	/* USER, PASS; AUTH mechanism */
	char		 arg2[POP3_ARGMAX];	/* AUTH initial response */
};

/*
 * Parse s[0..len), terminator included.  Returns POP3_OK or a POP3_E*
 * code; *why is a short reason fit for the reply.
 */
int		 pop3_parse(const char *s, size_t len, struct pop3_cmd *,
		    const char **why);
const char	*pop3_verb_name(enum pop3_verb);

#define POP3_SASL_CANCEL	(-2)
/*
 * An AUTH continuation line s[0..len): the length of its text without
 * the terminator, POP3_SASL_CANCEL for "*", or -1 for a CR or NUL in
 * it or a missing LF.
 */
long		 pop3_sasl_line(const char *s, size_t len);

struct pop3_enc {
	size_t	 col;		/* octets of the current line so far */
	int	 cr;		/* the last octet was a CR */
	int	 header;	/* still in the header section */
	long	 lines;		/* body lines still to send; -1: all */
	int	 stopped;	/* TOP's count reached: input is ignored */
};

/* Room the output of n input octets may need: each octet at most doubles. */
#define POP3_ENC_BOUND(n)	(2 * (n))
/* What pop3_enc_final() writes at most: CRLF . CRLF */
#define POP3_ENC_FINAL		5

/* lines: -1 for RETR, the TOP argument (0 or more) for TOP. */
void	pop3_enc_init(struct pop3_enc *, long lines);
/* Encode in[0..n) into out (POP3_ENC_BOUND(n) octets); octets written. */
size_t	pop3_enc_update(struct pop3_enc *, const char *in, size_t n,
	    char *out);
/* The end of the reply; octets written. */
size_t	pop3_enc_final(struct pop3_enc *, char *out);

#endif
