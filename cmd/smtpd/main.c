/*
 * posta-smtpd: ESMTP server for a super-server, one session on
 * stdin/stdout; see posta-smtpd(8).
 */
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "peer.h"
#include "priv.h"
#include "smtpd.h"
#include "table.h"
#include "tlsx.h"
#include "users.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: posta-smtpd [-bsv] [-C file] [-m mx | submission]\n");
	exit(EX_USAGE);
}

static void
peer_setup(struct smtpd *sd)
{
	(void)peer_ip(sd->peer_ip, sizeof(sd->peer_ip));
	(void)peer_local_ip(sd->local_ip, sizeof(sd->local_ip));
	sd->peer_loopback = sd->peer_ip[0] != '\0' &&
	    peer_is_loopback(sd->peer_ip);
}

static void
load_tables(struct smtpd *sd)
{
	char	 err[512];

	if (table_load(&sd->local_domains, conf_str(C_local_domains)) == -1)
		fatal("%s", conf_str(C_local_domains));
	if (table_load(&sd->relay_domains, conf_str(C_relay_domains)) == -1)
		fatal("%s", conf_str(C_relay_domains));
	if (table_load(&sd->relay_networks, conf_str(C_relay_networks)) == -1)
		fatal("%s", conf_str(C_relay_networks));
	if (aliases_load(&sd->aliases, conf_str(C_aliases_file), ALIASES_ADMIN,
	    err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (*conf_str(C_users_file) != '\0' &&
	    users_load(&sd->users, conf_str(C_users_file), err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
}

int
main(int argc, char *argv[])
{
	struct smtpd	 sd;
	struct passwd	*pw;
	const char	*role = NULL;
	char		 err[512];
	int		 ch, verbose = 0;

	memset(&sd, 0, sizeof(sd));
	while ((ch = getopt(argc, argv, "bC:m:sv")) != -1) {
		switch (ch) {
		case 'b':
			sd.local = 1;
			break;
		case 'C':
			sd.cflag = optarg;
			break;
		case 'm':
			role = optarg;
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

	log_init("posta-smtpd", verbose, verbose);
	conf_init(sd.cflag);
	signal(SIGPIPE, SIG_IGN);
	if (role == NULL)
		role = conf_str(C_smtpd_role);
	if (strcmp(role, "mx") == 0)
		sd.role = ROLE_MX;
	else if (strcmp(role, "submission") == 0)
		sd.role = ROLE_SUBMISSION;
	else {
		log_warnx("unknown role \"%s\": mx or submission", role);
		exit(EX_USAGE);
	}
	if (conf_bool(C_smtpd_implicit_tls))
		sd.implicit_tls = 1;
	conf_myhostname(sd.hostname, sizeof(sd.hostname));

	if (sd.local) {
		/* posta-sendmail -bs: a local user, no network, no TLS */
		sd.implicit_tls = 0;
		if ((pw = getpwuid(getuid())) != NULL)
			strlcpy(sd.local_user, pw->pw_name,
			    sizeof(sd.local_user));
		else
			snprintf(sd.local_user, sizeof(sd.local_user), "%lu",
			    (unsigned long)getuid());
	}
	load_tables(&sd);
	if (!sd.local) {
		peer_setup(&sd);
		/* the key is read now, while we may still be root */
		sd.tls_server = tlsx_server(err, sizeof(err));
		if (sd.tls_server == NULL && sd.implicit_tls)
			fatalx("implicit TLS: %s", err);
		if (sd.tls_server == NULL)
			log_debug("no STARTTLS: %s", err);
			/* nothing that reads the network runs as root */
		priv_drop_mail_user();
	}
	smtpd_session(&sd);
}
