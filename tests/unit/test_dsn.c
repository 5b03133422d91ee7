/*
 * Unit tests for lib/dsn.c: the RFC 3464 notices of the queue runner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "dsn.h"

static const char orig[] =
    "From: alice@example.test\n"
    "To: bob@example.test\n"
    "Subject: hello\n"
    "\n"
    "line one\n"
    "line two\n";

static struct dsn_rcpt rcpts[] = {
	{ "rfc822;Bob+2Bx@example.test", "bob@example.test", "5.1.1",
	  "smtp; 550 5.1.1 <bob@example.test>: no such user",
	  "mx.example.test", 1796112000 },
	{ NULL, "carol@example.test", "5.4.6", "5.4.6 mail loop", NULL, 0 },
};

static void
base(struct dsn *d)
{
	memset(d, 0, sizeof(*d));
	d->kind = DSN_FAILED;
	d->reporting_mta = "mail.example.test";
	d->from = "MAILER-DAEMON@mail.example.test";
	d->to = "alice@example.test";
	d->msgid = "dsn.1@mail.example.test";
	d->boundary = "=_posta-1";
	d->queue_id = "069213C481E2400010E1";
	d->envid = "QQ+2B314";
	d->now = 1796112600;		/* Tue, 1 Dec 2026 08:10:00 +0000 */
	d->arrival = 1796112000;
	d->orig = orig;
	d->origlen = sizeof(orig) - 1;
	d->rcpt = rcpts;
	d->nrcpt = 2;
}

static void
has(const struct buf *b, const char *s)
{
	if (b->s == NULL || strstr(b->s, s) == NULL)
		fail_msg("\"%s\" not in:\n%s", s, b->s ? b->s : "(empty)");
}

static void
hasnt(const struct buf *b, const char *s)
{
	if (b->s != NULL && strstr(b->s, s) != NULL)
		fail_msg("\"%s\" in:\n%s", s, b->s);
}

static void
test_failure_fields(void **state)
{
	struct dsn	 d;
	struct buf	 b = BUF_INIT;

	base(&d);
	assert_int_equal(dsn_build(&d, &b), 0);
	has(&b, "From: Mail Delivery System <MAILER-DAEMON@mail.example.test>\n");
	has(&b, "To: <alice@example.test>\n");
	has(&b, "Subject: Undelivered Mail Returned to Sender\n");
	has(&b, "Date: Tue, 1 Dec 2026 08:10:00 +0000\n");
	has(&b, "Auto-Submitted: auto-replied\n");
	has(&b, "Content-Type: multipart/report; report-type=delivery-status;"
	    "\n\tboundary=\"=_posta-1\"\n");
	has(&b, "\n--=_posta-1\nContent-Description: Delivery report\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mail.example.test\n");
	has(&b, "Original-Envelope-Id: QQ+314\n");
	has(&b, "Arrival-Date: Tue, 1 Dec 2026 08:00:00 +0000\n");
	has(&b, "\nOriginal-Recipient: rfc822;Bob+x@example.test\n"
	    "Final-Recipient: rfc822; bob@example.test\nAction: failed\n"
	    "Status: 5.1.1\nRemote-MTA: dns; mx.example.test\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.test>: no such user\n"
	    "Last-Attempt-Date: Tue, 1 Dec 2026 08:00:00 +0000\n");
	/* a diagnostic without a type gets posta's own */
	has(&b, "\nFinal-Recipient: rfc822; carol@example.test\n"
	    "Action: failed\nStatus: 5.4.6\n"
	    "Diagnostic-Code: x-posta; 5.4.6 mail loop\n");
	has(&b, "Content-Type: message/rfc822\n\nFrom: alice@example.test\n");
	has(&b, "line two\n\n--=_posta-1--\n");
	hasnt(&b, "Will-Retry-Until");
	hasnt(&b, "\r");
	buf_free(&b);
}

static void
test_headers_only(void **state)
{
	struct dsn	 d;
	struct buf	 b = BUF_INIT;

	base(&d);
	d.headers_only = 1;
	assert_int_equal(dsn_build(&d, &b), 0);
	has(&b, "Content-Type: text/rfc822-headers\n\nFrom: alice@example.test\n"
	    "To: bob@example.test\nSubject: hello\n\n--=_posta-1--\n");
	hasnt(&b, "line one");
	buf_free(&b);
}

static void
test_delay(void **state)
{
	struct dsn	 d;
	struct buf	 b = BUF_INIT;
	struct dsn_rcpt	 r = { NULL, "bob@example.test", "4.4.1",
	    "smtp; connection refused", NULL, 1796126400 };

	base(&d);
	d.kind = DSN_DELAYED;
	d.retry_until = 1796544000;
	d.rcpt = &r;
	d.nrcpt = 1;
	d.envid = NULL;
	assert_int_equal(dsn_build(&d, &b), 0);
	has(&b, "Subject: Delayed Mail (still being retried)\n");
	has(&b, "Action: delayed\nStatus: 4.4.1\n");
	has(&b, "Will-Retry-Until: Sun, 6 Dec 2026 08:00:00 +0000\n");
	hasnt(&b, "Original-Envelope-Id");
	hasnt(&b, "Original-Recipient");
	buf_free(&b);
}

static void
test_boundary_in_message(void **state)
{
	static const char evil[] = "Subject: x\n\n--=_posta-1\n--=_posta-1.1\n";
	struct dsn	 d;
	struct buf	 b = BUF_INIT;

	base(&d);
	d.orig = evil;
	d.origlen = sizeof(evil) - 1;
	assert_int_equal(dsn_build(&d, &b), 0);
	has(&b, "boundary=\"=_posta-1.2\"");
	has(&b, "\n--=_posta-1.2--\n");
	buf_free(&b);
}

static void
test_no_field_injection(void **state)
{
	struct dsn	 d;
	struct buf	 b = BUF_INIT;
	struct dsn_rcpt	 r = { NULL, "bob@example.test", "5.0.0",
	    "smtp; 550 bad\r\nAction: delivered\n\n--=_posta-1--", NULL, 0 };

	base(&d);
	d.rcpt = &r;
	d.nrcpt = 1;
	assert_int_equal(dsn_build(&d, &b), 0);
	has(&b, "Diagnostic-Code: smtp; 550 bad  Action: delivered  "
	    "--=_posta-1--\n");
	hasnt(&b, "\nAction: delivered");
	buf_free(&b);
}

static void
test_utf8_and_8bit(void **state)
{
	static const char m[] = "Subject: caf\xc3\xa9\n\nna\xc3\xafve\n";
	struct dsn	 d;
	struct buf	 b = BUF_INIT;
	struct dsn_rcpt	 r = { NULL, "j\xc3\xb6rg@example.test", "5.1.1",
	    NULL, NULL, 0 };

	base(&d);
	d.utf8 = 1;
	d.orig = m;
	d.origlen = sizeof(m) - 1;
	d.rcpt = &r;
	d.nrcpt = 1;
	assert_int_equal(dsn_build(&d, &b), 0);
	has(&b, "Content-Type: message/global-delivery-status\n");
	has(&b, "Final-Recipient: utf-8; j\xc3\xb6rg@example.test\n");
	has(&b, "Content-Type: message/global\n"
	    "Content-Transfer-Encoding: 8bit\n\n");
	hasnt(&b, "Diagnostic-Code");
	buf_free(&b);
}

static void
test_helpers(void **state)
{
	struct buf	 b = BUF_INIT;
	char		 date[64];

	assert_int_equal(dsn_header_len("A: b\n\nbody\n", 11), 6);
	assert_int_equal(dsn_header_len("A: b\n", 5), 5);
	assert_int_equal(dsn_header_len("\nbody", 5), 1);
	assert_int_equal(dsn_xtext_decode("a+2Bb+3Dc", &b), 0);
	assert_string_equal(b.s, "a+b=c");
	buf_reset(&b);
	assert_int_equal(dsn_xtext_decode("a+2", &b), -1);
	buf_reset(&b);
	assert_int_equal(dsn_xtext_decode("a+zz", &b), -1);
	buf_free(&b);
	dsn_date(0, date, sizeof(date));
	assert_string_equal(date, "Thu, 1 Jan 1970 00:00:00 +0000");
	assert_true(dsn_wanted(NULL, DSN_FAILED));
	assert_true(dsn_wanted(NULL, DSN_DELAYED));
	assert_false(dsn_wanted(NULL, DSN_DELIVERED));
	assert_false(dsn_wanted("NEVER", DSN_FAILED));
	assert_true(dsn_wanted("SUCCESS,FAILURE", DSN_FAILED));
	assert_true(dsn_wanted("success,failure", DSN_DELIVERED));
	assert_false(dsn_wanted("SUCCESS,FAILURE", DSN_DELAYED));
	assert_false(dsn_wanted("FAILURES", DSN_FAILED));
	assert_true(dsn_wanted("SUCCESS", DSN_RELAYED));
	assert_false(dsn_wanted(NULL, DSN_RELAYED));
}

/* Found by fuzzing: "<address>: diagnostic" in the text part passed
 * 998 octets with a long address and a long server reply. */
static void
test_no_line_over_998_octets(void **state)
{
	struct dsn	 d;
	struct dsn_rcpt	 r;
	struct buf	 b = BUF_INIT;
	char		 addr[400], diag[900];
	size_t		 i, col;

	memset(addr, 'a', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	memcpy(addr + 300, "@example.test", 14);
	memset(diag, 'x', sizeof(diag) - 1);
	diag[sizeof(diag) - 1] = '\0';
	memcpy(diag, "smtp; 550 ", 10);
	memset(&r, 0, sizeof(r));
	r.addr = addr;
	r.status = "5.0.0";
	r.diag = diag;
	base(&d);
	d.rcpt = &r;
	d.nrcpt = 1;
	assert_int_equal(dsn_build(&d, &b), 0);
	for (i = 0, col = 0; i < b.len; i++) {
		col = b.s[i] == '\n' ? 0 : col + 1;
		assert_true(col <= 998);
	}
	/* the short case keeps its one line */
	buf_reset(&b);
	base(&d);
	assert_int_equal(dsn_build(&d, &b), 0);
	has(&b, "<carol@example.test>: 5.4.6 mail loop\n");
	buf_free(&b);
}

/* A small xorshift: the same "random" inputs on every run. */
static unsigned int
rnd(unsigned int *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

static void
rnd_text(unsigned int *st, char *out, size_t max, int nul)
{
	static const char pick[] = "--=_posta-1\r\n\n;+:<>@ aZ\x80\xc3";
	size_t	 n = rnd(st) % max, i;

	for (i = 0; i < n; i++) {
		out[i] = (rnd(st) % 4) ? pick[rnd(st) % (sizeof(pick) - 1)] :
		    (char)rnd(st);
		if (out[i] == '\0' && !nul)
			out[i] = 'x';
	}
	out[n] = '\0';
}

static int
field_known(const char *line)
{
	static const char *names[] = { "Reporting-MTA:", "X-Posta-Queue-ID:",
	    "Original-Envelope-Id:", "Arrival-Date:", "Original-Recipient:",
	    "Final-Recipient:", "Action:", "Status:", "Remote-MTA:",
	    "Diagnostic-Code:", "Last-Attempt-Date:", "Will-Retry-Until:" };
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(line, names[i], strlen(names[i])) == 0)
			return 1;
	fail_msg("unexpected line in the report: %.40s", line);
	return 0;
}

/*
 * Random originals, diagnostics and addresses: the notice is always
 * built, its boundary never occurs in the original, and the parts end
 * with the closing delimiter, once, at the very end.
 */
static void
test_random_inputs_keep_the_structure(void **state)
{
	unsigned int	 st = 2463534242u;
	char		 o[512], diag[200], addr[80], bnd[160], close[170];
	struct dsn	 d;
	struct dsn_rcpt	 r;
	struct buf	 b = BUF_INIT;
	const char	*p, *e;
	int		 i;

	for (i = 0; i < 3000; i++) {
		rnd_text(&st, o, sizeof(o) - 1, 1);
		rnd_text(&st, diag, sizeof(diag) - 1, 0);
		rnd_text(&st, addr, sizeof(addr) - 1, 0);
		base(&d);
		d.orig = o;
		d.origlen = rnd(&st) % (sizeof(o) - 1);
		d.headers_only = rnd(&st) % 2;
		d.kind = (int)(rnd(&st) % 3);
		d.utf8 = rnd(&st) % 2;
		r = rcpts[0];
		r.diag = diag;
		r.addr = addr;
		d.rcpt = &r;
		d.nrcpt = 1;
		buf_reset(&b);
		assert_int_equal(dsn_build(&d, &b), 0);
		p = strstr(b.s, "boundary=\"");
		assert_non_null(p);
		p += 10;
		e = strchr(p, '"');
		assert_non_null(e);
		assert_true((size_t)(e - p) < sizeof(bnd));
		snprintf(bnd, sizeof(bnd), "%.*s", (int)(e - p), p);
		assert_null(memmem(d.orig, d.origlen, bnd, strlen(bnd)));
		snprintf(close, sizeof(close), "\n--%s--\n", bnd);
		assert_true(b.len > strlen(close));
		assert_memory_equal(b.s + b.len - strlen(close), close,
		    strlen(close));
		/* the delivery-status part has no line that input started */
		p = strstr(b.s, "delivery-status\n\n");
		assert_non_null(p);
		p += strlen("delivery-status\n\n");
		e = strstr(p, "\n\n--");
		assert_non_null(e);
		for (; p <= e; p = strchr(p, '\n') + 1)
			if (*p != '\n')
				assert_true(field_known(p));
	}
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failure_fields),
		cmocka_unit_test(test_headers_only),
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_boundary_in_message),
		cmocka_unit_test(test_no_field_injection),
		cmocka_unit_test(test_utf8_and_8bit),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_no_line_over_998_octets),
		cmocka_unit_test(test_random_inputs_keep_the_structure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
