/*
 * lib/mutf7, IMAP mailbox names (RFC 3501 5.1.3).  mutf7_decode()
 * accepts only the canonical form, so a name it accepts encodes back to
 * exactly the same octets (two wire names never name one folder); valid
 * UTF-8 encodes to a name that decodes back to it and is printable
 * US-ASCII.
 */
#include <string.h>

#include "buf.h"
#include "mutf7.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 a = BUF_INIT, b = BUF_INIT;
	const char	*s = (const char *)data;
	size_t		 i;

	if (mutf7_decode(&a, s, size) == 0) {
		FUZZ_CHECK(mutf7_encode(&b, a.s ? a.s : "", a.len) == 0);
		FUZZ_CHECK(b.len == size && memcmp(b.s ? b.s : "", s, size) == 0);
	}
	buf_reset(&a);
	buf_reset(&b);
	if (mutf7_encode(&a, s, size) == 0) {
		for (i = 0; i < a.len; i++)
			FUZZ_CHECK(a.s[i] >= 0x20 && a.s[i] < 0x7f);
		FUZZ_CHECK(mutf7_decode(&b, a.s ? a.s : "", a.len) == 0);
		FUZZ_CHECK(b.len == size && memcmp(b.s ? b.s : "", s, size) == 0);
	}
	buf_free(&a);
	buf_free(&b);
	return 0;
}
