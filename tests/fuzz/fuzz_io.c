/*
 * lib/io: the line reader every server and client reads its peer with.
 * The input after 5 octets (the line bound, a chunk seed and an op
 * seed) is what the peer sends; it arrives in arbitrary chunks (through
 * the io's read hook, as libtls would hand it over) and, once more,
 * whole through a pipe.  A sequence of io_getline() and io_readn()
 * calls (an IMAP server reads lines and literals so) must give, for any
 * chunking, what a one-pass model of io.h gives:
 *  - a line is everything up to and including its LF, exactly as sent
 *    (CR, NUL and all), never longer than max; an over-long line is
 *    IO_TOOLONG and is thrown away up to and including its LF, and the
 *    next call reads the line after it;
 *  - the last line without its LF is a line (or IO_TOOLONG), then
 *    IO_EOF for ever;
 *  - io_readn() gives exactly n octets, or IO_EOF with what was left;
 *  - io_pending() never counts more than was sent and not yet taken;
 *    io_flush_idle() writes nothing while a whole line is waiting.
 * What was read is echoed with io_write()/io_printf() to a writer that
 * takes a few octets at a time; io_flush() gets all of it out in order.
 */
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "io.h"
#include "fuzz.h"

struct feed {
	const char		*s;
	size_t			 len, pos;
	struct fuzz_chunks	 ch;
	struct buf		 out;
	struct fuzz_chunks	 wch;
};

static ssize_t
feed_read(struct tls *t, void *p, size_t n)
{
	struct feed	*f = (struct feed *)t;
	size_t		 k;

	FUZZ_CHECK(n > 0);
	if (f->pos == f->len)
		return 0;
	k = fuzz_chunks_next(&f->ch, f->len - f->pos);
	if (k > n)
		k = n;
	memcpy(p, f->s + f->pos, k);
	f->pos += k;
	return (ssize_t)k;
}

static ssize_t
feed_write(struct tls *t, const void *p, size_t n)
{
	struct feed	*f = (struct feed *)t;
	size_t		 k = fuzz_chunks_next(&f->wch, n);

	if (buf_add(&f->out, p, k) == -1)
		abort();
	return (ssize_t)k;
}

struct op {
	int	 readn;
	size_t	 n;
};

/* One pass over the input as io.h describes it. */
static int
model_line(const char *s, size_t len, size_t *pos, size_t max,
    const char **line, size_t *llen)
{
	const char	*nl;
	size_t		 n;

	if (*pos == len)
		return IO_EOF;
	nl = memchr(s + *pos, '\n', len - *pos);
	n = nl ? (size_t)(nl - (s + *pos)) + 1 : len - *pos;
	*line = s + *pos;
	*llen = n;
	*pos += n;
	return n > max ? IO_TOOLONG : IO_LINE;
}

/* Run the ops on io, checking each against the model. */
static size_t
run(struct io *io, const char *s, size_t len, size_t max,
    const struct op *ops, size_t nops, struct buf *echo, int hooked,
    struct feed *f)
{
	struct buf	 line = BUF_INIT, got = BUF_INIT;
	const char	*ml;
	size_t		 pos = 0, mlen, i, left, before;
	int		 r, mr;

	for (i = 0; i < nops; i++) {
		if (ops[i].readn) {
			buf_reset(&got);
			left = len - pos;
			r = io_readn(io, &got, ops[i].n);
			if (left >= ops[i].n) {
				FUZZ_CHECK(r == IO_LINE);
				FUZZ_CHECK(got.len == ops[i].n);
				FUZZ_CHECK(got.len == 0 ||
				    memcmp(got.s, s + pos, got.len) == 0);
				pos += ops[i].n;
			} else {
				FUZZ_CHECK(r == IO_EOF);
				FUZZ_CHECK(got.len == left);
				FUZZ_CHECK(left == 0 ||
				    memcmp(got.s, s + pos, left) == 0);
				pos = len;
			}
			if (got.len > 0 && io_write(io, got.s, got.len) != 0)
				abort();
			if (got.len > 0 && buf_add(echo, got.s, got.len) == -1)
				abort();
		} else {
			mr = model_line(s, len, &pos, max, &ml, &mlen);
			r = io_getline(io, &line, max);
			FUZZ_CHECK(r == mr);
			if (r == IO_LINE) {
				FUZZ_CHECK(line.len == mlen && line.len <= max);
				FUZZ_CHECK(memcmp(line.s, ml, mlen) == 0);
				if (io_printf(io, "%zu:", line.len) != 0 ||
				    io_write(io, line.s, line.len) != 0)
					abort();
				if (buf_printf(echo, "%zu:", line.len) == -1 ||
				    buf_add(echo, line.s, line.len) == -1)
					abort();
			} else
				FUZZ_CHECK(line.len == 0 || r == IO_TOOLONG);
		}
		/* what waits is what was sent and not yet taken */
		FUZZ_CHECK(io_pending(io) <= len - pos);
		if (hooked) {
			FUZZ_CHECK(io_pending(io) == f->pos - pos);
			/* a whole line waiting: the replies wait too */
			before = f->out.len;
			if (io_pending(io) > 0 &&
			    memchr(s + pos, '\n', io_pending(io)) != NULL) {
				FUZZ_CHECK(io_flush_idle(io) == 0);
				FUZZ_CHECK(f->out.len == before);
			}
		}
	}
	buf_free(&line);
	buf_free(&got);
	return pos;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed		 f;
	struct io		 io;
	struct buf		 echo = BUF_INIT, echo2 = BUF_INIT, piped = BUF_INIT;
	struct op		 ops[512];
	struct fuzz_chunks	 opg;
	const uint8_t		*d = data;
	size_t			 n = size, max, nops = 0, i;
	ssize_t			 k;
	char			 tmp[4096];
	int			 p[2], q[2];

	if (n < 5)
		return 0;
	/* bounds from 1 to 40000 octets (more than IO_BUFSIZE), most of
	 * them short */
	max = 1 + ((size_t)d[0] << 8 | d[1]) %
	    (d[0] & 0x80 ? (d[0] & 0x40 ? 40000 : 4096) : 80);
	d += 2;
	n -= 2;
	memset(&f, 0, sizeof(f));
	fuzz_chunks_init(&f.ch, &d, &n, 4096);
	opg.x = 0x2545f491u ^ d[0];
	opg.max = 64;
	d++;
	n--;
	f.wch.x = 0x6c078965u ^ (uint32_t)n;
	f.wch.max = 200;
	f.s = (const char *)d;
	f.len = n;

	/* mostly lines, sometimes a literal's n octets */
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t	 r = fuzz_chunks_next(&opg, 1000);

		ops[i].readn = r % 7 == 0;
		ops[i].n = (r / 7) * (r / 7) * 3;
		nops++;
		if (i > n)
			break;
	}

	io_init(&io, -1, -1, -1);
	io.tls = (struct tls *)&f;
	io.tls_rd = feed_read;
	io.tls_wr = feed_write;
	/* EOF stays EOF */
	if (run(&io, f.s, f.len, max, ops, nops, &echo, 1, &f) == f.len) {
		struct buf	 l = BUF_INIT;

		FUZZ_CHECK(io_getline(&io, &l, max) == IO_EOF);
		buf_free(&l);
	}
	FUZZ_CHECK(io_flush(&io) == 0);
	FUZZ_CHECK(f.out.len == echo.len);
	FUZZ_CHECK(echo.len == 0 || memcmp(f.out.s, echo.s, echo.len) == 0);
	io_free(&io);

	/* the same through a pipe, whole: the same answers (the input
	 * and the echo, at most 3 octets an octet, fit in a pipe) */
	if (n <= 16000) {
		if (pipe(p) == -1 || pipe(q) == -1)
			abort();
		if (n > 0 && write(p[1], f.s, n) != (ssize_t)n)
			abort();
		close(p[1]);
		io_init(&io, p[0], q[1], -1);
		run(&io, f.s, f.len, max, ops, nops, &echo2, 0, NULL);
		FUZZ_CHECK(io_flush(&io) == 0);
		close(q[1]);
		while ((k = read(q[0], tmp, sizeof(tmp))) > 0)
			if (buf_add(&piped, tmp, (size_t)k) == -1)
				abort();
		FUZZ_CHECK(piped.len == echo.len);
		FUZZ_CHECK(echo.len == 0 ||
		    memcmp(piped.s, echo.s, echo.len) == 0);
		io_free(&io);
		close(p[0]);
		close(q[0]);
	}
	buf_free(&echo);
	buf_free(&echo2);
	buf_free(&piped);
	buf_free(&f.out);
	return 0;
}
