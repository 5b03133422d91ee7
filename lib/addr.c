#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <string.h>

#include "addr.h"
#include "buf.h"

/* RFC 5322 3.2.3 atext */
static int
is_atext(unsigned char c)
{
	if (isalnum(c))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Length of a well-formed UTF-8 sequence at s, or 0 (RFC 3629 4). */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	size_t	 n, i;
	unsigned int cp;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
utf8_valid(const char *s, size_t len)
{
	size_t	 i = 0, n;

	while (i < len) {
		if ((n = utf8_seq((const unsigned char *)s + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

int
addr_is_dot_string(const char *s, size_t len, int utf8)
{
	size_t	 i = 0, n;
	int	 atom = 0;

	if (len == 0)
		return 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (!atom)
				return 0;
			atom = 0;
			i++;
		} else if (c < 0x80) {
			if (!is_atext(c))
				return 0;
			atom = 1;
			i++;
		} else {
			if (!utf8 || (n = utf8_seq((const unsigned char *)s + i,
			    len - i)) == 0)
				return 0;
			atom = 1;
			i += n;
		}
	}
	return atom;
}

/* RFC 5321 4.1.2 Domain, RFC 6531 3.3 U-labels. */
int
addr_valid_domain(const char *s, size_t len, int utf8)
{
	size_t	 i = 0, lab = 0, n;
	unsigned char c, prev = '.';

	if (len == 0 || len > 255)
		return 0;
	while (i < len) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (lab == 0 || prev == '-')
				return 0;
			lab = 0;
			prev = c;
			i++;
			continue;
		}
		if (c >= 0x80) {
			if (!utf8 || (n = utf8_seq((const unsigned char *)s + i,
			    len - i)) == 0)
				return 0;
			i += n;
			lab += n;
			prev = 'a';
			continue;
		}
		if (!isalnum(c) && c != '-')
			return 0;
		if (c == '-' && lab == 0)
			return 0;
		if (++lab > 63)
			return 0;
		prev = c;
		i++;
	}
	return lab > 0 && prev != '-';	/* no trailing dot, no trailing hyphen */
}

/* RFC 5321 4.1.3 address literals. */
static int
valid_literal(const char *s, size_t len)
{
	char	 tmp[64];
	size_t	 i;
	int	 parts = 0, digits = 0, val = 0;

	if (len >= 5 && strncasecmp(s, "IPv6:", 5) == 0) {
		struct in6_addr	 in6;

		if (len - 5 >= sizeof(tmp) || len - 5 < 2)
			return 0;
		for (i = 5; i < len; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' &&
			    s[i] != '.')
				return 0;
		/* RFC 5321 4.1.3 IPv6-addr: the forms inet_pton(3) reads */
		memcpy(tmp, s + 5, len - 5);
		tmp[len - 5] = '\0';
		return inet_pton(AF_INET6, tmp, &in6) == 1;
	}
	for (i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i])) {
			val = val * 10 + (s[i] - '0');
			if (++digits > 3 || val > 255)
				return 0;
		} else if (s[i] == '.') {
			if (digits == 0)
				return 0;
			parts++;
			digits = val = 0;
		} else
			return 0;
	}
	return digits > 0 && parts == 3;
}

/* Parse a domain or address literal at s; returns octets used or 0. */
static size_t
scan_domain(const char *s, size_t len, int flags, struct addr *a)
{
	size_t	 i;

	if (len > 0 && s[0] == '[') {
		for (i = 1; i < len && s[i] != ']'; i++)
			if (s[i] == '[' || s[i] == '\\' ||
			    (unsigned char)s[i] < 33 || (unsigned char)s[i] > 126)
				return 0;
		if (i == len || !valid_literal(s + 1, i - 1))
			return 0;
		i++;
		if (a) {
			if (i >= sizeof(a->domain))
				return 0;
			memcpy(a->domain, s, i);
			a->domain[i] = '\0';
			a->literal = 1;
		}
		return i;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(isalnum(c) || c == '-' || c == '.' || c >= 0x80))
			break;
	}
	if (!addr_valid_domain(s, i, flags & ADDR_UTF8))
		return 0;
	if (a) {
		size_t j;

		if (i >= sizeof(a->domain))
			return 0;
		for (j = 0; j < i; j++)
			a->domain[j] = (unsigned char)s[j] < 0x80 ?
			    (char)tolower((unsigned char)s[j]) : s[j];
		a->domain[i] = '\0';
		a->literal = 0;
	}
	return i;
}

static int
has_nonascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* Mailbox: Local-part "@" Domain.  Returns octets used or 0. */
static size_t
scan_mailbox(const char *s, size_t len, int flags, struct addr *a,
    const char **why)
{
	size_t	 i = 0, o = 0, n, d;

	a->quoted = 0;
	if (len > 0 && s[0] == '"') {
		/* RFC 5321 4.1.2 Quoted-string */
		a->quoted = 1;
		for (i = 1; i < len && s[i] != '"'; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == '\\') {
				if (++i == len || (unsigned char)s[i] < 32 ||
				    (unsigned char)s[i] > 126) {
					*why = "bad quoted pair in local part";
					return 0;
				}
				c = (unsigned char)s[i];
			} else if (c >= 0x80) {
				if (!(flags & ADDR_UTF8) ||
				    (n = utf8_seq((const unsigned char *)s + i,
				    len - i)) == 0) {
					*why = "8-bit local part without SMTPUTF8";
					return 0;
				}
				/* decoded, no longer than a dot-string may be,
				 * so that addr_format() output parses again */
				if (o + n >= ADDR_LOCAL_MAX) {
					*why = "local part too long";
					return 0;
				}
				memcpy(a->local + o, s + i, n);
				o += n;
				i += n - 1;
				continue;
			} else if (c < 32 || c == 127) {
				*why = "control character in local part";
				return 0;
			}
			if (o + 1 >= ADDR_LOCAL_MAX) {
				*why = "local part too long";
				return 0;
			}
			a->local[o++] = (char)c;
		}
		if (i == len) {
			*why = "unterminated quoted local part";
			return 0;
		}
		i++;
		a->local[o] = '\0';
	} else {
		while (i < len && s[i] != '@' && s[i] != '>' && s[i] != ' ')
			i++;
		if (!addr_is_dot_string(s, i, flags & ADDR_UTF8)) {
			/* s is not NUL-terminated: look at s[0..i) only */
			*why = "bad local part";
			for (n = 0; n < i; n++)
				if ((unsigned char)s[n] >= 0x80 &&
				    !(flags & ADDR_UTF8))
					*why = "8-bit local part without SMTPUTF8";
			return 0;
		}
		if (i >= sizeof(a->local) / 2) {
			*why = "local part too long";
			return 0;
		}
		memcpy(a->local, s, i);
		a->local[i] = '\0';
	}
	if (i == len || s[i] != '@') {
		*why = "missing @domain";
		return 0;
	}
	i++;
	if ((d = scan_domain(s + i, len - i, flags, a)) == 0) {
		*why = "bad domain";
		return 0;
	}
	a->utf8 = has_nonascii(a->local) || has_nonascii(a->domain);
	return i + d;
}

int
addr_parse_path(const char *s, size_t len, int flags, size_t maxlen,
    struct addr *a, size_t *used, const char **why)
{
	size_t	 i = 0, n;
	int	 bracket = 1;

	memset(a, 0, sizeof(*a));
	*why = "syntax error in address";
	if (len == 0 || s[0] != '<') {
		if (!(flags & ADDR_NOBRACKET)) {
			*why = "address must be in <>";
			return -1;
		}
		bracket = 0;
	} else
		i = 1;
	if (bracket && i < len && s[i] == '>') {
		if (!(flags & ADDR_NULLOK)) {
			*why = "null address not allowed here";
			return -1;
		}
		a->null = 1;
		*used = i + 1;
		return 0;
	}
	/* RFC 5321 4.1.2 A-d-l: source routes, to be ignored (C.). */
	if (i < len && s[i] == '@') {
		while (i < len && s[i] == '@') {
			i++;
			if ((n = scan_domain(s + i, len - i, flags, NULL)) == 0) {
				*why = "bad source route";
				return -1;
			}
			i += n;
			if (i < len && s[i] == ',') {
				i++;
				continue;
			}
			break;
		}
		if (i == len || s[i] != ':') {
			*why = "bad source route";
			return -1;
		}
		if (flags & ADDR_NOROUTE) {
			*why = "source routes are not accepted";
			return -1;
		}
		a->route = 1;
		i++;
	}
	if ((flags & ADDR_POSTMASTER) && len - i >= 10 &&
	    strncasecmp(s + i, "postmaster", 10) == 0 &&
	    (len - i == 10 || s[i + 10] == '>' || s[i + 10] == ' ')) {
		strlcpy(a->local, "postmaster", sizeof(a->local));
		i += 10;
	} else {
		if ((n = scan_mailbox(s + i, len - i, flags, a, why)) == 0)
			return -1;
		i += n;
	}
	if (bracket) {
		if (i == len || s[i] != '>') {
			*why = "address must end with >";
			return -1;
		}
		i++;
	} else if (i < len && s[i] != ' ') {
		*why = "syntax error in address";
		return -1;
	}
	if (strlen(a->local) + strlen(a->domain) + 1 > maxlen) {
		*why = "address too long";
		return -1;
	}
	*used = i;
	return 0;
}

int
addr_parse(const char *s, int flags, struct addr *a, const char **why)
{
	size_t	 used, len = strlen(s);

	if (addr_parse_path(s, len, flags | ADDR_NOBRACKET, ADDR_MAX, a,
	    &used, why) == -1)
		return -1;
	if (used != len) {
		*why = "trailing text after address";
		return -1;
	}
	return 0;
}

int
addr_format(const struct addr *a, char *out, size_t outlen)
{
	struct buf	 b = BUF_INIT;
	const char	*p;
	int		 n;

	if (a->null) {
		if (outlen < 1)
			return -1;
		out[0] = '\0';
		return 0;
	}
	if (addr_is_dot_string(a->local, strlen(a->local), 1))
		buf_adds(&b, a->local);
	else {
		buf_addc(&b, '"');
		for (p = a->local; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(&b, '\\');
			buf_addc(&b, *p);
		}
		buf_addc(&b, '"');
	}
	if (a->domain[0]) {
		buf_addc(&b, '@');
		buf_adds(&b, a->domain);
	}
	if (b.s == NULL || b.len >= outlen) {
		buf_free(&b);
		return -1;
	}
	memcpy(out, b.s, b.len + 1);
	n = (int)b.len;
	buf_free(&b);
	return n;
}

/*
 * RFC 5322 3.4: address-list.  The scanner works on tokens: quoted
 * strings, comments (nested, dropped), domain literals, specials and
 * atoms; folding (CR, LF followed by white space) is white space.
 */
enum { T_END, T_ATOM, T_QSTR, T_LIT, T_SPECIAL };

struct lex {
	const char	*s;
	size_t		 len, pos;
	struct buf	 tok;
	int		 type;
	int		 space_before;
};

static int
lex_next(struct lex *lx, const char **why)
{
	int	 depth;

	buf_reset(&lx->tok);
	lx->space_before = 0;
	for (;;) {
		while (lx->pos < lx->len && strchr(" \t\r\n",
		    lx->s[lx->pos]) != NULL) {
			lx->pos++;
			lx->space_before = 1;
		}
		if (lx->pos < lx->len && lx->s[lx->pos] == '(') {
			depth = 0;
			while (lx->pos < lx->len) {
				char c = lx->s[lx->pos++];

				if (c == '\\' && lx->pos < lx->len)
					lx->pos++;
				else if (c == '(')
					depth++;
				else if (c == ')' && --depth == 0)
					break;
			}
			if (depth != 0) {
				*why = "unterminated comment";
				return -1;
			}
			lx->space_before = 1;
			continue;
		}
		break;
	}
	if (lx->pos >= lx->len)
		return lx->type = T_END;
	if (lx->s[lx->pos] == '"') {
		lx->pos++;
		while (lx->pos < lx->len && lx->s[lx->pos] != '"') {
			char c = lx->s[lx->pos++];

			if (c == '\\' && lx->pos < lx->len)
				c = lx->s[lx->pos++];
			/* folding inside quotes, even after a backslash
			 * (RFC 5322 3.2.1: a quoted-pair is VCHAR or WSP) */
			if (c == '\r' || c == '\n')
				continue;
			if (buf_addc(&lx->tok, c) == -1)
				return -1;
		}
		if (lx->pos >= lx->len) {
			*why = "unterminated quoted string";
			return -1;
		}
		lx->pos++;
		return lx->type = T_QSTR;
	}
	if (lx->s[lx->pos] == '[') {
		while (lx->pos < lx->len && lx->s[lx->pos] != ']') {
			/* RFC 5322 3.4.1: FWS inside; unfolded, as above */
			if (lx->s[lx->pos] == '\r' || lx->s[lx->pos] == '\n') {
				lx->pos++;
				continue;
			}
			buf_addc(&lx->tok, lx->s[lx->pos++]);
		}
		if (lx->pos >= lx->len) {
			*why = "unterminated domain literal";
			return -1;
		}
		buf_addc(&lx->tok, lx->s[lx->pos++]);
		return lx->type = T_LIT;
	}
	if (strchr("<>@,;:.\\", lx->s[lx->pos]) != NULL) {
		buf_addc(&lx->tok, lx->s[lx->pos++]);
		return lx->type = T_SPECIAL;
	}
	while (lx->pos < lx->len && strchr(" \t\r\n()<>@,;:.\\\"[",
	    lx->s[lx->pos]) == NULL)
		buf_addc(&lx->tok, lx->s[lx->pos++]);
	if (lx->tok.len == 0) {
		/* a stray ")": no token, and no progress either */
		*why = "unexpected character in address list";
		return -1;
	}
	return lx->type = T_ATOM;
}

static int
is_special(struct lex *lx, char c)
{
	return lx->type == T_SPECIAL && lx->tok.s[0] == c;
}

/* Append the current word (atom or quoted string) to out, quoting as RFC 5321 wants. */
static void
add_local_word(struct buf *out, struct lex *lx)
{
	const char	*p;

	if (lx->type == T_QSTR) {
		buf_addc(out, '"');
		for (p = lx->tok.s; p && *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(out, '\\');
			buf_addc(out, *p);
		}
		buf_addc(out, '"');
	} else
		buf_add(out, lx->tok.s, lx->tok.len);
}

/* A space between words, not inside a quoted string: a phrase. */
static int
space_outside_quotes(const char *s, size_t len)
{
	size_t	 i;
	int	 quoted = 0;

	for (i = 0; i < len; i++) {
		if (quoted && s[i] == '\\')
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == ' ' && !quoted)
			return 1;
	}
	return 0;
}

int
addrlist_parse(const char *s, size_t len, int (*fn)(void *, const char *),
    void *arg, const char **why)
{
	struct lex	 lx;
	struct buf	 phrase = BUF_INIT;	/* words seen in this mailbox */
	struct buf	 spec = BUF_INIT;
	int		 r = -1, in_group = 0, words, angle;

	memset(&lx, 0, sizeof(lx));
	lx.s = s;
	lx.len = len;
	/* no NUL in a header (RFC 5322 2.2); one would cut an address short */
	if (memchr(s, '\0', len) != NULL) {
		*why = "NUL in address list";
		return -1;
	}
	*why = "syntax error in address list";
	if (lex_next(&lx, why) == -1)
		goto out;
	for (;;) {
		/* one mailbox, group start, or empty element */
		buf_reset(&spec);
		buf_reset(&phrase);
		words = 0;
		angle = 0;
		if (lx.type == T_END)
			break;
		if (is_special(&lx, ',')) {
			if (lex_next(&lx, why) == -1)
				goto out;
			continue;
		}
		if (is_special(&lx, ';') && in_group) {
			in_group = 0;
			if (lex_next(&lx, why) == -1)
				goto out;
			continue;
		}
		/* Collect a local part / phrase: words and dots. */
		while (lx.type == T_ATOM || lx.type == T_QSTR ||
		    is_special(&lx, '.')) {
			if (lx.type != T_SPECIAL && words > 0 &&
			    lx.space_before && spec.len > 0 &&
			    spec.s[spec.len - 1] != '.')
				buf_addc(&spec, ' ');	/* a phrase, not a dot-atom */
			add_local_word(&spec, &lx);
			words++;
			if (lex_next(&lx, why) == -1)
				goto out;
		}
		if (is_special(&lx, ':')) {
			/* group: display-name ":" [group-list] ";" */
			if (in_group) {
				*why = "nested group";
				goto out;
			}
			in_group = 1;
			if (lex_next(&lx, why) == -1)
				goto out;
			continue;
		}
		if (is_special(&lx, '<')) {
			/* name-addr: the words were a display name */
			angle = 1;
			buf_reset(&spec);
			if (lex_next(&lx, why) == -1)
				goto out;
			/* obsolete route: @a,@b: */
			if (is_special(&lx, '@')) {
				while (lx.type != T_END && !is_special(&lx, ':'))
					if (lex_next(&lx, why) == -1)
						goto out;
				if (lx.type == T_END) {
					*why = "bad route in address";
					goto out;
				}
				if (lex_next(&lx, why) == -1)
					goto out;
			}
			if (is_special(&lx, '>')) {	/* <> */
				if (lex_next(&lx, why) == -1)
					goto out;
				continue;
			}
			while (lx.type == T_ATOM || lx.type == T_QSTR ||
			    is_special(&lx, '.')) {
				add_local_word(&spec, &lx);
				if (lex_next(&lx, why) == -1)
					goto out;
			}
		} else if (words == 0) {
			*why = "unexpected character in address list";
			goto out;
		}
		if (spec.len == 0) {
			*why = "empty address";
			goto out;
		}
		if (space_outside_quotes(spec.s, spec.len)) {
			*why = "address has spaces (display name without <>?)";
			goto out;
		}
		if (is_special(&lx, '@')) {
			buf_addc(&spec, '@');
			if (lex_next(&lx, why) == -1)
				goto out;
			while (lx.type == T_ATOM || lx.type == T_LIT ||
			    is_special(&lx, '.')) {
				buf_add(&spec, lx.tok.s, lx.tok.len);
				if (lex_next(&lx, why) == -1)
					goto out;
			}
			if (spec.s[spec.len - 1] == '@') {
				*why = "missing domain";
				goto out;
			}
		}
		if (angle) {
			if (!is_special(&lx, '>')) {
				*why = "missing > in address";
				goto out;
			}
			if (lex_next(&lx, why) == -1)
				goto out;
		}
		if (fn(arg, spec.s) == -1) {
			*why = "rejected address";
			goto out;
		}
		if (lx.type == T_END)
			break;
		if (is_special(&lx, ';') && in_group)
			continue;
		if (!is_special(&lx, ',')) {
			*why = "expected , between addresses";
			goto out;
		}
	}
	r = 0;
out:
	buf_free(&lx.tok);
	buf_free(&phrase);
	buf_free(&spec);
	return r;
}
