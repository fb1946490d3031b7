/* dag_map.c: mapped tasks in a DAG file: foreach, max_active, max_map and
 * where item may be used (see dag_map.h); and prev_partition, the other
 * name the DAG's shape allows or not. */
#include "scheduler/dag_map.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "scheduler/dag_outputs.h"
#include "scheduler/template.h"

/* Point err at offset off of scalar v's text (a one-line scalar). */
static void
place_at(const ynode_t *v, size_t off, struct sl_err *err)
{
	if (err == NULL || v->type != YAML_SCALAR_NODE ||
	    v->start_mark.line != v->end_mark.line)
		return;
	if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		err->col += (int)off;
	else if (v->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
		 v->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE)
		err->col += (int)off + 1;
}

static int
foreach_bad(struct ydoc *d, ynode_t *v, struct sl_err *err)
{
	return ynode_err(d, v, err,
			 "expected a list, a template that renders to a JSON array (\"{{ params.NAME }}\") or {output: TASK, key: KEY}; got %s",
			 ynode_str(v) != NULL ?
			"a value with no template (a literal list is written [a, b])" :
			ynode_kind(v));
}

/* foreach: {output: TASK, key: KEY} */
static int
load_output(struct ydoc *d, ynode_t *v, struct task *t, struct sl_err *err)
{
	ynode_t *task = NULL, *key = NULL;
	const char *s;

	if (ymap_check_dups(d, v, err) < 0)
		return -1;
	for (yaml_node_pair_t *p = ymap_begin(v); p < ymap_end(v); p++) {
		ynode_t *k = ydoc_node(d, p->key);
		const char *name = ynode_str(k);
		char hint[160];

		if (name != NULL && strcmp(name, "output") == 0)
			task = ydoc_node(d, p->value);
		else if (name != NULL && strcmp(name, "key") == 0)
			key = ydoc_node(d, p->value);
		else
			return ynode_err(d, k, err,
					 "unknown key '%s' (%sknown: output, key)",
					 name ? name : "?",
					 text_hint_list(name, "output, key", hint, sizeof hint));
	}
	if (task == NULL || key == NULL)
		return ynode_err(d, v, err,
				 "an output list needs both output: TASK and key: KEY");
	if (ynode_get_str(d, task, NULL, &s, err) < 0)
		return -1;
	t->foreach_task = xstrdup(s);
	if (ynode_get_str(d, key, NULL, &s, err) < 0)
		return -1;
	if (*s == '\0')
		return ynode_err(d, key, err, "empty");
	t->foreach_key = xstrdup(s);
	return 0;
}

/* max_active or max_map (key) of a mapped task into *out. */
static int
load_limit(struct ydoc *d, ynode_t *node, const struct task *t,
	   const char *key, int *out, struct sl_err *err)
{
	ynode_t *v = ymap_get(d, node, key);
	long long iv;

	if (v == NULL || ynode_is_null(v))
		return 0;
	if (!t->mapped)
		return ynode_err(d, v, err,
				 "only a mapped task (foreach:) takes %s", key);
	if (ynode_get_int(d, v, NULL, 1, 1000000, &iv, err) < 0)
		return -1;
	*out = (int)iv;
	return 0;
}

int
dag_map_load_task(struct ydoc *d, ynode_t *node, const struct dag *dag,
		  struct task *t, struct sl_err *err)
{
	ynode_t *v = ymap_get(d, node, "foreach");

	t->foreach_output = -1;
	if (v != NULL && !ynode_is_null(v)) {
		t->mapped = 1;
		if (v->type == YAML_SEQUENCE_NODE) {
			if (ynode_to_json(d, v, 1, &t->foreach_list, err) < 0)
				return -1;
		} else if (v->type == YAML_MAPPING_NODE) {
			if (load_output(d, v, t, err) < 0)
				return -1;
		} else if (ynode_str(v) != NULL && tmpl_has(ynode_str(v))) {
			struct sl_err e;

			if (tmpl_check(ynode_str(v), dag->param_decls, &e) < 0) {
				ynode_err(d, v, err, "%s", e.msg);
				place_at(v, (size_t)(e.col > 0 ? e.col - 1 : 0), err);
				return -1;
			}
			t->foreach_tmpl = xstrdup(ynode_str(v));
		} else
			return foreach_bad(d, v, err);
	}
	if (load_limit(d, node, t, "max_active", &t->max_active, err) < 0 ||
	    load_limit(d, node, t, "max_map", &t->max_map, err) < 0)
		return -1;
	return 0;
}

struct item_walk {
	struct ydoc *d;
	struct task *t;
	ynode_t *v;
	struct sl_err *err;
	int (*found)(void *arg, size_t off);	/* item_found, field_found */
	const char *name;			/* the name found: item */
};

static int
item_found(void *arg, size_t off)
{
	struct item_walk *w = arg;

	ynode_err(w->d, w->v, w->err,
		  "'{{ item }}' is only for a mapped task: add foreach: to '%s', or remove item",
		  w->t->name);
	place_at(w->v, off, w->err);
	return -1;
}

/* An item.FIELD of a task mapped over a literal list: every item must
 * have it (else each of them fails when it starts). */
static int
field_found(void *arg, size_t off)
{
	struct item_walk *w = arg;
	const char *at = ynode_str(w->v) + off;
	char name[256];
	size_t n = strcspn(at, " \t\r\n|}");
	const json_t *v;
	json_t *item;
	size_t i;
	struct sl_err e;

	snprintf(name, sizeof name, "%.*s", (int)n, at);
	if (strchr(name, '.') == NULL)
		return 0;
	json_array_foreach(w->t->foreach_list, i, item) {
		sl_err_clear(&e);
		if (tmpl_item_get(item, name, &v, &e) == 0)
			continue;
		/* "'item.key': the item has no field 'key'", naming which */
		{
			const char *rest = strstr(e.msg, "the item ");
			char *shown = json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);

			ynode_err(w->d, w->v, w->err,
				  "%.*sitem %zu of foreach: (%.60s%s) %s",
				  rest ? (int)(rest - e.msg) : 0, e.msg, i,
				  shown ? shown : "?",
				  shown && strlen(shown) > 60 ? "..." : "",
				  rest ? rest + strlen("the item ") : e.msg);
			free(shown);
		}
		place_at(w->v, off, w->err);
		return -1;
	}
	return 0;
}

/* prev_partition in an unscheduled DAG: every try would fail on it. */
static int
prev_found(void *arg, size_t off)
{
	struct item_walk *w = arg;

	ynode_err(w->d, w->v, w->err,
		  "'{{ prev_partition }}' is only for a scheduled DAG (an unscheduled one's partitions have no order): give the DAG a schedule:, or remove it");
	place_at(w->v, off, w->err);
	return -1;
}

static int
item_walk(struct item_walk *w, ynode_t *v)
{
	if (v == NULL)
		return 0;
	if (v->type == YAML_SCALAR_NODE) {
		if (!tmpl_has(ynode_str(v)))
			return 0;
		w->v = v;
		return tmpl_name_refs(ynode_str(v), w->name, w->found, w);
	}
	if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = yseq_begin(v); i < yseq_end(v); i++)
			if (item_walk(w, ydoc_node(w->d, *i)) < 0)
				return -1;
	} else if (v->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = ymap_begin(v); p < ymap_end(v); p++)
			if (item_walk(w, ydoc_node(w->d, p->value)) < 0)
				return -1;
	}
	return 0;
}

int
dag_map_check(struct ydoc *d, struct dag *dag, struct task *t, ynode_t *node,
	      struct sl_err *err)
{
	struct item_walk w = { d, t, NULL, err, item_found, "item" };

	if (node == NULL)
		return 0;
	if (dag->schedule == NULL) {
		struct item_walk pw = { d, t, NULL, err, prev_found,
					"prev_partition" };

		if (item_walk(&pw, node) < 0)
			return -1;
	}
	if (t->foreach_task != NULL) {
		ynode_t *v = ymap_get(d, ymap_get(d, node, "foreach"), "output");
		struct task *up = dag_task(dag, t->foreach_task);

		if (up == NULL)
			return ynode_err(d, v, err, "the DAG has no task '%s'",
					 t->foreach_task);
		if (!dag_outputs_is_upstream(dag, t->index, up->index))
			return ynode_err(d, v, err,
					 "'%s' is not upstream of '%s' (its output is read only by tasks that run after it: add it to after:)",
					 t->foreach_task, t->name);
		t->foreach_output = up->index;
		t->uses_outputs = 1;
	}
	if (t->mapped) {
		ynode_t *fe = ymap_get(d, node, "foreach");

		if (fe != NULL && fe->type == YAML_SCALAR_NODE) {
			w.v = fe;
			if (tmpl_item_refs(ynode_str(fe), item_found, &w) < 0) {
				/* say why item cannot be there */
				ynode_err(d, fe, err,
					  "'{{ item }}' cannot make the list of items itself");
				return -1;
			}
		}
		if (t->foreach_list == NULL)
			return 0;
		w.found = field_found;
		for (yaml_node_pair_t *p = ymap_begin(node); p < ymap_end(node); p++) {
			const char *k = ynode_str(ydoc_node(d, p->key));

			if ((k == NULL || strcmp(k, "foreach") != 0) &&
			    item_walk(&w, ydoc_node(d, p->value)) < 0)
				return -1;
		}
		return 0;
	}
	return item_walk(&w, node);
}

void
dag_map_free_task(struct task *t)
{
	json_decref(t->foreach_list);
	free(t->foreach_tmpl);
	free(t->foreach_task);
	free(t->foreach_key);
}

void
dag_map_task_json(const struct dag *d, const struct task *t, json_t *o)
{
	(void)d;
	if (!t->mapped || o == NULL)
		return;
	if (t->foreach_list != NULL)
		json_object_set(o, "foreach", t->foreach_list);
	else if (t->foreach_tmpl != NULL)
		json_object_set_new(o, "foreach", json_string(t->foreach_tmpl));
	else
		json_object_set_new(o, "foreach",
				    json_pack("{s:s,s:s}", "output",
					      t->foreach_task, "key",
					      t->foreach_key));
	if (t->max_active > 0)
		json_object_set_new(o, "max_active", json_integer(t->max_active));
	if (t->max_map > 0)
		json_object_set_new(o, "max_map", json_integer(t->max_map));
}

json_t *
dag_map_parse_list(const char *text, struct sl_err *err)
{
	json_t *v, *items;
	const char *p = text, *q;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '[' || *p == '{' || *p == '"') {
		json_error_t je;

		v = json_loads(p, JSON_DECODE_ANY, &je);
		if (v == NULL)
			sl_err_set(err, "the list is not valid JSON: %s", je.text);
		else if (!json_is_array(v)) {
			json_decref(v);
			v = NULL;
			sl_err_set(err, "expected a JSON array of items, got %s",
				   "another JSON value");
		}
		return v;
	}
	items = json_array();
	while (*p != '\0') {
		size_t n;

		q = strchr(p, ',');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		/* an empty part is no item, wherever it is ("a,,b", "a,") */
		if (n > 0)
			json_array_append_new(items, json_stringn(p, n));
		if (q == NULL)
			break;
		p = q + 1;
		while (isspace((unsigned char)*p))
			p++;
	}
	return items;
}

struct task *
dag_map_item_base(const struct dag *d, const char *name)
{
	const char *open = strrchr(name, '[');
	char task[512];
	size_t n;

	if (open == NULL || open == name || (n = (size_t)(open - name)) >= sizeof task)
		return NULL;
	memcpy(task, name, n);
	task[n] = '\0';
	return dag_task(d, task);
}

struct task *
dag_map_item_task(const struct dag *d, const char *name, int *index)
{
	const char *open = strrchr(name, '[');
	long long i = 0;
	struct task *t;

	if (open == NULL || open == name)
		return NULL;
	for (const char *p = open + 1; *p != ']'; p++) {
		if (!isdigit((unsigned char)*p) || i > 100000000 ||
		    (p == open + 1 && *p == '0' && p[1] != ']'))
			return NULL;
		i = i * 10 + (*p - '0');
	}
	if (open[1] == ']' || strchr(open, ']')[1] != '\0')
		return NULL;
	t = dag_map_item_base(d, name);
	if (t == NULL || !t->mapped)
		return NULL;
	if (index != NULL)
		*index = (int)i;
	return t;
}
