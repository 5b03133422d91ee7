/*
 * posta-sendmail's recipients (cmd/sendmail/inject.c rcpt_add): the
 * command line's addresses and, with -t, every address of a local
 * program's To, Cc and Bcc fields.  Each line of the input is one such
 * address, added to one list as given and to another in "<...>".
 *  - 0 or -1; -1 leaves the list as it was and says why;
 *  - an added address is canonical: lib/addr parses it and formats it
 *    back to the same text, with an '@', without CR, LF or white space
 *    outside a quoted local part; one without '@' gets @mydomain;
 *  - the list holds each address once (without regard to case), and
 *    adding one of its addresses again changes nothing;
 *  - "<a>" is the same recipient as "a".
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "sendmail/sendmail.h"
#include "fuzz.h"

static const char	 mydomain[] = "example.com";

static void
rl_free(struct rcptlist *rl)
{
	size_t	 i;

	for (i = 0; i < rl->n; i++)
		free(rl->a[i]);
	free(rl->a);
}

static void
check_added(struct rcptlist *rl, const char *raw)
{
	const char	*e = rl->a[rl->n - 1], *why;
	struct addr	 a;
	char		 canon[ADDR_MAX], err[512];
	size_t		 i, n = rl->n;

	FUZZ_CHECK(strlen(e) < ADDR_MAX);
	FUZZ_CHECK(strpbrk(e, "\r\n") == NULL);
	FUZZ_CHECK(strchr(e, '@') != NULL);
	FUZZ_CHECK(addr_parse(e, ADDR_UTF8 | ADDR_NOROUTE, &a, &why) == 0);
	FUZZ_CHECK(addr_format(&a, canon, sizeof(canon)) >= 0);
	FUZZ_CHECK(strcmp(canon, e) == 0);
	if (e[0] != '"')
		for (i = 0; e[i]; i++)
			FUZZ_CHECK(!isspace((unsigned char)e[i]));
	if (strchr(raw, '@') == NULL) {
		size_t	 el = strlen(e);

		FUZZ_CHECK(el > sizeof(mydomain) &&
		    strcmp(e + el - (sizeof(mydomain) - 1), mydomain) == 0 &&
		    e[el - sizeof(mydomain)] == '@');
	}
	for (i = 0; i + 1 < rl->n; i++)
		FUZZ_CHECK(strcasecmp(rl->a[i], e) != 0);
	/* once is enough */
	FUZZ_CHECK(rcpt_add(rl, e, mydomain, err, sizeof(err)) == 0);
	FUZZ_CHECK(rl->n == n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data, *e = s + size, *p, *nl;
	struct rcptlist	 rl = { NULL, 0 }, wl = { NULL, 0 };
	char		*raw, *wrapped, err[512], err2[512];
	size_t		 n, nlines = 0, i;
	int		 r, r2;

	for (p = s; p < e && nlines < 32; p = nl ? nl + 1 : e, nlines++) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if ((raw = strndup(p, nl ? (size_t)(nl - p) :
		    (size_t)(e - p))) == NULL)
			abort();
		n = rl.n;
		err[0] = '\0';
		r = rcpt_add(&rl, raw, mydomain, err, sizeof(err));
		FUZZ_CHECK(r == 0 || r == -1);
		if (r == -1)
			FUZZ_CHECK(rl.n == n && err[0] != '\0');
		else {
			FUZZ_CHECK(rl.n == n || rl.n == n + 1);
			if (rl.n == n + 1)
				check_added(&rl, raw);
		}
		/* "<raw>" is the same recipient */
		if (raw[0] != '<' && raw[0] != ' ' && raw[0] != '\t') {
			if (asprintf(&wrapped, "<%s>", raw) == -1)
				abort();
			r2 = rcpt_add(&wl, wrapped, mydomain, err2,
			    sizeof(err2));
			FUZZ_CHECK(r2 == r);
			free(wrapped);
		} else
			(void)rcpt_add(&wl, raw, mydomain, err2, sizeof(err2));
		FUZZ_CHECK(wl.n == rl.n);
		for (i = 0; i < rl.n; i++)
			FUZZ_CHECK(strcmp(wl.a[i], rl.a[i]) == 0);
		free(raw);
	}
	rl_free(&rl);
	rl_free(&wl);
	return 0;
}
