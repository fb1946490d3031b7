/*
 * fuzz_dag.c: libFuzzer target for the DAG loader (YAML parsing, key and
 * type checks, templates, cycles) and for template rendering. Not built by
 * default. From a configured build folder (for libsluice_ops.a, the task
 * types other than shell, and libsluice.a, the core):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I/work/main \
 *     /work/main/tests/fuzz/fuzz_dag.c libsluice_ops.a libsluice.a $(pkg-config --libs libevent sqlite3 yaml-0.1 libcurl libssh2 libcrypto libpq jansson expat zlib) \
 *     -levent_pthreads -lcrypt -lm -o /tmp/fuzz_dag && /tmp/fuzz_dag -max_len=4096
 *
 * The input is written as a DAG file and loaded; a loaded DAG's templated
 * strings are then rendered for a fixed partition.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/template.h"
#include "scheduler/tz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static char path[64];
	static struct config *cfg;
	struct sl_err err;
	struct dag *d = NULL;
	FILE *f;

	if (cfg == NULL) {
		operators_register();	/* every task type's keys */
		snprintf(path, sizeof path, "/tmp/fuzz_dag.%d.yaml", (int)getpid());
		if (config_load("/nonexistent-sluice-home", &cfg, &err) < 0)
			abort();
	}
	f = fopen(path, "w");
	if (f == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (dag_load(path, cfg, &d, &err) == 0) {
		for (int i = 0; i < d->ntasks; i++) {
			struct tmpl_ctx c = { d->name, d->tasks[i].name, "run", "p", 1,
					      1709999999, 1710003599, d->tz, d->params };
			json_t *out = NULL;

			if (tmpl_render_json(d->tasks[i].options, &c, &out, &err) == 0)
				json_decref(out);
		}
		dag_free(d);
	}
	unlink(path);
	return 0;
}
