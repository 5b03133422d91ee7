/*
 * Unit tests for the pure parts of lib/dns.c: the answer parser on wire
 * packets built with ldns, the MX order (RFC 5321 5.1, RFC 7505) and the
 * server syntax.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "dns.h"

/*
 * A response to (qname, qtype) with the given rcode and flags and the
 * answer records in zone-file syntax; *len gets its size.
 */
#define F_TC	0x1
#define F_AD	0x2
#define F_NOQR	0x4

static uint8_t *
response(const char *qname, ldns_rr_type qtype, ldns_pkt_rcode rcode,
    int flags, const char **answers, size_t *len)
{
	ldns_pkt	*p;
	ldns_rr		*q, *rr;
	ldns_rdf	*dn;
	uint8_t		*wire;
	size_t		 i;

	p = ldns_pkt_new();
	assert_non_null(p);
	ldns_pkt_set_id(p, 4711);
	ldns_pkt_set_qr(p, !(flags & F_NOQR));
	ldns_pkt_set_rd(p, 1);
	ldns_pkt_set_ra(p, 1);
	ldns_pkt_set_tc(p, (flags & F_TC) != 0);
	ldns_pkt_set_ad(p, (flags & F_AD) != 0);
	ldns_pkt_set_rcode(p, rcode);
	q = ldns_rr_new();
	dn = ldns_dname_new_frm_str(qname);
	assert_non_null(dn);
	ldns_rr_set_owner(q, dn);
	ldns_rr_set_type(q, qtype);
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, true);
	assert_true(ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q));
	for (i = 0; answers != NULL && answers[i] != NULL; i++) {
		assert_int_equal(ldns_rr_new_frm_str(&rr, answers[i], 300, NULL,
		    NULL), LDNS_STATUS_OK);
		assert_true(ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr));
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

static void
parse(const char *qname, ldns_rr_type qtype, ldns_pkt_rcode rcode,
    int flags, const char **answers, struct dns_answer *a)
{
	uint8_t	*w;
	size_t	 len;

	w = response(qname, qtype, rcode, flags, answers, &len);
	assert_int_equal(dns_parse_answer(w, len, qname, qtype, a), 0);
	free(w);
}

static void
test_mx_answer(void **state)
{
	const char *an[] = {
		"Multi.TEST. IN MX 20 MX2.multi.test.",
		"multi.test. IN MX 10 mx1.multi.test.",
		"other.test. IN MX 5 not.this.one.",
		"multi.test. IN A 192.0.2.1",
		NULL
	};
	struct dns_answer a;

	parse("multi.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, 0, an, &a);
	assert_int_equal(a.rcode, DNS_R_DATA);
	assert_int_equal(a.id, 4711);
	assert_int_equal(a.ad, 0);
	assert_int_equal(a.ncname, 0);
	assert_string_equal(a.final, "multi.test");
	assert_int_equal(a.nmx, 2);
	/* in the packet's order, names lowercased, no final dot */
	assert_int_equal(a.mx[0].pref, 20);
	assert_string_equal(a.mx[0].name, "mx2.multi.test");
	assert_int_equal(a.mx[1].pref, 10);
	assert_string_equal(a.mx[1].name, "mx1.multi.test");
	assert_int_equal(a.naddr, 0);
	dns_answer_free(&a);
}

static void
test_ad_bit(void **state)
{
	const char *an[] = { "s.test. IN MX 10 mx.s.test.", NULL };
	struct dns_answer a;

	parse("s.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, F_AD, an, &a);
	assert_int_equal(a.rcode, DNS_R_DATA);
	assert_int_equal(a.ad, 1);
	dns_answer_free(&a);
}

static void
test_addresses(void **state)
{
	const char *an4[] = {
		"mx.test. IN A 192.0.2.1",
		"mx.test. IN A 192.0.2.2",
		"mx.test. IN AAAA 2001:db8::1",
		NULL
	};
	const char *an6[] = { "mx.test. IN AAAA 2001:db8::1", NULL };
	struct dns_answer	 a;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	char			 s[INET6_ADDRSTRLEN];

	parse("mx.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 0, an4, &a);
	assert_int_equal(a.rcode, DNS_R_DATA);
	assert_int_equal(a.naddr, 2);
	sin = (struct sockaddr_in *)&a.addr[1];
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(sin->sin_port, 0);
	inet_ntop(AF_INET, &sin->sin_addr, s, sizeof(s));
	assert_string_equal(s, "192.0.2.2");
	dns_answer_free(&a);

	parse("mx.test", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, 0, an6, &a);
	assert_int_equal(a.naddr, 1);
	sin6 = (struct sockaddr_in6 *)&a.addr[0];
	assert_int_equal(sin6->sin6_family, AF_INET6);
	inet_ntop(AF_INET6, &sin6->sin6_addr, s, sizeof(s));
	assert_string_equal(s, "2001:db8::1");
	dns_answer_free(&a);
}

static void
test_cname_chain(void **state)
{
	const char *an[] = {
		"b.test. IN CNAME c.test.",
		"a.test. IN CNAME b.test.",
		"c.test. IN MX 10 mx.c.test.",
		"a.test. IN MX 99 wrong.test.",	/* not at the chain's end */
		NULL
	};
	struct dns_answer a;

	parse("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, 0, an, &a);
	assert_int_equal(a.rcode, DNS_R_DATA);
	assert_int_equal(a.ncname, 2);
	assert_string_equal(a.final, "c.test");
	assert_int_equal(a.nmx, 1);
	assert_string_equal(a.mx[0].name, "mx.c.test");
	dns_answer_free(&a);
}

static void
test_cname_unanswered(void **state)
{
	const char *an[] = { "a.test. IN CNAME elsewhere.example.", NULL };
	struct dns_answer a;

	parse("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, 0, an, &a);
	assert_int_equal(a.rcode, DNS_R_CNAME);
	assert_int_equal(a.ncname, 1);
	assert_string_equal(a.final, "elsewhere.example");
	dns_answer_free(&a);
}

static void
test_cname_loop(void **state)
{
	const char *an[] = {
		"a.test. IN CNAME b.test.",
		"b.test. IN CNAME a.test.",
		NULL
	};
	struct dns_answer a;

	parse("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, 0, an, &a);
	assert_int_equal(a.rcode, DNS_R_MALFORMED);
	dns_answer_free(&a);
}

static void
test_rcodes(void **state)
{
	const char *cn[] = { "a.test. IN CNAME gone.test.", NULL };
	struct dns_answer a;

	parse("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, 0, NULL, &a);
	assert_int_equal(a.rcode, DNS_R_NODATA);
	parse("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NXDOMAIN, 0, NULL, &a);
	assert_int_equal(a.rcode, DNS_R_NXDOMAIN);
	assert_string_equal(a.final, "a.test");
	/* RFC 6604: the rcode is the chain's end's */
	parse("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NXDOMAIN, 0, cn, &a);
	assert_int_equal(a.rcode, DNS_R_NXDOMAIN);
	assert_string_equal(a.final, "gone.test");
	/* records beside NXDOMAIN are not believed */
	{
		const char *mx[] = { "a.test. IN MX 10 mx.a.test.", NULL };

		parse("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NXDOMAIN, 0, mx,
		    &a);
		assert_int_equal(a.rcode, DNS_R_NXDOMAIN);
		assert_int_equal(a.nmx, 0);
		assert_null(a.mx);
	}
	parse("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_SERVFAIL, 0, NULL, &a);
	assert_int_equal(a.rcode, DNS_R_SERVFAIL);
	parse("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_REFUSED, 0, NULL, &a);
	assert_int_equal(a.rcode, DNS_R_REFUSED);
	parse("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOTIMPL, 0, NULL, &a);
	assert_int_equal(a.rcode, DNS_R_REFUSED);
	parse("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, F_TC, NULL, &a);
	assert_int_equal(a.rcode, DNS_R_TRUNCATED);
}

static void
test_null_mx_parsed(void **state)
{
	const char *an[] = { "nomail.test. IN MX 0 .", NULL };
	struct dns_answer a;

	parse("nomail.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, 0, an, &a);
	assert_int_equal(a.rcode, DNS_R_DATA);
	assert_int_equal(a.nmx, 1);
	assert_int_equal(a.mx[0].pref, 0);
	assert_string_equal(a.mx[0].name, ".");
	dns_answer_free(&a);
}

static void
test_not_our_answer(void **state)
{
	const char *an[] = { "a.test. IN MX 10 mx.a.test.", NULL };
	struct dns_answer a;
	uint8_t	*w;
	size_t	 len;

	/* another question */
	w = response("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, 0, an,
	    &len);
	assert_int_equal(dns_parse_answer(w, len, "b.test", LDNS_RR_TYPE_MX,
	    &a), 0);
	assert_int_equal(a.rcode, DNS_R_MALFORMED);
	assert_int_equal(dns_parse_answer(w, len, "a.test", LDNS_RR_TYPE_A,
	    &a), 0);
	assert_int_equal(a.rcode, DNS_R_MALFORMED);
	free(w);
	/* a query, not a response */
	w = response("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, F_NOQR,
	    an, &len);
	assert_int_equal(dns_parse_answer(w, len, "a.test", LDNS_RR_TYPE_MX,
	    &a), 0);
	assert_int_equal(a.rcode, DNS_R_MALFORMED);
	free(w);
}

/* Every cut of a good packet, and every single-octet change, parse to
 * something without a crash (ASan run: make check SANITIZE=1). */
static void
test_damaged_packets(void **state)
{
	const char *an[] = {
		"a.test. IN CNAME b.test.",
		"b.test. IN MX 10 mx1.b.test.",
		"b.test. IN MX 20 mx2.b.test.",
		NULL
	};
	struct dns_answer a;
	uint8_t	*w, *c;
	size_t	 len, i;
	int	 v;

	w = response("a.test", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, 0, an,
	    &len);
	for (i = 0; i < len; i++) {
		assert_int_equal(dns_parse_answer(w, i, "a.test",
		    LDNS_RR_TYPE_MX, &a), 0);
		assert_int_equal(a.rcode, DNS_R_MALFORMED);
		dns_answer_free(&a);
	}
	c = malloc(len);
	assert_non_null(c);
	for (i = 0; i < len; i++)
		for (v = 0; v < 256; v += 17) {
			memcpy(c, w, len);
			c[i] = v;
			assert_int_equal(dns_parse_answer(c, len, "a.test",
			    LDNS_RR_TYPE_MX, &a), 0);
			dns_answer_free(&a);
		}
	free(c);
	assert_int_equal(dns_parse_answer(w, len, "a.test", LDNS_RR_TYPE_MX,
	    &a), 0);
	assert_int_equal(a.rcode, DNS_R_DATA);
	dns_answer_free(&a);
	free(w);
}

static uint32_t
rnd_zero(uint32_t n)
{
	(void)n;
	return 0;
}

static void
set_mx(struct dns_mxrec *mx, int pref, const char *name)
{
	mx->pref = pref;
	strlcpy(mx->name, name, sizeof(mx->name));
}

static void
test_order_sorts(void **state)
{
	struct dns_mxrec mx[4];
	size_t n = 4;

	set_mx(&mx[0], 30, "c");
	set_mx(&mx[1], 10, "a");
	set_mx(&mx[2], 65535, "z");
	set_mx(&mx[3], 20, "b");
	assert_int_equal(dns_mx_order(mx, &n, rnd_zero), 0);
	assert_int_equal(n, 4);
	assert_string_equal(mx[0].name, "a");
	assert_string_equal(mx[1].name, "b");
	assert_string_equal(mx[2].name, "c");
	assert_string_equal(mx[3].name, "z");
}

static void
test_order_duplicates(void **state)
{
	struct dns_mxrec mx[3];
	size_t n = 3;

	set_mx(&mx[0], 20, "a");
	set_mx(&mx[1], 10, "a");
	set_mx(&mx[2], 15, "b");
	assert_int_equal(dns_mx_order(mx, &n, rnd_zero), 0);
	assert_int_equal(n, 2);
	assert_int_equal(mx[0].pref, 10);
	assert_string_equal(mx[0].name, "a");
	assert_string_equal(mx[1].name, "b");
}

static void
test_order_null_mx(void **state)
{
	struct dns_mxrec mx[2];
	size_t n = 1;

	set_mx(&mx[0], 0, ".");
	assert_int_equal(dns_mx_order(mx, &n, rnd_zero), 1);
	assert_int_equal(n, 0);
	/* a null MX beside a real one (RFC 7505 3 forbids it): the real
	 * one is used */
	n = 2;
	set_mx(&mx[0], 0, ".");
	set_mx(&mx[1], 10, "mx");
	assert_int_equal(dns_mx_order(mx, &n, rnd_zero), 0);
	assert_int_equal(n, 1);
	assert_string_equal(mx[0].name, "mx");
	/* no records at all is not a null MX */
	n = 0;
	assert_int_equal(dns_mx_order(mx, &n, rnd_zero), 0);
}

/* Equal preferences: every order turns up, and never across
 * preferences. */
static void
test_order_shuffles(void **state)
{
	struct dns_mxrec mx[5];
	int seen[6] = { 0 }, i, k;
	size_t n;

	for (i = 0; i < 600; i++) {
		n = 5;
		set_mx(&mx[0], 20, "late");
		set_mx(&mx[1], 10, "b");
		set_mx(&mx[2], 10, "c");
		set_mx(&mx[3], 5, "first");
		set_mx(&mx[4], 10, "a");
		assert_int_equal(dns_mx_order(mx, &n, arc4random_uniform), 0);
		assert_int_equal(n, 5);
		assert_string_equal(mx[0].name, "first");
		assert_string_equal(mx[4].name, "late");
		for (k = 1; k < 4; k++)
			assert_int_equal(mx[k].pref, 10);
		/* the permutation of a, b, c: 6 of them */
		k = (mx[1].name[0] - 'a') * 2 + (mx[2].name[0] > mx[3].name[0]);
		seen[k]++;
	}
	for (k = 0; k < 6; k++)
		assert_true(seen[k] > 0);
}

static void
test_parse_server(void **state)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;

	assert_int_equal(dns_parse_server("127.0.0.1", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 53);
	assert_int_equal(len, sizeof(*sin));
	assert_int_equal(dns_parse_server("127.0.0.1:5353", &ss, &len), 0);
	assert_int_equal(ntohs(sin->sin_port), 5353);
	assert_int_equal(dns_parse_server("::1", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 53);
	assert_int_equal(dns_parse_server("[2001:db8::1]:1053", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 1053);
	assert_int_equal(dns_parse_server("[::1]", &ss, &len), 0);

	assert_int_equal(dns_parse_server("", &ss, &len), -1);
	assert_int_equal(dns_parse_server("localhost", &ss, &len), -1);
	assert_int_equal(dns_parse_server("127.0.0.1:", &ss, &len), -1);
	assert_int_equal(dns_parse_server("127.0.0.1:0", &ss, &len), -1);
	assert_int_equal(dns_parse_server("127.0.0.1:65536", &ss, &len), -1);
	assert_int_equal(dns_parse_server("127.0.0.1:53x", &ss, &len), -1);
	assert_int_equal(dns_parse_server("[::1", &ss, &len), -1);
	assert_int_equal(dns_parse_server("[::1]53", &ss, &len), -1);
	assert_int_equal(dns_parse_server("[127.0.0.1]:53", &ss, &len), 0);
	assert_int_equal(dns_parse_server("1.2.3.4.5", &ss, &len), -1);
}

static void
test_drop_self(void **state)
{
	struct mxlist	l;
	const int	pref[] = { 10, 20, 20, 30 };
	const char	*name[] = { "a.test", "b.test", "me.test", "c.test" };
	size_t		i;

	memset(&l, 0, sizeof(l));
	l.host = calloc(4, sizeof(*l.host));
	assert_non_null(l.host);
	l.nhost = 4;
	for (i = 0; i < 4; i++) {
		l.host[i].pref = pref[i];
		strlcpy(l.host[i].name, name[i], sizeof(l.host[i].name));
		l.host[i].addr = calloc(1, sizeof(*l.host[i].addr));
		l.host[i].naddr = 1;
	}
	assert_int_equal(mxlist_drop_self(&l, "other.test"), 0);
	assert_int_equal(l.nhost, 4);
	/* case and a final dot do not matter; b.test has me's preference */
	assert_int_equal(mxlist_drop_self(&l, "ME.test."), 1);
	assert_int_equal(l.nhost, 1);
	assert_string_equal(l.host[0].name, "a.test");
	assert_int_equal(mxlist_drop_self(&l, "a.test"), 1);
	assert_int_equal(l.nhost, 0);
	mxlist_free(&l);
}

static void
test_status_names(void **state)
{
	assert_string_equal(dns_status_name(DNS_OK), "ok");
	assert_string_equal(dns_status_name(DNS_NOMAIL), "nomail");
	assert_string_equal(dns_status_name(DNS_TEMP), "temp");
	assert_string_equal(dns_status_name(DNS_PERM), "perm");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_answer),
		cmocka_unit_test(test_ad_bit),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_cname_unanswered),
		cmocka_unit_test(test_cname_loop),
		cmocka_unit_test(test_rcodes),
		cmocka_unit_test(test_null_mx_parsed),
		cmocka_unit_test(test_not_our_answer),
		cmocka_unit_test(test_damaged_packets),
		cmocka_unit_test(test_order_sorts),
		cmocka_unit_test(test_order_duplicates),
		cmocka_unit_test(test_order_null_mx),
		cmocka_unit_test(test_order_shuffles),
		cmocka_unit_test(test_parse_server),
		cmocka_unit_test(test_drop_self),
		cmocka_unit_test(test_status_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
