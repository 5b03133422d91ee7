/*
 * Reading a message from a local program, completing its header, and
 * handing it to posta-enqueue.
 */
#include <sys/types.h>
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "sendmail.h"
#include "submit.h"

/* Qualify, check and canonicalise one address, then keep it once. */
int
rcpt_add(struct rcptlist *rl, const char *raw, const char *mydomain,
    char *err, size_t errlen)
{
	struct addr	 a;
	struct buf	 q = BUF_INIT;
	const char	*why;
	char		 canon[ADDR_MAX], **na;
	size_t		 i;

	while (*raw == ' ' || *raw == '\t')
		raw++;
	if (*raw == '<') {
		/* a command-line <addr> */
		buf_adds(&q, raw + 1);
		if (q.len > 0 && q.s[q.len - 1] == '>')
			q.s[--q.len] = '\0';
	} else
		buf_adds(&q, raw);
	if (q.s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (strchr(q.s, '@') == NULL || (q.s[0] == '"' &&
	    strrchr(q.s, '@') < strrchr(q.s, '"')))
		buf_printf(&q, "@%s", mydomain);
	if (addr_parse(q.s, ADDR_UTF8 | ADDR_NOROUTE, &a, &why) == -1 ||
	    addr_format(&a, canon, sizeof(canon)) == -1) {
		snprintf(err, errlen, "bad address \"%s\": %s", raw,
		    a.local[0] ? why : why);
		buf_free(&q);
		return -1;
	}
	buf_free(&q);
	for (i = 0; i < rl->n; i++)
		if (strcasecmp(rl->a[i], canon) == 0)
			return 0;
	if ((na = reallocarray(rl->a, rl->n + 1, sizeof(*na))) == NULL ||
	    (na[rl->n] = strdup(canon)) == NULL) {
		if (na)
			rl->a = na;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rl->a = na;
	rl->n++;
	return 0;
}

/* RFC 5322 2.2: field name is printable ASCII but ':' */
static size_t
field_name_len(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (s[i] == ':')
			return i;
		if ((unsigned char)s[i] <= 32 || (unsigned char)s[i] >= 127)
			return 0;
	}
	return 0;
}

struct field {
	size_t	 off, len;	/* in the header buffer, with continuations */
	size_t	 namelen;
};

struct header {
	struct buf	 text;
	struct field	*f;
	size_t		 nf;
};

static int
is_field(const struct header *h, size_t i, const char *name)
{
	size_t	 nl = strlen(name);

	return h->f[i].namelen == nl &&
	    strncasecmp(h->text.s + h->f[i].off, name, nl) == 0;
}

static int
has_field(const struct header *h, const char *name)
{
	size_t	 i;

	for (i = 0; i < h->nf; i++)
		if (is_field(h, i, name))
			return 1;
	return 0;
}

struct addarg {
	struct inject	*in;
	char		*err;
	size_t		 errlen;
};

static int
add_from_header(void *arg, const char *spec)
{
	struct addarg	*aa = arg;

	return rcpt_add(&aa->in->rcpts, spec, aa->in->mydomain, aa->err,
	    aa->errlen);
}

/* Read one line (LF, a CR before it removed); 0 at EOF. */
static ssize_t
read_line(FILE *in, char **line, size_t *cap)
{
	ssize_t	 n = getline(line, cap, in);

	if (n <= 0)
		return n == -1 && ferror(in) ? -1 : 0;
	if (n >= 2 && (*line)[n - 1] == '\n' && (*line)[n - 2] == '\r') {
		(*line)[n - 2] = '\n';
		(*line)[--n] = '\0';
	}
	return n;
}

static int
is_lone_dot(const char *l, ssize_t n)
{
	return (n == 2 && l[0] == '.' && l[1] == '\n') || (n == 1 && l[0] == '.');
}

static void
rfc5322_date(char *out, size_t len)
{
	time_t		 now = time(NULL);
	struct tm	 tm;
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	long		 off;

	localtime_r(&now, &tm);
	off = tm.tm_gmtoff / 60;
	/* RFC 5322 3.3, written by hand: strftime follows the locale */
	snprintf(out, len, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* A display name as RFC 5322 wants it: atoms as they are, else quoted. */
static void
add_display_name(struct buf *b, const char *name)
{
	const char	*p;
	int		 plain = 1;

	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != ' ' &&
		    (unsigned char)*p < 0x80 &&
		    strchr("!#$%&'*+-/=?^_`{|}~", *p) == NULL)
			plain = 0;
	if (plain && *name != ' ') {
		buf_adds(b, name);
		return;
	}
	buf_addc(b, '"');
	for (p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addc(b, '\\');
		if (*p != '\r' && *p != '\n')
			buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

static int
has_8bit(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

int
inject_message(struct inject *in, FILE *fp)
{
	struct header	 h;
	struct buf	 add = BUF_INIT, env = BUF_INIT, hv = BUF_INIT;
	struct field	*nf;
	struct addarg	 aa;
	struct timeval	 tv;
	char		*line = NULL, err[512], date[64], idbuf[128];
	const char	*why, *prefix;
	size_t		 cap = 0, i, j;
	ssize_t		 n;
	struct submit	 sub;
	int		 status, ended = 0, resent = 0;
	int		 eightbit = in->eightbit, smtputf8 = 0, body_first = 0;

	memset(&h, 0, sizeof(h));
	buf_init(&h.text, in->max_header);

	/* The header: fields and their continuation lines. */
	for (;;) {
		n = read_line(fp, &line, &cap);
		if (n == -1) {
			fprintf(stderr, "posta-sendmail: reading the message: "
			    "%s\n", strerror(errno));
			return EX_IOERR;
		}
		if (n == 0) {
			ended = 1;
			break;
		}
		if (in->dot_ends && is_lone_dot(line, n)) {
			ended = 1;
			break;
		}
		if (h.nf == 0 && h.text.len == 0 && strncmp(line, "From ", 5) == 0)
			continue;	/* an mbox separator, not a field */
		if ((line[0] == ' ' || line[0] == '\t') && h.nf > 0) {
			if (buf_add(&h.text, line, (size_t)n) == -1)
				goto toobig;
			h.f[h.nf - 1].len += (size_t)n;
			continue;
		}
		if (line[0] == '\n')
			break;		/* the body follows */
		if (field_name_len(line, (size_t)n) == 0) {
			body_first = 1;	/* no blank line: this starts the body */
			break;
		}
		if ((nf = reallocarray(h.f, h.nf + 1, sizeof(*nf))) == NULL)
			goto toobig;
		h.f = nf;
		h.f[h.nf].off = h.text.len;
		h.f[h.nf].len = (size_t)n;
		h.f[h.nf].namelen = field_name_len(line, (size_t)n);
		h.nf++;
		if (buf_add(&h.text, line, (size_t)n) == -1)
			goto toobig;
		if (line[n - 1] != '\n' && buf_addc(&h.text, '\n') == -1)
			goto toobig;
		else if (line[n - 1] != '\n')
			h.f[h.nf - 1].len++;
	}

	/* -t: recipients from the header (RFC 5322 3.6.3, 3.6.6) */
	for (i = 0; i < h.nf; i++)
		if (is_field(&h, i, "Resent-To") || is_field(&h, i, "Resent-Cc") ||
		    is_field(&h, i, "Resent-Bcc"))
			resent = 1;
	prefix = resent ? "Resent-" : "";
	if (in->extract) {
		aa.in = in;
		aa.err = err;
		aa.errlen = sizeof(err);
		for (i = 0; i < h.nf; i++) {
			const char *names[] = { "To", "Cc", "Bcc" };

			for (j = 0; j < 3; j++) {
				char full[32];

				snprintf(full, sizeof(full), "%s%s", prefix,
				    names[j]);
				if (!is_field(&h, i, full))
					continue;
				err[0] = '\0';
				if (addrlist_parse(h.text.s + h.f[i].off +
				    h.f[i].namelen + 1, h.f[i].len -
				    h.f[i].namelen - 1, add_from_header, &aa,
				    &why) == -1) {
					fprintf(stderr, "posta-sendmail: %s: "
					    "%s\n", full, err[0] ? err : why);
					return EX_DATAERR;
				}
			}
		}
	}
	if (in->rcpts.n == 0) {
		fprintf(stderr, "posta-sendmail: no recipients given%s\n",
		    in->extract ? " or found in To, Cc, Bcc" : "");
		return EX_USAGE;
	}

	/* What the header lacks (RFC 5322 3.6: Date and From are required). */
	if (!has_field(&h, "From")) {
		buf_adds(&add, "From: ");
		if (in->fullname && *in->fullname) {
			add_display_name(&add, in->fullname);
			buf_printf(&add, " <%s@%s>\n", in->login, in->mydomain);
		} else
			buf_printf(&add, "%s@%s\n", in->login, in->mydomain);
	}
	if (!has_field(&h, "Date")) {
		rfc5322_date(date, sizeof(date));
		buf_printf(&add, "Date: %s\n", date);
	}
	if (!has_field(&h, "Message-ID")) {
		gettimeofday(&tv, NULL);
		buf_printf(&add, "Message-ID: <%lld.%06ld.%d.%08x@%s>\n",
		    (long long)tv.tv_sec, (long)tv.tv_usec, (int)getpid(),
		    arc4random(), in->myhostname);
	}

	/* The envelope for posta-enqueue(8). */
	buf_printf(&env, "F %s\n", in->sender);
	if (in->envid)
		buf_printf(&env, "E %s\n", in->envid);
	if (in->ret)
		buf_printf(&env, "N %s\n", in->ret);
	for (i = 0; i < in->rcpts.n; i++) {
		if (has_8bit(in->rcpts.a[i], strlen(in->rcpts.a[i])))
			smtputf8 = 1;
		buf_printf(&env, "R %s", in->rcpts.a[i]);
		if (in->notify)
			buf_printf(&env, " NOTIFY=%s", in->notify);
		buf_addc(&env, '\n');
	}
	if (has_8bit(in->sender, strlen(in->sender)))
		smtputf8 = 1;

	signal(SIGPIPE, SIG_IGN);
	if (submit_open(&sub, 1) == -1)
		return EX_TEMPFAIL;

	/* Header (Bcc removed, RFC 5322 3.6.3), what was added, the body. */
	for (i = 0; i < h.nf; i++) {
		if (is_field(&h, i, "Bcc") || is_field(&h, i, "Resent-Bcc"))
			continue;
		if (has_8bit(h.text.s + h.f[i].off, h.f[i].len))
			eightbit = 1;
		if (submit_write(&sub, h.text.s + h.f[i].off, h.f[i].len) == -1)
			goto pipe_done;
	}
	if (submit_write(&sub, add.s ? add.s : "", add.len) == -1 ||
	    submit_write(&sub, "\n", 1) == -1)
		goto pipe_done;
	if (body_first) {
		if (has_8bit(line, strlen(line)))
			eightbit = 1;
		if (submit_write(&sub, line, strlen(line)) == -1)
			goto pipe_done;
	}
	while (!ended) {
		n = read_line(fp, &line, &cap);
		if (n == -1) {
			fprintf(stderr, "posta-sendmail: reading the message: "
			    "%s\n", strerror(errno));
			submit_abort(&sub);
			return EX_IOERR;
		}
		if (n == 0 || (in->dot_ends && is_lone_dot(line, n)))
			break;
		if (!eightbit && has_8bit(line, (size_t)n))
			eightbit = 1;
		if (submit_write(&sub, line, (size_t)n) == -1)
			break;
	}
pipe_done:
	if (eightbit)
		buf_adds(&env, "8\n");
	if (smtputf8)
		buf_adds(&env, "U\n");
	status = submit_commit(&sub, &env, idbuf, sizeof(idbuf));
	free(line);
	buf_free(&add);
	buf_free(&env);
	buf_free(&hv);
	buf_free(&h.text);
	free(h.f);
	if (status == 0 && in->verbose)
		fprintf(stderr, "posta-sendmail: queued as %s\n", idbuf);
	return status;
toobig:
	fprintf(stderr, "posta-sendmail: header larger than max_header_size\n");
	return EX_DATAERR;
}
