/*
 * posta-queue-runner: delivers the queue, once (cron) or staying (-d),
 * and administers it; see posta-queue-runner(8).
 */
#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "runner.h"
#include "table.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: posta-queue-runner [-dv] [-C file]\n"
	    "       posta-queue-runner [-v] [-C file] -F [domain ...]\n"
	    "       posta-queue-runner [-C file] -l\n"
	    "       posta-queue-runner [-C file] -D | -H | -R queueid ...\n");
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	static struct table	 local_domains;
	const char	*cflag = NULL;
	int		 ch, verbose = 0, mode = 0;

	while ((ch = getopt(argc, argv, "C:DdFHlRv")) != -1) {
		switch (ch) {
		case 'C':
			cflag = optarg;
			break;
		case 'D':
		case 'd':
		case 'F':
		case 'H':
		case 'l':
		case 'R':
			if (mode != 0 && mode != ch)
				usage();
			mode = ch;
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
	if ((mode == 0 || mode == 'd' || mode == 'l') && argc != 0)
		usage();
	if ((mode == 'D' || mode == 'H' || mode == 'R') && argc == 0)
		usage();

	log_init("posta-queue-runner", 1, verbose);
	conf_init(cflag);
	R.qdir = conf_str(C_queue_dir);
	switch (mode) {
	case 'l':
		return admin_list();
	case 'D':
		return admin_delete(argv, argc);
	case 'H':
		return admin_move(argv, argc, "queue", "hold");
	case 'R':
		return admin_move(argv, argc, "hold", "queue");
	}

	R.daemon = mode == 'd';
	R.flush = mode == 'F';
	R.flush_domains = argv;
	R.nflush_domains = argc;
	conf_myhostname(R.hostname, sizeof(R.hostname));
	if (table_load(&local_domains, conf_str(C_local_domains)) == -1)
		err(EX_CONFIG, "%s", conf_str(C_local_domains));
	R.local_domains = &local_domains;
	return runner_run();
}
