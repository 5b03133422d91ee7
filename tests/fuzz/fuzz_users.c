/*
 * lib/users: the users file, posta-users(5), as posta-passwd, an
 * administrator's editor or a script leaves it.
 *  - users_load() against a model of the format: "address:hash:maildir"
 *    lines (CR LF or LF), # comments, blank lines; the address before
 *    the first ':', the hash to the second, the maildir the rest, made
 *    absolute from the file's folder; an error names the file and the
 *    first bad line;
 *  - no address, hash or maildir holds a line end, address and hash no
 *    ':'; users_find() finds the first entry of an address in any case;
 *  - users_check() only where it is cheap (sha512-crypt with 1000
 *    rounds, bcrypt of cost 4; never yescrypt in the loop): a right
 *    password is right in any case of the address, never for an
 *    unknown address or a hash of a scheme not accepted;
 *  - the rewrite path, on the file in a scratch folder: users_set_hash
 *    changes the hash of that address's lines and nothing else;
 *    users_delete removes them and nothing else; users_add of what the
 *    input's "#add ADDRESS<TAB>HASH<TAB>MAILDIR" line says either refuses
 *    it (EINVAL, EEXIST) or reads back as exactly that entry, last.
 */
#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "users.h"
#include "fuzz.h"

static char	 dir[64], path[PATH_MAX];

static void
scratch(void)
{
	if (dir[0] != '\0')
		return;
	fuzz_scratch(dir, sizeof(dir), "fuzz_users");
	snprintf(path, sizeof(path), "%s/users", dir);
}

struct ment {
	char	*a, *h, *m;
};

/* The entries as posta-users(5) describes them; the bad line or 0. */
static int
model(const char *s, size_t n, struct ment **out, size_t *nout)
{
	const char	*p = s, *end = s + n, *nl;
	char		*line, *h, *m;
	size_t		 len;
	int		 lineno = 0;
	struct ment	*v = NULL;

	*nout = 0;
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
			len--;
		if ((line = strndup(p, len)) == NULL)
			abort();
		p = nl ? nl + 1 : end;
		if (len == 0 || line[0] == '#') {
			free(line);
			continue;
		}
		if ((h = strchr(line, ':')) == NULL || h == line ||
		    (m = strchr(h + 1, ':')) == NULL || m[1] == '\0') {
			free(line);
			*out = v;
			return lineno;
		}
		*h++ = '\0';
		*m++ = '\0';
		if ((v = reallocarray(v, *nout + 1, sizeof(*v))) == NULL)
			abort();
		v[*nout].a = strdup(line);
		v[*nout].h = strdup(h);
		if (m[0] == '/')
			v[*nout].m = strdup(m);
		else if (asprintf(&v[*nout].m, "%s/%s", dir, m) == -1)
			v[*nout].m = NULL;
		if (!v[*nout].a || !v[*nout].h || !v[*nout].m)
			abort();
		(*nout)++;
		free(line);
	}
	*out = v;
	return 0;
}

static void
model_free(struct ment *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].a);
		free(v[i].h);
		free(v[i].m);
	}
	free(v);
}

static int
cheap(const char *h)
{
	return h != NULL && (strncmp(h, "$6$rounds=1000$", 15) == 0 ||
	    strncmp(h, "$2b$04$", 7) == 0 || strncmp(h, "$2y$04$", 7) == 0 ||
	    strncmp(h, "$2a$04$", 7) == 0);
}

static void
check_password(const struct users *us, const char *addr, const char *pw)
{
	const struct user	*u = users_find(us, addr);
	const char		*used;
	struct crypt_data	*cd;
	char			*up, *p, *res;
	int			 r;

	/* the hash users_check will work on */
	if (u != NULL && users_hash_kind(u->hash) != NULL)
		used = u->hash;
	else
		used = us->dummy;
	if (!cheap(used))
		return;
	r = users_check(us, addr, pw);
	FUZZ_CHECK(r == 0 || r == 1);
	if (u == NULL || users_hash_kind(u->hash) == NULL)
		FUZZ_CHECK(r == 0);
	if (r == 1) {
		if ((cd = calloc(1, sizeof(*cd))) == NULL)
			abort();
		res = crypt_r(pw, u->hash, cd);
		FUZZ_CHECK(res != NULL && strcmp(res, u->hash) == 0);
		free(cd);
	}
	if ((up = strdup(addr)) == NULL)
		abort();
	for (p = up; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	FUZZ_CHECK(users_check(us, up, pw) == r);
	free(up);
}

static void
same_user(const struct user *u, const char *a, const char *h, const char *m)
{
	FUZZ_CHECK(strcmp(u->address, a) == 0);
	FUZZ_CHECK(strcmp(u->hash, h) == 0);
	FUZZ_CHECK(strcmp(u->maildir, m) == 0);
}

static void
load_ok(struct users *us)
{
	char	 err[512];

	if (users_load(us, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "reload: %s\n", err);
		FUZZ_CHECK(!"the rewritten file loads");
	}
}

/* users_set_hash, users_delete and users_add on the loaded file */
static void
edits(const struct users *us, const char *add)
{
	struct users	 after;
	const char	*a = us->u[0].address;
	char		 err[512], *na, *nh, *nm, *t;
	size_t		 i, j;
	int		 r;

	FUZZ_CHECK(users_set_hash(path, a, "$6$rounds=1000$fuzz$new", err,
	    sizeof(err)) == 0);
	load_ok(&after);
	FUZZ_CHECK(after.n == us->n);
	for (i = 0; i < us->n; i++) {
		if (strcasecmp(us->u[i].address, a) == 0)
			same_user(&after.u[i], us->u[i].address,
			    "$6$rounds=1000$fuzz$new", us->u[i].maildir);
		else
			same_user(&after.u[i], us->u[i].address,
			    us->u[i].hash, us->u[i].maildir);
	}
	users_free(&after);

	FUZZ_CHECK(users_delete(path, a, err, sizeof(err)) == 0);
	load_ok(&after);
	for (i = j = 0; i < us->n; i++) {
		if (strcasecmp(us->u[i].address, a) == 0)
			continue;
		FUZZ_CHECK(j < after.n);
		same_user(&after.u[j], us->u[i].address, us->u[i].hash,
		    us->u[i].maildir);
		j++;
	}
	FUZZ_CHECK(j == after.n);
	FUZZ_CHECK(users_find(&after, a) == NULL);
	users_free(&after);

	if (add == NULL)
		return;
	if ((t = strdup(add)) == NULL)
		abort();
	na = t;
	if ((nh = strchr(na, '\t')) == NULL ||
	    (nm = strchr(nh + 1, '\t')) == NULL) {
		free(t);
		return;
	}
	*nh++ = '\0';
	*nm++ = '\0';
	r = users_add(path, na, nh, nm, err, sizeof(err));
	if (r == -1) {
		FUZZ_CHECK(errno == EINVAL || errno == EEXIST);
		if (errno == EEXIST)
			FUZZ_CHECK(users_address_ok(na));
		free(t);
		return;
	}
	FUZZ_CHECK(users_address_ok(na));
	load_ok(&after);
	FUZZ_CHECK(after.n > 0);
	{
		char	*abs = NULL;

		if (nm[0] == '/')
			abs = strdup(nm);
		else if (asprintf(&abs, "%s/%s", dir, nm) == -1)
			abs = NULL;
		if (abs == NULL)
			abort();
		same_user(&after.u[after.n - 1], na, nh, abs);
		FUZZ_CHECK(users_find(&after, na) == &after.u[after.n - 1]);
		free(abs);
	}
	/* and once more is once too many */
	FUZZ_CHECK(users_add(path, na, nh, nm, err, sizeof(err)) == -1 &&
	    errno == EEXIST);
	users_free(&after);
	free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*s = (const char *)data, *p;
	struct users		 us;
	struct ment		*v;
	char			 err[512], want[PATH_MAX + 32], *up, *q, *add = NULL;
	size_t			 nv, i, j, len;
	int			 bad, r;

	scratch();
	fuzz_put(path, s, size);
	bad = model(s, size, &v, &nv);
	r = users_load(&us, path, err, sizeof(err));
	if (bad) {
		FUZZ_CHECK(r == -1);
		snprintf(want, sizeof(want), "%s:%d: ", path, bad);
		FUZZ_CHECK(strncmp(err, want, strlen(want)) == 0);
		model_free(v, nv);
		return 0;
	}
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(us.n == nv);
	for (i = 0; i < us.n; i++) {
		same_user(&us.u[i], v[i].a, v[i].h, v[i].m);
		FUZZ_CHECK(us.u[i].address[0] != '\0');
		FUZZ_CHECK(strpbrk(us.u[i].address, ":\n") == NULL);
		FUZZ_CHECK(strpbrk(us.u[i].hash, ":\n") == NULL);
		FUZZ_CHECK(strchr(us.u[i].maildir, '\n') == NULL);
		FUZZ_CHECK(us.u[i].maildir[0] == '/');
		/* the first entry of that address, in any case */
		for (j = 0; strcasecmp(us.u[j].address, us.u[i].address); j++)
			;
		if ((up = strdup(us.u[i].address)) == NULL)
			abort();
		for (q = up; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		FUZZ_CHECK(users_find(&us, up) == &us.u[j]);
		free(up);
		if (users_hash_kind(us.u[i].hash) != NULL)
			FUZZ_CHECK(us.u[i].hash[0] == '$');
	}
	if (us.dummy != NULL)
		FUZZ_CHECK(users_hash_kind(us.dummy) != NULL);

	for (i = 0; i < us.n && i < 4; i++) {
		check_password(&us, us.u[i].address, "secret");
		check_password(&us, us.u[i].address, us.u[i].address);
	}
	check_password(&us, "nobody@nowhere.invalid", "secret");

	/* the line "#add ..." (a comment to the parser) */
	for (p = s; p < s + size; p = p + len + 1) {
		const char *nl = memchr(p, '\n', (size_t)(s + size - p));

		len = nl ? (size_t)(nl - p) : (size_t)(s + size - p);
		if (len > 5 && memcmp(p, "#add ", 5) == 0) {
			if ((add = strndup(p + 5, len - 5)) == NULL)
				abort();
			break;
		}
	}
	if (us.n > 0)
		edits(&us, add);
	free(add);
	users_free(&us);
	model_free(v, nv);
	return 0;
}
