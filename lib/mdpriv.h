/*
 * mdpriv: what maildir.c and mdfolder.c share and nobody else uses.
 */
#ifndef POSTA_MDPRIV_H
#define POSTA_MDPRIV_H

struct md_settings {
	int	lock_timeout;	/* maildir_lock_timeout */
	int	lock_stale;	/* maildir_lock_stale */
	int	mtime_date;	/* maildir_mtime_date */
	int	index;		/* maildir_index */
	long long index_min;	/* maildir_index_min */
};
extern struct md_settings md_settings;

struct md_folder;

/* mdfolder.c: f->path + "/" + sub into out (ENAMETOOLONG when it does
 * not fit). */
int	md_subpath(const struct md_folder *, const char *sub, char *out,
	    size_t len);

/* mdindex.c: the folder's posta-index, a view saved by one session for
 * the next (see maildir.h).  mdx_load: 0 when the view is the index's
 * (f->synced set, f->msgs not built yet), -1 when there is none fit to
 * use. */
#define MDX_FILE	"posta-index"
int	mdx_load(struct md_folder *);
/* Build f->msgs from a loaded index left unbuilt (f->idxlazy): 0, or -1
 * (ENOMEM).  mdx_unmap: drop the mapping (after the view's names). */
int	mdx_view(struct md_folder *);
void	mdx_unmap(struct md_folder *);
/* Save the view when it is worth it and safe, under the folder's lock:
 * the caller's, or with trylock one taken here if it is free at once.
 * Failures are silent: the index is only a cache. */
void	mdx_save(struct md_folder *, int trylock);
/* Stat a file as an md_fileid (fd, or path when fd is -1). */
int	mdx_fileid(int fd, const char *path, struct md_fileid *);
int	mdx_fileid_eq(const struct md_fileid *, const struct md_fileid *);

#endif
