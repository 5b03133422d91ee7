/*
 * SASL PLAIN helpers; see sasl.h.
 */
#include <string.h>
#include <strings.h>

#include "enc.h"
#include "sasl.h"

int
sasl_b64_decode(const char *in, size_t inlen, char *out, size_t outlen)
{
	struct dec_b64	 d;
	size_t		 n;

	if (outlen == 0 || DEC_B64_BOUND(inlen) > outlen - 1)
		return -1;
	dec_b64_init(&d);
	n = dec_b64_update(&d, in, inlen, out);
	if (dec_b64_final(&d) == -1 || d.bad)
		return -1;
	out[n] = '\0';
	return (int)n;
}

int
sasl_plain_split(const char *msg, size_t n, char *user, size_t userlen,
    char *pass, size_t passlen)
{
	const char	*nul1, *nul2, *end = msg + n;
	size_t		 zlen, ulen, plen;

	if ((nul1 = memchr(msg, '\0', n)) == NULL)
		return SASL_EMALFORMED;
	if ((nul2 = memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1))) == NULL)
		return SASL_EMALFORMED;
	zlen = (size_t)(nul1 - msg);
	ulen = (size_t)(nul2 - nul1 - 1);
	plen = (size_t)(end - nul2 - 1);
	/* RFC 4616 2: no NUL inside the password either */
	if (memchr(nul2 + 1, '\0', plen) != NULL)
		return SASL_EMALFORMED;
	if (ulen == 0 || ulen >= userlen || plen >= passlen)
		return SASL_EREFUSED;
	memcpy(user, nul1 + 1, ulen);
	user[ulen] = '\0';
	if (zlen != 0 && (zlen != ulen || strncasecmp(msg, user, ulen) != 0))
		return SASL_EREFUSED;
	memcpy(pass, nul2 + 1, plen);
	pass[plen] = '\0';
	return 0;
}
