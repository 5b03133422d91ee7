#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "queue.h"

void
queue_new_id(char id[QUEUE_IDLEN])
{
	struct timeval	 tv;

	gettimeofday(&tv, NULL);
	/* Sorts by arrival; unique while pids are. */
	snprintf(id, QUEUE_IDLEN, "%09llX%05lX%06X",
	    (unsigned long long)tv.tv_sec, (unsigned long)tv.tv_usec,
	    (unsigned int)getpid());
}

void
queue_header(char hdr[QUEUE_HDRLEN + 1], off_t msglen)
{
	snprintf(hdr, QUEUE_HDRLEN + 1, "%s%017lld\n", QUEUE_MAGIC,
	    (long long)msglen);
}

void
queue_env_free(struct qenv *e)
{
	size_t	 i;

	free(e->sender);
	free(e->envid);
	free(e->ret);
	free(e->auth);
	free(e->client);
	for (i = 0; i < e->nrcpt; i++) {
		free(e->rcpt[i].notify);
		free(e->rcpt[i].orcpt);
		free(e->rcpt[i].addr);
	}
	free(e->rcpt);
	memset(e, 0, sizeof(*e));
}

static int
add_rcpt(struct qenv *e, size_t max_rcpt, char *err, size_t errlen)
{
	struct qrcpt	*r;

	if (max_rcpt && e->nrcpt >= max_rcpt) {
		snprintf(err, errlen, "too many recipients (limit %zu)",
		    max_rcpt);
		return -1;
	}
	if ((r = reallocarray(e->rcpt, e->nrcpt + 1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->rcpt = r;
	memset(&e->rcpt[e->nrcpt], 0, sizeof(*r));
	e->rcpt[e->nrcpt].state = QR_PENDING;
	e->nrcpt++;
	return 0;
}

/* RFC 3461 4: hexchar digits are 0-9 and upper-case A-F */
static int
hexchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static int
xtext_ok(const char *s)
{
	/* RFC 3461 4: xtext is printable ASCII but + and =, and +HH */
	for (; *s; s++) {
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126 ||
		    *s == '=')
			return 0;
		if (*s == '+') {
			if (!hexchar(s[1]) || !hexchar(s[2]))
				return 0;
			s += 2;
		}
	}
	return 1;
}

/* RFC 3461 4.1: "NEVER", or a list of SUCCESS, FAILURE and DELAY. */
static int
notify_ok(const char *v)
{
	char	 tmp[32], *p, *save = NULL;
	int	 n = 0;

	if (strcasecmp(v, "NEVER") == 0)
		return 1;
	if (strlcpy(tmp, v, sizeof(tmp)) >= sizeof(tmp))
		return 0;
	for (p = strtok_r(tmp, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (strcasecmp(p, "SUCCESS") && strcasecmp(p, "FAILURE") &&
		    strcasecmp(p, "DELAY"))
			return 0;
		n++;
	}
	return n > 0 && v[strlen(v) - 1] != ',';
}

static int
check_addr(const char *what, const char *a, size_t max_addr, int nullok,
    char *err, size_t errlen)
{
	struct addr	 pa;
	const char	*why;

	if (*a == '\0') {
		if (nullok)
			return 0;
		snprintf(err, errlen, "empty %s address", what);
		return -1;
	}
	if (strlen(a) > max_addr) {
		snprintf(err, errlen, "%s address longer than %zu octets",
		    what, max_addr);
		return -1;
	}
	if (addr_parse(a, ADDR_UTF8 | ADDR_NOROUTE, &pa, &why) == -1) {
		snprintf(err, errlen, "%s address \"%s\": %s", what, a, why);
		return -1;
	}
	return 0;
}

int
queue_env_parse_input(const char *s, size_t len, size_t max_addr,
    size_t max_rcpt, struct qenv *e, char *err, size_t errlen)
{
	const char	*p = s, *end = s + len, *nl, *v, *sp;
	char		*line = NULL, *tok, *save;
	size_t		 ll;
	int		 lineno = 0, have_from = 0;
	struct qrcpt	*r;

	memset(e, 0, sizeof(*e));
	if (memchr(s, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte in envelope");
		return -1;
	}
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (ll == 0 || (ll == 1 && *p == '\r'))
			break;		/* an empty line ends the envelope */
		free(line);
		if ((line = strndup(p, ll)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		p += ll + (nl != NULL);
		if (ll >= 2 && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (ll < 1 || (ll > 1 && line[1] != ' ')) {
			snprintf(err, errlen, "envelope line %d: bad form",
			    lineno);
			goto fail;
		}
		v = ll > 1 ? line + 2 : "";
		if (lineno == 1 && line[0] != 'F') {
			snprintf(err, errlen, "envelope must start with F");
			goto fail;
		}
		switch (line[0]) {
		case 'F':
			if (have_from++) {
				snprintf(err, errlen, "two senders");
				goto fail;
			}
			if (check_addr("sender", v, max_addr, 1, err,
			    errlen) == -1)
				goto fail;
			if ((e->sender = strdup(v)) == NULL)
				goto nomem;
			break;
		case 'E':
			if (!xtext_ok(v) || strlen(v) > 100 || e->envid) {
				snprintf(err, errlen, "bad ENVID");
				goto fail;
			}
			if ((e->envid = strdup(v)) == NULL)
				goto nomem;
			break;
		case 'N':
			if ((strcmp(v, "FULL") != 0 && strcmp(v, "HDRS") != 0) ||
			    e->ret) {
				snprintf(err, errlen, "bad RET (FULL or HDRS)");
				goto fail;
			}
			if ((e->ret = strdup(v)) == NULL)
				goto nomem;
			break;
		case 'A':
			if (e->auth || strlen(v) > max_addr ||
			    strpbrk(v, " \t") != NULL) {
				snprintf(err, errlen, "bad A line");
				goto fail;
			}
			if ((e->auth = strdup(v)) == NULL)
				goto nomem;
			break;
		case 'C':
			if (e->client || strlen(v) > 512) {
				snprintf(err, errlen, "bad C line");
				goto fail;
			}
			if ((e->client = strdup(v)) == NULL)
				goto nomem;
			break;
		case 'U':
			e->smtputf8 = 1;
			break;
		case '8':
			e->eightbit = 1;
			break;
		case 'R':
			if (add_rcpt(e, max_rcpt, err, errlen) == -1)
				goto fail;
			r = &e->rcpt[e->nrcpt - 1];
			/* address, then optional NOTIFY= and ORCPT= */
			save = NULL;
			sp = v;
			if (*v == '"') {
				/* quoted local part may hold spaces */
				for (sp = v + 1; *sp && *sp != '"'; sp++)
					if (*sp == '\\' && sp[1])
						sp++;
				if (*sp)
					sp++;
			}
			sp = strchr(sp, ' ');
			if ((r->addr = sp ? strndup(v, (size_t)(sp - v)) :
			    strdup(v)) == NULL)
				goto nomem;
			if (check_addr("recipient", r->addr, max_addr, 0, err,
			    errlen) == -1)
				goto fail;
			if (sp == NULL)
				break;
			for (tok = strtok_r(line + 2 + (sp - v), " ", &save);
			    tok; tok = strtok_r(NULL, " ", &save)) {
				if (strncasecmp(tok, "NOTIFY=", 7) == 0 &&
				    !r->notify && notify_ok(tok + 7)) {
					if ((r->notify = strdup(tok + 7)) == NULL)
						goto nomem;
				} else if (strncasecmp(tok, "ORCPT=", 6) == 0 &&
				    !r->orcpt && strlen(tok + 6) <= 500 &&
				    strchr(tok + 6, ';') != NULL &&
				    strchr(tok + 6, ';') != tok + 6 &&
				    xtext_ok(tok + 6)) {
					if ((r->orcpt = strdup(tok + 6)) == NULL)
						goto nomem;
				} else {
					snprintf(err, errlen, "envelope line "
					    "%d: bad recipient parameter", lineno);
					goto fail;
				}
			}
			break;
		default:
			snprintf(err, errlen, "envelope line %d: unknown item "
			    "'%c'", lineno, line[0]);
			goto fail;
		}
	}
	free(line);
	line = NULL;
	if (!have_from) {
		snprintf(err, errlen, "no sender in envelope");
		goto fail;
	}
	if (e->nrcpt == 0) {
		snprintf(err, errlen, "no recipient in envelope");
		goto fail;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(line);
	queue_env_free(e);
	return -1;
}

/* The fixed-width fields of a recipient line hold these values only. */
static void
rcpt_clamp(time_t *next, int *tries)
{
	if (*tries > 9999)
		*tries = 9999;
	if (*tries < 0)
		*tries = 0;
	if (*next < 0 || *next > 9999999999LL)
		*next = 9999999999LL;
}

/* "R S NNNNNNNNNN TTTT " as written: digits and spaces where they go. */
static int
rcpt_prefix_ok(const char *l)
{
	int	 i;

	if (l[0] != 'R' || l[1] != ' ' || l[QR_OFF_NEXT - 1] != ' ' ||
	    l[QR_OFF_TRIES - 1] != ' ' || l[QR_PREFIX - 1] != ' ')
		return 0;
	for (i = QR_OFF_NEXT; i < QR_OFF_TRIES - 1; i++)
		if (l[i] < '0' || l[i] > '9')
			return 0;
	for (i = QR_OFF_TRIES; i < QR_PREFIX - 1; i++)
		if (l[i] < '0' || l[i] > '9')
			return 0;
	return 1;
}

int
queue_env_serialize(const struct qenv *e, struct buf *b)
{
	size_t	 i;
	int	 r = 0, tries;
	time_t	 next;

	r |= buf_printf(b, "T %lld\nI %s\nF %s\n", (long long)e->arrival,
	    e->id, e->sender ? e->sender : "");
	if (e->envid)
		r |= buf_printf(b, "E %s\n", e->envid);
	if (e->ret)
		r |= buf_printf(b, "N %s\n", e->ret);
	if (e->auth)
		r |= buf_printf(b, "A %s\n", e->auth);
	if (e->client)
		r |= buf_printf(b, "C %s\n", e->client);
	if (e->smtputf8)
		r |= buf_adds(b, "U\n");
	if (e->eightbit)
		r |= buf_adds(b, "8\n");
	for (i = 0; i < e->nrcpt; i++) {
		const struct qrcpt *q = &e->rcpt[i];

		next = q->next;
		tries = q->tries;
		rcpt_clamp(&next, &tries);
		r |= buf_printf(b, "R %c %010lld %04d %s %s %s\n", q->state,
		    (long long)next, tries,
		    q->notify ? q->notify : "-", q->orcpt ? q->orcpt : "-",
		    q->addr);
	}
	r |= buf_adds(b, ".\n");
	return r ? -1 : 0;
}

static char *
dup_or_null(const char *v)
{
	return strcmp(v, "-") == 0 ? NULL : strdup(v);
}

int
queue_env_parse_stored(const char *s, size_t len, off_t base, struct qenv *e,
    char *err, size_t errlen)
{
	const char	*p = s, *end = s + len, *nl;
	char		*line = NULL, *f[3], *save, *rest;
	size_t		 ll;
	int		 done = 0, i;
	struct qrcpt	*r;

	while (p < end && !done) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		ll = (size_t)(nl - p);
		free(line);
		if ((line = strndup(p, ll)) == NULL)
			goto nomem;
		/* every item but U, 8 and . is a letter, a space, a value;
		 * a NUL would cut the line short of ll */
		if (ll == 0 || memchr(p, '\0', ll) != NULL ||
		    (strchr("U8.", line[0]) == NULL &&
		    (ll < 2 || line[1] != ' ')))
			goto bad;
		/* each item once (a second would leak the first) */
		if ((line[0] == 'F' && e->sender) ||
		    (line[0] == 'E' && e->envid) ||
		    (line[0] == 'N' && e->ret) ||
		    (line[0] == 'A' && e->auth) ||
		    (line[0] == 'C' && e->client))
			goto bad;
		switch (line[0]) {
		case 'T':
			e->arrival = (time_t)strtoll(line + 2, NULL, 10);
			break;
		case 'I':
			strlcpy(e->id, line + 2, sizeof(e->id));
			break;
		case 'F':
			if ((e->sender = strdup(ll > 1 ? line + 2 : "")) == NULL)
				goto nomem;
			break;
		case 'E':
			if ((e->envid = strdup(line + 2)) == NULL)
				goto nomem;
			break;
		case 'N':
			if ((e->ret = strdup(line + 2)) == NULL)
				goto nomem;
			break;
		case 'A':
			if ((e->auth = strdup(line + 2)) == NULL)
				goto nomem;
			break;
		case 'C':
			if ((e->client = strdup(line + 2)) == NULL)
				goto nomem;
			break;
		case 'U':
			e->smtputf8 = 1;
			break;
		case '8':
			e->eightbit = 1;
			break;
		case 'R':
			/* fixed-width fields, or the in-place updates of
			 * queue_rcpt_update() would land beside them */
			if (ll < QR_PREFIX + 5 || !rcpt_prefix_ok(line) ||
			    add_rcpt(e, 0, err, errlen) == -1)
				goto bad;
			r = &e->rcpt[e->nrcpt - 1];
			r->off = base + (off_t)(p - s);
			r->state = line[QR_OFF_STATE];
			r->next = (time_t)strtoll(line + QR_OFF_NEXT, NULL, 10);
			r->tries = atoi(line + QR_OFF_TRIES);
			save = NULL;
			rest = line + QR_PREFIX;
			for (i = 0; i < 2; i++) {
				f[i] = strtok_r(i ? NULL : rest, " ", &save);
				if (f[i] == NULL)
					goto bad;
			}
			f[2] = save;
			if (f[2] == NULL || *f[2] == '\0')
				goto bad;
			if ((r->notify = dup_or_null(f[0]), strcmp(f[0], "-") &&
			    !r->notify) || (r->orcpt = dup_or_null(f[1]),
			    strcmp(f[1], "-") && !r->orcpt) ||
			    (r->addr = strdup(f[2])) == NULL)
				goto nomem;
			break;
		case '.':
			done = 1;
			break;
		default:
			goto bad;
		}
		p = nl + 1;
	}
	free(line);
	if (!done || e->sender == NULL || e->nrcpt == 0) {
		snprintf(err, errlen, "queue file envelope incomplete");
		queue_env_free(e);
		return -1;
	}
	return 0;
nomem:
	free(line);
	snprintf(err, errlen, "out of memory");
	queue_env_free(e);
	return -1;
bad:
	free(line);
	snprintf(err, errlen, "queue file envelope corrupt");
	queue_env_free(e);
	return -1;
}

int
queue_env_read(int fd, struct qenv *e, char *err, size_t errlen)
{
	char		 hdr[QUEUE_HDRLEN + 1], *endp;
	struct stat	 st;
	long long	 msglen;
	struct buf	 b = BUF_INIT;
	off_t		 envoff;
	ssize_t		 n;
	int		 r;

	memset(e, 0, sizeof(*e));
	if (pread(fd, hdr, QUEUE_HDRLEN, 0) != QUEUE_HDRLEN ||
	    memcmp(hdr, QUEUE_MAGIC, sizeof(QUEUE_MAGIC) - 1) != 0) {
		snprintf(err, errlen, "not a queue file");
		return -1;
	}
	hdr[QUEUE_HDRLEN] = '\0';
	msglen = strtoll(hdr + sizeof(QUEUE_MAGIC) - 1, &endp, 10);
	if (*endp != '\n' || msglen < 0 || fstat(fd, &st) == -1 ||
	    QUEUE_HDRLEN + msglen > st.st_size) {
		snprintf(err, errlen, "queue file header corrupt");
		return -1;
	}
	envoff = QUEUE_HDRLEN + msglen;
	if (st.st_size - envoff > 64 * 1024 * 1024 ||
	    buf_reserve(&b, (size_t)(st.st_size - envoff)) == -1) {
		snprintf(err, errlen, "queue file envelope too large");
		return -1;
	}
	n = pread(fd, b.s, (size_t)(st.st_size - envoff), envoff);
	if (n != st.st_size - envoff) {
		snprintf(err, errlen, "reading queue file: %s",
		    n == -1 ? strerror(errno) : "short read");
		buf_free(&b);
		return -1;
	}
	b.len = (size_t)n;
	r = queue_env_parse_stored(b.s, b.len, envoff, e, err, errlen);
	buf_free(&b);
	if (r == 0) {
		e->msgoff = QUEUE_HDRLEN;
		e->msglen = msglen;
	}
	return r;
}

int
queue_rcpt_update(int fd, struct qrcpt *r, char state, time_t next, int tries)
{
	char	 pre[64];

	rcpt_clamp(&next, &tries);
	snprintf(pre, sizeof(pre), "R %c %010lld %04d ", state,
	    (long long)next, tries);
	if (pwrite(fd, pre, QR_PREFIX, r->off) != QR_PREFIX)
		return -1;
	r->state = state;
	r->next = next;
	r->tries = tries;
	return 0;
}

int
queue_path(struct buf *b, const char *qdir, const char *sub, const char *id)
{
	buf_reset(b);
	if (id)
		return buf_printf(b, "%s/%s/%s", qdir, sub, id);
	return buf_printf(b, "%s/%s", qdir, sub);
}

void
queue_trigger(const char *qdir, const char *id)
{
	struct buf	 p = BUF_INIT;
	char		 line[QUEUE_IDLEN + 1];
	int		 fd, n;

	if (queue_path(&p, qdir, "trigger", NULL) == -1)
		return;
	/* one write of at most PIPE_BUF octets: never mixed with another */
	if (id == NULL || (n = snprintf(line, sizeof(line), "%s\n", id)) < 0 ||
	    (size_t)n >= sizeof(line)) {
		line[0] = '\0';
		n = 1;
	}
	if ((fd = open(p.s, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) != -1) {
		(void)write(fd, line, (size_t)n);
		close(fd);
	}
	buf_free(&p);
}
