/*
 * sasl: the pure parts of SASL PLAIN (RFC 4616) for the servers' AUTH
 * commands (SMTP RFC 4954, POP3 RFC 5034, IMAP RFC 3501 6.2.2): the
 * base64 of a client response and the split of a PLAIN message.
 */
#ifndef POSTA_SASL_H
#define POSTA_SASL_H

#include <stddef.h>

/*
 * Decode the base64 client response in[0..inlen) into out (outlen
 * octets, one kept for a terminating NUL).  Octets decoded, or -1 for
 * bad base64 or an answer that does not fit.
 */
int	sasl_b64_decode(const char *in, size_t inlen, char *out,
	    size_t outlen);
/*
 * RFC 4616 2: msg[0..n) is [authzid] NUL authcid NUL passwd.  Copies
 * authcid and passwd (NUL-terminated) and returns 0; SASL_EMALFORMED
 * when the message is not of that form, SASL_EREFUSED when the authcid
 * is empty, a part does not fit, or an authzid names someone other than
 * the authcid (no proxy logins).
 */
#define SASL_EMALFORMED	(-1)
#define SASL_EREFUSED	(-2)
int	sasl_plain_split(const char *msg, size_t n, char *user,
	    size_t userlen, char *pass, size_t passlen);

#endif
