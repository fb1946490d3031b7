/*
 * registry.h: the executors named in the config file, created on the
 * scheduler's event loop. Built-in types: local, ssh; type plugin loads a
 * shared object (executors/executor.h).
 */
#ifndef SLUICE_EXEC_REGISTRY_H
#define SLUICE_EXEC_REGISTRY_H

#include <jansson.h>

#include "executors/executor.h"
#include "base/util.h"

struct executor {
	char *name;
	const struct sl_executor_ops *ops;
	void *inst;
	int slots;
	int busy;		/* tries running now (kept by the scheduler) */
};

struct executor_set {
	struct executor *v;
	int n;
};

/* Create every executor of the config's executors: block; an error names
 * file:line of the entry (its "_line") when file is given. */
int registry_create(struct event_base *base, const json_t *executors,
		    const char *file, struct executor_set *out,
		    struct sl_err *err);
void registry_destroy(struct executor_set *set);
struct executor *registry_find(struct executor_set *set, const char *name);
/* Make one more executor type known by its ops->type (the scheduler
 * harness's fake executor). ops must outlive every use; -1 when full. */
int registry_add_type(const struct sl_executor_ops *ops);
/* The ops for a type name ("local", "ssh"), or a plug-in's from path. */
int registry_ops(const char *type, const json_t *conf,
		 const struct sl_executor_ops **ops, struct sl_err *err);

#endif
