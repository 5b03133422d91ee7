/*
 * tlsx: libtls set-up shared by the servers (STARTTLS, STLS, implicit
 * TLS) and the SMTP client.  The server's certificate and key are read
 * into memory by tlsx_server(), so a daemon calls it as root and may
 * drop privileges before the first byte from the client.
 */
#ifndef POSTA_TLSX_H
#define POSTA_TLSX_H

#include <stddef.h>

struct io;
struct tls;

/* Server context from tls_cert_file / tls_key_file; NULL and err if none. */
struct tls	*tlsx_server(char *err, size_t errlen);
/*
 * Handshake on io's descriptors; on success io reads and writes through
 * TLS and any plaintext that was buffered is thrown away (RFC 3207 4.2,
 * RFC 2595 3.1: no command injection across the switch).
 */
int		 tlsx_accept(struct io *, struct tls *server, char *err,
		    size_t errlen);
/*
 * A client that drops privileges calls tlsx_client_init() first: it
 * reads tls_ca_file into memory for every later tlsx_connect().
 */
int		 tlsx_client_init(char *err, size_t errlen);
/* Client side on a connected socket; verify: check name and chain. */
int		 tlsx_connect(struct io *, const char *servername, int verify,
		    char *err, size_t errlen);
/* "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)" */
const char	*tlsx_describe(struct tls *, char *out, size_t outlen);
void		 tlsx_close(struct io *);

#endif
