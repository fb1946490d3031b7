/*
 * dag_shapes.h: DAGs for the C unit tests, each from a name and the YAML
 * between its `dag:` line and its tasks (one task `a` running true),
 * loaded through dag_load from a temporary folder that is gone again
 * before the tests run.
 */
#ifndef SLUICE_DAG_SHAPES_H
#define SLUICE_DAG_SHAPES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scheduler/dag.h"

struct unit_dag_shape {
	const char *name, *yaml;
};

/* Load shapes[0..n) into loaded[0..n); exits on an error. */
static inline void
unit_dags_load(const struct unit_dag_shape *shapes, size_t n, struct dag **loaded)
{
	char dir[] = "/tmp/unit_dags.XXXXXX";
	struct sl_err err;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s.yaml", dir, shapes[i].name);
		char *yaml = xasprintf("dag: %s\n%stasks:\n  a: {command: \"true\"}\n",
				       shapes[i].name, shapes[i].yaml);

		if (sl_write_file(path, yaml, strlen(yaml), 0644, &err) < 0 ||
		    dag_load(path, NULL, &loaded[i], &err) < 0) {
			fprintf(stderr, "%s: %s\n", path, err.msg);
			exit(1);
		}
		unlink(path);
		free(path);
		free(yaml);
	}
	rmdir(dir);
}

/* The loaded DAG of the shape called name, or NULL. */
static inline struct dag *
unit_dags_find(const struct unit_dag_shape *shapes, size_t n,
	       struct dag **loaded, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(shapes[i].name, name) == 0)
			return loaded[i];
	return NULL;
}

static inline void
unit_dags_free(struct dag **loaded, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dag_free(loaded[i]);
}

#endif
