/*
 * hdr: folded header fields for mime-encode; see hdr.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "enc.h"
#include "hdr.h"

#define NAME_MAX_LEN	900	/* keeps every line under 998 (RFC 5322 2.1.1) */

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 2045 5.1 tspecials */
static int
is_tspecial(unsigned char c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

int
hdr_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126 ||
		    s[i] == ':')
			return 0;
	return 1;
}

int
hdr_value_valid(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	for (; *u != '\0'; u++)
		if ((*u < ' ' && *u != '\t') || *u == 127)
			return 0;
	return utf8_valid(s, strlen(s));
}

static char *
trimdup(const char *s, size_t len)
{
	char *r;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if ((r = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(r, s, len);
	r[len] = '\0';
	return r;
}

/* One mailbox, s[0..len). */
static int
mailbox_parse(const char *s, size_t len, struct mailbox *mb, const char **why)
{
	struct addr a;
	char out[ADDR_MAX + 1], *p, *q, *name = NULL, *spec;
	size_t lt;
	int inq = 0, esc = 0;
	size_t i;

	mb->name = mb->addr = NULL;
	if ((p = trimdup(s, len)) == NULL) {
		*why = strerror(errno);
		return -1;
	}
	len = strlen(p);
	if (len == 0) {
		*why = "empty address";
		free(p);
		return -1;
	}
	spec = p;
	if (p[len - 1] == '>') {
		/* the last "<" outside a quoted string */
		lt = len;
		for (i = 0; i < len; i++) {
			if (esc)
				esc = 0;
			else if (inq && p[i] == '\\')
				esc = 1;
			else if (p[i] == '"')
				inq = !inq;
			else if (!inq && p[i] == '<')
				lt = i;
		}
		if (lt == len) {
			*why = "\">\" without \"<\"";
			free(p);
			return -1;
		}
		p[len - 1] = '\0';
		spec = p + lt + 1;
		if ((name = trimdup(p, lt)) == NULL) {
			*why = strerror(errno);
			free(p);
			return -1;
		}
		/* a quoted display name loses its quotes (RFC 5322 3.2.4) */
		if (name[0] == '"') {
			len = strlen(name);
			if (len < 2 || name[len - 1] != '"') {
				*why = "unbalanced quotes in display name";
				goto fail;
			}
			for (q = name, i = 1; i < len - 1; i++) {
				if (name[i] == '\\' && i + 1 < len - 1)
					i++;
				*q++ = name[i];
			}
			*q = '\0';
		}
		if (!hdr_value_valid(name)) {
			*why = "display name is not UTF-8 text";
			goto fail;
		}
		if (strlen(name) > NAME_MAX_LEN) {
			*why = "display name too long";
			goto fail;
		}
		if (name[0] == '\0') {
			free(name);
			name = NULL;
		}
	}
	if (addr_parse(spec, ADDR_UTF8, &a, why) == -1)
		goto fail;
	if (a.null || addr_format(&a, out, sizeof(out)) == -1) {
		*why = "address too long";
		goto fail;
	}
	if ((mb->addr = strdup(out)) == NULL) {
		*why = strerror(errno);
		goto fail;
	}
	mb->name = name;
	free(p);
	return 0;
fail:
	free(name);
	free(p);
	return -1;
}

void
mailboxes_free(struct mailbox *mb, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(mb[i].name);
		free(mb[i].addr);
	}
	free(mb);
}

int
hdr_mailboxes(const char *arg, struct mailbox **list, size_t *n,
    const char **why)
{
	struct mailbox *nl;
	size_t i, start = 0, len = strlen(arg);
	int inq = 0, esc = 0, inangle = 0;

	for (i = 0; i <= len; i++) {
		if (i < len) {
			if (esc) {
				esc = 0;
				continue;
			}
			if (inq && arg[i] == '\\') {
				esc = 1;
				continue;
			}
			if (arg[i] == '"')
				inq = !inq;
			else if (!inq && arg[i] == '<')
				inangle = 1;
			else if (!inq && arg[i] == '>')
				inangle = 0;
			if (inq || inangle || arg[i] != ',')
				continue;
		}
		nl = reallocarray(*list, *n + 1, sizeof(**list));
		if (nl == NULL) {
			*why = strerror(errno);
			return -1;
		}
		*list = nl;
		if (mailbox_parse(arg + start, i - start, &nl[*n], why) == -1)
			return -1;
		(*n)++;
		start = i + 1;
	}
	return 0;
}

/* The display name as a phrase: atoms, a quoted string, or encoded words. */
static int
add_phrase(struct buf *b, const char *name, size_t *col)
{
	size_t i, len = strlen(name), quoted;
	int atoms = 1;

	if (rfc2047_needed(name, len))
		return rfc2047_encode(b, name, len, "utf-8", 1, col);
	for (i = 0; i < len; i++)
		if (!is_atext(name[i]) && !(name[i] == ' ' && i > 0 &&
		    name[i - 1] != ' '))
			atoms = 0;
	if (atoms && name[len - 1] != ' ') {
		*col += len;
		return buf_add(b, name, len);
	}
	/* a quoted string cannot be folded, and each '"' and '\\' in it
	 * doubles: past NAME_MAX_LEN, encoded words, which fold */
	for (i = 0, quoted = len + 2; i < len; i++)
		if (name[i] == '"' || name[i] == '\\')
			quoted++;
	if (quoted > NAME_MAX_LEN)
		return rfc2047_encode(b, name, len, "utf-8", 1, col);
	if (buf_addc(b, '"') == -1)
		return -1;
	for (i = 0; i < len; i++) {
		if ((name[i] == '"' || name[i] == '\\') &&
		    buf_addc(b, '\\') == -1)
			return -1;
		if (buf_addc(b, name[i]) == -1)
			return -1;
		(*col)++;
	}
	*col += 2;
	return buf_addc(b, '"');
}

int
hdr_addresses(struct buf *b, const char *field, const struct mailbox *mb,
    size_t n)
{
	size_t i, col, alen, nlen;

	if (buf_printf(b, "%s:", field) == -1)
		return -1;
	col = strlen(field) + 1;
	for (i = 0; i < n; i++) {
		if (i > 0) {
			if (buf_addc(b, ',') == -1)
				return -1;
			col++;
		}
		alen = strlen(mb[i].addr);
		nlen = mb[i].name ? strlen(mb[i].name) + 3 : 0;
		/* start a new line when the mailbox would not fit */
		if (i > 0 && col + 1 + nlen + alen > HDR_COLS) {
			if (buf_adds(b, "\n") == -1)
				return -1;
			col = 0;
		}
		if (buf_addc(b, ' ') == -1)
			return -1;
		col++;
		if (mb[i].name == NULL) {
			if (buf_adds(b, mb[i].addr) == -1)
				return -1;
			col += alen;
			continue;
		}
		if (add_phrase(b, mb[i].name, &col) == -1)
			return -1;
		if (col + 3 + alen > HDR_COLS) {
			if (buf_addc(b, '\n') == -1)
				return -1;
			col = 0;
		}
		if (buf_printf(b, " <%s>", mb[i].addr) == -1)
			return -1;
		col += alen + 3;
	}
	return buf_addc(b, '\n');
}

int
hdr_unstructured(struct buf *b, const char *field, const char *v)
{
	size_t col, wlen, len = strlen(v);
	const char *w, *e;

	if (buf_printf(b, "%s:", field) == -1)
		return -1;
	col = strlen(field) + 1;
	/* a word too long for any line (998, RFC 5322 2.1.1) is split
	 * into encoded words, the only way to fold inside it */
	for (w = v, wlen = 0; *w != '\0'; w++)
		if ((wlen = *w == ' ' ? 0 : wlen + 1) > NAME_MAX_LEN)
			break;
	if (rfc2047_needed(v, len) || *w != '\0') {
		if (buf_addc(b, ' ') == -1)
			return -1;
		col++;
		if (rfc2047_encode(b, v, len, "utf-8", 0, &col) == -1)
			return -1;
		return buf_addc(b, '\n');
	}
	/* fold before a word that would pass the line (2.2.3) */
	for (w = v; ; w = e + 1) {
		e = strchr(w, ' ');
		if (e == NULL)
			e = v + len;
		wlen = e - w;
		if (w != v && wlen > 0 && col + 1 + wlen > HDR_COLS) {
			if (buf_addc(b, '\n') == -1)
				return -1;
			col = 0;
		}
		if (buf_addc(b, ' ') == -1 || buf_add(b, w, wlen) == -1)
			return -1;
		col += 1 + wlen;
		if (*e == '\0')
			break;
	}
	return buf_addc(b, '\n');
}

/* RFC 2231 7: attribute-char */
static int
is_attrchar(unsigned char c)
{
	return c > ' ' && c < 127 && !is_tspecial(c) && c != '*' &&
	    c != '\'' && c != '%';
}

static int
param_place(struct buf *b, size_t *col, const char *text, size_t len)
{
	if (*col + 2 + len <= HDR_COLS) {
		if (buf_adds(b, "; ") == -1)
			return -1;
		*col += 2 + len;
	} else {
		if (buf_adds(b, ";\n ") == -1)
			return -1;
		*col = 1 + len;
	}
	return buf_add(b, text, len);
}

int
hdr_param(struct buf *b, size_t *col, const char *attr, const char *v)
{
	struct buf t = BUF_INIT, pct = BUF_INIT;
	const unsigned char *u = (const unsigned char *)v;
	static const char hexu[] = "0123456789ABCDEF";
	size_t i, len = strlen(v), room, k, sec;
	int ascii = 1, token = len > 0, r = -1;

	for (i = 0; i < len; i++) {
		if (u[i] < ' ' || u[i] > 126)
			ascii = 0;
		if (u[i] <= ' ' || u[i] > 126 || is_tspecial(u[i]))
			token = 0;
	}
	if (ascii) {
		if (token) {
			if (buf_printf(&t, "%s=%s", attr, v) == -1)
				goto out;
		} else {
			if (buf_printf(&t, "%s=\"", attr) == -1)
				goto out;
			for (i = 0; i < len; i++)
				if (((v[i] == '"' || v[i] == '\\') &&
				    buf_addc(&t, '\\') == -1) ||
				    buf_addc(&t, v[i]) == -1)
					goto out;
			if (buf_addc(&t, '"') == -1)
				goto out;
		}
		if (1 + t.len < HDR_COLS) {
			r = param_place(b, col, t.s, t.len);
			goto out;
		}
	}
	/* RFC 2231 4: charset''percent-encoded, 3: continuations */
	for (i = 0; i < len; i++) {
		if (is_attrchar(u[i]))
			k = buf_addc(&pct, u[i]);
		else
			k = buf_printf(&pct, "%%%c%c", hexu[u[i] >> 4],
			    hexu[u[i] & 15]);
		if ((int)k == -1)
			goto out;
	}
	buf_reset(&t);
	if (buf_printf(&t, "%s*=%s''", attr,
	    utf8_valid(v, len) ? "utf-8" : "unknown-8bit") == -1 ||
	    buf_add(&t, pct.s, pct.len) == -1)
		goto out;
	if (1 + t.len < HDR_COLS) {
		r = param_place(b, col, t.s, t.len);
		goto out;
	}
	for (i = 0, sec = 0; i < pct.len; sec++) {
		buf_reset(&t);
		if (buf_printf(&t, "%s*%zu*=%s", attr, sec, sec == 0 ?
		    (utf8_valid(v, len) ? "utf-8''" : "unknown-8bit''") :
		    "") == -1)
			goto out;
		room = HDR_COLS - 2 - t.len;
		for (k = 0; i < pct.len && k < room; ) {
			size_t step = pct.s[i] == '%' ? 3 : 1;

			if (k + step > room)
				break;
			if (buf_add(&t, pct.s + i, step) == -1)
				goto out;
			i += step;
			k += step;
		}
		if (buf_adds(b, ";\n ") == -1 || buf_add(b, t.s, t.len) == -1)
			goto out;
		*col = 1 + t.len;
	}
	r = 0;
out:
	buf_free(&t);
	buf_free(&pct);
	return r;
}
