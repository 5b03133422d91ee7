/*
 * lib/msg, what posta-imapd shows of a message: msg_parse() on any
 * octets, then BODY, BODYSTRUCTURE, ENVELOPE and sections.  Checks that
 * every part lies inside the message, that BODY/BODYSTRUCTURE/ENVELOPE
 * are well-formed IMAP (RFC 3501 9: balanced lists of quoted strings
 * with only TEXT-CHARs and \-escaped quoted-specials, literals of
 * exactly their count, numbers, NIL), so that no header can inject a
 * response; that the CRLF view is what msg_crlf_len() says, and that a
 * section is never longer than the message in that view.
 *
 * Input: 1 octet picking a section, the message.
 */
#include <string.h>

#include "buf.h"
#include "imapparse.h"
#include "msg.h"
#include "fuzz.h"

/* One IMAP value at s[*i]: list, string, literal, number or NIL. */
static void
imap_value(const char *s, size_t n, size_t *i, int depth)
{
	size_t	 j, len;

	FUZZ_CHECK(*i < n && depth < 200);
	if (s[*i] == '(') {
		(*i)++;
		if (*i < n && s[*i] == ')') {
			(*i)++;
			return;
		}
		for (;;) {
			imap_value(s, n, i, depth + 1);
			FUZZ_CHECK(*i < n);
			if (s[*i] == ')') {
				(*i)++;
				return;
			}
			/* SP between values; none between the lists of
			 * 1*body and 1*address (RFC 3501 9) */
			if (s[*i] == '(' && s[*i - 1] == ')')
				continue;
			FUZZ_CHECK(s[*i] == ' ');
			(*i)++;
		}
	}
	if (s[*i] == '"') {
		for ((*i)++; *i < n && s[*i] != '"'; (*i)++) {
			unsigned char c = (unsigned char)s[*i];

			FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0' &&
			    c < 0x80);
			if (c == '\\') {
				(*i)++;
				FUZZ_CHECK(*i < n &&
				    (s[*i] == '"' || s[*i] == '\\'));
			}
		}
		FUZZ_CHECK(*i < n);
		(*i)++;
		return;
	}
	if (s[*i] == '{') {
		for (j = *i + 1, len = 0; j < n && s[j] >= '0' && s[j] <= '9';
		    j++)
			len = len * 10 + (size_t)(s[j] - '0');
		FUZZ_CHECK(j > *i + 1 && j + 2 < n + 1 && s[j] == '}' &&
		    s[j + 1] == '\r' && s[j + 2] == '\n');
		*i = j + 3;
		FUZZ_CHECK(len <= n - *i);
		*i += len;
		return;
	}
	if (n - *i >= 3 && memcmp(s + *i, "NIL", 3) == 0) {
		*i += 3;
		return;
	}
	FUZZ_CHECK(s[*i] >= '0' && s[*i] <= '9');
	while (*i < n && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
}

static void
check_imap(const struct buf *b)
{
	size_t	 i = 0;

	FUZZ_CHECK(b->len > 0);
	imap_value(b->s, b->len, &i, 0);
	FUZZ_CHECK(i == b->len);
}

static void
check_part(const struct msg *m, const struct msg_part *p, size_t *count,
    int depth)
{
	size_t	 i;

	FUZZ_CHECK(depth <= MSG_DEPTH + 2);
	(*count)++;
	FUZZ_CHECK(p->hoff <= m->len && p->hlen <= m->len - p->hoff);
	FUZZ_CHECK(p->boff <= m->len && p->blen <= m->len - p->boff);
	FUZZ_CHECK(p->type != NULL && p->subtype != NULL);
	for (i = 0; i < p->nparams; i++)
		FUZZ_CHECK(p->params[i].name != NULL &&
		    p->params[i].value != NULL);
	for (i = 0; i < p->nkids; i++)
		check_part(m, &p->kids[i], count, depth + 1);
	if (p->inner != NULL)
		check_part(m, p->inner, count, depth + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg		 m;
	struct buf		 b = BUF_INIT;
	struct imap_section	 sec;
	const char		*s;
	size_t			 n, count = 0, crlf;
	int			 sel, i;
	time_t			 t;
	long			 day;

	if (size < 1)
		return 0;
	sel = data[0];
	s = (const char *)data + 1;
	n = size - 1;
	if (msg_parse(&m, s, n) == -1)
		abort();
	check_part(&m, &m.root, &count, 0);
	FUZZ_CHECK(count <= MSG_PARTS + 1);

	crlf = msg_crlf_len(s, n);
	FUZZ_CHECK(msg_add_crlf(&b, s, n) == 0 && b.len == crlf);
	buf_reset(&b);

	FUZZ_CHECK(msg_bodystructure(&b, &m, 0) == 0);
	check_imap(&b);
	buf_reset(&b);
	FUZZ_CHECK(msg_bodystructure(&b, &m, 1) == 0);
	check_imap(&b);
	buf_reset(&b);
	FUZZ_CHECK(msg_envelope(&b, &m, &m.root) == 0);
	check_imap(&b);
	buf_reset(&b);

	/* a section: part numbers 1..4 from sel, then a spec */
	memset(&sec, 0, sizeof(sec));
	sec.npart = sel & 3;
	for (i = 0; i < sec.npart; i++)
		sec.part[i] = 1 + ((sel >> (2 + i)) & 1);
	sec.spec = (enum imap_spec)((sel >> 5) % 5);
	if (sec.spec == SEC_MIME && sec.npart == 0)
		sec.spec = SEC_TEXT;
	FUZZ_CHECK(msg_section(&b, &m, &sec) == 0);
	/* HEADER.FIELDS: a last field and the blank line may get CRLF */
	FUZZ_CHECK(b.len <= crlf + 4);
	if (sec.npart == 0 && sec.spec == SEC_ALL)
		FUZZ_CHECK(b.len == crlf);
	buf_free(&b);

	(void)msg_date(s, n < 200 ? n : 200, &t, &day);
	msg_free(&m);
	return 0;
}
