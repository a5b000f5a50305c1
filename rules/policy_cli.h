/*
 * policy_cli.h - `proctor policy ...`: check, eval, test and show.
 *
 * User interface code only: it loads policies through policy.h like any
 * other caller and is not part of the privileged core.
 */
#ifndef PROCTOR_POLICY_CLI_H
#define PROCTOR_POLICY_CLI_H

/*
 * Runs `proctor policy ARGS...`; argv[0] is "policy". Writes results to
 * stdout and diagnostics to stderr. Returns the exit status: 0 success,
 * 1 a check or test failed, 2 bad usage or an invalid policy.
 */
int policy_cli_main(int argc, char **argv);

#endif
