/*
 * Unit tests for lib/pop3.c: the POP3 command parser, the AUTH
 * continuation check and the RETR/TOP encoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pop3.h"

static int
parse(const char *line, struct pop3_cmd *c)
{
	const char	*why;

	return pop3_parse(line, strlen(line), c, &why);
}

static void
test_verbs(void **state)
{
	struct pop3_cmd	 c;

	assert_int_equal(parse("stat\r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_STAT);
	assert_int_equal(c.nargs, 0);
	assert_int_equal(parse("Capa\r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_CAPA);
	assert_int_equal(parse("STLS\r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_STLS);
	assert_int_equal(parse("NOOP\r\n", &c), POP3_OK);
	assert_int_equal(parse("RSET\r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_RSET);
	assert_int_equal(parse("QUIT\r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_QUIT);
	assert_int_equal(parse("XTND XMIT\r\n", &c), POP3_EUNKNOWN);
	assert_int_equal(parse("STATS\r\n", &c), POP3_EUNKNOWN);
	assert_int_equal(parse("STA\r\n", &c), POP3_EUNKNOWN);
	assert_int_equal(parse("\r\n", &c), POP3_EUNKNOWN);
	assert_int_equal(parse(" STAT\r\n", &c), POP3_EUNKNOWN);
	assert_int_equal(parse("STAT 1\r\n", &c), POP3_ESYNTAX);
	assert_int_equal(parse("QUIT now\r\n", &c), POP3_ESYNTAX);
	assert_string_equal(pop3_verb_name(POP3_UIDL), "UIDL");
}

static void
test_numbers(void **state)
{
	struct pop3_cmd	 c;

	assert_int_equal(parse("LIST\r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_LIST);
	assert_int_equal(c.nargs, 0);
	assert_int_equal(parse("list 7\r\n", &c), POP3_OK);
	assert_int_equal(c.nargs, 1);
	assert_int_equal(c.num[0], 7);
	assert_int_equal(parse("UIDL 0012\r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_UIDL);
	assert_int_equal(c.num[0], 12);
	assert_int_equal(parse("RETR 1\r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_RETR);
	assert_int_equal(c.num[0], 1);
	assert_int_equal(parse("DELE 999999999\r\n", &c), POP3_OK);
	assert_int_equal(c.num[0], 999999999L);
	assert_int_equal(parse("DELE 1000000000\r\n", &c), POP3_ESYNTAX);
	assert_int_equal(parse("DELE 99999999999999999999999\r\n", &c),
	    POP3_ESYNTAX);
	assert_int_equal(parse("RETR\r\n", &c), POP3_ESYNTAX);
	assert_int_equal(parse("RETR -1\r\n", &c), POP3_ESYNTAX);
	assert_int_equal(parse("RETR +1\r\n", &c), POP3_ESYNTAX);
	assert_int_equal(parse("RETR 1x\r\n", &c), POP3_ESYNTAX);
	assert_int_equal(parse("RETR 1 2\r\n", &c), POP3_ESYNTAX);
	assert_int_equal(parse("LIST 1 2\r\n", &c), POP3_ESYNTAX);
	/* zero parses; the session says there is no such message */
	assert_int_equal(parse("RETR 0\r\n", &c), POP3_OK);
	assert_int_equal(c.num[0], 0);
	assert_int_equal(parse("TOP 3 0\r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_TOP);
	assert_int_equal(c.num[0], 3);
	assert_int_equal(c.num[1], 0);
	assert_int_equal(parse("TOP 3\r\n", &c), POP3_ESYNTAX);
	assert_int_equal(parse("TOP 3 10 1\r\n", &c), POP3_ESYNTAX);
	/* lenient: runs of spaces and trailing spaces */
	assert_int_equal(parse("TOP  3   10  \r\n", &c), POP3_OK);
	assert_int_equal(c.num[1], 10);
	assert_int_equal(parse("STAT \r\n", &c), POP3_OK);
}

static void
test_user_pass(void **state)
{
	struct pop3_cmd	 c;
	char		 big[POP3_ARGMAX + 16];

	assert_int_equal(parse("USER alice@example.test\r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_USER);
	assert_string_equal(c.arg, "alice@example.test");
	assert_int_equal(parse("USER\r\n", &c), POP3_ESYNTAX);
	assert_int_equal(parse("USER a b\r\n", &c), POP3_ESYNTAX);
	/* RFC 1939 7: the password is the rest of the line */
	assert_int_equal(parse("PASS  two  words \r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_PASS);
	assert_string_equal(c.arg, " two  words ");
	assert_int_equal(parse("pass posta\r\n", &c), POP3_OK);
	assert_string_equal(c.arg, "posta");
	assert_int_equal(parse("PASS \r\n", &c), POP3_OK);
	assert_string_equal(c.arg, "");
	assert_int_equal(parse("PASS\r\n", &c), POP3_ESYNTAX);
	assert_int_equal(parse("PASSWORD x\r\n", &c), POP3_EUNKNOWN);
	memcpy(big, "USER ", 5);
	memset(big + 5, 'a', POP3_ARGMAX);
	memcpy(big + 5 + POP3_ARGMAX, "\r\n", 3);
	assert_int_equal(parse(big, &c), POP3_ESYNTAX);
	memcpy(big, "PASS ", 5);
	assert_int_equal(parse(big, &c), POP3_ESYNTAX);
	big[5 + POP3_ARGMAX - 1] = '\r';
	big[5 + POP3_ARGMAX] = '\n';
	big[5 + POP3_ARGMAX + 1] = '\0';
	assert_int_equal(parse(big, &c), POP3_OK);
	assert_int_equal(strlen(c.arg), POP3_ARGMAX - 1);
}

static void
test_auth(void **state)
{
	struct pop3_cmd	 c;

	assert_int_equal(parse("AUTH\r\n", &c), POP3_OK);
	assert_int_equal(c.verb, POP3_AUTH);
	assert_int_equal(c.nargs, 0);
	assert_int_equal(parse("AUTH PLAIN\r\n", &c), POP3_OK);
	assert_int_equal(c.nargs, 1);
	assert_string_equal(c.arg, "PLAIN");
	assert_int_equal(parse("AUTH PLAIN AGFsaWNlAHBvc3Rh\r\n", &c), POP3_OK);
	assert_int_equal(c.nargs, 2);
	assert_string_equal(c.arg2, "AGFsaWNlAHBvc3Rh");
	assert_int_equal(parse("AUTH PLAIN =\r\n", &c), POP3_OK);
	assert_string_equal(c.arg2, "=");
	assert_int_equal(parse("AUTH PLAIN a b\r\n", &c), POP3_ESYNTAX);
	assert_int_equal(parse("APOP alice 0123456789abcdef\r\n", &c),
	    POP3_OK);
	assert_int_equal(c.verb, POP3_APOP);
}

/* RFC 1939 3: CRLF ends a command; no CR, LF or NUL inside one. */
static void
test_bare(void **state)
{
	struct pop3_cmd	 c;
	const char	*why;

	assert_int_equal(parse("STAT\n", &c), POP3_OK);
	assert_int_equal(parse("STAT\r", &c), POP3_EBARE);
	assert_int_equal(parse("STAT", &c), POP3_EBARE);
	assert_int_equal(parse("ST\rAT\r\n", &c), POP3_EBARE);
	assert_int_equal(parse("STAT\r\r\n", &c), POP3_EBARE);
	assert_int_equal(pop3_parse("STAT\n\r\n", 7, &c, &why), POP3_EBARE);
	assert_int_equal(pop3_parse("USER a\0b\r\n", 10, &c, &why),
	    POP3_EBARE);
	assert_int_equal(pop3_parse("PASS a\0b\r\n", 10, &c, &why),
	    POP3_EBARE);
	assert_int_equal(pop3_parse("", 0, &c, &why), POP3_EBARE);
	assert_true(why[0] != '\0');
}

static void
test_sasl_line(void **state)
{
	assert_int_equal(pop3_sasl_line("AGEAYg==\r\n", 10), 8);
	assert_int_equal(pop3_sasl_line("AGEAYg==\n", 9), 8);
	assert_int_equal(pop3_sasl_line("*\r\n", 3), POP3_SASL_CANCEL);
	assert_int_equal(pop3_sasl_line("\r\n", 2), 0);
	assert_int_equal(pop3_sasl_line("AG\rE\r\n", 6), -1);
	assert_int_equal(pop3_sasl_line("AGE", 3), -1);
	assert_int_equal(pop3_sasl_line("A\0E\r\n", 5), -1);
}

/* Encode a whole message in chunks of step octets. */
static char *
encode(const char *msg, long lines, size_t step)
{
	struct pop3_enc	 e;
	size_t		 len = strlen(msg), i, n, o = 0;
	char		*out;

	out = malloc(POP3_ENC_BOUND(len) + POP3_ENC_FINAL + 1);
	assert_non_null(out);
	pop3_enc_init(&e, lines);
	for (i = 0; i < len; i += n) {
		n = len - i < step ? len - i : step;
		o += pop3_enc_update(&e, msg + i, n, out + o);
	}
	o += pop3_enc_final(&e, out + o);
	out[o] = '\0';
	return out;
}

static void
check(const char *msg, long lines, const char *want)
{
	size_t	 steps[] = { 1, 2, 3, 7, 4096 }, i;
	char	*got;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		got = encode(msg, lines, steps[i]);
		assert_string_equal(got, want);
		free(got);
	}
}

static void
test_enc_retr(void **state)
{
	check("Subject: x\n\nbody\n", -1, "Subject: x\r\n\r\nbody\r\n.\r\n");
	/* RFC 1939 3: byte-stuffing, at the start of a line only */
	check("A: b\n\n.\n..x\na.b\n.", -1,
	    "A: b\r\n\r\n..\r\n...x\r\na.b\r\n..\r\n.\r\n");
	check(".hdr: x\n\n", -1, "..hdr: x\r\n\r\n.\r\n");
	/* an unterminated last line gets its CRLF */
	check("A: b\n\nno end", -1, "A: b\r\n\r\nno end\r\n.\r\n");
	check("", -1, ".\r\n");
	/* a stored CRLF stays; a lone CR is data */
	check("A: b\r\n\r\nx\n", -1, "A: b\r\n\r\nx\r\n.\r\n");
	check("A: b\n\nx\ry\n", -1, "A: b\r\n\r\nx\ry\r\n.\r\n");
	check("A: b\n\nx\r", -1, "A: b\r\n\r\nx\r\n.\r\n");
	/* bytes above 127 and NUL pass through */
	check("A: \xc3\xa9\n\n\x01z\n", -1,
	    "A: \xc3\xa9\r\n\r\n\x01z\r\n.\r\n");
}

static void
test_enc_sizes(void **state)
{
	/* wire octets, unstuffed and without ".CRLF", are S + L */
	const char	*msg = "From: a\nTo: b\n\nline\n\nlast\n";
	char		*got = encode(msg, -1, 5);
	size_t		 lf = 0, i;

	for (i = 0; msg[i]; i++)
		lf += msg[i] == '\n';
	assert_int_equal(strlen(got) - 3, strlen(msg) + lf);
	free(got);
}

static void
test_enc_top(void **state)
{
	const char	*msg = "From: a\nSubject: s\n\none\n.two\nthree\n";

	check(msg, 0, "From: a\r\nSubject: s\r\n\r\n.\r\n");
	check(msg, 1, "From: a\r\nSubject: s\r\n\r\none\r\n.\r\n");
	check(msg, 2, "From: a\r\nSubject: s\r\n\r\none\r\n..two\r\n.\r\n");
	check(msg, 3, "From: a\r\nSubject: s\r\n\r\none\r\n..two\r\nthree\r\n"
	    ".\r\n");
	check(msg, 50, "From: a\r\nSubject: s\r\n\r\none\r\n..two\r\nthree\r\n"
	    ".\r\n");
	/* empty body lines count as lines */
	check("A: b\n\n\n\nx\n", 2, "A: b\r\n\r\n\r\n\r\n.\r\n");
	/* no blank line: all of it is header */
	check("A: b\nC: d\n", 0, "A: b\r\nC: d\r\n.\r\n");
	check("A: b\nC: d", 0, "A: b\r\nC: d\r\n.\r\n");
	/* an empty header section */
	check("\nbody\nmore\n", 1, "\r\nbody\r\n.\r\n");
	check("A: b\n\nlast", 1, "A: b\r\n\r\nlast\r\n.\r\n");
	/* a stored CRLF blank line ends the header too */
	check("A: b\r\n\r\none\r\ntwo\r\n", 1,
	    "A: b\r\n\r\none\r\n.\r\n");
}

/* A fixed pseudo-random sequence: the same inputs every run. */
static unsigned long
next_rand(unsigned long *x)
{
	*x = *x * 6364136223846793005UL + 1442695040888963407UL;
	return *x >> 33;
}

/*
 * Random messages of '.', 'a', LF (no CR): the RETR encoding stays in
 * its bound, ends with ".CRLF" on a line of its own, and unstuffed with
 * CRLF back to LF gives the message again (with a last LF added when
 * it had none).
 */
static void
test_enc_roundtrip(void **state)
{
	const char	 alpha[] = ".a\n";
	struct pop3_enc	 e;
	unsigned long	 x = 7;
	char		 msg[200], out[POP3_ENC_BOUND(200) + POP3_ENC_FINAL];
	char		 back[400];
	size_t		 len, o, i, b, step;
	int		 round, bol;

	for (round = 0; round < 2000; round++) {
		len = next_rand(&x) % sizeof(msg);
		for (i = 0; i < len; i++)
			msg[i] = alpha[next_rand(&x) % 3];
		step = 1 + next_rand(&x) % 16;
		pop3_enc_init(&e, -1);
		for (i = o = 0; i < len; i += step)
			o += pop3_enc_update(&e, msg + i,
			    len - i < step ? len - i : step, out + o);
		assert_true(o <= POP3_ENC_BOUND(len));
		o += pop3_enc_final(&e, out + o);
		assert_true(o >= 3);
		assert_memory_equal(out + o - 3, ".\r\n", 3);
		assert_true(o == 3 || (out[o - 5] == '\r' && out[o - 4] == '\n'));
		/* undo: drop ".CRLF", a stuffed dot, and each CR */
		for (i = b = 0, bol = 1; i < o - 3; i++) {
			if (bol && out[i] == '.') {
				assert_int_equal(out[i + 1], '.');
				i++;
			}
			if (out[i] == '\r') {
				assert_int_equal(out[i + 1], '\n');
				continue;
			}
			back[b++] = out[i];
			bol = out[i] == '\n';
		}
		if (len > 0 && msg[len - 1] != '\n')
			msg[len++] = '\n';
		assert_int_equal(b, len);
		assert_memory_equal(back, msg, len);
	}
}

/* Random lines: the parser never reads past them and always decides. */
static void
test_parse_random(void **state)
{
	const char	*words[] = { "USER", "PASS", "TOP", "LIST", "AUTH",
	    "uidl", "QUIT", "1", "0", " ", "  ", "\r", "\n", "\0", "x",
	    "999999999", "9999999999", "=" };
	struct pop3_cmd	 c;
	const char	*why;
	unsigned long	 x = 11;
	char		*line;
	size_t		 len, w;
	int		 round, n, r;

	for (round = 0; round < 5000; round++) {
		line = malloc(64);
		assert_non_null(line);
		len = 0;
		n = (int)(next_rand(&x) % 6);
		while (n-- > 0) {
			w = next_rand(&x) % (sizeof(words) / sizeof(words[0]));
			if (len + strlen(words[w]) + 1 > 62)
				break;
			memcpy(line + len, words[w], strlen(words[w]) + 1);
			len += words[w][0] == '\0' ? 1 : strlen(words[w]);
		}
		if (next_rand(&x) % 4 != 0) {
			line[len++] = '\r';
			line[len++] = '\n';
		}
		r = pop3_parse(line, len, &c, &why);
		assert_true(r == POP3_OK || r == POP3_EBARE ||
		    r == POP3_EUNKNOWN || r == POP3_ESYNTAX);
		assert_non_null(why);
		if (r == POP3_OK) {
			assert_true(c.verb != POP3_NONE);
			assert_true(strlen(c.arg) < POP3_ARGMAX);
			assert_true(c.num[0] <= POP3_NUMMAX &&
			    c.num[1] <= POP3_NUMMAX);
		}
		free(line);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_user_pass),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_bare),
		cmocka_unit_test(test_sasl_line),
		cmocka_unit_test(test_enc_retr),
		cmocka_unit_test(test_enc_sizes),
		cmocka_unit_test(test_enc_top),
		cmocka_unit_test(test_enc_roundtrip),
		cmocka_unit_test(test_parse_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
