/*
 * io_uring_open.c - open and read the forbidden file with io_uring, whose
 * IORING_OP_OPENAT never passes through seccomp. Raw system calls, no
 * liburing: io_uring_setup, mmap of the rings, one OPENAT then one READ.
 *
 * Usage: io_uring_open FORBIDDEN
 *
 * Under proctor io_uring_setup must fail (ENOSYS).
 */
#include <linux/io_uring.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "hostile.h"

struct ring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_setup(struct ring *r)
{
	struct io_uring_params p;
	unsigned char *sq, *cq;
	size_t sqsz, cqsz;

	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -errno;
	sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		       r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -errno;
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* Submit one sqe and wait for its completion; returns cqe->res. */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe)
{
	unsigned tail = *r->sq_tail, head;
	int res;

	r->sqes[tail & *r->sq_mask] = *sqe;
	r->sq_array[tail & *r->sq_mask] = tail & *r->sq_mask;
	atomic_store_explicit((_Atomic unsigned *)r->sq_tail, tail + 1,
			      memory_order_release);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1,
		    IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	head = *r->cq_head;
	if (head == atomic_load_explicit((_Atomic unsigned *)r->cq_tail,
					 memory_order_acquire))
		return -EAGAIN;
	res = r->cqes[head & *r->cq_mask].res;
	atomic_store_explicit((_Atomic unsigned *)r->cq_head, head + 1,
			      memory_order_release);
	return res;
}

int main(int argc, char **argv)
{
	static char buf[4096];
	struct io_uring_sqe sqe;
	struct ring r;
	int ret, fd;

	hostile_usage(argc, 2, "io_uring_open FORBIDDEN");
	ret = ring_setup(&r);
	if (ret < 0)
		hostile_blocked(-ret, "io_uring_setup");

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_OPENAT;
	sqe.fd = AT_FDCWD;
	sqe.addr = (unsigned long)argv[1];
	sqe.open_flags = O_RDONLY | O_CLOEXEC;
	fd = ring_run(&r, &sqe);
	if (fd < 0)
		hostile_blocked(-fd, "IORING_OP_OPENAT %s", argv[1]);

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_READ;
	sqe.fd = fd;
	sqe.addr = (unsigned long)buf;
	sqe.len = sizeof(buf) - 1;
	ret = ring_run(&r, &sqe);
	if (ret < 0)
		hostile_blocked(-ret, "IORING_OP_READ");
	if (hostile_buf_has_marker(buf, (size_t)ret))
		hostile_reached("io_uring opened and read %s", argv[1]);
	hostile_blocked(ENODATA, "read %d bytes without the marker", ret);
}
