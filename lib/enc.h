/*
 * enc: MIME content transfer encodings and RFC 2047 encoded words.
 *
 * The base64 (RFC 2045 6.8) and quoted-printable (RFC 2045 6.7) coders
 * are incremental: a caller feeds chunks of any size to *_update() and
 * ends with *_final(); state is a few octets, so memory does not grow
 * with the input.  Output goes to a caller-supplied array that must
 * hold at least the *_BOUND() of the chunk's length; the functions
 * return the octets written.  They do no I/O and never fail, except
 * that decoders count malformed input in ->bad.
 *
 * Encoders write lines of at most 76 characters (not counting the line
 * end), ended by LF, or CRLF when ->crlf is set.
 *
 * To downgrade an 8bit text body for a peer without 8BITMIME (RFC 6152
 * 3), pass it through enc_qp_* (QP_CRLF for the wire) and rewrite its
 * Content-Transfer-Encoding to quoted-printable; enc_class_* tells
 * whether a part needs it (ENC_7BIT: no) and whether base64 is better.
 *
 * The RFC 2047 helpers append to a struct buf and return 0, or -1 with
 * errno set when the buffer cannot grow.
 */
#ifndef POSTA_ENC_H
#define POSTA_ENC_H

#include <stddef.h>

#include "buf.h"

#define ENC_LINE	76	/* RFC 2045 6.7 (5), 6.8 */

struct enc_b64 {
	unsigned char	 pend[3];
	int		 npend;
	int		 col;
	int		 wrap;	/* 0: one unbroken line (RFC 2047 B) */
	int		 crlf;
};

struct dec_b64 {
	unsigned int	 acc;
	int		 nacc;	/* sextets in acc */
	int		 pad;	/* '=' seen: only white space may follow */
	unsigned long	 bad;	/* octets outside the alphabet, or data after '=' */
};

#define QP_BINARY	0x01	/* CR and LF are data: encode them (6.7 (4)) */
#define QP_CRLF		0x02	/* write CRLF line ends */

struct enc_qp {
	int	 flags;
	int	 col;
	int	 ws;	/* held space or tab, -1 none: trailing? (6.7 (3)) */
	int	 cr;	/* held CR: start of a CRLF line break? */
};

#define QP_WSMAX	128

struct dec_qp {
	int		 crlf;	/* write decoded line breaks as CRLF */
	int		 state;
	int		 hex;
	int		 cr;
	size_t		 nws;	/* held white space, dropped at a line end */
	char		 ws[QP_WSMAX];
	unsigned long	 bad;	/* malformed '=' sequences, kept as text */
};

#define ENC_B64_BOUND(n)	(((n) + 3) / 3 * 4 + ((n) / 57 + 2) * 2 + 8)
#define DEC_B64_BOUND(n)	((n) / 4 * 3 + 6)
#define ENC_QP_BOUND(n)		(((n) + 3) * 4 + 8)
/* a CRLF decoder (dec_qp_init crlf) writes two octets for each LF */
#define DEC_QP_BOUND(n)		(2 * (n) + QP_WSMAX + 8)

void	enc_b64_init(struct enc_b64 *, int wrap, int crlf);
size_t	enc_b64_update(struct enc_b64 *, const void *, size_t, char *out);
size_t	enc_b64_final(struct enc_b64 *, char *out);

void	dec_b64_init(struct dec_b64 *);
size_t	dec_b64_update(struct dec_b64 *, const void *, size_t, void *out);
/* 0, or -1 if the input ended inside a quantum (->bad is raised) */
int	dec_b64_final(struct dec_b64 *);

void	enc_qp_init(struct enc_qp *, int flags);
size_t	enc_qp_update(struct enc_qp *, const void *, size_t, char *out);
size_t	enc_qp_final(struct enc_qp *, char *out);

void	dec_qp_init(struct dec_qp *, int crlf);
size_t	dec_qp_update(struct dec_qp *, const void *, size_t, void *out);
size_t	dec_qp_final(struct dec_qp *, void *out);

/*
 * Transfer encoding a body would need (RFC 2045 2.7-2.9, 6.1): scan
 * chunks with enc_class_update(), then enc_class_result().
 */
#define ENC_7BIT	0	/* US-ASCII, lines <= 78, no NUL, no CR, no "--=_" line */
#define ENC_QP		1	/* text, but 8-bit or long lines */
#define ENC_BASE64	2	/* binary: NUL, or many octets that QP would escape */

struct enc_class {
	unsigned long long	 total;
	unsigned long long	 high;	/* octets >= 0x80 */
	unsigned long long	 ctl;	/* NUL and controls other than TAB CR LF FF */
	unsigned long long	 nul;
	unsigned long long	 barecr;
	unsigned long long	 crlf;	/* CRLF line ends */
	unsigned long long	 lf;	/* all LF */
	size_t			 col;
	size_t			 maxline;
	int			 cr;
	int			 utf8bad; /* not valid UTF-8 */
	int			 utf8need; /* continuation octets still owed */
	int			 lstart; /* octets of "--=_" matched at line start, -1 none */
	int			 delim;	/* a line starts with "--=_" */
};

void	enc_class_init(struct enc_class *);
void	enc_class_update(struct enc_class *, const void *, size_t);
int	enc_class_result(struct enc_class *);

/*
 * RFC 2047: append text s[0..len) (UTF-8 or another charset) as
 * encoded words in B or Q, whichever is shorter, each at most 75
 * characters, folding with LF + space so that no line passes 78
 * columns (RFC 5322 2.1.1).  *col is the column where the words start
 * and is updated.  phrase: the words stand in a phrase (display name;
 * RFC 2047 5 (3) limits Q there); otherwise in unstructured text.
 * Multi-octet UTF-8 characters are never split between words (RFC 2047
 * 5: each word must be decodable alone).
 */
int	rfc2047_encode(struct buf *, const char *s, size_t len,
	    const char *charset, int phrase, size_t *col);
/* Does the text need encoded words (non-ASCII, or "=?" that could be read as one)? */
int	rfc2047_needed(const char *s, size_t len);
/*
 * Decode the encoded words in a header value (unfolded or not): white
 * space between two adjacent encoded words is dropped (RFC 2047 6.2),
 * the charset is not converted, and malformed words are kept as text.
 */
int	rfc2047_decode(struct buf *, const char *s, size_t len);

#endif
