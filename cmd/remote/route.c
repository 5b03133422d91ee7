/*
 * Where and how to deliver: the transport table, the relay host, the
 * destination's MX records (lib/dns), and the TLS policy table.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "conf.h"
#include "dns.h"
#include "log.h"
#include "remote.h"

/*
 * The value for dest in a "key value" file: the domain itself, else
 * ".parent" entries for its subdomains, the nearest first.  1 found,
 * 0 not, -1 the file cannot be read.
 */
static int
table_value(const char *path, const char *dest, char *val, size_t vallen)
{
	FILE		*fp;
	char		*line = NULL, *k, *v, *e;
	size_t		 cap = 0;
	const char	*d;
	size_t		 best = (size_t)-1, depth;
	int		 found = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (getline(&line, &cap, fp) != -1) {
		if ((e = strchr(line, '#')) != NULL)
			*e = '\0';
		k = line + strspn(line, " \t\r\n");
		if (*k == '\0')
			continue;
		v = k + strcspn(k, " \t\r\n");
		if (*v != '\0')
			*v++ = '\0';
		v += strspn(v, " \t");
		v[strcspn(v, " \t\r\n")] = '\0';
		if (*v == '\0')
			continue;
		if (strcasecmp(k, dest) == 0)
			depth = 0;
		else if (*k == '.') {
			/* ".example.test" matches a.example.test, a.b.example.test */
			depth = 0;
			for (d = dest; (d = strchr(d, '.')) != NULL; d++) {
				depth++;
				if (strcasecmp(d, k) == 0)
					break;
			}
			if (d == NULL)
				continue;
		} else
			continue;
		if (depth < best) {
			best = depth;
			if (strlcpy(val, v, vallen) >= vallen) {
				found = -2;
				break;
			}
			found = 1;
		}
	}
	free(line);
	fclose(fp);
	if (found == -2) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return found;
}

int
route_tls_policy(const char *dest, char *err, size_t errlen)
{
	const char	*path = conf_str(C_remote_tls_policy_table);
	char		 v[64];
	const char	*p = conf_str(C_remote_tls_policy);
	int		 r;

	if (*path != '\0') {
		if ((r = table_value(path, dest, v, sizeof(v))) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (r == 1)
			p = v;
	}
	if (strcasecmp(p, "none") == 0)
		return TLS_NONE;
	if (strcasecmp(p, "may") == 0)
		return TLS_MAY;
	if (strcasecmp(p, "encrypt") == 0)
		return TLS_ENCRYPT;
	if (strcasecmp(p, "verify") == 0)
		return TLS_VERIFY;
	snprintf(err, errlen, "unknown TLS policy \"%s\" for %s: none, may, "
	    "encrypt or verify", p, dest);
	return -1;
}

static int
add_target(struct route *rt, const char *name, const struct sockaddr *sa,
    socklen_t salen, int port)
{
	struct target	*t, *nt;
	const void	*a;
	size_t		 i;

	if (rt->n >= (size_t)conf_num(C_remote_max_addresses))
		return 0;
	for (i = 0; i < rt->n; i++)
		if (rt->t[i].salen == salen && rt->t[i].port == port &&
		    memcmp(&rt->t[i].sa, sa, salen) == 0)
			return 0;
	if ((nt = reallocarray(rt->t, rt->n + 1, sizeof(*nt))) == NULL)
		return -1;
	rt->t = nt;
	t = &rt->t[rt->n];
	memset(t, 0, sizeof(*t));
	if (strlcpy(t->name, name, sizeof(t->name)) >= sizeof(t->name))
		return 0;
	memcpy(&t->sa, sa, salen);
	t->salen = salen;
	t->port = port;
	a = sa->sa_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (inet_ntop(sa->sa_family, a, t->ip, sizeof(t->ip)) == NULL)
		return 0;
	if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)&t->sa)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&t->sa)->sin_port = htons(port);
	rt->n++;
	return 0;
}

/* A host's addresses (A and AAAA, or a numeric address) as targets. */
static int
add_host(struct route *rt, const char *host, int numeric, int port,
    char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	int		 r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = numeric ? AI_NUMERICHOST : AI_ADDRCONFIG;
	if ((r = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(r));
		return r == EAI_AGAIN || r == EAI_SYSTEM || r == EAI_MEMORY ?
		    -1 : -2;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
		    add_target(rt, host, ai->ai_addr, ai->ai_addrlen, port) == -1) {
			freeaddrinfo(res);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	freeaddrinfo(res);
	return 0;
}

/*
 * "host", "host:port", "[address]" or "[address]:port"; an address
 * literal may be "[IPv6:...]" (RFC 5321 4.1.3).  -1 temporary, -2
 * permanent failure.
 */
static int
add_spec(struct route *rt, const char *spec, char *err, size_t errlen)
{
	char		 host[256];
	const char	*p, *colon;
	long		 port = conf_num(C_remote_port);
	char		*end;
	int		 numeric = 0;

	if (*spec == '[') {
		if ((p = strchr(spec, ']')) == NULL)
			goto bad;
		if ((size_t)(p - spec - 1) >= sizeof(host))
			goto bad;
		memcpy(host, spec + 1, p - spec - 1);
		host[p - spec - 1] = '\0';
		colon = p[1] == ':' ? p + 1 : NULL;
		if (p[1] != '\0' && colon == NULL)
			goto bad;
		numeric = 1;
		if (strncasecmp(host, "IPv6:", 5) == 0)
			memmove(host, host + 5, strlen(host + 5) + 1);
	} else {
		colon = strrchr(spec, ':');
		if (colon != NULL && strchr(spec, ':') != colon)
			colon = NULL;	/* a bare IPv6 address */
		if ((size_t)(colon ? colon - spec : (long)strlen(spec)) >=
		    sizeof(host))
			goto bad;
		strlcpy(host, spec, colon ? (size_t)(colon - spec) + 1 :
		    sizeof(host));
	}
	if (colon != NULL) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
			goto bad;
	}
	if (host[0] == '\0')
		goto bad;
	return add_host(rt, host, numeric, (int)port, err, errlen);
bad:
	snprintf(err, errlen, "malformed next hop \"%.300s\"", spec);
	return -2;
}

static void
route_fail(struct route *rt, char result, const char *status,
    const char *text)
{
	rt->fail = result;
	strlcpy(rt->status, status, sizeof(rt->status));
	strlcpy(rt->text, text, sizeof(rt->text));
}

/* RFC 5321 5.1: the destination's exchangers, lowest preference first. */
static void
route_mx(struct remote *r)
{
	struct route	*rt = &r->route;
	struct dns	*d;
	struct mxlist	 l;
	struct mxhost	*h;
	char		 why[DNS_REASONLEN + 300];
	size_t		 i, k;
	int		 port = (int)conf_num(C_remote_port);

	if ((d = dns_open(why, sizeof(why))) == NULL) {
		route_fail(rt, 'T', "4.4.3", why);
		return;
	}
	memset(&l, 0, sizeof(l));
	switch (dns_mx(d, r->dest, &l)) {
	case DNS_OK:
		for (i = 0; i < l.nhost; i++) {
			h = &l.host[i];
			for (k = 0; k < h->naddr; k++)
				if (add_target(rt, h->name,
				    (struct sockaddr *)&h->addr[k],
				    h->addr[k].ss_family == AF_INET6 ?
				    sizeof(struct sockaddr_in6) :
				    sizeof(struct sockaddr_in), port) == -1) {
					route_fail(rt, 'T', "4.3.0",
					    "out of memory");
					goto out;
				}
			if (h->naddr == 0)
				log_info("%s: MX %s skipped: %s", r->dest,
				    h->name, h->reason);
		}
		if (rt->n == 0)
			route_fail(rt, 'T', "4.4.3", "no exchanger address");
		break;
	case DNS_NOMAIL:
		/* RFC 7505 4.2: 5.1.10 for a null MX; else no such domain */
		snprintf(why, sizeof(why), "domain %s %s", r->dest, l.reason);
		route_fail(rt, 'F', l.nullmx ? "5.1.10" : "5.1.2", why);
		break;
	case DNS_PERM:
		snprintf(why, sizeof(why), "domain %s: %s", r->dest, l.reason);
		route_fail(rt, 'F', "5.4.4", why);
		break;
	default:
		snprintf(why, sizeof(why), "DNS lookup of %s: %s", r->dest,
		    l.reason);
		route_fail(rt, 'T', "4.4.3", why);
		break;
	}
out:
	mxlist_free(&l);
	dns_close(d);
}

/*
 * The transport table, the relay host and the TLS policy table, read
 * before privileges are dropped.  -1 on a local error (the run stops).
 */
int
route_tables(struct remote *r, char *err, size_t errlen)
{
	struct route	*rt = &r->route;
	const char	*path = conf_str(C_remote_transport_table);
	int		 n;

	memset(rt, 0, sizeof(*rt));
	if ((rt->tls = route_tls_policy(r->dest, err, errlen)) == -1)
		return -1;
	if (*path != '\0') {
		n = table_value(path, r->dest, rt->spec, sizeof(rt->spec));
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (n == 0)
			rt->spec[0] = '\0';
	}
	if (rt->spec[0] == '\0' && *conf_str(C_remote_relayhost) != '\0') {
		if (strlcpy(rt->spec, conf_str(C_remote_relayhost),
		    sizeof(rt->spec)) >= sizeof(rt->spec)) {
			snprintf(err, errlen, "remote_relayhost too long");
			return -1;
		}
		rt->relay = 1;
	}
	if (rt->spec[0] == '\0' && r->dest[0] == '[')
		/* an address literal: no DNS (RFC 5321 5.1) */
		strlcpy(rt->spec, r->dest, sizeof(rt->spec));
	return 0;
}

/* The addresses to try; r->route.fail set when there are none. */
void
route_find(struct remote *r)
{
	struct route	*rt = &r->route;
	char		 spec[sizeof(rt->spec)], why[512], *p, *comma;
	int		 n, worst = 0;

	if (rt->spec[0] == '\0') {
		route_mx(r);
		return;
	}
	/* hops separated by commas, tried in order */
	strlcpy(spec, rt->spec, sizeof(spec));
	for (p = spec; p != NULL; p = comma) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma++ = '\0';
		if ((n = add_spec(rt, p, why, sizeof(why))) < worst)
			worst = n;
		if (n < 0)
			log_info("%s: next hop %s: %s", r->dest, p, why);
	}
	if (rt->n == 0 && worst == -1)
		route_fail(rt, 'T', "4.4.3", why);
	else if (rt->n == 0 && worst == -2)
		route_fail(rt, 'F', "5.4.4", why);
	else if (rt->n == 0)
		route_fail(rt, 'F', "5.4.4", "no address for the next hop");
}

int
route_auth_load(struct remote *r, char *err, size_t errlen)
{
	const char	*path = conf_str(C_remote_auth_file);
	FILE		*fp;
	char		*line = NULL, *c;
	size_t		 cap = 0;
	ssize_t		 n;

	r->auth_user = r->auth_pass = NULL;
	if (*path != '\0') {
		if ((fp = fopen(path, "r")) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		n = getline(&line, &cap, fp);
		fclose(fp);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n <= 0 || (c = strchr(line, ':')) == NULL || c == line) {
			free(line);
			snprintf(err, errlen, "%s: want one username:password "
			    "line", path);
			return -1;
		}
		*c = '\0';
		if ((r->auth_user = strdup(line)) == NULL ||
		    (r->auth_pass = strdup(c + 1)) == NULL) {
			free(line);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		explicit_bzero(line, cap);
		free(line);
		return 0;
	}
	if (*conf_str(C_remote_auth_username) != '\0') {
		if ((r->auth_user = strdup(conf_str(C_remote_auth_username)))
		    == NULL || (r->auth_pass =
		    strdup(conf_str(C_remote_auth_password))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}
