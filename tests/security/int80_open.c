/*
 * int80_open.c - open the forbidden file through the i386 system-call
 * entry (`int $0x80`, i386 open = 5) from a 64-bit process. A filter that
 * only knows x86_64 numbers would see i386 calls with other meanings.
 *
 * Usage: int80_open FORBIDDEN
 *
 * The path must sit below 4 GiB (the i386 ABI passes 32-bit pointers):
 * MAP_32BIT. The descriptor is then read with the normal 64-bit read.
 * Under proctor the process must die (the filter's bad-arch action is
 * SECCOMP_RET_KILL_PROCESS: SIGSYS).
 */
#include <sys/mman.h>

#include "hostile.h"

int main(int argc, char **argv)
{
	char *low;
	long ret;

	hostile_usage(argc, 2, "int80_open FORBIDDEN");
	low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED)
		hostile_setup("mmap MAP_32BIT");
	hostile_fmt(low, 4096, "%s", argv[1]);
	printf("NOTE int $0x80 open(%s)\n", argv[1]);
	fflush(stdout);
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(5L), "b"((long)(unsigned long)low),
			   "c"((long)O_RDONLY), "d"(0L)
			 : "memory", "r8", "r9", "r10", "r11");
	if (ret < 0)
		hostile_blocked((int)-ret, "i386 open returned %ld", ret);
	if (hostile_check_fd((int)ret) > 0)
		hostile_reached("i386 open(%s) read the marker", argv[1]);
	hostile_blocked(ENODATA, "opened without the marker");
}
