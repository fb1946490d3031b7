/*
 * sched_map.c: mapped tasks (foreach:, dag_map.h) in the scheduler.
 *
 * A mapped task's instance (the parent) waits for its trigger rule like
 * any task. When it may run, it is expanded in the pass's transaction:
 * its list is read (literal, template, upstream output), one item row
 * NAME[i] is made per element, scheduled, and the parent is running (no
 * try of its own). Items are task instances of the same task with their
 * own tries, logs and states; at most max_active of one parent hold a
 * try at once. When the last item ends the parent takes the aggregate
 * state (scheduler/STATES.md) and its downstream is evaluated; trigger
 * rules downstream count each item as one upstream.
 *
 * Items live in their parent's items array, not in run->tis: the array is
 * made once per expansion (a reload or a clear of the parent makes it
 * again from the store), so pointers to items stay valid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scheduler/config.h"
#include "scheduler/dag_map.h"
#include "scheduler/sched_internal.h"
#include "scheduler/state.h"
#include "scheduler/template.h"
#include "scheduler/try.h"
#include "store/store.h"

struct ti *
sched_ti_next(struct run *r, struct ti *prev)
{
	struct ti *base;
	long idx;

	if (prev == NULL)
		return r->ntis > 0 ? &r->tis[0] : NULL;
	if (prev->parent == NULL && prev->nitems > 0)
		return &prev->items[0];
	if (prev->parent != NULL && prev->map_index + 1 < prev->parent->nitems)
		return &prev->parent->items[prev->map_index + 1];
	base = prev->parent != NULL ? prev->parent : prev;
	idx = (long)(base - r->tis) + 1;
	return idx < r->ntis ? &r->tis[idx] : NULL;
}

static void
count_state(enum ti_state st, struct upstream_counts *c)
{
	switch (st) {
	case TI_SUCCESS: c->success++; c->done++; break;
	case TI_FAILED: c->failed++; c->done++; break;
	case TI_SKIPPED: c->skipped++; c->done++; break;
	case TI_UPSTREAM_FAILED: c->upstream_failed++; c->done++; break;
	default: break;
	}
}

void
sched_map_count(const struct ti *up, struct upstream_counts *c)
{
	if (!up->expanded || up->nitems == 0) {
		count_state(up->state, c);
		return;
	}
	/* c->total counted the parent once: the items instead */
	c->total += up->nitems - 1;
	for (int i = 0; i < up->nitems; i++)
		count_state(up->items[i].state, c);
}

/* The parent's own state, in memory and in the store (no try). */
static int
parent_set(struct sched *s, struct ti *ti, enum ti_state to,
	   const char *reason)
{
	int r;

	if (s->db_down || sched_tx_begin(s) < 0)
		return -1;
	r = store_map_set_parent(s->store, ti->id, ti->state, to, reason);
	if (r <= 0) {
		if (r < 0)
			sched_db_failed(s, "recording a mapped task's state");
		return -1;
	}
	ti->state = to;
	return 0;
}

/* The parent ended (skipped, failed, or its items all ended). */
static void
parent_ended(struct sched *s, struct ti *ti, enum ti_state to,
	     const char *reason)
{
	struct task *t = ti_task(ti);

	if (parent_set(s, ti, to, reason) < 0)
		return;
	sched_log_ti(to == TI_FAILED ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO, ti, 0,
		     "%s %s %s: %s (%s)", ti->run->dag_name, t->name,
		     ti->run->partition, ti_state_name(to), reason);
	for (int i = 0; i < t->ndownstream; i++)
		sched_dispatch_eval(s, &ti->run->tis[t->downstream[i]]);
	if (to == TI_SUCCESS)
		sched_needs_released(s, ti->run->dag_name, ti->run->start_s);
	sched_runs_check_done(s, ti->run);
}

/* The items of ti as the DAG says (a new reference), or NULL with why. */
static json_t *
items_of(struct sched *s, struct ti *ti, char *why, size_t n)
{
	struct task *t = ti_task(ti);
	struct sl_err err;
	json_t *items = NULL;

	memset(&err, 0, sizeof err);
	if (t->foreach_list != NULL)
		return json_incref(t->foreach_list);
	if (t->foreach_tmpl != NULL) {
		struct try_ctx c;
		struct tmpl_ctx tc;
		struct buf out;
		json_t *outputs = sched_output_load(s, ti);

		sched_try_ctx(s, ti, 0, &c);
		c.outputs = outputs;
		try_tmpl_ctx(&c, &tc);
		tc.decls = ti->run->dag->param_decls;
		buf_init(&out, 0);
		if (tmpl_render(t->foreach_tmpl, &tc, &out, &err) == 0) {
			buf_addc(&out, '\0');
			items = dag_map_parse_list(out.data, &err);
		}
		buf_free(&out);
		json_decref(outputs);
		if (items == NULL)
			snprintf(why, n, "foreach: %s", err.msg);
		return items;
	}
	{
		json_t *outputs = sched_output_load(s, ti);
		json_t *v = json_object_get(json_object_get(outputs,
		    ti->run->dag->tasks[t->foreach_output].name), t->foreach_key);

		if (json_is_array(v))
			items = json_incref(v);
		else if (json_is_string(v))
			items = dag_map_parse_list(json_string_value(v), &err);
		else
			snprintf(err.msg, sizeof err.msg,
				 v == NULL ? "task %s wrote no output '%s' in this run" :
				 "output %s.%s is neither a list nor a text",
				 ti->run->dag->tasks[t->foreach_output].name,
				 t->foreach_key);
		json_decref(outputs);
		if (items == NULL)
			snprintf(why, n, "foreach: %s", err.msg);
		return items;
	}
}

/* Make ti's items array from n ids and values. */
static void
items_make(struct ti *ti, int n)
{
	ti->items = n > 0 ? xcalloc((size_t)n, sizeof *ti->items) : NULL;
	ti->nitems = n;
	ti->expanded = 1;
	for (int i = 0; i < n; i++) {
		struct ti *it = &ti->items[i];

		it->run = ti->run;
		it->task = ti->task;
		it->heap_pos = -1;
		it->parent = ti;
		it->map_index = i;
		it->name = xasprintf("%s[%d]", ti_task(ti)->name, i);
	}
}

void
sched_map_expand(struct sched *s, struct ti *ti)
{
	struct task *t = ti_task(ti);
	char why[SL_ERR_MSG + 64] = "";
	json_t *items = items_of(s, ti, why, sizeof why);
	int limit = t->max_map > 0 ? t->max_map : s->cfg->max_map;
	int64_t *ids;
	int *tries;
	size_t n;

	if (items == NULL) {
		parent_ended(s, ti, TI_FAILED, why);
		return;
	}
	n = json_array_size(items);
	if (n > (size_t)limit) {
		snprintf(why, sizeof why,
			 "foreach gave %zu items, more than max_map (%d)", n, limit);
		json_decref(items);
		parent_ended(s, ti, TI_FAILED, why);
		return;
	}
	if (s->db_down || sched_tx_begin(s) < 0) {
		json_decref(items);
		return;
	}
	ids = xcalloc(n + 1, sizeof *ids);
	tries = xcalloc(n + 1, sizeof *tries);
	if (store_map_expand(s->store, ti->run->id, ti->run->dag_name, t->name,
			     ti->id, items, t->retries + 1, ids, tries) < 0) {
		sched_db_failed(s, "expanding a mapped task");
		free(ids);
		free(tries);
		json_decref(items);
		return;
	}
	if (n == 0) {
		ti->expanded = 1;
		free(ids);
		free(tries);
		json_decref(items);
		parent_ended(s, ti, TI_SKIPPED, "foreach gave no items");
		return;
	}
	if (parent_set(s, ti, TI_RUNNING, "expanded into items") < 0) {
		free(ids);
		free(tries);
		json_decref(items);
		return;
	}
	items_make(ti, (int)n);
	for (size_t i = 0; i < n; i++) {
		struct ti *it = &ti->items[i];

		it->id = ids[i];
		it->state = TI_SCHEDULED;
		it->try_number = tries[i];
		it->max_tries = tries[i] + t->retries + 1;
		it->map_item = json_incref(json_array_get(items, i));
		sched_dispatch_push(s, it);
	}
	sched_log_ti(LOG_LEVEL_INFO, ti, 0, "%s %s %s: %zu items",
		     ti->run->dag_name, t->name, ti->run->partition, n);
	free(ids);
	free(tries);
	json_decref(items);
}

void
sched_map_item_evaluate(struct sched *s, struct ti *ti)
{
	struct ti_update u = TI_UPDATE_INIT;

	if (ti->state != TI_NONE || ti->run->state != RUN_RUNNING ||
	    ti->live != NULL)
		return;
	u.reason = "an item of its mapped task";
	if (sched_ti_set(s, ti, TI_SCHEDULED, &u) == 0)
		sched_dispatch_push(s, ti);
}

int
sched_map_full(const struct ti *ti)
{
	const struct ti *p = ti->parent;
	int max = ti_task(ti)->max_active, n = 0;

	if (p == NULL || max <= 0)
		return 0;
	for (int i = 0; i < p->nitems && n < max; i++) {
		enum ti_state st = p->items[i].state;

		if (st == TI_QUEUED || st == TI_RUNNING ||
		    st == TI_UP_FOR_RESCHEDULE || p->items[i].live != NULL)
			n++;
	}
	return n >= max;
}

/* The parent's state once every item ended; TI_NONE while one has not. */
static enum ti_state
aggregate(const struct ti *p)
{
	int success = 0, failed = 0;

	for (int i = 0; i < p->nitems; i++) {
		const struct ti *it = &p->items[i];

		if (!ti_state_done(it->state) || it->live != NULL)
			return TI_NONE;
		if (it->state == TI_SUCCESS)
			success++;
		else if (it->state == TI_FAILED || it->state == TI_UPSTREAM_FAILED)
			failed++;
	}
	return failed > 0 ? TI_FAILED : success > 0 ? TI_SUCCESS : TI_SKIPPED;
}

static void
settle(struct sched *s, struct ti *p)
{
	enum ti_state to;
	char why[128];

	if (p->state != TI_RUNNING || !p->expanded)
		return;
	to = aggregate(p);
	if (to == TI_NONE)
		return;
	if (to == TI_FAILED) {
		/* what `trigger --wait`, the task page and emails show as
		 * its error: which of its items failed is theirs to say */
		int failed = 0;

		for (int i = 0; i < p->nitems; i++)
			failed += p->items[i].state == TI_FAILED ||
				  p->items[i].state == TI_UPSTREAM_FAILED;
		snprintf(why, sizeof why, "%d of its %d item%s failed", failed,
			 p->nitems, p->nitems == 1 ? "" : "s");
	} else
		snprintf(why, sizeof why, "its %d item%s ended", p->nitems,
			 p->nitems == 1 ? "" : "s");
	parent_ended(s, p, to, why);
}

void
sched_map_item_ended(struct sched *s, struct ti *ti)
{
	if (ti->parent != NULL)
		settle(s, ti->parent);
}

void
sched_map_settle(struct sched *s, struct run *r)
{
	for (int i = 0; i < r->ntis; i++)
		settle(s, &r->tis[i]);
}

int
sched_map_read_row(struct run *r, struct ti *parent,
		   const struct store_ti_row *row)
{
	struct ti *it;
	int index;

	if (row->map_index < 0) {
		/* a parent (or any ordinary task instance) */
		if (parent != NULL && ti_task(parent)->mapped && row->map_count >= 0) {
			free(parent->items);
			items_make(parent, row->map_count);
		}
		return 0;
	}
	if (parent == NULL ||
	    dag_map_item_task(r->dag, row->task_id, &index) != ti_task(parent) ||
	    index != row->map_index || !parent->expanded ||
	    index >= parent->nitems)
		return 0;	/* an item whose parent moved on */
	it = &parent->items[index];
	ti_from_row(it, row);
	json_decref(it->map_item);
	it->map_item = row->map_item != NULL ?
	    json_loads(row->map_item, JSON_DECODE_ANY, NULL) : NULL;
	return 1;
}

/*
 * No longer mapped (foreach: left the DAG file): the parent, running
 * while its items ran, forgets them (they end with the run, as a removed
 * task's instances do: sched_runs.c) and runs as one task, at once.
 * Mapped now, not expanded, waiting to start or for a retry or a poke:
 * back to none, so that it is made into items rather than run once.
 */
int
sched_map_reshape(struct sched *s, struct ti *ti)
{
	struct ti_update u = TI_UPDATE_INIT;

	if (ti->unmapped) {
		ti->unmapped = 0;
		if (ti->state != TI_RUNNING || ti->live != NULL)
			return 0;
		if (sched_tx_begin(s) < 0)
			return -1;
		if (store_map_forget(s->store, ti->id) < 0) {
			sched_db_failed(s, "recording a task no longer mapped");
			return -1;
		}
		u.next_at = sched_now(s);
		u.set |= TIU_NEXT_AT;
		u.reason = "its task is no longer mapped (foreach: left the DAG file): it runs as one task";
		return sched_ti_set(s, ti, TI_UP_FOR_RETRY, &u) < 0 ? -1 : 1;
	}
	if (ti->parent != NULL || !ti_task(ti)->mapped || ti->expanded ||
	    ti->live != NULL ||
	    (ti->state != TI_SCHEDULED && ti->state != TI_UP_FOR_RETRY &&
	     ti->state != TI_UP_FOR_RESCHEDULE))
		return 0;
	sched_dispatch_remove(s, ti);
	sched_try_disarm(s, ti);
	u.reason = "its task is now mapped (foreach:): made into items when it runs";
	if (ti->state != TI_SCHEDULED && sched_ti_set(s, ti, TI_SCHEDULED, &u) < 0)
		return -1;
	if (sched_ti_set(s, ti, TI_NONE, &u) < 0)
		return -1;
	sched_dispatch_eval(s, ti);
	return 1;
}

void
sched_map_reset(struct sched *s, struct ti *ti)
{
	for (int i = 0; i < ti->nitems; i++) {
		ti->items[i].heap_pos = -1;
		sched_try_disarm(s, &ti->items[i]);
	}
}

void
sched_map_free(struct sched *s, struct ti *ti)
{
	for (int i = 0; i < ti->nitems; i++) {
		struct ti *it = &ti->items[i];

		sched_runs_forget_ti(s, it);
		json_decref(it->map_item);
		free(it->name);
	}
	free(ti->items);
	ti->items = NULL;
	ti->nitems = 0;
	ti->expanded = 0;
}

struct task *
sched_map_task(const struct dag *d, const char *task_id)
{
	struct task *t = dag_task(d, task_id);

	return t != NULL ? t : dag_map_item_task(d, task_id, NULL);
}
