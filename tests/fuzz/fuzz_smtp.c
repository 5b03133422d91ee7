/*
 * smtp_parse(): one command line.  Checks that what it accepts is what
 * lib/smtp.h promises: CRLF only at the end, bounded fields, parameter
 * values that are valid xtext, and a MAIL/RCPT path that addr_format()
 * writes back to a form that parses to the same address.
 */
#include <string.h>

#include "addr.h"
#include "smtp.h"
#include "fuzz.h"

#define MAXADDR	256

static void
check_path(const struct addr *a)
{
	struct addr	 b;
	char		 text[ADDR_MAX + 1];
	const char	*why;
	int		 n;

	if (a->null)
		return;
	FUZZ_CHECK(strlen(a->local) + strlen(a->domain) + 1 <= MAXADDR);
	n = addr_format(a, text, sizeof(text));
	FUZZ_CHECK(n >= 0);
	FUZZ_CHECK(addr_parse(text, ADDR_UTF8 | ADDR_POSTMASTER, &b,
	    &why) == 0);
	FUZZ_CHECK(strcmp(a->local, b.local) == 0);
	FUZZ_CHECK(strcmp(a->domain, b.domain) == 0);
	FUZZ_CHECK(a->literal == b.literal);
	FUZZ_CHECK(a->utf8 == b.utf8);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_cmd	 c;
	const char	*s = (const char *)data, *why = NULL;
	int		 r;

	r = smtp_parse(s, size, MAXADDR, &c, &why);
	FUZZ_CHECK(why != NULL);
	if (r == SMTP_EBARE)
		return 0;
	/* past the CRLF check: exactly one CRLF, at the end */
	FUZZ_CHECK(size >= 2 && s[size - 2] == '\r' && s[size - 1] == '\n');
	FUZZ_CHECK(memchr(s, '\n', size - 1) == NULL);
	FUZZ_CHECK(memchr(s, '\r', size - 2) == NULL);
	FUZZ_CHECK(strlen(smtp_verb_name(c.verb)) > 0);
	if (r != SMTP_OK)
		return 0;
	FUZZ_CHECK(c.verb != SMTP_NONE);
	FUZZ_CHECK(strlen(c.arg) < sizeof(c.arg));
	FUZZ_CHECK(strchr(c.arg, '\r') == NULL && strchr(c.arg, '\n') == NULL);
	switch (c.verb) {
	case SMTP_MAIL:
		check_path(&c.path);
		FUZZ_CHECK(c.ret[0] == '\0' || strcmp(c.ret, "FULL") == 0 ||
		    strcmp(c.ret, "HDRS") == 0);
		FUZZ_CHECK(strlen(c.envid) <= SMTP_ENVIDMAX);
		FUZZ_CHECK(smtp_xtext_valid(c.envid, strlen(c.envid)));
		FUZZ_CHECK(c.size >= -1);
		FUZZ_CHECK(c.body8 >= -1 && c.body8 <= 1);
		break;
	case SMTP_RCPT:
		FUZZ_CHECK(!c.path.null);
		check_path(&c.path);
		FUZZ_CHECK(strlen(c.orcpt) <= SMTP_ORCPTMAX);
		FUZZ_CHECK(smtp_xtext_valid(c.orcpt, strlen(c.orcpt)));
		FUZZ_CHECK(c.orcpt[0] == '\0' || strchr(c.orcpt, ';') != NULL);
		FUZZ_CHECK(strlen(c.notify) < sizeof(c.notify));
		break;
	case SMTP_BDAT:
		FUZZ_CHECK(c.chunk >= 0);
		break;
	default:
		break;
	}
	return 0;
}
