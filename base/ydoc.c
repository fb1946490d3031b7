/* ydoc.c: YAML documents with positions, built from libyaml's events.
 * Past 800 lines on purpose: the tree, the positions and paths of its
 * nodes and the errors that name them are one model; split, each half
 * would reach into the other's arena. */
#include "base/ydoc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 200000	/* per conversion: stops alias bombs */

#define YDOC_ARENA_CHUNK (64 * 1024)
#define YDOC_MAX_DEPTH_PARSE 256

/* Text and child lists live in arena chunks, freed together. */
struct ydoc_chunk {
	struct ydoc_chunk *next;
	size_t used, size;
	char mem[];
};

struct ydoc_anchor {
	char *name;
	int id;
};

struct ydoc {
	char *file;
	char *text;			/* the source, for ynode_value_pos */
	size_t len;
	ynode_t *nodes;			/* ids are 1-based indexes */
	int nnodes, capnodes;
	struct ydoc_chunk *chunks;
	struct ydoc_anchor *anchors;
	int nanchors, capanchors;
};

static void *
ydoc_alloc(struct ydoc *d, size_t n)
{
	struct ydoc_chunk *c = d->chunks;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > YDOC_ARENA_CHUNK ? n : YDOC_ARENA_CHUNK;

		c = xmalloc(sizeof *c + size);
		c->used = 0;
		c->size = size;
		c->next = d->chunks;
		d->chunks = c;
	}
	p = c->mem + c->used;
	c->used += n;
	return p;
}

static int
ydoc_new_node(struct ydoc *d, yaml_node_type_t type, const yaml_event_t *ev)
{
	ynode_t *n;

	if (d->nnodes == d->capnodes) {
		d->capnodes = d->capnodes ? d->capnodes + d->capnodes / 2 : 256;
		d->nodes = xreallocarray(d->nodes, (size_t)d->capnodes, sizeof *d->nodes);
	}
	n = &d->nodes[d->nnodes++];
	memset(n, 0, sizeof *n);
	n->type = type;
	n->start_mark.line = (int)ev->start_mark.line;
	n->start_mark.column = (int)ev->start_mark.column;
	n->end_mark.line = (int)ev->end_mark.line;
	n->end_mark.column = (int)ev->end_mark.column;
	return d->nnodes;
}

static void
ydoc_anchor(struct ydoc *d, const yaml_char_t *name, int id)
{
	if (name == NULL)
		return;
	if (d->nanchors == d->capanchors) {
		d->capanchors = d->capanchors ? d->capanchors * 2 : 8;
		d->anchors = xreallocarray(d->anchors, (size_t)d->capanchors,
					   sizeof *d->anchors);
	}
	d->anchors[d->nanchors].name = xstrdup((const char *)name);
	d->anchors[d->nanchors].id = id;
	d->nanchors++;
}

static int
ydoc_alias(struct ydoc *d, const yaml_char_t *name)
{
	/* the latest definition of a name wins, as in YAML */
	for (int i = d->nanchors - 1; i >= 0; i--)
		if (strcmp(d->anchors[i].name, (const char *)name) == 0)
			return d->anchors[i].id;
	return 0;
}

/* An open sequence or mapping: its node and the ids of its children. */
struct ydoc_open {
	int id;
	int *kids;
	int nkids, capkids;
};

static void
open_add(struct ydoc_open *o, int id)
{
	if (o->nkids == o->capkids) {
		o->capkids = o->capkids ? o->capkids * 2 : 8;
		o->kids = xreallocarray(o->kids, (size_t)o->capkids, sizeof *o->kids);
	}
	o->kids[o->nkids++] = id;
}

/* Give node id its place in parent (see ynode_t) unless it has one: a
 * node written inside parent comes after it (a larger id); one reached by
 * an alias keeps the place it is written at. */
static void
ydoc_home(struct ydoc *d, int id, int parent, int slot)
{
	ynode_t *n = ydoc_node(d, id);

	if (n != NULL && n->parent == 0 && id > parent) {
		n->parent = parent;
		n->slot = slot;
	}
}

/* A mapping merged into the open mapping m, written there (`<<: {...}`,
 * `<<: [{...}, *a]`): its keys are m's, so its path is m's. */
static void
ydoc_home_merged(struct ydoc *d, int m, int k, int v)
{
	ynode_t *vn = ydoc_node(d, v);

	ydoc_home(d, k, m, 0);
	ydoc_home(d, v, m, 0);
	if (vn == NULL || vn->type != YAML_SEQUENCE_NODE || vn->parent != m)
		return;
	for (yaml_node_item_t *it = yseq_begin(vn); it < yseq_end(vn); it++) {
		ynode_t *item = ydoc_node(d, *it);

		if (item != NULL && item->parent == v) {
			item->parent = m;
			item->slot = 0;
		}
	}
}

/* A merge key: `<<` written plain (a quoted '<<' is an ordinary key). */
static int
ydoc_is_merge_key(const ynode_t *k)
{
	return k != NULL && k->type == YAML_SCALAR_NODE &&
	       k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       strcmp(k->data.scalar.value, "<<") == 0;
}

/* Add the pairs of mapping src to kids (key, value, key, value ...) unless
 * seen has the key: the mapping's own keys and earlier merges win. */
static int
ydoc_merge_one(struct ydoc *d, ynode_t *src, json_t *seen,
	       struct ydoc_open *kids, size_t *budget)
{
	for (yaml_node_pair_t *p = ymap_begin(src); p < ymap_end(src); p++) {
		const char *k = ynode_str(ydoc_node(d, p->key));

		if (k != NULL) {
			if (json_object_get(seen, k) != NULL)
				continue;
			json_object_set_new(seen, k, json_true());
		}
		if (*budget == 0)
			return -1;
		(*budget)--;
		open_add(kids, p->key);
		open_add(kids, p->value);
	}
	return 0;
}

/*
 * Expand the merge keys of an open mapping o (its kids are key, value
 * pairs): each `<<: *a` or `<<: [*a, *b]` is replaced, where it stands, by
 * the pairs of those mappings whose keys the mapping does not set itself;
 * of a list, the earlier mapping wins. The merged pairs share their nodes
 * (and positions) with the anchored mapping. budget bounds the pairs
 * copied in one document.
 */
static int
ydoc_merge(struct ydoc *d, struct ydoc_open *o, size_t *budget,
	   struct sl_err *err)
{
	struct ydoc_open out;
	json_t *seen;
	int merges = 0, r = 0;

	for (int i = 0; i + 1 < o->nkids; i += 2)
		merges += ydoc_is_merge_key(ydoc_node(d, o->kids[i]));
	if (merges == 0)
		return 0;
	seen = json_object();
	for (int i = 0; i + 1 < o->nkids; i += 2) {
		ynode_t *k = ydoc_node(d, o->kids[i]);

		if (!ydoc_is_merge_key(k) && ynode_str(k) != NULL)
			json_object_set_new(seen, ynode_str(k), json_true());
	}
	memset(&out, 0, sizeof out);
	for (int i = 0; i + 1 < o->nkids && r == 0; i += 2) {
		ynode_t *k = ydoc_node(d, o->kids[i]);
		ynode_t *v = ydoc_node(d, o->kids[i + 1]);

		if (!ydoc_is_merge_key(k)) {
			open_add(&out, o->kids[i]);
			open_add(&out, o->kids[i + 1]);
			continue;
		}
		ydoc_home_merged(d, o->id, o->kids[i], o->kids[i + 1]);
		if (v->type == YAML_MAPPING_NODE) {
			r = ydoc_merge_one(d, v, seen, &out, budget);
		} else if (v->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *it = yseq_begin(v);
			     it < yseq_end(v) && r == 0; it++) {
				ynode_t *m = ydoc_node(d, *it);

				if (m->type != YAML_MAPPING_NODE) {
					ydoc_err(d, m, err,
						 "YAML: a merge key (<<) takes a mapping or a list of mappings; this list holds %s",
						 ynode_kind(m));
					r = -2;
					break;
				}
				r = ydoc_merge_one(d, m, seen, &out, budget);
			}
		} else {
			ydoc_err(d, v, err,
				 "YAML: a merge key (<<) takes a mapping or a list of mappings, got %s",
				 ynode_kind(v));
			r = -2;
		}
		if (r == -1)
			ydoc_err(d, k, err,
				 "YAML: merge keys (<<) copy more than %d keys in one file",
				 YAML_MAX_NODES);
	}
	json_decref(seen);
	if (r < 0) {
		free(out.kids);
		return -1;
	}
	free(o->kids);
	o->kids = out.kids;
	o->nkids = out.nkids;
	o->capkids = out.capkids;
	return 0;
}

static int
ydoc_syntax_err(const char *name, const char *text, size_t len,
		yaml_parser_t *parser, struct sl_err *err)
{
	int line = (int)parser->problem_mark.line + 1;
	int col = (int)parser->problem_mark.column + 1;

	const char *hint = "";

	/* what libyaml says of "command: echo {{ ds | add: 1d }}" */
	if (parser->problem != NULL &&
	    strcmp(parser->problem,
		   "mapping values are not allowed in this context") == 0)
		hint = " (': ' inside a value that is not in quotes, or a key"
		       " indented deeper than the one above it: quote a value"
		       " holding ': ', as in command: \"echo {{ ds | add: 1d }}\")";
	else if (parser->problem != NULL && parser->context != NULL &&
		 strcmp(parser->problem, "did not find expected key") == 0 &&
		 strcmp(parser->context, "while parsing a block mapping") == 0)
		hint = " (text after a value's closing quote, as in command:"
		       " \"{{ ds }}\" x, where the whole value wants quotes,"
		       " or a key indented less than the keys beside it)";
	else if (parser->problem_mark.index < len &&
		 text[parser->problem_mark.index] == '\t')
		hint = " (a tab: YAML indents with spaces only)";
	if (parser->context != NULL)
		return sl_err_at(err, name, line, col, "YAML syntax: %s %s%s",
				 parser->problem ? parser->problem : "error",
				 parser->context, hint);
	return sl_err_at(err, name, line, col, "YAML syntax: %s%s",
			 parser->problem ? parser->problem : "error", hint);
}

int
ydoc_parse(const char *name, const char *text, size_t len, struct ydoc **out,
	   struct sl_err *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct ydoc *d = xcalloc(1, sizeof *d);
	struct ydoc_open *stack = NULL;
	int depth = 0, capstack = 0, done = 0, docs = 0, r = -1;
	size_t merge_budget = YAML_MAX_NODES;

	d->file = xstrdup(name);
	d->text = xmalloc(len + 1);
	memcpy(d->text, text, len);
	d->text[len] = '\0';
	d->len = len;
	if (!yaml_parser_initialize(&parser))
		sl_fatal("cannot initialise the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		int id = 0;

		if (!yaml_parser_parse(&parser, &ev)) {
			ydoc_syntax_err(name, text, len, &parser, err);
			goto out;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			/* one file, one document: a second one would be
			 * silently ignored by a loader that reads the first */
			if (++docs > 1) {
				sl_err_at(err, name, (int)ev.start_mark.line + 1,
					  (int)ev.start_mark.column + 1,
					  "YAML: a second document starts here; a file holds one document (remove this '---' or move what follows to a file of its own)");
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_SCALAR_EVENT: {
			ynode_t *n;

			id = ydoc_new_node(d, YAML_SCALAR_NODE, &ev);
			n = &d->nodes[id - 1];
			n->data.scalar.value = ydoc_alloc(d, ev.data.scalar.length + 1);
			memcpy(n->data.scalar.value, ev.data.scalar.value,
			       ev.data.scalar.length);
			n->data.scalar.value[ev.data.scalar.length] = '\0';
			n->data.scalar.length = ev.data.scalar.length;
			n->data.scalar.style = ev.data.scalar.style;
			ydoc_anchor(d, ev.data.scalar.anchor, id);
			break;
		}
		case YAML_ALIAS_EVENT:
			id = ydoc_alias(d, ev.data.alias.anchor);
			if (id == 0) {
				sl_err_at(err, name, (int)ev.start_mark.line + 1,
					  (int)ev.start_mark.column + 1,
					  "YAML: alias *%s names no anchor",
					  ev.data.alias.anchor);
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth >= YDOC_MAX_DEPTH_PARSE) {
				sl_err_at(err, name, (int)ev.start_mark.line + 1,
					  (int)ev.start_mark.column + 1,
					  "YAML: nested deeper than %d levels",
					  YDOC_MAX_DEPTH_PARSE);
				yaml_event_delete(&ev);
				goto out;
			}
			/* "command: {{ ds }}" is a mapping whose key is a
			 * mapping: no key of a sluice file is one */
			if (ev.type == YAML_MAPPING_START_EVENT && depth > 0 &&
			    d->nodes[stack[depth - 1].id - 1].type ==
			    YAML_MAPPING_NODE && stack[depth - 1].nkids % 2 == 0) {
				ynode_t *outer = &d->nodes[stack[depth - 1].id - 1];

				sl_err_at(err, name,
					  (int)outer->start_mark.line + 1,
					  (int)outer->start_mark.column + 1,
					  "YAML: a mapping used as a key; a value that starts with {{ must be in quotes (command: \"{{ ds }}\"), else YAML reads it as a mapping");
				yaml_event_delete(&ev);
				goto out;
			}
			id = ydoc_new_node(d, ev.type == YAML_SEQUENCE_START_EVENT ?
					   YAML_SEQUENCE_NODE : YAML_MAPPING_NODE, &ev);
			ydoc_anchor(d, ev.type == YAML_SEQUENCE_START_EVENT ?
				    ev.data.sequence_start.anchor :
				    ev.data.mapping_start.anchor, id);
			if (depth > 0)
				open_add(&stack[depth - 1], id);
			if (depth == capstack) {
				capstack = capstack ? capstack * 2 : 16;
				stack = xreallocarray(stack, (size_t)capstack, sizeof *stack);
			}
			memset(&stack[depth], 0, sizeof stack[depth]);
			stack[depth++].id = id;
			id = 0;		/* already added to its parent */
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: {
			struct ydoc_open *o = &stack[--depth];
			ynode_t *n = &d->nodes[o->id - 1];

			n->end_mark.line = (int)ev.end_mark.line;
			n->end_mark.column = (int)ev.end_mark.column;
			if (n->type == YAML_MAPPING_NODE &&
			    ydoc_merge(d, o, &merge_budget, err) < 0) {
				yaml_event_delete(&ev);
				depth++;	/* o's kids are freed below */
				goto out;
			}
			if (n->type == YAML_SEQUENCE_NODE) {
				yaml_node_item_t *items = ydoc_alloc(d,
				    (size_t)o->nkids * sizeof *items + 1);

				for (int i = 0; i < o->nkids; i++) {
					items[i] = o->kids[i];
					ydoc_home(d, o->kids[i], o->id, -(i + 1));
				}
				n->data.sequence.items.start = items;
				n->data.sequence.items.top = items + o->nkids;
			} else {
				yaml_node_pair_t *pairs = ydoc_alloc(d,
				    (size_t)(o->nkids / 2) * sizeof *pairs + 1);

				for (int i = 0; i + 1 < o->nkids; i += 2) {
					pairs[i / 2].key = o->kids[i];
					pairs[i / 2].value = o->kids[i + 1];
					ydoc_home(d, o->kids[i], o->id, 0);
					ydoc_home(d, o->kids[i + 1], o->id,
						  o->kids[i]);
				}
				n->data.mapping.pairs.start = pairs;
				n->data.mapping.pairs.top = pairs + o->nkids / 2;
			}
			free(o->kids);
			o->kids = NULL;
			break;
		}
		default:
			break;
		}
		if (id != 0 && depth > 0)
			open_add(&stack[depth - 1], id);
		yaml_event_delete(&ev);
	}
	r = 0;
out:
	while (depth > 0)
		free(stack[--depth].kids);
	free(stack);
	yaml_parser_delete(&parser);
	if (r < 0) {
		ydoc_free(d);
		return -1;
	}
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
	while (d->chunks != NULL) {
		struct ydoc_chunk *c = d->chunks;

		d->chunks = c->next;
		free(c);
	}
	for (int i = 0; i < d->nanchors; i++)
		free(d->anchors[i].name);
	free(d->anchors);
	free(d->nodes);
	free(d->file);
	free(d->text);
	free(d);
}

const char *
ydoc_file(const struct ydoc *d)
{
	return d->file;
}

const char *
ydoc_text(const struct ydoc *d, size_t *len)
{
	*len = d->len;
	return d->text;
}

ynode_t *
ydoc_root(struct ydoc *d)
{
	return d->nnodes > 0 ? &d->nodes[0] : NULL;
}

ynode_t *
ydoc_node(struct ydoc *d, int id)
{
	return id >= 1 && id <= d->nnodes ? &d->nodes[id - 1] : NULL;
}

int
ynode_line(const ynode_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 0;
}

int
ynode_col(const ynode_t *n)
{
	return n ? (int)n->start_mark.column + 1 : 0;
}

int
ydoc_err(struct ydoc *d, const ynode_t *n, struct sl_err *err,
	 const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	snprintf(err->file, sizeof err->file, "%s", d->file);
	err->path[0] = '\0';
	err->line = ynode_line(n);
	err->col = ynode_col(n);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* Add n's path to out at *off, its holders' first. */
static void
path_add(struct ydoc *d, const ynode_t *n, char *out, size_t size,
	 size_t *off)
{
	const char *key;
	int w;

	if (n == NULL || n->parent == 0)
		return;
	path_add(d, ydoc_node(d, n->parent), out, size, off);
	if (*off >= size)
		return;
	if (n->slot > 0) {
		key = ynode_str(ydoc_node(d, n->slot));
		w = snprintf(out + *off, size - *off, "%s%s",
			     *off > 0 ? "." : "", key != NULL ? key : "?");
	} else if (n->slot < 0)
		w = snprintf(out + *off, size - *off, "[%d]", -n->slot - 1);
	else
		w = 0;
	*off += w > 0 ? (size_t)w : 0;
}

const char *
ynode_path(struct ydoc *d, const ynode_t *n, char *out, size_t size)
{
	size_t off = 0;

	if (size == 0)
		return out;
	out[0] = '\0';
	path_add(d, n, out, size, &off);
	return out;
}

const char *
ymap_key_path(struct ydoc *d, const ynode_t *map, const char *key, char *out,
	      size_t size)
{
	char base[SL_ERR_PATH];

	ynode_path(d, map, base, sizeof base);
	snprintf(out, size, "%s%s%s", base, base[0] ? "." : "", key);
	return out;
}

/* err at n about the field at path: "PATH: msg" (msg alone without a
 * path). */
static int
ydoc_verr_path(struct ydoc *d, const ynode_t *n, const char *path,
	       struct sl_err *err, const char *fmt, va_list ap)
{
	char msg[SL_ERR_MSG];

	if (err == NULL)
		return -1;
	vsnprintf(msg, sizeof msg, fmt, ap);
	ydoc_err(d, n, err, "%s%s%s", path, path[0] ? ": " : "", msg);
	snprintf(err->path, sizeof err->path, "%s", path);
	return -1;
}

int
ynode_err(struct ydoc *d, const ynode_t *n, struct sl_err *err,
	  const char *fmt, ...)
{
	char path[SL_ERR_PATH];
	va_list ap;

	ynode_path(d, n, path, sizeof path);
	va_start(ap, fmt);
	ydoc_verr_path(d, n, path, err, fmt, ap);
	va_end(ap);
	return -1;
}

int
ydoc_err_path(struct ydoc *d, const ynode_t *n, const char *path,
	      struct sl_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ydoc_verr_path(d, n, path, err, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
ynode_str(const ynode_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

int
ynode_is_null(const ynode_t *n)
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
ynode_kind(const ynode_t *n)
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
plain_bool(const ynode_t *n, int *out)
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

/* A getter's error about n: named key, or (key NULL) n's own path. */
static int
get_err(struct ydoc *d, const ynode_t *n, const char *key, struct sl_err *err,
	const char *fmt, ...)
{
	char path[SL_ERR_PATH], msg[SL_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (key == NULL)
		key = ynode_path(d, n, path, sizeof path);
	return ydoc_err_path(d, n, key, err, "%s", msg);
}

int
ynode_get_str(struct ydoc *d, ynode_t *n, const char *key,
	      const char **out, struct sl_err *err)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE || ynode_is_null(n))
		return get_err(d, n, key, err, "expected a string, got %s",
			       ynode_kind(n));
	*out = ynode_str(n);
	return 0;
}

int
ynode_get_bool(struct ydoc *d, ynode_t *n, const char *key, int *out,
	       struct sl_err *err)
{
	if (plain_bool(n, out) < 0)
		return get_err(d, n, key, err,
			       "expected true or false, got '%s'",
			       ynode_str(n) ? ynode_str(n) : ynode_kind(n));
	return 0;
}

int
ynode_get_int(struct ydoc *d, ynode_t *n, const char *key,
	      long long min, long long max, long long *out,
	      struct sl_err *err)
{
	const char *s = ynode_str(n);

	if (s == NULL || ynode_is_null(n))
		return get_err(d, n, key, err, "expected a number, got %s",
			       ynode_kind(n));
	if (sl_parse_int(s, min, max, out) == 0)
		return 0;
	if (min == LLONG_MIN && max == LLONG_MAX)
		/* no range of its own (an operator's option checks its
		 * meaning later): the 64-bit limits would say nothing */
		return get_err(d, n, key, err, "expected a whole number, got '%s'", s);
	return get_err(d, n, key, err,
		       "expected a whole number from %lld to %lld, got '%s'",
		       min, max, s);
}

int
ynode_get_duration(struct ydoc *d, ynode_t *n, const char *key,
		   int64_t *ms, struct sl_err *err)
{
	const char *s = ynode_str(n);

	if (s == NULL || ynode_is_null(n))
		return get_err(d, n, key, err,
			       "expected a duration like 30s, 10m, 1h30m, got %s",
			       ynode_kind(n));
	if (sl_parse_duration(s, ms) < 0)
		return get_err(d, n, key, err,
			       "bad duration '%s' (use a number with a unit: 500ms, 30s, 10m, 2h, 1d, or combined like 1h30m)",
			       s);
	return 0;
}

/* The items of list n as strings into out (caller frees with strv_free).
 * words: each item the text written (a null, a boolean, a number too; a
 * plain item with nothing written is an error); else an item that is
 * null is an error. A mapping or a list as an item is one either way. An
 * item's error names the field (key, else n's path), at the item. */
static int
yseq_strv(struct ydoc *d, ynode_t *n, const char *key, int words,
	  char ***out, struct sl_err *err)
{
	char path[SL_ERR_PATH];
	char **v;
	size_t i = 0;

	if (key == NULL)
		key = ynode_path(d, n, path, sizeof path);
	v = xcalloc((size_t)(yseq_end(n) - yseq_begin(n)) + 1, sizeof *v);
	for (yaml_node_item_t *it = yseq_begin(n); it < yseq_end(n); it++, i++) {
		ynode_t *item = ydoc_node(d, *it);
		int rc = 0;

		if (item == NULL || item->type != YAML_SCALAR_NODE ||
		    (!words && ynode_is_null(item)))
			rc = get_err(d, item, key, err, "list item %zu: expected a %s, got %s%s",
				     i + 1, words ? "word" : "string", ynode_kind(item),
				     words ? " (a word with ': ' or {} [] in it needs quotes)" : "");
		else if (words && item->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			 ynode_str(item)[0] == '\0')
			rc = get_err(d, item, key, err,
				     "list item %zu is empty (write \"\" for an empty word)", i + 1);
		if (rc < 0) {
			strv_free(v);
			return rc;
		}
		v[i] = xstrdup(ynode_str(item));
	}
	*out = v;
	return 0;
}

int
ynode_get_strv(struct ydoc *d, ynode_t *n, const char *key,
	       char ***out, struct sl_err *err)
{
	char **v;

	if (n != NULL && n->type == YAML_SCALAR_NODE && !ynode_is_null(n)) {
		v = xcalloc(2, sizeof *v);
		v[0] = xstrdup(ynode_str(n));
		*out = v;
		return 0;
	}
	if (n == NULL || n->type != YAML_SEQUENCE_NODE)
		return get_err(d, n, key, err,
			       "expected a string or a list of strings, got %s",
			       ynode_kind(n));
	return yseq_strv(d, n, key, 0, out, err);
}

int
ynode_get_words(struct ydoc *d, ynode_t *n, const char *key,
		char ***out, struct sl_err *err)
{
	if (n == NULL || n->type != YAML_SEQUENCE_NODE)
		return get_err(d, n, key, err, "expected a list of words, got %s",
			       ynode_kind(n));
	return yseq_strv(d, n, key, 1, out, err);
}

static int
to_json(struct ydoc *d, ynode_t *n, int ints, int depth, size_t *budget,
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
			return ynode_err(d, n, err,
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
			ynode_t *k = ydoc_node(d, p->key);
			json_t *v;

			if (ynode_str(k) == NULL) {
				json_decref(obj);
				return ynode_err(d, k, err,
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
ynode_to_json(struct ydoc *d, ynode_t *n, int ints, json_t **out,
	      struct sl_err *err)
{
	size_t budget = YAML_MAX_NODES;

	return to_json(d, n, ints, 0, &budget, out, err);
}

int
ymap_check_dups(struct ydoc *d, ynode_t *map, struct sl_err *err)
{
	json_t *seen = json_object();	/* key → line of its first use */

	for (yaml_node_pair_t *p = ymap_begin(map); p < ymap_end(map); p++) {
		ynode_t *kn = ydoc_node(d, p->key);
		const char *k = ynode_str(kn);
		json_t *first;

		if (k == NULL)
			continue;
		first = json_object_get(seen, k);
		if (first != NULL) {
			int line = (int)json_integer_value(first);
			char path[SL_ERR_PATH];

			json_decref(seen);
			return ydoc_err_path(d, kn,
					     ymap_key_path(d, map, k, path,
							   sizeof path),
					     err, "key given twice (first at line %d)",
					     line);
		}
		json_object_set_new(seen, k, json_integer(ynode_line(kn)));
	}
	json_decref(seen);
	return 0;
}

ynode_t *
ymap_get(struct ydoc *d, ynode_t *map, const char *key)
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
