/*
 * table: the plain-text tables posta.conf names (local domains, relay
 * domains, relay networks): one entry a line, # comments, blank lines.
 */
#ifndef POSTA_TABLE_H
#define POSTA_TABLE_H

#include <sys/socket.h>
#include <stddef.h>

struct table {
	char	**items;	/* lowercased */
	size_t	  n;
};

/* Load path; an empty path is an empty table.  -1 and errno on error. */
int	table_load(struct table *, const char *path);
void	table_free(struct table *);
/* Exact match, ASCII case-insensitive. */
int	table_has(const struct table *, const char *);
/* Networks: entries are addresses or CIDR prefixes (v4 or v6). */
int	table_match_addr(const struct table *, const struct sockaddr *);
int	table_match_ip(const struct table *, const char *ip);

#endif
