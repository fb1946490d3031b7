/*
 * backfill.h: making a backfill (`sluice backfill`, POST
 * /api/v1/dags/{dag}/backfills): which partitions of a range it runs, the
 * runs it creates or re-runs, and the backfill object recording them (the
 * store keeps it: store_backfill_*). One function for the CLI and the
 * API, so both select and record the same.
 */
#ifndef SLUICE_BACKFILL_H
#define SLUICE_BACKFILL_H

#include <jansson.h>

#include "base/util.h"

struct dag;
struct store;

/* The most runs one backfill may create or re-run. */
#define BACKFILL_MAX_RUNS 10000

struct backfill_req {
	const char *from, *to;	/* partition arguments (partition.h) */
	const char *only;	/* missing | failed | all; NULL: missing */
	int newest_first;
	int max_active;		/* 0: no limit of its own */
	int dry_run;
	int outside_ok;		/* partitions before the DAG's start or
				 * past its end too (else cut to them) */
};

/* Is only one of missing, failed, all? */
int backfill_only_valid(const char *only);

/*
 * Select the partitions of d from req->from to req->to that req->only
 * names (missing: no run yet; failed: a failed run, its failed tasks
 * re-run; all: both, and every finished run re-run whole; runs queued or
 * running are left as they are), create or clear their runs in the
 * backfill lane, record the backfill (unless a dry run) and audit it, in
 * one transaction. The range is cut to the DAG's start and end unless
 * req->outside_ok (partition.h), and the backfill records the range it
 * covers (its first and last partition), the typed one as asked. *out:
 * {id (null for a dry run), dag, from, to (the keys covered), asked_from,
 * asked_to (as typed), left_out (partitions the cut dropped), only,
 * newest_first, max_active, dry_run, create: [key], rerun: [key],
 * skip: [key], notes: [text]} in the order the runs will start; notes
 * say what was cut and how an ambiguous local time was read. 0, or -1
 * with err (status 400 for a bad request, 500 for a database error);
 * PARTITION_OUTSIDE (status 400) for a range wholly outside the DAG's.
 */
int backfill_create(struct store *s, const struct dag *d,
		    const struct backfill_req *req, const char *who,
		    json_t **out, int *status, struct sl_err *err);

#endif
