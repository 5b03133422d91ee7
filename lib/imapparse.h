/*
 * imapparse: IMAP4rev1 command parsing (RFC 3501 9), pure: bytes in, a
 * parsed command or a reason out, no I/O.
 *
 * The server frames a command as it arrives: it reads a line and asks
 * imap_line_literal() whether the line ends with a literal
 * announcement, "{n}" (synchronising: the server sends "+ ..." first)
 * or "{n+}" (LITERAL+, RFC 7888).  If so it reads the n octets, appends
 * them and the next line to the same buffer, and asks again.  When a
 * line ends without a literal the buffer holds the whole command, and
 * imap_parse() turns it into a struct imap_cmd; literals inside are
 * read from the "{n}CRLF" octets in place.
 *
 * Every list has a bound in struct imap_limits (parenthesis depth,
 * search keys, sequence ranges, fetch items, flags, ID parameters), so
 * a hostile command costs bounded memory and time.  Strings are copied
 * out NUL-terminated (their length kept, for literals with NULs);
 * APPEND's message is not copied: cmd->data points into the buffer
 * given to imap_parse(), which must outlive the command.
 */
#ifndef POSTA_IMAPPARSE_H
#define POSTA_IMAPPARSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define IMAP_TAG_MAX	64
#define IMAP_PART_MAX	32	/* depth of a section part number */
#define IMAP_STAR	0	/* "*" in a sequence set: the largest number */

enum imap_name {
	IC_NONE = 0,
	IC_CAPABILITY, IC_NOOP, IC_LOGOUT, IC_STARTTLS, IC_AUTHENTICATE,
	IC_LOGIN, IC_SELECT, IC_EXAMINE, IC_CREATE, IC_DELETE, IC_RENAME,
	IC_SUBSCRIBE, IC_UNSUBSCRIBE, IC_LIST, IC_LSUB, IC_STATUS,
	IC_APPEND, IC_CHECK, IC_CLOSE, IC_EXPUNGE, IC_SEARCH, IC_FETCH,
	IC_STORE, IC_COPY, IC_MOVE, IC_UNSELECT, IC_IDLE, IC_NAMESPACE,
	IC_ID, IC_ENABLE,
};

struct imap_range {
	uint32_t	 lo, hi;	/* IMAP_STAR for "*"; lo may exceed hi */
};

struct imap_seqset {
	struct imap_range	*r;
	size_t			 n;
};

/* section-text (RFC 3501 6.4.5) */
enum imap_spec {
	SEC_ALL = 0,	/* BODY[] or BODY[1.2] */
	SEC_HEADER, SEC_FIELDS, SEC_FIELDS_NOT, SEC_TEXT, SEC_MIME,
};

struct imap_section {
	uint32_t	 part[IMAP_PART_MAX];
	int		 npart;
	enum imap_spec	 spec;
	char		**fields;	/* HEADER.FIELDS names, as given */
	size_t		 nfields;
	char		*text;		/* canonical text between [ and ], for the reply */
	int		 partial;
	uint32_t	 origin, count;
};

enum imap_fetch {
	FA_ENVELOPE, FA_FLAGS, FA_INTERNALDATE, FA_RFC822, FA_RFC822_HEADER,
	FA_RFC822_SIZE, FA_RFC822_TEXT, FA_BODY, FA_BODYSTRUCTURE, FA_UID,
	FA_SECTION,	/* BODY[...] or BODY.PEEK[...] */
};

struct imap_fatt {
	enum imap_fetch		 type;
	int			 peek;
	struct imap_section	 sec;
};

enum imap_skey {
	SK_AND,		/* a parenthesised list, or the whole program */
	SK_ALL, SK_ANSWERED, SK_BCC, SK_BEFORE, SK_BODY, SK_CC, SK_DELETED,
	SK_DRAFT, SK_FLAGGED, SK_FROM, SK_HEADER, SK_KEYWORD, SK_LARGER,
	SK_NEW, SK_NOT, SK_OLD, SK_ON, SK_OR, SK_RECENT, SK_SEEN,
	SK_SENTBEFORE, SK_SENTON, SK_SENTSINCE, SK_SINCE, SK_SMALLER,
	SK_SUBJECT, SK_TEXT, SK_TO, SK_UID, SK_UNANSWERED, SK_UNDELETED,
	SK_UNDRAFT, SK_UNFLAGGED, SK_UNKEYWORD, SK_UNSEEN, SK_SEQ,
};

struct imap_search {
	enum imap_skey		 type;
	char			*str;		/* text, or the HEADER field name */
	char			*str2;		/* HEADER's text */
	uint64_t		 num;		/* LARGER, SMALLER */
	long			 day;		/* dates: days since 1970-01-01 */
	struct imap_seqset	 set;		/* UID, SEQ */
	struct imap_search	*kids;		/* AND, NOT, OR */
	struct imap_search	*next;
};

/* STATUS items */
#define ST_MESSAGES	0x01
#define ST_RECENT	0x02
#define ST_UIDNEXT	0x04
#define ST_UIDVALIDITY	0x08
#define ST_UNSEEN	0x10

struct imap_limits {
	int	 depth;		/* parentheses */
	size_t	 items;		/* keys, ranges, fetch items, flags, fields */
	size_t	 id_params;	/* ID field/value pairs */
};

struct imap_cmd {
	char			 tag[IMAP_TAG_MAX];
	enum imap_name		 name;
	int			 uid;		/* UID FETCH etc. */
	char			*arg[2];	/* mailboxes, user/password, ref/pattern, mechanism/response */
	size_t			 arglen[2];
	struct imap_seqset	 set;
	struct imap_fatt	*fatt;
	size_t			 nfatt;
	char			**flags;	/* STORE, APPEND */
	size_t			 nflags;
	int			 store_mode;	/* '+', '-', '=' */
	int			 silent;
	int			 has_date;
	time_t			 date;		/* APPEND date-time */
	const char		*data;		/* APPEND message (into the buffer) */
	size_t			 datalen;
	struct imap_search	*search;
	int			 status;	/* ST_* */
	char			**list;		/* ID fields and values, ENABLE names */
	size_t			 nlist;
	int			 id_nil;
};

/*
 * Does line s[0..len) end with "{n}" or "{n+}" before its line end?
 * 1: yes, with *n and *nonsync set; 0: no; -1: a malformed or
 * overflowing number.
 */
int	imap_line_literal(const char *s, size_t len, uint64_t *n,
	    int *nonsync);
/*
 * Parse one whole command.  0 on success; -1 on a syntax error, with
 * *why set and cmd->tag set when a tag was read (else empty).  The
 * command must be freed with imap_cmd_free() either way.
 */
int	imap_parse(const char *s, size_t len, const struct imap_limits *,
	    struct imap_cmd *, const char **why);
void	imap_cmd_free(struct imap_cmd *);
void	imap_search_free(struct imap_search *);

/* Is number n in the set, with "*" meaning max? */
int	imap_seq_has(const struct imap_seqset *, uint32_t n, uint32_t max);
/* "d-Mon-yyyy" to days since the epoch in *day (negative before 1970);
 * -1 if malformed. */
int	imap_day(const char *s, size_t len, long *day);
/* RFC 3501 date-time "dd-Mon-yyyy hh:mm:ss +zzzz" to a time; -1 if bad. */
int	imap_datetime(const char *s, size_t len, time_t *);
/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
long	imap_days_from_civil(int y, int m, int d);

/* 1 when s is an RFC 3501 9 atom (what a flag keyword must be). */
int	imap_is_atom(const char *s);

#endif
