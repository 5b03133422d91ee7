/*
 * conf: posta.conf, "key = value" lines and # comments.  Every key is
 * known in advance (confkeys.def) and has a default; an unknown key, a
 * repeated key or a malformed value is an error that names the file and
 * line.  The file is chosen by -C, else $POSTA_CONF, else the compiled-in
 * POSTA_CONF.
 */
#ifndef POSTA_CONF_H
#define POSTA_CONF_H

#include <stddef.h>

enum conf_type { CT_STR, CT_PATH, CT_NUM, CT_SIZE, CT_TIME, CT_BOOL };

#define CONF_KEY(name, type, def, doc)	C_##name,
enum conf_key {
#include "confkeys.def"
	C__COUNT
};
#undef CONF_KEY

/* Choose the file: cflag (-C), else $POSTA_CONF, else the default. */
const char	*conf_path(const char *cflag);
/* Read a file; -1 and a "file:line: reason" message on error.  A missing
 * file is an error unless missing_ok. */
int		 conf_load(const char *path, int missing_ok, char *err, size_t);
/* conf_path + conf_load, or exit EX_CONFIG (78) with the message. */
void		 conf_init(const char *cflag);
/* conf_load() of the text s[0..len), read as if it were the file name
 * (relative paths are from name's folder); for tests and the fuzzer. */
int		 conf_load_mem(const char *s, size_t len, const char *name,
		    char *err, size_t);
/* Set one key from "key=value" (command-line overrides, tests). */
int		 conf_set(const char *key, const char *value, char *err, size_t);
/* Back to the defaults. */
void		 conf_reset(void);

const char	*conf_str(enum conf_key);	/* STR, PATH: never NULL */
long long	 conf_num(enum conf_key);	/* NUM, SIZE, TIME, BOOL */
int		 conf_bool(enum conf_key);
const char	*conf_file(void);		/* the file read, or "" */
/* This host's name: myhostname, else gethostname(3), else "localhost". */
void		 conf_myhostname(char *out, size_t outlen);
const char	*conf_name(enum conf_key);
enum conf_key	 conf_lookup(const char *name);	/* C__COUNT if unknown */

/* Value parsers, exported for the unit tests. */
int		 conf_parse_size(const char *, long long *);
int		 conf_parse_time(const char *, long long *);
int		 conf_parse_bool(const char *, int *);

#endif
