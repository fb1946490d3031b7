/*
 * template.h: `{{ name }}` and `{{ name | FORMAT }}` in task fields.
 *
 * Names: dag, task, run_id, partition, ds, ds_nodash, ts, ts_nodash,
 * data_interval_start, data_interval_end, try_number, prev_ds, next_ds,
 * prev_partition, params.NAME, env.NAME, tasks.NAME.output.KEY (what an
 * upstream task wrote to $SLUICE_OUTPUT, output.h), item and item.FIELD
 * (a mapped task's item: dag_map.h). Filters, in this order: `| add:
 * N<unit>` (s m h d w; d and w are calendar days in the DAG's zone) and
 * `| FORMAT` (strftime in the DAG's zone) on the time names (ds, ts,
 * data_interval_start, data_interval_end, prev_ds, next_ds), then `| raw`
 * or, in SQL, `| ident`. Checked when the DAG loads (an unknown name is a
 * load-time error), rendered when a try starts.
 *
 * Values are data, never code. In a string sluice runs through /bin/sh -c
 * (a shell task's string command, on_failure/on_success, the cluster_job
 * keys marked OPK_SHELL_LINE) every value is inserted as one quoted shell
 * word, following the quoting the author wrote around it (shquote.h);
 * `{{ NAME | raw }}` inserts the value as written, for trusted values
 * only. In SQL (operator keys marked OPK_SQL_TEXT: the sql task's sql,
 * file and check queries) every value is one SQL literal, or with
 * `| ident` one quoted identifier (sqlquote.h). In HTML (keys marked
 * OPK_HTML_TEXT: the email task's html) every value is HTML-escaped
 * (text.h). In a wildcard pattern (OPK_GLOB_TEXT: s3_sensor's url) a
 * value's '*', '?' and '\\' are escaped, so it matches only itself.
 * Everywhere else (argv
 * lists, env values, other operator options) values are inserted as they
 * are: those never pass through a shell or a SQL parser.
 */
#ifndef SLUICE_TEMPLATE_H
#define SLUICE_TEMPLATE_H

#include <jansson.h>
#include <stdint.h>

#include "base/util.h"

struct tz;
struct cron;
struct op_key;

/* What a secret param renders as where people see commands. */
#define TMPL_MASK "***"

struct tmpl_ctx {
	const char *dag;
	const char *task;
	const char *run_id;
	const char *partition;
	int try_number;
	int64_t start;		/* data interval, epoch seconds */
	int64_t end;
	const struct tz *tz;
	const json_t *params;	/* DAG params merged with the run's */
	const json_t *decls;	/* the DAG's param declarations (dag.h) */
	int mask_secrets;	/* render secret params as TMPL_MASK */
	const struct cron *schedule;	/* NULL: unscheduled (prev_ds...) */
	const json_t *outputs;	/* {TASK: {KEY: value}} of the run, or NULL
				 * (tasks.NAME.output.KEY is then an error) */
	const json_t *item;	/* a mapped task's item, or NULL (item and
				 * item.FIELD are then an error) */
};

/* A template name or filter, for the DAG reference (dag_schema.c). */
struct tmpl_name_info {
	const char *name;	/* "ds", "params.NAME"; filters: "raw", "FORMAT" */
	int is_time;		/* takes `| FORMAT` (filters: needs a time name) */
	const char *doc;	/* one line */
};

/* The i-th template name (then the params.NAME / env.NAME forms) or
 * filter into out; -1 past the last. */
int tmpl_name_at(size_t i, struct tmpl_name_info *out);
int tmpl_filter_at(size_t i, struct tmpl_name_info *out);

/* Split a name tasks.NAME.output.KEY: NAME into task (size n; task may
 * be NULL), *key into name (key may be NULL). -1: not of that form. */
int tmpl_output_task(const char *name, char *task, size_t n, const char **key);
/* Call cb(arg, NAME, offset of the name in text) for every
 * tasks.NAME.output.KEY in text (a cb returning -1 stops: -1). */
int tmpl_output_refs(const char *text,
		     int (*cb)(void *arg, const char *task, size_t off),
		     void *arg);
/* Call cb(arg, offset of the name in text) for every name or name.FIELD
 * in text (a cb returning -1 stops: -1). */
int tmpl_name_refs(const char *text, const char *name,
		   int (*cb)(void *arg, size_t off), void *arg);
/* The same for item (item.FIELD). */
int tmpl_item_refs(const char *text, int (*cb)(void *arg, size_t off),
		   void *arg);
/* *out: the value name (item, item.FIELD[.SUB...]) reads of a mapped
 * task's item; -1 with err when the item has no such field. */
int tmpl_item_get(const json_t *item, const char *name, const json_t **out,
		  struct sl_err *err);
/* Does text hold a template at all? */
int tmpl_has(const char *text);
/* Load-time check. params: the DAG's declared params (object, may be
 * NULL). On error, err->col is the 1-based offset of the bad name in
 * text and err->msg names it. */
int tmpl_check(const char *text, const json_t *params, struct sl_err *err);
/* The same for a /bin/sh line: also refuses a template where its value
 * cannot be one quoted word (inside backticks, a comment, a
 * here-document...; see shquote.h). */
int tmpl_check_shell(const char *text, const json_t *params,
		     struct sl_err *err);
/* The same for SQL text: also refuses a template where its value cannot
 * be data (a comment, a $$ body...; see sqlquote.h), and allows
 * `| ident`. */
int tmpl_check_sql(const char *text, const json_t *params,
		   struct sl_err *err);
/* Check every string inside a JSON value the way an operator key's
 * templated mode says (0 or 1: plain, OPK_SHELL_LINE: a string value is a
 * shell line, OPK_SQL_TEXT: every string is SQL). */
int tmpl_check_as(int templated, const json_t *in, const json_t *params,
		  struct sl_err *err);
/* Render text into out (appended), values as they are. */
int tmpl_render(const char *text, const struct tmpl_ctx *ctx, struct buf *out,
		struct sl_err *err);
/* Render a /bin/sh line into out (appended): each value one quoted word. */
int tmpl_render_shell(const char *text, const struct tmpl_ctx *ctx,
		      struct buf *out, struct sl_err *err);
/* Render SQL text into out (appended): each value SQL data. */
int tmpl_render_sql(const char *text, const struct tmpl_ctx *ctx,
		    struct buf *out, struct sl_err *err);
/* A shell line as a new string (caller frees), or NULL with err. */
char *tmpl_shell_line(const char *text, const struct tmpl_ctx *ctx,
		      struct sl_err *err);
/* Render a task's options (a new reference): the strings of keys the
 * operator marks OPK_SHELL_LINE as shell lines, every string inside keys
 * marked OPK_SQL_TEXT as SQL, the rest as they are. */
int tmpl_render_opts(const struct op_key *keys, const json_t *options,
		     const struct tmpl_ctx *ctx, json_t **out,
		     struct sl_err *err);
/* Render every string inside a JSON value (a new reference). */
int tmpl_render_json(const json_t *in, const struct tmpl_ctx *ctx,
		     json_t **out, struct sl_err *err);
/* Check every string inside a JSON value. */
int tmpl_check_json(const json_t *in, const json_t *params,
		    struct sl_err *err);

#endif
