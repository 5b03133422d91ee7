/*
 * posta-pop3d: POP3 server for a super-server, one session on
 * stdin/stdout; see posta-pop3d(8).
 */
#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "maildir.h"
#include "peer.h"
#include "pop3d.h"
#include "priv.h"
#include "tlsx.h"
#include "users.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: posta-pop3d [-sv] [-C file]\n");
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	struct pop3d	 pd;
	const char	*cflag = NULL;
	char		 err[512];
	int		 ch, verbose = 0;

	memset(&pd, 0, sizeof(pd));
	while ((ch = getopt(argc, argv, "C:sv")) != -1) {
		switch (ch) {
		case 'C':
			cflag = optarg;
			break;
		case 's':
			pd.implicit_tls = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0)
		usage();

	log_init("posta-pop3d", verbose, verbose);
	conf_init(cflag);
	md_conf_init();
	signal(SIGPIPE, SIG_IGN);
	if (conf_bool(C_pop3d_implicit_tls))
		pd.implicit_tls = 1;
	conf_myhostname(pd.hostname, sizeof(pd.hostname));
	(void)peer_ip(pd.peer_ip, sizeof(pd.peer_ip));
	pd.peer_loopback = pd.peer_ip[0] != '\0' &&
	    peer_is_loopback(pd.peer_ip);

	/* what only root may read is read now: the users file, the key */
	if (*conf_str(C_users_file) == '\0')
		fatalx("users_file is not set");
	if (users_load(&pd.users, conf_str(C_users_file), err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	pd.tls_server = tlsx_server(err, sizeof(err));
	if (pd.tls_server == NULL && pd.implicit_tls)
		fatalx("implicit TLS: %s", err);
	if (pd.tls_server == NULL)
		log_debug("no STLS: %s", err);
	/* nothing that reads the network runs as root */
	priv_drop_mail_user();
	pop3d_session(&pd);
}
