/*
 * lib/mdeliver: what posta-local takes from outside when it delivers.
 * Folder names come from the recipient's address extension
 * (user+Lists.posta@...), a host name from the configuration, the
 * message from anyone.  The input's lines are folder names, its first
 * line the host, the whole input the message; 2 octets of it seed the
 * chunking.
 *  - md_folder_name_plain() against a model of maildir.h's rule, and
 *    a valid name never leaves the Maildir: no '/', no "..", no dot
 *    first, no cur/new/tmp part, accepted by the servers' md_name_ok();
 *    md_folder_make() makes exactly maildir/.name (a child of the
 *    Maildir, with cur/ new/ tmp/ and maildirfolder), and for any other
 *    name makes nothing and says EINVAL;
 *  - maildir_name() with the host: one file name (no '/', no ':', no
 *    ',' but before S= and W=), the host read back from its \ooo
 *    escapes, and md_name_parse() reading back the time, the
 *    microseconds, S= and W=; a buffer one octet short is refused;
 *  - maildir_crlf_extra() chunked == whole == one pass;
 *  - a whole delivery (mdeliver_open / _write in chunks / _commit)
 *    into a scratch Maildir: the file in new/ holds the message, its
 *    name says its size and its size with CRLF, tmp/ is empty after;
 *    when the name does not fit, nothing is left in tmp/ or new/.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "maildir.h"
#include "mdeliver.h"
#include "fuzz.h"

static char	 md[64], mdreal[PATH_MAX];

static void
scratch(void)
{
	if (md[0] != '\0')
		return;
	fuzz_scratch(md, sizeof(md), "fuzz_mdeliver");
	if (maildir_make(md) == -1 || realpath(md, mdreal) == NULL)
		abort();
}

/* entries of a folder, "." and ".." not counted */
static size_t
entries(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	if ((d = opendir(dir)) == NULL)
		abort();
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
model_folder_valid(const char *name)
{
	const char	*p, *part;
	size_t		 len = strlen(name), plen;

	if (len == 0 || len > 200 || strcasecmp(name, "INBOX") == 0)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_+=&.", *p) != NULL))
			return 0;
	for (part = name;; part = p + 1) {
		p = strchr(part, '.');
		plen = p ? (size_t)(p - part) : strlen(part);
		if (plen == 0)
			return 0;
		if (plen == 3 && (strncasecmp(part, "cur", 3) == 0 ||
		    strncasecmp(part, "new", 3) == 0 ||
		    strncasecmp(part, "tmp", 3) == 0))
			return 0;
		if (p == NULL)
			return 1;
	}
}

static void
check_folder(const char *name)
{
	char		 out[PATH_MAX], want[PATH_MAX], p[PATH_MAX], real[PATH_MAX];
	static const char *subs[] = { "cur", "new", "tmp", "maildirfolder" };
	struct stat	 st;
	size_t		 i, before;
	int		 v = md_folder_name_plain(name);

	FUZZ_CHECK(v == model_folder_valid(name));
	if (!v) {
		before = entries(md);
		errno = 0;
		FUZZ_CHECK(md_folder_make(md, name, out, sizeof(out)) == -1);
		FUZZ_CHECK(errno == EINVAL);
		FUZZ_CHECK(entries(md) == before);
		return;
	}
	FUZZ_CHECK(strchr(name, '/') == NULL && strstr(name, "..") == NULL);
	FUZZ_CHECK(name[0] != '.');
	FUZZ_CHECK(md_name_ok(name) && !md_is_inbox(name));
	FUZZ_CHECK(md_folder_make(md, name, out, sizeof(out)) == 0);
	snprintf(want, sizeof(want), "%s/.%s", md, name);
	FUZZ_CHECK(strcmp(out, want) == 0);
	FUZZ_CHECK(md_folder_path(md, name, p, sizeof(p)) == 0 &&
	    strcmp(p, want) == 0);
	/* a child of the Maildir itself */
	FUZZ_CHECK(realpath(out, real) != NULL);
	FUZZ_CHECK(strncmp(real, mdreal, strlen(mdreal)) == 0 &&
	    real[strlen(mdreal)] == '/' && real[strlen(mdreal) + 1] == '.' &&
	    strchr(real + strlen(mdreal) + 1, '/') == NULL);
	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", out, subs[i]);
		FUZZ_CHECK(stat(p, &st) == 0);
		FUZZ_CHECK(i == 3 ? S_ISREG(st.st_mode) : S_ISDIR(st.st_mode));
		if (i == 3 ? unlink(p) == -1 : rmdir(p) == -1)
			abort();
	}
	if (rmdir(out) == -1)
		abort();
}

/* The host as the name writes it, read back. */
static void
check_name(const char *host, const uint8_t *seed)
{
	char		 name[MAILDIR_NAMEMAX], back[MAILDIR_NAMEMAX];
	const char	*h, *e, *p;
	struct md_name	 nm;
	time_t		 secs = (time_t)(((uint32_t)seed[0] << 24 |
	    (uint32_t)seed[1] << 16) & 0x7fffffff);
	long		 usec = (seed[0] << 8 | seed[1]) * 15;
	off_t		 size = seed[1] * 1000 + seed[0], w = size + seed[0];
	size_t		 o = 0;
	int		 len, c;

	len = maildir_name(name, sizeof(name), secs, usec, 4242, seed[0],
	    host, size, w);
	if (len == -1)
		return;
	FUZZ_CHECK((size_t)len == strlen(name) && len < MAILDIR_NAMEMAX);
	FUZZ_CHECK(maildir_name(back, (size_t)len, secs, usec, 4242, seed[0],
	    host, size, w) == -1);
	FUZZ_CHECK(maildir_name(back, (size_t)len + 1, secs, usec, 4242,
	    seed[0], host, size, w) == len && strcmp(back, name) == 0);
	FUZZ_CHECK(strchr(name, '/') == NULL && strchr(name, ':') == NULL);
	/* the host: after "Q<n>.", up to ",S=" (the only commas) */
	FUZZ_CHECK((h = strchr(name, 'Q')) != NULL);
	FUZZ_CHECK((h = strchr(h, '.')) != NULL);
	h++;
	FUZZ_CHECK((e = strchr(h, ',')) != NULL);
	FUZZ_CHECK(strncmp(e, ",S=", 3) == 0);
	FUZZ_CHECK((p = strchr(e + 1, ',')) != NULL &&
	    strncmp(p, ",W=", 3) == 0 && strchr(p + 1, ',') == NULL);
	for (p = h; p < e; p++) {
		if (*p == '\\') {
			FUZZ_CHECK(e - p >= 4);
			c = (p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0');
			FUZZ_CHECK(c == '/' || c == ':' || c == ',' || c == '\\');
			back[o++] = (char)c;
			p += 3;
		} else
			back[o++] = *p;
	}
	back[o] = '\0';
	FUZZ_CHECK(strcmp(back, host[0] ? host : "localhost") == 0);
	FUZZ_CHECK(md_name_parse(name, &nm) == 0);
	FUZZ_CHECK(nm.baselen == (size_t)len);
	FUZZ_CHECK(nm.secs == secs && nm.usec == usec);
	FUZZ_CHECK(nm.size == size && nm.vsize == w);
	FUZZ_CHECK(!nm.info);
}

static off_t
model_extra(const char *s, size_t n)
{
	off_t	 x = 0;
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			x++;
	return x;
}

static void
deliver(const char *host, const char *s, size_t n, struct fuzz_chunks *ch)
{
	struct mdeliver	 d;
	struct md_name	 nm;
	struct stat	 st;
	char		 p[PATH_MAX], nd[PATH_MAX], td[PATH_MAX], *back;
	size_t		 off, k;
	off_t		 extra = model_extra(s, n), x = 0;
	int		 prev = 0, fd;

	/* maildir_crlf_extra in pieces */
	for (off = 0; off < n; off += k) {
		k = fuzz_chunks_next(ch, n - off);
		x += maildir_crlf_extra(s + off, k, &prev);
	}
	FUZZ_CHECK(x == extra);
	prev = 0;
	FUZZ_CHECK(maildir_crlf_extra(s, n, &prev) == extra);

	snprintf(nd, sizeof(nd), "%s/new", md);
	snprintf(td, sizeof(td), "%s/tmp", md);
	if (mdeliver_open(&d, md, host) == -1) {
		FUZZ_CHECK(errno == ENAMETOOLONG);
		FUZZ_CHECK(entries(td) == 0 && entries(nd) == 0);
		return;
	}
	for (off = 0; off < n; off += k) {
		k = fuzz_chunks_next(ch, n - off);
		FUZZ_CHECK(mdeliver_write(&d, s + off, k) == 0);
	}
	if (mdeliver_commit(&d) == -1) {
		FUZZ_CHECK(errno == ENAMETOOLONG);
		FUZZ_CHECK(entries(td) == 0 && entries(nd) == 0);
		return;
	}
	FUZZ_CHECK(entries(td) == 0 && entries(nd) == 1);
	FUZZ_CHECK(md_name_parse(d.final, &nm) == 0);
	FUZZ_CHECK(nm.size == (off_t)n && nm.vsize == (off_t)n + extra);
	FUZZ_CHECK(nm.baselen == strlen(d.final));
	snprintf(p, sizeof(p), "%s/%s", nd, d.final);
	FUZZ_CHECK(stat(p, &st) == 0 && st.st_size == (off_t)n);
	if ((back = malloc(n + 1)) == NULL || (fd = open(p, O_RDONLY)) == -1)
		abort();
	FUZZ_CHECK(read(fd, back, n + 1) == (ssize_t)n);
	FUZZ_CHECK(n == 0 || memcmp(back, s, n) == 0);
	close(fd);
	free(back);
	if (unlink(p) == -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_chunks	 ch;
	const uint8_t		*d = data;
	const char		*s, *e, *p, *nl;
	char			*line, *host = NULL;
	size_t			 n = size, nlines = 0;
	uint8_t			 seed[2] = { 0, 0 };

	scratch();
	if (size >= 2) {
		seed[0] = data[0];
		seed[1] = data[1];
	}
	fuzz_chunks_init(&ch, &d, &n, 512);
	s = (const char *)d;
	e = s + n;
	for (p = s; p < e && nlines < 16; p = nl ? nl + 1 : e) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if ((line = strndup(p, nl ? (size_t)(nl - p) :
		    (size_t)(e - p))) == NULL)
			abort();
		check_folder(line);
		if (nlines++ == 0)
			host = line;
		else
			free(line);
	}
	if (host == NULL && (host = strdup("")) == NULL)
		abort();
	check_name(host, seed);
	deliver(host, s, n, &ch);
	free(host);
	return 0;
}
