/*
 * lib/pop3, the POP3 server's parser and RETR/TOP encoder.
 *  - pop3_parse(): what it accepts has bounded, CR- and NUL-free
 *    arguments and numbers within POP3_NUMMAX;
 *  - pop3_enc_*() in arbitrary chunks: the terminating CRLF "." CRLF
 *    comes only at the end, the reply un-stuffed is the message with
 *    CRLF line ends (and a last one added), of S + L + dots + end
 *    octets; TOP gives a prefix of that at a line boundary, the header
 *    and at most n body lines.
 *
 * Input: 2 octets seed the chunks, 1 octet chooses (and TOP's n), the
 * rest.
 */
#include <string.h>

#include "pop3.h"
#include "fuzz.h"

static void
fuzz_parse(const char *s, size_t n)
{
	struct pop3_cmd	 c;
	const char	*why = NULL;
	long		 k;
	int		 i;

	if (pop3_parse(s, n, &c, &why) == POP3_OK) {
		FUZZ_CHECK(c.verb != POP3_NONE);
		FUZZ_CHECK(c.nargs >= 0 && c.nargs <= 2);
		FUZZ_CHECK(memchr(c.arg, '\0', sizeof(c.arg)) != NULL);
		FUZZ_CHECK(memchr(c.arg2, '\0', sizeof(c.arg2)) != NULL);
		FUZZ_CHECK(strchr(c.arg, '\r') == NULL &&
		    strchr(c.arg, '\n') == NULL);
		FUZZ_CHECK(strchr(c.arg2, '\r') == NULL &&
		    strchr(c.arg2, '\n') == NULL);
		for (i = 0; i < c.nargs && i < 2; i++)
			FUZZ_CHECK(c.num[i] >= 0 && c.num[i] <= POP3_NUMMAX);
		FUZZ_CHECK(strlen(pop3_verb_name(c.verb)) > 0);
	} else
		FUZZ_CHECK(why != NULL);
	k = pop3_sasl_line(s, n);
	FUZZ_CHECK(k == -1 || k == POP3_SASL_CANCEL ||
	    (k >= 0 && (size_t)k < n));
}

/* RFC 1939 3 as a client reads it: the lines up to ".", un-stuffed,
 * CRLF as LF.  Returns the length written to out. */
static size_t
client_read(const char *w, size_t wl, char *out)
{
	size_t	 i = 0, o = 0, e;

	for (;;) {
		/* one CRLF line */
		for (e = i; e + 1 < wl && !(w[e] == '\r' && w[e + 1] == '\n');
		    e++)
			;
		FUZZ_CHECK(e + 1 < wl);	/* every line ends in CRLF */
		if (e - i == 1 && w[i] == '.') {
			FUZZ_CHECK(e + 2 == wl);	/* the end, and only there */
			return o;
		}
		if (w[i] == '.') {
			FUZZ_CHECK(e > i + 1 && w[i + 1] == '.');
			i++;
		}
		memcpy(out + o, w + i, e - i);
		o += e - i;
		out[o++] = '\n';
		i = e + 2;
	}
}

static size_t
encode(const char *m, size_t n, long lines, struct fuzz_chunks ch, char *w)
{
	struct pop3_enc	 e;
	char		*tmp;
	size_t		 off, k, x, wl = 0;

	pop3_enc_init(&e, lines);
	for (off = 0; off < n; off += k) {
		k = fuzz_chunks_next(&ch, n - off);
		tmp = malloc(POP3_ENC_BOUND(k) ? POP3_ENC_BOUND(k) : 1);
		x = pop3_enc_update(&e, m + off, k, tmp);
		FUZZ_CHECK(x <= POP3_ENC_BOUND(k));
		memcpy(w + wl, tmp, x);
		wl += x;
		free(tmp);
	}
	tmp = malloc(POP3_ENC_FINAL);
	x = pop3_enc_final(&e, tmp);
	FUZZ_CHECK(x <= POP3_ENC_FINAL);
	memcpy(w + wl, tmp, x);
	wl += x;
	free(tmp);
	return wl;
}

static void
fuzz_enc(const char *m, size_t n, long top, const struct fuzz_chunks *ch)
{
	char	*w, *got, *want, *tw, *tgot;
	size_t	 wl, gl, o = 0, i, lf = 0, dots = 0, tl, tgl, body = 0, j;
	int	 hdr;

	w = malloc(2 * n + POP3_ENC_FINAL);
	wl = encode(m, n, -1, *ch, w);
	got = malloc(wl + 1);
	gl = client_read(w, wl, got);
	/* the message with its line ends made CRLF, as a client sees it */
	want = malloc(n + 2);
	for (i = 0; i < n; i++) {
		if (m[i] == '\r' && i + 1 < n && m[i + 1] == '\n')
			continue;
		want[o++] = m[i];
	}
	if (n > 0 && m[n - 1] != '\n') {
		if (m[n - 1] == '\r')
			o--;	/* its CR and the added LF are a CRLF */
		want[o++] = '\n';
	}
	FUZZ_CHECK(gl == o && memcmp(got, want, o) == 0);
	/* S + L (+ dots, + the end): the W= size of the Maildir name */
	for (i = 0; i < n; i++) {
		if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r'))
			lf++;
		if (m[i] == '.' && (i == 0 || m[i - 1] == '\n'))
			dots++;
	}
	if (n > 0 && m[n - 1] != '\n')
		FUZZ_CHECK(wl == n + lf + dots + (m[n - 1] == '\r' ? 1 : 2) + 3);
	else
		FUZZ_CHECK(wl == n + lf + dots + 3);

	/* TOP top: a prefix at a line boundary, header + at most top lines */
	tw = malloc(2 * n + POP3_ENC_FINAL);
	tl = encode(m, n, top, *ch, tw);
	tgot = malloc(tl + 1);
	tgl = client_read(tw, tl, tgot);
	FUZZ_CHECK(tgl <= gl && memcmp(tgot, got, tgl) == 0);
	FUZZ_CHECK(tgl == gl || tgl == 0 || tgot[tgl - 1] == '\n');
	for (i = 0, hdr = 1; i < tgl; i = j + 1) {
		for (j = i; tgot[j] != '\n'; j++)
			;
		if (!hdr)
			body++;
		else if (j == i)
			hdr = 0;
	}
	FUZZ_CHECK(body <= (size_t)top);
	free(tw);
	free(tgot);
	free(w);
	free(got);
	free(want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_chunks	 ch;
	int			 what;

	fuzz_chunks_init(&ch, &data, &size, 100);
	if (size < 1)
		return 0;
	what = data[0];
	if (what & 1)
		fuzz_parse((const char *)data + 1, size - 1);
	else
		fuzz_enc((const char *)data + 1, size - 1, what >> 1, &ch);
	return 0;
}
