/*
 * mime-encode: builds a MIME message from files and standard input, or
 * encodes and decodes one stream in base64 or quoted-printable; see
 * mime-encode(1).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "hdr.h"
#include "mime.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: mime-encode [-a file] [-b file] [-C charset] [-c address]"
	    " [-f address]\n"
	    "                   [-H header] [-h file] [-i file] [-s subject]"
	    " [-T type]\n"
	    "                   [-t address]\n"
	    "       mime-encode -d | -e [-q] [file]\n");
	exit(EX_USAGE);
}

static void
add_leaf(struct message *m, enum role role, const char *path,
    const char **type)
{
	struct leaf *l;

	l = reallocarray(m->leaves, m->nleaves + 1, sizeof(*l));
	if (l == NULL)
		err(EX_OSERR, NULL);
	m->leaves = l;
	l += m->nleaves++;
	memset(l, 0, sizeof(*l));
	l->role = role;
	l->path = path;
	l->type = *type;
	l->fd = -1;
	*type = NULL;
}

static void
add_mailboxes(const char *opt, const char *arg, struct mailbox **list,
    size_t *n)
{
	const char *why;

	if (hdr_mailboxes(arg, list, n, &why) == -1)
		errx(EX_USAGE, "-%s %s: %s", opt, arg, why);
}

int
main(int argc, char *argv[])
{
	struct message m;
	const char *type = NULL, **h;
	int ch, decode = 0, encode = 0, qp = 0, fd, body = 0, html = 0;
	int built = 0;

	memset(&m, 0, sizeof(m));
	while ((ch = getopt(argc, argv, "a:b:C:c:def:H:h:i:qs:T:t:")) != -1) {
		switch (ch) {
		case 'a':
			add_leaf(&m, ROLE_ATTACH, optarg, &type);
			break;
		case 'b':
			if (body++)
				errx(EX_USAGE, "-b given twice");
			add_leaf(&m, ROLE_TEXT, optarg, &type);
			break;
		case 'C':
			m.charset = optarg;
			break;
		case 'c':
			add_mailboxes("c", optarg, &m.cc, &m.ncc);
			break;
		case 'd':
			decode = 1;
			break;
		case 'e':
			encode = 1;
			break;
		case 'f':
			if (m.nfrom > 0)
				errx(EX_USAGE, "-f given twice");
			add_mailboxes("f", optarg, &m.from, &m.nfrom);
			if (m.nfrom > 1)	/* RFC 5322 3.6.2 would want Sender */
				errx(EX_USAGE, "-f %s: one address only",
				    optarg);
			break;
		case 'H':
			h = reallocarray(m.headers, m.nheaders + 1,
			    sizeof(*h));
			if (h == NULL)
				err(EX_OSERR, NULL);
			m.headers = h;
			m.headers[m.nheaders++] = optarg;
			break;
		case 'h':
			if (html++)
				errx(EX_USAGE, "-h given twice");
			add_leaf(&m, ROLE_HTML, optarg, &type);
			break;
		case 'i':
			add_leaf(&m, ROLE_IMAGE, optarg, &type);
			break;
		case 'q':
			qp = 1;
			break;
		case 's':
			m.subject = optarg;
			break;
		case 'T':
			type = optarg;
			break;
		case 't':
			add_mailboxes("t", optarg, &m.to, &m.nto);
			break;
		default:
			usage();
		}
		if (ch != 'd' && ch != 'e' && ch != 'q')
			built = 1;
	}
	argc -= optind;
	argv += optind;

	if (decode || encode) {
		if ((decode && encode) || built || argc > 1)
			usage();
		fd = STDIN_FILENO;
		if (argc == 1 && strcmp(argv[0], "-") != 0 &&
		    (fd = open_input(argv[0])) == -1)
			err(EX_NOINPUT, "%s", argv[0]);
		return stream_code(fd, STDOUT_FILENO, decode, qp);
	}
	if (argc > 0 || qp)
		usage();
	if (type != NULL)
		errx(EX_USAGE, "-T %s: no -a or -i follows it", type);
	mime_prepare(&m);
	mime_write(&m, STDOUT_FILENO);
	mime_free(&m);
	return EX_OK;
}
