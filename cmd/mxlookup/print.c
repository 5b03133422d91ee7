/*
 * print: the two output forms of mxlookup(1).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <stdio.h>
#include <sysexits.h>

#include "buf.h"
#include "dns.h"
#include "print.h"

static int
addr_string(const struct sockaddr_storage *ss, char *out, size_t len)
{
	const void	*p;

	if (ss->ss_family == AF_INET6)
		p = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	else
		p = &((const struct sockaddr_in *)ss)->sin_addr;
	return inet_ntop(ss->ss_family, p, out, len) == NULL ? -1 : 0;
}

/* A JSON string (RFC 8259 7). */
static int
json_string(struct buf *b, const char *s)
{
	if (buf_addc(b, '"') == -1)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			if (buf_addc(b, '\\') == -1 || buf_addc(b, *s) == -1)
				return -1;
		} else if ((unsigned char)*s < 0x20) {
			if (buf_printf(b, "\\u%04x", (unsigned char)*s) == -1)
				return -1;
		} else if (buf_addc(b, *s) == -1)
			return -1;
	}
	return buf_addc(b, '"');
}

/* The exchangers to print: all, or with -1 the first that has an
 * address (the first posta connects to); a list without one failed. */
static void
span(const struct mxlist *l, int flags, size_t *from, size_t *to)
{
	size_t	i;

	*from = 0;
	*to = l->nhost;
	if (!(flags & PRINT_FIRST) || l->nhost == 0)
		return;
	for (i = 0; i < l->nhost && l->host[i].naddr == 0; i++)
		;
	*from = i < l->nhost ? i : 0;
	*to = *from + 1;
}

static int
exit_of(int status)
{
	switch (status) {
	case DNS_OK:
		return 0;
	case DNS_TEMP:
		return EX_TEMPFAIL;
	default:
		return 1;
	}
}

static void
print_json(FILE *fp, const struct mxlist *l, int flags)
{
	struct buf	 b = BUF_INIT;
	char		 a[INET6_ADDRSTRLEN];
	size_t		 i, k, from, to;
	int		 r = 0;

	r |= buf_adds(&b, "{\"domain\":");
	r |= json_string(&b, l->domain);
	r |= buf_adds(&b, ",\"status\":");
	r |= json_string(&b, dns_status_name(l->status));
	if (l->cname[0] != '\0') {
		r |= buf_adds(&b, ",\"cname\":");
		r |= json_string(&b, l->cname);
	}
	if (l->nullmx)
		r |= buf_adds(&b, ",\"nullmx\":true");
	if (l->status != DNS_OK) {
		r |= buf_adds(&b, ",\"reason\":");
		r |= json_string(&b, l->reason);
	} else {
		r |= buf_printf(&b, ",\"ad\":%s,\"implicit\":%s,\"mx\":[",
		    l->ad ? "true" : "false", l->implicit ? "true" : "false");
		span(l, flags, &from, &to);
		for (i = from; i < to; i++) {
			const struct mxhost *h = &l->host[i];

			r |= buf_printf(&b, "%s{\"pref\":%d,\"name\":",
			    i > from ? "," : "", h->pref);
			r |= json_string(&b, h->name);
			if (flags & PRINT_ADDR) {
				r |= buf_printf(&b, ",\"ad\":%s,\"addrs\":[",
				    h->ad ? "true" : "false");
				for (k = 0; k < h->naddr; k++) {
					if (addr_string(&h->addr[k], a,
					    sizeof(a)) == -1)
						continue;
					r |= buf_adds(&b, k ? ",\"" : "\"");
					r |= buf_adds(&b, a);
					r |= buf_addc(&b, '"');
				}
				r |= buf_addc(&b, ']');
				if (h->naddr == 0) {
					r |= buf_adds(&b, ",\"reason\":");
					r |= json_string(&b, h->reason);
				}
			}
			r |= buf_addc(&b, '}');
		}
		r |= buf_addc(&b, ']');
	}
	r |= buf_adds(&b, "}\n");
	if (r != 0)
		err(EX_OSERR, NULL);
	fwrite(b.s, 1, b.len, fp);
	buf_free(&b);
}

int
print_list(FILE *fp, const struct mxlist *l, int flags)
{
	char	a[INET6_ADDRSTRLEN];
	size_t	i, k, from, to;

	if (l->status != DNS_OK)
		warnx("%s: %s", l->domain, l->reason);
	if (flags & PRINT_JSON) {
		print_json(fp, l, flags);
		return exit_of(l->status);
	}
	if (l->status != DNS_OK)
		return exit_of(l->status);
	span(l, flags, &from, &to);
	for (i = from; i < to; i++) {
		const struct mxhost *h = &l->host[i];

		fprintf(fp, "%s\t%d\t%s", l->domain, h->pref, h->name);
		if (flags & PRINT_ADDR) {
			fputc('\t', fp);
			for (k = 0; k < h->naddr; k++)
				if (addr_string(&h->addr[k], a, sizeof(a)) == 0)
					fprintf(fp, "%s%s", k ? " " : "", a);
			if (h->naddr == 0)
				warnx("%s: %s: %s", l->domain, h->name,
				    h->reason);
		}
		fputc('\n', fp);
	}
	return 0;
}
