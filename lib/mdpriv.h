/*
 * mdpriv: what maildir.c and mdfolder.c share and nobody else uses.
 */
#ifndef POSTA_MDPRIV_H
#define POSTA_MDPRIV_H

struct md_settings {
	int	lock_timeout;	/* maildir_lock_timeout */
	int	lock_stale;	/* maildir_lock_stale */
	int	mtime_date;	/* maildir_mtime_date */
};
extern struct md_settings md_settings;

#endif
