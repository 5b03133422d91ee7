/*
 * Who may send where: local and relay domains, relay clients, and the
 * recipient check at RCPT (RFC 5321 3.6.2: no open relay; 550 5.1.1 for
 * an unknown local user, so that no bounce is owed later).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtpd.h"

/* The keys of posta-aliases(5): "name: targets" lines. */
int
policy_aliases_load(struct table *t, const char *path)
{
	FILE	*f;
	char	*line = NULL, *p, *colon, **items;
	size_t	 cap = 0;
	ssize_t	 n;

	memset(t, 0, sizeof(*t));
	if (*path == '\0')
		return 0;
	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((n = getline(&line, &cap, f)) != -1) {
		/* continuation lines and comments carry no key */
		if (line[0] == '#' || isspace((unsigned char)line[0]))
			continue;
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		while (colon > line && isspace((unsigned char)colon[-1]))
			colon--;
		*colon = '\0';
		for (p = line; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if ((items = reallocarray(t->items, t->n + 1,
		    sizeof(*items))) == NULL)
			goto fail;
		t->items = items;
		if ((t->items[t->n] = strdup(line)) == NULL)
			goto fail;
		t->n++;
	}
	free(line);
	fclose(f);
	return 0;
fail:
	free(line);
	fclose(f);
	return -1;
}

int
policy_domain(const struct smtpd *sd, const struct addr *a)
{
	char	 lit[80];

	if (a->literal) {
		/* RFC 5321 4.1.3: only a literal of our own address is ours */
		if (sd->local_ip[0] == '\0')
			return 0;
		if (strchr(sd->local_ip, ':') != NULL)
			snprintf(lit, sizeof(lit), "[ipv6:%s]", sd->local_ip);
		else
			snprintf(lit, sizeof(lit), "[%s]", sd->local_ip);
		return strcasecmp(lit, a->domain) == 0 ? 1 : 0;
	}
	if (strcasecmp(a->domain, sd->hostname) == 0 ||
	    table_has(&sd->local_domains, a->domain))
		return 1;
	if (table_has(&sd->relay_domains, a->domain))
		return 2;
	return 0;
}

int
policy_local_exists(const struct smtpd *sd, const struct addr *a)
{
	struct addr	 b;
	size_t		 i;
	char		 full[ADDR_MAX];

	if (strcasecmp(a->local, "postmaster") == 0)
		return 1;
	if (a->literal) {
		/* user@[our address]: the user of any of our domains */
		b = *a;
		b.literal = 0;
		strlcpy(b.domain, sd->hostname, sizeof(b.domain));
		if (policy_local_exists(sd, &b))
			return 1;
		for (i = 0; i < sd->local_domains.n; i++) {
			strlcpy(b.domain, sd->local_domains.items[i],
			    sizeof(b.domain));
			if (policy_local_exists(sd, &b))
				return 1;
		}
		return 0;
	}
	if ((size_t)snprintf(full, sizeof(full), "%s@%s", a->local,
	    a->domain) >= sizeof(full))
		return 0;
	if (users_find(&sd->users, full) != NULL)
		return 1;
	return table_has(&sd->aliases, full) || table_has(&sd->aliases,
	    a->local);
}

int
policy_relay_client(const struct smtpd *sd)
{
	return sd->peer_ip[0] != '\0' &&
	    table_match_ip(&sd->relay_networks, sd->peer_ip);
}
