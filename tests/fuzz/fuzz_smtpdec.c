/*
 * The DATA and BDAT decoder, fed in arbitrary chunks.  Checks the
 * promises of lib/smtp.h against a plain one-pass model of RFC 5321
 * 4.5.2 and 4.1.1.4 written here: the output is never longer than the
 * input, carries no CR and no LF that was not a CRLF, DATA ends only
 * at <CRLF>.<CRLF> (the start of the message counts as after a CRLF),
 * and the chunking changes nothing.  The Received: counter runs over
 * the output on the way.
 *
 * Input: 2 octets seed the chunk sizes, 1 octet picks DATA or BDAT and
 * the line bound, the rest is the wire.
 */
#include <string.h>

#include "smtp.h"
#include "fuzz.h"

struct model {
	int	 result;
	size_t	 used;		/* at the end: octets up to the final LF */
	size_t	 outlen;
	int	 toolong;
};

/* The whole input at once, the simple way. */
static void
model_run(const char *in, size_t n, int data, size_t maxline, char *out,
    struct model *m)
{
	size_t	 i = 0, o = 0, ls, col;

	memset(m, 0, sizeof(*m));
	m->result = SMTP_DEC_MORE;
	while (i < n) {
		ls = i;
		col = 0;
		if (data && in[i] == '.') {
			if (i + 1 < n && in[i + 1] == '\r') {
				if (i + 2 == n)
					break;	/* CR waiting */
				if (in[i + 2] == '\n') {
					m->result = SMTP_DEC_END;
					m->used = i + 3;
					m->outlen = o;
					if (maxline && 1 > maxline)
						m->toolong = 1;
					return;
				}
				m->result = SMTP_DEC_BARECR;
				m->used = i + 1;
				if (maxline && 1 > maxline)
					m->toolong = 1;
				m->outlen = o;
				return;
			}
			i++;	/* the stuffed dot */
			col++;
		}
		for (; i < n && in[i] != '\r' && in[i] != '\n'; i++) {
			out[o++] = in[i];
			col++;
		}
		if (maxline && col > maxline)
			m->toolong = 1;
		if (i == n)
			break;
		if (in[i] == '\n') {
			m->result = SMTP_DEC_BARELF;
			m->used = i;
			m->outlen = o;
			return;
		}
		/* CR */
		if (i + 1 == n)
			break;
		if (in[i + 1] != '\n') {
			m->result = SMTP_DEC_BARECR;
			m->used = i + 1;
			m->outlen = o;
			return;
		}
		out[o++] = '\n';
		i += 2;
		(void)ls;
	}
	m->used = n;
	m->outlen = o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_chunks	 ch;
	struct smtp_dec		 d;
	struct smtp_hdr		 h1, h2;
	struct model		 m;
	const char		*in;
	char			*out, *mout;
	size_t			 n, off = 0, o = 0, k, ol, used, i;
	size_t			 maxline;
	int			 mode, r = SMTP_DEC_MORE, isdata;

	fuzz_chunks_init(&ch, &data, &size, 64);
	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	in = (const char *)data;
	n = size;
	isdata = mode & 1;
	maxline = (mode >> 1) & 3 ? (size_t)((mode >> 1) & 0x7f) : 0;

	if ((out = malloc(n + 1)) == NULL || (mout = malloc(n + 1)) == NULL)
		abort();
	smtp_dec_init(&d, isdata ? SMTP_DEC_DATA : 0, maxline);
	smtp_hdr_init(&h1);
	while (off < n) {
		k = fuzz_chunks_next(&ch, n - off);
		r = smtp_dec_run(&d, in + off, k, out + o, &ol, &used);
		FUZZ_CHECK(used <= k);
		FUZZ_CHECK(ol <= used);
		smtp_hdr_scan(&h1, out + o, ol);
		o += ol;
		off += used;
		if (r != SMTP_DEC_MORE)
			break;
		FUZZ_CHECK(used == k);
	}
	/* sticky */
	if (r != SMTP_DEC_MORE)
		FUZZ_CHECK(smtp_dec_run(&d, in, n, mout, &ol, &used) == r &&
		    ol == 0 && used == 0);
	FUZZ_CHECK(o <= off);
	FUZZ_CHECK(memchr(out, '\r', o) == NULL);

	model_run(in, n, isdata, maxline, mout, &m);
	FUZZ_CHECK(r == m.result);
	FUZZ_CHECK(o == m.outlen);
	FUZZ_CHECK(memcmp(out, mout, o) == 0);
	if (r == SMTP_DEC_MORE || r == SMTP_DEC_END)
		FUZZ_CHECK(off == m.used);
	FUZZ_CHECK(d.toolong == m.toolong);
	if (r == SMTP_DEC_END) {
		FUZZ_CHECK(isdata);
		/* the end is ".\r\n" at the start of a line */
		FUZZ_CHECK(off >= 3 && memcmp(in + off - 3, ".\r\n", 3) == 0);
		FUZZ_CHECK(off == 3 || (off >= 5 &&
		    memcmp(in + off - 5, "\r\n", 2) == 0));
	}
	/* every LF in the output stands for a CRLF of the input */
	for (i = 0, k = 0; i < o; i++)
		if (out[i] == '\n')
			k++;
	for (i = 0, ol = 0; i + 1 < off; i++)
		if (in[i] == '\r' && in[i + 1] == '\n')
			ol++;
	FUZZ_CHECK(k <= ol);
	if (r == SMTP_DEC_MORE)
		FUZZ_CHECK(smtp_dec_finish(&d) == ((n > 0 && in[n - 1] == '\r') ?
		    SMTP_DEC_BARECR : SMTP_DEC_MORE));

	/* the Received: counter does not depend on the chunking either */
	smtp_hdr_init(&h2);
	smtp_hdr_scan(&h2, out, o);
	FUZZ_CHECK(h1.received == h2.received);
	free(out);
	free(mout);
	return 0;
}
