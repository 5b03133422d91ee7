/*
 * mxlookup: a domain's mail exchangers in the order posta tries them;
 * see mxlookup(1).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "dns.h"
#include "print.h"

#define CHUNK	4096	/* domains from stdin resolved together */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: mxlookup [-1aj] [-s server[:port]] "
	    "[-t timeout] [domain ...]\n");
	exit(EX_USAGE);
}

static int
worse(int a, int b)
{
	if (a == EX_TEMPFAIL || b == EX_TEMPFAIL)
		return EX_TEMPFAIL;
	return a > b ? a : b;
}

static int
resolve(struct dns *d, char **list, size_t n, int flags)
{
	struct mxlist	*out;
	size_t		 i;
	int		 ex = 0;

	if (n == 0)
		return 0;
	if ((out = reallocarray(NULL, n, sizeof(*out))) == NULL)
		err(EX_OSERR, NULL);
	if (dns_mx_batch(d, list, n, out) == -1)
		warn("DNS sockets");
	for (i = 0; i < n; i++) {
		ex = worse(ex, print_list(stdout, &out[i], flags));
		mxlist_free(&out[i]);
	}
	free(out);
	if (fflush(stdout) == EOF)
		err(EX_IOERR, "stdout");
	return ex;
}

/* Domains one a line; blank lines are skipped. */
static int
resolve_stdin(struct dns *d, int flags)
{
	char	*line = NULL, *s, *e, **list;
	size_t	 cap = 0, n = 0, i;
	ssize_t	 len;
	int	 ex = 0;

	if ((list = reallocarray(NULL, CHUNK, sizeof(*list))) == NULL)
		err(EX_OSERR, NULL);
	while ((len = getline(&line, &cap, stdin)) != -1) {
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		for (e = line + len; e > s && (e[-1] == '\n' ||
		    e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if (e == s)
			continue;
		*e = '\0';
		if ((list[n++] = strdup(s)) == NULL)
			err(EX_OSERR, NULL);
		if (n == CHUNK) {
			ex = worse(ex, resolve(d, list, n, flags));
			for (i = 0; i < n; i++)
				free(list[i]);
			n = 0;
		}
	}
	if (ferror(stdin))
		err(EX_IOERR, "stdin");
	ex = worse(ex, resolve(d, list, n, flags));
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	free(line);
	return ex;
}

int
main(int argc, char *argv[])
{
	struct dns	*d;
	const char	*server = NULL, *timeout = NULL;
	char		 why[256];
	int		 ch, flags = 0, ex;

	while ((ch = getopt(argc, argv, "1ajs:t:")) != -1) {
		switch (ch) {
		case '1':
			flags |= PRINT_FIRST;
			break;
		case 'a':
			flags |= PRINT_ADDR;
			break;
		case 'j':
			flags |= PRINT_JSON;
			break;
		case 's':
			server = optarg;
			break;
		case 't':
			timeout = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	conf_init(NULL);
	if (server != NULL && (conf_set("dns_resolver", server, why,
	    sizeof(why)) == -1 || strpbrk(server, " \t,") != NULL))
		errx(EX_USAGE, "-s %s: not an address[:port]", server);
	if (timeout != NULL && conf_set("dns_timeout", timeout, why,
	    sizeof(why)) == -1)
		errx(EX_USAGE, "-t %s: not a time", timeout);
	if ((d = dns_open(why, sizeof(why))) == NULL) {
		if (server != NULL || timeout != NULL)
			errx(EX_USAGE, "%s", why);
		errx(EX_CONFIG, "%s", why);
	}
	if (argc > 0)
		ex = resolve(d, argv, argc, flags);
	else
		ex = resolve_stdin(d, flags);
	dns_close(d);
	return ex;
}
