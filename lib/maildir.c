/*
 * maildir: file names, flags, the folders of a Maildir, subscriptions,
 * the POP3 session lock.  The open folder (sync, messages) is in
 * mdfolder.c.  See maildir.h.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "io.h"
#include "maildir.h"
#include "mdeliver.h"
#include "mdpriv.h"

struct md_settings md_settings = { 30, 120, 0, 1, 1000 };

void
md_conf_init(void)
{
	md_settings.lock_timeout = (int)conf_num(C_maildir_lock_timeout);
	md_settings.lock_stale = (int)conf_num(C_maildir_lock_stale);
	md_settings.mtime_date = conf_bool(C_maildir_mtime_date);
	md_settings.index = conf_bool(C_maildir_index);
	md_settings.index_min = conf_num(C_maildir_index_min);
}

/* --- names ----------------------------------------------------------- */

static int
parse_num(const char *s, const char *end, off_t *out)
{
	long long	 v = 0;
	const char	*p;

	for (p = s; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (p == s)
		return -1;
	*out = (off_t)v;
	return 0;
}

/*
 * The values of ",S=" and ",W=" in the base, -1 when absent; the first
 * of each counts, even when its number does not parse.  One pass, from
 * comma to comma: a SELECT parses every name of the folder.
 */
static void
base_sizes(const char *base, size_t baselen, off_t *size, off_t *vsize)
{
	const char	*end = base + baselen, *p = base;
	int		 got_s = 0, got_w = 0;
	off_t		 v, *out;

	*size = *vsize = -1;
	while (!(got_s && got_w) &&
	    (p = memchr(p, ',', (size_t)(end - p))) != NULL) {
		if (end - p >= 3 && p[2] == '=' &&
		    ((p[1] == 'S' && !got_s) || (p[1] == 'W' && !got_w))) {
			if (p[1] == 'S') {
				got_s = 1;
				out = size;
			} else {
				got_w = 1;
				out = vsize;
			}
			if (parse_num(p + 3, end, &v) == 0)
				*out = v;
		}
		p++;
	}
}

void
md_flags_parse(const char *s, unsigned int *flags, uint32_t *kw)
{
	*flags = 0;
	*kw = 0;
	/* Dovecot: anything after a ',' in the flags is not flags */
	for (; *s && *s != ','; s++) {
		switch (*s) {
		case 'D': *flags |= MD_F_DRAFT; break;
		case 'F': *flags |= MD_F_FLAGGED; break;
		case 'P': *flags |= MD_F_PASSED; break;
		case 'R': *flags |= MD_F_REPLIED; break;
		case 'S': *flags |= MD_F_SEEN; break;
		case 'T': *flags |= MD_F_TRASHED; break;
		default:
			if (*s >= 'a' && *s <= 'z')
				*kw |= (uint32_t)1 << (*s - 'a');
			break;
		}
	}
}

int
md_flags_format(unsigned int flags, uint32_t kw, char *out, size_t len)
{
	static const struct { unsigned int bit; char c; } letters[] = {
		{ MD_F_DRAFT, 'D' }, { MD_F_FLAGGED, 'F' }, { MD_F_PASSED, 'P' },
		{ MD_F_REPLIED, 'R' }, { MD_F_SEEN, 'S' }, { MD_F_TRASHED, 'T' },
	};
	size_t	 n = 0, i;

	if (len < 6 + 26 + 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (flags & letters[i].bit)
			out[n++] = letters[i].c;
	for (i = 0; i < 26; i++)
		if (kw & ((uint32_t)1 << i))
			out[n++] = (char)('a' + i);
	out[n] = '\0';
	return 0;
}

int
md_name_parse(const char *name, struct md_name *nm)
{
	const char	*dot, *p, *info;
	off_t		 v;

	memset(nm, 0, sizeof(*nm));
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
		errno = EINVAL;
		return -1;
	}
	nm->baselen = uidlist_baselen(name);
	nm->secs = -1;
	if ((dot = strchr(name, '.')) != NULL && dot > name &&
	    (size_t)(dot - name) <= nm->baselen &&
	    parse_num(name, dot, &v) == 0) {
		nm->secs = (time_t)v;
		/* the unique part: M<usec> among its letters */
		for (p = dot + 1; *p && *p != '.' && *p != ':' && *p != ','; p++)
			if (*p == 'M' && parse_num(p + 1, p + 8, &v) == 0) {
				nm->usec = (long)v;
				break;
			}
	}
	base_sizes(name, nm->baselen, &nm->size, &nm->vsize);
	info = name + nm->baselen;
	if (info[0] == ':' && info[1] == '2' && info[2] == ',') {
		nm->info = 1;
		md_flags_parse(info + 3, &nm->flags, &nm->keywords);
	}
	return 0;
}

int
md_name_with_flags(const char *base, size_t baselen, unsigned int flags,
    uint32_t kw, char *out, size_t outlen)
{
	char	 f[40];

	if (md_flags_format(flags, kw, f, sizeof(f)) == -1)
		return -1;
	if (baselen > INT_MAX ||
	    (size_t)snprintf(out, outlen, "%.*s:2,%s", (int)baselen, base, f) >=
	    outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* This host's name, as gethostname(2) says. */
static const char *
host_name(void)
{
	static char	 host[256];

	if (host[0])
		return host;
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	return host;
}

int
md_unique_base(time_t secs, off_t size, off_t vsize, char *out, size_t outlen)
{
	static unsigned long	 seq;
	struct timeval		 tv;

	gettimeofday(&tv, NULL);
	if (secs <= 0)
		secs = tv.tv_sec;
	/* the names posta-local gives (lib/mdeliver) */
	if (maildir_name(out, outlen, secs, (long)tv.tv_usec, getpid(), ++seq,
	    host_name(), size < 0 ? 0 : size, vsize < 0 ? 0 : vsize) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* --- folder names ---------------------------------------------------- */

int
md_is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

int
md_name_ok(const char *name)
{
	const char	*p, *comp;
	size_t		 len = strlen(name), clen;

	if (md_is_inbox(name))
		return 1;
	if (len == 0 || len > 255 || name[0] == '~')
		return 0;
	for (p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '/')
			return 0;
	for (comp = name;; comp = p + 1) {
		p = strchr(comp, '.');
		clen = p ? (size_t)(p - comp) : strlen(comp);
		if (clen == 0)
			return 0;	/* leading, trailing or double '.' */
		if (clen == 3 && (strncasecmp(comp, "cur", 3) == 0 ||
		    strncasecmp(comp, "new", 3) == 0 ||
		    strncasecmp(comp, "tmp", 3) == 0))
			return 0;
		if (p == NULL)
			break;
	}
	return 1;
}

int
md_folder_name_plain(const char *name)
{
	const char	*p;

	if (md_is_inbox(name) || strlen(name) > 200 || !md_name_ok(name))
		return 0;
	for (p = name; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && strchr("-_+=&.", *p) == NULL)
			return 0;
	return 1;
}

int
md_folder_path(const char *maildir, const char *name, char *out,
    size_t outlen)
{
	int	 n;

	if (!md_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	if (md_is_inbox(name))
		n = snprintf(out, outlen, "%s", maildir);
	else
		n = snprintf(out, outlen, "%s/.%s", maildir, name);
	if (n < 0 || (size_t)n >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
md_folder_exists(const char *maildir, const char *name)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	if (md_folder_path(maildir, name, path, sizeof(path)) == -1 ||
	    strlcat(path, "/cur", sizeof(path)) >= sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* --- lists of names -------------------------------------------------- */

void
md_list_free(struct md_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->n = 0;
}

static int
list_add(struct md_list *l, const char *s, size_t len)
{
	char	**nn;

	if ((nn = reallocarray(l->names, l->n + 1, sizeof(*nn))) == NULL)
		return -1;
	l->names = nn;
	if ((nn[l->n] = strndup(s, len)) == NULL)
		return -1;
	l->n++;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
md_folder_list(const char *maildir, struct md_list *l)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX];
	struct stat	 st;

	memset(l, 0, sizeof(*l));
	if ((d = opendir(maildir)) == NULL)
		return -1;
	if (list_add(l, "INBOX", 5) == -1)
		goto fail;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || !md_name_ok(de->d_name + 1) ||
		    md_is_inbox(de->d_name + 1))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s/cur", maildir,
		    de->d_name) >= sizeof(path) || stat(path, &st) == -1 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (list_add(l, de->d_name + 1, strlen(de->d_name + 1)) == -1)
			goto fail;
	}
	closedir(d);
	/* INBOX first, the others sorted */
	qsort(l->names + 1, l->n - 1, sizeof(*l->names), cmp_str);
	return 0;
fail:
	closedir(d);
	md_list_free(l);
	return -1;
}

/* --- creating, deleting, renaming ------------------------------------ */

/*
 * The one way a folder is made.  excl: the folder must be new (EEXIST
 * else), and what this call made is removed again when a later step
 * fails (a full disk), so that no half folder stays behind; else what
 * exists is kept and what is missing made.
 */
static int
folder_make(const char *maildir, const char *name, int excl, char *out,
    size_t outlen)
{
	static const char	*subs[] = { "tmp", "new", "cur" };
	char			 path[PATH_MAX], p[PATH_MAX];
	size_t			 i, made = 0;
	int			 fd, save;

	if (md_is_inbox(name)) {
		errno = excl ? EEXIST : EINVAL;
		return -1;
	}
	if (md_folder_path(maildir, name, path, sizeof(path)) == -1)
		return -1;
	if (mkdir(path, 0700) == -1 && (excl || errno != EEXIST))
		return -1;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++, made++) {
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", path, subs[i]) >=
		    sizeof(p)) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if (mkdir(p, 0700) == -1 && (excl || errno != EEXIST))
			goto fail;
	}
	/* Maildir++: a folder is marked by an empty maildirfolder file */
	if ((size_t)snprintf(p, sizeof(p), "%s/maildirfolder", path) >=
	    sizeof(p)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1)
		goto fail;
	close(fd);
	/* the new directories durable before the caller says so */
	if (fsync_dir(path) == -1 || fsync_dir(maildir) == -1)
		goto fail;
	if (out != NULL && strlcpy(out, path, outlen) >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
fail:
	save = errno;
	if (excl) {
		if ((size_t)snprintf(p, sizeof(p), "%s/maildirfolder", path) <
		    sizeof(p))
			unlink(p);
		while (made-- > 0)
			if ((size_t)snprintf(p, sizeof(p), "%s/%s", path,
			    subs[made]) < sizeof(p))
				rmdir(p);
		rmdir(path);
	}
	errno = save;
	return -1;
}

int
md_folder_create(const char *maildir, const char *name)
{
	return folder_make(maildir, name, 1, NULL, 0);
}

int
md_folder_make(const char *maildir, const char *name, char *out,
    size_t outlen)
{
	if (!md_folder_name_plain(name)) {
		errno = EINVAL;
		return -1;
	}
	if (maildir_make(maildir) == -1)
		return -1;
	return folder_make(maildir, name, 0, out, outlen);
}

static int
rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) == -1 && errno != ENOENT ? -1 : 0;
	return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
}

int
md_folder_delete(const char *maildir, const char *name)
{
	static unsigned int	 seq;
	char			 path[PATH_MAX], gone[PATH_MAX];
	struct stat		 st;

	if (md_is_inbox(name)) {
		errno = EPERM;
		return -1;
	}
	if (md_folder_path(maildir, name, path, sizeof(path)) == -1)
		return -1;
	if (lstat(path, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOENT;
		return -1;
	}
	/* out of sight at once (a name no folder can have), then removed */
	if ((size_t)snprintf(gone, sizeof(gone), "%s/..posta-deleted.%d.%u",
	    maildir, (int)getpid(), ++seq) >= sizeof(gone)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (rename(path, gone) == -1)
		return -1;
	return nftw(gone, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Move every message file of src/sub into dst/sub. */
static int
move_messages(const char *src, const char *dst, const char *sub)
{
	char		 sd[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	int		 r = 0;

	if ((size_t)snprintf(sd, sizeof(sd), "%s/%s", src, sub) >= sizeof(sd))
		return -1;
	if ((d = opendir(sd)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(from, sizeof(from), "%s/%s", sd,
		    de->d_name) >= sizeof(from) ||
		    (size_t)snprintf(to, sizeof(to), "%s/%s/%s", dst, sub,
		    de->d_name) >= sizeof(to))
			continue;
		if (rename(from, to) == -1 && errno != ENOENT)
			r = -1;
	}
	closedir(d);
	return r;
}

int
md_folder_rename(const char *maildir, const char *oldname,
    const char *newname)
{
	char		 from[PATH_MAX], to[PATH_MAX];
	struct md_list	 l;
	size_t		 i, olen = strlen(oldname);
	struct stat	 st;
	int		 r = 0;

	if (!md_name_ok(oldname) || !md_name_ok(newname)) {
		errno = EINVAL;
		return -1;
	}
	if (md_is_inbox(newname)) {
		errno = EEXIST;
		return -1;
	}
	if (md_is_inbox(oldname)) {
		/* RFC 3501 6.3.5: the messages move, INBOX stays */
		if (md_folder_create(maildir, newname) == -1)
			return -1;
		if (md_folder_path(maildir, newname, to, sizeof(to)) == -1)
			return -1;
		if (move_messages(maildir, to, "new") == -1 ||
		    move_messages(maildir, to, "cur") == -1)
			return -1;
		return 0;
	}
	if (!md_folder_exists(maildir, oldname)) {
		errno = ENOENT;
		return -1;
	}
	if (md_folder_list(maildir, &l) == -1)
		return -1;
	/* check every target first */
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.names[i], oldname) != 0 &&
		    (strncmp(l.names[i], oldname, olen) != 0 ||
		    l.names[i][olen] != '.'))
			continue;
		if ((size_t)snprintf(to, sizeof(to), "%s/.%s%s", maildir, newname,
		    l.names[i] + olen) >= sizeof(to) ||
		    strlen(newname) + strlen(l.names[i] + olen) > 255) {
			errno = ENAMETOOLONG;
			r = -1;
			goto out;
		}
		if (lstat(to, &st) == 0) {
			errno = EEXIST;
			r = -1;
			goto out;
		}
	}
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.names[i], oldname) != 0 &&
		    (strncmp(l.names[i], oldname, olen) != 0 ||
		    l.names[i][olen] != '.'))
			continue;
		snprintf(from, sizeof(from), "%s/.%s", maildir, l.names[i]);
		snprintf(to, sizeof(to), "%s/.%s%s", maildir, newname,
		    l.names[i] + olen);
		if (rename(from, to) == -1)
			r = -1;
	}
out:
	md_list_free(&l);
	return r;
}

/* --- subscriptions --------------------------------------------------- */

/* Dovecot's version 2 file: this header, then one name a line with the
 * hierarchy separator written as a TAB (and \001-escapes). */
static const char subs_v2[] = "V\t2\n\n";

/* One name as subs_read() reads it back: '.' as a TAB, and a TAB, CR,
 * LF or \001 in the name itself escaped with \001. */
static void
subs_put(struct buf *b, const char *name)
{
	const char	*p;

	for (p = name; *p; p++) {
		if (*p == '.')
			buf_addc(b, '\t');
		else if (*p == '\t' || *p == '\r' || *p == '\n' ||
		    *p == '\001') {
			buf_addc(b, '\001');
			buf_addc(b, *p == '\t' ? 't' : *p == '\r' ? 'r' :
			    *p == '\n' ? 'n' : '1');
		} else
			buf_addc(b, *p);
	}
	buf_addc(b, '\n');
}

static int
subs_read(const char *maildir, struct md_list *l)
{
	char		 path[PATH_MAX], *line = NULL, *p;
	size_t		 cap = 0;
	ssize_t		 len;
	FILE		*fp;
	int		 v2 = 0, first = 1;
	struct buf	 nm = BUF_INIT;

	memset(l, 0, sizeof(*l));
	if ((size_t)snprintf(path, sizeof(path), "%s/subscriptions", maildir) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fp = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((len = getline(&line, &cap, fp)) != -1) {
		if (first && strcmp(line, "V\t2\n") == 0) {
			v2 = 1;
			first = 0;
			continue;
		}
		first = 0;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		buf_reset(&nm);
		for (p = line; *p; p++) {
			if (v2 && *p == '\t')
				buf_addc(&nm, '.');
			else if (v2 && *p == '\001' && p[1]) {
				p++;
				buf_addc(&nm, *p == 't' ? '\t' : *p == 'r' ?
				    '\r' : *p == 'n' ? '\n' : *p == '0' ?
				    '\0' : '\001');
			} else
				buf_addc(&nm, *p);
		}
		/* (a name that an escaped NUL ends at once is none) */
		if (nm.len && nm.s[0] != '\0' &&
		    list_add(l, nm.s, nm.len) == -1) {
			buf_free(&nm);
			free(line);
			fclose(fp);
			md_list_free(l);
			return -1;
		}
	}
	buf_free(&nm);
	free(line);
	fclose(fp);
	return 0;
}

int
md_subscriptions(const char *maildir, struct md_list *l)
{
	return subs_read(maildir, l);
}

int
md_subscribe(const char *maildir, const char *name, int on)
{
	char		 path[PATH_MAX], lock[PATH_MAX];
	struct md_list	 l;
	struct buf	 b = BUF_INIT;
	size_t		 i;
	int		 fd = -1, found = 0, r = -1, waited = 0;
	struct stat	 st;

	if (!md_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	if (md_is_inbox(name))
		name = "INBOX";
	if ((size_t)snprintf(path, sizeof(path), "%s/subscriptions", maildir) >=
	    sizeof(path) ||
	    (size_t)snprintf(lock, sizeof(lock), "%s/subscriptions.lock",
	    maildir) >= sizeof(lock)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Dovecot's dotlock: created exclusively, written, renamed over */
	while ((fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		if (errno != EEXIST)
			return -1;
		if (stat(lock, &st) == 0 && time(NULL) - st.st_mtime >
		    md_settings.lock_stale) {
			unlink(lock);
			continue;
		}
		if (waited++ >= md_settings.lock_timeout * 20) {
			errno = EAGAIN;
			return -1;
		}
		usleep(50000);
	}
	if (subs_read(maildir, &l) == -1)
		goto out;
	if (buf_add(&b, subs_v2, sizeof(subs_v2) - 1) == -1)
		goto out;
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.names[i], name) == 0) {
			if (found++ || !on)
				continue;
		}
		/* names another program wrote, kept as they are */
		subs_put(&b, l.names[i]);
	}
	if (on && !found)
		subs_put(&b, name);
	md_list_free(&l);
	if (write(fd, b.s, b.len) != (ssize_t)b.len || fsync(fd) == -1)
		goto out;
	if (rename(lock, path) == -1)
		goto out;
	close(fd);
	fd = -1;
	r = 0;
out:
	if (fd != -1) {
		close(fd);
		unlink(lock);
	}
	buf_free(&b);
	return r;
}

/* --- POP3's session lock --------------------------------------------- */

int
md_pop3_lock(const char *maildir)
{
	char	 path[PATH_MAX];
	int	 fd, save;

	if ((size_t)snprintf(path, sizeof(path), "%s/posta-pop3.lock",
	    maildir) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		save = errno == EWOULDBLOCK ? EWOULDBLOCK : errno;
		close(fd);
		errno = save;
		return -1;
	}
	return fd;
}

void
md_pop3_unlock(int fd)
{
	if (fd != -1)
		close(fd);
}
