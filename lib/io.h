/*
 * io: buffered, bounded I/O for the protocol servers and clients, over a
 * pair of descriptors (inetd's stdin/stdout, or one socket twice) or a
 * libtls context on them.  Every read waits at most io->timeout
 * milliseconds (-1: for ever).
 *
 * io_getline() hands back one line with its terminator exactly as it
 * came (so a caller can refuse a bare LF or a bare CR), never longer
 * than max octets: an over-long line is reported as IO_TOOLONG and the
 * rest of it, up to and including its LF, is read and thrown away, so
 * the caller can reply and carry on.
 */
#ifndef POSTA_IO_H
#define POSTA_IO_H

#include <sys/types.h>
#include <stddef.h>

#include "buf.h"

struct iovec;
struct tls;

#define IO_LINE		1
#define IO_EOF		0
#define IO_ERR		(-1)
#define IO_TIMEOUT	(-2)
#define IO_TOOLONG	(-3)

#define IO_BUFSIZE	16384

struct io {
	int		 fd_in;
	int		 fd_out;
	struct tls	*tls;
	/* tls_read and tls_write, set by lib/tlsx.c, which loads libtls
	 * only when a session asks for TLS */
	ssize_t		(*tls_rd)(struct tls *, void *, size_t);
	ssize_t		(*tls_wr)(struct tls *, const void *, size_t);
	int		 timeout;	/* ms; -1 none */
	char		 ibuf[IO_BUFSIZE];
	size_t		 ipos, ilen;
	struct buf	 out;
	int		 failed;	/* last read/write error, IO_ERR etc. */
};

void	io_init(struct io *, int fd_in, int fd_out, int timeout_ms);
int	io_getline(struct io *, struct buf *line, size_t max);
ssize_t	io_read(struct io *, void *, size_t);
int	io_readn(struct io *, struct buf *, size_t n);
size_t	io_pending(const struct io *);
/*
 * Flush unless a whole line is already waiting in the input: replies to
 * pipelined commands (RFC 2920 3.1, RFC 2449 6.6) go out together when
 * the client will wait for them.  0, or what io_flush() failed with.
 */
int	io_flush_idle(struct io *);
void	io_discard_input(struct io *);
int	io_write(struct io *, const void *, size_t);
int	io_puts(struct io *, const char *);
int	io_printf(struct io *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	io_flush(struct io *);
void	io_free(struct io *);

/* write(2) all of p to a plain descriptor, again after EINTR and short
 * writes; 0, or -1 with errno. */
int	write_full(int fd, const void *p, size_t n);
/* writev(2) all of iov[0..n-1] (the array is consumed), again after
 * EINTR and short writes; 0, or -1 with errno. */
int	writev_full(int fd, struct iovec *iov, int n);
/* fsync(2) a directory, so that a rename or link in it is durable; 0,
 * or -1 with errno. */
int	fsync_dir(const char *dir);

#endif
