/*
 * buf: the one growable byte buffer of posta.  Mail is not NUL-free
 * text, so every buffer carries an explicit length; s is kept
 * NUL-terminated for convenience only.  A buffer may have a bound
 * (max, 0 for none): growing past it fails with EMSGSIZE.  No function
 * here dies; each returns -1 with errno set and leaves the buffer as it
 * was.
 */
#ifndef POSTA_BUF_H
#define POSTA_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* 0: unbounded */
};

#define BUF_INIT	{ NULL, 0, 0, 0 }

void	buf_init(struct buf *, size_t max);
int	buf_reserve(struct buf *, size_t extra);
int	buf_add(struct buf *, const void *, size_t);
int	buf_addc(struct buf *, int);
int	buf_adds(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_vprintf(struct buf *, const char *, va_list);
int	buf_set(struct buf *, const void *, size_t);
void	buf_reset(struct buf *);
void	buf_drop(struct buf *, size_t n);	/* remove the first n bytes */
void	buf_free(struct buf *);
char	*buf_steal(struct buf *);		/* caller frees; buffer emptied */

#endif
