/*
 * posta-local: deliver one message to one local address.  Message on
 * stdin, one status line on stdout, the exit status by sysexits(3);
 * see posta-local(8).
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "aliases.h"
#include "buf.h"
#include "conf.h"
#include "local.h"
#include "log.h"
#include "maildir.h"
#include "priv.h"
#include "table.h"
#include "users.h"

static struct local	 l;
static char		 sendertext[ADDR_MAX];

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: posta-local [-v] [-C file] [-f sender] "
	    "[-i queueid] [-L length] address\n");
	printf("5.3.5 posta-local: usage error\n");
	fflush(stdout);
	_exit(EX_USAGE);
}

/* A configuration or table that cannot be read defers the mail. */
static void
setup(const char *cflag)
{
	char		 err[1024];
	const char	*path = conf_path(cflag), *env = getenv("POSTA_CONF");
	const char	*p;
	int		 builtin;

	builtin = (cflag == NULL || *cflag == '\0') &&
	    (env == NULL || *env == '\0');
	if (conf_load(path, builtin, err, sizeof(err)) == -1)
		local_finish(&l, EX_TEMPFAIL, "4.3.5", "configuration: %s",
		    err);
	if (*conf_str(C_myhostname) != '\0')
		strlcpy(l.hostname, conf_str(C_myhostname),
		    sizeof(l.hostname));
	else if (gethostname(l.hostname, sizeof(l.hostname)) == -1)
		strlcpy(l.hostname, "localhost", sizeof(l.hostname));
	if (*conf_str(C_mydomain) != '\0')
		strlcpy(l.mydomain, conf_str(C_mydomain), sizeof(l.mydomain));
	else if ((p = strchr(l.hostname, '.')) != NULL &&
	    strchr(p + 1, '.') != NULL)
		strlcpy(l.mydomain, p + 1, sizeof(l.mydomain));
	else
		strlcpy(l.mydomain, l.hostname, sizeof(l.mydomain));

	md_conf_init();
	/* the tables may be readable by root only: read them first */
	if (table_load(&l.domains, conf_str(C_local_domains)) == -1)
		local_finish(&l, EX_TEMPFAIL, "4.3.5", "%s: %s",
		    conf_str(C_local_domains), strerror(errno));
	if (*conf_str(C_users_file) != '\0' && users_load(&l.users,
	    conf_str(C_users_file), err, sizeof(err)) == -1)
		local_finish(&l, EX_TEMPFAIL, "4.3.5", "%s", err);
	if (aliases_load(&l.aliases, conf_str(C_aliases_file), ALIASES_ADMIN,
	    err, sizeof(err)) == -1)
		local_finish(&l, EX_TEMPFAIL, "4.3.5", "%s", err);
}

/* The recipient, qualified with mydomain when bare. */
static void
recipient(const char *arg)
{
	char		 full[ADDR_MAX + ADDR_DOMAIN_MAX];
	const char	*why;

	if (strchr(arg, '@') == NULL) {
		if ((size_t)snprintf(full, sizeof(full), "%s@%s", arg,
		    l.mydomain) >= sizeof(full))
			local_finish(&l, EX_DATAERR, "5.1.3",
			    "address too long");
	} else if (strlcpy(full, arg, sizeof(full)) >= sizeof(full))
		local_finish(&l, EX_DATAERR, "5.1.3", "address too long");
	if (addr_parse(full, ADDR_UTF8 | ADDR_NOBRACKET, &l.addr, &why) == -1 ||
	    l.addr.null)
		local_finish(&l, EX_DATAERR, "5.1.3", "bad address %s: %s",
		    arg, l.addr.null ? "null" : why);
	if (addr_format(&l.addr, l.rcpt, sizeof(l.rcpt)) == -1)
		local_finish(&l, EX_DATAERR, "5.1.3", "address too long");
}

/* The sender is written into Return-Path: a well-formed address only. */
static void
sender(void)
{
	struct addr	 a;
	const char	*why;

	if (strcmp(l.sender, "<>") == 0)
		l.sender = "";
	if (*l.sender == '\0')
		return;
	if (addr_parse(l.sender, ADDR_UTF8 | ADDR_NOBRACKET | ADDR_NULLOK, &a,
	    &why) == -1)
		local_finish(&l, EX_DATAERR, "5.1.7", "bad sender address: %s",
		    why);
	if (a.null)
		l.sender = "";
	else if (addr_format(&a, sendertext, sizeof(sendertext)) == -1)
		local_finish(&l, EX_DATAERR, "5.1.7", "sender too long");
	else
		l.sender = sendertext;
}

/* The message: exactly length octets, or (length -1) until EOF. */
static void
read_message(long long length)
{
	char		 chunk[65536];
	long long	 limit = conf_num(C_message_size_limit), got = 0;
	size_t		 want;
	ssize_t		 n;

	buf_init(&l.msg, limit > 0 ? (size_t)limit : 0);
	if (length > 0 && buf_reserve(&l.msg, (size_t)length) == -1)
		goto toobig;
	for (;;) {
		want = sizeof(chunk);
		if (length >= 0 && (long long)want > length - got)
			want = (size_t)(length - got);
		if (want == 0)
			break;
		n = read(0, chunk, want);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			local_finish(&l, EX_TEMPFAIL, "4.3.0",
			    "reading the message: %s", strerror(errno));
		if (n == 0)
			break;
		if (buf_add(&l.msg, chunk, (size_t)n) == -1)
			goto toobig;
		got += n;
	}
	if (length >= 0 && got != length)
		local_finish(&l, EX_TEMPFAIL, "4.3.0", "message ended after "
		    "%lld of %lld octets", got, length);
	return;
toobig:
	if (errno == EMSGSIZE)
		local_finish(&l, EX_DATAERR, "5.3.4", "message larger than "
		    "message_size_limit (%lld)", limit);
	local_finish(&l, EX_TEMPFAIL, "4.3.0", "out of memory");
}

int
main(int argc, char *argv[])
{
	const char	*cflag = NULL, *errstr;
	struct passwd	*pw;
	long long	 length = -1;
	int		 ch, verbose = 0;

	l.qid = "-";
	l.sender = "";
	while ((ch = getopt(argc, argv, "C:f:i:L:v")) != -1) {
		switch (ch) {
		case 'C':
			cflag = optarg;
			break;
		case 'f':
			l.sender = optarg;
			break;
		case 'i':
			l.qid = optarg;
			break;
		case 'L':
			length = strtonum(optarg, 0, LLONG_MAX, &errstr);
			if (errstr != NULL)
				usage();
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
	if (argc != 1)
		usage();

	log_init("posta-local", 0, verbose);
	local_init();
	signal(SIGPIPE, SIG_IGN);
	setup(cflag);
	recipient(argv[0]);
	sender();

	/*
	 * Mailboxes are written as their owner, mail_user.  A private
	 * instance run by root names root as mail_user: no drop.
	 */
	if (geteuid() == 0) {
		/* checked here so that the answer is a status line */
		if ((pw = getpwnam(conf_str(C_mail_user))) == NULL)
			local_finish(&l, EX_TEMPFAIL, "4.3.5", "mail_user %s: "
			    "no such user", conf_str(C_mail_user));
		if (pw->pw_uid != 0)
			priv_drop(conf_str(C_mail_user));
	}
	umask(077);
	read_message(length);
	local_check_loops(&l);
	local_deliver(&l);
}
