#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "smtp.h"

static const struct {
	const char	*name;
	enum smtp_verb	 verb;
} verbs[] = {
	{ "HELO", SMTP_HELO }, { "EHLO", SMTP_EHLO }, { "MAIL", SMTP_MAIL },
	{ "RCPT", SMTP_RCPT }, { "DATA", SMTP_DATA }, { "BDAT", SMTP_BDAT },
	{ "RSET", SMTP_RSET }, { "NOOP", SMTP_NOOP }, { "QUIT", SMTP_QUIT },
	{ "HELP", SMTP_HELP }, { "VRFY", SMTP_VRFY }, { "EXPN", SMTP_EXPN },
	{ "STARTTLS", SMTP_STARTTLS }, { "AUTH", SMTP_AUTH },
	{ "TURN", SMTP_TURN }, { "SEND", SMTP_SEND }, { "SOML", SMTP_SOML },
	{ "SAML", SMTP_SAML }, { "ETRN", SMTP_ETRN },
};

const char *
smtp_verb_name(enum smtp_verb v)
{
	size_t	 i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return "?";
}

static int
hexdigit(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

int
smtp_xtext_valid(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 33 || c > 126 || c == '=')
			return 0;
		if (c == '+') {
			if (i + 2 >= len || !hexdigit(s[i + 1]) ||
			    !hexdigit(s[i + 2]))
				return 0;
			i += 2;
		}
	}
	return 1;
}

/* A HELO/EHLO argument: a domain or an address literal, leniently. */
static int
helo_valid(const char *s)
{
	if (*s == '\0' || strlen(s) > 255)	/* RFC 5321 4.5.3.1.2 */
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr(".-_[]:", *s) == NULL)
			return 0;
	return 1;
}

static int
digits(const char *s, size_t len, long long *out)
{
	long long	 v = 0;
	size_t		 i;

	if (len == 0 || len > 18)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/* RFC 3461 4.1: NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY. */
static int
notify_parse(const char *v, size_t len, char *out, size_t outlen)
{
	static const char *const words[] = { "SUCCESS", "FAILURE", "DELAY" };
	size_t		 wl;
	int		 seen = 0, k, found;
	const char	*p = v, *e = v + len, *c;

	if (len == 5 && strncasecmp(v, "NEVER", 5) == 0) {
		strlcpy(out, "NEVER", outlen);
		return 1;
	}
	out[0] = '\0';
	while (p < e) {
		c = memchr(p, ',', (size_t)(e - p));
		wl = c ? (size_t)(c - p) : (size_t)(e - p);
		found = 0;
		for (k = 0; k < 3; k++) {
			if (wl == strlen(words[k]) &&
			    strncasecmp(p, words[k], wl) == 0) {
				if (seen & (1 << k))
					return 0;
				seen |= 1 << k;
				found = 1;
				if (out[0] != '\0')
					strlcat(out, ",", outlen);
				strlcat(out, words[k], outlen);
			}
		}
		if (!found)
			return 0;
		p += wl;
		if (c != NULL) {
			p++;
			if (p == e)
				return 0;
		}
	}
	return seen != 0;
}

/* One ESMTP parameter of MAIL (mail != 0) or RCPT. */
static int
param(struct smtp_cmd *c, int mail, const char *k, size_t kl, const char *v,
    size_t vl, int hasv, const char **why)
{
#define KEY(s)	(kl == sizeof(s) - 1 && strncasecmp(k, s, kl) == 0)
	if (mail && KEY("SIZE")) {
		if (c->size != -1 || !hasv || !digits(v, vl, &c->size)) {
			*why = "bad SIZE";
			return SMTP_EPARAM;
		}
	} else if (mail && KEY("BODY")) {
		if (c->body8 != -1 || !hasv) {
			*why = "bad BODY";
			return SMTP_EPARAM;
		}
		if (vl == 4 && strncasecmp(v, "7BIT", 4) == 0)
			c->body8 = 0;
		else if (vl == 8 && strncasecmp(v, "8BITMIME", 8) == 0)
			c->body8 = 1;
		else {
			*why = "BODY must be 7BIT or 8BITMIME";
			return SMTP_EPARAM;
		}
	} else if (mail && KEY("SMTPUTF8")) {
		if (hasv || c->smtputf8) {
			*why = "bad SMTPUTF8";
			return SMTP_EPARAM;
		}
		c->smtputf8 = 1;
	} else if (mail && KEY("RET")) {
		if (c->ret[0] != '\0' || !hasv || vl != 4 ||
		    (strncasecmp(v, "FULL", 4) != 0 &&
		    strncasecmp(v, "HDRS", 4) != 0)) {
			*why = "RET must be FULL or HDRS";
			return SMTP_EPARAM;
		}
		c->ret[0] = (char)toupper((unsigned char)v[0]);
		c->ret[1] = (char)toupper((unsigned char)v[1]);
		c->ret[2] = (char)toupper((unsigned char)v[2]);
		c->ret[3] = (char)toupper((unsigned char)v[3]);
		c->ret[4] = '\0';
	} else if (mail && KEY("ENVID")) {
		if (c->envid[0] != '\0' || !hasv || vl == 0 ||
		    vl > SMTP_ENVIDMAX || !smtp_xtext_valid(v, vl)) {
			*why = "bad ENVID";
			return SMTP_EPARAM;
		}
		memcpy(c->envid, v, vl);
		c->envid[vl] = '\0';
	} else if (mail && KEY("AUTH")) {
		/* RFC 4954 5: accepted, and not trusted */
		if (!hasv || (!(vl == 2 && memcmp(v, "<>", 2) == 0) &&
		    !smtp_xtext_valid(v, vl))) {
			*why = "bad AUTH";
			return SMTP_EPARAM;
		}
	} else if (!mail && KEY("NOTIFY")) {
		if (c->notify[0] != '\0' || !hasv ||
		    !notify_parse(v, vl, c->notify, sizeof(c->notify))) {
			c->notify[0] = '\0';
			*why = "bad NOTIFY";
			return SMTP_EPARAM;
		}
	} else if (!mail && KEY("ORCPT")) {
		const char *semi = hasv ? memchr(v, ';', vl) : NULL;
		size_t	 i;

		if (c->orcpt[0] != '\0' || semi == NULL || semi == v ||
		    vl > SMTP_ORCPTMAX || semi + 1 == v + vl ||
		    !smtp_xtext_valid(v, vl)) {
			*why = "bad ORCPT";
			return SMTP_EPARAM;
		}
		for (i = 0; v + i < semi; i++)
			if (!isalnum((unsigned char)v[i]) && v[i] != '-') {
				*why = "bad ORCPT address type";
				return SMTP_EPARAM;
			}
		memcpy(c->orcpt, v, vl);
		c->orcpt[vl] = '\0';
	} else {
		*why = "unknown parameter";
		return SMTP_EPARAM;
	}
	return SMTP_OK;
#undef KEY
}

/* RFC 5321 4.1.2: Mail-parameters, SP-separated esmtp-keyword[=value]. */
static int
params(struct smtp_cmd *c, int mail, const char *p, const char *e,
    const char **why)
{
	const char	*k, *eq, *end;
	int		 r;

	while (p < e) {
		if (*p != ' ') {
			*why = "garbage after address";
			return SMTP_ESYNTAX;
		}
		while (p < e && *p == ' ')
			p++;
		if (p == e)
			break;
		k = p;
		end = memchr(p, ' ', (size_t)(e - p));
		if (end == NULL)
			end = e;
		eq = memchr(k, '=', (size_t)(end - k));
		if (eq == k) {
			*why = "empty parameter name";
			return SMTP_ESYNTAX;
		}
		for (p = k; p < (eq ? eq : end); p++)
			if (!isalnum((unsigned char)*p) && *p != '-') {
				*why = "bad parameter name";
				return SMTP_ESYNTAX;
			}
		if (eq != NULL) {
			for (p = eq + 1; p < end; p++)
				if ((unsigned char)*p < 33 || *p == '=' ||
				    (unsigned char)*p == 127) {
					*why = "bad parameter value";
					return SMTP_ESYNTAX;
				}
		}
		r = param(c, mail, k, (size_t)((eq ? eq : end) - k),
		    eq ? eq + 1 : end, eq ? (size_t)(end - eq - 1) : 0,
		    eq != NULL, why);
		if (r != SMTP_OK)
			return r;
		p = end;
	}
	return SMTP_OK;
}

static int
path_cmd(struct smtp_cmd *c, int mail, size_t maxaddr, const char **why)
{
	const char	*p = c->arg, *e = c->arg + strlen(c->arg);
	const char	*kw = mail ? "FROM:" : "TO:";
	size_t		 used;
	int		 flags;

	if (strncasecmp(p, kw, strlen(kw)) != 0) {
		*why = mail ? "syntax: MAIL FROM:<address>" :
		    "syntax: RCPT TO:<address>";
		return SMTP_ESYNTAX;
	}
	p += strlen(kw);
	while (*p == ' ')	/* not in the grammar, but widely sent */
		p++;
	flags = ADDR_UTF8 | (mail ? ADDR_NULLOK : ADDR_POSTMASTER);
	if (addr_parse_path(p, (size_t)(e - p), flags, maxaddr, &c->path,
	    &used, why) == -1)
		return SMTP_EPATH;
	return params(c, mail, p + used, e, why);
}

int
smtp_parse(const char *s, size_t len, size_t maxaddr, struct smtp_cmd *c,
    const char **why)
{
	const char	*sp, *e;
	size_t		 i, vl, n;

	memset(c, 0, sizeof(*c));
	c->size = -1;
	c->body8 = -1;
	/* RFC 5321 2.3.8: lines end with CRLF, and CR and LF go only there */
	if (len < 2 || s[len - 2] != '\r' || s[len - 1] != '\n' ||
	    memchr(s, '\n', len - 1) != NULL || memchr(s, '\r', len - 2)
	    != NULL) {
		*why = "bare CR or LF refused";
		return SMTP_EBARE;
	}
	n = len - 2;
	if (memchr(s, '\0', n) != NULL) {
		*why = "NUL in command";
		return SMTP_ESYNTAX;
	}
	e = s + n;
	sp = memchr(s, ' ', n);
	vl = sp ? (size_t)(sp - s) : n;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == vl &&
		    strncasecmp(s, verbs[i].name, vl) == 0)
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0])) {
		*why = "command unrecognized";
		return SMTP_EUNKNOWN;
	}
	c->verb = verbs[i].verb;
	if (sp != NULL) {
		if ((size_t)(e - sp - 1) >= sizeof(c->arg)) {
			*why = "argument too long";
			return SMTP_ESYNTAX;
		}
		memcpy(c->arg, sp + 1, (size_t)(e - sp - 1));
		c->arg[e - sp - 1] = '\0';
	}
	*why = "";

	switch (c->verb) {
	case SMTP_HELO:
	case SMTP_EHLO:
		if (!helo_valid(c->arg)) {
			*why = "a domain or address literal is required";
			return SMTP_ESYNTAX;
		}
		break;
	case SMTP_MAIL:
		return path_cmd(c, 1, maxaddr, why);
	case SMTP_RCPT:
		return path_cmd(c, 0, maxaddr, why);
	case SMTP_DATA:
	case SMTP_RSET:
	case SMTP_QUIT:
	case SMTP_STARTTLS:
		if (sp != NULL) {
			*why = "no arguments allowed";
			return SMTP_ESYNTAX;
		}
		break;
	case SMTP_VRFY:
	case SMTP_EXPN:
	case SMTP_AUTH:
		if (c->arg[0] == '\0') {
			*why = "argument required";
			return SMTP_ESYNTAX;
		}
		break;
	case SMTP_BDAT: {
		/* RFC 3030 4: bdat-cmd = "BDAT" SP chunk-size [SP end-marker] */
		const char *a = c->arg, *b = strchr(a, ' ');
		size_t	 al = b ? (size_t)(b - a) : strlen(a);

		if (!digits(a, al, &c->chunk)) {
			*why = "syntax: BDAT size [LAST]";
			return SMTP_ESYNTAX;
		}
		if (b != NULL) {
			if (strcasecmp(b + 1, "LAST") != 0) {
				*why = "syntax: BDAT size [LAST]";
				return SMTP_ESYNTAX;
			}
			c->last = 1;
		}
		break;
	}
	default:
		break;
	}
	return SMTP_OK;
}

/* Decoder states. */
#define D_BOL	0	/* at the start of a line */
#define D_MID	1	/* inside a line */
#define D_CR	2	/* CR seen; only LF may follow */
#define D_DOT	3	/* DATA: "." at the start of a line */
#define D_DOTCR	4	/* DATA: ".\r" at the start of a line */

void
smtp_dec_init(struct smtp_dec *d, int flags, size_t maxline)
{
	memset(d, 0, sizeof(*d));
	d->flags = flags;
	d->maxline = maxline;
	d->state = D_BOL;
	d->result = SMTP_DEC_MORE;
}

static void
dec_col(struct smtp_dec *d)
{
	d->col++;
	if (d->maxline > 0 && d->col > d->maxline)
		d->toolong = 1;
}

int
smtp_dec_run(struct smtp_dec *d, const char *in, size_t inlen, char *out,
    size_t *outlen, size_t *used)
{
	size_t	 i, j, o = 0;
	char	 c;

	*outlen = 0;
	*used = 0;
	if (d->result != SMTP_DEC_MORE)
		return d->result;
	for (i = 0; i < inlen; i++) {
		c = in[i];
		switch (d->state) {
		case D_BOL:
			d->col = 0;
			if (c == '.' && (d->flags & SMTP_DEC_DATA)) {
				dec_col(d);
				d->state = D_DOT;
				break;
			}
			/* FALLTHROUGH */
		case D_MID:
			/* the octets up to the next CR or LF go in one copy */
			for (j = i; j < inlen && in[j] != '\r' && in[j] != '\n'; j++)
				;
			if (j > i) {
				memcpy(out + o, in + i, j - i);
				o += j - i;
				d->col += j - i;
				if (d->maxline > 0 && d->col > d->maxline)
					d->toolong = 1;
				d->state = D_MID;
				i = j - 1;
				break;
			}
			if (c == '\r')
				d->state = D_CR;
			else if (c == '\n')
				goto barelf;
			else {
				out[o++] = c;
				dec_col(d);
				d->state = D_MID;
			}
			break;
		case D_CR:
			if (c != '\n')
				goto barecr;
			out[o++] = '\n';
			d->state = D_BOL;
			break;
		case D_DOT:
			/* RFC 5321 4.5.2: the first dot of a line is removed */
			if (c == '\r')
				d->state = D_DOTCR;
			else if (c == '\n')
				goto barelf;
			else {
				out[o++] = c;
				dec_col(d);
				d->state = D_MID;
			}
			break;
		case D_DOTCR:
			/* RFC 5321 4.1.1.4: the end is <CRLF>.<CRLF>, only */
			if (c != '\n')
				goto barecr;
			*outlen = o;
			*used = i + 1;
			return d->result = SMTP_DEC_END;
		}
	}
	*outlen = o;
	*used = inlen;
	return SMTP_DEC_MORE;
barelf:
	*outlen = o;
	*used = i;
	return d->result = SMTP_DEC_BARELF;
barecr:
	*outlen = o;
	*used = i;
	return d->result = SMTP_DEC_BARECR;
}

int
smtp_dec_finish(struct smtp_dec *d)
{
	if (d->result != SMTP_DEC_MORE)
		return d->result;
	if (d->state == D_CR || d->state == D_DOTCR)
		return d->result = SMTP_DEC_BARECR;
	return SMTP_DEC_MORE;
}

#define H_BOL	0
#define H_LINE	1
#define H_BODY	2

void
smtp_hdr_init(struct smtp_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->state = H_BOL;
}

void
smtp_hdr_scan(struct smtp_hdr *h, const char *p, size_t n)
{
	static const char	 want[] = "received:";
	size_t			 i;

	for (i = 0; i < n && h->state != H_BODY; i++) {
		if (h->state == H_BOL) {
			if (h->match == 0 && p[i] == '\n') {
				h->state = H_BODY;	/* the empty line */
				continue;
			}
			if (tolower((unsigned char)p[i]) == want[h->match]) {
				if (++h->match == sizeof(want) - 1) {
					h->received++;
					h->match = 0;
					h->state = H_LINE;
				}
				continue;
			}
			h->match = 0;
			h->state = H_LINE;
		}
		if (p[i] == '\n')
			h->state = H_BOL;
	}
}
