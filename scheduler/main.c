/* main.c: sluice, a workflow orchestrator and job scheduler. */
#include "scheduler/cli.h"
#include "operators/operator.h"

int
main(int argc, char **argv)
{
	operators_register();	/* the task types of libsluice_ops.a */
	return cli_main(argc, argv);
}
