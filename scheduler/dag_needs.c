/* dag_needs.c: `needs:` entries as read from a DAG file, and the checks
 * across the DAG folder (see dag_needs.h). */
#include "scheduler/dag_needs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "scheduler/dag_keys.h"

#define NEEDS_MAX 1000

void
dag_needs_free(struct need *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].dag);
		free(v[i].task);
		free(v[i].dataset);
		free(v[i].res_dag);
		free(v[i].res_task);
	}
	free(v);
}

const char *
dag_needs_up_dag(const struct need *nd)
{
	return nd->dataset != NULL ? nd->res_dag : nd->dag;
}

const char *
dag_needs_up_task(const struct need *nd)
{
	return nd->dataset != NULL ? nd->res_task : nd->task;
}

/* One entry: {dag, task} or {dataset}, with offset, latest, on_change. */
static int
need_parse(struct ydoc *d, ynode_t *v, const char *what, struct need *nd,
	   struct sl_err *err)
{
	const char *s;
	ynode_t *x, *off;
	long long iv;
	char names[256];

	nd->line = ynode_line(v);
	nd->col = ynode_col(v);
	nd->path = xstrdup(what);
	if (v->type != YAML_MAPPING_NODE)
		return ydoc_err_path(d, v, what, err,
				     "expected a mapping such as {dag: NAME, task: NAME} or {dataset: NAME}, got %s",
				     ynode_kind(v));
	if (ymap_check_dups(d, v, err) < 0)
		return -1;
	for (yaml_node_pair_t *p = ymap_begin(v); p < ymap_end(v); p++) {
		ynode_t *k = ydoc_node(d, p->key);

		if (ynode_str(k) == NULL ||
		    dag_key_value_index(dag_need_keys, ynode_str(k)) < 0) {
			char hint[128];

			return ydoc_err_path(d, k, what, err, "unknown key '%s' (%sknown: %s)",
					     ynode_str(k) ? ynode_str(k) : "?",
					text_hint(ynode_str(k) ?
						  dag_key_value_suggest(dag_need_keys,
									ynode_str(k)) : NULL,
						  hint, sizeof hint),
					dag_key_values_names(dag_need_keys, names,
							     sizeof names));
		}
	}
	if ((x = ymap_get(d, v, "dag")) != NULL) {
		if (ynode_get_str(d, x, NULL, &s, err) < 0)
			return -1;
		nd->dag = xstrdup(s);
		nd->dag_line = ynode_line(x);
		nd->dag_col = ynode_col(x);
	}
	if ((x = ymap_get(d, v, "dataset")) != NULL) {
		if (ynode_get_str(d, x, NULL, &s, err) < 0)
			return -1;
		if (nd->dag != NULL)
			return ydoc_err_path(d, x, what, err,
					     "a need names a dag or a dataset, not both");
		if (*s == '\0' || strlen(s) > 1024)
			return ynode_err(d, x, err,
					 "a name of 1 to 1024 characters");
		nd->dataset = xstrdup(s);
		nd->dataset_line = ynode_line(x);
		nd->dataset_col = ynode_col(x);
	}
	if (nd->dag == NULL && nd->dataset == NULL)
		return ydoc_err_path(d, v, what, err, "missing 'dag' or 'dataset'");
	if ((x = ymap_get(d, v, "task")) != NULL) {
		if (ynode_get_str(d, x, NULL, &s, err) < 0)
			return -1;
		if (nd->dag == NULL)
			return ynode_err(d, x, err,
					 "a task goes with dag: (a dataset names its producer itself)");
		nd->task = xstrdup(s);
		nd->task_line = ynode_line(x);
		nd->task_col = ynode_col(x);
	}
	if ((x = ymap_get(d, v, "latest")) != NULL &&
	    ynode_get_bool(d, x, NULL, &nd->latest, err) < 0)
		return -1;
	if ((off = ymap_get(d, v, "offset")) != NULL) {
		int64_t ms;

		/* offset: -1d, as a time shift is written elsewhere */
		if ((s = ynode_str(off)) != NULL && *s == '-' &&
		    strspn(s + 1, "0123456789") < strlen(s + 1) &&
		    sl_parse_duration(s + 1, &ms) == 0)
			return ynode_err(d, off, err,
					 "'%s' is a duration: offset counts the DAG's own periods, a whole number (-1: the period before, a day back for a daily DAG, an hour for an hourly one)",
					 s);
		if ((s = ynode_str(off)) != NULL && *s != '-' && *s != '0' &&
		    *s != '\0' && strspn(s, "+0123456789") == strlen(s))
			return ynode_err(d, off, err,
					 "%s would wait for a later partition: a need looks back (0: the partition's own interval, -1: the one before)",
					 s);
		if (ynode_get_int(d, off, NULL, -100000, 0, &iv, err) < 0)
			return -1;
		nd->offset = (int)iv;
		if (nd->latest)
			return ynode_err(d, off, err,
					 "not with latest: true (latest takes the newest successful partition, whatever the interval)");
	}
	if ((x = ymap_get(d, v, "on_change")) != NULL) {
		int i;

		if (ynode_get_str(d, x, NULL, &s, err) < 0)
			return -1;
		if ((i = dag_key_value_index(dag_need_on_change, s)) < 0) {
			char hint[128];

			return ynode_err(d, x, err,
					 "unknown value '%s' (%sknown: %s)", s,
					 text_hint(dag_key_value_suggest(dag_need_on_change, s),
						   hint, sizeof hint),
					dag_key_values_names(dag_need_on_change,
							     names, sizeof names));
		}
		nd->on_change = (enum need_on_change)i;
	}
	return 0;
}

int
dag_needs_parse(struct ydoc *d, ynode_t *v, const char *what,
		struct need **out, int *n, struct sl_err *err,
		int (*note)(void *), void *note_arg)
{
	int bad = 0;

	struct need *nv;
	int cnt, i = 0;
	char at[300];

	*out = NULL;
	*n = 0;
	if (ynode_is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return ydoc_err_path(d, v, what, err,
				     "expected a list of needs ({dag: NAME} or {dataset: NAME}), got %s",
				     ynode_kind(v));
	cnt = (int)(yseq_end(v) - yseq_begin(v));
	if (cnt > NEEDS_MAX)
		return ydoc_err_path(d, v, what, err, "more than %d needs",
				     NEEDS_MAX);
	nv = xcalloc((size_t)(cnt > 0 ? cnt : 1), sizeof *nv);
	for (yaml_node_item_t *it = yseq_begin(v); it < yseq_end(v); it++, i++) {
		snprintf(at, sizeof at, "%s[%d]", what, i);
		if (need_parse(d, ydoc_node(d, *it), at, &nv[i], err) < 0) {
			if (note == NULL) {
				dag_needs_free(nv, i + 1);
				return -1;
			}
			/* said; the next need is read too */
			note(note_arg);
			bad = 1;
		}
	}
	if (bad) {
		dag_needs_free(nv, cnt);
		return err->msg[0] != '\0' ? -1 : 0;
	}
	*out = nv;
	*n = cnt;
	return 0;
}

/* --- across the folder --- */

struct bag_check {
	struct dagbag *b;
	json_t *index;		/* DAG name -> entry index */
	json_t *producers;	/* dataset -> "dag\ttask" */
	char **err;		/* per entry: the first error, or NULL */
};

/* An error of entry i at line:col, or at the need's own place when the
 * field it is about is not written there (0). */
static void
bag_fail(struct bag_check *c, int i, const struct need *nd, int line,
	 int col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void
bag_fail(struct bag_check *c, int i, const struct need *nd, int line,
	 int col, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (c->err[i] != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line <= 0) {
		line = nd->line;
		col = nd->col;
	}
	c->err[i] = xasprintf("%s:%d:%d: %s", c->b->entries[i].file, line,
			      col, msg);
}

static const struct dag *
bag_dag(struct bag_check *c, const char *name, int *idx)
{
	json_t *x = json_object_get(c->index, name);

	if (x == NULL)
		return NULL;
	if (idx != NULL)
		*idx = (int)json_integer_value(x);
	return c->b->entries[json_integer_value(x)].dag;
}

/* Is the entry one whose DAG counts (loaded, or kept only because of its
 * needs)? A last good version of a broken file counts too. */
static int
bag_counts(const struct dagbag_entry *e)
{
	return e->dag != NULL && !e->duplicate;
}

/* Resolve one need of entry i (sets res_dag/res_task for a dataset). */
static void
bag_resolve(struct bag_check *c, int i, struct need *nd)
{
	const char *what = nd->path != NULL ? nd->path : "needs";
	const struct dag *up;
	struct text_near near;

	free(nd->res_dag);
	free(nd->res_task);
	nd->res_dag = nd->res_task = NULL;
	if (nd->dataset != NULL) {
		json_t *p = json_object_get(c->producers, nd->dataset);
		const char *s, *tab;

		if (p == NULL) {
			const char *k;
			json_t *v;

			text_near_init(&near, nd->dataset);
			json_object_foreach(c->producers, k, v)
				text_near_add(&near, k);
			if (text_near_best(&near) != NULL)
				bag_fail(c, i, nd, nd->dataset_line,
					 nd->dataset_col,
					 "%s.dataset: no task of the DAG folder produces dataset '%s' (did you mean '%s'?)",
					 what, nd->dataset, text_near_best(&near));
			else
				bag_fail(c, i, nd, nd->dataset_line,
					 nd->dataset_col,
					 "%s.dataset: no task of the DAG folder produces dataset '%s' (a task declares it with produces: [%s])",
					 what, nd->dataset, nd->dataset);
			return;
		}
		s = json_string_value(p);
		tab = strchr(s, '\t');
		nd->res_dag = xstrndup(s, (size_t)(tab - s));
		nd->res_task = xstrdup(tab + 1);
		return;
	}
	up = bag_dag(c, nd->dag, NULL);
	if (up == NULL) {
		const char *k;
		json_t *v;

		text_near_init(&near, nd->dag);
		json_object_foreach(c->index, k, v)
			text_near_add(&near, k);
		bag_fail(c, i, nd, nd->dag_line, nd->dag_col,
			 "%s.dag: no DAG '%s' in the DAG folder%s%s%s",
			 what, nd->dag, text_near_best(&near) ? " (did you mean '" : "",
			 text_near_best(&near) ? text_near_best(&near) : "",
			 text_near_best(&near) ? "'?)" : "");
		return;
	}
	if (nd->task != NULL && dag_task(up, nd->task) == NULL) {
		text_near_init(&near, nd->task);
		for (int t = 0; t < up->ntasks; t++)
			text_near_add(&near, up->tasks[t].name);
		bag_fail(c, i, nd, nd->task_line, nd->task_col,
			 "%s.task: DAG '%s' has no task '%s'%s%s%s", what,
			 nd->dag, nd->task,
			 text_near_best(&near) ? " (did you mean '" : "",
			 text_near_best(&near) ? text_near_best(&near) : "",
			 text_near_best(&near) ? "'?)" : "");
	}
}

/* Depth-first search over "needs" edges; on a cycle, every DAG on it is
 * in error, with the cycle spelled out. */
static void
bag_cycle(struct bag_check *c, int i, char *color, int *stack,
	  const struct need **via, int depth)
{
	const struct dag *dg = c->b->entries[i].dag;
	int total = dg->nneeds;

	for (int t = 0; t < dg->ntasks; t++)
		total += dg->tasks[t].nneeds;
	color[i] = 1;
	stack[depth] = i;
	for (int k = 0, t = -1, base = 0; k < total; k++) {
		const struct need *nd;
		const char *upn;
		int j;

		/* k walks the DAG's needs, then each task's */
		while (k >= base + (t < 0 ? dg->nneeds : dg->tasks[t].nneeds)) {
			base += t < 0 ? dg->nneeds : dg->tasks[t].nneeds;
			t++;
		}
		nd = t < 0 ? &dg->needs[k - base] : &dg->tasks[t].needs[k - base];
		upn = dag_needs_up_dag(nd);
		if (upn == NULL || bag_dag(c, upn, &j) == NULL ||
		    !bag_counts(&c->b->entries[j]))
			continue;
		/* a DAG may need its own earlier partitions */
		if (j == i && nd->offset < 0)
			continue;
		via[depth] = nd;
		if (color[j] == 1) {
			char path[2048];
			size_t off = 0;
			int from = depth;

			while (from > 0 && stack[from] != j)
				from--;
			for (int x = from; x <= depth && off < sizeof path; x++)
				off += (size_t)snprintf(path + off, sizeof path - off,
						"%s -> ", c->b->entries[stack[x]].dag->name);
			if (off < sizeof path)
				snprintf(path + off, sizeof path - off, "%s",
					 c->b->entries[j].dag->name);
			for (int x = from; x <= depth; x++) {
				const struct need *v = via[x];
				int ds = v->dataset != NULL;

				/* at the dag: or dataset: naming the next
				 * DAG of the cycle */
				bag_fail(c, stack[x], v,
					 ds ? v->dataset_line : v->dag_line,
					 ds ? v->dataset_col : v->dag_col,
					 "%s.%s: a cycle across DAGs: %s",
					 v->path != NULL ? v->path : "needs",
					 ds ? "dataset" : "dag", path);
			}
			continue;
		}
		if (color[j] == 0)
			bag_cycle(c, j, color, stack, via, depth + 1);
	}
	color[i] = 2;
}

/* Take the DAG of entry e out for its needs error msg (owned). */
static void
bag_take_out(struct dagbag_entry *e, struct dagbag *prev, char *msg)
{
	struct dagbag_entry *p = NULL;

	free(e->error);
	e->error = msg;
	json_decref(e->errors);	/* (the file's own errors: none, it loaded) */
	e->errors = NULL;
	e->needs_error = 1;
	if (e->reused || e->stale) {
		/* the folder held this version: it stays, stale */
		e->stale = 1;
		return;
	}
	if (prev != NULL)
		for (int i = 0; i < prev->n; i++)
			if (strcmp(prev->entries[i].file, e->file) == 0)
				p = &prev->entries[i];
	dag_free(e->dag);
	e->dag = NULL;
	if (p != NULL && p->dag != NULL) {
		e->dag = p->dag;
		p->dag = NULL;
		e->stale = 1;
	}
}

int
dag_needs_check_bag(struct dagbag *b, struct dagbag *prev)
{
	struct bag_check c;
	char *color;
	int *stack, nerr = 0;
	const struct need **via;

	memset(&c, 0, sizeof c);
	c.b = b;
	c.index = json_object();
	c.producers = json_object();
	c.err = xcalloc((size_t)b->n + 1, sizeof *c.err);
	for (int i = 0; i < b->n; i++) {
		struct dagbag_entry *e = &b->entries[i];

		if (!bag_counts(e))
			continue;
		json_object_set_new(c.index, e->dag->name, json_integer(i));
	}
	/* datasets: one producing task each */
	for (int i = 0; i < b->n; i++) {
		struct dag *dg = b->entries[i].dag;

		if (!bag_counts(&b->entries[i]))
			continue;
		for (int t = 0; t < dg->ntasks; t++)
			for (char **p = dg->tasks[t].produces; p && *p; p++) {
				const int *at = dg->tasks[t].produces_at;
				size_t k = (size_t)(p - dg->tasks[t].produces);
				json_t *o = json_object_get(c.producers, *p);
				char *who = xasprintf("%s\t%s", dg->name,
						      dg->tasks[t].name);

				if (o == NULL)
					json_object_set_new(c.producers, *p,
							    json_string(who));
				else if (strcmp(json_string_value(o), who) != 0 &&
					 c.err[i] == NULL) {
					const char *os = json_string_value(o);

					c.err[i] = xasprintf(
					    "%s:%d:%d: tasks.%s.produces: dataset '%s' is already produced by %.*s.%s (a dataset has one producing task)",
					    b->entries[i].file,
					    at ? at[2 * k] : dg->tasks[t].line,
					    at ? at[2 * k + 1] : dg->tasks[t].col,
					    dg->tasks[t].name,
					    *p, (int)(strchr(os, '\t') - os), os,
					    strchr(os, '\t') + 1);
				}
				free(who);
			}
	}
	for (int i = 0; i < b->n; i++) {
		struct dag *dg = b->entries[i].dag;

		if (!bag_counts(&b->entries[i]))
			continue;
		for (int k = 0; k < dg->nneeds; k++)
			bag_resolve(&c, i, &dg->needs[k]);
		for (int t = 0; t < dg->ntasks; t++)
			for (int k = 0; k < dg->tasks[t].nneeds; k++)
				bag_resolve(&c, i, &dg->tasks[t].needs[k]);
	}
	color = xcalloc((size_t)b->n + 1, 1);
	stack = xcalloc((size_t)b->n + 1, sizeof *stack);
	via = xcalloc((size_t)b->n + 1, sizeof *via);
	for (int i = 0; i < b->n; i++)
		if (bag_counts(&b->entries[i]) && color[i] == 0)
			bag_cycle(&c, i, color, stack, via, 0);
	free(color);
	free(stack);
	free(via);
	for (int i = 0; i < b->n; i++) {
		struct dagbag_entry *e = &b->entries[i];

		if (c.err[i] != NULL && e->stale && !e->needs_error &&
		    e->error != NULL) {
			/* a broken file's last good version: its own error
			 * says more */
			free(c.err[i]);
		} else if (c.err[i] != NULL) {
			bag_take_out(e, prev, c.err[i]);
			nerr++;
		} else if (e->needs_error && e->dag != NULL) {
			/* resolved again */
			free(e->error);
			e->error = NULL;
			e->needs_error = 0;
			e->stale = 0;
		}
	}
	free(c.err);
	json_decref(c.index);
	json_decref(c.producers);
	return nerr;
}
