/*
 * posta-sendmail: the sendmail-compatible injector, also run as mailq.
 * See posta-sendmail(8).
 */
#include <sys/types.h>

#include <ctype.h>
#include <err.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "sendmail.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: posta-sendmail [-iLmntUv] [-B type] "
	    "[-b mode] [-C file] [-F name] [-f sender] [-N dsn]\n"
	    "\t[-O option=value] [-o option] [-q[time]] [-R ret] "
	    "[-r sender] [-V envid] [-X log] [address ...]\n");
	exit(EX_USAGE);
}

/* Run another posta program in our place (mailq, -bs, -q). */
static void __attribute__((noreturn))
run_program(const char *name, const char *cflag, char *const extra[])
{
	struct buf	 path = BUF_INIT;
	char		*argv[16];
	int		 i = 0;

	buf_printf(&path, "%s/%s", conf_str(C_program_dir), name);
	argv[i++] = (char *)name;
	if (cflag) {
		argv[i++] = "-C";
		argv[i++] = (char *)cflag;
	}
	while (extra && *extra && i < 15)
		argv[i++] = *extra++;
	argv[i] = NULL;
	execv(path.s, argv);
	err(EX_UNAVAILABLE, "%s", path.s);
}

/* RFC 3461 4.1: NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY. */
static char *
dsn_notify(const char *arg)
{
	char	*s, *p;

	if ((s = strdup(arg)) == NULL)
		err(EX_OSERR, NULL);
	for (p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if (strcmp(s, "NEVER") == 0)
		return s;
	for (p = strtok(s, ","); p; p = strtok(NULL, ","))
		if (strcmp(p, "SUCCESS") && strcmp(p, "FAILURE") &&
		    strcmp(p, "DELAY"))
			errx(EX_USAGE, "-N: expected never, or success, "
			    "failure, delay");
	free(s);
	if ((s = strdup(arg)) == NULL)
		err(EX_OSERR, NULL);
	for (p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return s;
}

static void
names(struct inject *in, char *host, size_t hostlen, char *dom,
    size_t domlen)
{
	const char	*p;

	conf_myhostname(host, hostlen);
	if (*conf_str(C_mydomain))
		strlcpy(dom, conf_str(C_mydomain), domlen);
	else if ((p = strchr(host, '.')) != NULL && strchr(p + 1, '.'))
		strlcpy(dom, p + 1, domlen);
	else
		strlcpy(dom, host, domlen);
	in->myhostname = host;
	in->mydomain = dom;
}

int
main(int argc, char *argv[])
{
	struct inject	 in;
	struct passwd	*pw;
	struct buf	 sender = BUF_INIT;
	char		 host[256], dom[256], errbuf[512], *gecos = NULL;
	const char	*cflag = NULL, *prog, *fromarg = NULL, *mode = "m";
	int		 ch, i, r, queue_run = 0;

	memset(&in, 0, sizeof(in));
	in.dot_ends = 1;
	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (strcmp(prog, "mailq") == 0)
		mode = "p";

	while ((ch = getopt(argc, argv, "A:B:b:C:F:f:Gh:iL:mN:nO:o:p:q::R:r:tUV:vX:")) != -1) {
		switch (ch) {
		case 'B':
			in.eightbit = strcasecmp(optarg, "8BITMIME") == 0;
			break;
		case 'b':
			mode = optarg;
			break;
		case 'C':
			cflag = optarg;
			break;
		case 'F':
			in.fullname = optarg;
			break;
		case 'f':
		case 'r':
			fromarg = optarg;
			break;
		case 'i':
			in.dot_ends = 0;
			break;
		case 'N':
			in.notify = dsn_notify(optarg);
			break;
		case 'o':
			/* -oi is -i; the other sendmail options mean nothing here */
			if (strcmp(optarg, "i") == 0)
				in.dot_ends = 0;
			break;
		case 'q':
			queue_run = 1;
			break;
		case 'R':
			if (strcasecmp(optarg, "full") == 0)
				in.ret = "FULL";
			else if (strcasecmp(optarg, "hdrs") == 0)
				in.ret = "HDRS";
			else
				errx(EX_USAGE, "-R: expected full or hdrs");
			break;
		case 't':
			in.extract = 1;
			break;
		case 'V':
			in.envid = optarg;
			break;
		case 'v':
			in.verbose = 1;
			break;
		case 'A': case 'G': case 'h': case 'L': case 'm': case 'n':
		case 'O': case 'p': case 'U': case 'X':
			break;		/* accepted for compatibility */
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	log_init("posta-sendmail", 1, in.verbose);
	conf_init(cflag);

	if (queue_run) {
		/* -q: try every queued message now */
		char *extra[] = { "-F", NULL };

		run_program("posta-queue-runner", cflag, extra);
	}
	switch (mode[0]) {
	case 'm':
		break;
	case 'p':	/* mailq */
		{
			char *extra[] = { "-l", NULL };
			run_program("posta-queue-runner", cflag, extra);
		}
	case 's':	/* SMTP on stdin and stdout */
		{
			char *extra[] = { "-b", NULL };
			run_program("posta-smtpd", cflag, extra);
		}
	case 'i':	/* newaliases: the aliases file is read as text */
		return EX_OK;
	default:
		errx(EX_USAGE, "-b%s is not supported (posta-smtpd runs from "
		    "a super-server; see posta-smtpd(8))", mode);
	}

	if ((pw = getpwuid(getuid())) == NULL)
		errx(EX_NOUSER, "who are you? (uid %d)", (int)getuid());
	in.login = strdup(pw->pw_name);
	if (in.fullname == NULL && pw->pw_gecos && *pw->pw_gecos) {
		gecos = strdup(pw->pw_gecos);
		if (gecos)
			gecos[strcspn(gecos, ",")] = '\0';
		in.fullname = gecos;
	}
	if (in.fullname == NULL && getenv("NAME"))
		in.fullname = getenv("NAME");
	names(&in, host, sizeof(host), dom, sizeof(dom));
	in.max_header = (size_t)conf_num(C_max_header_size);

	/* the envelope sender: -f, else the user */
	if (fromarg && (strcmp(fromarg, "<>") == 0 || *fromarg == '\0'))
		in.sender = "";
	else {
		struct rcptlist one = { NULL, 0 };

		if (rcpt_add(&one, fromarg ? fromarg : in.login, in.mydomain,
		    errbuf, sizeof(errbuf)) == -1)
			errx(EX_USAGE, "-f: %s", errbuf);
		in.sender = one.a[0];
	}
	for (i = 0; i < argc; i++) {
		/* "a, b" as one argument: the old sendmail allowed it */
		char *list = strdup(argv[i]), *p, *save = NULL;

		if (list == NULL)
			err(EX_OSERR, NULL);
		for (p = strtok_r(list, ",", &save); p;
		    p = strtok_r(NULL, ",", &save)) {
			while (*p == ' ')
				p++;
			if (*p == '\0')
				continue;
			if (rcpt_add(&in.rcpts, p, in.mydomain, errbuf,
			    sizeof(errbuf)) == -1)
				errx(EX_USAGE, "%s", errbuf);
		}
		free(list);
	}
	if (in.rcpts.n == 0 && !in.extract)
		errx(EX_USAGE, "no recipients given (name them, or use -t)");

	r = inject_message(&in, stdin);
	buf_free(&sender);
	free(gecos);
	return r;
}
