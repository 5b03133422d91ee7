/*
 * dns: mail exchanger look-ups on ldns, by the rules of RFC 5321 5.1.
 *
 * A context holds the resolver (posta.conf's dns_resolver, else the
 * nameservers of /etc/resolv.conf), the timeout and the retries.  Packets
 * are built and parsed with ldns; the queries of a batch are in flight
 * together over one UDP socket per address family, with TCP when an
 * answer comes back truncated.  Nothing here dies or logs: every outcome
 * is a status and a reason.
 *
 * The list of a domain holds its exchangers in the order to try them:
 * preference ascending, equal preferences shuffled, the domain itself
 * (an implicit MX of preference 0) when it has no MX but an address.
 * CNAMEs are followed (RFC 5321 5.1: the resulting name is processed as
 * if it were the initial name).  Each exchanger carries its addresses,
 * AAAA then A, port 0; an exchanger whose names do not resolve is kept
 * with naddr 0 and its own status (a client skips it).  An address
 * literal ("[192.0.2.1]", "[IPv6:2001:db8::1]", RFC 5321 4.1.3) is its
 * own exchanger, without DNS.  The AD bits are the resolver's word
 * (RFC 6840 5.7): worth something only from a validating resolver on a
 * trusted path, such as one on loopback.
 */
#ifndef POSTA_DNS_H
#define POSTA_DNS_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

/* Statuses, of a list and of an exchanger. */
#define DNS_OK		0	/* exchangers found */
#define DNS_NOMAIL	1	/* NXDOMAIN, null MX (RFC 7505), no MX and
				 * no address: the domain takes no mail */
#define DNS_TEMP	2	/* SERVFAIL, REFUSED (the resolver's set-up),
				 * timeout, a malformed answer, exchangers
				 * without an address yet: try again later */
#define DNS_PERM	3	/* not a domain name, a CNAME chain too
				 * long, exchangers that do not exist: a
				 * permanent failure */

#define DNS_NAMELEN	256	/* a presentation name without the final
				 * dot, NUL included (RFC 1035 2.3.4) */
#define DNS_REASONLEN	512

struct mxhost {
	char			 name[DNS_NAMELEN];	/* lowercase, no final dot */
	int			 pref;		/* 0 for an implicit MX */
	int			 status;	/* DNS_OK when naddr > 0 */
	int			 ad;		/* every address answer had AD */
	struct sockaddr_storage	*addr;		/* AAAA first, then A */
	size_t			 naddr;
	char			 reason[DNS_REASONLEN];	/* when naddr == 0 */
};

struct mxlist {
	char		 domain[DNS_NAMELEN];	/* as asked, lowercase */
	char		 cname[DNS_NAMELEN];	/* canonical name, "" if none */
	int		 status;
	int		 ad;		/* the MX (or implicit address) answers,
					 * CNAMEs included, all had AD */
	int		 implicit;	/* no MX: host[0] is the domain itself */
	struct mxhost	*host;		/* in the order to try */
	size_t		 nhost;
	char		 reason[DNS_REASONLEN];	/* why, when status != DNS_OK;
					 * it does not repeat the domain */
	int		 nullmx;	/* DNS_NOMAIL from a null MX (RFC 7505
					 * 4.2: 5.1.10 in a bounce) */
};

struct dns;

/*
 * A context from posta.conf (dns_resolver, dns_timeout, dns_retries,
 * dns_max_queries); conf must be loaded.  NULL with a reason in err if
 * the resolver setting is malformed or no nameserver is known.
 */
struct dns	*dns_open(char *err, size_t errlen);
void		 dns_close(struct dns *);

/* One domain; returns out->status.  Free out with mxlist_free. */
int		 dns_mx(struct dns *, const char *domain, struct mxlist *out);

/*
 * Many domains at once, at most dns_max_queries queries in flight;
 * out[i] is domain[i]'s list.  Exchanger addresses are asked once per
 * batch for all the domains that share them.  -1 and errno when the
 * sockets cannot be made (then every out[i] is DNS_TEMP); else 0.
 */
int		 dns_mx_batch(struct dns *, char *const *domain, size_t n,
		    struct mxlist *out);

/*
 * RFC 5321 5.1: when this host (myname) is one of the exchangers, drop it
 * and every exchanger of equal or greater preference.  Returns 1 when
 * myname was in the list (an empty list is then a mail loop, or a
 * missing local domain), else 0.  Pure: no DNS.
 */
int		 mxlist_drop_self(struct mxlist *, const char *myname);
void		 mxlist_free(struct mxlist *);
const char	*dns_status_name(int status);	/* "ok", "nomail", ... */

/*
 * The pure parts, exported for the unit tests and the fuzzers.
 */

/* Parse "ADDR", "ADDR:PORT", "[V6ADDR]:PORT"; port 53 by default. */
int		 dns_parse_server(const char *, struct sockaddr_storage *,
		    socklen_t *);

/* One parsed answer to one question. */
enum dns_rcode {
	DNS_R_DATA,		/* records of the type at the final name */
	DNS_R_NODATA,		/* NOERROR, none of the type */
	DNS_R_CNAME,		/* a CNAME chain whose end is not answered */
	DNS_R_NXDOMAIN,
	DNS_R_SERVFAIL,
	DNS_R_REFUSED,		/* REFUSED, NOTIMP, FORMERR, others */
	DNS_R_TRUNCATED,	/* TC set: ask again over TCP */
	DNS_R_MALFORMED		/* not a DNS answer to this question */
};

struct dns_mxrec {
	int	pref;
	char	name[DNS_NAMELEN];
};

struct dns_answer {
	enum dns_rcode		 rcode;
	int			 ad;
	uint16_t		 id;
	char			 final[DNS_NAMELEN];	/* after the CNAMEs */
	int			 ncname;	/* CNAMEs followed */
	struct dns_mxrec	*mx;		/* for MX */
	size_t			 nmx;
	struct sockaddr_storage	*addr;		/* for A and AAAA */
	size_t			 naddr;
};

/*
 * Parse wire bytes as the answer to (qname, qtype): checks QR, the
 * question, follows CNAMEs inside the answer section.  -1 only when
 * memory runs out; a bad packet is DNS_R_MALFORMED.  Free with
 * dns_answer_free.
 */
int		 dns_parse_answer(const uint8_t *wire, size_t len,
		    const char *qname, uint16_t qtype, struct dns_answer *);
void		 dns_answer_free(struct dns_answer *);

/*
 * MX records to try order: sorted by preference, runs of equal
 * preference shuffled with rnd(n) (uniform in [0, n)).  Null MX records
 * ("." as exchanger) are dropped; returns 1 when only null MX records
 * were there (RFC 7505: the domain accepts no mail), else 0.
 */
int		 dns_mx_order(struct dns_mxrec *, size_t *n,
		    uint32_t (*rnd)(uint32_t));

#endif
