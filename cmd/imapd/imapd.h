/*
 * posta-imapd: one IMAP4rev1 session on stdin/stdout; see posta-imapd(8).
 */
#ifndef POSTA_IMAPD_H
#define POSTA_IMAPD_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imapparse.h"
#include "io.h"
#include "users.h"

struct tls;
struct md_folder;
struct md_msg;

enum imap_state { S_NOTAUTH, S_AUTH, S_SELECTED, S_LOGOUT };

struct imapd {
	/* set up by main.c */
	int			 implicit_tls;
	struct tlsx_server	*tls_server;	/* NULL: no STARTTLS */
	char			 peer_ip[64];
	int			 loopback;
	struct users		 users;
	char			 hostname[256];

	/* the session */
	struct io		 io;
	int			 tls_on;
	enum imap_state		 state;
	char			*user;		/* address logged in */
	char			*maildir;
	int			 auth_fails;
	int			 errors;	/* BAD replies in a row */
	long long		 ncommands;
	struct imap_limits	 lim;
	struct buf		 cmd;		/* the command being framed */
	struct buf		 line;
	struct buf		 out;		/* one response being built */

	/* the selected folder */
	struct md_folder	*sel;
	int			 readonly;
	size_t			 nknown;	/* messages the client was told of */
	uint32_t		 kwtold;	/* keywords the client was told of */
};

/* imapd.c: the session */
void	imapd_session(struct imapd *) __attribute__((noreturn));
int	reply(struct imapd *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	imapd_report(struct imapd *, int expunges);

/* folder.c: names and folder commands */
int	folder_disk_name(const char *wire, size_t len, char *out,
	    size_t outlen, const char **why);
/* The response code and text of a failure for want of space (ENOSPC,
 * EDQUOT), NULL for any other error. */
const char *imapd_full_reply(int e);
void	cmd_folders(struct imapd *, struct imap_cmd *);
void	cmd_select(struct imapd *, struct imap_cmd *);
void	cmd_append(struct imapd *, struct imap_cmd *);
void	cmd_status(struct imapd *, struct imap_cmd *);
void	folder_unselect(struct imapd *);

/* mail.c: the selected folder's commands */
void	cmd_fetch(struct imapd *, struct imap_cmd *);
void	cmd_store(struct imapd *, struct imap_cmd *);
void	cmd_search(struct imapd *, struct imap_cmd *);
void	cmd_copy(struct imapd *, struct imap_cmd *);
void	cmd_expunge(struct imapd *, struct imap_cmd *);
void	cmd_idle(struct imapd *, struct imap_cmd *);
int	mail_flags_out(struct imapd *, struct buf *, const struct md_msg *);
int	mail_flag_list(struct imapd *, struct buf *);
int	mail_parse_flags(struct imapd *, struct md_folder *, char **flags,
	    size_t n, unsigned int *fl, uint32_t *kw, const char **why);
int	mail_is_recent(const struct imapd *, const struct md_msg *);
void	mail_flags_changed(struct imapd *, int always);

#endif
