/*
 * lib/smtpc, the SMTP client's parsers and encoder, on what a hostile
 * server sends and on any message:
 *  - smtpc_reply_feed() line by line: a whole reply has a code of
 *    200..599, its text is printable ASCII within the bound, its status
 *    an RFC 3463 "c.s.d"; smtpc_ehlo_parse() on it;
 *  - smtpc_enc_*() in arbitrary chunks, then posta-smtpd's own decoder
 *    (smtp_dec, DATA): the wire form ends exactly at the final
 *    <CRLF>.<CRLF> and decodes to the message with its line ends made
 *    LF (a bare CR is a line end) and a last LF added;
 *  - smtpc_downgrade() does not fail or run away.
 *
 * Input: 2 octets seed the chunk sizes, 1 octet chooses, the rest.
 */
#include <ctype.h>
#include <string.h>

#include "buf.h"
#include "smtp.h"
#include "smtpc.h"
#include "fuzz.h"

#define TEXTMAX	2048

static void
check_status(const char *st, int code)
{
	int	 a, b, c, n = 0;

	FUZZ_CHECK(sscanf(st, "%d.%d.%d%n", &a, &b, &c, &n) == 3);
	FUZZ_CHECK(st[n] == '\0');
	/* RFC 3463 2: classes 2, 4, 5; another reply class is temporary */
	FUZZ_CHECK(a == (code / 100 == 2 || code / 100 == 5 ? code / 100 : 4));
	FUZZ_CHECK(b >= 0 && b <= 999 && c >= 0 && c <= 999);
}

static void
fuzz_replies(const char *s, size_t n)
{
	struct smtpc_reply	 r;
	struct smtpc_ehlo	 x;
	const char		*p = s, *e = s + n, *nl;
	char			 st[32];
	size_t			 i, ll;
	int			 k;

	smtpc_reply_init(&r, TEXTMAX);
	while (p < e) {
		nl = memchr(p, '\n', (size_t)(e - p));
		ll = nl ? (size_t)(nl - p) + 1 : (size_t)(e - p);
		k = smtpc_reply_feed(&r, p, ll);
		p += ll;
		if (k == SMTPC_MORE)
			continue;
		if (k == SMTPC_DONE) {
			FUZZ_CHECK(r.code >= 200 && r.code <= 599);
			FUZZ_CHECK(r.nlines > 0);
			FUZZ_CHECK(r.text.len <= TEXTMAX);
			for (i = 0; i < r.text.len; i++)
				FUZZ_CHECK(r.text.s[i] >= 32 &&
				    r.text.s[i] < 127);
			smtpc_reply_status(&r, st, sizeof(st));
			check_status(st, r.code);
			if (r.enh[0] != '\0')
				FUZZ_CHECK(r.enh[0] - '0' == r.code / 100);
			memset(&x, 0, sizeof(x));
			smtpc_ehlo_parse(&r, &x);
			FUZZ_CHECK(x.size >= 0);
		}
		smtpc_reply_reset(&r);
	}
	smtpc_reply_free(&r);
}

static void
fuzz_data(const char *m, size_t n, struct fuzz_chunks *ch)
{
	struct smtpc_enc	 e;
	struct smtp_dec		 d;
	char			*wire, *dec, *want, *tmp;
	size_t			 wl = 0, off, k, w, ol, used, i, o = 0;

	wire = malloc(SMTPC_ENC_BOUND(n) + SMTPC_ENC_FINAL);
	smtpc_enc_init(&e);
	for (off = 0; off < n; off += k) {
		k = fuzz_chunks_next(ch, n - off);
		tmp = malloc(SMTPC_ENC_BOUND(k));
		w = smtpc_enc_update(&e, m + off, k, tmp);
		FUZZ_CHECK(w <= SMTPC_ENC_BOUND(k));
		memcpy(wire + wl, tmp, w);
		wl += w;
		free(tmp);
	}
	tmp = malloc(SMTPC_ENC_FINAL);
	w = smtpc_enc_final(&e, tmp);
	FUZZ_CHECK(w <= SMTPC_ENC_FINAL);
	memcpy(wire + wl, tmp, w);
	wl += w;
	free(tmp);

	dec = malloc(wl + 1);
	smtp_dec_init(&d, SMTP_DEC_DATA, 0);
	FUZZ_CHECK(smtp_dec_run(&d, wire, wl, dec, &ol, &used) ==
	    SMTP_DEC_END);
	FUZZ_CHECK(used == wl);

	want = malloc(n + 2);
	for (i = 0; i < n; i++) {
		if (m[i] == '\r' && i + 1 < n && m[i + 1] == '\n')
			continue;
		want[o++] = m[i] == '\r' ? '\n' : m[i];
	}
	if (o > 0 && want[o - 1] != '\n')
		want[o++] = '\n';
	if (ol != o || memcmp(dec, want, o) != 0) {
		fprintf(stderr, "wire: [%.*s]\n", (int)wl, wire);
		abort();
	}
	free(want);
	free(dec);
	free(wire);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_chunks	 ch;
	struct buf		 out = BUF_INIT;
	const char		*s;
	unsigned long long	 lines = 0;
	int			 what;

	fuzz_chunks_init(&ch, &data, &size, 100);
	if (size < 1)
		return 0;
	what = data[0];
	s = (const char *)data + 1;
	size--;
	switch (what % 3) {
	case 0:
		fuzz_replies(s, size);
		break;
	case 1:
		fuzz_data(s, size, &ch);
		break;
	default:
		(void)smtpc_is_8bit(s, size, &lines);
		FUZZ_CHECK(smtpc_downgrade(s, size, &out, 1 + what / 3 % 8)
		    == 0);
		FUZZ_CHECK(out.len <= 4 * size + 4096);
		buf_free(&out);
		break;
	}
	return 0;
}
