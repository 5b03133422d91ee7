/*
 * Every posta.conf key (lib/confkeys.def) is documented in
 * man/posta.conf.5 as ".It Cm key", and every key documented in its
 * KEYS section exists.  Run from the top of the source tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"

#define PAGE	"man/posta.conf.5"

struct doc {
	char	**keys;		/* every ".It Cm" word of the page */
	int	 *in_keys;	/* ... and whether it is in .Sh KEYS */
	size_t	  n;
};

static int
read_page(void **state)
{
	struct doc	*d;
	FILE		*fp;
	char		*line = NULL, *w, *e;
	size_t		 cap = 0;
	int		 in_keys = 0;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -1;
	if ((fp = fopen(PAGE, "r")) == NULL) {
		fprintf(stderr, "# %s: not found (run from the top of the "
		    "source tree)\n", PAGE);
		free(d);
		return -1;
	}
	while (getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".Sh ", 4) == 0)
			in_keys = strcmp(line + 4, "KEYS") == 0;
		if (strncmp(line, ".It Cm ", 7) != 0)
			continue;
		w = line + 7;
		e = w + strcspn(w, " \t");
		*e = '\0';
		d->keys = reallocarray(d->keys, d->n + 1, sizeof(*d->keys));
		d->in_keys = reallocarray(d->in_keys, d->n + 1,
		    sizeof(*d->in_keys));
		if (d->keys == NULL || d->in_keys == NULL ||
		    (d->keys[d->n] = strdup(w)) == NULL)
			return -1;
		d->in_keys[d->n++] = in_keys;
	}
	free(line);
	fclose(fp);
	*state = d;
	return 0;
}

static int
free_page(void **state)
{
	struct doc	*d = *state;
	size_t		 i;

	for (i = 0; i < d->n; i++)
		free(d->keys[i]);
	free(d->keys);
	free(d->in_keys);
	free(d);
	return 0;
}

static int
documented(const struct doc *d, const char *key)
{
	size_t	 i;

	for (i = 0; i < d->n; i++)
		if (d->in_keys[i] && strcmp(d->keys[i], key) == 0)
			return 1;
	return 0;
}

static void
test_every_key_is_documented_in_posta_conf_5(void **state)
{
	const struct doc	*d = *state;
	enum conf_key		 k;
	int			 missing = 0;

	for (k = 0; k < C__COUNT; k++)
		if (!documented(d, conf_name(k))) {
			print_error("# key %s is not documented in %s as "
			    "\".It Cm %s\" under .Sh KEYS\n", conf_name(k),
			    PAGE, conf_name(k));
			missing++;
		}
	assert_int_equal(missing, 0);
}

static void
test_every_documented_key_exists(void **state)
{
	const struct doc	*d = *state;
	size_t			 i;
	int			 unknown = 0;

	for (i = 0; i < d->n; i++)
		if (d->in_keys[i] && conf_lookup(d->keys[i]) == C__COUNT) {
			print_error("# %s documents \"%s\", which is not in "
			    "lib/confkeys.def\n", PAGE, d->keys[i]);
			unknown++;
		}
	assert_int_equal(unknown, 0);
}

static void
test_no_key_is_documented_twice(void **state)
{
	const struct doc	*d = *state;
	size_t			 i, j;

	for (i = 0; i < d->n; i++)
		for (j = 0; j < i; j++)
			if (d->in_keys[i] && d->in_keys[j] &&
			    strcmp(d->keys[i], d->keys[j]) == 0)
				fail_msg("%s documented twice", d->keys[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key_is_documented_in_posta_conf_5),
		cmocka_unit_test(test_every_documented_key_exists),
		cmocka_unit_test(test_no_key_is_documented_twice),
	};

	return cmocka_run_group_tests(tests, read_page, free_page);
}
