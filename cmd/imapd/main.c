/*
 * posta-imapd: IMAP4rev1 server for a super-server, one session on
 * stdin/stdout; see posta-imapd(8).
 */
#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "imapd.h"
#include "log.h"
#include "maildir.h"
#include "peer.h"
#include "priv.h"
#include "tlsx.h"
#include "users.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: posta-imapd [-sv] [-C file]\n");
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	struct imapd	 sd;
	const char	*cflag = NULL;
	char		 err[512];
	int		 ch, verbose = 0;

	memset(&sd, 0, sizeof(sd));
	while ((ch = getopt(argc, argv, "C:sv")) != -1) {
		switch (ch) {
		case 'C':
			cflag = optarg;
			break;
		case 's':
			sd.implicit_tls = 1;
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

	log_init("posta-imapd", verbose, verbose);
	conf_init(cflag);
	md_conf_init();
	signal(SIGPIPE, SIG_IGN);
	if (conf_bool(C_imapd_implicit_tls))
		sd.implicit_tls = 1;
	conf_myhostname(sd.hostname, sizeof(sd.hostname));
	if (*conf_str(C_users_file) == '\0')
		fatalx("users_file is not set: nobody can log in");
	if (users_load(&sd.users, conf_str(C_users_file), err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	if (peer_ip(sd.peer_ip, sizeof(sd.peer_ip)) == 0)
		sd.loopback = peer_is_loopback(sd.peer_ip);
	/* the key is read now, while we may still be root */
	sd.tls_server = tlsx_server(err, sizeof(err));
	if (sd.tls_server == NULL && sd.implicit_tls)
		fatalx("implicit TLS: %s", err);
	if (sd.tls_server == NULL)
		log_debug("no STARTTLS: %s", err);
	/* nothing that reads the network runs as root */
	priv_drop_mail_user();
	imapd_session(&sd);
}
