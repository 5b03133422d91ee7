/*
 * mutf7: modified UTF-7 (RFC 3501 5.1.3); see mutf7.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "mutf7.h"

/* RFC 3501 5.1.3: RFC 2152's base64 with "," in place of "/" */
static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
b64val(int c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}

/* One UTF-8 character at s[0..len): its code point and length, or -1. */
static int
utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t	 c;
	int		 n, i;

	if (len == 0)
		return -1;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return -1;
	if ((size_t)n > len)
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return n;
}

static int
utf8_put(struct buf *b, uint32_t c)
{
	char	 o[4];
	size_t	 n;

	if (c < 0x80) {
		o[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		o[0] = (char)(0xf0 | c >> 18);
		o[1] = (char)(0x80 | (c >> 12 & 0x3f));
		o[2] = (char)(0x80 | (c >> 6 & 0x3f));
		o[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return buf_add(b, o, n);
}

/* The last sextet of a shifted run, its pad bits zero, and the "-". */
static int
end_run(struct buf *b, uint32_t acc, int nbits)
{
	if (nbits > 0 && buf_addc(b, b64[(acc << (6 - nbits)) & 0x3f]) == -1)
		return -1;
	return buf_addc(b, '-');
}

int
mutf7_encode(struct buf *b, const char *in, size_t len)
{
	const unsigned char	*s = (const unsigned char *)in;
	uint32_t		 cp, acc = 0;
	size_t			 i = 0;
	int			 n, nbits = 0, shifted = 0;
	unsigned int		 u[2];
	int			 nu, k;

	while (i < len) {
		if ((n = utf8_next(s + i, len - i, &cp)) == -1) {
			errno = EILSEQ;
			return -1;
		}
		i += (size_t)n;
		if (cp >= 0x20 && cp <= 0x7e) {
			if (shifted) {
				if (end_run(b, acc, nbits) == -1)
					return -1;
				shifted = 0;
				nbits = 0;
				acc = 0;
			}
			if (buf_addc(b, (int)cp) == -1)
				return -1;
			if (cp == '&' && buf_addc(b, '-') == -1)
				return -1;
			continue;
		}
		if (!shifted) {
			if (buf_addc(b, '&') == -1)
				return -1;
			shifted = 1;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[0] = 0xd800 | (cp >> 10);
			u[1] = 0xdc00 | (cp & 0x3ff);
			nu = 2;
		} else {
			u[0] = cp;
			nu = 1;
		}
		for (k = 0; k < nu; k++) {
			acc = (acc << 16 | u[k]) & 0xffffff;
			nbits += 16;
			while (nbits >= 6) {
				nbits -= 6;
				if (buf_addc(b, b64[(acc >> nbits) & 0x3f]) == -1)
					return -1;
			}
		}
	}
	if (shifted && end_run(b, acc, nbits) == -1)
		return -1;
	return 0;
}

int
mutf7_decode(struct buf *b, const char *in, size_t len)
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 i = 0, j;
	uint32_t		 acc, hi;
	unsigned int		 u;
	int			 nbits, v, nchars, lastrun = 0;

	while (i < len) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			goto bad;
		if (s[i] != '&') {
			if (buf_addc(b, s[i]) == -1)
				return -1;
			i++;
			lastrun = 0;
			continue;
		}
		if (i + 1 < len && s[i + 1] == '-') {
			if (buf_addc(b, '&') == -1)
				return -1;
			i += 2;
			lastrun = 0;
			continue;
		}
		/* two runs in a row are one run written badly */
		if (lastrun)
			goto bad;
		acc = 0;
		nbits = 0;
		hi = 0;
		nchars = 0;
		for (j = i + 1; j < len && s[j] != '-'; j++) {
			if ((v = b64val(s[j])) == -1)
				goto bad;
			acc = (acc << 6 | (uint32_t)v) & 0xffffff;
			nbits += 6;
			if (nbits < 16)
				continue;
			nbits -= 16;
			u = (acc >> nbits) & 0xffff;
			nchars++;
			if (hi != 0) {
				if (u < 0xdc00 || u > 0xdfff)
					goto bad;
				if (utf8_put(b, 0x10000 + ((hi - 0xd800) << 10) +
				    (u - 0xdc00)) == -1)
					return -1;
				hi = 0;
			} else if (u >= 0xd800 && u <= 0xdbff)
				hi = u;
			else if (u >= 0xdc00 && u <= 0xdfff)
				goto bad;
			else if (u == 0 || (u >= 0x20 && u <= 0x7e))
				goto bad;	/* must be written plainly */
			else if (utf8_put(b, u) == -1)
				return -1;
		}
		/* unterminated, empty, unpaired, or pad bits left set */
		if (j >= len || nchars == 0 || hi != 0 || nbits >= 6 ||
		    (acc & ((1u << nbits) - 1)) != 0)
			goto bad;
		i = j + 1;
		lastrun = 1;
	}
	return 0;
bad:
	errno = EILSEQ;
	return -1;
}
