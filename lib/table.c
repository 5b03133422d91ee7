#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

void
table_free(struct table *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		free(t->items[i]);
	free(t->items);
	t->items = NULL;
	t->n = 0;
}

int
table_load(struct table *t, const char *path)
{
	FILE	*fp;
	char	*line = NULL, *s, *e, **ni;
	size_t	 cap = 0;

	t->items = NULL;
	t->n = 0;
	if (path == NULL || *path == '\0')
		return 0;
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (getline(&line, &cap, fp) != -1) {
		if ((s = strchr(line, '#')) != NULL)
			*s = '\0';
		for (s = line; isspace((unsigned char)*s); s++)
			;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		if (*s == '\0')
			continue;
		for (e = s; *e; e++)
			*e = (char)tolower((unsigned char)*e);
		if ((ni = reallocarray(t->items, t->n + 1, sizeof(*ni))) == NULL)
			goto fail;
		t->items = ni;
		if ((t->items[t->n] = strdup(s)) == NULL)
			goto fail;
		t->n++;
	}
	if (ferror(fp))
		goto fail;
	free(line);
	fclose(fp);
	return 0;
fail:
	free(line);
	fclose(fp);
	table_free(t);
	return -1;
}

int
table_has(const struct table *t, const char *s)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (strcasecmp(t->items[i], s) == 0)
			return 1;
	return 0;
}

static int
prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int	 full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

int
table_match_ip(const struct table *t, const char *ip)
{
	unsigned char	 a[16], n[16];
	char		 tmp[64], *slash, *end;
	long		 lbits;
	int		 fam, nfam, bits, max;
	size_t		 i;

	if (inet_pton(AF_INET, ip, a) == 1)
		fam = AF_INET;
	else if (inet_pton(AF_INET6, ip, a) == 1) {
		fam = AF_INET6;
		/* v4-mapped: compare as IPv4 */
		if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a)) {
			memmove(a, a + 12, 4);
			fam = AF_INET;
		}
	} else
		return 0;
	for (i = 0; i < t->n; i++) {
		if (strlcpy(tmp, t->items[i], sizeof(tmp)) >= sizeof(tmp))
			continue;
		bits = -1;
		if ((slash = strchr(tmp, '/')) != NULL) {
			*slash = '\0';
			/* a malformed prefix length matches nothing, not all */
			if (!isdigit((unsigned char)slash[1]))
				continue;
			errno = 0;
			lbits = strtol(slash + 1, &end, 10);
			if (errno || *end != '\0' || lbits > 128)
				continue;
			bits = (int)lbits;
		}
		if (inet_pton(AF_INET, tmp, n) == 1)
			nfam = AF_INET;
		else if (inet_pton(AF_INET6, tmp, n) == 1) {
			nfam = AF_INET6;
			/*
			 * A v4-mapped entry (RFC 4291 2.5.5.2) of 96 bits or
			 * more is the IPv4 prefix it maps, as the clients are;
			 * a shorter one reaches beyond ::ffff:0:0/96 and stays
			 * IPv6 (IPv4 clients never match IPv6 entries).
			 */
			if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)n) &&
			    (bits < 0 || bits >= 96)) {
				memmove(n, n + 12, 4);
				nfam = AF_INET;
				if (bits >= 96)
					bits -= 96;
			}
		} else
			continue;
		if (nfam != fam)
			continue;
		max = fam == AF_INET ? 32 : 128;
		if (bits > max)
			continue;
		if (bits < 0)
			bits = max;
		if (prefix_match(a, n, bits))
			return 1;
	}
	return 0;
}

int
table_match_addr(const struct table *t, const struct sockaddr *sa)
{
	char	 ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    ip, sizeof(ip));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
	else
		return 0;
	return table_match_ip(t, ip);
}
