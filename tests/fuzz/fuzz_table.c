/*
 * lib/table: a table file (local domains, relay domains, relay
 * networks) as an administrator or a careless script writes it.
 *  - table_load() keeps one entry a line, in order, duplicates too:
 *    the line before its first "#" (or NUL), white space trimmed,
 *    lowercased; blank and comment lines give nothing;
 *  - no entry is empty, has white space at an end, a "#" or a line
 *    end; written back one a line, the file reads back the same;
 *  - table_has() finds every entry in any case, and nothing else;
 *  - table_match_ip() on addresses from the input (and each entry's
 *    own address, v4 and v4-mapped): the same as a model of the
 *    prefixes (a malformed entry matches nothing), the OR of the
 *    one-entry tables; table_match_addr() agrees with it.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "table.h"
#include "fuzz.h"

static char	 path[PATH_MAX];

static void
scratch(void)
{
	static char	 dir[64];

	if (path[0] != '\0')
		return;
	fuzz_scratch(dir, sizeof(dir), "fuzz_table");
	snprintf(path, sizeof(path), "%s/table", dir);
}

/* The entries a reader of the format expects, one a line. */
static size_t
model(const char *s, size_t n, char ***out)
{
	char		**v = NULL, *e;
	const char	*p = s, *end = s + n, *nl, *stop;
	size_t		 k = 0, len, i;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		stop = p;
		while (stop < nl && *stop != '#' && *stop != '\0')
			stop++;
		while (p < stop && isspace((unsigned char)*p))
			p++;
		while (stop > p && isspace((unsigned char)stop[-1]))
			stop--;
		if ((len = (size_t)(stop - p)) > 0) {
			if ((v = reallocarray(v, k + 1, sizeof(*v))) == NULL ||
			    (e = strndup(p, len)) == NULL)
				abort();
			for (i = 0; i < len; i++)
				e[i] = (char)tolower((unsigned char)e[i]);
			v[k++] = e;
		}
		p = nl + 1;
	}
	*out = v;
	return k;
}

/* The prefix entry e as a family, address and length; 0 when malformed. */
static int
model_prefix(const char *e, unsigned char *a, int *bits)
{
	char		 tmp[64], *slash;
	const char	*d;
	int		 fam, max;
	long		 b = 0;

	if (strlen(e) >= sizeof(tmp))
		return 0;
	strlcpy(tmp, e, sizeof(tmp));
	*bits = -1;
	if ((slash = strchr(tmp, '/')) != NULL) {
		*slash = '\0';
		if (slash[1] == '\0')
			return 0;
		for (d = slash + 1; *d; d++) {
			if (!isdigit((unsigned char)*d))
				return 0;
			if (b <= 128)
				b = b * 10 + (*d - '0');
		}
		*bits = (int)b;
	}
	if (inet_pton(AF_INET, tmp, a) == 1)
		fam = AF_INET;
	else if (inet_pton(AF_INET6, tmp, a) == 1)
		fam = AF_INET6;
	else
		return 0;
	max = fam == AF_INET ? 32 : 128;
	if (*bits > max)
		return 0;
	/* ::ffff:a.b.c.d/96+n is a.b.c.d/n; shorter, it stays IPv6 */
	if (fam == AF_INET6 && memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff",
	    12) == 0 && (*bits < 0 || *bits >= 96)) {
		memmove(a, a + 12, 4);
		fam = AF_INET;
		max = 32;
		if (*bits >= 96)
			*bits -= 96;
	}
	if (*bits < 0)
		*bits = max;
	return fam;
}

static int
model_match(char **v, size_t k, int fam, const unsigned char *a)
{
	unsigned char	 n[16];
	size_t		 i;
	int		 bits, b, nfam;

	for (i = 0; i < k; i++) {
		if ((nfam = model_prefix(v[i], n, &bits)) != fam)
			continue;
		for (b = 0; b < bits; b++)
			if (((a[b / 8] ^ n[b / 8]) >> (7 - b % 8)) & 1)
				break;
		if (b == bits)
			return 1;
	}
	return 0;
}

/* table_match_ip on an address (family fam, octets a) in every form. */
static void
check_ip(const struct table *t, char **v, size_t k, int fam,
    const unsigned char *a)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct table		 one;
	struct in6_addr		 in6;
	char			 ip[INET6_ADDRSTRLEN], mapped[64];
	unsigned char		 m6[16];
	size_t			 i;
	int			 r, any = 0;

	if (inet_ntop(fam, a, ip, sizeof(ip)) == NULL)
		abort();
	r = table_match_ip(t, ip);
	/* v4-mapped queries are IPv4 (lib/peer writes them so too) */
	memcpy(&in6, a, fam == AF_INET ? 4 : 16);
	if (fam == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&in6))
		FUZZ_CHECK(r == model_match(v, k, AF_INET, a + 12));
	else
		FUZZ_CHECK(r == model_match(v, k, fam, a));
	for (i = 0; i < t->n && !any; i++) {
		one.items = &t->items[i];
		one.n = 1;
		any = table_match_ip(&one, ip);
	}
	FUZZ_CHECK(r == any);
	if (fam == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, a, 4);
		FUZZ_CHECK(table_match_addr(t, (struct sockaddr *)&sin) == r);
		snprintf(mapped, sizeof(mapped), "::ffff:%s", ip);
		FUZZ_CHECK(table_match_ip(t, mapped) == r);
		memset(m6, 0, sizeof(m6));
		m6[10] = m6[11] = 0xff;
		memcpy(m6 + 12, a, 4);
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, m6, 16);
		FUZZ_CHECK(table_match_addr(t, (struct sockaddr *)&sin6) == r);
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, a, 16);
		FUZZ_CHECK(table_match_addr(t, (struct sockaddr *)&sin6) == r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	struct table	 t, again;
	char		**v, *up, *p;
	unsigned char	 a[16];
	size_t		 k, i, j, len;
	int		 bits, fam, fd;

	scratch();
	fuzz_put(path, s, size);
	if (table_load(&t, path) == -1)
		abort();
	k = model(s, size, &v);
	FUZZ_CHECK(t.n == k);
	for (i = 0; i < t.n; i++) {
		FUZZ_CHECK(strcmp(t.items[i], v[i]) == 0);
		len = strlen(t.items[i]);
		FUZZ_CHECK(len > 0);
		FUZZ_CHECK(!isspace((unsigned char)t.items[i][0]));
		FUZZ_CHECK(!isspace((unsigned char)t.items[i][len - 1]));
		FUZZ_CHECK(strpbrk(t.items[i], "#\n") == NULL);
		for (p = t.items[i]; *p; p++)
			FUZZ_CHECK(!isupper((unsigned char)*p));
		/* any case finds it */
		if ((up = strdup(t.items[i])) == NULL)
			abort();
		for (p = up; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		FUZZ_CHECK(table_has(&t, up));
		FUZZ_CHECK(table_has(&t, t.items[i]));
		/* and nothing that is not an entry */
		up[len - 1] = '\0';
		if (len > 1) {
			for (j = 0; j < t.n; j++)
				if (strcasecmp(t.items[j], up) == 0)
					break;
			FUZZ_CHECK(table_has(&t, up) == (j < t.n));
		}
		free(up);
	}

	/* addresses: the entries' own, and octets of the input */
	for (i = 0; i < t.n; i++)
		if ((fam = model_prefix(t.items[i], a, &bits)) != 0)
			check_ip(&t, v, k, fam, a);
	if (size >= 4)
		check_ip(&t, v, k, AF_INET, data + size - 4);
	if (size >= 16)
		check_ip(&t, v, k, AF_INET6, data + size - 16);

	/* written back one a line, it reads back the same */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		abort();
	for (i = 0; i < t.n; i++)
		if (dprintf(fd, "%s\n", t.items[i]) < 0)
			abort();
	close(fd);
	if (table_load(&again, path) == -1)
		abort();
	FUZZ_CHECK(again.n == t.n);
	for (i = 0; i < t.n; i++)
		FUZZ_CHECK(strcmp(again.items[i], t.items[i]) == 0);
	table_free(&again);

	for (i = 0; i < k; i++)
		free(v[i]);
	free(v);
	table_free(&t);
	return 0;
}
