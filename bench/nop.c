/*
 * nop.c - the smallest program execve can run: no libc, no dynamic loader,
 * no file opened. micro's exec benchmark runs it, so what is timed is the
 * exec itself (and, under proctor, its decision and verification).
 *
 * Built with -static -nostdlib (bench/Makefile); x86_64 only.
 */
void _start(void);

void _start(void)
{
	__asm__ volatile("mov $60, %eax\n\t"	/* exit(0) */
			 "xor %edi, %edi\n\t"
			 "syscall");
	__builtin_unreachable();
}
