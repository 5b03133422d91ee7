/*
 * fuzz.h: what the libFuzzer targets share.  A target is
 * LLVMFuzzerTestOneInput() in tests/fuzz/fuzz_<name>.c; it checks the
 * module's promises (round trips, bounds) with FUZZ_CHECK, which aborts
 * so that libFuzzer keeps the input as a crash.
 */
#ifndef POSTA_FUZZ_H
#define POSTA_FUZZ_H

#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/*
 * Chunk sizes for feeding a streaming coder: the first octets of the
 * input seed a small generator, so that one input always splits the
 * same way and libFuzzer can explore the splits too.
 */
struct fuzz_chunks {
	uint32_t	 x;
	size_t		 max;
};

static inline void
fuzz_chunks_init(struct fuzz_chunks *c, const uint8_t **d, size_t *n,
    size_t max)
{
	c->x = 0x9e3779b9u;
	c->max = max;
	if (*n >= 2) {
		c->x ^= (uint32_t)(*d)[0] << 8 | (*d)[1];
		*d += 2;
		*n -= 2;
	}
}

static inline size_t
fuzz_chunks_next(struct fuzz_chunks *c, size_t left)
{
	size_t	 k;

	/* xorshift32 */
	c->x ^= c->x << 13;
	c->x ^= c->x >> 17;
	c->x ^= c->x << 5;
	/* mostly small pieces (splits at every boundary), sometimes large */
	k = (c->x & 3) == 0 ? c->x % (c->max + 1) : c->x % 5;
	if (k == 0)
		k = 1;
	return k < left ? k : left;
}

/*
 * A scratch folder for targets that work on files, made once:
 * /dev/shm/<name>.XXXXXX (memory, so fsync is cheap), else /tmp;
 * removed with what is in it when the fuzzer exits.
 */
static char	fuzz_scratch_made[64];

static inline int
fuzz_scratch_rm1(const char *p, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(p);
	return 0;
}

static inline void
fuzz_scratch_rm(void)
{
	if (fuzz_scratch_made[0] != '\0')
		(void)nftw(fuzz_scratch_made, fuzz_scratch_rm1, 16,
		    FTW_DEPTH | FTW_PHYS);
}

static inline void
fuzz_scratch(char *dir, size_t len, const char *name)
{
	if (dir[0] != '\0')
		return;
	if ((size_t)snprintf(dir, len, "/dev/shm/%s.XXXXXX", name) >= len)
		abort();
	if (mkdtemp(dir) == NULL &&
	    ((size_t)snprintf(dir, len, "/tmp/%s.XXXXXX", name) >= len ||
	    mkdtemp(dir) == NULL))
		abort();
	if (strlcpy(fuzz_scratch_made, dir, sizeof(fuzz_scratch_made)) <
	    sizeof(fuzz_scratch_made))
		atexit(fuzz_scratch_rm);
}

/* Make the file path hold exactly the n octets at s. */
static inline void
fuzz_put(const char *path, const char *s, size_t n)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		abort();
	if (n > 0 && write(fd, s, n) != (ssize_t)n)
		abort();
	close(fd);
}

#endif
