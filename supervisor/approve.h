/*
 * approve.h - `proctor approve`: answer the `ask` requests of running
 * proctor sessions from another terminal.
 *
 * User interface code only, outside the privileged core: it talks to the
 * sessions through their approval sockets (docs/approval-protocol.md) like
 * any other client would.
 */
#ifndef PROCTOR_APPROVE_H
#define PROCTOR_APPROVE_H

/*
 * Runs `proctor approve ARGS...`; argv[0] is "approve". Returns the exit
 * status: 0 success, 1 the answer was refused or no such request, 2 bad
 * usage.
 */
int approve_main(int argc, char **argv);

#endif
