#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "io.h"
#include "users.h"

/* The hash that unknown users are checked against: one of the most
 * used scheme, so that it costs what a known user's check costs. */
static void
choose_dummy(struct users *us)
{
	static const char	*kinds[] = { "yescrypt", "sha512-crypt",
				    "bcrypt" };
	size_t			 count[3] = { 0, 0, 0 }, i, k, best = 0;
	const char		*kind;

	for (i = 0; i < us->n; i++)
		if ((kind = users_hash_kind(us->u[i].hash)) != NULL)
			for (k = 0; k < 3; k++)
				if (strcmp(kind, kinds[k]) == 0)
					count[k]++;
	for (k = 1; k < 3; k++)
		if (count[k] > count[best])
			best = k;
	if (count[best] == 0)
		return;
	for (i = 0; i < us->n; i++)
		if ((kind = users_hash_kind(us->u[i].hash)) != NULL &&
		    strcmp(kind, kinds[best]) == 0) {
			us->dummy = strdup(us->u[i].hash);
			return;
		}
}

void
users_free(struct users *us)
{
	size_t	 i;

	for (i = 0; i < us->n; i++) {
		free(us->u[i].address);
		free(us->u[i].hash);
		free(us->u[i].maildir);
	}
	free(us->u);
	free(us->path);
	free(us->dummy);
	memset(us, 0, sizeof(*us));
}

int
users_load(struct users *us, const char *path, char *err, size_t errlen)
{
	FILE		*fp;
	char		*line = NULL, *a, *h, *m, *dir, *slash;
	size_t		 cap = 0;
	ssize_t		 len;
	int		 lineno = 0;
	struct user	*nu;
	struct buf	 md = BUF_INIT;

	memset(us, 0, sizeof(*us));
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((dir = strdup(path)) == NULL)
		goto nomem;
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		strlcpy(dir, ".", strlen(dir) + 1);
	if ((us->path = strdup(path)) == NULL)
		goto nomem;
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		a = line;
		if ((h = strchr(a, ':')) == NULL ||
		    (m = strchr(h + 1, ':')) == NULL || h == a || m[1] == '\0') {
			snprintf(err, errlen, "%s:%d: expected "
			    "address:hash:maildir", path, lineno);
			goto fail;
		}
		*h++ = '\0';
		*m++ = '\0';
		if ((nu = reallocarray(us->u, us->n + 1, sizeof(*nu))) == NULL)
			goto nomem;
		us->u = nu;
		buf_reset(&md);
		if (m[0] == '/')
			buf_adds(&md, m);
		else
			buf_printf(&md, "%s/%s", dir, m);
		nu = &us->u[us->n];
		nu->address = strdup(a);
		nu->hash = strdup(h);
		nu->maildir = buf_steal(&md);
		us->n++;
		if (!nu->address || !nu->hash || !nu->maildir)
			goto nomem;
	}
	free(line);
	free(dir);
	buf_free(&md);
	fclose(fp);
	choose_dummy(us);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(line);
	free(dir);
	buf_free(&md);
	fclose(fp);
	users_free(us);
	return -1;
}

const struct user *
users_find(const struct users *us, const char *address)
{
	size_t	 i;

	for (i = 0; i < us->n; i++)
		if (strcasecmp(us->u[i].address, address) == 0)
			return &us->u[i];
	return NULL;
}

/* Compare without an early exit (libbsd has no timingsafe_bcmp). */
static int
ct_differ(const char *a, const char *b, size_t n)
{
	unsigned char	 d = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d != 0;
}

/* A fixed yescrypt hash of a random string: unknown users cost the same. */
static const char dummy_hash[] =
    "$y$j9T$/px0tOJc77ICxIPANHwg/.$zLmGHplSZkuAYpAfaPl/KJLq9KydnfT5rt483oIqZe6";

int
users_check(const struct users *us, const char *address, const char *password)
{
	const struct user	*u = users_find(us, address);
	struct crypt_data	*cd;
	const char		*dummy = us->dummy ? us->dummy : dummy_hash;
	const char		*hash = u ? u->hash : dummy;

	/* a hash of a scheme not accepted costs the dummy's time too */
	if (u != NULL && users_hash_kind(u->hash) == NULL) {
		hash = dummy;
		u = NULL;
	}
	char			*res;
	size_t			 hl;
	int			 ok;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	res = crypt_r(password, hash, cd);
	hl = strlen(hash);
	ok = res != NULL && res[0] != '*' && strlen(res) == hl &&
	    !ct_differ(res, hash, hl) && u != NULL;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

static const struct {
	const char	*name;
	const char	*prefix;
} schemes[] = {
	{ "yescrypt",		"$y$" },
	{ "sha512-crypt",	"$6$" },
	{ "bcrypt",		"$2b$" },
	{ "bcrypt",		"$2y$" },
	{ "bcrypt",		"$2a$" },
};

const char *
users_hash_kind(const char *hash)
{
	size_t	 i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncmp(hash, schemes[i].prefix,
		    strlen(schemes[i].prefix)) == 0)
			return schemes[i].name;
	return NULL;
}

int
users_hash(const char *password, char *out, size_t outlen)
{
	return users_hash_scheme(password, "yescrypt", out, outlen);
}

int
users_hash_scheme(const char *password, const char *scheme, char *out,
    size_t outlen)
{
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd;
	const char		*prefix = NULL;
	char			*res;
	size_t			 i;
	int			 r = -1;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strcmp(scheme, schemes[i].name) == 0) {
			prefix = schemes[i].prefix;
			break;
		}
	if (prefix == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* count 0: libcrypt's default cost for the scheme */
	if (crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return -1;
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	res = crypt_r(password, salt, cd);
	if (res != NULL && res[0] != '*' && strlcpy(out, res, outlen) < outlen)
		r = 0;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return r;
}

void
users_fail_delay(int nfail, int max_seconds)
{
	int	 s = 1;

	if (nfail <= 0 || max_seconds <= 0)
		return;
	while (--nfail > 0 && s < max_seconds)
		s *= 2;
	if (s > max_seconds)
		s = max_seconds;
	if (s > 0)
		sleep((unsigned int)s);
}

int
users_address_ok(const char *address)
{
	const char	*p, *at = strrchr(address, '@');
	size_t		 len = strlen(address);

	if (len == 0 || len > 256 || at == NULL || at == address ||
	    at[1] == '\0')
		return 0;
	for (p = address; *p; p++)
		if (*p == ':' || isspace((unsigned char)*p) ||
		    iscntrl((unsigned char)*p) || (*p == '#' && p == address))
			return 0;
	return 1;
}

enum edit_op { EDIT_ADD, EDIT_DELETE, EDIT_HASH };

/* flock "<path>.lock", waiting at most 10 s. */
static int
edit_lock(const char *path, char *err, size_t errlen)
{
	char		 lock[PATH_MAX];
	struct timespec	 pause = { 0, 50 * 1000 * 1000 };
	int		 fd, tries;

	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >=
	    sizeof(lock)) {
		errno = ENAMETOOLONG;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", lock, strerror(errno));
		return -1;
	}
	for (tries = 0; flock(fd, LOCK_EX | LOCK_NB) == -1; tries++) {
		if (errno != EWOULDBLOCK || tries >= 200) {
			if (errno == EWOULDBLOCK)
				errno = EAGAIN;
			snprintf(err, errlen, "%s: %s", lock, strerror(errno));
			close(fd);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return fd;
}

static int
users_edit(const char *path, enum edit_op op, const char *address,
    const char *hash, const char *maildir, char *err, size_t errlen)
{
	char		 tmp[PATH_MAX], *line = NULL, *c;
	size_t		 cap = 0, alen = strlen(address);
	ssize_t		 len;
	struct buf	 out = BUF_INIT;
	struct stat	 st;
	FILE		*fp;
	int		 lockfd, fd = -1, found = 0, r = -1, save;
	mode_t		 mode = 0600;
	int		 have_st = 0;

	if ((lockfd = edit_lock(path, err, errlen)) == -1)
		return -1;
	if ((fp = fopen(path, "re")) == NULL && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fp != NULL) {
		if (fstat(fileno(fp), &st) == 0) {
			mode = st.st_mode & 07777;
			have_st = 1;
		}
		while ((len = getline(&line, &cap, fp)) != -1) {
			c = strchr(line, ':');
			if (line[0] != '#' && c != NULL &&
			    (size_t)(c - line) == alen &&
			    strncasecmp(line, address, alen) == 0) {
				found = 1;
				if (op == EDIT_DELETE)
					continue;
				/* (a line without a maildir stays as it is) */
				if (op == EDIT_HASH &&
				    (c = strchr(c + 1, ':')) != NULL) {
					/* the rest as it is, NULs and all, so
					 * that its line end stays */
					buf_printf(&out, "%.*s:%s", (int)alen,
					    line, hash);
					buf_add(&out, c, (size_t)(line + len - c));
					if (line[len - 1] != '\n')
						buf_addc(&out, '\n');
					continue;
				}
			}
			buf_add(&out, line, (size_t)len);
			if (len > 0 && line[len - 1] != '\n')
				buf_addc(&out, '\n');
		}
		if (ferror(fp)) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
	}
	if (op == EDIT_ADD && found) {
		snprintf(err, errlen, "%s: %s is there already", path, address);
		errno = EEXIST;
		goto out;
	}
	if (op != EDIT_ADD && !found) {
		snprintf(err, errlen, "%s: no user %s", path, address);
		errno = ENOENT;
		goto out;
	}
	if (op == EDIT_ADD)
		buf_printf(&out, "%s:%s:%s\n", address, hash, maildir);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%d", path,
	    (int)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* the same mode and, for root, the same owner as before */
	if (fchmod(fd, mode) == -1 || (have_st && geteuid() == 0 &&
	    fchown(fd, st.st_uid, st.st_gid) == -1) ||
	    write_full(fd, out.s ? out.s : "", out.len) == -1 ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	/* the rename itself made durable */
	if ((c = strrchr(path, '/')) == NULL)
		fsync_dir(".");
	else if (c == path)
		fsync_dir("/");
	else if ((size_t)(c - path) < sizeof(tmp)) {
		memcpy(tmp, path, (size_t)(c - path));
		tmp[c - path] = '\0';
		fsync_dir(tmp);
		tmp[0] = '\0';
	}
	r = 0;
out:
	save = errno;
	if (fd != -1) {
		close(fd);
		if (tmp[0])
			unlink(tmp);
	}
	if (fp != NULL)
		fclose(fp);
	free(line);
	if (out.s != NULL)
		explicit_bzero(out.s, out.cap);
	buf_free(&out);
	close(lockfd);
	errno = save;
	return r;
}

int
users_add(const char *path, const char *address, const char *hash,
    const char *maildir, char *err, size_t errlen)
{
	/* no line end in a field: a CR before the LF would be read back
	 * as part of the line end */
	if (!users_address_ok(address) || strpbrk(hash, ":\r\n") != NULL ||
	    strpbrk(maildir, "\r\n") != NULL || maildir[0] == '\0') {
		snprintf(err, errlen, "bad entry for %s", address);
		errno = EINVAL;
		return -1;
	}
	return users_edit(path, EDIT_ADD, address, hash, maildir, err, errlen);
}

int
users_delete(const char *path, const char *address, char *err, size_t errlen)
{
	return users_edit(path, EDIT_DELETE, address, NULL, NULL, err, errlen);
}

int
users_set_hash(const char *path, const char *address, const char *hash,
    char *err, size_t errlen)
{
	if (strpbrk(hash, ":\r\n") != NULL) {
		snprintf(err, errlen, "bad hash");
		errno = EINVAL;
		return -1;
	}
	return users_edit(path, EDIT_HASH, address, hash, NULL, err, errlen);
}
