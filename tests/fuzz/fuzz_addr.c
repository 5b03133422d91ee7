/*
 * lib/addr: addr_parse_path(), addr_parse() and addrlist_parse().
 * Round trips: addr_format() of a parsed address parses again, with the
 * same flags, to the same address; the addresses addrlist_parse() hands
 * over have no CR, LF or NUL, and those that are valid mailboxes, listed
 * again in their canonical form, come back the same.
 *
 * Input: 1 octet of flags, then the text.
 */
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "fuzz.h"

static void
same_addr(const struct addr *a, const struct addr *b)
{
	FUZZ_CHECK(a->null == b->null);
	FUZZ_CHECK(strcmp(a->local, b->local) == 0);
	FUZZ_CHECK(strcmp(a->domain, b->domain) == 0);
	FUZZ_CHECK(a->literal == b->literal);
	FUZZ_CHECK(a->utf8 == b->utf8);
}

/* addr_format(), then addr_parse() with flags: the same address. */
static void
round_trip(const struct addr *a, int flags)
{
	struct addr	 b;
	char		 text[ADDR_MAX * 2 + 8];
	const char	*why;
	int		 n;

	n = addr_format(a, text, sizeof(text));
	FUZZ_CHECK(n >= 0 && (size_t)n == strlen(text));
	if (a->null) {
		FUZZ_CHECK(n == 0);
		return;
	}
	FUZZ_CHECK(strpbrk(text, "\r\n") == NULL);
	if (addr_parse(text, flags & ~ADDR_NOROUTE, &b, &why) != 0) {
		fprintf(stderr, "\"%s\" does not parse again: %s\n", text, why);
		abort();
	}
	same_addr(a, &b);
}

struct list {
	struct addr	*a;
	size_t		 n;
	struct buf	 canon;		/* the valid ones, formatted */
};

static int
collect(void *arg, const char *spec)
{
	struct list	*l = arg;
	struct addr	 a, *na;
	char		 text[ADDR_MAX * 2 + 8];
	const char	*why;

	FUZZ_CHECK(*spec != '\0');
	FUZZ_CHECK(strpbrk(spec, "\r\n") == NULL);
	if (strchr(spec, '@') == NULL ||
	    addr_parse(spec, ADDR_UTF8, &a, &why) == -1)
		return 0;
	if (addr_format(&a, text, sizeof(text)) < 0)
		abort();
	if ((na = reallocarray(l->a, l->n + 1, sizeof(*na))) == NULL)
		abort();
	l->a = na;
	l->a[l->n++] = a;
	if (buf_printf(&l->canon, "%s%s", l->canon.len ? ", " : "", text)
	    == -1)
		abort();
	return 0;
}

struct again {
	const struct list	*l;
	size_t			 i;
};

static int
compare(void *arg, const char *spec)
{
	struct again	*g = arg;
	struct addr	 a;
	const char	*why;

	FUZZ_CHECK(g->i < g->l->n);
	FUZZ_CHECK(addr_parse(spec, ADDR_UTF8, &a, &why) == 0);
	same_addr(&a, &g->l->a[g->i]);
	g->i++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr	 a;
	struct list	 l = { NULL, 0, BUF_INIT };
	struct again	 g;
	const char	*s, *why;
	char		*z;
	size_t		 used, maxlen;
	int		 flags, r;

	if (size < 1)
		return 0;
	flags = data[0] & (ADDR_UTF8 | ADDR_NULLOK | ADDR_NOROUTE |
	    ADDR_POSTMASTER | ADDR_NOBRACKET);
	maxlen = data[0] & 0x80 ? 64 : ADDR_MAX;
	s = (const char *)data + 1;
	size--;

	why = NULL;
	r = addr_parse_path(s, size, flags, maxlen, &a, &used, &why);
	if (r == 0) {
		FUZZ_CHECK(used <= size);
		FUZZ_CHECK(a.null || strlen(a.local) + strlen(a.domain) + 1
		    <= maxlen);
		FUZZ_CHECK(!a.null || (flags & ADDR_NULLOK));
		FUZZ_CHECK(!a.route || !(flags & ADDR_NOROUTE));
		FUZZ_CHECK(a.utf8 == 0 || (flags & ADDR_UTF8));
		if (!a.null)
			round_trip(&a, flags | ADDR_POSTMASTER);
	} else
		FUZZ_CHECK(why != NULL && *why != '\0');

	/* the whole text as a bare mailbox */
	if ((z = malloc(size + 1)) == NULL)
		abort();
	memcpy(z, s, size);
	z[size] = '\0';
	if (addr_parse(z, flags, &a, &why) == 0 && !a.null)
		round_trip(&a, flags | ADDR_POSTMASTER);
	free(z);

	/* as a To: field */
	if (addrlist_parse(s, size, collect, &l, &why) == 0 && l.n > 0) {
		g.l = &l;
		g.i = 0;
		if (addrlist_parse(l.canon.s, l.canon.len, compare, &g,
		    &why) != 0) {
			fprintf(stderr, "\"%s\": %s\n", l.canon.s, why);
			abort();
		}
		FUZZ_CHECK(g.i == l.n);
	}
	free(l.a);
	buf_free(&l.canon);
	return 0;
}
