#include <dlfcn.h>
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

#ifndef TLS_SONAME
#define TLS_SONAME	"libtls.so"
#endif

/*
 * libtls is not linked but loaded with dlopen(3) at the first
 * handshake (or tlsx_client_init), by the soname the Makefile read
 * from the library at build time.  Linked, libtls brings libssl and
 * libcrypto into every exec of the daemons, and Debian builds libcrypto
 * with BIND_NOW: the dynamic loader resolved its symbols at each start,
 * 4.5 million instructions, 95 % of a whole posta-smtpd session that
 * never asked for TLS (as most on port 25 never do).  Every libtls
 * function this file calls is in TLSX_FUNCS, reached through T, with
 * the prototype from <tls.h>.
 */
#define TLSX_FUNCS(F)							\
	F(tls_accept_fds) F(tls_client) F(tls_close) F(tls_config_error) \
	F(tls_config_free) F(tls_config_insecure_noverifycert)		\
	F(tls_config_insecure_noverifyname) F(tls_config_new)		\
	F(tls_config_parse_protocols) F(tls_config_set_ca_file)		\
	F(tls_config_set_ca_mem) F(tls_config_set_cert_mem)		\
	F(tls_config_set_ciphers) F(tls_config_set_key_mem)		\
	F(tls_config_set_protocols) F(tls_configure) F(tls_conn_cipher)	\
	F(tls_conn_cipher_strength) F(tls_conn_version) F(tls_connect_fds) \
	F(tls_error) F(tls_free) F(tls_handshake) F(tls_load_file)	\
	F(tls_read) F(tls_server) F(tls_write)

static struct {
#define TLSX_PTR(name)	__typeof__(name) *name;
	TLSX_FUNCS(TLSX_PTR)
#undef TLSX_PTR
} T;

/* dlopen libtls once; -1 with err when it or a function is missing. */
static int
tls_load(char *err, size_t errlen)
{
	static void	*lib;
	const char	*missing = NULL;

	if (lib != NULL)
		return 0;
	if ((lib = dlopen(TLS_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load %s: %s", TLS_SONAME,
		    dlerror());
		return -1;
	}
#define TLSX_SYM(name)							\
	if ((T.name = (__typeof__(T.name))dlsym(lib, #name)) == NULL &&	\
	    missing == NULL)						\
		missing = #name;
	TLSX_FUNCS(TLSX_SYM)
#undef TLSX_SYM
	if (missing != NULL) {
		snprintf(err, errlen, "%s: no %s", TLS_SONAME, missing);
		dlclose(lib);
		lib = NULL;
		return -1;
	}
	return 0;
}

/* From now on io reads and writes through t. */
static void
io_attach(struct io *io, struct tls *t)
{
	io->tls = t;
	io->tls_rd = T.tls_read;
	io->tls_wr = T.tls_write;
}

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
	if (tls_load(err, errlen) == -1)
		return NULL;
	if (srv->key == NULL) {
		snprintf(err, errlen, "TLS server: the key was not usable");
		return NULL;
	}
	if ((cfg = T.tls_config_new()) == NULL) {
		snprintf(err, errlen, "tls_config_new failed");
		return NULL;
	}
	ctx = NULL;
	if (T.tls_config_parse_protocols(&protos, conf_str(C_tls_protocols)) ||
	    T.tls_config_set_protocols(cfg, protos) ||
	    T.tls_config_set_ciphers(cfg, conf_str(C_tls_ciphers)) ||
	    T.tls_config_set_cert_mem(cfg, (const uint8_t *)srv->cert,
	    srv->certlen) ||
	    T.tls_config_set_key_mem(cfg, (const uint8_t *)srv->key,
	    srv->keylen))
		snprintf(err, errlen, "TLS settings: %s", T.tls_config_error(cfg));
	else if ((ctx = T.tls_server()) == NULL || T.tls_configure(ctx, cfg) == -1) {
		snprintf(err, errlen, "TLS server: %s",
		    ctx ? T.tls_error(ctx) : "tls_server failed");
		T.tls_free(ctx);
		ctx = NULL;
	}
	/* the context keeps what it needs; every copy of the key goes */
	T.tls_config_free(cfg);
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
		r = T.tls_handshake(t);
		if (r == 0)
			return 0;
		if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT) {
			snprintf(err, errlen, "TLS handshake: %s",
			    T.tls_error(t) ? T.tls_error(t) : "failed");
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
	if (T.tls_accept_fds(server, &cctx, io->fd_in, io->fd_out) == -1) {
		snprintf(err, errlen, "TLS accept: %s", T.tls_error(server));
		return -1;
	}
	if (handshake(io, cctx, err, errlen) == -1) {
		T.tls_free(cctx);
		return -1;
	}
	io_attach(io, cctx);
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
	if (tls_load(err, errlen) == -1)
		return -1;
	if ((client_ca = T.tls_load_file(ca, &client_ca_len, NULL)) == NULL) {
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

	if (tls_load(err, errlen) == -1)
		return -1;
	io_flush(io);
	io_discard_input(io);
	if ((cfg = T.tls_config_new()) == NULL) {
		snprintf(err, errlen, "tls_config_new failed");
		return -1;
	}
	if (client_ca != NULL) {
		if (T.tls_config_set_ca_mem(cfg, client_ca, client_ca_len) == -1) {
			snprintf(err, errlen, "%s: %s", ca,
			    T.tls_config_error(cfg));
			T.tls_config_free(cfg);
			return -1;
		}
	} else if (*ca != '\0' && T.tls_config_set_ca_file(cfg, ca) == -1) {
		snprintf(err, errlen, "%s: %s", ca, T.tls_config_error(cfg));
		T.tls_config_free(cfg);
		return -1;
	}
	/* the same protocols and ciphers as the servers */
	if (T.tls_config_parse_protocols(&protos, conf_str(C_tls_protocols)) ||
	    T.tls_config_set_protocols(cfg, protos) ||
	    T.tls_config_set_ciphers(cfg, conf_str(C_tls_ciphers))) {
		snprintf(err, errlen, "TLS settings: %s", T.tls_config_error(cfg));
		T.tls_config_free(cfg);
		return -1;
	}
	if (!verify) {
		T.tls_config_insecure_noverifycert(cfg);
		T.tls_config_insecure_noverifyname(cfg);
	}
	if ((ctx = T.tls_client()) == NULL || T.tls_configure(ctx, cfg) == -1 ||
	    set_nonblock(io->fd_in) == -1 ||
	    T.tls_connect_fds(ctx, io->fd_in, io->fd_out, servername) == -1) {
		snprintf(err, errlen, "TLS client: %s",
		    ctx ? T.tls_error(ctx) : "tls_client failed");
		T.tls_free(ctx);
		T.tls_config_free(cfg);
		return -1;
	}
	T.tls_config_free(cfg);
	if (handshake(io, ctx, err, errlen) == -1) {
		T.tls_free(ctx);
		return -1;
	}
	io_attach(io, ctx);
	return 0;
}

const char *
tlsx_describe(struct tls *t, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s with cipher %s (%d/%d bits)",
	    T.tls_conn_version(t) ? T.tls_conn_version(t) : "TLS",
	    T.tls_conn_cipher(t) ? T.tls_conn_cipher(t) : "unknown",
	    T.tls_conn_cipher_strength(t), T.tls_conn_cipher_strength(t));
	return out;
}

void
tlsx_close(struct io *io)
{
	if (io->tls == NULL)
		return;
	io_flush(io);
	(void)T.tls_close(io->tls);
	T.tls_free(io->tls);
	io->tls = NULL;
}
