#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "users.h"

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
	const char		*hash = u ? u->hash : dummy_hash;
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

int
users_hash(const char *password, char *out, size_t outlen)
{
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd;
	char			*res;
	int			 r = -1;

	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
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

	while (--nfail > 0 && s < max_seconds)
		s *= 2;
	if (s > max_seconds)
		s = max_seconds;
	if (s > 0)
		sleep((unsigned int)s);
}
