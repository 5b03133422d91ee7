/*
 * Unit tests for lib/io.c: the bounded line reader and buffered I/O,
 * over real socketpairs and pipes.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "io.h"

struct pair {
	int		 rd, wr;
	struct io	 io;
	struct buf	 line;
};

static int
setup_pair(void **state)
{
	struct pair	*p;
	int		 sv[2];

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	p->rd = sv[0];
	p->wr = sv[1];
	io_init(&p->io, p->rd, p->rd, 5000);
	buf_init(&p->line, 0);
	*state = p;
	return 0;
}

static int
teardown_pair(void **state)
{
	struct pair	*p = *state;

	close(p->rd);
	if (p->wr != -1)
		close(p->wr);
	io_free(&p->io);
	buf_free(&p->line);
	free(p);
	return 0;
}

/* Write s and, if last, close the writing end (EOF for the reader). */
static void
feed(struct pair *p, const char *s, size_t len, int last)
{
	assert_int_equal(write(p->wr, s, len), (ssize_t)len);
	if (last) {
		close(p->wr);
		p->wr = -1;
	}
}

static void
assert_line(struct pair *p, size_t max, int want, const char *text,
    size_t len)
{
	assert_int_equal(io_getline(&p->io, &p->line, max), want);
	if (text != NULL) {
		assert_int_equal(p->line.len, len);
		assert_memory_equal(p->line.s, text, len);
	}
}

static void
test_getline_keeps_lf_terminator(void **state)
{
	struct pair	*p = *state;

	feed(p, "one\ntwo\n", 8, 1);
	assert_line(p, 100, IO_LINE, "one\n", 4);
	assert_line(p, 100, IO_LINE, "two\n", 4);
	assert_line(p, 100, IO_EOF, NULL, 0);
}

static void
test_getline_keeps_crlf_terminator(void **state)
{
	struct pair	*p = *state;

	feed(p, "EHLO x\r\nQUIT\r\n", 14, 1);
	assert_line(p, 100, IO_LINE, "EHLO x\r\n", 8);
	assert_line(p, 100, IO_LINE, "QUIT\r\n", 6);
	assert_line(p, 100, IO_EOF, NULL, 0);
}

static void
test_getline_keeps_bare_cr_inside_the_line(void **state)
{
	struct pair	*p = *state;

	feed(p, "a\rb\r\n\rc\n", 8, 1);
	assert_line(p, 100, IO_LINE, "a\rb\r\n", 5);
	assert_line(p, 100, IO_LINE, "\rc\n", 3);
}

static void
test_getline_keeps_nul_bytes_with_explicit_length(void **state)
{
	struct pair	*p = *state;

	feed(p, "a\0b\n", 4, 1);
	assert_line(p, 100, IO_LINE, "a\0b\n", 4);
}

static void
test_getline_accepts_line_of_exactly_max_octets(void **state)
{
	struct pair	*p = *state;

	feed(p, "12345678\n", 9, 1);
	assert_line(p, 9, IO_LINE, "12345678\n", 9);
}

static void
test_overlong_line_is_reported_then_next_line_reads_fine(void **state)
{
	struct pair	*p = *state;

	feed(p, "0123456789abcdef\nnext\n", 22, 1);
	assert_line(p, 8, IO_TOOLONG, NULL, 0);
	assert_line(p, 8, IO_LINE, "next\n", 5);
	assert_line(p, 8, IO_EOF, NULL, 0);
}

static void
test_overlong_line_larger_than_io_buffer_is_skipped_whole(void **state)
{
	struct pair	*p = *state;
	char		*big;
	size_t		 n = 3 * IO_BUFSIZE + 17;
	pid_t		 pid;
	int		 status;

	/* The writer runs in a child: the line exceeds the socket buffer. */
	if ((big = malloc(n + 1)) == NULL)
		fail();
	memset(big, 'x', n);
	big[n] = '\n';
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(p->rd);
		if (write(p->wr, big, n + 1) != (ssize_t)n + 1 ||
		    write(p->wr, "ok\r\n", 4) != 4)
			_exit(1);
		_exit(0);
	}
	close(p->wr);
	p->wr = -1;
	assert_line(p, 1000, IO_TOOLONG, NULL, 0);
	assert_line(p, 1000, IO_LINE, "ok\r\n", 4);
	assert_line(p, 1000, IO_EOF, NULL, 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(big);
}

static void
test_overlong_last_line_without_terminator_is_too_long(void **state)
{
	struct pair	*p = *state;

	feed(p, "0123456789", 10, 1);
	assert_line(p, 4, IO_TOOLONG, NULL, 0);
	assert_line(p, 4, IO_EOF, NULL, 0);
}

static void
test_partial_last_line_at_eof_is_returned_then_eof(void **state)
{
	struct pair	*p = *state;

	feed(p, "full\npartial", 12, 1);
	assert_line(p, 100, IO_LINE, "full\n", 5);
	assert_line(p, 100, IO_LINE, "partial", 7);
	assert_line(p, 100, IO_EOF, NULL, 0);
}

static void
test_line_split_across_writes_is_joined(void **state)
{
	struct pair	*p = *state;
	pid_t		 pid;
	int		 status;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(p->rd);
		if (write(p->wr, "MAIL FR", 7) != 7)
			_exit(1);
		usleep(20000);
		if (write(p->wr, "OM:<a@b>\r\n", 10) != 10)
			_exit(1);
		_exit(0);
	}
	close(p->wr);
	p->wr = -1;
	assert_line(p, 100, IO_LINE, "MAIL FROM:<a@b>\r\n", 17);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void
test_getline_times_out_when_nothing_comes(void **state)
{
	struct pair	*p = *state;

	p->io.timeout = 50;
	assert_line(p, 100, IO_TIMEOUT, NULL, 0);
	assert_int_equal(p->io.failed, IO_TIMEOUT);
}

static void
test_readn_reads_exact_count_after_a_line(void **state)
{
	struct pair	*p = *state;
	struct buf	 data = BUF_INIT;

	feed(p, "BDAT 5\r\nhellorest\n", 18, 1);
	assert_line(p, 100, IO_LINE, "BDAT 5\r\n", 8);
	assert_int_equal(io_readn(&p->io, &data, 5), IO_LINE);
	assert_int_equal(data.len, 5);
	assert_memory_equal(data.s, "hello", 5);
	assert_line(p, 100, IO_LINE, "rest\n", 5);
	buf_free(&data);
}

static void
test_readn_over_a_pipe_larger_than_the_buffer(void **state)
{
	struct io	 io;
	struct buf	 data = BUF_INIT;
	char		*big;
	size_t		 n = 100000, i;
	int		 fds[2], status;
	pid_t		 pid;

	assert_int_equal(pipe(fds), 0);
	if ((big = malloc(n)) == NULL)
		fail();
	for (i = 0; i < n; i++)
		big[i] = (char)(i * 7);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(fds[0]);
		_exit(write(fds[1], big, n) == (ssize_t)n ? 0 : 1);
	}
	close(fds[1]);
	io_init(&io, fds[0], -1, 5000);
	assert_int_equal(io_readn(&io, &data, n), IO_LINE);
	assert_int_equal(data.len, n);
	assert_memory_equal(data.s, big, n);
	assert_int_equal(io_readn(&io, &data, 1), IO_EOF);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(fds[0]);
	io_free(&io);
	buf_free(&data);
	free(big);
}

static void
test_readn_short_input_reports_eof(void **state)
{
	struct pair	*p = *state;
	struct buf	 data = BUF_INIT;

	feed(p, "abc", 3, 1);
	assert_int_equal(io_readn(&p->io, &data, 10), IO_EOF);
	assert_int_equal(data.len, 3);
	buf_free(&data);
}

static void
test_pending_and_discard_input(void **state)
{
	struct pair	*p = *state;

	feed(p, "STARTTLS\r\ninjected\r\n", 20, 1);
	assert_line(p, 100, IO_LINE, "STARTTLS\r\n", 10);
	assert_int_equal(io_pending(&p->io), 10);
	io_discard_input(&p->io);
	assert_int_equal(io_pending(&p->io), 0);
	assert_line(p, 100, IO_EOF, NULL, 0);
}

static void
test_write_printf_and_flush_reach_the_peer(void **state)
{
	struct pair	*p = *state;
	char		 got[64];
	ssize_t		 n;

	assert_int_equal(io_puts(&p->io, "220 "), 0);
	assert_int_equal(io_printf(&p->io, "%s ready\r\n", "mx.example.test"),
	    0);
	assert_int_equal(io_flush(&p->io), 0);
	assert_int_equal(p->io.out.len, 0);
	n = read(p->wr, got, sizeof(got));
	assert_int_equal(n, 27);
	assert_memory_equal(got, "220 mx.example.test ready\r\n", 27);
}

static void
test_flush_to_closed_peer_fails(void **state)
{
	struct pair	*p = *state;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	close(p->wr);
	p->wr = -1;
	assert_int_equal(io_puts(&p->io, "hello\r\n"), 0);
	assert_int_equal(io_flush(&p->io), IO_ERR);
	assert_int_equal(p->io.failed, IO_ERR);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup_pair, teardown_pair)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_getline_keeps_lf_terminator),
		T(test_getline_keeps_crlf_terminator),
		T(test_getline_keeps_bare_cr_inside_the_line),
		T(test_getline_keeps_nul_bytes_with_explicit_length),
		T(test_getline_accepts_line_of_exactly_max_octets),
		T(test_overlong_line_is_reported_then_next_line_reads_fine),
		T(test_overlong_line_larger_than_io_buffer_is_skipped_whole),
		T(test_overlong_last_line_without_terminator_is_too_long),
		T(test_partial_last_line_at_eof_is_returned_then_eof),
		T(test_line_split_across_writes_is_joined),
		T(test_getline_times_out_when_nothing_comes),
		T(test_readn_reads_exact_count_after_a_line),
		cmocka_unit_test(test_readn_over_a_pipe_larger_than_the_buffer),
		T(test_readn_short_input_reports_eof),
		T(test_pending_and_discard_input),
		T(test_write_printf_and_flush_reach_the_peer),
		T(test_flush_to_closed_peer_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
