/*
 * smtpc: the pure parts of the SMTP client side (RFC 5321), kept apart
 * from any I/O so that they can be unit-tested and fuzzed.
 *
 * smtpc_reply_*() gather one reply, single or multiline (RFC 5321
 * 4.2.1), line by line as io_getline() hands them over, and pick out
 * the RFC 3463 enhanced status code (RFC 2034).  The text is kept as
 * one line of printable ASCII, fit for a Diagnostic-Code.
 *
 * smtpc_ehlo_parse() reads the service extensions of an EHLO reply.
 *
 * smtpc_enc_*() turn the queue's LF lines into the wire form of DATA:
 * CRLF line ends and dot-stuffing (RFC 5321 4.5.2), ending with the
 * final <CRLF>.<CRLF>.
 *
 * smtpc_downgrade() rewrites an 8-bit MIME message for a server without
 * 8BITMIME (RFC 6152 3): 8-bit leaf parts become quoted-printable (or
 * base64 when that suits the data better), with their
 * Content-Transfer-Encoding fields rewritten.
 */
#ifndef POSTA_SMTPC_H
#define POSTA_SMTPC_H

#include <stddef.h>

#include "buf.h"

#define SMTPC_MORE	0	/* a continuation line: feed the next */
#define SMTPC_DONE	1	/* the reply is whole */
#define SMTPC_EBAD	(-1)	/* not a reply line (RFC 5321 4.2) */
#define SMTPC_ELONG	(-2)	/* the reply is over its bound */

struct smtpc_reply {
	int		 code;		/* 200..599, 0 before the first line */
	char		 enh[16];	/* "5.1.1", or "" */
	struct buf	 text;		/* the lines' text after the code, joined with a space */
	struct buf	 lines;		/* each line's text after "250-", ended by LF */
	int		 nlines;
};

/* max bounds the text (and the lines); 0: no bound. */
void	smtpc_reply_init(struct smtpc_reply *, size_t max);
void	smtpc_reply_reset(struct smtpc_reply *);
/* One line s[0..len), its CRLF (or LF) included or not. */
int	smtpc_reply_feed(struct smtpc_reply *, const char *s, size_t len);
void	smtpc_reply_free(struct smtpc_reply *);
/* The enhanced code, else one made from the basic code (X.0.0). */
const char *smtpc_reply_status(const struct smtpc_reply *, char *out,
	    size_t outlen);

/* Service extensions (RFC 5321 4.1.1.1). */
#define SMTPC_X_PIPELINING	0x001	/* RFC 2920 */
#define SMTPC_X_SIZE		0x002	/* RFC 1870 */
#define SMTPC_X_8BITMIME	0x004	/* RFC 6152 */
#define SMTPC_X_SMTPUTF8	0x008	/* RFC 6531 */
#define SMTPC_X_DSN		0x010	/* RFC 3461 */
#define SMTPC_X_STARTTLS	0x020	/* RFC 3207 */
#define SMTPC_X_AUTH		0x040	/* RFC 4954 */
#define SMTPC_X_ENHANCED	0x080	/* RFC 2034 */
#define SMTPC_X_CHUNKING	0x100	/* RFC 3030 */

#define SMTPC_AUTH_PLAIN	0x01	/* RFC 4616 */
#define SMTPC_AUTH_LOGIN	0x02

struct smtpc_ehlo {
	unsigned int	 ext;		/* SMTPC_X_* */
	long long	 size;		/* SIZE limit; 0 none given */
	unsigned int	 auth;		/* SMTPC_AUTH_* */
};

/* The extensions of a whole 250 EHLO reply (its first line is the greeting). */
void	smtpc_ehlo_parse(const struct smtpc_reply *, struct smtpc_ehlo *);

/* The DATA encoder. */
struct smtpc_enc {
	int	 bol;		/* at the start of a line */
	int	 cr;		/* a CR held: is a LF next? */
};

/* Room out must have for smtpc_enc_update() of n octets, and for final. */
#define SMTPC_ENC_BOUND(n)	((n) * 2 + 2)
#define SMTPC_ENC_FINAL		8

void	smtpc_enc_init(struct smtpc_enc *);
/*
 * LF (or CRLF) line ends become CRLF; a bare CR is a line end too, so
 * that no bare CR reaches the wire (RFC 5321 2.3.8); a line starting
 * with "." gets another (4.5.2).
 */
size_t	smtpc_enc_update(struct smtpc_enc *, const char *in, size_t n,
	    char *out);
/* The last line's CRLF if it had none, then ".\r\n". */
size_t	smtpc_enc_final(struct smtpc_enc *, char *out);

/*
 * Octets >= 0x80 or NUL in s[0..n): does the message need 8BITMIME?
 * Also counts the LF line ends in *lines, for the SIZE estimate.
 */
int	smtpc_is_8bit(const char *s, size_t n, unsigned long long *lines);

/* RFC 5321 4.5.3.1.6: a line of text, without its CRLF */
#define SMTPC_LINEMAX	998

/*
 * Append msg[0..len) to out with every leaf part of its MIME structure
 * that has 8-bit octets or lines longer than SMTPC_LINEMAX re-encoded
 * in 7-bit lines (LF line ends in and out).  Multipart
 * bodies (RFC 2046 5.1) are walked down to maxdepth levels, and
 * message/rfc822 parts too; a multipart or message part declared 8bit
 * or binary is declared 7bit.  A top-level message with no
 * MIME-Version field gets one when its body is re-encoded.  Header
 * fields, preambles and epilogues are copied as they are.  Returns 0,
 * or -1 with errno when out cannot grow.
 */
int	smtpc_downgrade(const char *msg, size_t len, struct buf *out,
	    int maxdepth);

#endif
