#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "io.h"

void
io_init(struct io *io, int fd_in, int fd_out, int timeout_ms)
{
	io->fd_in = fd_in;
	io->fd_out = fd_out;
	io->tls = NULL;
	io->tls_rd = NULL;
	io->tls_wr = NULL;
	io->timeout = timeout_ms;
	io->ipos = io->ilen = 0;
	buf_init(&io->out, 0);
	io->failed = 0;
}

static int
io_wait(struct io *io, int fd, short events)
{
	struct pollfd	 pfd;
	int		 n;

	pfd.fd = fd;
	pfd.events = events;
	for (;;) {
		n = poll(&pfd, 1, io->timeout);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return IO_ERR;
		if (n == 0)
			return IO_TIMEOUT;
		return 0;
	}
}

/* Fill the input buffer; returns bytes read, 0 on EOF, or IO_ERR/IO_TIMEOUT. */
static ssize_t
io_fill(struct io *io)
{
	ssize_t	 n;
	int	 r;

	if (io->ipos == io->ilen)
		io->ipos = io->ilen = 0;
	else if (io->ipos > 0) {
		memmove(io->ibuf, io->ibuf + io->ipos, io->ilen - io->ipos);
		io->ilen -= io->ipos;
		io->ipos = 0;
	}
	for (;;) {
		if (io->tls != NULL) {
			n = io->tls_rd(io->tls, io->ibuf + io->ilen,
			    sizeof(io->ibuf) - io->ilen);
			if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
				r = io_wait(io, n == TLS_WANT_POLLIN ?
				    io->fd_in : io->fd_out,
				    n == TLS_WANT_POLLIN ? POLLIN : POLLOUT);
				if (r != 0)
					return io->failed = r;
				continue;
			}
			if (n < 0)
				return io->failed = IO_ERR;
		} else {
			if ((r = io_wait(io, io->fd_in, POLLIN)) != 0)
				return io->failed = r;
			n = read(io->fd_in, io->ibuf + io->ilen,
			    sizeof(io->ibuf) - io->ilen);
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n == -1)
				return io->failed = IO_ERR;
		}
		io->ilen += (size_t)n;
		return n;
	}
}

int
io_getline(struct io *io, struct buf *line, size_t max)
{
	char	*nl;
	size_t	 take;
	ssize_t	 n;
	int	 toolong = 0;

	buf_reset(line);
	for (;;) {
		if (io->ipos < io->ilen) {
			nl = memchr(io->ibuf + io->ipos, '\n',
			    io->ilen - io->ipos);
			take = nl ? (size_t)(nl - (io->ibuf + io->ipos)) + 1 :
			    io->ilen - io->ipos;
			if (!toolong && line->len + take > max) {
				toolong = 1;
				buf_reset(line);
			}
			if (!toolong &&
			    buf_add(line, io->ibuf + io->ipos, take) == -1)
				return io->failed = IO_ERR;
			io->ipos += take;
			if (nl != NULL)
				return toolong ? IO_TOOLONG : IO_LINE;
		}
		n = io_fill(io);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			if (toolong)
				return IO_TOOLONG;
			return line->len > 0 ? IO_LINE : IO_EOF;
		}
	}
}

ssize_t
io_read(struct io *io, void *p, size_t len)
{
	ssize_t	 n;
	size_t	 avail;

	if (io->ipos == io->ilen) {
		n = io_fill(io);
		if (n <= 0)
			return n;
	}
	avail = io->ilen - io->ipos;
	if (avail > len)
		avail = len;
	memcpy(p, io->ibuf + io->ipos, avail);
	io->ipos += avail;
	return (ssize_t)avail;
}

int
io_readn(struct io *io, struct buf *b, size_t len)
{
	char	 tmp[IO_BUFSIZE];
	ssize_t	 n;

	while (len > 0) {
		n = io_read(io, tmp, len < sizeof(tmp) ? len : sizeof(tmp));
		if (n == 0)
			return IO_EOF;
		if (n < 0)
			return (int)n;
		if (buf_add(b, tmp, (size_t)n) == -1)
			return IO_ERR;
		len -= (size_t)n;
	}
	return IO_LINE;
}

size_t
io_pending(const struct io *io)
{
	return io->ilen - io->ipos;
}

int
io_flush_idle(struct io *io)
{
	size_t	 n = io_pending(io);

	if (n > 0 && memchr(io->ibuf + io->ipos, '\n', n) != NULL)
		return 0;
	return io_flush(io);
}

void
io_discard_input(struct io *io)
{
	io->ipos = io->ilen = 0;
}

int
io_write(struct io *io, const void *p, size_t n)
{
	if (buf_add(&io->out, p, n) == -1)
		return IO_ERR;
	if (io->out.len >= IO_BUFSIZE)
		return io_flush(io);
	return 0;
}

int
io_puts(struct io *io, const char *s)
{
	return io_write(io, s, strlen(s));
}

int
io_printf(struct io *io, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = buf_vprintf(&io->out, fmt, ap);
	va_end(ap);
	if (r == -1)
		return IO_ERR;
	if (io->out.len >= IO_BUFSIZE)
		return io_flush(io);
	return 0;
}

int
io_flush(struct io *io)
{
	size_t	 off = 0;
	ssize_t	 n;
	int	 r;

	while (off < io->out.len) {
		if (io->tls != NULL) {
			n = io->tls_wr(io->tls, io->out.s + off,
			    io->out.len - off);
			if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
				r = io_wait(io, n == TLS_WANT_POLLIN ?
				    io->fd_in : io->fd_out,
				    n == TLS_WANT_POLLIN ? POLLIN : POLLOUT);
				if (r != 0)
					goto fail;
				continue;
			}
			if (n < 0) {
				r = IO_ERR;
				goto fail;
			}
		} else {
			n = write(io->fd_out, io->out.s + off,
			    io->out.len - off);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN) {
				if ((r = io_wait(io, io->fd_out, POLLOUT)) != 0)
					goto fail;
				continue;
			}
			if (n == -1) {
				r = IO_ERR;
				goto fail;
			}
		}
		off += (size_t)n;
	}
	buf_reset(&io->out);
	return 0;
fail:
	buf_reset(&io->out);
	return io->failed = r;
}

void
io_free(struct io *io)
{
	buf_free(&io->out);
}

int
write_full(int fd, const void *p, size_t n)
{
	const char	*s = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, s, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int
writev_full(int fd, struct iovec *iov, int n)
{
	ssize_t	 w;

	while (n > 0 && iov->iov_len == 0) {
		iov++;
		n--;
	}
	while (n > 0) {
		if ((w = writev(fd, iov, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int
fsync_dir(const char *dir)
{
	int	 fd, r, save;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	r = fsync(fd);
	save = errno;
	close(fd);
	errno = save;
	return r;
}
