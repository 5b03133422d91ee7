/*
 * posta-local's delivery: loop checks, aliases, users, forwards, the
 * Maildir, re-injection and commands.  See posta-local(8).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "aliases.h"
#include "buf.h"
#include "conf.h"
#include "local.h"
#include "log.h"
#include "maildir.h"
#include "mdeliver.h"
#include "submit.h"

static volatile sig_atomic_t	 timed_out;
static int			 answered;

/* Whatever ends the program (fatal() included) leaves one status line. */
static void
answer_once(void)
{
	if (!answered) {
		answered = 1;
		printf("4.3.0 posta-local: internal error\n");
		fflush(stdout);
	}
}

void
local_init(void)
{
	atexit(answer_once);
}

void
local_finish(struct local *l, int ex, const char *code, const char *fmt, ...)
{
	char	 text[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* one line: no line end may come from a file or an address */
	text[strcspn(text, "\r\n")] = '\0';
	answered = 1;
	printf("%s %s\n", code, text);
	fflush(stdout);
	if (ex == 0)
		log_info("%s: to=<%s> from=<%s> status=%s %s", l->qid,
		    l->rcpt, l->sender, code, text);
	else
		log_warnx("%s: to=<%s> from=<%s> status=%s %s", l->qid,
		    l->rcpt, l->sender, code, text);
	exit(ex);
}

int
local_domain_is_local(void *arg, const char *domain)
{
	struct local	*l = arg;

	return strcasecmp(domain, l->hostname) == 0 ||
	    strcasecmp(domain, l->mydomain) == 0 ||
	    table_has(&l->domains, domain);
}

/* Compare a Delivered-To value (maybe in < >, with white space) with addr. */
static int
same_address(const char *v, size_t len, const char *addr)
{
	while (len > 0 && isspace((unsigned char)*v)) {
		v++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	if (len >= 2 && v[0] == '<' && v[len - 1] == '>') {
		v++;
		len -= 2;
	}
	return len == strlen(addr) && strncasecmp(v, addr, len) == 0;
}

/*
 * RFC 5321 6.3: a message that has passed too many hops, or that was
 * already delivered to this address (its Delivered-To), is in a loop.
 */
void
local_check_loops(struct local *l)
{
	const char	*s = l->msg.s ? l->msg.s : "", *end = s + l->msg.len;
	const char	*p, *nl, *next, *colon, *vstart = NULL, *vend = NULL;
	long long	 limit = conf_num(C_local_hop_limit);
	long long	 hops = 0;
	int		 looped = 0;

	for (p = s; p < end; p = next) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		next = nl < end ? nl + 1 : end;
		if (p == nl)
			break;	/* the empty line: the body follows */
		if (*p == ' ' || *p == '\t') {
			if (vstart != NULL)
				vend = nl;	/* a folded Delivered-To */
			continue;
		}
		if (vstart != NULL && same_address(vstart,
		    (size_t)(vend - vstart), l->rcpt))
			looped = 1;
		vstart = NULL;
		if ((colon = memchr(p, ':', (size_t)(nl - p))) == NULL)
			break;	/* not a header field: the body */
		if (colon - p == 8 && strncasecmp(p, "Received", 8) == 0)
			hops++;
		else if (colon - p == 12 &&
		    strncasecmp(p, "Delivered-To", 12) == 0) {
			hops++;
			vstart = colon + 1;
			vend = nl;
		}
	}
	if (vstart != NULL && same_address(vstart, (size_t)(vend - vstart),
	    l->rcpt))
		looped = 1;
	if (looped)
		local_finish(l, EX_DATAERR, "5.4.6", "mail loop: already "
		    "delivered to %s", l->rcpt);
	if (limit > 0 && hops > limit)
		local_finish(l, EX_DATAERR, "5.4.6", "mail loop: %lld "
		    "Received and Delivered-To fields (local_hop_limit %lld)",
		    hops, limit);
}

/* The trace fields of final delivery (RFC 5321 4.4) and Delivered-To. */
static int
trace_fields(struct local *l, struct buf *b, int return_path)
{
	buf_reset(b);
	if (return_path && buf_printf(b, "Return-Path: <%s>\n",
	    l->sender) == -1)
		return -1;
	return buf_printf(b, "Delivered-To: %s\n", l->rcpt);
}

static int
has_8bit(const struct buf *b)
{
	size_t	 i;

	for (i = 0; i < b->len; i++)
		if ((unsigned char)b->s[i] >= 0x80)
			return 1;
	return 0;
}

/* Re-inject the message to addrs with the original sender. */
static void
reinject(struct local *l, char **addrs, size_t n, char *qid, size_t qidlen)
{
	struct submit	 sp;
	struct buf	 env = BUF_INIT, hdr = BUF_INIT;
	size_t		 i;
	int		 status, utf8 = 0;
	const char	*c;

	(void)buf_printf(&env, "F %s\n", l->sender);
	for (c = l->sender; *c != '\0'; c++)
		utf8 |= (unsigned char)*c >= 0x80;
	for (i = 0; i < n; i++) {
		(void)buf_printf(&env, "R %s\n", addrs[i]);
		for (c = addrs[i]; *c != '\0'; c++)
			utf8 |= (unsigned char)*c >= 0x80;
	}
	/* RFC 6531: a UTF-8 address needs SMTPUTF8 on the way out */
	if (utf8)
		(void)buf_adds(&env, "U\n");
	if (has_8bit(&l->msg))
		(void)buf_adds(&env, "8\n");
	if (env.s == NULL || trace_fields(l, &hdr, 0) == -1)
		local_finish(l, EX_TEMPFAIL, "4.3.0", "out of memory");
	if (submit_open(&sp, 1) == -1)
		local_finish(l, EX_TEMPFAIL, "4.3.0", "cannot start "
		    "posta-enqueue");
	/* a failed write means posta-enqueue is gone: its status says why */
	if (submit_write(&sp, hdr.s, hdr.len) == 0)
		(void)submit_write(&sp, l->msg.s ? l->msg.s : "", l->msg.len);
	status = submit_commit(&sp, &env, qid, qidlen);
	buf_free(&env);
	buf_free(&hdr);
	if (status == EX_DATAERR)
		local_finish(l, EX_UNAVAILABLE, "5.3.0", "forwarding refused "
		    "by posta-enqueue");
	if (status != 0)
		local_finish(l, EX_TEMPFAIL, "4.3.0", "forwarding failed: "
		    "posta-enqueue exited %d", status);
	log_info("%s: to=<%s> forwarded as %s to %zu address%s", l->qid,
	    l->rcpt, qid, n, n == 1 ? "" : "es");
}

/* A temporary status for an errno from the Maildir. */
static void __attribute__((noreturn))
maildir_failed(struct local *l, const char *dir)
{
	int	 e = errno;

	if (e == EDQUOT)
		local_finish(l, EX_TEMPFAIL, "4.2.2", "mailbox %s over quota",
		    dir);
	if (e == ENOSPC)
		local_finish(l, EX_TEMPFAIL, "4.3.1", "mail system full: %s",
		    dir);
	local_finish(l, EX_TEMPFAIL, "4.3.0", "%s: %s", dir, strerror(e));
}

/* The folder for tag: an existing one whatever its case, else tag. */
static void
folder_name(const char *maildir, const char *tag, char *out, size_t outlen)
{
	DIR		*d;
	struct dirent	*de;

	strlcpy(out, tag, outlen);
	if ((d = opendir(maildir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && strcasecmp(de->d_name + 1, tag) == 0
		    && maildir_folder_valid(de->d_name + 1)) {
			strlcpy(out, de->d_name + 1, outlen);
			break;
		}
	}
	closedir(d);
}

/* Deliver into maildir (or its folder tag); name gets the new/ name. */
/*
 * Whether the reader of the one status line is gone: the runner reads
 * it from a pipe, and a runner that died (SIGKILL, a crash) records no
 * outcome, so the next one would deliver the message again.  On a
 * pipe's write end without a reader poll(2) reports POLLERR: better
 * to give up (the next runner delivers it once) than to deliver a
 * message nobody will mark as delivered.
 */
static int
caller_gone(void)
{
	struct pollfd	 pfd;
	struct stat	 st;

	if (fstat(STDOUT_FILENO, &st) == -1 || !S_ISFIFO(st.st_mode))
		return 0;
	pfd.fd = STDOUT_FILENO;
	pfd.events = POLLOUT;
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP));
}

static void
deliver_maildir(struct local *l, const char *maildir, const char *tag,
    char *name, size_t namelen)
{
	struct mdeliver	 md;
	struct buf	 hdr = BUF_INIT;
	char		 dir[PATH_MAX];
	int		 isnew;

	if (strlcpy(dir, maildir, sizeof(dir)) >= sizeof(dir))
		local_finish(l, EX_TEMPFAIL, "4.3.0", "Maildir path too long");
	if (tag != NULL) {
		isnew = !md_folder_exists(maildir, tag);
		if (maildir_folder_make(maildir, tag, dir, sizeof(dir)) == -1)
			maildir_failed(l, dir);
		/* a folder made here is shown to IMAP clients */
		if (isnew && md_subscribe(maildir, tag, 1) == -1)
			log_warn("%s: subscribing %s", l->qid, tag);
	}
	if (trace_fields(l, &hdr, 1) == -1)
		local_finish(l, EX_TEMPFAIL, "4.3.0", "out of memory");
	if (mdeliver_open(&md, dir, l->hostname) == -1)
		maildir_failed(l, dir);
	if (mdeliver_write(&md, hdr.s, hdr.len) == -1 ||
	    mdeliver_write(&md, l->msg.s ? l->msg.s : "", l->msg.len) == -1) {
		mdeliver_abort(&md);
		maildir_failed(l, dir);
	}
	if (caller_gone()) {
		mdeliver_abort(&md);
		local_finish(l, EX_TEMPFAIL, "4.3.0",
		    "the caller is gone: not delivered");
	}
	if (mdeliver_commit(&md) == -1)
		maildir_failed(l, dir);
	buf_free(&hdr);
	strlcpy(name, md.final, namelen);
	log_info("%s: to=<%s> delivered to %s/new/%s", l->qid, l->rcpt, dir,
	    md.final);
}

static void
on_alarm(int sig)
{
	timed_out = 1;
}

/* |command with the message on its stdin (administrator aliases only). */
static void
run_command(struct local *l, const char *cmd, const char *via)
{
	struct sigaction	 sa;
	struct buf		 hdr = BUF_INIT;
	const char		*p;
	size_t			 off, len;
	ssize_t			 w;
	pid_t			 pid;
	int			 fds[2], status;

	if (trace_fields(l, &hdr, 1) == -1)
		local_finish(l, EX_TEMPFAIL, "4.3.0", "out of memory");
	if (pipe2(fds, O_CLOEXEC) == -1)
		local_finish(l, EX_TEMPFAIL, "4.3.0", "pipe: %s",
		    strerror(errno));
	fflush(stdout);
	switch (pid = fork()) {
	case -1:
		local_finish(l, EX_TEMPFAIL, "4.3.0", "fork: %s",
		    strerror(errno));
	case 0:
		setpgid(0, 0);
		/* stdout is the status line's: the command's goes to stderr */
		if (dup2(fds[0], 0) == -1 || dup2(2, 1) == -1)
			_exit(EX_OSERR);
		setenv("SENDER", l->sender, 1);
		setenv("RECIPIENT", l->rcpt, 1);
		setenv("LOCAL", l->addr.local, 1);
		setenv("DOMAIN", l->addr.domain, 1);
		setenv("ALIAS", via, 1);
		setenv("QUEUEID", l->qid, 1);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(EX_OSERR);
	}
	(void)setpgid(pid, pid);	/* as the child does: no race for kill */
	close(fds[0]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: writes stop */
	timed_out = 0;
	if (conf_num(C_local_command_timeout) > 0)
		alarm((unsigned int)conf_num(C_local_command_timeout));
	/* a command may stop reading early (EPIPE): its status decides */
	for (int part = 0; part < 2 && !timed_out; part++) {
		p = part == 0 ? hdr.s : l->msg.s;
		len = part == 0 ? hdr.len : l->msg.len;
		for (off = 0; off < len && !timed_out; off += (size_t)w) {
			w = write(fds[1], p + off, len - off);
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == -1)
				break;
		}
	}
	close(fds[1]);
	buf_free(&hdr);
	if (timed_out)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			local_finish(l, EX_TEMPFAIL, "4.3.0", "waitpid: %s",
			    strerror(errno));
		if (timed_out)
			kill(-pid, SIGKILL);
	}
	alarm(0);
	if (timed_out)
		kill(-pid, SIGKILL);	/* what the shell left behind */
	if (timed_out)
		local_finish(l, EX_TEMPFAIL, "4.3.0", "command for %s timed "
		    "out", via);
	if (WIFSIGNALED(status))
		local_finish(l, EX_TEMPFAIL, "4.3.0", "command for %s killed "
		    "by signal %d", via, WTERMSIG(status));
	if (WEXITSTATUS(status) == EX_TEMPFAIL)
		local_finish(l, EX_TEMPFAIL, "4.3.0", "command for %s exited "
		    "%d", via, EX_TEMPFAIL);
	if (WEXITSTATUS(status) != 0)
		local_finish(l, EX_UNAVAILABLE, "5.3.0", "command for %s "
		    "exited %d", via, WEXITSTATUS(status));
	log_info("%s: to=<%s> delivered to command of %s", l->qid, l->rcpt,
	    via);
}

static void __attribute__((noreturn))
deliver_alias(struct local *l, struct alias_expansion *x)
{
	const struct user	*u;
	char			**addrs, qid[64] = "", name[MAILDIR_NAMEMAX];
	size_t			 i, naddr = 0, nbox = 0, ncmd = 0;

	if ((addrs = calloc(x->n + 1, sizeof(*addrs))) == NULL)
		local_finish(l, EX_TEMPFAIL, "4.3.0", "out of memory");
	for (i = 0; i < x->n; i++) {
		switch (x->r[i].kind) {
		case AK_ADDRESS:
			addrs[naddr++] = x->r[i].value;
			break;
		case AK_MAILBOX:
			if (users_find(&l->users, x->r[i].value) == NULL)
				local_finish(l, EX_NOUSER, "5.1.1", "alias %s "
				    "names itself but %s has no mailbox",
				    x->r[i].via, x->r[i].value);
			nbox++;
			break;
		default:
			ncmd++;
			break;
		}
	}
	if (x->n == 0)
		local_finish(l, EX_NOUSER, "5.1.1", "alias %s has no "
		    "recipients", l->rcpt);
	/* one submission for every address: all are queued or none */
	if (naddr > 0)
		reinject(l, addrs, naddr, qid, sizeof(qid));
	for (i = 0; i < x->n; i++) {
		if (x->r[i].kind != AK_MAILBOX)
			continue;
		u = users_find(&l->users, x->r[i].value);
		deliver_maildir(l, u->maildir, NULL, name, sizeof(name));
	}
	for (i = 0; i < x->n; i++)
		if (x->r[i].kind == AK_COMMAND)
			run_command(l, x->r[i].value, x->r[i].via);
	free(addrs);
	local_finish(l, 0, "2.0.0", "alias expanded: %zu forwarded%s%s, "
	    "%zu delivered, %zu command%s", naddr, naddr ? " as " : "", qid,
	    nbox, ncmd, ncmd == 1 ? "" : "s");
}

/* Is s among list[0..n)? */
static int
already(char **list, size_t n, const char *s)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcasecmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* The user's forward file: 0 none (or only the user), 1 forwards. */
static int
read_forward(struct local *l, const struct user *u, char ***out, size_t *nout,
    int *keep)
{
	struct alias_target	*t = NULL;
	struct buf		 text = BUF_INIT;
	char			 path[PATH_MAX], err[512], **a;
	const char		*name = conf_str(C_local_forward_file);
	const char		*at = strrchr(u->address, '@');
	size_t			 nt = 0, i, n = 0;

	*keep = 1;
	if (*name == '\0')
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", u->maildir, name) >=
	    sizeof(path))
		local_finish(l, EX_TEMPFAIL, "4.3.0", "forward path too long");
	if (aliases_read_file(NULL, path, &text) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		local_finish(l, EX_TEMPFAIL, "4.3.0", "%s: %s", path,
		    strerror(errno));
	}
	/* a user's file: addresses only, never |command or :include: */
	if (aliases_parse_list(text.s ? text.s : "", text.len, 0, &t, &nt,
	    err, sizeof(err)) == -1)
		local_finish(l, EX_TEMPFAIL, "4.3.5", "%s:%s", path, err);
	buf_free(&text);
	if (nt == 0)
		return 0;
	if ((a = calloc(nt, sizeof(*a))) == NULL)
		local_finish(l, EX_TEMPFAIL, "4.3.0", "out of memory");
	*keep = 0;
	for (i = 0; i < nt; i++) {
		if (strchr(t[i].value, '@') == NULL) {
			if (asprintf(&a[n], "%s@%s", t[i].value,
			    at ? at + 1 : l->addr.domain) == -1)
				local_finish(l, EX_TEMPFAIL, "4.3.0",
				    "out of memory");
		} else if ((a[n] = strdup(t[i].value)) == NULL)
			local_finish(l, EX_TEMPFAIL, "4.3.0", "out of memory");
		if (strcasecmp(a[n], u->address) == 0 ||
		    strcasecmp(a[n], l->rcpt) == 0) {
			*keep = 1;	/* a copy stays here */
			free(a[n]);
			continue;
		}
		if (already(a, n, a[n])) {
			free(a[n]);
			continue;
		}
		n++;
	}
	aliases_targets_free(t, nt);
	*out = a;
	*nout = n;
	return n > 0;
}

static void __attribute__((noreturn))
deliver_user(struct local *l, const struct user *u, const char *ext)
{
	char		**fwd = NULL, qid[64] = "", name[MAILDIR_NAMEMAX];
	char		 folder[NAME_MAX + 1];
	const char	*tag = NULL;
	size_t		 nfwd = 0, i;
	int		 keep;

	if (read_forward(l, u, &fwd, &nfwd, &keep))
		reinject(l, fwd, nfwd, qid, sizeof(qid));
	if (!keep) {
		for (i = 0; i < nfwd; i++)
			free(fwd[i]);
		free(fwd);
		local_finish(l, 0, "2.0.0", "forwarded to %zu address%s as %s",
		    nfwd, nfwd == 1 ? "" : "es", qid);
	}
	if (ext != NULL && *ext != '\0' && conf_bool(C_local_extension_folders)
	    && maildir_folder_valid(ext)) {
		folder_name(u->maildir, ext, folder, sizeof(folder));
		tag = folder;
	}
	deliver_maildir(l, u->maildir, tag, name, sizeof(name));
	if (nfwd > 0)
		local_finish(l, 0, "2.0.0", "delivered to %s%s%s and forwarded "
		    "as %s", u->address, tag ? " folder " : "", tag ? tag : "",
		    qid);
	local_finish(l, 0, "2.0.0", "delivered to %s%s%s", u->address,
	    tag ? " folder " : "", tag ? tag : "");
}

/* Try local@domain as an alias, then as a user. */
static void
try_address(struct local *l, const char *local, const char *ext)
{
	struct alias_expansion	 x;
	struct alias_env	 env;
	const struct user	*u;
	char			 full[ADDR_MAX], why[512];
	int			 rv;

	memset(&env, 0, sizeof(env));
	env.is_local = local_domain_is_local;
	env.include = aliases_read_file;
	env.arg = l;
	env.maxdepth = (int)conf_num(C_local_alias_depth);
	rv = aliases_expand(&l->aliases, local, l->addr.domain, &env, &x, why,
	    sizeof(why));
	switch (rv) {
	case ALIAS_FOUND:
		deliver_alias(l, &x);
	case ALIAS_ELOOP:
		local_finish(l, EX_DATAERR, "5.4.6", "%s", why);
	case ALIAS_ETEMP:
		local_finish(l, EX_TEMPFAIL, "4.3.0", "%s", why);
	case ALIAS_EBAD:
		local_finish(l, EX_TEMPFAIL, "4.3.5", "%s", why);
	}
	if ((size_t)snprintf(full, sizeof(full), "%s@%s", local,
	    l->addr.domain) >= sizeof(full))
		return;
	if ((u = users_find(&l->users, full)) != NULL)
		deliver_user(l, u, ext);
}

/* Try the address, and its user without the extension. */
static void
try_local_part(struct local *l)
{
	const char	*delim = conf_str(C_recipient_delimiter);
	char		 base[sizeof(l->addr.local)];
	size_t		 n;

	try_address(l, l->addr.local, NULL);
	/* user+tag@domain: the user, and maybe the folder tag */
	if (*delim != '\0' && (n = strcspn(l->addr.local, delim)) > 0 &&
	    l->addr.local[n] != '\0') {
		memcpy(base, l->addr.local, n);
		base[n] = '\0';
		try_address(l, base, l->addr.local + n + 1);
	}
}

void
local_deliver(struct local *l)
{
	size_t	 i;

	if (!l->addr.literal) {
		try_local_part(l);
		local_finish(l, EX_NOUSER, "5.1.1", "no such user %s", l->rcpt);
	}
	/*
	 * user@[address literal]: the runner sends only our own literals
	 * here; as posta-smtpd, take the user of any of our domains.
	 */
	strlcpy(l->addr.domain, l->hostname, sizeof(l->addr.domain));
	try_local_part(l);
	strlcpy(l->addr.domain, l->mydomain, sizeof(l->addr.domain));
	try_local_part(l);
	for (i = 0; i < l->domains.n; i++) {
		if (strlcpy(l->addr.domain, l->domains.items[i],
		    sizeof(l->addr.domain)) >= sizeof(l->addr.domain))
			continue;
		try_local_part(l);
	}
	local_finish(l, EX_NOUSER, "5.1.1", "no such user %s", l->rcpt);
}
