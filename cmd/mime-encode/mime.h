/*
 * mime-encode: a MIME message from files, or one stream coded.
 */
#ifndef MIME_ENCODE_H
#define MIME_ENCODE_H

#include <sys/types.h>

#include "hdr.h"

enum role { ROLE_TEXT, ROLE_HTML, ROLE_IMAGE, ROLE_ATTACH };

struct leaf {
	enum role	 role;
	const char	*path;		/* as given; "-" is standard input */
	const char	*type;		/* -T override, or NULL */
	char		*name;		/* file name for Content-Disposition */
	int		 fd;
	off_t		 len;		/* octets scanned; -1: not scanned */
	int		 cte;		/* ENC_7BIT, ENC_QP, ENC_BASE64 */
	char		 ctype[256];	/* type/subtype without parameters */
	char		 charset[64];	/* "" when none */
};

struct message {
	struct mailbox	*from, *to, *cc;
	size_t		 nfrom, nto, ncc;
	const char	*subject;
	const char	**headers;	/* "Name: value" */
	size_t		 nheaders;
	const char	*charset;	/* -C */
	struct leaf	*leaves;
	size_t		 nleaves;
};

/* Open, check and classify every input; exits with 64/66/74 on error. */
void	mime_prepare(struct message *);
/* Write the message to fd; exits 74 on a read or write error. */
void	mime_write(struct message *, int fd);
void	mime_free(struct message *);
/* open(2) for reading, refusing directories (EISDIR) */
int	open_input(const char *);
/* Stream mode: encode (decode) fd in to fd out; returns an exit status. */
int	stream_code(int in, int out, int decode, int qp);

#endif
