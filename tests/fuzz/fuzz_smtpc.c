/*
 * lib/smtpc, the SMTP client's pure pieces.  Checks the promises of
 * lib/smtpc.h:
 *
 * - replies: the input's lines fed one by one give codes 200..599, a
 *   text of printable ASCII, an enhanced code of the reply's class or
 *   none, a status of the form d.d.d; EHLO keywords parse without harm;
 * - the DATA encoder, fed in arbitrary chunks, gives the same octets as
 *   in one piece, and posta-smtpd's own decoder (lib/smtp) takes them
 *   back to the input with its line ends made LF, ending exactly at the
 *   final dot;
 * - the 8BITMIME downgrade leaves a message of 7-bit short lines as it
 *   is (unless a part of it is labelled 8bit or binary).
 *
 * Input: 2 octets seed the chunk sizes, the rest is the data.
 */
#include <ctype.h>
#include <string.h>

#include "buf.h"
#include "smtp.h"
#include "smtpc.h"
#include "fuzz.h"

static void
check_replies(const char *s, size_t n)
{
	struct smtpc_reply	 r;
	struct smtpc_ehlo	 x;
	const char		*nl, *end = s + n;
	char			 st[16];
	size_t			 i;
	int			 v;

	smtpc_reply_init(&r, 512);
	for (; s < end; s = nl + 1) {
		if ((nl = memchr(s, '\n', end - s)) == NULL)
			nl = end;
		v = smtpc_reply_feed(&r, s, nl + 1 <= end ? nl + 1 - s :
		    (size_t)(nl - s));
		if (v == SMTPC_MORE)
			continue;
		if (v == SMTPC_DONE) {
			FUZZ_CHECK(r.code >= 200 && r.code <= 599);
			FUZZ_CHECK(r.text.len <= 512);
			for (i = 0; i < r.text.len; i++)
				FUZZ_CHECK(r.text.s[i] >= 0x20 &&
				    r.text.s[i] <= 0x7e);
			FUZZ_CHECK(r.enh[0] == '\0' ||
			    r.enh[0] == '0' + r.code / 100);
			smtpc_reply_status(&r, st, sizeof(st));
			FUZZ_CHECK(isdigit((unsigned char)st[0]) &&
			    st[1] == '.' && strchr(st + 2, '.') != NULL);
			smtpc_ehlo_parse(&r, &x);
			FUZZ_CHECK(x.size >= 0);
		}
		smtpc_reply_reset(&r);
		if (nl == end)
			break;
	}
	smtpc_reply_free(&r);
}

/* The input with CRLF, a bare CR and a bare LF all made LF, ended by LF. */
static size_t
lf_form(const char *in, size_t n, char *out)
{
	size_t	 i, o = 0;

	for (i = 0; i < n; i++) {
		if (in[i] == '\r') {
			out[o++] = '\n';
			if (i + 1 < n && in[i + 1] == '\n')
				i++;
		} else
			out[o++] = in[i];
	}
	if (o > 0 && out[o - 1] != '\n')
		out[o++] = '\n';
	return o;
}

static void
check_encoder(const char *in, size_t n, struct fuzz_chunks *fc)
{
	struct smtpc_enc	 e;
	struct smtp_dec		 d;
	char			*whole, *part, *dec, *want;
	size_t			 wn = 0, pn = 0, off, k, dn, used, ln;

	whole = malloc(SMTPC_ENC_BOUND(n) + SMTPC_ENC_FINAL);
	part = malloc(SMTPC_ENC_BOUND(n) + SMTPC_ENC_FINAL);
	want = malloc(n + 1);
	FUZZ_CHECK(whole != NULL && part != NULL && want != NULL);
	smtpc_enc_init(&e);
	wn = smtpc_enc_update(&e, in, n, whole);
	wn += smtpc_enc_final(&e, whole + wn);
	smtpc_enc_init(&e);
	for (off = 0; off < n; off += k) {
		k = fuzz_chunks_next(fc, n - off);
		pn += smtpc_enc_update(&e, in + off, k, part + pn);
	}
	pn += smtpc_enc_final(&e, part + pn);
	FUZZ_CHECK(pn == wn && memcmp(part, whole, wn) == 0);
	FUZZ_CHECK(wn <= SMTPC_ENC_BOUND(n) + SMTPC_ENC_FINAL);

	/* what posta-smtpd makes of it is the input, line ends as LF */
	dec = malloc(wn + 1);
	FUZZ_CHECK(dec != NULL);
	smtp_dec_init(&d, SMTP_DEC_DATA, 0);
	FUZZ_CHECK(smtp_dec_run(&d, whole, wn, dec, &dn, &used) ==
	    SMTP_DEC_END);
	FUZZ_CHECK(used == wn);
	ln = lf_form(in, n, want);
	FUZZ_CHECK(dn == ln && memcmp(dec, want, ln) == 0);
	free(dec);
	free(want);
	free(part);
	free(whole);
}

static void
check_downgrade(const char *in, size_t n)
{
	struct buf	 out = BUF_INIT;
	const char	*nl, *p, *end = in + n;
	char		*copy;
	int		 plain = !smtpc_is_8bit(in, n, NULL);

	for (p = in; plain && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		if (nl - p > SMTPC_LINEMAX)
			plain = 0;
	}
	if (plain) {
		/* a part labelled 8bit or binary is relabelled 7bit */
		if ((copy = malloc(n + 1)) == NULL)
			abort();
		memcpy(copy, in, n);
		copy[n] = '\0';
		if (strcasestr(copy, "8bit") != NULL ||
		    strcasestr(copy, "binary") != NULL)
			plain = 0;
		free(copy);
	}
	FUZZ_CHECK(smtpc_downgrade(in, n, &out, 4) == 0);
	if (plain)
		FUZZ_CHECK(out.len == n && memcmp(out.s, in, n) == 0);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_chunks	 fc;

	fuzz_chunks_init(&fc, &data, &size, 64);
	check_replies((const char *)data, size);
	check_encoder((const char *)data, size, &fc);
	check_downgrade((const char *)data, size);
	return 0;
}
