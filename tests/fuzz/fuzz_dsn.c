/*
 * lib/dsn: the notices the queue runner sends, built from what others
 * chose: a remote server's diagnostic text and host name, the
 * recipient, ORCPT and ENVID as given at RCPT and MAIL, the original
 * message.  Checks that the notice is whole MIME lines: the header and
 * the message/delivery-status part are "Name: value" fields and folds
 * only (nothing a diagnostic says can start a field or a part of its
 * own), no line passes 998 octets, the boundary delimits exactly the
 * three parts.
 *
 * Input: NUL-separated diag, remote host, recipient, ORCPT, ENVID,
 * then the original message; the first octet picks the kind and the
 * options.
 */
#include <string.h>

#include "buf.h"
#include "dsn.h"
#include "fuzz.h"

#define BOUNDARY	"=_posta-fuzz-boundary"

static const char *
piece(const char **p, const char *e)
{
	const char	*s = *p, *z;

	if (s >= e)
		return "";
	if ((z = memchr(s, '\0', (size_t)(e - s))) == NULL) {
		*p = e;
		return NULL;	/* the rest is the message */
	}
	*p = z + 1;
	return s;
}

/* A header section (or the status part's groups): fields and folds. */
static void
check_fields(const char *s, size_t n)
{
	size_t	 i, j, k;

	for (i = 0; i < n; i = j + 1) {
		for (j = i; j < n && s[j] != '\n'; j++)
			FUZZ_CHECK(s[j] != '\r' && s[j] != '\0');
		if (j == i)
			continue;	/* between groups */
		if (s[i] == ' ' || s[i] == '\t')
			continue;	/* a fold */
		for (k = i; k < j && s[k] != ':'; k++)
			FUZZ_CHECK(s[k] > ' ' && s[k] < 127);
		FUZZ_CHECK(k < j && k > i);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p, *e, *diag, *mta, *addr, *orcpt, *envid, *orig;
	struct dsn	 d;
	struct dsn_rcpt	 r[2];
	struct buf	 b = BUF_INIT;
	size_t		 i, j, hl, col, nb = 0, bl = strlen(BOUNDARY);
	size_t		 part[4];
	int		 opt;

	if (size < 1)
		return 0;
	opt = data[0];
	p = (const char *)data + 1;
	e = (const char *)data + size;
	diag = piece(&p, e);
	mta = diag ? piece(&p, e) : NULL;
	addr = mta ? piece(&p, e) : NULL;
	orcpt = addr ? piece(&p, e) : NULL;
	envid = orcpt ? piece(&p, e) : NULL;
	orig = p;
	if (memmem(orig, (size_t)(e - orig), BOUNDARY, bl) != NULL)
		return 0;	/* the caller picks a boundary not in it */

	memset(&d, 0, sizeof(d));
	memset(r, 0, sizeof(r));
	r[0].addr = addr && *addr ? addr : "bob@example.test";
	r[0].orcpt = orcpt && *orcpt ? orcpt : NULL;
	r[0].status = opt & 0x10 ? "4.4.1" : "5.1.1";
	r[0].diag = diag;
	r[0].remote_mta = mta;
	r[0].last_attempt = opt & 0x20 ? 1700000100 : 0;
	r[1].addr = "carol@example.test";
	r[1].status = "5.0.0";
	r[1].diag = "smtp; 550 no";
	d.kind = opt % 3;
	d.reporting_mta = "mail.example.test";
	d.from = "MAILER-DAEMON@mail.example.test";
	d.to = "alice@example.test";
	d.msgid = "1700000200.ABC@mail.example.test";
	d.boundary = BOUNDARY;
	d.queue_id = "ABC";
	d.envid = envid && *envid ? envid : NULL;
	d.now = 1700000200;
	d.arrival = 1700000000;
	d.retry_until = opt & 0x40 ? 1700400000 : 0;
	d.headers_only = (opt >> 2) & 1;
	d.utf8 = (opt >> 3) & 1;
	d.orig = orig;
	d.origlen = (size_t)(e - orig);
	d.rcpt = r;
	d.nrcpt = opt & 0x80 ? 2 : 1;
	if (dsn_build(&d, &b) == -1)
		abort();
	FUZZ_CHECK(b.len > 0 && b.s[b.len - 1] == '\n');

	/* where the delimiters are */
	for (i = 0; i < b.len; i++)
		if ((i == 0 || b.s[i - 1] == '\n') && b.len - i >= bl + 2 &&
		    b.s[i] == '-' && b.s[i + 1] == '-' &&
		    memcmp(b.s + i + 2, BOUNDARY, bl) == 0) {
			FUZZ_CHECK(nb < 4);
			part[nb++] = i;
		}
	FUZZ_CHECK(nb == 4);
	FUZZ_CHECK(b.len - part[3] >= bl + 4 &&
	    memcmp(b.s + part[3] + 2 + bl, "--", 2) == 0);
	/* lines within 998 octets, but the original's own */
	for (i = 0, col = 0; i < b.len; i++) {
		if (b.s[i] == '\n')
			col = 0;
		else if (++col > 998 && !(i > part[2] && i < part[3])) {
			fprintf(stderr, "line over 998 octets: %.80s...\n",
			    b.s + i + 1 - col);
			abort();
		}
	}
	/* the notice's header, and the status part's fields */
	hl = dsn_header_len(b.s, b.len);
	FUZZ_CHECK(hl > 0 && hl <= part[0]);
	check_fields(b.s, hl);
	for (j = part[1]; j < part[2] && b.s[j] != '\n'; j++)
		;
	check_fields(b.s + j + 1, part[2] - j - 1);
	buf_free(&b);
	return 0;
}
