/*
 * tlsx: libtls set-up shared by the servers (STARTTLS, STLS, implicit
 * TLS) and the SMTP client.  The server's certificate and key are read
 * into memory by tlsx_server(), so a daemon calls it as root and may
 * drop privileges before the first byte from the client.  libtls
 * itself (and with it libssl and libcrypto) is loaded with dlopen(3)
 * only when a session asks for TLS: no program links it.
 */
#ifndef POSTA_TLSX_H
#define POSTA_TLSX_H

#include <stddef.h>

struct io;
struct tls;

struct tlsx_server;

/*
 * Read tls_cert_file and tls_key_file into memory (call it as root);
 * NULL and err if they are not set or cannot be read.  The libtls
 * context is made from them only at the first tlsx_accept(), so a
 * session that never uses TLS never pays for OpenSSL's set-up; a key
 * that turns out to be unusable fails there.
 */
struct tlsx_server *tlsx_server(char *err, size_t errlen);
/*
 * Handshake on io's descriptors; on success io reads and writes through
 * TLS and any plaintext that was buffered is thrown away (RFC 3207 4.2,
 * RFC 2595 3.1: no command injection across the switch).
 */
int		 tlsx_accept(struct io *, struct tlsx_server *, char *err,
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
