/*
 * wh_driver.c: runs the warehouse_copy operator the way
 * `sluice operator warehouse_copy` does, for the wh_*.sh tests: reads a
 * spec (operators/operator.h) from the file named on the command line,
 * or stdin, and calls run(); exits with its status.
 *
 *   wh_driver SPEC.json            run one try
 *   wh_driver --validate OPTS.json check task options as the DAG loader
 *                                  does; prints "KEY: message" on error
 */
#include <stdio.h>
#include <string.h>

#include "operators/operator.h"

extern const struct operator op_warehouse_copy;

int
main(int argc, char **argv)
{
	json_error_t jerr;
	json_t *doc;
	int validate = argc > 1 && strcmp(argv[1], "--validate") == 0;
	const char *path = argc > 1 + validate ? argv[1 + validate] : NULL;
	int r;

	doc = path != NULL ? json_load_file(path, 0, &jerr) :
			     json_loadf(stdin, 0, &jerr);
	if (doc == NULL) {
		fprintf(stderr, "wh_driver: %s: %s\n", path ? path : "stdin",
			jerr.text);
		return 2;
	}
	if (validate) {
		struct sl_err err;
		char bad_key[SL_ERR_PATH];

		sl_err_clear(&err);
		r = op_check_first(&op_warehouse_copy, doc, bad_key,
				   sizeof bad_key, &err);
		if (r < 0)
			printf("%s: %s\n", bad_key[0] != '\0' ? bad_key : "(task)",
			       err.msg);
		else
			printf("ok\n");
		json_decref(doc);
		return r < 0 ? 1 : 0;
	}
	r = op_warehouse_copy.run(doc);
	json_decref(doc);
	return r;
}
