/*
 * The small files of a Maildir that other programs write too (Dovecot,
 * a user's shell, an editor): dovecot-keywords (lib/uidlist) and
 * subscriptions (lib/maildir).  The input's first line is a folder
 * name; the rest is written as both files into a scratch Maildir.
 *  - keywords_load(): names at indexes 0 to 25, none empty or with a
 *    line end; keywords_index() finds each at its first index (without
 *    regard to case); keywords_save() then keywords_load() gives the
 *    same table;
 *  - md_subscriptions(): no empty names; md_subscribe(name, 1) of a
 *    name md_name_ok() accepts keeps every other name as it was, in
 *    order (tabs, CRs, LFs and \001 in them too), keeps the first of
 *    the name or adds it at the end; md_subscribe(name, 0) then removes
 *    every copy and nothing else; a name md_name_ok() refuses is EINVAL
 *    and the file stays as it was.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "maildir.h"
#include "uidlist.h"
#include "fuzz.h"

static char	 md[64];

static void
put(const char *file, const char *s, size_t n)
{
	char	 p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", md, file);
	fuzz_put(p, s, n);
}

static void
check_keywords(void)
{
	struct keywords	 kw, again;
	int		 i;

	memset(&kw, 0, sizeof(kw));
	memset(&again, 0, sizeof(again));
	FUZZ_CHECK(keywords_load(&kw, md) == 0);
	for (i = 0; i < UIDLIST_NKEYWORDS; i++) {
		if (kw.names[i] == NULL)
			continue;
		FUZZ_CHECK(kw.names[i][0] != '\0');
		FUZZ_CHECK(strchr(kw.names[i], '\n') == NULL);
		FUZZ_CHECK(keywords_index(&kw, kw.names[i]) <= i);
		FUZZ_CHECK(keywords_index(&kw, kw.names[i]) >= 0);
	}
	FUZZ_CHECK(keywords_save(&kw, md) == 0);
	FUZZ_CHECK(keywords_load(&again, md) == 0);
	for (i = 0; i < UIDLIST_NKEYWORDS; i++) {
		FUZZ_CHECK((kw.names[i] == NULL) == (again.names[i] == NULL));
		if (kw.names[i] != NULL)
			FUZZ_CHECK(strcmp(kw.names[i], again.names[i]) == 0);
	}
	keywords_free(&kw);
	keywords_free(&again);
}

static void
check_subscriptions(const char *name)
{
	struct md_list	 l, a, b;
	const char	*want;
	size_t		 i, j, first;
	int		 ok = md_name_ok(name);

	FUZZ_CHECK(md_subscriptions(md, &l) == 0);
	for (i = 0; i < l.n; i++)
		FUZZ_CHECK(l.names[i][0] != '\0');
	if (!ok) {
		errno = 0;
		FUZZ_CHECK(md_subscribe(md, name, 1) == -1 && errno == EINVAL);
		FUZZ_CHECK(md_subscriptions(md, &a) == 0);
		FUZZ_CHECK(a.n == l.n);
		for (i = 0; i < l.n; i++)
			FUZZ_CHECK(strcmp(a.names[i], l.names[i]) == 0);
		md_list_free(&a);
		md_list_free(&l);
		return;
	}
	want = md_is_inbox(name) ? "INBOX" : name;
	FUZZ_CHECK(md_subscribe(md, name, 1) == 0);
	FUZZ_CHECK(md_subscriptions(md, &a) == 0);
	/* every other name as it was, the first of want kept */
	for (i = j = 0, first = l.n; i < l.n; i++) {
		if (strcmp(l.names[i], want) == 0) {
			if (first != l.n)
				continue;
			first = i;
		}
		FUZZ_CHECK(j < a.n);
		FUZZ_CHECK(strcmp(a.names[j], l.names[i]) == 0);
		j++;
	}
	if (first == l.n) {
		FUZZ_CHECK(j < a.n && strcmp(a.names[j], want) == 0);
		j++;
	}
	FUZZ_CHECK(j == a.n);

	FUZZ_CHECK(md_subscribe(md, name, 0) == 0);
	FUZZ_CHECK(md_subscriptions(md, &b) == 0);
	for (i = j = 0; i < l.n; i++) {
		if (strcmp(l.names[i], want) == 0)
			continue;
		FUZZ_CHECK(j < b.n);
		FUZZ_CHECK(strcmp(b.names[j], l.names[i]) == 0);
		j++;
	}
	FUZZ_CHECK(j == b.n);
	md_list_free(&l);
	md_list_free(&a);
	md_list_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data, *nl;
	char		*name;
	size_t		 n;

	fuzz_scratch(md, sizeof(md), "fuzz_mdfiles");
	nl = memchr(s, '\n', size);
	n = nl ? (size_t)(nl - s) : size;
	if ((name = strndup(s, n)) == NULL)
		abort();
	s += nl ? n + 1 : n;
	size -= nl ? n + 1 : n;
	put(KEYWORDS_FILE, s, size);
	put("subscriptions", s, size);
	check_keywords();
	check_subscriptions(name);
	free(name);
	return 0;
}
