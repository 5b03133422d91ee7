/*
 * lib/dns's answer parser, dns_parse_answer(), on wire bytes from a
 * hostile nameserver, then dns_mx_order() on what it found.  Checks:
 * names are NUL-terminated within DNS_NAMELEN, addresses are of the
 * family the question asked for, records only with DNS_R_DATA, the MX
 * order sorted by preference without null MX.
 *
 * Input: 1 octet choosing the question (name and type), then the
 * packet.  The seeds are real answers to those questions.
 */
#include <netinet/in.h>
#include <string.h>

#include "dns.h"
#include "fuzz.h"

static const char *const names[] = {
	"example.test", "mx.example.test", "a.b.c.example.test", "x",
};
static const uint16_t types[] = { 15, 1, 28 };	/* MX, A, AAAA */

static uint32_t
rnd_first(uint32_t n)
{
	return n > 1 ? 1 : 0;
}

static void
check_name(const char *s)
{
	FUZZ_CHECK(memchr(s, '\0', DNS_NAMELEN) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_answer	 a;
	const char		*qname;
	uint16_t		 qtype;
	size_t			 i, n;
	int			 onlynull;

	if (size < 1)
		return 0;
	qname = names[(data[0] >> 2) % (sizeof(names) / sizeof(names[0]))];
	qtype = types[(data[0] & 3) % 3];
	if (dns_parse_answer(data + 1, size - 1, qname, qtype, &a) == -1)
		abort();
	check_name(a.final);
	FUZZ_CHECK(a.ncname >= 0 && a.ncname <= 17);
	if (a.rcode != DNS_R_DATA)
		FUZZ_CHECK(a.nmx == 0 || a.rcode == DNS_R_NXDOMAIN);
	if (qtype != 15)
		FUZZ_CHECK(a.nmx == 0);
	else
		FUZZ_CHECK(a.naddr == 0);
	for (i = 0; i < a.naddr; i++)
		FUZZ_CHECK(a.addr[i].ss_family ==
		    (qtype == 1 ? AF_INET : AF_INET6));
	for (i = 0; i < a.nmx; i++) {
		check_name(a.mx[i].name);
		FUZZ_CHECK(a.mx[i].pref >= 0 && a.mx[i].pref <= 65535);
	}
	if (a.nmx > 0) {
		n = a.nmx;
		onlynull = dns_mx_order(a.mx, &n, rnd_first);
		FUZZ_CHECK(n <= a.nmx);
		FUZZ_CHECK(!onlynull || n == 0);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(strcmp(a.mx[i].name, ".") != 0 &&
			    a.mx[i].name[0] != '\0');
			if (i > 0)
				FUZZ_CHECK(a.mx[i - 1].pref <= a.mx[i].pref);
		}
		a.nmx = n;
	}
	dns_answer_free(&a);
	return 0;
}
