/*
 * mime-encode: checking the inputs, choosing types and encodings, and
 * writing the message (RFC 2045, 2046, 2183, 2231, 2387, 5322).
 *
 * Nothing is written to standard output until every input is open,
 * read where it must be classified, and every option has been checked:
 * a bad argument or a missing file exits 64 or 66 with stdout empty.
 * A read error later (a file shrinking under us) exits 74; the reader
 * of our output then has a non-zero status with the partial message.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "enc.h"
#include "hdr.h"
#include "io.h"
#include "mime.h"

#define CHUNK		(512 * 1024)	/* read size: a big buffer, bounded memory */
#define MAGIC_HEAD	(64 * 1024)	/* octets libmagic looks at */

/* ---- output ---- */

struct out {
	int	 fd;
	char	 buf[65536];
	size_t	 len;
	int	 last;		/* last octet written, -1 none */
};

static void
out_flush(struct out *o)
{
	if (o->len > 0 && write_full(o->fd, o->buf, o->len) == -1)
		err(EX_IOERR, "write");
	o->len = 0;
}

static void
out_add(struct out *o, const void *p, size_t n)
{
	if (n == 0)
		return;
	o->last = ((const unsigned char *)p)[n - 1];
	if (o->len + n > sizeof(o->buf)) {
		out_flush(o);
		if (n >= sizeof(o->buf)) {
			if (write_full(o->fd, p, n) == -1)
				err(EX_IOERR, "write");
			return;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void
out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

static void
out_buf(struct out *o, struct buf *b)
{
	if (b->s == NULL && b->len > 0)
		errx(EX_OSERR, "out of memory");
	out_add(o, b->s, b->len);
	buf_reset(b);
}

/* ---- inputs ---- */

int
open_input(const char *path)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	return fd;
}

/*
 * A pipe or terminal can be read once only: copy it to an unlinked
 * temporary file first, so it can be classified and then encoded, and
 * so a read error shows before any output.
 */
static int
spool(int fd, const char *what)
{
	char path[4096], *chunk;
	const char *dir;
	ssize_t n;
	int t;

	if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/mime-encode.XXXXXXXXXX",
	    dir) >= sizeof(path))
		errx(EX_CANTCREAT, "TMPDIR too long");
	if ((t = mkostemp(path, O_CLOEXEC)) == -1)
		err(EX_CANTCREAT, "%s", path);
	unlink(path);
	if ((chunk = malloc(CHUNK)) == NULL)
		err(EX_OSERR, NULL);
	while ((n = read(fd, chunk, CHUNK)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(EX_IOERR, "%s", what);
		if (write_full(t, chunk, n) == -1)
			err(EX_CANTCREAT, "temporary file for %s", what);
	}
	free(chunk);
	if (fd != STDIN_FILENO)
		close(fd);
	return t;
}

static void
leaf_open(struct leaf *l, int *stdin_used)
{
	struct stat st;
	const char *base;

	if (strcmp(l->path, "-") == 0) {
		if ((*stdin_used)++)
			errx(EX_USAGE, "standard input named twice");
		l->fd = spool(STDIN_FILENO, "standard input");
		base = NULL;
	} else {
		if ((l->fd = open_input(l->path)) == -1)
			err(EX_NOINPUT, "%s", l->path);
		if (fstat(l->fd, &st) == -1)
			err(EX_NOINPUT, "%s", l->path);
		if (!S_ISREG(st.st_mode))
			l->fd = spool(l->fd, l->path);
		base = strrchr(l->path, '/');
		base = base == NULL ? l->path : base + 1;
	}
	if (l->role == ROLE_ATTACH || l->role == ROLE_IMAGE) {
		if (base == NULL || *base == '\0')
			base = "attachment";
		if ((l->name = strdup(base)) == NULL)
			err(EX_OSERR, NULL);
	}
}

static ssize_t
read_some(int fd, void *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r == -1 && errno == EINTR);
	return r;
}

/* -T: "type/subtype" made of RFC 2045 5.1 tokens, then parameters. */
static int
type_valid(const char *t)
{
	size_t i;
	int slash = 0, seen = 0;

	for (i = 0; t[i] != '\0' && t[i] != ';'; i++) {
		if (t[i] == '/') {
			if (slash++ || !seen)
				return 0;
			seen = 0;
			continue;
		}
		if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 127 ||
		    strchr("()<>@,;:\\\"/[]?=", t[i]) != NULL)
			return 0;
		seen = 1;
	}
	return slash && seen && hdr_value_valid(t) &&
	    strchr(t, '\n') == NULL;
}

static void
classify(struct leaf *l, magic_t mg, const char *given, char *chunk)
{
	struct enc_class k;
	const char *t, *menc = NULL;
	off_t total = 0;
	ssize_t n, head;
	int scan, text;
	size_t i;

	if ((head = pread(l->fd, chunk, MAGIC_HEAD, 0)) == -1)
		err(EX_IOERR, "%s", l->path);
	if (l->role == ROLE_TEXT)
		t = "text/plain";
	else if (l->role == ROLE_HTML)
		t = "text/html";
	else if (l->type != NULL)
		t = l->type;
	else {
		magic_setflags(mg, MAGIC_MIME_TYPE);
		t = magic_buffer(mg, chunk, head);
		if (t == NULL || strchr(t, '/') == NULL)
			t = "application/octet-stream";
		else if (strcmp(t, "application/x-empty") == 0)
			t = "text/plain";
	}
	for (i = 0; t[i] != '\0' && t[i] != ';' && t[i] != ' ' &&
	    i + 1 < sizeof(l->ctype); i++)
		l->ctype[i] = tolower((unsigned char)t[i]);
	l->ctype[i] = '\0';
	text = strncmp(l->ctype, "text/", 5) == 0;
	magic_setflags(mg, MAGIC_MIME_ENCODING);
	if (head > 0)
		menc = magic_buffer(mg, chunk, head);
	scan = text || head == 0 || (menc != NULL && strcmp(menc, "binary"));
	l->len = -1;
	l->cte = ENC_BASE64;
	if (scan) {
		enc_class_init(&k);
		if (lseek(l->fd, 0, SEEK_SET) == -1)
			err(EX_IOERR, "%s", l->path);
		while ((n = read_some(l->fd, chunk, CHUNK)) != 0) {
			if (n == -1)
				err(EX_IOERR, "%s", l->path);
			enc_class_update(&k, chunk, n);
			total += n;
		}
		l->cte = enc_class_result(&k);
		l->len = total;
	}
	l->charset[0] = '\0';
	if (!text || (l->type != NULL && strcasestr(l->type, "charset=")))
		return;
	if ((l->role == ROLE_TEXT || l->role == ROLE_HTML) && given != NULL)
		t = given;
	else if (!scan || k.high == 0)
		t = "us-ascii";
	else if (!k.utf8bad)
		t = "utf-8";
	else if (given != NULL)
		t = given;
	else if (menc != NULL && strcmp(menc, "binary") &&
	    strcmp(menc, "us-ascii") && strcmp(menc, "utf-8") &&
	    strcmp(menc, "unknown-8bit"))
		t = menc;	/* libmagic's guess, e.g. iso-8859-1 */
	else
		t = "unknown-8bit";	/* RFC 1428 */
	if (strlcpy(l->charset, t, sizeof(l->charset)) >= sizeof(l->charset))
		errx(EX_USAGE, "charset %s too long", t);
}

static int
is_field(const char *h, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(h, name, n) == 0 && h[n] == ':';
}

static void
default_from(struct message *m)
{
	struct passwd *pw;
	char host[256], a[512];
	const char *why;

	if ((pw = getpwuid(getuid())) == NULL)
		errx(EX_USAGE, "no user name for uid %u: use -f",
		    (unsigned)getuid());
	if (gethostname(host, sizeof(host)) == -1)
		err(EX_OSERR, "gethostname");
	host[sizeof(host) - 1] = '\0';
	if ((size_t)snprintf(a, sizeof(a), "%s@%s", pw->pw_name, host) >=
	    sizeof(a) || hdr_mailboxes(a, &m->from, &m->nfrom, &why) == -1)
		errx(EX_USAGE, "cannot make a From address from %s: use -f",
		    a);
}

void
mime_prepare(struct message *m)
{
	struct mailbox *mb = NULL;
	size_t i, nmb = 0, nhtml = 0, nimg = 0;
	const char *h, *why;
	char *chunk;
	int stdin_used = 0;
	magic_t mg;

	if (m->subject != NULL && !hdr_value_valid(m->subject))
		errx(EX_USAGE, "-s: the subject must be one line of UTF-8");
	for (i = 0; i < m->nheaders; i++) {
		h = m->headers[i];
		if (strchr(h, ':') == NULL ||
		    !hdr_name_valid(h, strchr(h, ':') - h))
			errx(EX_USAGE, "-H %s: not \"Name: value\"", h);
		if (!hdr_value_valid(strchr(h, ':') + 1))
			errx(EX_USAGE, "-H %s: the value must be one line of "
			    "UTF-8", h);
		if (strncasecmp(h, "Content-", 8) == 0 ||
		    is_field(h, "MIME-Version"))
			errx(EX_USAGE, "-H %s: mime-encode writes this field",
			    h);
		if (is_field(h, "From") || is_field(h, "To") ||
		    is_field(h, "Cc") || is_field(h, "Subject"))
			errx(EX_USAGE, "-H %s: use -f, -t, -c or -s", h);
		if ((is_field(h, "Reply-To") || is_field(h, "Sender") ||
		    is_field(h, "Bcc")) &&
		    hdr_mailboxes(strchr(h, ':') + 1, &mb, &nmb, &why) == -1)
			errx(EX_USAGE, "-H %s: %s", h, why);
	}
	mailboxes_free(mb, nmb);
	if (m->charset != NULL) {
		for (h = m->charset; *h != '\0'; h++)
			if ((unsigned char)*h <= ' ' || *h >= 127 ||
			    strchr("()<>@,;:\\\"/[]?=", *h) != NULL)
				errx(EX_USAGE, "-C %s: not a charset name",
				    m->charset);
	}
	if (m->nfrom == 0)
		default_from(m);
	for (i = 0; i < m->nleaves; i++) {
		if (m->leaves[i].type != NULL && !type_valid(m->leaves[i].type))
			errx(EX_USAGE, "-T %s: not a type/subtype",
			    m->leaves[i].type);
		if (m->leaves[i].role == ROLE_HTML)
			nhtml++;
		if (m->leaves[i].role == ROLE_IMAGE)
			nimg++;
	}
	if (nimg > 0 && nhtml == 0)
		errx(EX_USAGE, "-i needs an HTML body (-h) to refer to it");

	for (i = 0; i < m->nleaves; i++)
		leaf_open(&m->leaves[i], &stdin_used);
	if ((chunk = malloc(CHUNK)) == NULL)
		err(EX_OSERR, NULL);
	if ((mg = magic_open(MAGIC_MIME_TYPE)) == NULL ||
	    magic_load(mg, NULL) == -1)
		errx(EX_OSFILE, "libmagic: %s", mg ? magic_error(mg) :
		    strerror(errno));
	for (i = 0; i < m->nleaves; i++)
		classify(&m->leaves[i], mg, m->charset, chunk);
	magic_close(mg);
	free(chunk);
}

/* ---- writing ---- */

struct node {
	const char	 *sub;		/* multipart subtype, NULL for a leaf */
	struct leaf	 *leaf;
	struct node	**kids;
	size_t		  nkids;
};

static struct node *
node_new(const char *sub, struct leaf *leaf)
{
	struct node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		err(EX_OSERR, NULL);
	n->sub = sub;
	n->leaf = leaf;
	return n;
}

static void
node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	if (n->leaf != NULL && n->leaf->role == ROLE_TEXT && n->leaf->path == NULL)
		free(n->leaf);	/* the empty body build_tree() made */
	free(n);
}

static void
node_add(struct node *p, struct node *k)
{
	struct node **nk;

	if ((nk = reallocarray(p->kids, p->nkids + 1, sizeof(*nk))) == NULL)
		err(EX_OSERR, NULL);
	p->kids = nk;
	p->kids[p->nkids++] = k;
}

/*
 * The tree (RFC 2046 5.1.3, 5.1.4; RFC 2387):
 *   mixed( alternative( text, related( html, images... ) ), attachments... )
 * with every level left out that would hold a single part.
 */
static struct node *
build_tree(struct message *m)
{
	struct node *text = NULL, *html = NULL, *rel, *body, *mix;
	struct leaf *l;
	size_t i;

	rel = node_new("related", NULL);
	mix = node_new("mixed", NULL);
	for (i = 0; i < m->nleaves; i++) {
		l = &m->leaves[i];
		switch (l->role) {
		case ROLE_TEXT:
			text = node_new(NULL, l);
			break;
		case ROLE_HTML:
			html = node_new(NULL, l);
			break;
		case ROLE_IMAGE:
			node_add(rel, node_new(NULL, l));
			break;
		case ROLE_ATTACH:
			node_add(mix, node_new(NULL, l));
			break;
		}
	}
	if (html != NULL && rel->nkids > 0) {
		node_add(rel, NULL);
		memmove(rel->kids + 1, rel->kids,
		    (rel->nkids - 1) * sizeof(*rel->kids));
		rel->kids[0] = html;
		html = rel;
	} else
		node_free(rel);
	if (text != NULL && html != NULL) {
		body = node_new("alternative", NULL);
		node_add(body, text);
		node_add(body, html);
	} else
		body = text != NULL ? text : html;
	if (mix->nkids == 0) {
		node_free(mix);
		if (body != NULL)
			return body;
		/* nothing given at all: an empty text body */
		if ((l = calloc(1, sizeof(*l))) == NULL)
			err(EX_OSERR, NULL);
		l->role = ROLE_TEXT;
		l->fd = -1;
		l->len = 0;
		l->cte = ENC_7BIT;
		strlcpy(l->ctype, "text/plain", sizeof(l->ctype));
		strlcpy(l->charset, "us-ascii", sizeof(l->charset));
		return node_new(NULL, l);
	}
	if (body != NULL) {
		node_add(mix, NULL);
		memmove(mix->kids + 1, mix->kids,
		    (mix->nkids - 1) * sizeof(*mix->kids));
		mix->kids[0] = body;
	}
	return mix;
}

/*
 * Boundaries (RFC 2046 5.1.1) are "=_" and a random token.  No encoded
 * part can hold a line "--=_...": quoted-printable writes "=" only
 * before two hex digits or a line end, and "=" in base64 is only
 * padding at the end of the data, never followed by "_".  A 7bit part
 * is copied as it is, so enc_class_result() sends any text that has a
 * line starting with "--=_" as quoted-printable instead: the delimiter
 * cannot occur in any part, whatever the random token, with no need to
 * pre-scan an encoded part (a 1 GiB attachment is read once).
 */
static char token[32];
static unsigned nboundary;

static void
make_token(void)
{
	static const char set[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t i;

	for (i = 0; i < 24; i++)
		token[i] = set[arc4random_uniform(sizeof(set) - 1)];
	token[i] = '\0';
}

static void leaf_body(struct out *, struct leaf *, int top);

static void
write_leaf_headers(struct buf *b, struct leaf *l)
{
	static const char *cte[] = { "7bit", "quoted-printable", "base64" };
	size_t col;

	if (l->type != NULL && l->role != ROLE_TEXT && l->role != ROLE_HTML) {
		if (buf_printf(b, "Content-Type: %s", l->type) == -1)
			goto nomem;
		col = 14 + strlen(l->type);
	} else {
		if (buf_printf(b, "Content-Type: %s", l->ctype) == -1)
			goto nomem;
		col = 14 + strlen(l->ctype);
	}
	if (l->charset[0] != '\0' &&
	    hdr_param(b, &col, "charset", l->charset) == -1)
		goto nomem;
	/* "name" (RFC 1341) for readers that never learnt RFC 2183 */
	if (l->name != NULL && hdr_param(b, &col, "name", l->name) == -1)
		goto nomem;
	if (buf_printf(b, "\nContent-Transfer-Encoding: %s\n",
	    cte[l->cte]) == -1)
		goto nomem;
	if (l->role == ROLE_IMAGE) {
		/* RFC 2392: the HTML refers to it as "cid:NAME" */
		if (buf_printf(b, "Content-ID: <%s>\n", l->name) == -1)
			goto nomem;
	}
	if (l->name != NULL) {
		const char *disp = l->role == ROLE_IMAGE ? "inline" :
		    "attachment";

		if (buf_printf(b, "Content-Disposition: %s", disp) == -1)
			goto nomem;
		col = 21 + strlen(disp);
		if (hdr_param(b, &col, "filename", l->name) == -1 ||
		    buf_addc(b, '\n') == -1)
			goto nomem;
	}
	return;
nomem:
	err(EX_OSERR, NULL);
}

static void
write_node(struct out *o, struct buf *b, struct node *n, int top)
{
	char boundary[64];
	size_t col, i;

	if (n->sub == NULL) {
		write_leaf_headers(b, n->leaf);
		if (buf_addc(b, '\n') == -1)
			err(EX_OSERR, NULL);
		out_buf(o, b);
		leaf_body(o, n->leaf, top);
		return;
	}
	snprintf(boundary, sizeof(boundary), "=_%s.%u", token, nboundary++);
	if (buf_printf(b, "Content-Type: multipart/%s", n->sub) == -1)
		err(EX_OSERR, NULL);
	col = 24 + strlen(n->sub);
	if (n->sub[0] == 'r' &&
	    hdr_param(b, &col, "type", "text/html") == -1)
		err(EX_OSERR, NULL);
	if (hdr_param(b, &col, "boundary", boundary) == -1 ||
	    buf_adds(b, "\n\n") == -1)
		err(EX_OSERR, NULL);
	/* RFC 2046 5.1.1: the preamble, for readers without MIME */
	if (top && buf_adds(b, "This is a multi-part message in MIME format.\n")
	    == -1)
		err(EX_OSERR, NULL);
	out_buf(o, b);
	for (i = 0; i < n->nkids; i++) {
		/* the line break before "--" belongs to the delimiter */
		out_str(o, i == 0 ? "--" : "\n--");
		out_str(o, boundary);
		out_str(o, "\n");
		write_node(o, b, n->kids[i], 0);
	}
	out_str(o, "\n--");
	out_str(o, boundary);
	out_str(o, "--\n");
}

static void
leaf_body(struct out *o, struct leaf *l, int top)
{
	struct enc_b64 b64;
	struct enc_qp qp;
	char *in, *enc;
	off_t left = l->len;
	size_t want, k;
	ssize_t n;

	if (l->fd == -1)
		return;
	if (lseek(l->fd, 0, SEEK_SET) == -1)
		err(EX_IOERR, "%s", l->path);
	if ((in = malloc(CHUNK)) == NULL ||
	    (enc = malloc(ENC_QP_BOUND(CHUNK))) == NULL)
		err(EX_OSERR, NULL);
	enc_b64_init(&b64, 1, 0);
	enc_qp_init(&qp, 0);
	for (;;) {
		want = CHUNK;
		if (l->len >= 0 && left < (off_t)want)
			want = left;
		if (want == 0)
			break;
		if ((n = read_some(l->fd, in, want)) == -1)
			err(EX_IOERR, "%s", l->path);
		if (n == 0) {
			if (l->len >= 0)
				errx(EX_IOERR, "%s: changed while being read",
				    l->path);
			break;
		}
		left -= n;
		switch (l->cte) {
		case ENC_7BIT:
			out_add(o, in, n);
			break;
		case ENC_QP:
			k = enc_qp_update(&qp, in, n, enc);
			out_add(o, enc, k);
			break;
		default:
			k = enc_b64_update(&b64, in, n, enc);
			out_add(o, enc, k);
			break;
		}
	}
	if (l->cte == ENC_QP)
		out_add(o, enc, enc_qp_final(&qp, enc));
	else if (l->cte == ENC_BASE64)
		out_add(o, enc, enc_b64_final(&b64, enc));
	/* a message is made of lines */
	if (top && l->cte == ENC_7BIT && l->len > 0 && o->last != '\n')
		out_str(o, "\n");
	free(in);
	free(enc);
	close(l->fd);
	l->fd = -1;
}

static int
has_field(struct message *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nheaders; i++)
		if (is_field(m->headers[i], name))
			return 1;
	return 0;
}

void
mime_write(struct message *m, int fd)
{
	static struct out o;
	struct buf b = BUF_INIT;
	struct mailbox *mb;
	struct node *root;
	char date[64];
	const char *dom, *v;
	char *name;
	size_t i, nmb;
	time_t now;
	int r = 0;

	o.fd = fd;
	o.last = -1;
	make_token();
	root = build_tree(m);

	r |= hdr_addresses(&b, "From", m->from, m->nfrom);
	if (m->nto > 0)
		r |= hdr_addresses(&b, "To", m->to, m->nto);
	if (m->ncc > 0)
		r |= hdr_addresses(&b, "Cc", m->cc, m->ncc);
	if (m->subject != NULL)
		r |= hdr_unstructured(&b, "Subject", m->subject);
	if (!has_field(m, "Date")) {
		/* RFC 5322 3.3, in the C locale */
		now = time(NULL);
		if (strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z",
		    localtime(&now)) == 0)
			errx(EX_SOFTWARE, "strftime");
		r |= buf_printf(&b, "Date: %s\n", date);
	}
	if (!has_field(m, "Message-ID")) {
		dom = strrchr(m->from[0].addr, '@');
		r |= buf_printf(&b, "Message-ID: <%lld.%08x%08x@%s>\n",
		    (long long)time(NULL), arc4random(), arc4random(),
		    dom != NULL ? dom + 1 : "localhost");
	}
	for (i = 0; i < m->nheaders; i++) {
		v = strchr(m->headers[i], ':');
		if ((name = strndup(m->headers[i], v - m->headers[i])) == NULL)
			err(EX_OSERR, NULL);
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		if (is_field(m->headers[i], "Reply-To") ||
		    is_field(m->headers[i], "Sender") ||
		    is_field(m->headers[i], "Bcc")) {
			mb = NULL;
			nmb = 0;
			if (hdr_mailboxes(v, &mb, &nmb, &dom) == -1)
				errx(EX_USAGE, "-H %s: %s", m->headers[i], dom);
			r |= hdr_addresses(&b, name, mb, nmb);
			mailboxes_free(mb, nmb);
		} else
			r |= hdr_unstructured(&b, name, v);
		free(name);
	}
	r |= buf_adds(&b, "MIME-Version: 1.0\n");
	if (r != 0)
		err(EX_OSERR, NULL);
	write_node(&o, &b, root, 1);
	out_flush(&o);
	node_free(root);
	buf_free(&b);
}

void
mime_free(struct message *m)
{
	size_t i;

	mailboxes_free(m->from, m->nfrom);
	mailboxes_free(m->to, m->nto);
	mailboxes_free(m->cc, m->ncc);
	for (i = 0; i < m->nleaves; i++)
		free(m->leaves[i].name);
	free(m->leaves);
	free(m->headers);
	memset(m, 0, sizeof(*m));
}

/* ---- stream mode ---- */

int
stream_code(int in, int out, int decode, int qp)
{
	struct enc_b64 eb;
	struct enc_qp eq;
	struct dec_b64 db;
	struct dec_qp dq;
	char *ibuf, *obuf;
	size_t cap, k;
	unsigned long bad;
	ssize_t n;

	cap = decode ? (qp ? DEC_QP_BOUND(CHUNK) : DEC_B64_BOUND(CHUNK)) :
	    (qp ? ENC_QP_BOUND(CHUNK) : ENC_B64_BOUND(CHUNK));
	if ((ibuf = malloc(CHUNK)) == NULL || (obuf = malloc(cap)) == NULL)
		err(EX_OSERR, NULL);
	enc_b64_init(&eb, 1, 0);
	enc_qp_init(&eq, 0);
	dec_b64_init(&db);
	dec_qp_init(&dq, 0);
	while ((n = read_some(in, ibuf, CHUNK)) != 0) {
		if (n == -1)
			err(EX_IOERR, "read");
		if (decode)
			k = qp ? dec_qp_update(&dq, ibuf, n, obuf) :
			    dec_b64_update(&db, ibuf, n, obuf);
		else
			k = qp ? enc_qp_update(&eq, ibuf, n, obuf) :
			    enc_b64_update(&eb, ibuf, n, obuf);
		if (write_full(out, obuf, k) == -1)
			err(EX_IOERR, "write");
	}
	if (decode) {
		k = qp ? dec_qp_final(&dq, obuf) : 0;
		if (!qp)
			dec_b64_final(&db);
	} else
		k = qp ? enc_qp_final(&eq, obuf) : enc_b64_final(&eb, obuf);
	if (write_full(out, obuf, k) == -1)
		err(EX_IOERR, "write");
	bad = qp ? dq.bad : db.bad;
	free(ibuf);
	free(obuf);
	if (decode && bad > 0) {
		warnx("malformed %s input (%lu places)",
		    qp ? "quoted-printable" : "base64", bad);
		return EX_DATAERR;
	}
	return EX_OK;
}
