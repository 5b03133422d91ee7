/*
 * Who may send where: local and relay domains, relay clients, and the
 * recipient check at RCPT (RFC 5321 3.6.2: no open relay; 550 5.1.1 for
 * an unknown local user, so that no bounce is owed later).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "smtpd.h"

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

/* A user or an alias (lib/aliases, the lookup posta-local makes). */
static int
local_name_exists(const struct smtpd *sd, const char *local,
    const char *domain)
{
	char	 full[ADDR_MAX];

	if ((size_t)snprintf(full, sizeof(full), "%s@%s", local, domain) >=
	    sizeof(full))
		return 0;
	if (users_find(&sd->users, full) != NULL)
		return 1;
	return aliases_find(&sd->aliases, local, domain, 1) != NULL;
}

int
policy_local_exists(const struct smtpd *sd, const struct addr *a)
{
	struct addr	 b;
	size_t		 i, n;
	char		 base[ADDR_LOCAL_MAX * 2];
	const char	*delim;

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
	if (local_name_exists(sd, a->local, a->domain))
		return 1;
	/* user+tag@domain reaches user, as posta-local delivers it */
	delim = conf_str(C_recipient_delimiter);
	if (*delim == '\0' || (n = strcspn(a->local, delim)) == 0 ||
	    a->local[n] == '\0' || n >= sizeof(base))
		return 0;
	memcpy(base, a->local, n);
	base[n] = '\0';
	return local_name_exists(sd, base, a->domain);
}

int
policy_relay_client(const struct smtpd *sd)
{
	return sd->peer_ip[0] != '\0' &&
	    table_match_ip(&sd->relay_networks, sd->peer_ip);
}
