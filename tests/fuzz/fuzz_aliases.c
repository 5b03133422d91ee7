/*
 * lib/aliases: a whole table (aliases_parse), a target list
 * (aliases_parse_list), and aliases_expand() through what was read,
 * with an :include: callback that serves a list from the input.
 * Checks: names lowercased, sorted and unique; |command and :include:
 * only with ALIASES_ADMIN; no value holds a NUL or a line end; a table
 * written back (each target quoted where a comma could split it) reads
 * back the same; expansion results are addresses, commands or the
 * mailbox, without duplicates.
 *
 * Input: 1 octet of flags, then the table; the text after a NUL, if
 * any, is what every :include: file holds.
 */
#include <string.h>
#include <strings.h>

#include "aliases.h"
#include "buf.h"
#include "fuzz.h"

static const char *include_text = "";
static size_t include_len;

static int
is_local(void *arg, const char *domain)
{
	return strcmp(domain, "example.test") == 0;
}

static int
include(void *arg, const char *path, struct buf *out)
{
	return buf_add(out, include_text, include_len);
}

static void
check_targets(const struct alias_target *t, size_t n, int flags)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		FUZZ_CHECK(t[i].value != NULL);
		FUZZ_CHECK(strpbrk(t[i].value, "\r\n") == NULL);
		FUZZ_CHECK(t[i].kind == AK_ADDRESS || (flags & ALIASES_ADMIN));
		FUZZ_CHECK(t[i].kind != AK_MAILBOX);
	}
}

/* Would an address written bare read as something else? */
static int
special_start(const char *v)
{
	return v[0] == '|' || v[0] == '/' || v[0] == '<' ||
	    strncasecmp(v, ":include:", 9) == 0;
}

/* The table as text again; 0 when some value cannot be written. */
static int
write_back(const struct aliases *al, struct buf *b)
{
	const char	*pre, *at;
	size_t		 i, j;

	for (i = 0; i < al->n; i++) {
		buf_printf(b, "%s:", al->a[i].name);
		for (j = 0; j < al->a[i].nt; j++) {
			const struct alias_target *t = &al->a[i].t[j];

			if (strpbrk(t->value, "\"\\") != NULL &&
			    t->kind != AK_ADDRESS)
				return 0;
			pre = t->kind == AK_COMMAND ? "|" :
			    t->kind == AK_INCLUDE ? ":include:" : "";
			if (t->kind == AK_ADDRESS && special_start(t->value)) {
				/*
				 * "|x"@d and "/x"@d are addresses whose local
				 * part is a dot-string, so their canonical
				 * text drops the quotes; written back bare
				 * they would read as a command or a file.
				 */
				if ((at = strrchr(t->value, '@')) == NULL)
					return 0;
				buf_printf(b, "%s \"%.*s\"%s", j ? "," : "",
				    (int)(at - t->value), t->value, at);
			} else if (t->kind == AK_ADDRESS)
				buf_printf(b, "%s %s", j ? "," : "", t->value);
			else
				buf_printf(b, "%s \"%s%s\"", j ? "," : "", pre,
				    t->value);
		}
		buf_addc(b, '\n');
	}
	return 1;
}

static void
same_tables(const struct aliases *a, const struct aliases *b)
{
	size_t	 i, j;

	FUZZ_CHECK(a->n == b->n);
	for (i = 0; i < a->n; i++) {
		FUZZ_CHECK(strcmp(a->a[i].name, b->a[i].name) == 0);
		FUZZ_CHECK(a->a[i].nt == b->a[i].nt);
		for (j = 0; j < a->a[i].nt; j++) {
			FUZZ_CHECK(a->a[i].t[j].kind == b->a[i].t[j].kind);
			FUZZ_CHECK(strcmp(a->a[i].t[j].value,
			    b->a[i].t[j].value) == 0);
		}
	}
}

static void
expand_all(const struct aliases *al)
{
	struct alias_env	 env = { is_local, include, NULL, 5 };
	struct alias_expansion	 x;
	char			 why[256], local[300], *at;
	size_t			 i, j, k;
	int			 r;

	for (i = 0; i < al->n && i < 20; i++) {
		if (strlcpy(local, al->a[i].name, sizeof(local)) >=
		    sizeof(local))
			continue;
		if ((at = strchr(local, '@')) != NULL)
			*at = '\0';
		memset(&x, 0, sizeof(x));
		why[0] = '\0';
		r = aliases_expand(al, local, at ? at + 1 : "example.test",
		    &env, &x, why, sizeof(why));
		FUZZ_CHECK(r == ALIAS_NONE || r == ALIAS_FOUND ||
		    r == ALIAS_ELOOP || r == ALIAS_ETEMP || r == ALIAS_EBAD);
		if (r < 0)
			FUZZ_CHECK(why[0] != '\0');
		for (j = 0; r == ALIAS_FOUND && j < x.n; j++) {
			FUZZ_CHECK(x.r[j].value != NULL);
			FUZZ_CHECK(x.r[j].kind != AK_INCLUDE);
			for (k = 0; k < j; k++)
				FUZZ_CHECK(x.r[k].kind != x.r[j].kind ||
				    strcmp(x.r[k].value, x.r[j].value) != 0);
		}
		aliases_expansion_free(&x);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aliases		 al, again;
	struct alias_target	*t = NULL;
	struct buf		 b = BUF_INIT;
	const char		*s, *nul;
	char			 err[512];
	size_t			 n, nt = 0, i;
	int			 flags;

	if (size < 1)
		return 0;
	flags = data[0] & ALIASES_ADMIN;
	s = (const char *)data + 1;
	n = size - 1;
	include_text = "";
	include_len = 0;
	if ((nul = memchr(s, '\0', n)) != NULL) {
		include_text = nul + 1;
		include_len = (size_t)(s + n - include_text);
		n = (size_t)(nul - s);
	}

	memset(&al, 0, sizeof(al));
	if (aliases_parse(&al, s, n, flags, err, sizeof(err)) == 0) {
		for (i = 0; i < al.n; i++) {
			const char *p;

			for (p = al.a[i].name; *p; p++)
				FUZZ_CHECK(*p < 'A' || *p > 'Z');
			if (i > 0)
				FUZZ_CHECK(strcmp(al.a[i - 1].name,
				    al.a[i].name) < 0);
			check_targets(al.a[i].t, al.a[i].nt, flags);
		}
		if (write_back(&al, &b)) {
			memset(&again, 0, sizeof(again));
			if (aliases_parse(&again, b.s ? b.s : "", b.len, flags,
			    err, sizeof(err)) != 0) {
				fprintf(stderr, "written back: %s\n%s", err,
				    b.s);
				abort();
			}
			same_tables(&al, &again);
			aliases_free(&again);
		}
		expand_all(&al);
		aliases_free(&al);
	} else {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(al.n == 0 && al.a == NULL);
	}
	buf_free(&b);

	if (aliases_parse_list(s, n, flags, &t, &nt, err, sizeof(err)) == 0)
		check_targets(t, nt, flags);
	aliases_targets_free(t, nt);
	return 0;
}
