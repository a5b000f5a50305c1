/*
 * nondumpable_open.c - a non-dumpable agent (PR_SET_DUMPABLE 0): the
 * supervisor may be unable to read its memory; it must then deny, never
 * let the call through unexamined.
 *
 * Usage: nondumpable_open FORBIDDEN [drop]
 *
 * With `drop`, the program first becomes uid/gid 65534 (nobody), so that
 * a same-uid supervisor could not read it either. The forbidden file must
 * be readable by nobody for the native run to reach it.
 */
#include <grp.h>
#include <sys/prctl.h>

#include "hostile.h"

int main(int argc, char **argv)
{
	int r;

	hostile_usage(argc, 2, "nondumpable_open FORBIDDEN [drop]");
	if (argc > 2 && strcmp(argv[2], "drop") == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			hostile_setup("cannot become nobody");
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		hostile_setup("PR_SET_DUMPABLE");
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		hostile_setup("still dumpable");
	r = hostile_open_check(argv[1]);
	if (r > 0)
		hostile_reached("non-dumpable, read %s", argv[1]);
	hostile_blocked(r == 0 ? ENODATA : -r, "open %s", argv[1]);
}
