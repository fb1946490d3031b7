/*
 * dag_reference.h: the DAG file reference in Markdown (docs/DAGS.md,
 * `sluice dags reference`), generated from the loader's key tables
 * (dag_keys.h), the task types' keys (operator.h), the template names
 * (template.h) and a try's environment (try.h), so it cannot drift.
 */
#ifndef SLUICE_DAG_REFERENCE_H
#define SLUICE_DAG_REFERENCE_H

#include "base/util.h"

/* Append the reference to out. */
void dag_reference_md(struct buf *out);

#endif
