/*
 * toctou_connect_flip.c - a thread flips the port (and address) of the
 * sockaddr between an allowed and a forbidden loopback server while the
 * main thread connects in a loop.
 *
 * Usage: toctou_connect_flip ALLOWED_PORT FORBIDDEN_PORT [ITERATIONS]
 *
 * Both servers listen on 127.0.0.1. Reached when a connection ends up at
 * the forbidden port (getpeername) or the forbidden server's marker is
 * read. connect and sendto(MSG_FASTOPEN) alternate.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "hostile.h"

static struct sockaddr_in sa __attribute__((aligned(64)));
static uint16_t ports[2];
static atomic_int stop;

static void *flipper(void *arg)
{
	volatile uint16_t *p = &sa.sin_port;
	unsigned long i = 0;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		*p = ports[i++ & 1];
	return NULL;
}

/* Did this socket reach the forbidden server? */
static int reached_forbidden(int fd)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[256];
	ssize_t n;

	if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0 &&
	    peer.sin_port == ports[1])
		return 1;
	if (poll(&pfd, 1, 0) > 0) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0 && hostile_buf_has_marker(buf, (size_t)n))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n, iters = 1500, ok = 0, errors = 0;
	int last_err = 0;
	double deadline;
	pthread_t t;

	hostile_usage(argc, 3, "toctou_connect_flip ALLOWED_PORT "
		      "FORBIDDEN_PORT [ITER]");
	ports[0] = htons((uint16_t)hostile_num(argv[1]));
	ports[1] = htons((uint16_t)hostile_num(argv[2]));
	if (argc > 3)
		iters = (unsigned long)hostile_num(argv[3]);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = ports[0];
	if (pthread_create(&t, NULL, flipper, NULL))
		hostile_setup("pthread_create");
	deadline = hostile_now() + 8.0;
	for (n = 0; n < iters && hostile_now() < deadline; n++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int r;

		if (fd < 0)
			hostile_setup("socket");
		if (n % 4 == 3)
			r = (int)sendto(fd, "x", 1, MSG_FASTOPEN,
					(struct sockaddr *)&sa, sizeof(sa));
		else
			r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		if (r < 0) {
			last_err = errno;
			errors++;
			close(fd);
			continue;
		}
		ok++;
		if (reached_forbidden(fd)) {
			atomic_store(&stop, 1);
			pthread_join(t, NULL);
			hostile_reached("connected to the forbidden port after "
					"%lu attempts", n + 1);
		}
		close(fd);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("TRY %lu attempts: %lu connected to the allowed port, "
	       "%lu failed\n", n, ok, errors);
	hostile_blocked(last_err ? last_err : ENODATA,
			"never connected to the forbidden port");
}
