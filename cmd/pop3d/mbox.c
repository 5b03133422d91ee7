/*
 * The session's mailbox: INBOX of the user's Maildir through lib/maildir,
 * locked for the session (RFC 1939 8: exclusive access), seen as it was
 * at login: a message delivered during the session waits for the next
 * one (RFC 1939 5: numbers and sizes stay fixed).
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maildir.h"
#include "pop3d.h"

int
mbox_open(struct mbox *mb, const char *dir, size_t max, char *err,
    size_t errlen)
{
	struct md_msg	*mm;
	size_t		 i;
	off_t		 w;

	memset(mb, 0, sizeof(*mb));
	mb->lockfd = -1;
	if ((mb->lockfd = md_pop3_lock(dir)) == -1) {
		if (errno == EWOULDBLOCK || errno == EAGAIN)
			return MBOX_INUSE;
		snprintf(err, errlen, "%s: lock: %s", dir, strerror(errno));
		return -1;
	}
	if ((mb->f = md_open(dir, "INBOX")) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if (md_sync(mb->f, 0, NULL) == -1) {
		/* EAGAIN: the uidlist lock stayed busy */
		snprintf(err, errlen, "%s: reading the mailbox: %s", dir,
		    strerror(errno));
		goto fail;
	}
	mb->uidvalidity = mb->f->uidvalidity;
	if ((mb->m = reallocarray(NULL, mb->f->nmsgs ? mb->f->nmsgs : 1,
	    sizeof(*mb->m))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < mb->f->nmsgs && mb->n < max; i++) {
		mm = &mb->f->msgs[i];
		if (mm->expunged)
			continue;
		if ((w = md_msg_vsize(mb->f, mm)) < 0)
			continue;	/* gone since the scan */
		mb->m[mb->n].idx = i;
		mb->m[mb->n].uid = mm->uid;
		mb->m[mb->n].wsize = (long long)w;
		mb->m[mb->n].deleted = 0;
		mb->m[mb->n].retrieved = 0;
		mb->n++;
	}
	return 0;
fail:
	mbox_close(mb);
	return -1;
}

int
mbox_msg_open(struct mbox *mb, size_t i)
{
	return md_msg_open(mb->f, &mb->f->msgs[mb->m[i].idx]);
}

const char *
mbox_msg_name(const struct mbox *mb, size_t i)
{
	return mb->f->msgs[mb->m[i].idx].name;
}

int
mbox_update(struct mbox *mb, size_t *notremoved)
{
	struct md_msg	*mm;
	size_t		 i;

	*notremoved = 0;
	for (i = 0; i < mb->n; i++) {
		mm = &mb->f->msgs[mb->m[i].idx];
		if (mb->m[i].deleted) {
			/* gone already (an IMAP expunge) is as good */
			if (md_expunge(mb->f, mm) == -1 && errno != ENOENT)
				(*notremoved)++;
		} else if (mb->m[i].retrieved &&
		    (mm->in_new || !(mm->flags & MD_F_SEEN))) {
			/* the S flag is a courtesy: a failure costs nothing */
			(void)md_set_flags(mb->f, mm, mm->flags | MD_F_SEEN,
			    mm->keywords);
		}
	}
	return 0;
}

void
mbox_close(struct mbox *mb)
{
	if (mb->f != NULL)
		md_close(mb->f);
	mb->f = NULL;
	free(mb->m);
	mb->m = NULL;
	mb->n = 0;
	if (mb->lockfd != -1)
		md_pop3_unlock(mb->lockfd);
	mb->lockfd = -1;
}
