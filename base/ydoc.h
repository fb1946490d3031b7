/*
 * ydoc.h: a loaded YAML document with positions, for the DAG loader and
 * the config file. Every error names file:line:column.
 */
#ifndef SLUICE_YDOC_H
#define SLUICE_YDOC_H

#include <yaml.h>
#include <jansson.h>

#include "base/util.h"

struct ydoc;

/*
 * A node of a loaded document. Built from libyaml's event parser into one
 * compact array (no tags, text in an arena), so a DAG file of 10,000 tasks
 * costs a few MB while it loads. Field names follow libyaml's ynode_t.
 */
struct ymark {
	int line;		/* 0-based, as libyaml counts */
	int column;
};

typedef struct ynode {
	yaml_node_type_t type;	/* YAML_SCALAR_NODE, _SEQUENCE_NODE, _MAPPING_NODE */
	union {
		struct {
			char *value;
			size_t length;
			yaml_scalar_style_t style;
		} scalar;
		struct {
			struct { yaml_node_item_t *start, *top; } items;
		} sequence;
		struct {
			struct { yaml_node_pair_t *start, *top; } pairs;
		} mapping;
	} data;
	struct ymark start_mark;
	struct ymark end_mark;
	/* where the node is written, for ynode_path(): the id of the node
	 * that holds it (0 for the root), and its slot there: the id of its
	 * key (a mapping's value), -(i + 1) (item i of a list), or 0 (a key,
	 * or a mapping merged in with <<: both part of the mapping). A node
	 * reached again by an alias keeps the place it is written at. */
	int parent;
	int slot;
} ynode_t;

/* Load a file (at most limit bytes). An empty file gives a document whose
 * root is NULL. A file holds one document (a second is an error at its
 * `---`). Merge keys are expanded as the mappings are built: `<<: *a` or
 * `<<: [*a, *b]` adds the pairs of those mappings whose keys the mapping
 * does not set itself (of a list, the earlier mapping wins); the added
 * pairs keep the positions of the anchored mapping. */
int ydoc_load(const char *path, size_t limit, struct ydoc **out,
	      struct sl_err *err);
/* Parse text; name is used in messages. */
int ydoc_parse(const char *name, const char *text, size_t len,
	       struct ydoc **out, struct sl_err *err);
void ydoc_free(struct ydoc *d);

const char *ydoc_file(const struct ydoc *d);
/* The source text the document was parsed from (its length in *len). */
const char *ydoc_text(const struct ydoc *d, size_t *len);
/* 1-based line and column in the source of byte off of scalar n's value
 * (ydoc_pos.c): exact for plain and quoted scalars and `|` and `>`
 * blocks, one line or several; -1 when not recoverable (an escape such
 * as \t or '' before it; a scalar of more than 1024 lines). */
int ynode_value_pos(const struct ydoc *d, const ynode_t *n, size_t off,
		    int *line, int *col);
ynode_t *ydoc_root(struct ydoc *d);
ynode_t *ydoc_node(struct ydoc *d, int id);

/* 1-based position of a node. */
int ynode_line(const ynode_t *n);
int ynode_col(const ynode_t *n);
/* Fill err at node n's position; returns -1. For a message about the
 * document, not one of its fields (a YAML error, a root that is not a
 * mapping): err->path is "". */
int ydoc_err(struct ydoc *d, const ynode_t *n, struct sl_err *err,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The path of the place node n is written at, into out (size size):
 * "tasks.load.after", "needs[0].dag", "tasks.a.after[1]"; a key names
 * the mapping it is a key of; "" for the root (and NULL). A value that
 * a task takes from defaults: or from an anchor (*a, <<: *a) names the
 * place it is written, where the person fixes it. */
const char *ynode_path(struct ydoc *d, const ynode_t *n, char *out,
		       size_t size);
/* Fill err about the value at node n: its position, err->path its path
 * and the message "PATH: ..." (just "..." at the root); returns -1. */
int ynode_err(struct ydoc *d, const ynode_t *n, struct sl_err *err,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Fill err about the field at path, placed at node n (an item of the
 * field's list, the mapping a required key is missing from): the message
 * is "PATH: ..."; returns -1. */
int ydoc_err_path(struct ydoc *d, const ynode_t *n, const char *path,
		  struct sl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The path of key in mapping map ("tasks" + "load": "tasks.load"). */
const char *ymap_key_path(struct ydoc *d, const ynode_t *map, const char *key,
			  char *out, size_t size);

/* Scalar text, or NULL for non-scalars. */
const char *ynode_str(const ynode_t *n);
/* A plain null: "null", "~", or an empty plain scalar. */
int ynode_is_null(const ynode_t *n);
/* Kind name for messages: "a string", "a list", "a mapping". */
const char *ynode_kind(const ynode_t *n);

/* Typed reads; on a mismatch fill err at n's position, naming key, or
 * with key NULL n's own path (ynode_path). */
int ynode_get_str(struct ydoc *d, ynode_t *n, const char *key,
		  const char **out, struct sl_err *err);
int ynode_get_bool(struct ydoc *d, ynode_t *n, const char *key, int *out,
		   struct sl_err *err);
int ynode_get_int(struct ydoc *d, ynode_t *n, const char *key,
		  long long min, long long max, long long *out,
		  struct sl_err *err);
int ynode_get_duration(struct ydoc *d, ynode_t *n, const char *key,
		       int64_t *ms, struct sl_err *err);
/* The words of a list (an argv) → NULL-terminated array (caller frees
 * with strv_free): each item the text written, so true, 5, 0x10 and null
 * are the words "true", "5", "0x10" and "null", not YAML's boolean,
 * number or null. An item that is a mapping or a list, or a plain item
 * with nothing written, is an error at the item naming key. */
int ynode_get_words(struct ydoc *d, ynode_t *n, const char *key,
		    char ***out, struct sl_err *err);
/* A string or a list of strings → NULL-terminated array (caller frees
 * with strv_free). */
int ynode_get_strv(struct ydoc *d, ynode_t *n, const char *key,
		   char ***out, struct sl_err *err);

/* Any node → JSON: mappings to objects (keys must be scalars), lists to
 * arrays, plain true/false to booleans, plain integers to integers when
 * ints is set, null to null, other scalars to strings. Depth and size are
 * bounded (alias bombs). */
int ynode_to_json(struct ydoc *d, ynode_t *n, int ints, json_t **out,
		  struct sl_err *err);

/* Iterate a mapping: for (pair = ymap_begin(n); pair < ymap_end(n); pair++) */
#define ymap_begin(n) ((n)->data.mapping.pairs.start)
#define ymap_end(n) ((n)->data.mapping.pairs.top)
#define yseq_begin(n) ((n)->data.sequence.items.start)
#define yseq_end(n) ((n)->data.sequence.items.top)
/* Check a mapping has no key twice; err names the second one. */
int ymap_check_dups(struct ydoc *d, ynode_t *map, struct sl_err *err);
/* Value of key in a mapping, or NULL. */
ynode_t *ymap_get(struct ydoc *d, ynode_t *map, const char *key);

#endif
