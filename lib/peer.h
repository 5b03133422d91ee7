/*
 * peer: who is on the other end of a super-server's connection.  The
 * numeric address comes from getpeername(0) (getsockname(0) for our
 * own end), or, when fd 0 is not a socket (tcpserver's -H pipes, tests),
 * from ucspi-tcp's TCPREMOTEIP (TCPLOCALIP); IPv4-mapped IPv6 addresses
 * are written as IPv4.
 */
#ifndef POSTA_PEER_H
#define POSTA_PEER_H

#include <stddef.h>

/* 0 and the address in out, or -1 and out empty when unknown. */
int	peer_ip(char *out, size_t outlen);
int	peer_local_ip(char *out, size_t outlen);
/* 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
int	peer_is_loopback(const char *ip);

#endif
