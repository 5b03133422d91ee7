/*
 * posta.conf through conf_load_mem().  A refused file gets a message
 * that names the file; of an accepted one, every value that is not the
 * default is written back as a "key = value" line, and that file reads
 * back to the same values.
 */
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "fuzz.h"

#define NAME	"/fuzz/posta.conf"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 out = BUF_INIT;
	char		 err[1024], *str[C__COUNT];
	long long	 num[C__COUNT];
	enum conf_key	 k;
	static char	*def[C__COUNT];
	static int	 have_def;

	conf_reset();
	if (!have_def) {
		for (k = 0; k < C__COUNT; k++)
			if ((def[k] = strdup(conf_str(k))) == NULL)
				abort();
		have_def = 1;
	}
	err[0] = '\0';
	if (conf_load_mem((const char *)data, size, NAME, err,
	    sizeof(err)) == -1) {
		FUZZ_CHECK(strncmp(err, NAME ":", strlen(NAME ":")) == 0);
		conf_reset();
		return 0;
	}
	FUZZ_CHECK(strcmp(conf_file(), NAME) == 0);
	for (k = 0; k < C__COUNT; k++) {
		FUZZ_CHECK(conf_lookup(conf_name(k)) == k);
		FUZZ_CHECK(conf_str(k) != NULL);
		if ((str[k] = strdup(conf_str(k))) == NULL)
			abort();
		num[k] = conf_num(k);
		FUZZ_CHECK(strchr(str[k], '\n') == NULL);
		if (strcmp(str[k], def[k]) != 0 &&
		    buf_printf(&out, "%s = %s\n", conf_name(k), str[k]) == -1)
			abort();
	}
	conf_reset();
	if (conf_load_mem(out.s, out.len, NAME, err, sizeof(err)) == -1) {
		fprintf(stderr, "written back: %s\n", err);
		abort();
	}
	for (k = 0; k < C__COUNT; k++) {
		FUZZ_CHECK(strcmp(conf_str(k), str[k]) == 0);
		FUZZ_CHECK(conf_num(k) == num[k]);
		free(str[k]);
	}
	buf_free(&out);
	conf_reset();
	return 0;
}
