/*
 * audit_path.c - where the audit database lives by default.
 *
 * Purpose: one answer, shared by the supervisor and `proctor audit`:
 * $XDG_STATE_HOME/proctor/audit.db when XDG_STATE_HOME is an absolute
 * path, else ~/.local/state/proctor/audit.db ($HOME, or the password
 * database when HOME is unset).
 *
 * Must never: create anything (audit_open does that in write mode).
 */
#include "audit.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int audit_default_path(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	struct passwd *pw;
	int w;

	if (xdg && xdg[0] == '/') {
		w = snprintf(buf, n, "%s/proctor/audit.db", xdg);
	} else {
		if (!home || home[0] != '/') {
			pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (!home || home[0] != '/')
			return -ENOENT;
		w = snprintf(buf, n, "%s/.local/state/proctor/audit.db",
			     home);
	}
	if (w < 0 || (size_t)w >= n)
		return -ENAMETOOLONG;
	return 0;
}
