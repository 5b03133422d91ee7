/*
 * log: syslog (facility mail, ident the program's name), or stderr when
 * the program runs in the foreground or verbosely.  log_warn appends
 * strerror(errno); fatal/fatalx log and exit with the given status
 * (EX_TEMPFAIL unless a program says otherwise).  errno is preserved.
 */
#ifndef POSTA_LOG_H
#define POSTA_LOG_H

#include <stdarg.h>

void	log_init(const char *ident, int foreground, int verbose);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_setexit(int);	/* exit status of fatal()/fatalx() */
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
const char *log_ident(void);

#endif
