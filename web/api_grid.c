/* api_grid.c: the grid: a page of runs x the DAG's tasks, written as JSON by hand (the UI polls it; a big DAG's page holds 100,000 cells). */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

void
grid_json_str(struct buf *b, const char *s)
{
	json_t *v = json_string(s ? s : "");
	char *text = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

	buf_adds(b, text ? text : "\"\"");
	free(text);
	json_decref(v);
}

/* A state name as a JSON string: states are [a-z_] words, written as
 * they are; anything else goes through the escaper. */
static void
json_state(struct buf *b, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if ((*p < 'a' || *p > 'z') && *p != '_') {
			grid_json_str(b, s);
			return;
		}
	buf_addc(b, '"');
	buf_add(b, s, (size_t)(p - s));
	buf_addc(b, '"');
}

/* A decimal integer at p (room for 21 bytes); returns the end. The grid
 * writes 100,000 of them: no printf. */
static char *
put_int(char *p, long long v)
{
	char tmp[24], *t = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		*--t = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--t = '-';
	memcpy(p, t, (size_t)(tmp + sizeof tmp - t));
	return p + (tmp + sizeof tmp - t);
}

/* Is s a state name that needs no escaping and fits a cell? */
static int
plain_state(const char *s, size_t *n)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (((*p < 'a' || *p > 'z') && *p != '_') || p - s >= 40)
			return 0;
	*n = (size_t)(p - s);
	return 1;
}

/* What a grid build keeps while the store hands it a run's cells. */
struct grid_fill {
	const struct dag *d;
	struct grid_cell *cells;
	char **slow;
	int hint;
	char (*state)[GRID_CELL_MAX];	/* each task's state (groups) */
	const char **states;		/* pointers to them */
	struct grid_maps *maps;		/* mapped tasks' items */
};

void
grid_cell_put(struct grid_cell *c, char **slow, const char *state,
	      int64_t duration_ms, int try_number)
{
	size_t n;
	char *p;

	if (state == NULL || !plain_state(state, &n)) {
		/* not a state this build writes: escaped, kept aside */
		struct buf sb;

		buf_init(&sb, 0);
		buf_addc(&sb, '[');
		grid_json_str(&sb, state);
		if (duration_ms < 0)
			buf_adds(&sb, ",null");
		else
			buf_printf(&sb, ",%lld", (long long)duration_ms);
		buf_printf(&sb, ",%d]", try_number);
		free(*slow);
		*slow = buf_steal(&sb);
		c->len = -1;
		return;
	}
	/* no printf: the grid writes 100,000 cells */
	p = c->text;
	*p++ = '[';
	*p++ = '"';
	memcpy(p, state, n);
	p += n;
	*p++ = '"';
	*p++ = ',';
	if (duration_ms < 0) {
		memcpy(p, "null", 4);
		p += 4;
	} else
		p = put_int(p, (long long)duration_ms);
	*p++ = ',';
	p = put_int(p, try_number);
	*p++ = ']';
	c->len = (int)(p - c->text);
}

/* One task instance of the run being written → its cell (an item of a
 * mapped task, NAME[i], → grid_maps). */
static void
grid_cell_cb(void *arg, const char *task, const char *state,
	     int64_t duration_ms, int try_number)
{
	struct grid_fill *f = arg;
	const struct dag *d = f->d;
	int idx = -1;

	/* task instances come in task order almost always */
	if (f->hint < d->ntasks && strcmp(d->tasks[f->hint].name, task) == 0)
		idx = f->hint;
	else if (grid_maps_item(f->maps, task, state, duration_ms, try_number))
		return;
	else
		for (int i = 0; i < d->ntasks; i++)
			if (strcmp(d->tasks[i].name, task) == 0) {
				idx = i;
				break;
			}
	if (idx < 0 || f->cells[idx].len != 0)
		return;	/* a task no longer in the DAG */
	f->hint = idx + 1;
	if (state != NULL) {
		size_t sl = strnlen(state, sizeof f->state[idx] - 1);

		memcpy(f->state[idx], state, sl);
		f->state[idx][sl] = '\0';
	}
	grid_cell_put(&f->cells[idx], &f->slow[idx], state, duration_ms, try_number);
}

int
api_grid_write(struct web *w, const struct dag *d, const struct store_grid_query *q,
	       int limit, int offset, const json_t *at, struct buf *out)
{
	struct store_grid_run *runs;
	int nruns = 0, rc = 0;
	int64_t total = 0;
	struct grid_fill f = { d, NULL, NULL, 0, NULL, NULL, NULL };

	if (store_grid_runs(w->store, d->name, q, limit, offset,
			    &runs, &nruns, &total) < 0)
		return -1;
	f.cells = xmalloc((size_t)d->ntasks * sizeof *f.cells + 1);
	f.slow = xcalloc((size_t)d->ntasks + 1, sizeof *f.slow);
	f.state = xcalloc((size_t)d->ntasks + 1, sizeof *f.state);
	f.states = xcalloc((size_t)d->ntasks + 1, sizeof *f.states);
	for (int i = 0; i < d->ntasks; i++)
		f.states[i] = f.state[i];
	f.maps = grid_maps_new(d);
	buf_adds(out, "{\"dag\":");
	grid_json_str(out, d->name);
	buf_adds(out, ",\"tasks\":[");
	for (int i = 0; i < d->ntasks; i++) {
		if (i > 0)
			buf_addc(out, ',');
		grid_json_str(out, d->tasks[i].name);
	}
	buf_addc(out, ']');
	grid_groups_head(d, out);
	buf_printf(out, ",\"total\":%lld,\"limit\":%d,\"offset\":%d,",
		   (long long)total, limit, offset);
	if (at != NULL) {
		/* what a jump named: the page holds the newest of these */
		char *text = json_dumps(at, JSON_COMPACT);

		if (text == NULL)
			sl_fatal("out of memory");
		buf_adds(out, "\"at\":");
		buf_adds(out, text);
		buf_addc(out, ',');
		free(text);
	}
	buf_adds(out, "\"partitions\":[");
	for (int k = 0; k < nruns; k++) {
		struct store_grid_run *g = &runs[k];

		for (int i = 0; i < d->ntasks; i++) {
			f.cells[i].len = 0;
			f.state[i][0] = '\0';
		}
		f.hint = 0;
		if (store_grid_tis(w->store, g->id, grid_cell_cb, &f) < 0) {
			rc = -1;
			break;
		}
		if (k > 0)
			buf_addc(out, ',');
		buf_adds(out, "{\"partition\":");
		grid_json_str(out, g->partition);
		{
			char num[64], *p = num;

			memcpy(p, ",\"start_s\":", 11);
			p = put_int(p + 11, (long long)g->start_s);
			memcpy(p, ",\"end_s\":", 9);
			p = put_int(p + 9, (long long)g->end_s);
			buf_add(out, num, (size_t)(p - num));
		}
		buf_adds(out, ",\"state\":");
		json_state(out, g->state);
		buf_adds(out, ",\"run_type\":");
		json_state(out, g->run_type);
		buf_adds(out, ",\"cells\":[");
		for (int i = 0; i < d->ntasks; i++) {
			struct grid_cell *c = &f.cells[i];

			if (i > 0)
				buf_addc(out, ',');
			if (c->len > 0)
				buf_add(out, c->text, (size_t)c->len);
			else if (c->len < 0)
				buf_adds(out, f.slow[i]);
			else
				buf_add(out, "null", 4);
		}
		buf_addc(out, ']');
		grid_groups_cells(d, f.states, out);
		grid_maps_cells(f.maps, out);
		buf_addc(out, '}');
	}
	buf_addc(out, ']');
	grid_maps_head(f.maps, out);
	buf_addc(out, '}');
	grid_maps_free(f.maps);
	for (int i = 0; i < d->ntasks; i++)
		free(f.slow[i]);
	free(f.slow);
	free(f.state);
	free(f.states);
	store_grid_runs_free(runs, nruns);
	free(f.cells);
	return rc;
}

/* The grid's filters from the query: state (the run's), task_state
 * (a task instance of the run in it) and stale=1 (runs an upstream
 * change made stale, needs:); -1 after 400. */
static int
grid_filter_args(struct web_req *r, struct store_grid_query *q)
{
	const char *rs = web_query(r, "state"), *ts = web_query(r, "task_state");
	const char *stale = web_query(r, "stale");

	q->run_state = rs != NULL && *rs != '\0' ? rs : NULL;
	q->ti_state = ts != NULL && *ts != '\0' ? ts : NULL;
	q->only_stale = stale != NULL && strcmp(stale, "1") == 0;
	if (stale != NULL && *stale != '\0' && strcmp(stale, "1") != 0 && strcmp(stale, "0") != 0)
		return web_error(r, 400, "stale must be 1 or 0");
	if (q->run_state != NULL && run_state_parse(q->run_state) < 0)
		return web_error(r, 400, "state must be a run state (queued, running, success, failed)");
	if (q->ti_state != NULL && ti_state_parse(q->ti_state) < 0)
		return web_error(r, 400, "task_state must be a task instance state (failed, running, ...)");
	return 0;
}

/* The partitions ?at= names, as the grid shows them: its runs and, for a
 * scheduled DAG, the partitions of its schedule it names that the grid
 * shows as never-run rows (the partition map's missing: in the DAG's
 * start..end, their interval ended, no run); with never_run 0 (a filter:
 * the grid shows runs only) those only when it names no run. -1 after
 * replying. */
static int
grid_at_resolve(struct web_req *r, const struct dag *d, const char *at,
		int never_run, struct partition_set *set)
{
	struct sl_err err;
	int64_t now = sl_now_ms() / 1000;
	int runs;

	sl_err_clear(&err);
	runs = partition_resolve(r->w->store, d, at, now, PARTITION_RUNS, set, NULL, &err) == 0;
	if (!runs) {
		set->v = NULL;
		set->n = 0;
	}
	if (!web_store_busy(r->w) && d->schedule != NULL && (never_run || !runs)) {
		struct partition_set ticks;
		struct sl_err err2;
		size_t cap = set->n;

		sl_err_clear(&err2);
		if (partition_resolve(r->w->store, d, at, now, PARTITION_TICKS, &ticks, NULL, &err2) == 0) {
			size_t before = set->n;

			for (size_t i = 0; i < ticks.n; i++) {
				const struct partition *t = &ticks.v[i];

				if (t->exists || t->start_s < d->start || t->start_s >= d->end || t->end_s > now)
					continue;
				SL_GROW(set->v, cap, set->n + 1);
				set->v[set->n++] = *t;
			}
			partition_set_free(&ticks);
			if (set->n > before)
				qsort(set->v, set->n, sizeof *set->v, partition_cmp);
		}
	}
	if (set->n > 0)
		return 0;
	partition_set_free(set);
	if (web_store_busy(r->w))
		return web_error(r, 503, "the database is busy; try again");
	return web_error(r, 400, "%s", err.msg);
}

/* from/to of the query as the grid's range; -1 after 400. */
static int
grid_range_args(struct web_req *r, const struct dag *d, struct store_grid_query *q)
{
	struct store_run_range range;

	if (api_range_args(r, d, &range) < 0)
		return -1;
	q->from_s = range.from_s;
	q->from_id = range.from_id;
	q->to_s = range.to_s;
	q->to_id = range.to_id;
	return 0;
}

/* A page of the grid. ?at=P jumps: P is resolved as the CLI does (a key,
 * a time, a date), and the page is the one holding the newest partition
 * P names (pages are limit rows from the newest); the reply's "at" lists
 * what P named: runs, or for a scheduled DAG partitions without one. */
enum web_result
api_grid(struct web_req *r)
{
	struct dag *d = r->dag;
	struct store_grid_query q;
	const char *at = web_query(r, "at");
	json_t *at_keys = NULL;
	int limit, offset;
	enum web_result res = WEB_DONE;

	memset(&q, 0, sizeof q);
	if (grid_range_args(r, d, &q) < 0 || grid_filter_args(r, &q) < 0 ||
	    api_page_args(r, 50, &limit, &offset) < 0)
		return WEB_DONE;
	if (at != NULL && *at != '\0') {
		struct partition_set set;
		int64_t pos = 0;

		/* a date or time names the schedule's partitions without a
		 * run too: the page around them shows them as never-run rows
		 * (the partition map's missing) */
		if (grid_at_resolve(r, d, at, q.run_state == NULL && q.ti_state == NULL && !q.only_stale,
				    &set) < 0)
			return WEB_DONE;
		if (store_grid_position(r->w->store, d->name, &q, set.v[set.n - 1].start_s, &pos) < 0) {
			partition_set_free(&set);
			return api_db_failed(r);
		}
		offset = (int)(pos / limit * limit);
		at_keys = json_array();
		for (size_t i = set.n; i-- > 0;)
			json_array_append_new(at_keys, json_string(set.v[i].key));
		partition_set_free(&set);
	}
	{
		struct buf out;

		buf_init(&out, 0);
		if (api_grid_write(r->w, d, &q, limit, offset, at_keys, &out) < 0) {
			buf_free(&out);
			json_decref(at_keys);
			if (web_store_busy(r->w))
				return WEB_BUSY;
			web_error(r, 500, "database: %s", store_errmsg(r->w->store));
			return WEB_DONE;
		}
		web_text(r, 200, "application/json", buf_str(&out), out.len);
		buf_free(&out);
	}
	json_decref(at_keys);
	return res;
}

#define GRID_KEYS_MAX 20000	/* partitions one range of the grid may name */

/* The keys of the runs from..to (both inclusive, resolved as the CLI's
 * --from/--to), newest first, under the grid's filters: a selection
 * across pages (shift-click) asks for these. */
enum web_result
api_grid_keys(struct web_req *r)
{
	struct dag *d = r->dag;
	struct store_grid_query q;
	struct store_grid_run *runs;
	int nruns = 0;
	int64_t total = 0;
	json_t *keys;
	const char *f = web_query(r, "from"), *t = web_query(r, "to");

	memset(&q, 0, sizeof q);
	if (f == NULL || *f == '\0' || t == NULL || *t == '\0') {
		web_error(r, 400, "name the range: from and to (partitions, times or dates)");
		return WEB_DONE;
	}
	if (grid_range_args(r, d, &q) < 0 || grid_filter_args(r, &q) < 0)
		return WEB_DONE;
	if (store_grid_runs(r->w->store, d->name, &q, GRID_KEYS_MAX, 0, &runs, &nruns, &total) < 0) {
		if (web_store_busy(r->w))
			return WEB_BUSY;
		return api_db_failed(r);
	}
	if (total > GRID_KEYS_MAX) {
		store_grid_runs_free(runs, nruns);
		web_error(r, 400, "the range holds %lld partitions; at most %d at once",
			  (long long)total, GRID_KEYS_MAX);
		return WEB_DONE;
	}
	keys = json_array();
	for (int i = 0; i < nruns; i++)
		json_array_append_new(keys, json_string(runs[i].partition));
	store_grid_runs_free(runs, nruns);
	web_json(r, 200, json_pack("{s:s,s:I,s:o}", "dag", d->name, "count", (json_int_t)nruns,
				   "partitions", keys));
	return WEB_DONE;
}
