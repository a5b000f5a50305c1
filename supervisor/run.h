/*
 * run.h - `proctor run`: options, then one supervised session.
 */
#ifndef PROCTOR_RUN_H
#define PROCTOR_RUN_H

/* argv[0] is "run". Returns proctor's exit status. */
int run_main(int argc, char **argv);

#endif
