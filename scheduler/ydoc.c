/* ydoc.c: YAML documents with positions (libyaml's document API). */
#include "ydoc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 200000	/* per conversion: stops alias bombs */

struct ydoc {
	char *file;
	yaml_document_t doc;
	int loaded;
};

int
ydoc_parse(const char *name, const char *text, size_t len, struct ydoc **out,
	   struct sl_err *err)
{
	yaml_parser_t parser;
	struct ydoc *d;

	d = xcalloc(1, sizeof *d);
	d->file = xstrdup(name);
	if (!yaml_parser_initialize(&parser))
		sl_fatal("cannot initialise the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &d->doc)) {
		int line = (int)parser.problem_mark.line + 1;
		int col = (int)parser.problem_mark.column + 1;

		if (parser.context != NULL)
			sl_err_at(err, name, line, col, "YAML syntax: %s %s",
				  parser.problem ? parser.problem : "error",
				  parser.context);
		else
			sl_err_at(err, name, line, col, "YAML syntax: %s",
				  parser.problem ? parser.problem : "error");
		yaml_parser_delete(&parser);
		free(d->file);
		free(d);
		return -1;
	}
	d->loaded = 1;
	yaml_parser_delete(&parser);
	*out = d;
	return 0;
}

int
ydoc_load(const char *path, size_t limit, struct ydoc **out,
	  struct sl_err *err)
{
	char *text;
	size_t len;
	int r;

	if (sl_read_file(path, limit, &text, &len, err) < 0) {
		if (err != NULL && err->file[0] == '\0')
			snprintf(err->file, sizeof err->file, "%s", path);
		return -1;
	}
	r = ydoc_parse(path, text, len, out, err);
	free(text);
	return r;
}

void
ydoc_free(struct ydoc *d)
{
	if (d == NULL)
		return;
	if (d->loaded)
		yaml_document_delete(&d->doc);
	free(d->file);
	free(d);
}

const char *
ydoc_file(const struct ydoc *d)
{
	return d->file;
}

yaml_node_t *
ydoc_root(struct ydoc *d)
{
	return yaml_document_get_root_node(&d->doc);
}

yaml_node_t *
ydoc_node(struct ydoc *d, int id)
{
	return yaml_document_get_node(&d->doc, id);
}

int
ynode_line(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 0;
}

int
ynode_col(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.column + 1 : 0;
}

int
ydoc_err(struct ydoc *d, const yaml_node_t *n, struct sl_err *err,
	 const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	snprintf(err->file, sizeof err->file, "%s", d->file);
	err->line = ynode_line(n);
	err->col = ynode_col(n);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
ynode_str(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

int
ynode_is_null(const yaml_node_t *n)
{
	const char *s;

	if (n == NULL)
		return 1;
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = ynode_str(n);
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

const char *
ynode_kind(const yaml_node_t *n)
{
	if (n == NULL)
		return "nothing";
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return ynode_is_null(n) ? "null" : "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static int
plain_bool(const yaml_node_t *n, int *out)
{
	const char *s = ynode_str(n);

	if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0) {
		*out = 1;
		return 0;
	}
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0) {
		*out = 0;
		return 0;
	}
	return -1;
}

int
ynode_get_str(struct ydoc *d, yaml_node_t *n, const char *key,
	      const char **out, struct sl_err *err)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE || ynode_is_null(n))
		return ydoc_err(d, n, err, "%s: expected a string, got %s",
				key, ynode_kind(n));
	*out = ynode_str(n);
	return 0;
}

int
ynode_get_bool(struct ydoc *d, yaml_node_t *n, const char *key, int *out,
	       struct sl_err *err)
{
	if (plain_bool(n, out) < 0)
		return ydoc_err(d, n, err,
				"%s: expected true or false, got '%s'", key,
				ynode_str(n) ? ynode_str(n) : ynode_kind(n));
	return 0;
}

int
ynode_get_int(struct ydoc *d, yaml_node_t *n, const char *key,
	      long long min, long long max, long long *out,
	      struct sl_err *err)
{
	const char *s = ynode_str(n);

	if (s == NULL || ynode_is_null(n))
		return ydoc_err(d, n, err, "%s: expected a number, got %s",
				key, ynode_kind(n));
	if (sl_parse_int(s, min, max, out) < 0)
		return ydoc_err(d, n, err,
				"%s: expected a whole number from %lld to %lld, got '%s'",
				key, min, max, s);
	return 0;
}

int
ynode_get_duration(struct ydoc *d, yaml_node_t *n, const char *key,
		   int64_t *ms, struct sl_err *err)
{
	const char *s = ynode_str(n);

	if (s == NULL || ynode_is_null(n))
		return ydoc_err(d, n, err,
				"%s: expected a duration like 30s, 10m, 1h30m, got %s",
				key, ynode_kind(n));
	if (sl_parse_duration(s, ms) < 0)
		return ydoc_err(d, n, err,
				"%s: bad duration '%s' (use a number with a unit: 500ms, 30s, 10m, 2h, 1d, or combined like 1h30m)",
				key, s);
	return 0;
}

int
ynode_get_strv(struct ydoc *d, yaml_node_t *n, const char *key,
	       char ***out, struct sl_err *err)
{
	char **v;
	size_t i = 0;

	if (n != NULL && n->type == YAML_SCALAR_NODE && !ynode_is_null(n)) {
		v = xcalloc(2, sizeof *v);
		v[0] = xstrdup(ynode_str(n));
		*out = v;
		return 0;
	}
	if (n == NULL || n->type != YAML_SEQUENCE_NODE)
		return ydoc_err(d, n, err,
				"%s: expected a string or a list of strings, got %s",
				key, ynode_kind(n));
	v = xcalloc((size_t)(yseq_end(n) - yseq_begin(n)) + 1, sizeof *v);
	for (yaml_node_item_t *it = yseq_begin(n); it < yseq_end(n); it++) {
		yaml_node_t *item = ydoc_node(d, *it);

		if (item == NULL || item->type != YAML_SCALAR_NODE ||
		    ynode_is_null(item)) {
			strv_free(v);
			return ydoc_err(d, item, err,
					"%s: list item %zu: expected a string, got %s",
					key, i + 1, ynode_kind(item));
		}
		v[i++] = xstrdup(ynode_str(item));
	}
	*out = v;
	return 0;
}

static int
to_json(struct ydoc *d, yaml_node_t *n, int ints, int depth, size_t *budget,
	json_t **out, struct sl_err *err)
{
	long long iv;
	int bv;

	if (depth > YAML_MAX_DEPTH)
		return ydoc_err(d, n, err, "nested deeper than %d levels",
				YAML_MAX_DEPTH);
	if (*budget == 0)
		return ydoc_err(d, n, err,
				"document too large (over %d values after aliases)",
				YAML_MAX_NODES);
	(*budget)--;
	if (n == NULL) {
		*out = json_null();
		return 0;
	}
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (ynode_is_null(n))
			*out = json_null();
		else if (plain_bool(n, &bv) == 0)
			*out = json_boolean(bv);
		else if (ints &&
			 n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			 sl_parse_int(ynode_str(n), LLONG_MIN, LLONG_MAX,
				      &iv) == 0)
			*out = json_integer(iv);
		else
			*out = json_string(ynode_str(n));
		if (*out == NULL)
			return ydoc_err(d, n, err,
					"value is not valid UTF-8");
		return 0;
	case YAML_SEQUENCE_NODE: {
		json_t *arr = json_array();

		for (yaml_node_item_t *it = yseq_begin(n); it < yseq_end(n);
		     it++) {
			json_t *v;

			if (to_json(d, ydoc_node(d, *it), ints, depth + 1,
				    budget, &v, err) < 0) {
				json_decref(arr);
				return -1;
			}
			json_array_append_new(arr, v);
		}
		*out = arr;
		return 0;
	}
	case YAML_MAPPING_NODE: {
		json_t *obj = json_object();

		if (ymap_check_dups(d, n, err) < 0) {
			json_decref(obj);
			return -1;
		}
		for (yaml_node_pair_t *p = ymap_begin(n); p < ymap_end(n);
		     p++) {
			yaml_node_t *k = ydoc_node(d, p->key);
			json_t *v;

			if (ynode_str(k) == NULL) {
				json_decref(obj);
				return ydoc_err(d, k, err,
						"mapping keys must be strings");
			}
			if (to_json(d, ydoc_node(d, p->value), ints,
				    depth + 1, budget, &v, err) < 0) {
				json_decref(obj);
				return -1;
			}
			json_object_set_new(obj, ynode_str(k), v);
		}
		*out = obj;
		return 0;
	}
	default:
		*out = json_null();
		return 0;
	}
}

int
ynode_to_json(struct ydoc *d, yaml_node_t *n, int ints, json_t **out,
	      struct sl_err *err)
{
	size_t budget = YAML_MAX_NODES;

	return to_json(d, n, ints, 0, &budget, out, err);
}

int
ymap_check_dups(struct ydoc *d, yaml_node_t *map, struct sl_err *err)
{
	json_t *seen = json_object();	/* key → line of its first use */

	for (yaml_node_pair_t *p = ymap_begin(map); p < ymap_end(map); p++) {
		yaml_node_t *kn = ydoc_node(d, p->key);
		const char *k = ynode_str(kn);
		json_t *first;

		if (k == NULL)
			continue;
		first = json_object_get(seen, k);
		if (first != NULL) {
			int line = (int)json_integer_value(first);

			json_decref(seen);
			return ydoc_err(d, kn, err,
					"%s: key given twice (first at line %d)",
					k, line);
		}
		json_object_set_new(seen, k, json_integer(ynode_line(kn)));
	}
	json_decref(seen);
	return 0;
}

yaml_node_t *
ymap_get(struct ydoc *d, yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = ymap_begin(map); p < ymap_end(map); p++) {
		const char *k = ynode_str(ydoc_node(d, p->key));

		if (k != NULL && strcmp(k, key) == 0)
			return ydoc_node(d, p->value);
	}
	return NULL;
}
