/*
 * proc_self_cwd.c - the forbidden file through the cwd magic link.
 *
 * Usage: proc_self_cwd ALLOWED_DIR FORBIDDEN REL
 *
 * With the cwd in ALLOWED_DIR: /proc/self/cwd/REL and /proc/PID/cwd/REL
 * (REL climbs out with ..). With the cwd in the forbidden file's directory
 * (chdir is not an access to the file): /proc/self/cwd/NAME,
 * /proc/thread-self/cwd/NAME, /proc/PID/cwd/NAME and ./NAME.
 */
#include <limits.h>

#include "hostile.h"

int main(int argc, char **argv)
{
	static char p[PATH_MAX * 2], dir[PATH_MAX], name[PATH_MAX];

	hostile_usage(argc, 4, "proc_self_cwd ALLOWED_DIR FORBIDDEN REL");
	hostile_split(argv[2], dir, name, sizeof(dir));

	if (chdir(argv[1]) < 0)
		hostile_setup("chdir %s", argv[1]);
	hostile_fmt(p, sizeof(p), "/proc/self/cwd/%s", argv[3]);
	hostile_try_open("cwd allowed, /proc/self/cwd/REL", p);
	hostile_fmt(p, sizeof(p), "/proc/%d/cwd/%s", (int)getpid(), argv[3]);
	hostile_try_open("cwd allowed, /proc/PID/cwd/REL", p);

	if (chdir(dir) < 0) {
		hostile_result(-errno, "chdir %s", dir);
		hostile_finish("cannot enter the forbidden directory");
	}
	hostile_fmt(p, sizeof(p), "/proc/self/cwd/%s", name);
	hostile_try_open("cwd forbidden, /proc/self/cwd/NAME", p);
	hostile_fmt(p, sizeof(p), "/proc/thread-self/cwd/%s", name);
	hostile_try_open("cwd forbidden, /proc/thread-self/cwd/NAME", p);
	hostile_fmt(p, sizeof(p), "/proc/%d/cwd/%s", (int)getpid(), name);
	hostile_try_open("cwd forbidden, /proc/PID/cwd/NAME", p);
	hostile_fmt(p, sizeof(p), "./%s", name);
	hostile_try_open("cwd forbidden, ./NAME", p);
	hostile_finish("/proc/.../cwd paths to the forbidden file");
}
