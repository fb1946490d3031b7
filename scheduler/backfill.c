/* backfill.c: making a backfill, for the CLI and the API (see backfill.h). */
#include "scheduler/backfill.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/dag.h"
#include "scheduler/partition.h"
#include "scheduler/tz.h"
#include "store/store.h"

int
backfill_only_valid(const char *only)
{
	return only != NULL && (strcmp(only, "missing") == 0 ||
				strcmp(only, "failed") == 0 || strcmp(only, "all") == 0);
}

/* What the backfill does with partition p: 'c' create its run, 'r' re-run
 * it, 's' skip it (its run is queued or running, or only does not name
 * it); -1 on a database error. */
static int
backfill_choose(struct store *s, const struct dag *d, const struct partition *p,
		const char *only, int64_t *run_id)
{
	json_t *run;
	const char *state;
	int what = 's';

	*run_id = 0;
	/* read here, in the write's transaction (p->exists was read
	 * before it: another backfill may have made the run since) */
	if ((run = store_run_json(s, d->name, p->key)) == NULL) {
		if (store_busy(s))
			return -1;
		return strcmp(only, "failed") == 0 ? 's' : 'c';
	}
	state = json_string_value(json_object_get(run, "state"));
	*run_id = json_integer_value(json_object_get(run, "id"));
	if (state != NULL && strcmp(state, "failed") == 0 && strcmp(only, "missing") != 0)
		what = 'r';
	else if (state != NULL && strcmp(state, "success") == 0 && strcmp(only, "all") == 0)
		what = 'r';
	json_decref(run);
	return what;
}

/* Re-run partition key in the backfill: its failed tasks (and what they
 * held back) for a failed run with only: failed, else every task. */
static int
backfill_rerun(struct store *s, const struct dag *d, const char *key,
	       int only_failed, const char *who, struct sl_err *err)
{
	struct clear_spec spec;

	memset(&spec, 0, sizeof spec);
	spec.dag_id = d->name;
	spec.from_s = INT64_MIN;
	spec.to_s = INT64_MAX;
	spec.partition = key;
	spec.only_failed = only_failed;
	spec.downstream = only_failed;
	spec.no_audit = 1;
	return store_clear(s, d, &spec, who, NULL, err) < 0 ? -1 : 0;
}

/* Reverse a JSON array in place (newest first). */
static void
backfill_reverse(json_t *a)
{
	size_t n = json_array_size(a);

	for (size_t i = 0; i < n / 2; i++) {
		json_t *x = json_incref(json_array_get(a, i));

		json_array_set(a, i, json_array_get(a, n - 1 - i));
		json_array_set_new(a, n - 1 - i, x);
	}
}

int
backfill_create(struct store *s, const struct dag *d,
		const struct backfill_req *req, const char *who, json_t **out,
		int *status, struct sl_err *err)
{
	const char *only = req->only != NULL ? req->only : "missing";
	const char *to = req->to;	/* NULL: the latest complete partition */
	struct partition latest;
	int64_t now = sl_now_ms() / 1000;
	struct partition_set set = { NULL, 0 };
	struct partition_notes notes;
	struct store_backfill_spec spec;
	json_t *create, *rerun, *skip, *missing, *detail;
	int64_t id = 0, *run_ids = NULL;
	char *what = NULL;
	size_t i;
	int nothing, rc;

	*out = NULL;
	*status = 400;
	sl_err_clear(err);
	if (d->schedule == NULL)
		return sl_err_set(err, "DAG %s has no schedule; trigger its partitions one by one",
				  d->name);
	if (!backfill_only_valid(only))
		return sl_err_set(err, "only must be missing, failed or all, not '%s'", only);
	if (req->from == NULL || req->from[0] == '\0')
		return sl_err_set(err, "a backfill needs from (a time or a partition key)");
	if (req->max_active < 0)
		return sl_err_set(err, "max_active must be at least 1");
	partition_notes_init(&notes);
	if (to == NULL || to[0] == '\0') {
		/* no end: up to the latest partition whose interval has ended
		 * (by the DAG's end: when that has passed), as clear's open
		 * end goes to the last run */
		if ((rc = partition_resolve_one(s, d, NULL, d->end < now ? d->end : now,
						req->outside_ok ? PARTITION_TICKS : PARTITION_SCHEDULE,
						&latest, NULL, err)) < 0) {
			if (store_busy(s))
				*status = 503;
			return rc;
		}
		to = latest.key;
		partition_note(&notes, "no end given: up to the latest complete partition, %s", to);
	}
	if ((rc = partition_resolve_range(s, d, req->from, to, now,
					  req->outside_ok ? PARTITION_TICKS : PARTITION_SCHEDULE,
					  &set, &notes, err)) < 0) {
		if (store_busy(s))
			*status = 503;
		else if (to == latest.key) {
			/* the end nobody typed is part of why: say where it
			 * came from (a --from today's daily partition, which
			 * has not ended, meets it) */
			char why[sizeof err->msg];

			snprintf(why, sizeof why, "%s", err->msg);
			sl_err_set(err, "%s; no end was given, so the range ends at the latest "
				   "complete partition, %s", why, to);
		}
		return rc;
	}
	create = json_array();
	rerun = json_array();
	skip = json_array();
	missing = json_array();	/* of skip, those without a run (only: failed) */
	what = xcalloc(set.n + 1, 1);
	run_ids = xcalloc(set.n + 1, sizeof *run_ids);
	/* what each partition needs is read in the transaction that
	 * writes it: a backfill (or the scheduler) creating runs there at
	 * the same moment is seen, not met as a duplicate run */
	if (!req->dry_run && store_begin(s) < 0)
		goto fail_tx;
	for (i = 0; i < set.n; i++) {
		int w = backfill_choose(s, d, &set.v[i], only, &run_ids[i]);

		if (w < 0) {
			*status = 503;
			sl_err_set(err, "database: %s", store_errmsg(s));
			goto fail_rb;
		}
		what[i] = (char)w;
		json_array_append_new(w == 'c' ? create : w == 'r' ? rerun : skip,
				      json_string(set.v[i].key));
		if (w == 's' && !set.v[i].exists)
			json_array_append_new(missing, json_string(set.v[i].key));
	}
	{
		/* partitions whose interval has not ended: what happens to them */
		size_t ahead = 0, last = 0;

		for (i = 0; i < set.n; i++)
			if (what[i] != 's' && set.v[i].end_s > now) {
				ahead++;
				last = i;
			}
		if (ahead > 0)
			partition_note_open(&notes, d, ahead, NULL, set.v[last].end_s);
	}
	if (json_array_size(create) + json_array_size(rerun) > BACKFILL_MAX_RUNS) {
		/* a range past PARTITION_RUNS_MAX was listed that far: its
		 * count is not the range's */
		sl_err_set(err, "a backfill may run at most %d partitions at once (this range: "
			   "%zu%s); backfill it in shorter ranges", BACKFILL_MAX_RUNS,
			   json_array_size(create) + json_array_size(rerun),
			   set.n >= PARTITION_RUNS_MAX ? " or more" : "");
		goto fail_rb;
	}
	/* nothing to run (every partition has a run, or none failed): no
	 * backfill object, which would be listed "done 0/0" for good */
	nothing = json_array_size(create) + json_array_size(rerun) == 0;
	if (!req->dry_run && !nothing) {
		*status = 500;
		memset(&spec, 0, sizeof spec);
		spec.dag_id = d->name;
		/* the range it covers, not the one typed: its listed range
		 * agrees with its runs, its total and its progress */
		spec.from = set.v[0].key;
		spec.to = set.v[set.n - 1].key;
		spec.asked_from = req->from;
		spec.asked_to = to;
		spec.left_out = (long long)notes.left_out;
		spec.only = only;
		spec.newest_first = req->newest_first;
		spec.max_active = req->max_active;
		if (store_backfill_add(s, &spec, who, &id, err) < 0)
			goto fail_tx;
		for (i = 0; i < set.n; i++) {
			const struct partition *p = &set.v[i];
			int64_t run_id = run_ids[i];

			if (what[i] == 'c' &&
			    (store_run_create(s, d, p->key, p->start_s, p->end_s,
					      "backfill", NULL, &run_id, err) < 0 ||
			     store_run_set_lane(s, run_id, 1, id) < 0))
				goto fail_tx;
			if (what[i] == 'r' &&
			    (backfill_rerun(s, d, p->key, strcmp(only, "failed") == 0,
					    who, err) < 0 ||
			     store_run_set_lane(s, run_id, 1, id) < 0))
				goto fail_tx;
		}
		if (store_backfill_set_total(s, id, (int)(json_array_size(create) +
							  json_array_size(rerun))) < 0)
			goto fail_tx;
		detail = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:b,s:i,s:i,s:i}", "id", (json_int_t)id,
				   "from", set.v[0].key, "to", set.v[set.n - 1].key,
				   "asked_from", req->from, "asked_to", to, "only", only,
				   "newest_first", req->newest_first, "max_active", req->max_active,
				   "created", (int)json_array_size(create),
				   "rerun", (int)json_array_size(rerun));
		if (req->outside_ok)
			json_object_set_new(detail, "allow_outside_range", json_true());
		if (notes.left_out > 0)
			json_object_set_new(detail, "left_out", json_integer((json_int_t)notes.left_out));
		if (store_audit(s, who, "backfill", d->name, detail) < 0) {
			json_decref(detail);
			goto fail_tx;
		}
		json_decref(detail);
		if (store_commit_err(s, err) < 0)
			goto fail_tx;
	} else if (!req->dry_run)
		store_rollback(s);	/* nothing to write */
	if (req->newest_first) {
		backfill_reverse(create);
		backfill_reverse(rerun);
	}
	*out = json_pack("{s:o,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:b,s:o,s:b,s:o,s:o,s:o,s:o,s:o}",
			 "id", req->dry_run || nothing ? json_null() : json_integer(id),
			 "dag", d->name, "from", set.v[0].key, "to", set.v[set.n - 1].key,
			 "asked_from", req->from, "asked_to", to,
			 "left_out", (json_int_t)notes.left_out,
			 "only", only, "newest_first", req->newest_first,
			 "max_active", req->max_active > 0 ? json_integer(req->max_active) : json_null(),
			 "dry_run", req->dry_run, "create", create, "rerun", rerun, "skip", skip,
			 "skip_missing", missing, "notes", partition_notes_json(&notes));
	partition_set_free(&set);
	free(what);
	free(run_ids);
	*status = req->dry_run || nothing ? 200 : 201;
	return 0;
fail_tx:
	/* a lock held by another process: nothing was written, and the
	 * caller may try again (503); read before the rollback resets it */
	if (store_busy(s))
		*status = 503;
	if (err->msg[0] == '\0')
		sl_err_set(err, "database: %s", store_errmsg(s));
	store_rollback(s);
	goto fail;
fail_rb:
	/* an error of this request's own, in its transaction */
	if (!req->dry_run)
		store_rollback(s);
fail:
	partition_set_free(&set);
	json_decref(create);
	json_decref(rerun);
	json_decref(skip);
	json_decref(missing);
	free(what);
	free(run_ids);
	return -1;
}
