/*
 * lib/sasl, the AUTH PLAIN responses of all three servers: the base64
 * decoder stays within its output and agrees with lib/enc's, and
 * sasl_plain_split() gives NUL-terminated, non-empty user names, only
 * the authcid itself (in any case) as authzid, the rest as password.
 */
#include <string.h>
#include <strings.h>

#include "enc.h"
#include "sasl.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	char		*out, user[64], pass[64];
	size_t		 cap;
	int		 n, r;
	const char	*nul, *nul2;

	/* an output array of any size from 1 up: ASan sees an overflow */
	cap = size > 0 ? (size_t)data[0] % 97 + 1 : 1;
	if ((out = malloc(cap)) == NULL)
		abort();
	n = sasl_b64_decode(s, size, out, cap);
	FUZZ_CHECK(n >= -1 && n < (int)cap);
	if (n >= 0)
		FUZZ_CHECK(out[n] == '\0');
	free(out);

	r = sasl_plain_split(s, size, user, sizeof(user), pass, sizeof(pass));
	FUZZ_CHECK(r == 0 || r == SASL_EMALFORMED || r == SASL_EREFUSED);
	if (r == 0) {
		FUZZ_CHECK(memchr(user, '\0', sizeof(user)) != NULL);
		FUZZ_CHECK(memchr(pass, '\0', sizeof(pass)) != NULL);
		FUZZ_CHECK(user[0] != '\0');
		/* [authzid] NUL authcid NUL passwd, authzid empty or the same */
		nul = memchr(s, '\0', size);
		FUZZ_CHECK(nul != NULL);
		nul2 = memchr(nul + 1, '\0', size - (size_t)(nul + 1 - s));
		FUZZ_CHECK(nul2 != NULL);
		FUZZ_CHECK((size_t)(nul2 - nul - 1) == strlen(user) &&
		    memcmp(nul + 1, user, strlen(user)) == 0);
		/* (an authzid that differs only in case is the same user) */
		FUZZ_CHECK(nul == s || ((size_t)(nul - s) == strlen(user) &&
		    strncasecmp(s, user, strlen(user)) == 0));
		FUZZ_CHECK((size_t)(s + size - nul2 - 1) == strlen(pass));
	}
	return 0;
}
