/*
 * Destinations and their back-off memory, queue_dir/backoff: one line
 * per destination that failed as a whole, "domain failures next-try",
 * so that a dead host is tried once per interval, not once per message
 * queued for it, and so that the memory survives a restart or a cron
 * run.  Losing the file only costs one try per destination.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "runner.h"

struct dest *
dest_get(const char *name)
{
	struct dest	*d;
	size_t		 i;

	if (R.dests.tqh_first == NULL && R.dests.tqh_last == NULL)
		TAILQ_INIT(&R.dests);
	TAILQ_FOREACH(d, &R.dests, entry)
		if (strcasecmp(d->name, name) == 0)
			return d;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if (strlcpy(d->name, name, sizeof(d->name)) >= sizeof(d->name)) {
		free(d);
		return NULL;
	}
	for (i = 0; d->name[i]; i++)
		d->name[i] = (char)tolower((unsigned char)d->name[i]);
	TAILQ_INSERT_TAIL(&R.dests, d, entry);
	return d;
}

void
dest_result(struct dest *d, int reachable)
{
	struct task	*t;
	size_t		 k, n;

	if (reachable) {
		if (d->fails || d->next) {
			d->fails = 0;
			d->next = 0;
			R.backoff_dirty = 1;
		}
		return;
	}
	d->fails++;
	d->next = runner_now() + retry_interval(d->fails);
	R.backoff_dirty = 1;
	log_info("%s: destination deferred, next try in %lld s",
	    d->name, (long long)(d->next - runner_now()));
	if (R.flush)
		return;
	/* what waits for it waits for the destination's next try */
	t = d->t;
	n = d->nt;
	d->t = NULL;
	d->nt = d->cap = 0;
	for (k = 0; k < n; k++)
		t[k].m->ri[t[k].idx].inflight = 0;
	for (k = 0; k < n; k++)
		msg_task_done(t[k].m);
	free(t);
}

void
backoff_load(void)
{
	struct buf	 p = BUF_INIT;
	struct dest	*d;
	FILE		*fp;
	char		 name[256];
	long long	 next;
	int		 fails;

	if (R.dests.tqh_first == NULL && R.dests.tqh_last == NULL)
		TAILQ_INIT(&R.dests);
	if (queue_path(&p, R.qdir, "backoff", NULL) == -1)
		return;
	if ((fp = fopen(p.s, "r")) == NULL) {
		if (errno != ENOENT)
			log_warn("%s", p.s);
		buf_free(&p);
		return;
	}
	while (fscanf(fp, "%255s %d %lld\n", name, &fails, &next) == 3)
		if ((d = dest_get(name)) != NULL) {
			d->fails = fails;
			d->next = (time_t)next;
		}
	fclose(fp);
	buf_free(&p);
}

void
backoff_save(void)
{
	struct buf	 p = BUF_INIT, tmp = BUF_INIT;
	struct dest	*d;
	FILE		*fp;

	R.backoff_dirty = 0;
	if (queue_path(&p, R.qdir, "backoff", NULL) == -1 ||
	    buf_printf(&tmp, "%s.%d", p.s, (int)getpid()) == -1)
		goto done;
	if ((fp = fopen(tmp.s, "w")) == NULL) {
		log_warn("%s", tmp.s);
		goto done;
	}
	TAILQ_FOREACH(d, &R.dests, entry)
		if (d->fails > 0)
			fprintf(fp, "%s %d %lld\n", d->name, d->fails,
			    (long long)d->next);
	/* no sync: a lost file costs one try per destination */
	if (fclose(fp) == EOF || rename(tmp.s, p.s) == -1) {
		log_warn("%s", p.s);
		unlink(tmp.s);
	}
done:
	buf_free(&p);
	buf_free(&tmp);
}
