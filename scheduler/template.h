/*
 * template.h: `{{ name }}` and `{{ name | FORMAT }}` in task fields.
 *
 * Names: dag, task, run_id, partition, ds, ds_nodash, ts, ts_nodash,
 * data_interval_start, data_interval_end, try_number, params.NAME,
 * env.NAME. `| FORMAT` is a strftime format, allowed on the time names
 * (ds, ts, data_interval_start, data_interval_end), evaluated in the DAG's
 * time zone. Checked when the DAG loads (an unknown name is a load-time
 * error), rendered when a try starts.
 */
#ifndef SLUICE_TEMPLATE_H
#define SLUICE_TEMPLATE_H

#include <jansson.h>
#include <stdint.h>

#include "base/util.h"

struct tz;

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
};

/* Does text hold a template at all? */
int tmpl_has(const char *text);
/* Load-time check. params: the DAG's declared params (object, may be
 * NULL). On error, err->col is the 1-based offset of the bad name in
 * text and err->msg names it. */
int tmpl_check(const char *text, const json_t *params, struct sl_err *err);
/* Render text into out (appended). */
int tmpl_render(const char *text, const struct tmpl_ctx *ctx, struct buf *out,
		struct sl_err *err);
/* Render every string inside a JSON value (a new reference). */
int tmpl_render_json(const json_t *in, const struct tmpl_ctx *ctx,
		     json_t **out, struct sl_err *err);
/* Check every string inside a JSON value. */
int tmpl_check_json(const json_t *in, const json_t *params,
		    struct sl_err *err);

#endif
