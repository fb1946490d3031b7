/*
 * dag_notify.h: `notify:` in a DAG file (the DAG's or a task's): the names
 * of webhooks from sluice.yaml's webhooks: that get the events notify_on
 * chooses (scheduler/sched_webhook.c sends them).
 */
#ifndef SLUICE_DAG_NOTIFY_H
#define SLUICE_DAG_NOTIFY_H

#include "base/util.h"
#include "base/ydoc.h"

struct config;

/* Read a name or a list of names into *out (NULL-terminated; the caller
 * frees with strv_free). With cfg, each must be a webhook it defines,
 * else -1 with err at that name's line and column, naming the place v is
 * written (notify, tasks.NAME.notify, defaults.notify). */
int dag_notify_load(struct ydoc *d, ynode_t *v, const struct config *cfg,
		    char ***out, struct sl_err *err);

#endif
