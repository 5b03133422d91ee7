#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "io.h"
#include "tlsx.h"

/*
 * What tlsx_server() keeps: the certificate and key as read (as root),
 * and the libtls context made from them on the first handshake.  The
 * context costs more than the rest of a session's start-up (OpenSSL's
 * initialisation and the key's decoding), and most sessions on port 25
 * and 110 never ask for TLS, so it is made only when one does.
 */
struct tlsx_server {
	char		*cert, *key;
	size_t		 certlen, keylen;
	struct tls	*ctx;
};

/* The whole of a file into memory; -1 with err on failure. */
static int
load_file(const char *path, char **out, size_t *outlen, char *err,
    size_t errlen)
{
	struct buf	 b = BUF_INIT;
	char		 chunk[4096];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf_init(&b, 1024 * 1024);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || buf_add(&b, chunk, (size_t)n) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			explicit_bzero(chunk, sizeof(chunk));
			if (b.s != NULL)
				explicit_bzero(b.s, b.cap);
			buf_free(&b);
			close(fd);
			return -1;
		}
	}
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	*outlen = b.len;
	*out = buf_steal(&b);
	if (*out == NULL) {
		snprintf(err, errlen, "%s: empty", path);
		return -1;
	}
	return 0;
}

static void
wipe(char **p, size_t *len)
{
	if (*p != NULL) {
		explicit_bzero(*p, *len);
		free(*p);
	}
	*p = NULL;
	*len = 0;
}

struct tlsx_server *
tlsx_server(char *err, size_t errlen)
{
	struct tlsx_server	*srv;
	const char		*cert = conf_str(C_tls_cert_file);
	const char		*key = conf_str(C_tls_key_file);

	if (*cert == '\0' || *key == '\0') {
		snprintf(err, errlen, "tls_cert_file and tls_key_file not set");
		return NULL;
	}
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (load_file(cert, &srv->cert, &srv->certlen, err, errlen) == -1 ||
	    load_file(key, &srv->key, &srv->keylen, err, errlen) == -1) {
		wipe(&srv->cert, &srv->certlen);
		free(srv);
		return NULL;
	}
	return srv;
}

/* The libtls context, made on first use; the key copies are wiped. */
static struct tls *
server_ctx(struct tlsx_server *srv, char *err, size_t errlen)
{
	struct tls_config	*cfg;
	struct tls		*ctx;
	uint32_t		 protos;

	if (srv->ctx != NULL)
		return srv->ctx;
	if (srv->key == NULL) {
		snprintf(err, errlen, "TLS server: the key was not usable");
		return NULL;
	}
	if ((cfg = tls_config_new()) == NULL) {
		snprintf(err, errlen, "tls_config_new failed");
		return NULL;
	}
	ctx = NULL;
	if (tls_config_parse_protocols(&protos, conf_str(C_tls_protocols)) ||
	    tls_config_set_protocols(cfg, protos) ||
	    tls_config_set_ciphers(cfg, conf_str(C_tls_ciphers)) ||
	    tls_config_set_cert_mem(cfg, (const uint8_t *)srv->cert,
	    srv->certlen) ||
	    tls_config_set_key_mem(cfg, (const uint8_t *)srv->key,
	    srv->keylen))
		snprintf(err, errlen, "TLS settings: %s", tls_config_error(cfg));
	else if ((ctx = tls_server()) == NULL || tls_configure(ctx, cfg) == -1) {
		snprintf(err, errlen, "TLS server: %s",
		    ctx ? tls_error(ctx) : "tls_server failed");
		tls_free(ctx);
		ctx = NULL;
	}
	/* the context keeps what it needs; every copy of the key goes */
	tls_config_free(cfg);
	wipe(&srv->key, &srv->keylen);
	wipe(&srv->cert, &srv->certlen);
	return srv->ctx = ctx;
}

static int
set_nonblock(int fd)
{
	int	 fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int
handshake(struct io *io, struct tls *t, char *err, size_t errlen)
{
	struct pollfd	 pfd;
	int		 r;

	for (;;) {
		r = tls_handshake(t);
		if (r == 0)
			return 0;
		if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT) {
			snprintf(err, errlen, "TLS handshake: %s",
			    tls_error(t) ? tls_error(t) : "failed");
			return -1;
		}
		pfd.fd = r == TLS_WANT_POLLIN ? io->fd_in : io->fd_out;
		pfd.events = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		r = poll(&pfd, 1, io->timeout);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "TLS handshake: %s",
			    r == 0 ? "timed out" : strerror(errno));
			return -1;
		}
	}
}

int
tlsx_accept(struct io *io, struct tlsx_server *srv, char *err, size_t errlen)
{
	struct tls	*server, *cctx = NULL;

	if ((server = server_ctx(srv, err, errlen)) == NULL)
		return -1;
	io_flush(io);
	io_discard_input(io);
	if (set_nonblock(io->fd_in) == -1 || set_nonblock(io->fd_out) == -1) {
		snprintf(err, errlen, "fcntl: %s", strerror(errno));
		return -1;
	}
	if (tls_accept_fds(server, &cctx, io->fd_in, io->fd_out) == -1) {
		snprintf(err, errlen, "TLS accept: %s", tls_error(server));
		return -1;
	}
	if (handshake(io, cctx, err, errlen) == -1) {
		tls_free(cctx);
		return -1;
	}
	io_set_tls(io, cctx);
	return 0;
}

static uint8_t	*client_ca;
static size_t	 client_ca_len;

int
tlsx_client_init(char *err, size_t errlen)
{
	const char	*ca = conf_str(C_tls_ca_file);

	if (*ca == '\0' || client_ca != NULL)
		return 0;
	if ((client_ca = tls_load_file(ca, &client_ca_len, NULL)) == NULL) {
		snprintf(err, errlen, "%s: %s", ca, strerror(errno));
		return -1;
	}
	return 0;
}

int
tlsx_connect(struct io *io, const char *servername, int verify, char *err,
    size_t errlen)
{
	struct tls_config	*cfg;
	struct tls		*ctx;
	const char		*ca = conf_str(C_tls_ca_file);
	uint32_t		 protos;

	io_flush(io);
	io_discard_input(io);
	if ((cfg = tls_config_new()) == NULL) {
		snprintf(err, errlen, "tls_config_new failed");
		return -1;
	}
	if (client_ca != NULL) {
		if (tls_config_set_ca_mem(cfg, client_ca, client_ca_len) == -1) {
			snprintf(err, errlen, "%s: %s", ca,
			    tls_config_error(cfg));
			tls_config_free(cfg);
			return -1;
		}
	} else if (*ca != '\0' && tls_config_set_ca_file(cfg, ca) == -1) {
		snprintf(err, errlen, "%s: %s", ca, tls_config_error(cfg));
		tls_config_free(cfg);
		return -1;
	}
	/* the same protocols and ciphers as the servers */
	if (tls_config_parse_protocols(&protos, conf_str(C_tls_protocols)) ||
	    tls_config_set_protocols(cfg, protos) ||
	    tls_config_set_ciphers(cfg, conf_str(C_tls_ciphers))) {
		snprintf(err, errlen, "TLS settings: %s", tls_config_error(cfg));
		tls_config_free(cfg);
		return -1;
	}
	if (!verify) {
		tls_config_insecure_noverifycert(cfg);
		tls_config_insecure_noverifyname(cfg);
	}
	if ((ctx = tls_client()) == NULL || tls_configure(ctx, cfg) == -1 ||
	    set_nonblock(io->fd_in) == -1 ||
	    tls_connect_fds(ctx, io->fd_in, io->fd_out, servername) == -1) {
		snprintf(err, errlen, "TLS client: %s",
		    ctx ? tls_error(ctx) : "tls_client failed");
		tls_free(ctx);
		tls_config_free(cfg);
		return -1;
	}
	tls_config_free(cfg);
	if (handshake(io, ctx, err, errlen) == -1) {
		tls_free(ctx);
		return -1;
	}
	io_set_tls(io, ctx);
	return 0;
}

const char *
tlsx_describe(struct tls *t, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s with cipher %s (%d/%d bits)",
	    tls_conn_version(t) ? tls_conn_version(t) : "TLS",
	    tls_conn_cipher(t) ? tls_conn_cipher(t) : "unknown",
	    tls_conn_cipher_strength(t), tls_conn_cipher_strength(t));
	return out;
}

void
tlsx_close(struct io *io)
{
	if (io->tls == NULL)
		return;
	io_flush(io);
	(void)tls_close(io->tls);
	tls_free(io->tls);
	io->tls = NULL;
}
