/*
 * aliases: posta-aliases(5) tables and target lists; see aliases.h.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "aliases.h"
#include "buf.h"

#define INCLUDE_PREFIX	":include:"

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

void
aliases_targets_free(struct alias_target *t, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(t[i].value);
	free(t);
}

void
aliases_free(struct aliases *al)
{
	size_t	 i;

	for (i = 0; i < al->n; i++) {
		free(al->a[i].name);
		aliases_targets_free(al->a[i].t, al->a[i].nt);
	}
	free(al->a);
	memset(al, 0, sizeof(*al));
}

int
aliases_parse_target(const char *s, size_t len, int flags,
    struct alias_target *t, const char **why)
{
	struct addr	 a;
	char		 text[ADDR_MAX + 2], out[ADDR_MAX];
	size_t		 plen = sizeof(INCLUDE_PREFIX) - 1;

	memset(t, 0, sizeof(*t));
	/* a quoted command or include: "|cmd a,b" */
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"' && (s[1] == '|' ||
	    (len - 2 >= plen && strncasecmp(s + 1, INCLUDE_PREFIX, plen) == 0))) {
		s++;
		len -= 2;
	}
	if (len == 0) {
		*why = "empty target";
		return -1;
	}
	/* a CR too: it would reach the command line, logs and DSNs */
	if (memchr(s, '\0', len) != NULL || memchr(s, '\n', len) != NULL ||
	    memchr(s, '\r', len) != NULL) {
		*why = "control character in target";
		return -1;
	}
	if (s[0] == '|') {
		if (!(flags & ALIASES_ADMIN)) {
			*why = "|command is allowed only in the aliases file";
			return -1;
		}
		s++;
		len--;
		while (len > 0 && is_blank((unsigned char)*s)) {
			s++;
			len--;
		}
		if (len == 0) {
			*why = "empty command";
			return -1;
		}
		t->kind = AK_COMMAND;
		t->value = strndup(s, len);
		goto done;
	}
	if (len >= plen && strncasecmp(s, INCLUDE_PREFIX, plen) == 0) {
		if (!(flags & ALIASES_ADMIN)) {
			*why = ":include: is allowed only in the aliases file";
			return -1;
		}
		s += plen;
		len -= plen;
		while (len > 0 && is_blank((unsigned char)*s)) {
			s++;
			len--;
		}
		if (len == 0 || s[0] != '/') {
			*why = ":include: needs an absolute path";
			return -1;
		}
		t->kind = AK_INCLUDE;
		t->value = strndup(s, len);
		goto done;
	}
	if (s[0] == '/') {
		*why = "delivery to a file is not supported";
		return -1;
	}
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s++;
		len -= 2;
	}
	if (len + 1 > sizeof(text)) {
		*why = "address too long";
		return -1;
	}
	memcpy(text, s, len);
	text[len] = '\0';
	t->kind = AK_ADDRESS;
	if (strchr(text, '@') == NULL) {
		/* a bare local name, qualified when expanded */
		if (!addr_is_dot_string(text, len, 1)) {
			*why = "malformed local name";
			return -1;
		}
		t->value = strdup(text);
		goto done;
	}
	if (addr_parse(text, ADDR_UTF8, &a, why) == -1)
		return -1;
	if (addr_format(&a, out, sizeof(out)) == -1) {
		*why = "address too long";
		return -1;
	}
	t->value = strdup(out);
done:
	if (t->value == NULL) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static int
add_target(struct alias_target **t, size_t *nt, const char *s, size_t len,
    int flags, const char **why)
{
	struct alias_target	 one, *nt2;

	while (len > 0 && (is_blank((unsigned char)*s) || *s == '\n')) {
		s++;
		len--;
	}
	while (len > 0 && (is_blank((unsigned char)s[len - 1]) ||
	    s[len - 1] == '\n'))
		len--;
	if (len == 0)
		return 0;	/* "a, , b" or a trailing comma */
	if (aliases_parse_target(s, len, flags, &one, why) == -1)
		return -1;
	if ((nt2 = reallocarray(*t, *nt + 1, sizeof(**t))) == NULL) {
		free(one.value);
		*why = "out of memory";
		return -1;
	}
	*t = nt2;
	(*t)[(*nt)++] = one;
	return 0;
}

/*
 * Split s[0..len) at commas outside double quotes (and at line ends
 * when nlsep).  *line counts the line ends passed.
 */
static int
split_targets(const char *s, size_t len, int flags, int nlsep, size_t *line,
    struct alias_target **t, size_t *nt, const char **why)
{
	size_t	 i, start = 0;
	int	 quoted = 0, esc = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && esc) {
			esc = 0;
			continue;
		}
		if (i < len && s[i] == '\\' && quoted) {
			esc = 1;
			continue;
		}
		if (i < len && s[i] == '"') {
			quoted = !quoted;
			continue;
		}
		if (i < len && s[i] == '\n' && quoted) {
			*why = "unterminated quoted string";
			return -1;
		}
		if (i == len || (!quoted && (s[i] == ',' ||
		    (nlsep && s[i] == '\n')))) {
			if (i == len && quoted) {
				*why = "unterminated quoted string";
				return -1;
			}
			if (add_target(t, nt, s + start, i - start, flags,
			    why) == -1)
				return -1;
			start = i + 1;
		}
		if (i < len && s[i] == '\n')
			(*line)++;
	}
	return 0;
}

int
aliases_parse_list(const char *text, size_t len, int flags,
    struct alias_target **t, size_t *nt, char *err, size_t errlen)
{
	const char	*p = text, *end = text + len, *nl, *q;
	const char	*why;
	size_t		 line = 1, dummy;

	for (; p < end; p = nl + 1, line++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		for (q = p; q < nl && is_blank((unsigned char)*q); q++)
			;
		if (q < nl && *q == '#')
			continue;
		dummy = 0;
		if (split_targets(p, (size_t)(nl - p), flags, 1, &dummy, t,
		    nt, &why) == -1) {
			snprintf(err, errlen, "%zu: %s", line, why);
			return -1;
		}
		if (nl == end)
			break;
	}
	return 0;
}

static int
alias_cmp(const void *a, const void *b)
{
	return strcmp(((const struct alias *)a)->name,
	    ((const struct alias *)b)->name);
}

/* Finish the entry whose name is name[0..nlen) and targets are in tb. */
static int
entry_end(struct aliases *al, const char *name, size_t nlen, size_t line,
    const struct buf *tb, int flags, char *err, size_t errlen)
{
	struct alias	*na, *e;
	const char	*why;
	size_t		 i, tline = line;

	while (nlen > 0 && is_blank((unsigned char)name[nlen - 1]))
		nlen--;
	if (nlen == 0) {
		snprintf(err, errlen, "%zu: empty name", line);
		return -1;
	}
	for (i = 0; i < nlen; i++) {
		if (is_blank((unsigned char)name[i]) || name[i] == ',' ||
		    name[i] == '"' || name[i] == '\0' ||
		    (unsigned char)name[i] < 0x20) {
			snprintf(err, errlen, "%zu: malformed name", line);
			return -1;
		}
	}
	if ((na = reallocarray(al->a, al->n + 1, sizeof(*na))) == NULL) {
		snprintf(err, errlen, "%zu: out of memory", line);
		return -1;
	}
	al->a = na;
	e = &al->a[al->n];
	memset(e, 0, sizeof(*e));
	e->line = line;
	if ((e->name = strndup(name, nlen)) == NULL) {
		snprintf(err, errlen, "%zu: out of memory", line);
		return -1;
	}
	al->n++;
	for (i = 0; i < nlen; i++)
		e->name[i] = (char)tolower((unsigned char)e->name[i]);
	/* a line end between continuation lines separates targets too */
	if (split_targets(tb->s ? tb->s : "", tb->len, flags, 1, &tline,
	    &e->t, &e->nt, &why) == -1) {
		snprintf(err, errlen, "%zu: %s", tline, why);
		return -1;
	}
	if (e->nt == 0) {
		snprintf(err, errlen, "%zu: %s has no targets", line, e->name);
		return -1;
	}
	return 0;
}

int
aliases_parse(struct aliases *al, const char *text, size_t len, int flags,
    char *err, size_t errlen)
{
	const char	*p = text, *end = text + len, *nl, *colon, *q;
	const char	*name = NULL;
	size_t		 nlen = 0, line = 0, nameline = 0, i;
	struct buf	 tb = BUF_INIT;

	memset(al, 0, sizeof(*al));
	for (; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL) {
			snprintf(err, errlen, "%zu: NUL octet", line);
			goto fail;
		}
		for (q = p; q < nl && is_blank((unsigned char)*q); q++)
			;
		if (q == nl || *q == '#')
			goto next;	/* blank or comment */
		if (q > p) {
			/* continuation */
			if (name == NULL) {
				snprintf(err, errlen, "%zu: continuation line "
				    "without a name", line);
				goto fail;
			}
			if (buf_addc(&tb, '\n') == -1 ||
			    buf_add(&tb, p, (size_t)(nl - p)) == -1)
				goto nomem;
			goto next;
		}
		if (name != NULL && entry_end(al, name, nlen, nameline, &tb,
		    flags, err, errlen) == -1)
			goto fail;
		buf_reset(&tb);
		if ((colon = memchr(p, ':', (size_t)(nl - p))) == NULL) {
			snprintf(err, errlen, "%zu: expected name: targets",
			    line);
			goto fail;
		}
		name = p;
		nlen = (size_t)(colon - p);
		nameline = line;
		if (buf_add(&tb, colon + 1, (size_t)(nl - colon - 1)) == -1)
			goto nomem;
	next:
		if (nl == end)
			break;
	}
	if (name != NULL && entry_end(al, name, nlen, nameline, &tb, flags,
	    err, errlen) == -1)
		goto fail;
	buf_free(&tb);
	if (al->n > 1)
		qsort(al->a, al->n, sizeof(*al->a), alias_cmp);
	for (i = 1; i < al->n; i++) {
		if (strcmp(al->a[i - 1].name, al->a[i].name) == 0) {
			snprintf(err, errlen, "%zu: %s repeats line %zu",
			    al->a[i - 1].line > al->a[i].line ?
			    al->a[i - 1].line : al->a[i].line, al->a[i].name,
			    al->a[i - 1].line > al->a[i].line ?
			    al->a[i].line : al->a[i - 1].line);
			aliases_free(al);
			return -1;
		}
	}
	return 0;
nomem:
	snprintf(err, errlen, "%zu: out of memory", line);
fail:
	buf_free(&tb);
	aliases_free(al);
	return -1;
}

int
aliases_read_file(void *arg, const char *path, struct buf *out)
{
	char	 chunk[8192];
	ssize_t	 n;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf_add(out, chunk, (size_t)n) == -1) {
			n = -1;
			break;
		}
	}
	saved = errno;
	close(fd);
	errno = saved;
	return n == -1 ? -1 : 0;
}

int
aliases_load(struct aliases *al, const char *path, int flags, char *err,
    size_t errlen)
{
	struct buf	 text = BUF_INIT;
	char		 why[512];
	int		 rv;

	memset(al, 0, sizeof(*al));
	if (*path == '\0')
		return 0;
	if (aliases_read_file(NULL, path, &text) == -1) {
		if (errno == ENOENT) {
			buf_free(&text);
			return 0;	/* no file: no aliases */
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		buf_free(&text);
		return -1;
	}
	rv = aliases_parse(al, text.s ? text.s : "", text.len, flags, why,
	    sizeof(why));
	if (rv == -1)
		snprintf(err, errlen, "%s:%s", path, why);
	buf_free(&text);
	return rv;
}

static const struct alias *
find_key(const struct aliases *al, const char *key)
{
	struct alias	 k;

	if (al->n == 0)
		return NULL;
	k.name = (char *)(uintptr_t)key;
	return bsearch(&k, al->a, al->n, sizeof(*al->a), alias_cmp);
}

const struct alias *
aliases_find(const struct aliases *al, const char *local, const char *domain,
    int domain_is_local)
{
	const struct alias	*e;
	char			 key[ADDR_MAX];
	size_t			 i;

	if (domain != NULL && *domain != '\0') {
		if ((size_t)snprintf(key, sizeof(key), "%s@%s", local,
		    domain) >= sizeof(key))
			return NULL;
	} else if (strlcpy(key, local, sizeof(key)) >= sizeof(key))
		return NULL;
	for (i = 0; key[i] != '\0'; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
	if ((e = find_key(al, key)) != NULL)
		return e;
	if (domain == NULL || *domain == '\0' || !domain_is_local)
		return NULL;
	key[strlen(local)] = '\0';
	return find_key(al, key);
}

void
aliases_expansion_free(struct alias_expansion *x)
{
	size_t	 i;

	for (i = 0; i < x->n; i++) {
		free(x->r[i].value);
		free(x->r[i].via);
	}
	free(x->r);
	memset(x, 0, sizeof(*x));
}

struct expand {
	const struct aliases	*al;
	const struct alias_env	*env;
	struct alias_expansion	*out;
	const struct alias	*chain[64];
	int			 depth;
	char			*why;
	size_t			 whylen;
};

static int
result_add(struct expand *x, enum alias_kind kind, const char *value,
    const char *via)
{
	struct alias_result	*r;
	size_t			 i;

	for (i = 0; i < x->out->n; i++)
		if (x->out->r[i].kind == kind &&
		    strcasecmp(x->out->r[i].value, value) == 0)
			return 0;
	if ((r = reallocarray(x->out->r, x->out->n + 1, sizeof(*r))) == NULL)
		goto nomem;
	x->out->r = r;
	r = &x->out->r[x->out->n];
	r->kind = kind;
	r->value = strdup(value);
	r->via = strdup(via);
	x->out->n++;
	if (r->value == NULL || r->via == NULL)
		goto nomem;
	return 0;
nomem:
	snprintf(x->why, x->whylen, "out of memory");
	return ALIAS_ETEMP;
}

/* Split "local@domain" (or a bare name, in domain dflt). */
static int
split_addr(const char *s, const char *dflt, char *local, size_t llen,
    char *domain, size_t dlen)
{
	const char	*at = strrchr(s, '@');

	if (at == NULL)
		return strlcpy(local, s, llen) >= llen ||
		    strlcpy(domain, dflt, dlen) >= dlen ? -1 : 0;
	if ((size_t)(at - s) >= llen)
		return -1;
	memcpy(local, s, (size_t)(at - s));
	local[at - s] = '\0';
	return strlcpy(domain, at + 1, dlen) >= dlen ? -1 : 0;
}

static int expand_one(struct expand *, const char *, const char *,
    const struct alias *);

static int
expand_targets(struct expand *x, const struct alias *e,
    const struct alias_target *t, size_t nt, const char *domain, int nested)
{
	struct alias_target	*it = NULL;
	struct buf		 text = BUF_INIT;
	char			 local[ADDR_MAX], dom[ADDR_DOMAIN_MAX];
	char			 err[256];
	size_t			 i, nit = 0;
	int			 rv;

	for (i = 0; i < nt; i++) {
		switch (t[i].kind) {
		case AK_COMMAND:
			if ((rv = result_add(x, AK_COMMAND, t[i].value,
			    e->name)) != 0)
				return rv;
			break;
		case AK_INCLUDE:
			if (nested) {
				snprintf(x->why, x->whylen, "%s: :include: "
				    "inside an :include: file", t[i].value);
				return ALIAS_EBAD;
			}
			buf_reset(&text);
			if (x->env->include == NULL || x->env->include(
			    x->env->arg, t[i].value, &text) == -1) {
				snprintf(x->why, x->whylen, "%s: %s",
				    t[i].value, strerror(errno));
				buf_free(&text);
				return ALIAS_ETEMP;
			}
			it = NULL;
			nit = 0;
			if (aliases_parse_list(text.s ? text.s : "", text.len,
			    0, &it, &nit, err, sizeof(err)) == -1) {
				snprintf(x->why, x->whylen, "%s:%s",
				    t[i].value, err);
				aliases_targets_free(it, nit);
				buf_free(&text);
				return ALIAS_EBAD;
			}
			buf_free(&text);
			rv = expand_targets(x, e, it, nit, domain, 1);
			aliases_targets_free(it, nit);
			if (rv < 0)
				return rv;
			break;
		case AK_ADDRESS:
		case AK_MAILBOX:
			if (split_addr(t[i].value, domain, local,
			    sizeof(local), dom, sizeof(dom)) == -1) {
				snprintf(x->why, x->whylen, "%s: too long",
				    t[i].value);
				return ALIAS_EBAD;
			}
			if ((rv = expand_one(x, local, dom, e)) < 0)
				return rv;
			break;
		}
	}
	return 0;
}

/* local@domain, named by the alias parent (NULL at the top). */
static int
expand_one(struct expand *x, const char *local, const char *domain,
    const struct alias *parent)
{
	const struct alias	*e;
	char			 addr[ADDR_MAX];
	int			 i, rv, dlocal;

	dlocal = x->env->is_local == NULL ||
	    x->env->is_local(x->env->arg, domain);
	e = aliases_find(x->al, local, domain, dlocal);
	if ((size_t)snprintf(addr, sizeof(addr), "%s@%s", local, domain) >=
	    sizeof(addr)) {
		snprintf(x->why, x->whylen, "address too long");
		return ALIAS_EBAD;
	}
	if (e == NULL) {
		if (parent == NULL)
			return ALIAS_NONE;
		return result_add(x, AK_ADDRESS, addr, parent->name);
	}
	if (e == parent)
		return result_add(x, AK_MAILBOX, addr, parent->name);
	for (i = 0; i < x->depth; i++) {
		if (x->chain[i] == e) {
			snprintf(x->why, x->whylen, "alias loop: %s names %s",
			    parent->name, e->name);
			return ALIAS_ELOOP;
		}
	}
	if (x->depth >= x->env->maxdepth ||
	    (size_t)x->depth >= sizeof(x->chain) / sizeof(x->chain[0])) {
		snprintf(x->why, x->whylen, "aliases nested deeper than %d",
		    x->depth);
		return ALIAS_ELOOP;
	}
	x->chain[x->depth++] = e;
	rv = expand_targets(x, e, e->t, e->nt, domain, 0);
	x->depth--;
	return rv < 0 ? rv : ALIAS_FOUND;
}

int
aliases_expand(const struct aliases *al, const char *local,
    const char *domain, const struct alias_env *env,
    struct alias_expansion *out, char *why, size_t whylen)
{
	struct expand	 x;
	int		 rv;

	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	x.al = al;
	x.env = env;
	x.out = out;
	x.why = why;
	x.whylen = whylen;
	if (whylen > 0)
		why[0] = '\0';
	rv = expand_one(&x, local, domain, NULL);
	if (rv < 0)
		aliases_expansion_free(out);
	return rv;
}
