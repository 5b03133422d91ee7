/*
 * dns: MX look-ups (RFC 5321 5.1) on ldns packets and a poll loop of our
 * own, so that a batch of domains is in flight at once.
 *
 * Three layers: the pure parser (wire bytes to a struct dns_answer), the
 * queries (one per name and type in a batch, shared by every domain that
 * needs it, sent over UDP, again over TCP when truncated), and the jobs
 * (one per domain: the MX query, its CNAMEs, then the exchangers'
 * addresses).
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "conf.h"
#include "dns.h"

#define RESOLV_CONF	"/etc/resolv.conf"
#define MAX_CNAMES	8	/* CNAME hops followed across queries */
#define MAX_SERVERS	8
#define EDNS_SIZE	1232	/* UDP payload size advertised (EDNS0) */

struct server {
	struct sockaddr_storage	ss;
	socklen_t		len;
	char			name[INET6_ADDRSTRLEN + 8];	/* for reasons */
};

struct dns {
	struct server	srv[MAX_SERVERS];
	size_t		nsrv;
	int		timeout_ms;
	int		retries;
	size_t		maxq;
};

const char *
dns_status_name(int status)
{
	switch (status) {
	case DNS_OK:
		return "ok";
	case DNS_NOMAIL:
		return "nomail";
	case DNS_TEMP:
		return "temp";
	case DNS_PERM:
		return "perm";
	}
	return "unknown";
}

/* A reason, cut to DNS_REASONLEN if need be (they are for people). */
static void
say(char *reason, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(char *reason, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(reason, DNS_REASONLEN, fmt, ap);
	va_end(ap);
}

/*
 * The pure parts.
 */

static void
lowercase(char *s)
{
	for (; *s != '\0'; s++)
		*s = tolower((unsigned char)*s);
}

int
dns_parse_server(const char *spec, struct sockaddr_storage *ss,
    socklen_t *len)
{
	char		 host[INET6_ADDRSTRLEN + 16], *e;
	const char	*port = "53", *colon;
	struct addrinfo	 hints, *res;
	size_t		 n;
	long		 p;

	if (spec[0] == '[') {
		/* [V6ADDR]:PORT or [V6ADDR] */
		if ((e = strchr(spec, ']')) == NULL)
			return -1;
		n = e - spec - 1;
		if (n == 0 || n >= sizeof(host))
			return -1;
		memcpy(host, spec + 1, n);
		host[n] = '\0';
		if (e[1] == ':')
			port = e + 2;
		else if (e[1] != '\0')
			return -1;
	} else if ((colon = strchr(spec, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		/* V4ADDR:PORT */
		n = colon - spec;
		if (n == 0 || n >= sizeof(host))
			return -1;
		memcpy(host, spec, n);
		host[n] = '\0';
		port = colon + 1;
	} else {
		/* V4ADDR or a bare V6ADDR */
		if (strlcpy(host, spec, sizeof(host)) >= sizeof(host))
			return -1;
	}
	errno = 0;
	p = strtol(port, &e, 10);
	if (*port == '\0' || *e != '\0' || p < 1 || p > 65535 || errno != 0)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_family = AF_UNSPEC;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	if (res->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(res);
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* A name rdf in presentation form, lowercase, without the final dot
 * ("." stays "."). */
static int
rdf_name(const ldns_rdf *rdf, char *out)
{
	char	*s;
	size_t	 n;

	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return -1;
	if ((s = ldns_rdf2str(rdf)) == NULL)
		return -1;
	n = strlen(s);
	if (n > 1 && s[n - 1] == '.')
		s[--n] = '\0';
	if (n >= DNS_NAMELEN) {
		free(s);
		return -1;
	}
	memcpy(out, s, n + 1);
	free(s);
	lowercase(out);
	return 0;
}

static int
same_name(const ldns_rdf *rdf, const char *name)
{
	char	buf[DNS_NAMELEN];

	return rdf_name(rdf, buf) == 0 && strcasecmp(buf, name) == 0;
}

void
dns_answer_free(struct dns_answer *a)
{
	free(a->mx);
	free(a->addr);
	a->mx = NULL;
	a->addr = NULL;
	a->nmx = a->naddr = 0;
}

static int
answer_add(struct dns_answer *a, const ldns_rr *rr, uint16_t qtype)
{
	const ldns_rdf		*r0, *r1;
	struct dns_mxrec	*mx;
	struct sockaddr_storage	*ss;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	r0 = ldns_rr_rdf(rr, 0);
	if (qtype == LDNS_RR_TYPE_MX) {
		r1 = ldns_rr_rdf(rr, 1);
		if (r0 == NULL || r1 == NULL ||
		    ldns_rdf_get_type(r0) != LDNS_RDF_TYPE_INT16)
			return 1;
		mx = reallocarray(a->mx, a->nmx + 1, sizeof(*mx));
		if (mx == NULL)
			return -1;
		a->mx = mx;
		mx += a->nmx;
		mx->pref = ldns_rdf2native_int16(r0);
		if (rdf_name(r1, mx->name) == -1)
			return 1;
		a->nmx++;
		return 0;
	}
	if (r0 == NULL)
		return 1;
	if ((qtype == LDNS_RR_TYPE_A && (ldns_rdf_get_type(r0) !=
	    LDNS_RDF_TYPE_A || ldns_rdf_size(r0) != 4)) ||
	    (qtype == LDNS_RR_TYPE_AAAA && (ldns_rdf_get_type(r0) !=
	    LDNS_RDF_TYPE_AAAA || ldns_rdf_size(r0) != 16)))
		return 1;
	ss = reallocarray(a->addr, a->naddr + 1, sizeof(*ss));
	if (ss == NULL)
		return -1;
	a->addr = ss;
	ss += a->naddr++;
	memset(ss, 0, sizeof(*ss));
	if (qtype == LDNS_RR_TYPE_A) {
		sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ldns_rdf_data(r0), 4);
	} else {
		sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ldns_rdf_data(r0), 16);
	}
	return 0;
}

int
dns_parse_answer(const uint8_t *wire, size_t len, const char *qname,
    uint16_t qtype, struct dns_answer *a)
{
	ldns_pkt	*pkt = NULL;
	ldns_rr_list	*qs, *an;
	ldns_rr		*rr, *q;
	size_t		 i;
	int		 found, r;

	memset(a, 0, sizeof(*a));
	a->rcode = DNS_R_MALFORMED;
	if (strlcpy(a->final, qname, sizeof(a->final)) >= sizeof(a->final))
		return 0;
	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return 0;
	a->id = ldns_pkt_id(pkt);
	qs = ldns_pkt_question(pkt);
	if (!ldns_pkt_qr(pkt) || qs == NULL ||
	    ldns_rr_list_rr_count(qs) != 1)
		goto out;
	q = ldns_rr_list_rr(qs, 0);
	if (ldns_rr_get_type(q) != qtype ||
	    ldns_rr_get_class(q) != LDNS_RR_CLASS_IN ||
	    !same_name(ldns_rr_owner(q), qname))
		goto out;
	a->ad = ldns_pkt_ad(pkt);
	if (ldns_pkt_tc(pkt)) {
		a->rcode = DNS_R_TRUNCATED;
		goto out;
	}
	switch (ldns_pkt_get_rcode(pkt)) {
	case LDNS_RCODE_NOERROR:
	case LDNS_RCODE_NXDOMAIN:
		break;
	case LDNS_RCODE_SERVFAIL:
		a->rcode = DNS_R_SERVFAIL;
		goto out;
	default:
		a->rcode = DNS_R_REFUSED;
		goto out;
	}
	an = ldns_pkt_answer(pkt);
	/* RFC 1034 3.6.2, RFC 2308 2.1: a CNAME chain in the answer
	 * section, the records (or the rcode) are those of its end. */
	for (;;) {
		found = 0;
		for (i = 0; an != NULL && i < ldns_rr_list_rr_count(an); i++) {
			rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME ||
			    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
			    !same_name(ldns_rr_owner(rr), a->final))
				continue;
			if (rdf_name(ldns_rr_rdf(rr, 0), a->final) == -1)
				goto out;
			found = 1;
			break;
		}
		if (!found)
			break;
		if (++a->ncname > 16)		/* a loop */
			goto out;
	}
	for (i = 0; an != NULL && i < ldns_rr_list_rr_count(an); i++) {
		rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != qtype ||
		    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
		    !same_name(ldns_rr_owner(rr), a->final))
			continue;
		if ((r = answer_add(a, rr, qtype)) == -1) {
			ldns_pkt_free(pkt);
			dns_answer_free(a);
			return -1;
		}
		if (r == 1)
			goto bad;
	}
	if (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN) {
		/* records beside NXDOMAIN contradict it: none kept */
		dns_answer_free(a);
		a->rcode = DNS_R_NXDOMAIN;
	} else if (a->nmx > 0 || a->naddr > 0)
		a->rcode = DNS_R_DATA;
	else if (a->ncname > 0)
		a->rcode = DNS_R_CNAME;
	else
		a->rcode = DNS_R_NODATA;
	goto out;
bad:
	dns_answer_free(a);
	a->rcode = DNS_R_MALFORMED;
out:
	ldns_pkt_free(pkt);
	return 0;
}

static int
mxrec_cmp(const void *va, const void *vb)
{
	const struct dns_mxrec *a = va, *b = vb;

	if (a->pref != b->pref)
		return a->pref < b->pref ? -1 : 1;
	return strcmp(a->name, b->name);
}

int
dns_mx_order(struct dns_mxrec *mx, size_t *np, uint32_t (*rnd)(uint32_t))
{
	struct dns_mxrec	 t;
	size_t			 n = *np, i, j, k, start;
	int			 hadnull = 0;

	/* RFC 7505 3: "." as exchanger is a null MX */
	for (i = j = 0; i < n; i++) {
		if (strcmp(mx[i].name, ".") == 0 || mx[i].name[0] == '\0') {
			hadnull = 1;
			continue;
		}
		mx[j++] = mx[i];
	}
	n = j;
	qsort(mx, n, sizeof(*mx), mxrec_cmp);
	/* one name twice: the lowest preference counts */
	for (i = j = 0; i < n; i++) {
		for (k = 0; k < j; k++)
			if (strcmp(mx[k].name, mx[i].name) == 0)
				break;
		if (k == j)
			mx[j++] = mx[i];
	}
	n = j;
	/* RFC 5321 5.1: equal preferences in random order */
	for (start = 0; start < n; start = i) {
		for (i = start + 1; i < n && mx[i].pref == mx[start].pref; i++)
			;
		for (j = i - 1; j > start; j--) {
			k = start + rnd(j - start + 1);
			t = mx[j];
			mx[j] = mx[k];
			mx[k] = t;
		}
	}
	*np = n;
	return hadnull && n == 0;
}

static int	check_domain(const char *, char *);

/*
 * The context.
 */

static int
add_server(struct dns *d, const char *spec)
{
	struct server	*s;
	char		 a[INET6_ADDRSTRLEN];
	const void	*p;
	int		 port;

	if (d->nsrv == MAX_SERVERS)
		return 0;
	s = &d->srv[d->nsrv];
	if (dns_parse_server(spec, &s->ss, &s->len) == -1)
		return -1;
	if (s->ss.ss_family == AF_INET) {
		p = &((struct sockaddr_in *)&s->ss)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&s->ss)->sin_port);
	} else {
		p = &((struct sockaddr_in6 *)&s->ss)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&s->ss)->sin6_port);
	}
	if (inet_ntop(s->ss.ss_family, p, a, sizeof(a)) == NULL)
		return -1;
	(void)snprintf(s->name, sizeof(s->name), "%s#%d", a, port);
	d->nsrv++;
	return 0;
}

static void
read_resolv_conf(struct dns *d)
{
	FILE	*fp;
	char	 line[512], *w, *sp;

	if ((fp = fopen(RESOLV_CONF, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((w = strtok_r(line, " \t\r\n", &sp)) == NULL ||
		    strcmp(w, "nameserver") != 0)
			continue;
		if ((w = strtok_r(NULL, " \t\r\n", &sp)) != NULL)
			(void)add_server(d, w);	/* resolv.conf: skip bad ones */
	}
	fclose(fp);
}

struct dns *
dns_open(char *err, size_t errlen)
{
	struct dns	*d;
	char		*list, *w, *sp;
	long long	 t;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if ((list = strdup(conf_str(C_dns_resolver))) == NULL) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		free(d);
		return NULL;
	}
	for (w = strtok_r(list, " \t,", &sp); w != NULL;
	    w = strtok_r(NULL, " \t,", &sp)) {
		if (add_server(d, w) == -1) {
			(void)snprintf(err, errlen, "dns_resolver: %s: not "
			    "an address[:port]", w);
			free(list);
			free(d);
			return NULL;
		}
	}
	free(list);
	if (d->nsrv == 0)
		read_resolv_conf(d);
	/* resolv.conf(5): without nameserver lines, the local machine */
	if (d->nsrv == 0)
		(void)add_server(d, "127.0.0.1");
	t = conf_num(C_dns_timeout);
	if (t <= 0 || t > 3600) {
		(void)snprintf(err, errlen, "dns_timeout: %lld: not between "
		    "1s and 1h", t);
		free(d);
		return NULL;
	}
	d->timeout_ms = t * 1000;
	d->retries = conf_num(C_dns_retries) < 0 ? 0 :
	    conf_num(C_dns_retries) > 20 ? 20 : conf_num(C_dns_retries);
	d->maxq = conf_num(C_dns_max_queries) < 1 ? 1 :
	    conf_num(C_dns_max_queries) > 4096 ? 4096 :
	    conf_num(C_dns_max_queries);
	return d;
}

void
dns_close(struct dns *d)
{
	free(d);
}

int
mxlist_drop_self(struct mxlist *l, const char *myname)
{
	char	name[DNS_NAMELEN];
	size_t	i, n;
	int	pref;

	if (check_domain(myname, name) == -1)
		return 0;
	for (i = 0; i < l->nhost; i++)
		if (strcmp(l->host[i].name, name) == 0)
			break;
	if (i == l->nhost)
		return 0;
	/* RFC 5321 5.1: drop it and every preference >= its own */
	pref = l->host[i].pref;
	for (i = n = 0; i < l->nhost; i++) {
		if (l->host[i].pref >= pref) {
			free(l->host[i].addr);
			continue;
		}
		l->host[n++] = l->host[i];
	}
	l->nhost = n;
	return 1;
}

void
mxlist_free(struct mxlist *l)
{
	size_t	i;

	for (i = 0; i < l->nhost; i++)
		free(l->host[i].addr);
	free(l->host);
	l->host = NULL;
	l->nhost = 0;
}

/*
 * Queries: one per (name, type) in a batch.
 */

enum qstate { Q_PENDING, Q_UDP, Q_TCP, Q_DONE };
enum tcpstate { T_CONNECT, T_WRITE, T_READLEN, T_READ };

struct lookup;

struct query {
	char		 name[DNS_NAMELEN];
	uint16_t	 type;
	uint16_t	 id;
	enum qstate	 state;
	int		 tries;		/* sends so far */
	size_t		 srv;		/* the server asked last */
	long long	 deadline;	/* ms, monotonic */
	uint8_t		*wire;		/* the query */
	size_t		 wirelen;
	struct dns_answer ans;		/* when done */
	int		 failed;	/* done without an answer: temporary */
	int		 malformed;	/* a UDP answer was malformed */
	char		 reason[DNS_REASONLEN];
	int		 tcpfd;
	enum tcpstate	 tcpstate;
	uint8_t		*tcpbuf;
	size_t		 tcplen, tcpoff;
	struct lookup	*waiters;
	struct query	*hnext;		/* hash chain */
	struct query	*next;		/* pending or in-flight list */
};

/* A job's wait for one name and type, following CNAMEs. */
struct lookup {
	struct job	*job;
	long		 host;		/* -1: the MX look-up */
	uint16_t	 type;
	char		 name[DNS_NAMELEN];
	int		 hops;
	int		 ad;
	struct lookup	*next;		/* waiters of a query */
};

struct job {
	struct mxlist	*out;
	struct lookup	 mx;
	struct lookup	*addr;		/* 2 per host: AAAA, A */
	size_t		 open;		/* address look-ups not done */
	int		 done;
};

#define HASHSIZE	4096

struct engine {
	struct dns	*d;
	struct query	*hash[HASHSIZE];
	struct query	*byid[65536];
	struct query	*pending, **pendtail;
	struct query	*flight;	/* UDP and TCP in flight */
	size_t		 nflight, npending;
	int		 fd4, fd6;
	int		 oom;
	uint8_t		 rbuf[65536];
};

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned
name_hash(const char *name, uint16_t type)
{
	unsigned	h = 2166136261u ^ type;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h % HASHSIZE;
}

static const char *
type_name(uint16_t type)
{
	return type == LDNS_RR_TYPE_MX ? "MX" : type == LDNS_RR_TYPE_A ?
	    "A" : "AAAA";
}

static void	lookup_done(struct engine *, struct lookup *, struct query *);

static void
query_finish(struct engine *e, struct query *q)
{
	struct lookup	*l, *next;

	q->state = Q_DONE;
	if (e->byid[q->id] == q)
		e->byid[q->id] = NULL;
	if (q->tcpfd != -1) {
		close(q->tcpfd);
		q->tcpfd = -1;
	}
	free(q->tcpbuf);
	q->tcpbuf = NULL;
	l = q->waiters;
	q->waiters = NULL;
	for (; l != NULL; l = next) {
		next = l->next;
		lookup_done(e, l, q);
	}
}

static void
query_fail(struct engine *e, struct query *q, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
query_fail(struct engine *e, struct query *q, const char *fmt, ...)
{
	va_list	ap;

	q->failed = 1;
	va_start(ap, fmt);
	(void)vsnprintf(q->reason, sizeof(q->reason), fmt, ap);
	va_end(ap);
	query_finish(e, q);
}

/* Wait for (name, type): at once if a query for it is done. */
static void
lookup_start(struct engine *e, struct lookup *l)
{
	struct query	*q;
	ldns_pkt	*pkt;
	ldns_rdf	*dn;
	unsigned	 h;

	h = name_hash(l->name, l->type);
	for (q = e->hash[h]; q != NULL; q = q->hnext)
		if (q->type == l->type && strcmp(q->name, l->name) == 0)
			break;
	if (q == NULL) {
		if ((q = calloc(1, sizeof(*q))) == NULL) {
			e->oom = 1;
			return;
		}
		(void)strlcpy(q->name, l->name, sizeof(q->name));
		q->type = l->type;
		q->tcpfd = -1;
		q->state = Q_PENDING;
		q->srv = 0;	/* resolv.conf(5): in the order given */
		q->hnext = e->hash[h];
		e->hash[h] = q;
		if ((dn = ldns_dname_new_frm_str(q->name)) == NULL) {
			/* a name from an answer that is no name */
			q->state = Q_DONE;
			q->failed = 1;
			say(q->reason, "%s: not a valid name", q->name);
			lookup_done(e, l, q);
			return;
		}
		pkt = ldns_pkt_query_new(dn, q->type, LDNS_RR_CLASS_IN,
		    LDNS_RD);
		if (pkt == NULL) {
			ldns_rdf_deep_free(dn);
			q->state = Q_DONE;
			q->failed = 1;
			say(q->reason, "out of memory");
			e->oom = 1;
			return;
		}
		/* RFC 6840 5.7: AD in a query asks for AD in the answer */
		ldns_pkt_set_ad(pkt, 1);
		ldns_pkt_set_edns_udp_size(pkt, EDNS_SIZE);
		if (ldns_pkt2wire(&q->wire, pkt, &q->wirelen) !=
		    LDNS_STATUS_OK || q->wirelen < 12) {
			ldns_pkt_free(pkt);
			q->state = Q_DONE;
			q->failed = 1;
			say(q->reason, "out of memory");
			e->oom = 1;
			return;
		}
		ldns_pkt_free(pkt);
		q->next = NULL;
		*e->pendtail = q;
		e->pendtail = &q->next;
		e->npending++;
	}
	if (q->state == Q_DONE) {
		lookup_done(e, l, q);
		return;
	}
	l->next = q->waiters;
	q->waiters = l;
}

/* All of a job's address look-ups are done: the list's status. */
static void
job_finish(struct job *j)
{
	struct mxlist	*o = j->out;
	size_t		 i;
	int		 temp = 0, ok = 0;

	j->done = 1;
	for (i = 0; i < o->nhost; i++) {
		if (o->host[i].naddr > 0)
			ok = 1;
		else if (o->host[i].status == DNS_TEMP)
			temp = 1;
	}
	if (ok) {
		o->status = DNS_OK;
		if (o->implicit)
			o->ad = o->ad && o->host[0].ad;
		return;
	}
	if (temp) {
		o->status = DNS_TEMP;
		for (i = 0; i < o->nhost; i++)
			if (o->host[i].status == DNS_TEMP) {
				say(o->reason, "%s", o->host[i].reason);
				break;
			}
		return;
	}
	if (o->implicit) {
		o->status = DNS_NOMAIL;
		if (o->cname[0] != '\0')
			say(o->reason, "has no MX and no address (CNAME "
			    "%s)", o->cname);
		else
			say(o->reason, "has no MX and no address");
		return;
	}
	o->status = DNS_PERM;
	say(o->reason, "no exchanger has an address (%s)",
	    o->host[0].reason);
}

static void
job_fail(struct job *j, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
job_fail(struct job *j, int status, const char *fmt, ...)
{
	va_list	ap;

	j->done = 1;
	j->out->status = status;
	va_start(ap, fmt);
	(void)vsnprintf(j->out->reason, sizeof(j->out->reason), fmt, ap);
	va_end(ap);
}

/* The MX answer is in: the exchangers, each with AAAA and A look-ups. */
static void
job_hosts(struct engine *e, struct job *j, struct dns_mxrec *mx, size_t n)
{
	struct mxlist	*o = j->out;
	size_t		 i, k;

	o->host = calloc(n, sizeof(*o->host));
	j->addr = calloc(2 * n, sizeof(*j->addr));
	if (o->host == NULL || j->addr == NULL) {
		free(o->host);
		o->host = NULL;
		e->oom = 1;
		job_fail(j, DNS_TEMP, "out of memory");
		return;
	}
	o->nhost = n;
	for (i = 0; i < n; i++) {
		(void)strlcpy(o->host[i].name, mx[i].name,
		    sizeof(o->host[i].name));
		o->host[i].pref = mx[i].pref;
		o->host[i].ad = 1;
		o->host[i].status = DNS_PERM;
	}
	j->open = 2 * n;
	for (i = 0; i < n; i++)
		for (k = 0; k < 2; k++) {
			struct lookup *l = &j->addr[2 * i + k];

			l->job = j;
			l->host = i;
			l->type = k == 0 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A;
			l->ad = 1;
			(void)strlcpy(l->name, mx[i].name, sizeof(l->name));
			lookup_start(e, l);
		}
}

static void
mx_done(struct engine *e, struct lookup *l, struct query *q)
{
	struct job		*j = l->job;
	struct mxlist		*o = j->out;
	struct dns_mxrec	 self;
	const struct dns_answer	*a = &q->ans;
	struct dns_mxrec	*mx;
	size_t			 n;

	if (q->failed) {
		job_fail(j, DNS_TEMP, "%s", q->reason);
		return;
	}
	l->ad = l->ad && a->ad;
	o->ad = l->ad;
	if (a->ncname > 0 || l->hops > 0)
		(void)strlcpy(o->cname, a->final, sizeof(o->cname));
	switch (a->rcode) {
	case DNS_R_DATA:
		n = a->nmx;
		if ((mx = reallocarray(NULL, n, sizeof(*mx))) == NULL) {
			e->oom = 1;
			job_fail(j, DNS_TEMP, "out of memory");
			return;
		}
		memcpy(mx, a->mx, n * sizeof(*mx));
		if (dns_mx_order(mx, &n, arc4random_uniform)) {
			free(mx);
			o->nullmx = 1;
			job_fail(j, DNS_NOMAIL, "accepts no mail (null MX, "
			    "RFC 7505)");
			return;
		}
		if (n == 0) {
			free(mx);
			job_fail(j, DNS_PERM, "malformed MX records");
			return;
		}
		job_hosts(e, j, mx, n);
		free(mx);
		break;
	case DNS_R_CNAME:
		if (++l->hops > MAX_CNAMES) {
			job_fail(j, DNS_PERM, "more than %d CNAMEs",
			    MAX_CNAMES);
			return;
		}
		(void)strlcpy(l->name, a->final, sizeof(l->name));
		lookup_start(e, l);
		break;
	case DNS_R_NODATA:
		/* RFC 5321 5.1: no MX, the domain is its own exchanger */
		o->implicit = 1;
		self.pref = 0;
		(void)strlcpy(self.name, a->final, sizeof(self.name));
		job_hosts(e, j, &self, 1);
		break;
	case DNS_R_NXDOMAIN:
		if (strcmp(a->final, o->domain) == 0)
			job_fail(j, DNS_NOMAIL, "does not exist (NXDOMAIN)");
		else
			job_fail(j, DNS_NOMAIL, "CNAME target %s does not "
			    "exist (NXDOMAIN)", a->final);
		break;
	default:
		job_fail(j, DNS_TEMP, "%s", q->reason);
		break;
	}
}

static void
addr_done(struct engine *e, struct lookup *l, struct query *q)
{
	struct job		*j = l->job;
	struct mxhost		*h = &j->out->host[l->host];
	const struct dns_answer	*a = &q->ans;
	struct sockaddr_storage	*ss;

	if (q->failed) {
		h->status = DNS_TEMP;
		h->ad = 0;
		say(h->reason, "%s", q->reason);
		goto out;
	}
	l->ad = l->ad && a->ad;
	switch (a->rcode) {
	case DNS_R_DATA:
		ss = reallocarray(h->addr, h->naddr + a->naddr, sizeof(*ss));
		if (ss == NULL) {
			e->oom = 1;
			h->status = DNS_TEMP;
			(void)strlcpy(h->reason, "out of memory",
			    sizeof(h->reason));
			goto out;
		}
		h->addr = ss;
		memcpy(ss + h->naddr, a->addr, a->naddr * sizeof(*ss));
		h->naddr += a->naddr;
		h->status = DNS_OK;
		h->ad = h->ad && l->ad;
		break;
	case DNS_R_CNAME:
		if (++l->hops <= MAX_CNAMES) {
			(void)strlcpy(l->name, a->final, sizeof(l->name));
			lookup_start(e, l);
			return;
		}
		if (h->status != DNS_OK && h->status != DNS_TEMP) {
			h->status = DNS_PERM;
			say(h->reason, "%s: "
			    "more than %d CNAMEs", h->name, MAX_CNAMES);
		}
		break;
	case DNS_R_NODATA:
		h->ad = h->ad && l->ad;
		if (h->status == DNS_PERM && h->reason[0] == '\0')
			say(h->reason, "%s has "
			    "no address", h->name);
		break;
	case DNS_R_NXDOMAIN:
		if (h->status == DNS_PERM)
			say(h->reason, "%s does "
			    "not exist (NXDOMAIN)", h->name);
		break;
	default:
		if (h->status != DNS_OK)
			h->status = DNS_TEMP;
		h->ad = 0;
		say(h->reason, "%s", q->reason);
		break;
	}
out:
	if (--j->open == 0)
		job_finish(j);
}

static void
lookup_done(struct engine *e, struct lookup *l, struct query *q)
{
	if (l->host == -1)
		mx_done(e, l, q);
	else
		addr_done(e, l, q);
}

/*
 * The wire: UDP, TCP on truncation.
 */

static int
udp_socket(int family)
{
	int	fd;

	int	size = 1 << 20;

	if ((fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	/* room for a burst of answers to dns_max_queries questions; the
	 * kernel may give less, then a lost answer is asked again */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

static void
query_send(struct engine *e, struct query *q, long long now)
{
	struct server	*s;
	int		 fd;

	if (q->tries > 0 && e->d->nsrv > 1)
		q->srv = (q->srv + 1) % e->d->nsrv;
	s = &e->d->srv[q->srv];
	fd = s->ss.ss_family == AF_INET6 ? e->fd6 : e->fd4;
	q->tries++;
	q->deadline = now + e->d->timeout_ms;
	/* a failed send counts as a lost packet: the timeout resends */
	(void)sendto(fd, q->wire, q->wirelen, 0,
	    (struct sockaddr *)&s->ss, s->len);
}

/* A free random ID (RFC 5452 9.2), written into the query. */
static int
query_id(struct engine *e, struct query *q)
{
	int		 i;
	uint16_t	 id;

	for (i = 0; i < 1000; i++) {
		id = arc4random_uniform(65536);
		if (e->byid[id] == NULL) {
			q->id = id;
			q->wire[0] = id >> 8;
			q->wire[1] = id & 0xff;
			e->byid[id] = q;
			return 0;
		}
	}
	return -1;
}

static void
tcp_start(struct engine *e, struct query *q, long long now)
{
	struct server	*s = &e->d->srv[q->srv];

	q->state = Q_TCP;
	q->deadline = now + e->d->timeout_ms;
	free(q->tcpbuf);
	if ((q->tcpbuf = malloc(2 + 65535)) == NULL) {
		query_fail(e, q, "out of memory");
		return;
	}
	/* RFC 1035 4.2.2: a two-octet length before the message */
	q->tcpbuf[0] = q->wirelen >> 8;
	q->tcpbuf[1] = q->wirelen & 0xff;
	memcpy(q->tcpbuf + 2, q->wire, q->wirelen);
	q->tcplen = 2 + q->wirelen;
	q->tcpoff = 0;
	q->tcpfd = socket(s->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (q->tcpfd == -1) {
		query_fail(e, q, "%s %s: TCP to %s: %s", q->name,
		    type_name(q->type), s->name, strerror(errno));
		return;
	}
	q->tcpstate = T_CONNECT;
	if (connect(q->tcpfd, (struct sockaddr *)&s->ss, s->len) == 0)
		q->tcpstate = T_WRITE;
	else if (errno != EINPROGRESS)
		query_fail(e, q, "%s %s: TCP to %s: %s", q->name,
		    type_name(q->type), s->name, strerror(errno));
}

/* An answer from the server asked: done, or over TCP, or again. */
static void
query_answer(struct engine *e, struct query *q, const uint8_t *p, size_t n,
    long long now)
{
	struct server	*s = &e->d->srv[q->srv];

	dns_answer_free(&q->ans);
	if (dns_parse_answer(p, n, q->name, q->type, &q->ans) == -1) {
		e->oom = 1;
		query_fail(e, q, "out of memory");
		return;
	}
	switch (q->ans.rcode) {
	case DNS_R_TRUNCATED:
		if (q->state == Q_UDP) {
			tcp_start(e, q, now);
			return;
		}
		query_fail(e, q, "%s %s: truncated answer over TCP from %s",
		    q->name, type_name(q->type), s->name);
		return;
	case DNS_R_MALFORMED:
		/* over UDP it may be a late answer to an earlier query
		 * that had this ID, or a forgery: wait for the real one */
		if (q->state == Q_UDP) {
			q->malformed = 1;
			return;
		}
		query_fail(e, q, "%s %s: malformed answer from %s", q->name,
		    type_name(q->type), s->name);
		return;
	case DNS_R_SERVFAIL:
	case DNS_R_REFUSED:
		/* another nameserver may know better */
		if (q->state == Q_UDP && e->d->nsrv > 1 &&
		    q->tries <= e->d->retries) {
			query_send(e, q, now);
			return;
		}
		query_fail(e, q, "%s %s: %s from %s", q->name,
		    type_name(q->type), q->ans.rcode == DNS_R_SERVFAIL ?
		    "SERVFAIL" : "query refused", s->name);
		return;
	default:
		query_finish(e, q);
		return;
	}
}

static int
same_addr(const struct sockaddr_storage *a, const struct server *s)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->ss_family != s->ss.ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)&s->ss;
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	a6 = (const struct sockaddr_in6 *)a;
	b6 = (const struct sockaddr_in6 *)&s->ss;
	return a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
}

static void
udp_read(struct engine *e, int fd, long long now)
{
	struct sockaddr_storage	 from;
	socklen_t		 fl;
	struct query		*q;
	ssize_t			 n;
	int			 i;

	for (i = 0; i < 1024; i++) {
		fl = sizeof(from);
		n = recvfrom(fd, e->rbuf, sizeof(e->rbuf), 0,
		    (struct sockaddr *)&from, &fl);
		if (n == -1)
			return;
		if (n < 12)
			continue;
		q = e->byid[(e->rbuf[0] << 8) | e->rbuf[1]];
		if (q == NULL || q->state != Q_UDP ||
		    !same_addr(&from, &e->d->srv[q->srv]))
			continue;
		query_answer(e, q, e->rbuf, n, now);
	}
}

static void
tcp_io(struct engine *e, struct query *q, short revents, long long now)
{
	struct server	*s = &e->d->srv[q->srv];
	ssize_t		 n;
	int		 soerr;
	socklen_t	 sl = sizeof(soerr);

	if (q->tcpstate == T_CONNECT) {
		if (getsockopt(q->tcpfd, SOL_SOCKET, SO_ERROR, &soerr,
		    &sl) == -1 || soerr != 0) {
			query_fail(e, q, "%s %s: TCP to %s: %s", q->name,
			    type_name(q->type), s->name, strerror(soerr));
			return;
		}
		q->tcpstate = T_WRITE;
	}
	if (q->tcpstate == T_WRITE) {
		n = write(q->tcpfd, q->tcpbuf + q->tcpoff,
		    q->tcplen - q->tcpoff);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			query_fail(e, q, "%s %s: TCP to %s: %s", q->name,
			    type_name(q->type), s->name, strerror(errno));
			return;
		}
		q->tcpoff += n;
		if (q->tcpoff < q->tcplen)
			return;
		q->tcpstate = T_READLEN;
		q->tcpoff = 0;
		q->tcplen = 2;
		return;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = read(q->tcpfd, q->tcpbuf + (q->tcpstate == T_READ ? 2 : 0) +
	    q->tcpoff, q->tcplen - q->tcpoff);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		query_fail(e, q, "%s %s: TCP from %s: %s", q->name,
		    type_name(q->type), s->name, n == 0 ? "connection closed" :
		    strerror(errno));
		return;
	}
	q->tcpoff += n;
	if (q->tcpoff < q->tcplen)
		return;
	if (q->tcpstate == T_READLEN) {
		q->tcplen = (q->tcpbuf[0] << 8) | q->tcpbuf[1];
		q->tcpoff = 0;
		q->tcpstate = T_READ;
		if (q->tcplen < 12) {
			query_fail(e, q, "%s %s: short answer over TCP from "
			    "%s", q->name, type_name(q->type), s->name);
		}
		return;
	}
	query_answer(e, q, q->tcpbuf + 2, q->tcplen, now);
}

static void
engine_free(struct engine *e)
{
	struct query	*q, *next;
	size_t		 i;

	for (i = 0; i < HASHSIZE; i++)
		for (q = e->hash[i]; q != NULL; q = next) {
			next = q->hnext;
			if (q->tcpfd != -1)
				close(q->tcpfd);
			free(q->tcpbuf);
			free(q->wire);
			dns_answer_free(&q->ans);
			free(q);
		}
	if (e->fd4 != -1)
		close(e->fd4);
	if (e->fd6 != -1)
		close(e->fd6);
	free(e);
}

/* Time out, resend, start what is pending; the in-flight list rebuilt. */
static void
engine_step(struct engine *e, long long now)
{
	struct query	*q, *next, *keep = NULL;
	struct server	*s;
	size_t		 n = 0;

	for (q = e->flight; q != NULL; q = next) {
		next = q->next;
		if (q->state != Q_DONE && now >= q->deadline) {
			s = &e->d->srv[q->srv];
			if (q->state == Q_UDP && q->tries <= e->d->retries)
				query_send(e, q, now);
			else if (q->state == Q_UDP)
				query_fail(e, q, "%s %s: no %sanswer from %s "
				    "after %d tries", q->name,
				    type_name(q->type), q->malformed ?
				    "well-formed " : "", s->name, q->tries);
			else
				query_fail(e, q, "%s %s: TCP to %s timed out",
				    q->name, type_name(q->type), s->name);
		}
		if (q->state != Q_DONE) {
			q->next = keep;
			keep = q;
			n++;
		}
	}
	e->flight = keep;
	e->nflight = n;
	while (e->pending != NULL && e->nflight < e->d->maxq) {
		q = e->pending;
		if ((e->pending = q->next) == NULL)
			e->pendtail = &e->pending;
		e->npending--;
		if (query_id(e, q) == -1) {
			q->next = NULL;
			query_fail(e, q, "no free query ID");
			continue;
		}
		q->state = Q_UDP;
		query_send(e, q, now);
		q->next = e->flight;
		e->flight = q;
		e->nflight++;
	}
}

static void
job_init(struct job *j, struct mxlist *out, const char *domain)
{
	memset(j, 0, sizeof(*j));
	memset(out, 0, sizeof(*out));
	j->out = out;
	j->mx.job = j;
	j->mx.host = -1;
	j->mx.type = LDNS_RR_TYPE_MX;
	j->mx.ad = 1;
	(void)strlcpy(out->domain, domain, sizeof(out->domain));
}

/* A domain name as mail uses it (RFC 5321 4.1.2): LDH labels of at
 * most 63 octets, 253 in all; "_" allowed as DNS allows it.  The name
 * is lowercased and loses a final dot. */
static int
check_domain(const char *in, char *out)
{
	size_t	n, label = 0, i;

	n = strlen(in);
	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return -1;
	for (i = 0; i < n; i++) {
		if (in[i] == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (isalnum((unsigned char)in[i]) || in[i] == '-' ||
		    in[i] == '_') {
			if (++label > 63)
				return -1;
		} else
			return -1;
	}
	if (label == 0)
		return -1;
	memcpy(out, in, n);
	out[n] = '\0';
	lowercase(out);
	return 0;
}

/* RFC 5321 4.1.3: an address literal needs no DNS. */
static int
address_literal(const char *domain, struct mxlist *out)
{
	char			 a[INET6_ADDRSTRLEN + 8];
	const char		*p;
	size_t			 n;
	struct sockaddr_storage	*ss;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	n = strlen(domain);
	if (n < 3 || domain[0] != '[' || domain[n - 1] != ']')
		return 0;
	out->status = DNS_PERM;
	say(out->reason, "malformed address literal");
	p = domain + 1;
	n -= 2;
	if (strncasecmp(p, "IPv6:", 5) == 0) {
		p += 5;
		n -= 5;
	}
	if (n >= sizeof(a))
		return 1;
	memcpy(a, p, n);
	a[n] = '\0';
	if ((out->host = calloc(1, sizeof(*out->host))) == NULL ||
	    (ss = calloc(1, sizeof(*ss))) == NULL) {
		free(out->host);
		out->host = NULL;
		out->status = DNS_TEMP;
		(void)strlcpy(out->reason, "out of memory",
		    sizeof(out->reason));
		return 1;
	}
	sin = (struct sockaddr_in *)ss;
	sin6 = (struct sockaddr_in6 *)ss;
	if (p == domain + 1 && inet_pton(AF_INET, a, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (p != domain + 1 &&
	    inet_pton(AF_INET6, a, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else {
		free(ss);
		free(out->host);
		out->host = NULL;
		return 1;
	}
	(void)strlcpy(out->host[0].name, domain, sizeof(out->host[0].name));
	out->host[0].addr = ss;
	out->host[0].naddr = 1;
	out->host[0].status = DNS_OK;
	out->nhost = 1;
	out->implicit = 1;
	out->status = DNS_OK;
	out->reason[0] = '\0';
	return 1;
}

int
dns_mx_batch(struct dns *d, char *const *domain, size_t n,
    struct mxlist *out)
{
	struct engine	*e;
	struct job	*jobs;
	struct pollfd	*pfd;
	struct query	*q, **pq;
	size_t		 i, next = 0, open = 0, np, nfd;
	long long	 now, wait;
	int		 need4 = 0, need6 = 0, saved, r = 0;
	char		 name[DNS_NAMELEN];

	for (i = 0; i < d->nsrv; i++) {
		if (d->srv[i].ss.ss_family == AF_INET6)
			need6 = 1;
		else
			need4 = 1;
	}
	jobs = calloc(n ? n : 1, sizeof(*jobs));
	e = calloc(1, sizeof(*e));
	pfd = reallocarray(NULL, d->maxq + 2, sizeof(*pfd));
	pq = reallocarray(NULL, d->maxq + 2, sizeof(*pq));
	if (jobs == NULL || e == NULL || pfd == NULL || pq == NULL)
		goto fail;
	e->d = d;
	e->fd4 = e->fd6 = -1;
	e->pendtail = &e->pending;
	if ((need4 && (e->fd4 = udp_socket(AF_INET)) == -1) ||
	    (need6 && (e->fd6 = udp_socket(AF_INET6)) == -1))
		goto fail;

	for (;;) {
		now = now_ms();
		/* new domains while there is room for their queries */
		while (next < n && e->npending + e->nflight < d->maxq &&
		    !e->oom) {
			struct job *j = &jobs[next];

			job_init(j, &out[next], domain[next]);
			if (address_literal(domain[next], &out[next]))
				j->done = 1;
			else if (check_domain(domain[next], name) == -1)
				job_fail(j, DNS_PERM, "not a domain name");
			else {
				(void)strlcpy(out[next].domain, name,
				    sizeof(out[next].domain));
				(void)strlcpy(j->mx.name, name,
				    sizeof(j->mx.name));
				lookup_start(e, &j->mx);
			}
			next++;
		}
		engine_step(e, now);
		for (; open < next && jobs[open].done; open++)
			;
		if (e->oom)
			break;
		if (open == n)
			break;
		/* a job can be waiting only on something in flight */
		if (e->nflight == 0 && e->npending == 0) {
			if (next < n)
				continue;
			break;
		}
		nfd = 0;
		if (e->fd4 != -1) {
			pfd[nfd].fd = e->fd4;
			pfd[nfd].events = POLLIN;
			pq[nfd++] = NULL;
		}
		if (e->fd6 != -1) {
			pfd[nfd].fd = e->fd6;
			pfd[nfd].events = POLLIN;
			pq[nfd++] = NULL;
		}
		wait = d->timeout_ms;
		for (q = e->flight; q != NULL; q = q->next) {
			if (q->deadline - now < wait)
				wait = q->deadline - now;
			if (q->state != Q_TCP || nfd >= d->maxq + 2)
				continue;
			pfd[nfd].fd = q->tcpfd;
			pfd[nfd].events = q->tcpstate == T_CONNECT ||
			    q->tcpstate == T_WRITE ? POLLOUT : POLLIN;
			pq[nfd++] = q;
		}
		if (wait < 0)
			wait = 0;
		if (poll(pfd, nfd, wait) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		now = now_ms();
		for (np = 0; np < nfd; np++) {
			if (pfd[np].revents == 0)
				continue;
			if (pq[np] == NULL)
				udp_read(e, pfd[np].fd, now);
			else if (pq[np]->state == Q_TCP)
				tcp_io(e, pq[np], pfd[np].revents, now);
		}
	}
	/* what is still open failed: memory ran out, or a bug */
	for (i = 0; i < n; i++) {
		if (i >= next)
			job_init(&jobs[i], &out[i], domain[i]);
		if (!jobs[i].done)
			job_fail(&jobs[i], DNS_TEMP, "%s", e->oom ?
			    "out of memory" : "look-up abandoned");
	}
	for (i = 0; i < n; i++)
		free(jobs[i].addr);
	free(jobs);
	free(pfd);
	free(pq);
	engine_free(e);
	return r;
fail:
	saved = errno;
	for (i = 0; i < n; i++) {
		if (jobs != NULL && i < next) {
			mxlist_free(&out[i]);
			free(jobs[i].addr);
		}
		memset(&out[i], 0, sizeof(out[i]));
		(void)strlcpy(out[i].domain, domain[i], sizeof(out[i].domain));
		out[i].status = DNS_TEMP;
		say(out[i].reason, "%s", strerror(saved));
	}
	free(jobs);
	free(pfd);
	free(pq);
	if (e != NULL)
		engine_free(e);
	errno = saved;
	return -1;
}

int
dns_mx(struct dns *d, const char *domain, struct mxlist *out)
{
	char	*list[1];

	list[0] = (char *)domain;
	(void)dns_mx_batch(d, list, 1, out);
	return out->status;
}
