/*
 * priv: the one privilege drop, in the one order (setgroups, setresgid,
 * setresuid, then proof that root is gone).  When not running as root
 * it changes nothing: a private instance runs as whoever started it.
 */
#ifndef POSTA_PRIV_H
#define POSTA_PRIV_H

#include <sys/types.h>

/* Drop to user (name); fatal on any failure. */
void	priv_drop(const char *user);
/*
 * The daemons' drop, before they read a byte from the network: to
 * mail_user when running as root, unless mail_user is root itself (a
 * private instance that root runs).
 */
void	priv_drop_mail_user(void);
/* Drop to uid/gid with gid as the only group; fatal on any failure. */
void	priv_drop_ids(uid_t, gid_t);

#endif
