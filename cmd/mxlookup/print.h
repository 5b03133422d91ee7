/*
 * print: mxlookup's output, one tab-separated line per exchanger or one
 * JSON object per domain, and the exit status of a batch.
 */
#ifndef MXLOOKUP_PRINT_H
#define MXLOOKUP_PRINT_H

#include <stdio.h>

#include "dns.h"

#define PRINT_FIRST	0x1	/* -1: the first exchanger only */
#define PRINT_ADDR	0x2	/* -a: the addresses */
#define PRINT_JSON	0x4	/* -j: JSON lines */

/* Print one domain's list (errors to stderr); returns its exit status:
 * 0, 1 (no mail, or a permanent failure), 75 (temporary). */
int	print_list(FILE *, const struct mxlist *, int flags);

#endif
