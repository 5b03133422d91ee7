/*
 * The addresses of a super-server's connection; see peer.h.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "peer.h"

static int
sock_ip(int peer, char *out, size_t outlen)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	const void		*a;
	int			 af;

	if ((peer ? getpeername(0, (struct sockaddr *)&ss, &sl) :
	    getsockname(0, (struct sockaddr *)&ss, &sl)) == -1)
		return -1;
	if (ss.ss_family == AF_INET) {
		af = AF_INET;
		a = &((struct sockaddr_in *)&ss)->sin_addr;
	} else if (ss.ss_family == AF_INET6) {
		struct in6_addr *a6 = &((struct sockaddr_in6 *)&ss)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			af = AF_INET;
			a = &a6->s6_addr[12];
		} else {
			af = AF_INET6;
			a = a6;
		}
	} else
		return -1;
	return inet_ntop(af, a, out, (socklen_t)outlen) ? 0 : -1;
}

static int
addr_of(int peer, const char *env, char *out, size_t outlen)
{
	const char	*e;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (sock_ip(peer, out, outlen) == 0)
		return 0;
	out[0] = '\0';
	e = getenv(env);
	/* only what an address may contain: the value goes into logs */
	if (e == NULL || *e == '\0' || strlen(e) >= outlen ||
	    strspn(e, "0123456789abcdefABCDEF.:") != strlen(e))
		return -1;
	memcpy(out, e, strlen(e) + 1);
	return 0;
}

int
peer_ip(char *out, size_t outlen)
{
	return addr_of(1, "TCPREMOTEIP", out, outlen);
}

int
peer_local_ip(char *out, size_t outlen)
{
	return addr_of(0, "TCPLOCALIP", out, outlen);
}

int
peer_is_loopback(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
	    strncasecmp(ip, "::ffff:127.", 11) == 0;
}
