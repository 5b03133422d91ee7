/*
 * Unit tests for lib/queue.c: posta-enqueue's input envelope, the
 * stored envelope, queue files on disk, in-place recipient updates,
 * queue IDs.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "queue.h"

#define MAXADDR	256
#define MAXRCPT	100

static int
parse_input(const char *s, struct qenv *e, char *err, size_t errlen)
{
	return queue_env_parse_input(s, strlen(s), MAXADDR, MAXRCPT, e, err,
	    errlen);
}

static void
input_ok(const char *s, struct qenv *e)
{
	char	 err[512];

	if (parse_input(s, e, err, sizeof(err)) == -1)
		fail_msg("envelope refused: %s", err);
}

/* Refused, with a message that mentions what. */
static void
input_bad_len(const char *s, size_t len, const char *what)
{
	struct qenv	 e;
	char		 err[512] = "";

	if (queue_env_parse_input(s, len, MAXADDR, MAXRCPT, &e, err,
	    sizeof(err)) == 0)
		fail_msg("envelope accepted: \"%s\"", s);
	if (what != NULL && strstr(err, what) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err, what);
	/* a refused envelope is freed and zeroed */
	assert_null(e.sender);
	assert_null(e.rcpt);
	assert_int_equal(e.nrcpt, 0);
}

static void
input_bad(const char *s, const char *what)
{
	input_bad_len(s, strlen(s), what);
}

static void
test_input_with_every_item_is_parsed(void **state)
{
	struct qenv	 e;

	input_ok("F alice@example.test\n"
	    "E abc+2Bdef\n"
	    "N HDRS\n"
	    "A alice\n"
	    "C client.example.test [192.0.2.1]\n"
	    "U\n"
	    "8\n"
	    "R bob@example.test NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.test\n"
	    "R carol@example.test\n"
	    "\n", &e);
	assert_string_equal(e.sender, "alice@example.test");
	assert_string_equal(e.envid, "abc+2Bdef");
	assert_string_equal(e.ret, "HDRS");
	assert_string_equal(e.auth, "alice");
	assert_string_equal(e.client, "client.example.test [192.0.2.1]");
	assert_true(e.smtputf8);
	assert_true(e.eightbit);
	assert_int_equal(e.nrcpt, 2);
	assert_string_equal(e.rcpt[0].addr, "bob@example.test");
	assert_string_equal(e.rcpt[0].notify, "SUCCESS,FAILURE");
	assert_string_equal(e.rcpt[0].orcpt, "rfc822;bob@example.test");
	assert_int_equal(e.rcpt[0].state, QR_PENDING);
	assert_string_equal(e.rcpt[1].addr, "carol@example.test");
	assert_null(e.rcpt[1].notify);
	assert_null(e.rcpt[1].orcpt);
	queue_env_free(&e);
}

static void
test_input_minimal_leaves_options_unset(void **state)
{
	struct qenv	 e;

	input_ok("F a@example.test\nR b@example.test\n", &e);
	assert_null(e.envid);
	assert_null(e.ret);
	assert_null(e.auth);
	assert_null(e.client);
	assert_false(e.smtputf8);
	assert_false(e.eightbit);
	assert_int_equal(e.nrcpt, 1);
	queue_env_free(&e);
}

static void
test_input_null_sender_with_or_without_space(void **state)
{
	struct qenv	 e;

	input_ok("F \nR b@example.test\n", &e);
	assert_string_equal(e.sender, "");
	queue_env_free(&e);
	input_ok("F\nR b@example.test\n", &e);
	assert_string_equal(e.sender, "");
	queue_env_free(&e);
}

static void
test_input_ends_at_empty_line(void **state)
{
	struct qenv	 e;

	input_ok("F a@example.test\nR b@example.test\n\nR c@example.test\n",
	    &e);
	assert_int_equal(e.nrcpt, 1);
	queue_env_free(&e);
}

static void
test_input_accepts_crlf_lines(void **state)
{
	struct qenv	 e;

	input_ok("F a@example.test\r\nR b@example.test\r\n", &e);
	assert_string_equal(e.sender, "a@example.test");
	assert_string_equal(e.rcpt[0].addr, "b@example.test");
	queue_env_free(&e);
	input_ok("F a@example.test\r\nR b@example.test\r\n\r\nX\r\n", &e);
	assert_int_equal(e.nrcpt, 1);
	queue_env_free(&e);
}

static void
test_input_quoted_recipient_with_space_and_parameters(void **state)
{
	struct qenv	 e;

	input_ok("F a@example.test\n"
	    "R \"john \\\"j\\\" smith\"@example.test NOTIFY=NEVER\n", &e);
	assert_string_equal(e.rcpt[0].addr,
	    "\"john \\\"j\\\" smith\"@example.test");
	assert_string_equal(e.rcpt[0].notify, "NEVER");
	queue_env_free(&e);
}

static void
test_input_utf8_addresses_are_accepted(void **state)
{
	struct qenv	 e;

	input_ok("F j\xc3\xb6rg@b\xc3\xbc" "cher.test\nU\n"
	    "R \xc3\xa9lise@example.test\n", &e);
	assert_string_equal(e.rcpt[0].addr, "\xc3\xa9lise@example.test");
	queue_env_free(&e);
}

static void
test_input_without_sender_is_refused(void **state)
{
	input_bad("R b@example.test\n", "start with F");
	input_bad("", "no sender");
	input_bad("\n", "no sender");
}

static void
test_input_without_recipient_is_refused(void **state)
{
	input_bad("F a@example.test\n", "no recipient");
	input_bad("F a@example.test\nN FULL\n\n", "no recipient");
}

static void
test_input_with_nul_byte_is_refused(void **state)
{
	static const char s[] = "F a@example.test\nR b@exa\0mple.test\n";

	input_bad_len(s, sizeof(s) - 1, "NUL");
}

static void
test_input_overlong_address_is_refused(void **state)
{
	char	 s[1024];

	snprintf(s, sizeof(s), "F a@example.test\nR %0*d@example.test\n",
	    MAXADDR, 0);
	input_bad(s, "longer");
	snprintf(s, sizeof(s), "F %0*d@example.test\nR b@example.test\n",
	    MAXADDR, 0);
	input_bad(s, "longer");
}

static void
test_input_malformed_addresses_are_refused(void **state)
{
	input_bad("F a@example.test\nR b@\n", "recipient");
	input_bad("F a@example.test\nR \n", "recipient");
	input_bad("F a@example.test\nR <b@example.test>x\n", "recipient");
	input_bad("F a@@example.test\nR b@example.test\n", "sender");
	input_bad("F @r.test:a@example.test\nR b@example.test\n", "sender");
	input_bad("F a@example.test\nR b@example.test.\n", "recipient");
}

static void
test_input_bad_notify_is_refused(void **state)
{
	input_bad("F a@example.test\nR b@example.test NOTIFY=BOGUS\n",
	    "parameter");
	input_bad("F a@example.test\nR b@example.test NOTIFY=NEVER,SUCCESS\n",
	    "parameter");
	input_bad("F a@example.test\nR b@example.test NOTIFY=\n", "parameter");
	input_bad("F a@example.test\nR b@example.test NOTIFY=DELAY "
	    "NOTIFY=DELAY\n", "parameter");
}

static void
test_input_notify_values_are_case_insensitive(void **state)
{
	struct qenv	 e;

	input_ok("F a@example.test\nR b@example.test notify=success,delay\n",
	    &e);
	assert_string_equal(e.rcpt[0].notify, "success,delay");
	queue_env_free(&e);
}

static void
test_input_bad_orcpt_is_refused(void **state)
{
	char	 s[1024];

	input_bad("F a@example.test\nR b@example.test ORCPT=bob@example.test\n",
	    "parameter");
	input_bad("F a@example.test\nR b@example.test ORCPT=;b@example.test\n",
	    "parameter");
	input_bad("F a@example.test\nR b@example.test ORCPT=rfc822;a=b\n",
	    "parameter");
	input_bad("F a@example.test\nR b@example.test ORCPT=rfc822;a+zz\n",
	    "parameter");
	snprintf(s, sizeof(s), "F a@example.test\nR b@example.test "
	    "ORCPT=rfc822;%0*d\n", 600, 0);
	input_bad(s, "parameter");
}

static void
test_input_unknown_recipient_parameter_is_refused(void **state)
{
	input_bad("F a@example.test\nR b@example.test SIZE=10\n", "parameter");
}

static void
test_input_other_malformed_items_are_refused(void **state)
{
	char	 s[1024];

	input_bad("F a@example.test\nF c@example.test\nR b@example.test\n",
	    "two senders");
	input_bad("F a@example.test\nX y\nR b@example.test\n", "unknown item");
	input_bad("F a@example.test\nRb@example.test\n", "bad form");
	input_bad("F a@example.test\nN NONE\nR b@example.test\n", "RET");
	input_bad("F a@example.test\nE has space\nR b@example.test\n", "ENVID");
	input_bad("F a@example.test\nE a=b\nR b@example.test\n", "ENVID");
	input_bad("F a@example.test\nE a+2\nR b@example.test\n", "ENVID");
	input_bad("F a@example.test\nA al ice\nR b@example.test\n", "A line");
	snprintf(s, sizeof(s), "F a@example.test\nC %0*d\nR b@example.test\n",
	    600, 0);
	input_bad(s, "C line");
}

static void
test_input_recipient_limit_is_enforced(void **state)
{
	struct qenv	 e;
	char		 err[256];
	const char	*s = "F a@example.test\nR b@example.test\n"
	    "R c@example.test\nR d@example.test\n";

	assert_int_equal(queue_env_parse_input(s, strlen(s), MAXADDR, 3, &e,
	    err, sizeof(err)), 0);
	queue_env_free(&e);
	assert_int_equal(queue_env_parse_input(s, strlen(s), MAXADDR, 2, &e,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many recipients"));
}

/* An envelope with ID and arrival time, as posta-enqueue makes it. */
static void
sample_env(struct qenv *e)
{
	input_ok("F alice@example.test\nE env+2B1\nN FULL\nA alice\n"
	    "C localhost\nU\n8\n"
	    "R bob@example.test NOTIFY=FAILURE,DELAY ORCPT=rfc822;bob+40x\n"
	    "R \"carol smith\"@example.test\n", e);
	strlcpy(e->id, "0000000AB12345000042", sizeof(e->id));
	e->arrival = 1700000000;
}

static void
test_serialize_writes_the_documented_format(void **state)
{
	struct qenv	 e;
	struct buf	 b = BUF_INIT;

	sample_env(&e);
	assert_int_equal(queue_env_serialize(&e, &b), 0);
	assert_string_equal(b.s,
	    "T 1700000000\n"
	    "I 0000000AB12345000042\n"
	    "F alice@example.test\n"
	    "E env+2B1\n"
	    "N FULL\n"
	    "A alice\n"
	    "C localhost\n"
	    "U\n"
	    "8\n"
	    "R P 0000000000 0000 FAILURE,DELAY rfc822;bob+40x bob@example.test\n"
	    "R P 0000000000 0000 - - \"carol smith\"@example.test\n"
	    ".\n");
	queue_env_free(&e);
	buf_free(&b);
}

static void
test_serialize_then_parse_stored_round_trips(void **state)
{
	struct qenv	 e, s;
	struct buf	 b = BUF_INIT;
	char		 err[256];
	const char	*line;

	sample_env(&e);
	e.rcpt[1].state = QR_DELIVERED;
	e.rcpt[1].next = 1700003600;
	e.rcpt[1].tries = 3;
	assert_int_equal(queue_env_serialize(&e, &b), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(queue_env_parse_stored(b.s, b.len, 1000, &s, err,
	    sizeof(err)), 0);
	assert_string_equal(s.id, e.id);
	assert_int_equal(s.arrival, e.arrival);
	assert_string_equal(s.sender, e.sender);
	assert_string_equal(s.envid, e.envid);
	assert_string_equal(s.ret, e.ret);
	assert_string_equal(s.auth, e.auth);
	assert_string_equal(s.client, e.client);
	assert_true(s.smtputf8);
	assert_true(s.eightbit);
	assert_int_equal(s.nrcpt, 2);
	assert_string_equal(s.rcpt[0].addr, "bob@example.test");
	assert_string_equal(s.rcpt[0].notify, "FAILURE,DELAY");
	assert_string_equal(s.rcpt[0].orcpt, "rfc822;bob+40x");
	assert_int_equal(s.rcpt[0].state, QR_PENDING);
	assert_string_equal(s.rcpt[1].addr, "\"carol smith\"@example.test");
	assert_null(s.rcpt[1].notify);
	assert_null(s.rcpt[1].orcpt);
	assert_int_equal(s.rcpt[1].state, QR_DELIVERED);
	assert_int_equal(s.rcpt[1].next, 1700003600);
	assert_int_equal(s.rcpt[1].tries, 3);
	/* offsets point at the recipient lines, counted from base */
	line = b.s + (s.rcpt[0].off - 1000);
	assert_memory_equal(line, "R P ", 4);
	line = b.s + (s.rcpt[1].off - 1000);
	assert_memory_equal(line, "R D 1700003600 0003 - - \"carol", 30);
	queue_env_free(&e);
	queue_env_free(&s);
	buf_free(&b);
}

static void
test_null_sender_round_trips(void **state)
{
	struct qenv	 e, s;
	struct buf	 b = BUF_INIT;
	char		 err[256];

	input_ok("F \nR b@example.test\n", &e);
	assert_int_equal(queue_env_serialize(&e, &b), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(queue_env_parse_stored(b.s, b.len, 0, &s, err,
	    sizeof(err)), 0);
	assert_string_equal(s.sender, "");
	queue_env_free(&e);
	queue_env_free(&s);
	buf_free(&b);
}

static void
test_stored_envelope_incomplete_or_corrupt_is_refused(void **state)
{
	const char	*bad[] = {
		"T 1\nI X\nF a@b.test\nR P 0000000000 0000 - - b@c.test\n",
		"T 1\nI X\nF a@b.test\n.\n",
		"T 1\nI X\nR P 0000000000 0000 - - b@c.test\n.\n",
		"T 1\nI X\nF a@b.test\nR P 0000000000 0000 - -\n.\n",
		"T 1\nI X\nF a@b.test\nR P short\n.\n",
		"T 1\nI X\nF a@b.test\nZ what\nR P 0000000000 0000 - - b@c.test\n.\n",
		"T 1\nI X\nF a@b.test\nE\nR P 0000000000 0000 - - b@c.test\n.\n",
		"T\nI X\nF a@b.test\nR P 0000000000 0000 - - b@c.test\n.\n",
		"T 1\nI X\nF a@b.test\nCx\nR P 0000000000 0000 - - b@c.test\n.\n",
		"T 1\nI X\nF a@b.test\n\nR P 0000000000 0000 - - b@c.test\n.\n",
		"T 1\nI X\nF a@b.test\nF c@b.test\nR P 0000000000 0000 - - b@c.test\n.\n",
	};
	struct qenv	 s;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&s, 0, sizeof(s));
		if (queue_env_parse_stored(bad[i], strlen(bad[i]), 0, &s, err,
		    sizeof(err)) == 0)
			fail_msg("accepted: %s", bad[i]);
		assert_null(s.rcpt);
	}
}

static void
test_stored_envelope_with_nul_byte_is_refused(void **state)
{
	static const char s[] = "T 1\nI X\nF a@b.test\n"
	    "R P\0\0\0\0\0 0a.@se0000 a@b.test\nR P 0a.@se\n.\n";
	struct qenv	 e;
	char		 err[256];

	memset(&e, 0, sizeof(e));
	assert_int_equal(queue_env_parse_stored(s, sizeof(s) - 1, 0, &e, err,
	    sizeof(err)), -1);
}

/* Found by fuzzing: a recipient line whose fixed-width fields were not
 * digits was read, and written back with the fields shifted, so that
 * queue_rcpt_update() would have overwritten the wrong octets. */
static void
test_stored_recipient_prefix_must_be_fixed_width(void **state)
{
	const char	*bad[] = {
		"T 1\nI x\nF a\nR B 999999999999  9NEVER - a@b\n.\n",
		"T 1\nI x\nF a\nR P 00000000001 000 - - a@b.test\n.\n",
		"T 1\nI x\nF a\nR P -000000001 0000 - - a@b.test\n.\n",
		"T 1\nI x\nF a\nR P 0000000000 -001 - - a@b.test\n.\n",
		"T 1\nI x\nF a\nR P  000000000 0000 - - a@b.test\n.\n",
		"T 1\nI x\nF a\nRxP 0000000000 0000 - - a@b.test\n.\n",
		"T 1\nI x\nF a\nR P 0000000000 0000x- - a@b.test\n.\n",
	};
	struct qenv	 s;
	struct buf	 b = BUF_INIT;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&s, 0, sizeof(s));
		if (queue_env_parse_stored(bad[i], strlen(bad[i]), 0, &s, err,
		    sizeof(err)) == 0)
			fail_msg("accepted: %s", bad[i]);
	}
	/* values out of the fields' range are written clamped, as
	 * queue_rcpt_update() writes them, and read back the same */
	memset(&s, 0, sizeof(s));
	s.sender = "a@b.test";
	s.nrcpt = 1;
	s.rcpt = calloc(1, sizeof(*s.rcpt));
	assert_non_null(s.rcpt);
	s.rcpt[0].state = QR_PENDING;
	s.rcpt[0].next = 99999999999LL;
	s.rcpt[0].tries = -5;
	s.rcpt[0].addr = "c@d.test";
	assert_int_equal(queue_env_serialize(&s, &b), 0);
	assert_non_null(strstr(b.s, "\nR P 9999999999 0000 - - c@d.test\n"));
	free(s.rcpt);
	memset(&s, 0, sizeof(s));
	assert_int_equal(queue_env_parse_stored(b.s, b.len, 0, &s, err,
	    sizeof(err)), 0);
	assert_int_equal(s.rcpt[0].next, 9999999999LL);
	assert_int_equal(s.rcpt[0].tries, 0);
	queue_env_free(&s);
	buf_free(&b);
}

static void
test_header_is_32_octets_with_magic_and_length(void **state)
{
	char	 hdr[QUEUE_HDRLEN + 1];

	queue_header(hdr, 12345);
	assert_int_equal(strlen(hdr), QUEUE_HDRLEN);
	assert_string_equal(hdr, "posta-queue-1 00000000000012345\n");
	queue_header(hdr, 0);
	assert_int_equal(strlen(hdr), QUEUE_HDRLEN);
}

/* A queue file in a fresh folder: header, message, stored envelope. */
struct qfile {
	char	 dir[64];
	char	 path[PATH_MAX];
	int	 fd;
};

static const char msg[] = "From: a@example.test\nSubject: hi\n\nbody\0\xff\n";

static int
setup_qfile(void **state)
{
	struct qfile	*q;
	struct qenv	 e;
	struct buf	 b = BUF_INIT;
	char		 hdr[QUEUE_HDRLEN + 1];

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	strlcpy(q->dir, "/tmp/test_queue.XXXXXX", sizeof(q->dir));
	if (mkdtemp(q->dir) == NULL)
		return -1;
	snprintf(q->path, sizeof(q->path), "%s/QF", q->dir);
	if ((q->fd = open(q->path, O_RDWR | O_CREAT | O_EXCL, 0600)) == -1)
		return -1;
	sample_env(&e);
	queue_header(hdr, sizeof(msg) - 1);
	if (queue_env_serialize(&e, &b) == -1 ||
	    write(q->fd, hdr, QUEUE_HDRLEN) != QUEUE_HDRLEN ||
	    write(q->fd, msg, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    write(q->fd, b.s, b.len) != (ssize_t)b.len)
		return -1;
	queue_env_free(&e);
	buf_free(&b);
	*state = q;
	return 0;
}

static int
teardown_qfile(void **state)
{
	struct qfile	*q = *state;

	close(q->fd);
	unlink(q->path);
	rmdir(q->dir);
	free(q);
	return 0;
}

static void
test_env_read_from_a_real_queue_file(void **state)
{
	struct qfile	*q = *state;
	struct qenv	 e;
	char		 err[256], got[sizeof(msg)], line[5];

	assert_int_equal(queue_env_read(q->fd, &e, err, sizeof(err)), 0);
	assert_int_equal(e.msgoff, QUEUE_HDRLEN);
	assert_int_equal(e.msglen, sizeof(msg) - 1);
	assert_string_equal(e.id, "0000000AB12345000042");
	assert_string_equal(e.sender, "alice@example.test");
	assert_int_equal(e.nrcpt, 2);
	assert_int_equal(pread(q->fd, got, (size_t)e.msglen, e.msgoff),
	    e.msglen);
	assert_memory_equal(got, msg, sizeof(msg) - 1);
	assert_int_equal(pread(q->fd, line, 4, e.rcpt[1].off), 4);
	assert_memory_equal(line, "R P ", 4);
	queue_env_free(&e);
}

static void
test_rcpt_update_rewrites_state_in_place_and_reread_sees_it(void **state)
{
	struct qfile	*q = *state;
	struct qenv	 e, r;
	struct stat	 before, after;
	char		 err[256], got[sizeof(msg)];

	assert_int_equal(queue_env_read(q->fd, &e, err, sizeof(err)), 0);
	assert_int_equal(fstat(q->fd, &before), 0);
	assert_int_equal(queue_rcpt_update(q->fd, &e.rcpt[0], QR_DELIVERED,
	    0, 1), 0);
	assert_int_equal(queue_rcpt_update(q->fd, &e.rcpt[1], QR_PENDING,
	    1700001800, 2), 0);
	assert_int_equal(e.rcpt[1].state, QR_PENDING);
	assert_int_equal(e.rcpt[1].next, 1700001800);
	assert_int_equal(e.rcpt[1].tries, 2);
	assert_int_equal(fstat(q->fd, &after), 0);
	assert_int_equal(after.st_size, before.st_size);

	assert_int_equal(queue_env_read(q->fd, &r, err, sizeof(err)), 0);
	assert_int_equal(r.rcpt[0].state, QR_DELIVERED);
	assert_int_equal(r.rcpt[0].tries, 1);
	assert_string_equal(r.rcpt[0].addr, "bob@example.test");
	assert_string_equal(r.rcpt[0].notify, "FAILURE,DELAY");
	assert_int_equal(r.rcpt[1].state, QR_PENDING);
	assert_int_equal(r.rcpt[1].next, 1700001800);
	assert_int_equal(r.rcpt[1].tries, 2);
	assert_string_equal(r.rcpt[1].addr, "\"carol smith\"@example.test");
	/* the message is untouched */
	assert_int_equal(pread(q->fd, got, (size_t)r.msglen, r.msgoff),
	    r.msglen);
	assert_memory_equal(got, msg, sizeof(msg) - 1);
	queue_env_free(&e);
	queue_env_free(&r);
}

static void
test_rcpt_update_clamps_tries_and_next_to_their_width(void **state)
{
	struct qfile	*q = *state;
	struct qenv	 e, r;
	char		 err[256];

	assert_int_equal(queue_env_read(q->fd, &e, err, sizeof(err)), 0);
	assert_int_equal(queue_rcpt_update(q->fd, &e.rcpt[0], QR_FAILED,
	    -5, 123456), 0);
	assert_int_equal(queue_rcpt_update(q->fd, &e.rcpt[1], QR_BOUNCED,
	    99999999999LL, -1), 0);
	assert_int_equal(queue_env_read(q->fd, &r, err, sizeof(err)), 0);
	assert_int_equal(r.rcpt[0].state, QR_FAILED);
	assert_int_equal(r.rcpt[0].tries, 9999);
	assert_int_equal(r.rcpt[0].next, 9999999999LL);
	assert_int_equal(r.rcpt[1].state, QR_BOUNCED);
	assert_int_equal(r.rcpt[1].tries, 0);
	assert_int_equal(r.rcpt[1].next, 9999999999LL);
	assert_string_equal(r.rcpt[1].addr, "\"carol smith\"@example.test");
	queue_env_free(&e);
	queue_env_free(&r);
}

static void
test_env_read_refuses_a_file_that_is_not_a_queue_file(void **state)
{
	struct qfile	*q = *state;
	struct qenv	 e;
	char		 err[256];

	assert_int_equal(pwrite(q->fd, "garbage", 7, 0), 7);
	assert_int_equal(queue_env_read(q->fd, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a queue file"));
}

static void
test_env_read_refuses_a_length_beyond_the_file(void **state)
{
	struct qfile	*q = *state;
	struct qenv	 e;
	char		 hdr[QUEUE_HDRLEN + 1], err[256];

	queue_header(hdr, 1000000);
	assert_int_equal(pwrite(q->fd, hdr, QUEUE_HDRLEN, 0), QUEUE_HDRLEN);
	assert_int_equal(queue_env_read(q->fd, &e, err, sizeof(err)), -1);
}

static void
test_env_read_refuses_a_truncated_envelope(void **state)
{
	struct qfile	*q = *state;
	struct qenv	 e;
	struct stat	 st;
	char		 err[256];

	assert_int_equal(fstat(q->fd, &st), 0);
	assert_int_equal(ftruncate(q->fd, st.st_size - 2), 0);
	assert_int_equal(queue_env_read(q->fd, &e, err, sizeof(err)), -1);
}

static void
test_queue_ids_are_unique_across_forked_processes(void **state)
{
	enum { NPROC = 200 };
	char	 ids[NPROC][QUEUE_IDLEN], c;
	int	 out[2], gate[2], status, i, j;
	pid_t	 pid;
	size_t	 got = 0;
	ssize_t	 n;

	/*
	 * Every child waits at the gate, then all take an ID at once, as
	 * posta-enqueue does (one ID per process): many share a second
	 * and some a microsecond.
	 */
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(gate), 0);
	for (i = 0; i < NPROC; i++) {
		pid = fork();
		assert_true(pid != -1);
		if (pid == 0) {
			char	 id[QUEUE_IDLEN];

			close(out[0]);
			close(gate[1]);
			(void)read(gate[0], &c, 1);
			memset(id, 0, sizeof(id));
			queue_new_id(id);
			_exit(write(out[1], id, sizeof(id)) == sizeof(id) ?
			    0 : 1);
		}
	}
	close(out[1]);
	close(gate[0]);
	close(gate[1]);		/* open the gate */
	while (got < sizeof(ids) &&
	    (n = read(out[0], (char *)ids + got, sizeof(ids) - got)) > 0)
		got += (size_t)n;
	close(out[0]);
	while (wait(&status) > 0)
		;
	assert_int_equal(got, sizeof(ids));
	for (i = 0; i < NPROC; i++) {
		assert_true(strlen(ids[i]) > 0);
		assert_true(strlen(ids[i]) < QUEUE_IDLEN);
		assert_int_equal(strspn(ids[i], "0123456789ABCDEF"),
		    strlen(ids[i]));
		for (j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				fail_msg("duplicate queue ID %s", ids[i]);
	}
}

static void
test_queue_path_joins_folder_sub_and_id(void **state)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(queue_path(&b, "/var/spool/posta", "queue", "ABC"), 0);
	assert_string_equal(b.s, "/var/spool/posta/queue/ABC");
	assert_int_equal(queue_path(&b, "/q", "trigger", NULL), 0);
	assert_string_equal(b.s, "/q/trigger");
	buf_free(&b);
}

static void
test_trigger_writes_the_id_or_a_nul_to_a_listening_fifo(void **state)
{
	char	 dir[64], fifo[PATH_MAX], b[64];
	int	 fd;

	strlcpy(dir, "/tmp/test_queue.XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/trigger", dir);
	/* nobody listens, and there is no FIFO: both silent */
	queue_trigger(dir, "ABC");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	queue_trigger(dir, NULL);
	fd = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(fd != -1);
	queue_trigger(dir, "06B0ED9327D4BD0055DF");
	queue_trigger(dir, NULL);
	assert_int_equal(read(fd, b, sizeof(b)), 22);
	assert_memory_equal(b, "06B0ED9327D4BD0055DF\n\0", 22);
	close(fd);
	unlink(fifo);
	rmdir(dir);
}

#define TQ(t)	cmocka_unit_test_setup_teardown(t, setup_qfile, teardown_qfile)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_with_every_item_is_parsed),
		cmocka_unit_test(test_input_minimal_leaves_options_unset),
		cmocka_unit_test(test_input_null_sender_with_or_without_space),
		cmocka_unit_test(test_input_ends_at_empty_line),
		cmocka_unit_test(test_input_accepts_crlf_lines),
		cmocka_unit_test(test_input_quoted_recipient_with_space_and_parameters),
		cmocka_unit_test(test_input_utf8_addresses_are_accepted),
		cmocka_unit_test(test_input_without_sender_is_refused),
		cmocka_unit_test(test_input_without_recipient_is_refused),
		cmocka_unit_test(test_input_with_nul_byte_is_refused),
		cmocka_unit_test(test_input_overlong_address_is_refused),
		cmocka_unit_test(test_input_malformed_addresses_are_refused),
		cmocka_unit_test(test_input_bad_notify_is_refused),
		cmocka_unit_test(test_input_notify_values_are_case_insensitive),
		cmocka_unit_test(test_input_bad_orcpt_is_refused),
		cmocka_unit_test(test_input_unknown_recipient_parameter_is_refused),
		cmocka_unit_test(test_input_other_malformed_items_are_refused),
		cmocka_unit_test(test_input_recipient_limit_is_enforced),
		cmocka_unit_test(test_serialize_writes_the_documented_format),
		cmocka_unit_test(test_serialize_then_parse_stored_round_trips),
		cmocka_unit_test(test_null_sender_round_trips),
		cmocka_unit_test(test_stored_envelope_incomplete_or_corrupt_is_refused),
		cmocka_unit_test(test_stored_envelope_with_nul_byte_is_refused),
		cmocka_unit_test(test_stored_recipient_prefix_must_be_fixed_width),
		cmocka_unit_test(test_header_is_32_octets_with_magic_and_length),
		TQ(test_env_read_from_a_real_queue_file),
		TQ(test_rcpt_update_rewrites_state_in_place_and_reread_sees_it),
		TQ(test_rcpt_update_clamps_tries_and_next_to_their_width),
		TQ(test_env_read_refuses_a_file_that_is_not_a_queue_file),
		TQ(test_env_read_refuses_a_length_beyond_the_file),
		TQ(test_env_read_refuses_a_truncated_envelope),
		cmocka_unit_test(test_queue_ids_are_unique_across_forked_processes),
		cmocka_unit_test(test_queue_path_joins_folder_sub_and_id),
		cmocka_unit_test(test_trigger_writes_the_id_or_a_nul_to_a_listening_fifo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
