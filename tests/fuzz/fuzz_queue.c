/*
 * lib/queue's envelope readers.  The input is parsed both as
 * posta-enqueue's input envelope and as a stored envelope.  An
 * accepted input envelope, serialized as the queue stores it, parses
 * back to the same envelope, and serializes again to the same octets;
 * a stored envelope that parses serializes to octets that parse and
 * serialize to the same octets.
 */
#include <string.h>

#include "buf.h"
#include "queue.h"
#include "fuzz.h"

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
same_env(const struct qenv *a, const struct qenv *b)
{
	size_t	 i;

	FUZZ_CHECK(strcmp(a->id, b->id) == 0);
	FUZZ_CHECK(a->arrival == b->arrival);
	FUZZ_CHECK(same_str(a->sender, b->sender));
	FUZZ_CHECK(same_str(a->envid, b->envid));
	FUZZ_CHECK(same_str(a->ret, b->ret));
	FUZZ_CHECK(same_str(a->auth, b->auth));
	FUZZ_CHECK(same_str(a->client, b->client));
	FUZZ_CHECK(a->smtputf8 == b->smtputf8);
	FUZZ_CHECK(a->eightbit == b->eightbit);
	FUZZ_CHECK(a->nrcpt == b->nrcpt);
	for (i = 0; i < a->nrcpt; i++) {
		FUZZ_CHECK(a->rcpt[i].state == b->rcpt[i].state);
		FUZZ_CHECK(a->rcpt[i].next == b->rcpt[i].next);
		FUZZ_CHECK(a->rcpt[i].tries == b->rcpt[i].tries);
		FUZZ_CHECK(same_str(a->rcpt[i].notify, b->rcpt[i].notify));
		FUZZ_CHECK(same_str(a->rcpt[i].orcpt, b->rcpt[i].orcpt));
		FUZZ_CHECK(same_str(a->rcpt[i].addr, b->rcpt[i].addr));
	}
}

/* Serialize e, parse it back, compare; then the same octets again. */
static void
round_trip(const struct qenv *e, int exact)
{
	struct buf	 b1 = BUF_INIT, b2 = BUF_INIT;
	struct qenv	 f;
	char		 err[256];
	size_t		 i;

	FUZZ_CHECK(queue_env_serialize(e, &b1) == 0);
	memset(&f, 0, sizeof(f));
	if (queue_env_parse_stored(b1.s, b1.len, 1000, &f, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "serialized envelope refused: %s\n%s", err,
		    b1.s);
		abort();
	}
	if (exact)
		same_env(e, &f);
	/* the recipient lines are where their offsets say */
	for (i = 0; i < f.nrcpt; i++) {
		FUZZ_CHECK(f.rcpt[i].off >= 1000 &&
		    (size_t)(f.rcpt[i].off - 1000) + QR_PREFIX < b1.len);
		FUZZ_CHECK(b1.s[f.rcpt[i].off - 1000] == 'R');
		FUZZ_CHECK(b1.s[f.rcpt[i].off - 1000 + QR_OFF_STATE] ==
		    f.rcpt[i].state);
	}
	FUZZ_CHECK(queue_env_serialize(&f, &b2) == 0);
	FUZZ_CHECK(b1.len == b2.len);
	FUZZ_CHECK(memcmp(b1.s, b2.s, b1.len) == 0);
	queue_env_free(&f);
	buf_free(&b1);
	buf_free(&b2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qenv	 e;
	char		 err[512];
	const char	*s = (const char *)data;
	size_t		 i;

	err[0] = '\0';
	if (queue_env_parse_input(s, size, 256, 50, &e, err,
	    sizeof(err)) == 0) {
		FUZZ_CHECK(e.sender != NULL && e.nrcpt > 0 && e.nrcpt <= 50);
		for (i = 0; i < e.nrcpt; i++) {
			FUZZ_CHECK(e.rcpt[i].addr != NULL &&
			    *e.rcpt[i].addr != '\0');
			FUZZ_CHECK(strlen(e.rcpt[i].addr) <= 256);
			FUZZ_CHECK(e.rcpt[i].state == QR_PENDING);
		}
		/* what posta-enqueue adds before it writes the file */
		queue_new_id(e.id);
		e.arrival = 1700000000;
		round_trip(&e, 1);
		queue_env_free(&e);
	} else {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(e.sender == NULL && e.rcpt == NULL && e.nrcpt == 0);
	}

	memset(&e, 0, sizeof(e));
	err[0] = '\0';
	if (queue_env_parse_stored(s, size, 0, &e, err, sizeof(err)) == 0) {
		FUZZ_CHECK(e.sender != NULL && e.nrcpt > 0);
		round_trip(&e, 0);
		queue_env_free(&e);
	} else {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(e.sender == NULL && e.rcpt == NULL);
	}
	return 0;
}
