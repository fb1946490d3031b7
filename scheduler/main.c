/* main.c: sluice, a workflow orchestrator and job scheduler. */
#include "scheduler/cli.h"

int
main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
