#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sysexits.h>

#include "buf.h"
#include "conf.h"

struct conf_def {
	const char	*name;
	enum conf_type	 type;
	const char	*def;
};

#define STR	CT_STR
#define PATH	CT_PATH
#define NUM	CT_NUM
#define SIZE	CT_SIZE
#define TIME	CT_TIME
#define BOOL	CT_BOOL
#define CONF_KEY(name, type, def, doc)	{ #name, type, def },
static const struct conf_def defs[C__COUNT] = {
#include "confkeys.def"
};
#undef CONF_KEY
#undef STR
#undef PATH
#undef NUM
#undef SIZE
#undef TIME
#undef BOOL

struct conf_val {
	char		*str;		/* NULL: default */
	long long	 num;
	int		 set;
};

static struct conf_val	 vals[C__COUNT];
static struct conf_val	 defvals[C__COUNT];
static unsigned char	 defparsed[C__COUNT];
static char		 loaded_file[PATH_MAX];
static char		 base_dir[PATH_MAX];

int
conf_parse_size(const char *s, long long *out)
{
	char		*end;
	long long	 n, mul = 1;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtoll(s, &end, 10);
	if (errno)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		mul = 1024LL;
		end++;
		break;
	case 'm':
		mul = 1024LL * 1024;
		end++;
		break;
	case 'g':
		mul = 1024LL * 1024 * 1024;
		end++;
		break;
	default:
		return -1;
	}
	if (*end != '\0' || n > LLONG_MAX / mul)
		return -1;
	*out = n * mul;
	return 0;
}

int
conf_parse_time(const char *s, long long *out)
{
	char		*end;
	long long	 n, mul = 1;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtoll(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 's':
		end++;
		break;
	case 'm':
		mul = 60;
		end++;
		break;
	case 'h':
		mul = 3600;
		end++;
		break;
	case 'd':
		mul = 86400;
		end++;
		break;
	case 'w':
		mul = 7 * 86400;
		end++;
		break;
	default:
		return -1;
	}
	if (*end != '\0' || n > LLONG_MAX / mul)
		return -1;
	*out = n * mul;
	return 0;
}

int
conf_parse_bool(const char *s, int *out)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcmp(s, "1") == 0 || strcasecmp(s, "on") == 0)
		*out = 1;
	else if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 ||
	    strcmp(s, "0") == 0 || strcasecmp(s, "off") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
parse_value(enum conf_key k, const char *v, const char *base,
    struct conf_val *out, char *err, size_t errlen)
{
	long long	 n;
	char		*end;
	int		 b;
	struct buf	 path = BUF_INIT;

	out->num = 0;
	switch (defs[k].type) {
	case CT_STR:
		break;
	case CT_PATH:
		if (v[0] != '\0' && v[0] != '/' && base[0] != '\0') {
			if (buf_printf(&path, "%s/%s", base, v) == -1) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			out->str = buf_steal(&path);
			return out->str ? 0 : -1;
		}
		break;
	case CT_NUM:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || end == v || *end != '\0' || n < 0) {
			snprintf(err, errlen, "%s: not a whole number: \"%s\"",
			    defs[k].name, v);
			return -1;
		}
		out->num = n;
		break;
	case CT_SIZE:
		if (conf_parse_size(v, &out->num) == -1) {
			snprintf(err, errlen, "%s: not a size (like 10m): \"%s\"",
			    defs[k].name, v);
			return -1;
		}
		break;
	case CT_TIME:
		if (conf_parse_time(v, &out->num) == -1) {
			snprintf(err, errlen,
			    "%s: not a duration (like 30s, 5m, 4h, 5d): \"%s\"",
			    defs[k].name, v);
			return -1;
		}
		break;
	case CT_BOOL:
		if (conf_parse_bool(v, &b) == -1) {
			snprintf(err, errlen, "%s: not yes or no: \"%s\"",
			    defs[k].name, v);
			return -1;
		}
		out->num = b;
		break;
	}
	if ((out->str = strdup(v)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * A compiled-in default, parsed when it is first asked for: a program
 * reads a handful of the keys, and parsing every default at start-up
 * was a fifth of the instructions of a posta-enqueue run (one a
 * message).  Defaults are never relative to posta.conf's folder.
 */
static const struct conf_val *
conf_default(enum conf_key k)
{
	char	 err[256];

	if (!defparsed[k]) {
		if (parse_value(k, defs[k].def, "", &defvals[k], err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "posta: bad compiled-in default: %s\n",
			    err);
			exit(EX_SOFTWARE);
		}
		defparsed[k] = 1;
	}
	return &defvals[k];
}

void
conf_reset(void)
{
	enum conf_key	 k;

	for (k = 0; k < C__COUNT; k++) {
		free(vals[k].str);
		vals[k].str = NULL;
		vals[k].set = 0;
	}
	loaded_file[0] = base_dir[0] = '\0';
}

enum conf_key
conf_lookup(const char *name)
{
	enum conf_key	 k;

	for (k = 0; k < C__COUNT; k++)
		if (strcmp(defs[k].name, name) == 0)
			return k;
	return C__COUNT;
}

const char *
conf_name(enum conf_key k)
{
	return defs[k].name;
}

int
conf_set(const char *key, const char *value, char *err, size_t errlen)
{
	enum conf_key	 k;
	struct conf_val	 v;

	if ((k = conf_lookup(key)) == C__COUNT) {
		snprintf(err, errlen, "unknown key \"%s\"", key);
		return -1;
	}
	if (parse_value(k, value, base_dir, &v, err, errlen) == -1)
		return -1;
	free(vals[k].str);
	vals[k] = v;
	vals[k].set = 1;
	return 0;
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* The lines of fp, read as the file path. */
static int
load_stream(FILE *fp, const char *path, char *err, size_t errlen)
{
	char		*line = NULL, *key, *val, *eq, *slash, msg[512];
	size_t		 cap = 0;
	ssize_t		 n;
	int		 lineno = 0, seen[C__COUNT];
	enum conf_key	 k;

	memset(seen, 0, sizeof(seen));
	if (strlcpy(loaded_file, path, sizeof(loaded_file)) >=
	    sizeof(loaded_file)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	strlcpy(base_dir, path, sizeof(base_dir));
	if ((slash = strrchr(base_dir, '/')) != NULL)
		*slash = '\0';
	else
		strlcpy(base_dir, ".", sizeof(base_dir));
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (memchr(line, '\0', (size_t)n) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte", path, lineno);
			goto fail;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected \"key = value\"",
			    path, lineno);
			goto fail;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		if ((k = conf_lookup(key)) == C__COUNT) {
			snprintf(err, errlen, "%s:%d: unknown key \"%s\"",
			    path, lineno, key);
			goto fail;
		}
		if (seen[k]) {
			snprintf(err, errlen, "%s:%d: \"%s\" set twice (first "
			    "on line %d)", path, lineno, key, seen[k]);
			goto fail;
		}
		seen[k] = lineno;
		if (conf_set(key, val, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			goto fail;
		}
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	free(line);
	return 0;
fail:
	free(line);
	return -1;
}

int
conf_load(const char *path, int missing_ok, char *err, size_t errlen)
{
	FILE	*fp;
	int	 r;

	if ((fp = fopen(path, "r")) == NULL) {
		if (missing_ok && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	r = load_stream(fp, path, err, errlen);
	fclose(fp);
	return r;
}

int
conf_load_mem(const char *s, size_t len, const char *name, char *err,
    size_t errlen)
{
	FILE	*fp;
	int	 r;

	/* fmemopen() refuses an empty buffer; an empty line reads the same */
	if (len == 0) {
		s = "\n";
		len = 1;
	}
	if ((fp = fmemopen((void *)(uintptr_t)s, len, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	r = load_stream(fp, name, err, errlen);
	fclose(fp);
	return r;
}

const char *
conf_path(const char *cflag)
{
	const char	*env;

	if (cflag != NULL && *cflag != '\0')
		return cflag;
	if ((env = getenv("POSTA_CONF")) != NULL && *env != '\0')
		return env;
	return POSTA_CONF;
}

void
conf_init(const char *cflag)
{
	char		 err[1024];
	const char	*path = conf_path(cflag), *env = getenv("POSTA_CONF");
	int		 builtin;

	/* The compiled-in file may be absent: the defaults stand. */
	builtin = (cflag == NULL || *cflag == '\0') &&
	    (env == NULL || *env == '\0');
	if (conf_load(path, builtin, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		exit(EX_CONFIG);
	}
}

const char *
conf_str(enum conf_key k)
{
	if (vals[k].set)
		return vals[k].str;
	return conf_default(k)->str;
}

long long
conf_num(enum conf_key k)
{
	if (vals[k].set)
		return vals[k].num;
	return conf_default(k)->num;
}

int
conf_bool(enum conf_key k)
{
	return conf_num(k) != 0;
}

const char *
conf_file(void)
{
	return loaded_file;
}

void
conf_myhostname(char *out, size_t outlen)
{
	if (outlen == 0)
		return;
	if (*conf_str(C_myhostname) != '\0')
		strlcpy(out, conf_str(C_myhostname), outlen);
	else if (gethostname(out, outlen) == -1 || out[0] == '\0')
		strlcpy(out, "localhost", outlen);
	out[outlen - 1] = '\0';
}
