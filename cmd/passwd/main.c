/*
 * posta-passwd: manages the users file, posta-users(5): add, delete,
 * change a password, check one, list.  See posta-passwd(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "passwd.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: posta-passwd [-C file] [-f users] [-m scheme] add address "
	    "[maildir]\n"
	    "       posta-passwd [-C file] [-f users] [-m scheme] passwd "
	    "address\n"
	    "       posta-passwd [-C file] [-f users] check address\n"
	    "       posta-passwd [-C file] [-f users] delete address\n"
	    "       posta-passwd [-C file] [-f users] list\n");
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	struct pw	 pw;
	const char	*cflag = NULL, *cmd;
	int		 ch;

	memset(&pw, 0, sizeof(pw));
	while ((ch = getopt(argc, argv, "C:f:m:")) != -1) {
		switch (ch) {
		case 'C':
			cflag = optarg;
			break;
		case 'f':
			pw.users = optarg;
			break;
		case 'm':
			pw.scheme = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	cmd = argv[0];

	conf_init(cflag);
	if (pw.users == NULL)
		pw.users = conf_str(C_users_file);
	if (pw.scheme == NULL)
		pw.scheme = conf_str(C_password_scheme);
	if (*pw.users == '\0')
		errx(EX_CONFIG, "users_file is not set in %s", *conf_file() ?
		    conf_file() : "posta.conf");

	if (strcmp(cmd, "add") == 0 && (argc == 2 || argc == 3))
		return pw_add(&pw, argv[1], argc == 3 ? argv[2] : NULL);
	if (strcmp(cmd, "passwd") == 0 && argc == 2)
		return pw_passwd(&pw, argv[1]);
	if (strcmp(cmd, "check") == 0 && argc == 2)
		return pw_check(&pw, argv[1]);
	if (strcmp(cmd, "delete") == 0 && argc == 2)
		return pw_delete(&pw, argv[1]);
	if (strcmp(cmd, "list") == 0 && argc == 1)
		return pw_list(&pw);
	usage();
}
