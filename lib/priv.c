#include <sys/types.h>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "priv.h"

void
priv_drop_ids(uid_t uid, gid_t gid)
{
	if (geteuid() != 0)
		return;
	if (setgroups(1, &gid) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid");
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid");
	if (uid != 0 && (geteuid() == 0 || getuid() == 0))
		fatalx("still root after dropping privileges");
}

void
priv_drop(const char *user)
{
	struct passwd	*pw;

	if (geteuid() != 0)
		return;
	if ((pw = getpwnam(user)) == NULL)
		fatalx("unknown user \"%s\" (setting mail_user)", user);
	if (pw->pw_uid == 0)
		fatalx("refusing to run network code as root (%s)", user);
	priv_drop_ids(pw->pw_uid, pw->pw_gid);
}

void
priv_drop_mail_user(void)
{
	struct passwd	*pw;

	if (geteuid() != 0)
		return;
	pw = getpwnam(conf_str(C_mail_user));
	if (pw != NULL && pw->pw_uid == 0)
		return;
	priv_drop(conf_str(C_mail_user));
}
