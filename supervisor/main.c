/*
 * main.c - the `proctor` command: dispatches to its subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "approve.h"
#include "audit.h"
#include "policy_cli.h"
#include "run.h"

static void main_usage(FILE *f)
{
	fprintf(f,
"Usage: proctor COMMAND [ARGS...]\n"
"\n"
"A system-call supervisor for AI coding agents.\n"
"\n"
"Commands:\n"
"  run      run an agent under supervision      proctor run -- AGENT ARGS\n"
"  policy   check, evaluate, test, show policies proctor policy --help\n"
"  audit    query and verify the audit log      proctor audit --help\n"
"  approve  answer `ask` requests of sessions   proctor approve --help\n"
"\n"
"  proctor COMMAND --help   help for one command\n"
"  proctor --version        version\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "run") == 0)
		return run_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "policy") == 0)
		return policy_cli_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "audit") == 0)
		return audit_cli_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "approve") == 0)
		return approve_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		main_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("proctor %s\n", PROCTOR_VERSION);
		return 0;
	}
	fprintf(stderr, "proctor: unknown command '%s'\n", argv[1]);
	main_usage(stderr);
	return 2;
}
