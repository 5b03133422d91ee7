/*
 * lib/uidlist and lib/maildir's names: what a folder's dovecot-uidlist
 * and its file names may hold, written by anyone (Dovecot, a crash, an
 * attacker with shell access to their own Maildir).
 *  - uidlist_parse(): records sorted by UID, UIDs below the next UID,
 *    each found again by its base; the list rewritten by uidlist_write()
 *    (into a scratch folder) reads back the same;
 *  - md_name_parse() on each line: the base is a prefix; the name with
 *    its flags rewritten (md_name_with_flags) parses to the same base,
 *    flags and keywords; md_flags_format() and md_flags_parse() agree;
 *    md_name_ok() never passes a name that leaves the Maildir.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "maildir.h"
#include "uidlist.h"
#include "fuzz.h"

static char	 dir[64];

static void
same_list(const struct uidlist *a, const struct uidlist *b)
{
	size_t	 i, j;

	FUZZ_CHECK(a->uidvalidity == b->uidvalidity);
	FUZZ_CHECK(a->nextuid == b->nextuid);
	FUZZ_CHECK(strcmp(a->guid, b->guid) == 0);
	for (i = j = 0; i < a->nrecs; i++) {
		if (a->recs[i].name == NULL)
			continue;
		while (j < b->nrecs && b->recs[j].name == NULL)
			j++;
		FUZZ_CHECK(j < b->nrecs);
		FUZZ_CHECK(a->recs[i].uid == b->recs[j].uid);
		FUZZ_CHECK(strcmp(a->recs[i].name, b->recs[j].name) == 0);
		FUZZ_CHECK(strcmp(a->recs[i].ext, b->recs[j].ext) == 0);
		j++;
	}
}

static void
fuzz_list(const char *s, size_t n)
{
	struct uidlist	 ul, again;
	struct uidrec	*r;
	char		 path[PATH_MAX];
	size_t		 i;

	if (uidlist_init(&ul, dir) == -1)
		abort();
	if (uidlist_parse(&ul, s, n) == -1) {
		uidlist_free(&ul);
		return;
	}
	for (i = 0; i < ul.nrecs; i++) {
		r = &ul.recs[i];
		if (i > 0)
			FUZZ_CHECK(ul.recs[i - 1].uid < r->uid);
		FUZZ_CHECK(r->uid > 0 && r->uid < ul.nextuid);
		FUZZ_CHECK(r->ext != NULL);
		if (r->name == NULL)
			continue;
		FUZZ_CHECK(r->baselen <= strlen(r->name));
		FUZZ_CHECK(strpbrk(r->name, "\n") == NULL);
		FUZZ_CHECK(uidlist_find(&ul, r->name, r->baselen) != NULL);
		FUZZ_CHECK(uidlist_find_uid(&ul, r->uid) == r);
	}
	/* rewritten, it reads back the same */
	ul.dirty = 1;
	if (uidlist_lock(&ul, 1, 120) == -1)
		abort();
	if (uidlist_write(&ul) == -1) {
		fprintf(stderr, "uidlist_write: %s\n", strerror(errno));
		abort();
	}
	uidlist_unlock(&ul);
	if (uidlist_init(&again, dir) == -1)
		abort();
	FUZZ_CHECK(uidlist_refresh(&again) >= 0);
	same_list(&ul, &again);
	uidlist_free(&again);
	uidlist_free(&ul);
	snprintf(path, sizeof(path), "%s/%s", dir, UIDLIST_FILE);
	unlink(path);
}

static void
fuzz_name(const char *name)
{
	struct md_name	 a, b;
	char		 out[PATH_MAX], fl[64];
	unsigned int	 flags;
	uint32_t	 kw;

	if (md_name_ok(name)) {
		FUZZ_CHECK(strchr(name, '/') == NULL);
		FUZZ_CHECK(md_is_inbox(name) || (name[0] != '.' &&
		    strstr(name, "..") == NULL));
	}
	if (md_name_parse(name, &a) == -1)
		return;
	FUZZ_CHECK(a.baselen <= strlen(name));
	FUZZ_CHECK((a.flags & ~MD_F_ALL) == 0);
	FUZZ_CHECK(a.size >= -1 && a.vsize >= -1);
	if (md_name_with_flags(name, a.baselen, a.flags, a.keywords, out,
	    sizeof(out)) == -1)
		return;
	FUZZ_CHECK(md_name_parse(out, &b) == 0);
	FUZZ_CHECK(b.baselen == a.baselen &&
	    memcmp(out, name, a.baselen) == 0);
	FUZZ_CHECK(b.flags == a.flags && b.keywords == a.keywords);
	FUZZ_CHECK(b.size == a.size && b.vsize == a.vsize);
	FUZZ_CHECK(md_flags_format(a.flags, a.keywords, fl, sizeof(fl)) >= 0);
	md_flags_parse(fl, &flags, &kw);
	FUZZ_CHECK(flags == a.flags && kw == a.keywords);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data, *p, *e = s + size, *nl;
	char		*line;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/fuzz-uidlist.%ld",
		    (long)getpid());
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			abort();
	}
	fuzz_list(s, size);
	for (p = s; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		if ((line = strndup(p, (size_t)(nl - p))) == NULL)
			abort();
		fuzz_name(line);
		/* the name part of a uidlist line */
		if (strchr(line, ':') != NULL)
			fuzz_name(strchr(line, ':') + 1);
		free(line);
	}
	return 0;
}
