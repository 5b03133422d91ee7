/*
 * mime-encode's header writers (cmd/mime-encode/hdr.c).  Whatever the
 * text, a written field is whole lines, every line end but the last is
 * a fold (followed by white space, so nothing can start a field of its
 * own), no line passes 998 octets, and it reads back:
 *  - hdr_mailboxes() + hdr_addresses(): addrlist_parse() of the field
 *    finds the same addresses in the same order;
 *  - hdr_unstructured(): unfolded and RFC 2047-decoded, the value;
 *  - hdr_param(): the RFC 2045 / RFC 2231 parameter decodes (here) to
 *    the value, on lines within 78 columns.
 *
 * Input: 1 octet choosing the writer, then the text (up to a NUL).
 */
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "enc.h"
#include "mime-encode/hdr.h"
#include "fuzz.h"

/* Whole lines, folded, within max octets; returns the field unfolded. */
static char *
check_field(const struct buf *b, size_t max)
{
	struct buf	 u = BUF_INIT;
	size_t		 i, col = 0;

	FUZZ_CHECK(b->len > 0 && b->s[b->len - 1] == '\n');
	for (i = 0; i < b->len; i++) {
		FUZZ_CHECK(b->s[i] != '\r' && b->s[i] != '\0');
		if (b->s[i] == '\n') {
			FUZZ_CHECK(i + 1 == b->len || b->s[i + 1] == ' ' ||
			    b->s[i + 1] == '\t');
			col = 0;
			continue;
		}
		FUZZ_CHECK(++col <= max);
		if (buf_addc(&u, b->s[i]) == -1)
			abort();
	}
	if (buf_addc(&u, '\0') == -1)
		abort();
	return buf_steal(&u);
}

struct expect {
	const struct mailbox	*mb;
	size_t			 n, i;
};

static int
expect_addr(void *arg, const char *spec)
{
	struct expect	*x = arg;
	struct addr	 a, b;
	const char	*why;

	FUZZ_CHECK(x->i < x->n);
	FUZZ_CHECK(addr_parse(spec, ADDR_UTF8, &a, &why) == 0);
	FUZZ_CHECK(addr_parse(x->mb[x->i].addr, ADDR_UTF8, &b, &why) == 0);
	FUZZ_CHECK(strcmp(a.local, b.local) == 0);
	FUZZ_CHECK(strcmp(a.domain, b.domain) == 0);
	x->i++;
	return 0;
}

static void
fuzz_addresses(const char *text)
{
	struct mailbox	*mb = NULL;
	struct buf	 b = BUF_INIT;
	struct expect	 x;
	const char	*why;
	char		*u;
	size_t		 n = 0, i;

	if (hdr_mailboxes(text, &mb, &n, &why) == 0 && n > 0) {
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(mb[i].addr != NULL);
			FUZZ_CHECK(mb[i].name == NULL ||
			    hdr_value_valid(mb[i].name));
		}
		FUZZ_CHECK(hdr_addresses(&b, "To", mb, n) == 0);
		u = check_field(&b, 998);
		FUZZ_CHECK(strncmp(u, "To:", 3) == 0);
		x.mb = mb;
		x.n = n;
		x.i = 0;
		if (addrlist_parse(u + 3, strlen(u + 3), expect_addr, &x,
		    &why) != 0) {
			fprintf(stderr, "[%s]: %s\n", b.s, why);
			abort();
		}
		FUZZ_CHECK(x.i == n);
		free(u);
	}
	mailboxes_free(mb, n);
	buf_free(&b);
}

static void
fuzz_unstructured(const char *text)
{
	struct buf	 b = BUF_INIT, d = BUF_INIT;
	const char	*v = text, *p;
	char		*u;

	if (!hdr_value_valid(text))
		return;
	FUZZ_CHECK(hdr_unstructured(&b, "Subject", text) == 0);
	u = check_field(&b, 998);
	FUZZ_CHECK(strncmp(u, "Subject:", 8) == 0);
	FUZZ_CHECK(rfc2047_decode(&d, u + 8, strlen(u + 8)) == 0);
	/* leading white space of a field body is not its text */
	for (p = d.s ? d.s : ""; *p == ' ' || *p == '\t'; p++)
		;
	while (*v == ' ' || *v == '\t')
		v++;
	if (strlen(p) != strlen(v) || strcmp(p, v) != 0) {
		fprintf(stderr, "[%s] reads back as [%s]\n", b.s, p);
		abort();
	}
	free(u);
	buf_free(&b);
	buf_free(&d);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append percent-decoded s[0..len) to out. */
static void
pct_decode(struct buf *out, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			FUZZ_CHECK(i + 2 < len);
			FUZZ_CHECK(hexval(s[i + 1]) >= 0 &&
			    hexval(s[i + 2]) >= 0);
			buf_addc(out, hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
		} else
			buf_addc(out, s[i]);
	}
}

/*
 * Read back "; filename=..." as RFC 2045 5.1 and RFC 2231 3-4 say,
 * for the parameter hdr_param() writes (one, possibly continued).
 */
static void
param_decode(const char *f, struct buf *out)
{
	const char	*p = f, *e;
	size_t		 sec = 0, n;
	char		 want[64];

	while (*p != '\0') {
		FUZZ_CHECK(*p == ';');
		p++;
		while (*p == ' ')
			p++;
		FUZZ_CHECK(strncmp(p, "filename", 8) == 0);
		p += 8;
		if (*p == '=') {
			/* token or quoted string, never continued */
			FUZZ_CHECK(sec == 0);
			p++;
			if (*p == '"') {
				for (p++; *p != '"'; p++) {
					FUZZ_CHECK(*p != '\0');
					if (*p == '\\')
						p++;
					buf_addc(out, *p);
				}
				p++;
			} else
				for (; *p != '\0' && *p != ';'; p++)
					buf_addc(out, *p);
			FUZZ_CHECK(*p == '\0');
			return;
		}
		if (strncmp(p, "*=", 2) == 0) {
			FUZZ_CHECK(sec == 0);
			p += 2;
		} else {
			n = (size_t)snprintf(want, sizeof(want), "*%zu*=", sec);
			FUZZ_CHECK(strncmp(p, want, n) == 0);
			p += n;
		}
		if (sec == 0) {
			/* charset'language' */
			FUZZ_CHECK(strncmp(p, "utf-8''", 7) == 0 ||
			    strncmp(p, "unknown-8bit''", 14) == 0);
			p = strstr(p, "''") + 2;
		}
		e = strchr(p, ';');
		if (e == NULL)
			e = p + strlen(p);
		pct_decode(out, p, (size_t)(e - p));
		p = e;
		sec++;
	}
}

static void
fuzz_param(const char *text, size_t col0)
{
	struct buf	 b = BUF_INIT, d = BUF_INIT;
	char		*u;
	size_t		 col = col0, i, lc;

	if (buf_adds(&b, "Content-Disposition: attachment") == -1)
		abort();
	col = col0;
	FUZZ_CHECK(hdr_param(&b, &col, "filename", text) == 0);
	if (buf_addc(&b, '\n') == -1)
		abort();
	/* the first line starts at col0 in the caller's field */
	for (i = strlen("Content-Disposition: attachment"), lc = col0;
	    i < b.len; i++) {
		if (b.s[i] == '\n') {
			FUZZ_CHECK(lc <= 78);
			lc = 0;
		} else
			lc++;
	}
	u = check_field(&b, 998);
	param_decode(u + strlen("Content-Disposition: attachment"), &d);
	FUZZ_CHECK(d.len == strlen(text) &&
	    memcmp(d.s ? d.s : "", text, d.len) == 0);
	/* *col is where the last line ends */
	for (lc = 0, i = b.len - 1; i > 0 && b.s[i - 1] != '\n'; i--)
		lc++;
	if (i == 0)
		lc += col0 - strlen("Content-Disposition: attachment");
	FUZZ_CHECK(col == lc);
	free(u);
	buf_free(&b);
	buf_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text;
	int	 what;

	if (size < 1 || size > 8192)
		return 0;
	what = data[0];
	if ((text = malloc(size)) == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (what % 3) {
	case 0:
		fuzz_addresses(text);
		break;
	case 1:
		fuzz_unstructured(text);
		break;
	default:
		fuzz_param(text, 20 + (size_t)(what >> 2) % 40);
		break;
	}
	free(text);
	return 0;
}
