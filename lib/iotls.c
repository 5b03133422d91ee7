/*
 * io_set_tls, apart from lib/io.c: only the programs that speak TLS
 * link it, and with it libtls and libcrypto, whose loading costs more
 * than the rest of a posta-local run.
 */
#include <sys/types.h>

#include <tls.h>

#include "io.h"

void
io_set_tls(struct io *io, struct tls *tls)
{
	io->tls = tls;
	io->tls_rd = tls_read;
	io->tls_wr = tls_write;
}
