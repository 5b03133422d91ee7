/*
 * aliases: the aliases table, posta-aliases(5), and the target lists of
 * :include: files and of users' forward files.
 *
 *	name: target, target
 *	    target		(a line starting with white space continues;
 *				 a line end separates targets as a comma does)
 *	# comment
 *
 * A name is "user" (any local domain) or "user@domain"; names are
 * lowercased.  A target is an address, "|command" or ":include:/path";
 * the last two only where ALIASES_ADMIN is given (the administrator's
 * aliases_file), never in a user's forward file.  A target may be put
 * in double quotes (for a command with commas).
 *
 * The parsers (aliases_parse, aliases_parse_list) take bytes and do no
 * I/O.  aliases_expand() resolves a name through the table, recursively
 * and with a depth bound, reading :include: files through a callback.
 */
#ifndef POSTA_ALIASES_H
#define POSTA_ALIASES_H

#include <stddef.h>

#include "buf.h"

#define ALIASES_ADMIN	0x01	/* |command and :include: allowed */

enum alias_kind {
	AK_ADDRESS,	/* an address (maybe a bare local name) */
	AK_COMMAND,	/* |command: the text after the bar */
	AK_INCLUDE,	/* :include:/path: the path */
	AK_MAILBOX	/* expansion result: the alias's own mailbox */
};

struct alias_target {
	enum alias_kind	 kind;
	char		*value;
};

struct alias {
	char			*name;		/* lowercased */
	struct alias_target	*t;
	size_t			 nt;
	size_t			 line;
};

struct aliases {
	struct alias	*a;	/* sorted by name */
	size_t		 n;
};

/*
 * Parse a whole aliases table text[0..len).  0, or -1 with err
 * "LINE: reason" (the caller adds the file name).  A repeated name is
 * an error.  On failure *al is empty.
 */
int	aliases_parse(struct aliases *, const char *text, size_t len,
	    int flags, char *err, size_t errlen);
/*
 * Read and parse path; an empty path or a missing file is an empty
 * table.  err names the file.
 */
int	aliases_load(struct aliases *, const char *path, int flags,
	    char *err, size_t errlen);
void	aliases_free(struct aliases *);

/*
 * Parse a target list: targets separated by commas or line ends, lines
 * starting with # are comments (:include: files, forward files).  The
 * targets are appended to *t (with *nt); 0, or -1 with err "LINE:
 * reason".
 */
int	aliases_parse_list(const char *text, size_t len, int flags,
	    struct alias_target **t, size_t *nt, char *err, size_t errlen);
/* One target, s[0..len) already trimmed.  0, or -1 with *why. */
int	aliases_parse_target(const char *s, size_t len, int flags,
	    struct alias_target *, const char **why);
void	aliases_targets_free(struct alias_target *, size_t);

/*
 * The entry for local@domain: the key "local@domain", else (when
 * domain_is_local) the key "local".  NULL if none.  Case-insensitive.
 */
const struct alias *aliases_find(const struct aliases *, const char *local,
	    const char *domain, int domain_is_local);

/* What aliases_expand() needs from its caller. */
struct alias_env {
	/* Is the domain one of ours (so bare keys apply)? */
	int	(*is_local)(void *arg, const char *domain);
	/* Read an :include: file into out; -1 (errno) if it cannot be read. */
	int	(*include)(void *arg, const char *path, struct buf *out);
	void	*arg;
	int	 maxdepth;	/* nesting bound */
};

/* An include callback that reads the file (arg unused). */
int	aliases_read_file(void *arg, const char *path, struct buf *out);

struct alias_result {
	enum alias_kind	 kind;	/* AK_ADDRESS, AK_COMMAND, AK_MAILBOX */
	char		*value;	/* "local@domain" or the command */
	char		*via;	/* the alias that gave it */
};

struct alias_expansion {
	struct alias_result	*r;
	size_t			 n;
};

#define ALIAS_NONE	0	/* not an alias */
#define ALIAS_FOUND	1	/* expanded into the results */
#define ALIAS_ELOOP	(-1)	/* a loop, or deeper than maxdepth */
#define ALIAS_ETEMP	(-2)	/* an :include: could not be read, no memory */
#define ALIAS_EBAD	(-3)	/* a malformed :include: file */

/*
 * Expand local@domain.  Targets that are aliases themselves are expanded
 * in turn; a bare local name is taken in the domain of the alias that
 * names it.  An alias that names itself ("alice: alice, bob") gives
 * AK_MAILBOX: deliver to its mailbox, do not expand again.  Any other
 * alias met twice on one path is a loop.  :include: files hold
 * addresses only.  Results are without duplicates.  Returns one of the
 * ALIAS_* codes; on an error why says what.
 */
int	aliases_expand(const struct aliases *, const char *local,
	    const char *domain, const struct alias_env *,
	    struct alias_expansion *, char *why, size_t whylen);
void	aliases_expansion_free(struct alias_expansion *);

#endif
