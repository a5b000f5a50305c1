/*
 * scale.c - many callers trapping at once: throughput and the worst wait.
 *
 *   scale threads T K DIR   T threads of one process, K open+close each
 *   scale procs   P K DIR   P short processes (fork, K open+close, exit)
 *
 * Every worker waits at a start gate, then opens DIR/file K times, timing
 * each open (CLOCK_MONOTONIC, vDSO). Prints one line:
 *
 *   scale MODE workers=W calls=C secs=S calls_per_s=X p50_us=A p99_us=B
 *         max_us=M first_done_s=F last_done_s=L fails=E
 *
 * secs runs from the gate opening to the last worker's end (for procs, to
 * the last exit reaped). first_done_s/last_done_s are when the fastest and
 * slowest worker finished its K calls: a starved worker shows as a
 * last_done_s far beyond the others and a huge max_us.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct scale_shared {
	double gate_ns;			/* set before the gate opens */
	double done_ns[1024];		/* per worker: when it finished */
	long fails[1024];
	float lat_us[];			/* workers * k */
};

static struct scale_shared *scale_sh;
static long scale_k;
static char scale_path[PATH_MAX];
static pthread_barrier_t scale_barrier;

static double scale_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void scale_work(long w)
{
	float *lat = scale_sh->lat_us + w * scale_k;
	long i;

	for (i = 0; i < scale_k; i++) {
		double t0 = scale_now();
		int fd = open(scale_path, O_RDONLY);
		double t1 = scale_now();

		if (fd >= 0)
			close(fd);
		else
			scale_sh->fails[w]++;
		lat[i] = (float)((t1 - t0) / 1e3);
	}
	scale_sh->done_ns[w] = scale_now();
}

static void *scale_thread(void *arg)
{
	long w = (long)arg;

	pthread_barrier_wait(&scale_barrier);
	scale_work(w);
	return NULL;
}

static int scale_cmp(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	pthread_t th[1024];
	long nw, w, i, total, fails = 0;
	double first = 0, last = 0, end;
	size_t size;
	int threads, gate[2];

	if (argc != 5) {
		fprintf(stderr, "usage: scale threads|procs WORKERS K DIR\n");
		return 2;
	}
	threads = strcmp(argv[1], "threads") == 0;
	if (!threads && strcmp(argv[1], "procs") != 0) {
		fprintf(stderr, "scale: mode is threads or procs\n");
		return 2;
	}
	nw = strtol(argv[2], NULL, 10);
	scale_k = strtol(argv[3], NULL, 10);
	if (nw <= 0 || nw > 1024 || scale_k <= 0) {
		fprintf(stderr, "scale: 1..1024 workers, K > 0\n");
		return 2;
	}
	snprintf(scale_path, sizeof(scale_path), "%s/file", argv[4]);
	total = nw * scale_k;
	size = sizeof(*scale_sh) + (size_t)total * sizeof(float);
	scale_sh = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (scale_sh == MAP_FAILED) {
		perror("scale: mmap");
		return 2;
	}

	if (threads) {
		pthread_barrier_init(&scale_barrier, NULL, (unsigned)nw + 1);
		for (w = 0; w < nw; w++)
			if (pthread_create(&th[w], NULL, scale_thread,
					   (void *)w) != 0) {
				fprintf(stderr, "scale: pthread_create\n");
				return 2;
			}
		scale_sh->gate_ns = scale_now();
		pthread_barrier_wait(&scale_barrier);
		for (w = 0; w < nw; w++)
			pthread_join(th[w], NULL);
	} else {
		if (pipe(gate) < 0) {
			perror("scale: pipe");
			return 2;
		}
		for (w = 0; w < nw; w++) {
			pid_t pid = fork();
			char c;

			if (pid < 0) {
				perror("scale: fork");
				return 2;
			}
			if (pid == 0) {
				close(gate[1]);
				if (read(gate[0], &c, 1) < 0)
					_exit(3);
				scale_work(w);
				_exit(0);
			}
		}
		close(gate[0]);
		scale_sh->gate_ns = scale_now();
		close(gate[1]);		/* EOF opens the gate for all */
		while (wait(NULL) > 0 || errno == EINTR)
			;
	}
	end = scale_now();

	for (w = 0; w < nw; w++) {
		double d = (scale_sh->done_ns[w] - scale_sh->gate_ns) / 1e9;

		if (w == 0 || d < first)
			first = d;
		if (w == 0 || d > last)
			last = d;
		fails += scale_sh->fails[w];
	}
	qsort(scale_sh->lat_us, (size_t)total, sizeof(float), scale_cmp);
	i = total * 99 / 100;
	printf("scale %s workers=%ld calls=%ld secs=%.4f calls_per_s=%.0f "
	       "p50_us=%.1f p99_us=%.1f max_us=%.1f first_done_s=%.4f "
	       "last_done_s=%.4f fails=%ld\n", argv[1], nw, total,
	       (end - scale_sh->gate_ns) / 1e9,
	       (double)total / ((end - scale_sh->gate_ns) / 1e9),
	       scale_sh->lat_us[total / 2], scale_sh->lat_us[i],
	       scale_sh->lat_us[total - 1], first, last, fails);
	return 0;
}
