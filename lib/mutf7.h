/*
 * mutf7: IMAP's modified UTF-7 for mailbox names (RFC 3501 5.1.3), to
 * and from UTF-8.  Pure: bytes in, bytes appended to a struct buf.
 *
 * mutf7_encode() refuses input that is not valid UTF-8 (overlong forms,
 * surrogates, beyond U+10FFFF).  mutf7_decode() accepts only the
 * canonical form a conforming client sends: printable US-ASCII stands
 * for itself, "&-" is "&", and a shifted run "&...-" is modified
 * BASE64 of UTF-16BE that encodes no printable US-ASCII character,
 * pairs its surrogates, leaves no pad bits set and does not follow
 * another run directly.  Anything else is refused, so two different
 * wire names never decode to the same folder.
 *
 * Both return 0, or -1 with errno EILSEQ (bad input) or ENOMEM/
 * EMSGSIZE (the buffer would not grow); on failure the buffer may hold
 * a partial result.
 */
#ifndef POSTA_MUTF7_H
#define POSTA_MUTF7_H

#include <stddef.h>

#include "buf.h"

int	mutf7_encode(struct buf *, const char *utf8, size_t len);
int	mutf7_decode(struct buf *, const char *mutf7, size_t len);

#endif
