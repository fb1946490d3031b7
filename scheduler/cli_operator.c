/* cli_operator.c: `sluice operator TYPE [--poke]`: one try of a task type,
 * as a process of its own (see operators/operator.h). The spec comes on
 * stdin; the log goes to stdout/stderr. */
#include "scheduler/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "operators/operator.h"

#define SPEC_MAX_BYTES (16 * 1024 * 1024)

static int
operator_run(struct cli *c, const struct cli_args *args)
{
	const struct operator *op;
	int poke = cli_opt_flag(args, "poke") > 0;
	struct buf in;
	char chunk[65536];
	ssize_t n;
	json_t *spec;
	json_error_t jerr;
	int r;

	(void)c;
	if (args->npos != 1)
		return cli_usage(&cli_operator, "which task type?");
	op = operator_find_process(args->pos[0]);
	if (op == NULL) {
		char names[512];

		cli_errorf("unknown task type '%s' (known: %s)", args->pos[0],
			operator_names(names, sizeof names));
		return EXIT_USAGE;
	}
	if ((poke && op->poke_once == NULL) || (!poke && op->run == NULL)) {
		fprintf(stderr, "sluice: task type %s cannot %s as a process\n", op->name,
			poke ? "poke" : "run");
		return EXIT_USAGE;
	}
	buf_init(&in, SPEC_MAX_BYTES);
	while ((n = read(STDIN_FILENO, chunk, sizeof chunk)) > 0)
		if (buf_add(&in, chunk, (size_t)n) < 0) {
			fprintf(stderr, "sluice: the spec on stdin is larger than %d bytes\n", SPEC_MAX_BYTES);
			buf_free(&in);
			return EXIT_USAGE;
		}
	spec = json_loadb(buf_str(&in), in.len, 0, &jerr);
	buf_free(&in);
	if (!json_is_object(spec)) {
		fprintf(stderr, "sluice: the spec on stdin is not a JSON object (line %d: %s)\n",
			jerr.line, jerr.text);
		json_decref(spec);
		return EXIT_USAGE;
	}
	if (poke) {
		enum op_poke_result pr = op->poke_once(spec);

		r = pr == OP_POKE_DONE ? 0 : pr == OP_POKE_NOT_YET ? OP_POKE_NOT_YET_EXIT : 1;
	} else
		r = op->run(spec);
	json_decref(spec);
	fflush(stdout);
	return r;
}

static const struct cli_opt operator_opts[] = {
	{ "poke", 0, NULL, "poke a sensor once (exit 0: done, 99: not yet)" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_operator = {
	"operator", "run one try of a task type (used by executors)",
	"TYPE [--poke] < SPEC.json",
	"How executors run non-shell tasks: the JSON spec (operators/operator.h)\n"
	"comes on stdin, the log goes to stdout and stderr, and the exit status is\n"
	"the try's result. With --poke a sensor pokes once: exit 0 when its\n"
	"condition holds, 99 when not yet.\n",
	operator_opts,
	operator_run,
};
