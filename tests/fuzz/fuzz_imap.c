/*
 * lib/imapparse: commands framed the way posta-imapd frames them (a
 * line, and while it ends in "{n}" or "{n+}", n octets and the next
 * line), then imap_parse() under small limits.  Checks that what is
 * parsed stays inside the limits and the buffer: the tag, the lists'
 * lengths, the search tree's depth, APPEND's data; and the date
 * helpers on pieces of the input.
 */
#include <string.h>

#include "imapparse.h"
#include "fuzz.h"

static const struct imap_limits lim = { 8, 64, 16 };

static int
search_depth(const struct imap_search *k, size_t *nkeys)
{
	int	 d, max = 0;

	for (; k != NULL; k = k->next) {
		(*nkeys)++;
		if (k->type == SK_UID || k->type == SK_SEQ)
			FUZZ_CHECK(k->set.n > 0);
		if ((d = search_depth(k->kids, nkeys)) > max)
			max = d;
	}
	return max + 1;
}

static void
check_cmd(const struct imap_cmd *c, const char *buf, size_t len)
{
	size_t	 i, nkeys = 0;
	int	 k;

	FUZZ_CHECK(memchr(c->tag, '\0', sizeof(c->tag)) != NULL);
	FUZZ_CHECK(c->tag[0] != '\0');
	FUZZ_CHECK(c->name != IC_NONE);
	for (k = 0; k < 2; k++)
		if (c->arg[k] != NULL)
			FUZZ_CHECK(c->arg[k][c->arglen[k]] == '\0');
	FUZZ_CHECK(c->set.n <= lim.items);
	for (i = 0; i < c->set.n; i++)
		FUZZ_CHECK(c->set.r != NULL);
	FUZZ_CHECK(c->nfatt <= lim.items);
	for (i = 0; i < c->nfatt; i++) {
		const struct imap_section *s = &c->fatt[i].sec;

		FUZZ_CHECK(s->npart >= 0 && s->npart <= IMAP_PART_MAX);
		FUZZ_CHECK(s->nfields <= lim.items);
		if (c->fatt[i].type == FA_SECTION)
			FUZZ_CHECK(s->text != NULL);
	}
	FUZZ_CHECK(c->nflags <= lim.items);
	for (i = 0; i < c->nflags; i++)
		FUZZ_CHECK(c->flags[i] != NULL);
	FUZZ_CHECK(c->nlist <= 2 * lim.id_params + lim.items);
	if (c->data != NULL)
		FUZZ_CHECK(c->data >= buf && c->data + c->datalen <= buf + len);
	if (c->search != NULL)
		FUZZ_CHECK(search_depth(c->search, &nkeys) <= lim.depth + 2);
	FUZZ_CHECK(nkeys <= lim.items + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data, *e = s + size, *p = s, *nl;
	const char	*start;
	struct imap_cmd	 c;
	const char	*why;
	uint64_t	 n;
	int		 nonsync, r;
	time_t		 t;
	long		 day;
	size_t		 i;

	/* the date parsers on every piece between spaces */
	for (i = 0, start = s; i <= size; i++)
		if (i == size || s[i] == ' ' || s[i] == '"') {
			/* 4DIGIT years, 0000 too; before 1970 is negative */
			if (imap_day(start, (size_t)(s + i - start), &day) == 0)
				FUZZ_CHECK(day >= imap_days_from_civil(0, 1, 1) &&
				    day <= imap_days_from_civil(9999, 12, 31));
			(void)imap_datetime(start, (size_t)(s + i - start), &t);
			start = s + i + 1;
		}

	while (p < e) {
		start = p;
		for (;;) {
			nl = memchr(p, '\n', (size_t)(e - p));
			p = nl ? nl + 1 : e;
			r = imap_line_literal(start, (size_t)(p - start), &n,
			    &nonsync);
			if (r != 1 || nl == NULL)
				break;
			if (n > (uint64_t)(e - p))
				n = (uint64_t)(e - p);	/* the input ended */
			p += n;
		}
		why = NULL;
		if (imap_parse(start, (size_t)(p - start), &lim, &c, &why) == 0)
			check_cmd(&c, start, (size_t)(p - start));
		else
			FUZZ_CHECK(why != NULL &&
			    memchr(c.tag, '\0', sizeof(c.tag)) != NULL);
		imap_cmd_free(&c);
	}
	return 0;
}
