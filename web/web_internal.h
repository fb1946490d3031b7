/*
 * web_internal.h: what the files of the web part share (not for other
 * parts: they use web.h, the CLI verbs auth.h, and whoever sends a link
 * into the UI links.h).
 *
 * Every address is a row of the table in routes.c (method, pattern, role,
 * handler); the router checks the login, role and CSRF token and finds
 * the DAG before a handler runs. One request is one struct web_req, alive from the route callback until
 * its reply is sent. A handler either replies (web_json, web_error,
 * web_html, web_redirect) and returns WEB_DONE, or returns WEB_BUSY when
 * the database was locked by a writer before it changed anything: the
 * request is then run again a few milliseconds later (the scheduler in the
 * same process commits its batch on its next poll), so the event loop never
 * waits on a lock.
 */
#ifndef SLUICE_WEB_INTERNAL_H
#define SLUICE_WEB_INTERNAL_H

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdint.h>

#include "scheduler/dag.h"
#include "scheduler/partition.h"
#include "base/text.h"
#include "base/util.h"
#include "web/mask.h"

struct config;
struct sched;
struct store;
struct event_base;
struct web_limiter;

#define WEB_MAX_BODY (64 * 1024)	/* request bodies; larger → 413 */
#define WEB_MAX_PAGE 1000		/* rows per page of any listing */
#define WEB_LOG_CHUNK (256 * 1024)	/* bytes of log per response */
#define WEB_INLINE_MAX 32		/* compiled-in assets (inline.c) */

/* A file of web/assets/, compiled in (web/embed_assets.sh) and served
 * under /static/NAME; the table ends with a NULL name. */
struct web_asset {
	const char *name;
	const char *type;
	const unsigned char *data;
	size_t len;
};
extern const struct web_asset web_assets[];

enum web_role { ROLE_NONE, ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN };

enum web_result { WEB_DONE, WEB_BUSY };

/* A response body kept while the database and the DAG folder stay as
 * they were when it was built (and for at most a second: some values,
 * like an unscheduled DAG's next partition, follow the clock). */
struct web_cached_body {
	char *text;			/* NULL: nothing cached */
	size_t len;
	int64_t db_mark;
	uint64_t bag_mark;
	int64_t built_ms;
};

/* Bearer tokens already looked up while the database did not change. */
#define WEB_TOKEN_MEMO 8
struct web_token_memo {
	char hash[65];			/* SHA-256 of the token, hex; "" unused */
	int64_t user_id;
	char name[128];
	int role;
	int64_t db_mark;
	int64_t last_used_ms;		/* its last recorded use; 0: never */
};

struct web {
	struct event_base *base;
	struct evhttp *http;
	struct config *cfg;
	struct sched *sched;		/* NULL in `sluice web` */
	struct store *store;		/* the web's own connection */
	struct dagbag bag;		/* `sluice web`: its own copy of the folder */
	int64_t bag_loaded_ms;
	struct web_limiter *limiter;	/* failed logins */
	int secure_cookies;		/* base_url is https */
	char *root;			/* the path a proxy serves the UI under (config_web_root), or "" */
	size_t root_len;
	char *cookie;			/* the session cookie's name: sluice_session, and
				 * the root's words after it (web_root_cookie) */
	struct web_cached_body dags_body;	/* GET /api/v1/dags */
	struct web_token_memo tokens[WEB_TOKEN_MEMO];
	int next_token_slot;
	/* standalone: while the scheduler has tries running, at most
	 * web.busy_max_rps requests a second are answered (per window of
	 * WEB_ADMIT_WINDOW_MS); the rest wait their turn, in order */
	int64_t admit_window_ms;
	int admitted;
	struct web_req *waiting, **waiting_tail;
	struct event *admit_ev;
	long long held_total;		/* requests that waited their turn */
	/* per asset of web_assets[], the CSP source that allows it as an
	 * inline block ("'sha256-...'"), "" when it is never inlined */
	char inline_src[WEB_INLINE_MAX][56];
};

struct web_user {
	int64_t id;
	char name[128];
	enum web_role role;
	char csrf[72];			/* the session's token ("" for API tokens) */
	int by_session;
};

struct web_req {
	struct web *w;
	struct evhttp_request *req;	/* NULL: run by web_handle(), no socket */
	const char *target;		/* the request target as sent */
	struct evkeyvalq *in_headers, *out_headers;
	struct evbuffer *body;
	struct evhttp_uri *own_uri;	/* target parsed here (no socket) */
	int reply_status;		/* no socket: the reply, kept */
	struct buf *reply;
	enum evhttp_cmd_type method;
	char *path;			/* decoded path, no query */
	char **seg;			/* decoded path segments */
	int nseg;
	struct evkeyvalq query;
	struct web_user user;		/* role ROLE_NONE: not logged in */
	char peer[64];			/* client address, for rate limits */
	int64_t busy_since;		/* mono ms of the first WEB_BUSY */
	struct event *retry_ev;
	int watch_close;		/* closed_cb set on the connection */
	struct web_req *wait_next;	/* in web.waiting */
	int closed;			/* the client went away while waiting */
	struct {			/* the route's {captures}, decoded */
		const char *dag, *partition, *task, *try_number, *name, *file;
		const char *id;
	} arg;
	/* the run {partition} names, resolved by routes.c (arg.partition
	 * then points at its key) */
	struct partition run;
	struct dag *dag;		/* the DAG {dag} names (routes.c) */
	int db_mark_read;		/* db_mark is read for this run */
	int64_t db_mark;		/* web_db_mark(), or -1 */
	/* set by a page before html_begin(): its stylesheets and scripts
	 * come inline (inline.c); inlined: the web_assets[] indexes written
	 * so, which the reply's CSP allows by hash */
	int inline_assets;
	uint32_t inlined;
	/* one <style> block of the page's own (map_image.c): the CSP source
	 * that allows it ("'sha256-...'"), "" when there is none */
	char inline_style_src[64];
	/* set by a page before html_begin(): the id of the element its first
	 * frame waits for (a <link rel=expect> that blocks rendering until
	 * it is parsed, or the page is), NULL for none */
	const char *paint_after;
};

/* --- web.c: the server without a socket (tests, fuzz targets) --- */
/* A server on cfg (its database and DAG folder) that listens nowhere. */
int web_open(struct event_base *base, struct config *cfg, struct sched *s,
	     struct web **out, struct sl_err *err);
/* Route one request as if it had come in: method, the request target
 * (path and query, as in the request line), headers (NULL: none) and
 * body. Returns the reply's status; its body goes to reply (may be NULL). */
int web_handle(struct web *w, enum evhttp_cmd_type method, const char *target,
	       struct evkeyvalq *headers, const void *body, size_t body_len,
	       struct buf *reply);

/* --- web.c: replies and request helpers --- */
void web_add_header(struct web_req *r, const char *name, const char *value);
void web_json(struct web_req *r, int status, json_t *body);	/* steals body */
int web_error(struct web_req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void web_html(struct web_req *r, int status, const struct buf *html);
void web_redirect(struct web_req *r, const char *location);
/* The request's target (path and query) after the path a proxy serves
 * the UI under (web.base_url's): what a login's next= names. It starts
 * with "?" or is "" when the target was that path itself. */
const char *web_app_target(const struct web_req *r);
/* A request's path after the proxy's path, when it starts with it. */
const char *web_root_path(const struct web *w, const char *path);
/* in, a page, with the proxy's path before each of its links from the
 * host's root, into out. */
void web_root_page(const struct web *w, const struct buf *in, struct buf *out);
/* The session cookie's name for a root: sluice_session, and under a
 * proxy's path its words (/team/a: sluice_session_team_a), so two UIs
 * under two paths of one host keep their sessions apart. */
char *web_root_cookie(const char *root);
void web_text(struct web_req *r, int status, const char *type,
	      const char *data, size_t len);
const char *web_query(struct web_req *r, const char *name);
/* The request body as JSON (an object), or NULL after replying 400/413;
 * with known (NULL-terminated), a field not among them is a 400 naming
 * it and the fields there are. */
json_t *web_body_json(struct web_req *r, const char *const *known);
/* The request body as text (caller frees), bounded by WEB_MAX_BODY. */
char *web_body_text(struct web_req *r);
const char *web_header(struct web_req *r, const char *name);
/* The DAG folder as the server sees it now. */
const struct dagbag *web_dagbag(struct web *w);
struct dag *web_dag(struct web *w, const char *name);
/* Tell a scheduler in this process to look at the database now. */
void web_poke(struct web *w);
/* What the web's connection sees of the database, read once per run of
 * a request: equal marks mean nothing was committed in between, by
 * another connection (PRAGMA data_version) or by this one. -1 when it
 * cannot be read (then nothing cached may be used). */
int64_t web_db_mark(struct web_req *r);
/* A fingerprint of the DAG folder as web_dagbag() shows it. */
uint64_t web_bag_mark(const struct dagbag *bag);
/* Is c still what a fresh build would give?  Then reply with it. */
int web_cached_reply(struct web_req *r, struct web_cached_body *c,
		     const char *type);
/* Keep text (taken over, malloc'd) as c's body and reply with it. */
void web_cache_and_reply(struct web_req *r, struct web_cached_body *c,
			 const char *type, char *text, size_t len);
/* Did the last store call fail because another writer held the lock? */
int web_store_busy(struct web *w);
/* "web:NAME" for the audit log. */
const char *web_who(struct web_req *r, char *out, size_t n);

/* --- html.c: the page frame (escaping: base/text.h) --- */
void html_escf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void html_begin(struct web_req *r, struct buf *b, const char *title,
		const char *page);
void html_end(struct buf *b);
/* A time (ms since the epoch; JSON integer or null) as the UI shows
 * times: in the DAG's zone with its offset, the UTC time in a tooltip;
 * "-" when there is none. tz NULL: UTC. */
struct tz;
void html_time(struct buf *b, const struct tz *tz, json_t *ms);
/* A partition key (or a time as typed for one) in running text or a
 * table: one word that never breaks at its hyphens (.part-key in app.css;
 * app.js's partKey() is its twin). */
void html_partition(struct buf *b, const char *key);
/* A message escaped, each partition key or time in it that starts with a
 * date one word (html_partition), as error pages and notes show them. */
void pages_message_keys(struct buf *b, const char *msg);
/* A past moment (ms; JSON integer or null) as how long before now_ms it
 * was and when, in UTC: "3 minutes ago 2024-05-01T10:00:00+00:00" (the time
 * as html_time shows it); never (text) when ms is null. app.js's
 * fmtSince is its twin. */
void html_since(struct buf *b, json_t *ms, int64_t now_ms, const char *never);

/* --- inline.c: assets written into a page, allowed by hash --- */
/* Hash the compiled-in assets that a page may carry inline (web_open). */
void inline_open(struct web *w);
/* The asset NAME (a .css or .js of web/assets/) into the page: inline
 * when r->inline_assets is set and the asset can be, else as a link
 * (<link rel=stylesheet> or a <script src>, not deferred). */
void inline_asset(struct web_req *r, struct buf *b, const char *name);
/* Append " 'sha256-...'" to b for each script (scripts 1) or stylesheet
 * (0) written inline into r's reply: the CSP's extra sources. */
void inline_csp_sources(const struct web_req *r, int scripts, struct buf *b);
/* The reply's one <style> block of its own (css: text that cannot end
 * the block, numbers here) into b, allowed by its hash in the reply's
 * CSP (a second call replaces the first's allowance). */
void inline_style_block(struct web_req *r, struct buf *b, const char *css);

/* --- map_image.c: the partition map's first frame --- */
/* The compact map body's picture (one pixel a partition, in map.js's
 * layout) as an <img id="map-img"> into b, its size in a <style> block
 * the reply's CSP allows; nothing for a map without partitions. */
void map_image(struct web_req *r, struct buf *b, json_t *map);

/* --- routes.c: the table of every address --- */
/* Match r against the route table, check login, role and CSRF, resolve
 * the DAG, and run the handler. */
enum web_result routes_dispatch(struct web_req *r);

/* --- web.c: the open routes --- */
enum web_result web_serve_health(struct web_req *r);
enum web_result web_serve_asset(struct web_req *r);
enum web_result web_serve_favicon(struct web_req *r);

/* --- api.c: what the API's handlers share --- */
/* limit and offset from the query; -1 after replying 400. */
int api_page_args(struct web_req *r, int def, int *limit, int *offset);
/* Partition arguments go through the one resolver (scheduler/partition.h)
 * with the CLI's rules; each replies 400 with the resolver's message (the
 * nearest keys) and returns -1 when the argument names nothing, or, for
 * api_partition_trigger, several. api_partition_trigger: the partition of
 * a new run (partition_resolve_trigger; outside_ok: the body's
 * allow_outside_range), its notes into notes. */
struct partition_notes;
int api_partitions(struct web_req *r, const struct dag *d, const char *arg,
		   enum partition_scope scope, struct partition_set *out,
		   struct partition_notes *notes);
int api_partition_trigger(struct web_req *r, const struct dag *d,
			  const char *arg, int outside_ok,
			  struct partition *out, struct partition_notes *notes);
int api_partition_range(struct web_req *r, const struct dag *d,
			const char *from, const char *to,
			struct partition_set *out, struct partition_notes *notes);
/* A boolean field of a JSON body: 0 when absent or null, 1 true, 0
 * false; -1 after 400 when it is not a boolean. */
int api_body_bool(struct web_req *r, json_t *body, const char *key);
/* A string field of a JSON body into *out (borrowed from body): NULL
 * when absent or null; -1 after 400 when it is something else (a
 * "to": [...] read as absent took the range to the newest partition). */
int api_body_string(struct web_req *r, json_t *body, const char *key,
		    const char **out);
/* from/to of the query (open ends when absent): the runs from the first
 * named to the last named, inclusive; -1 after 400. */
struct store_run_range;
int api_range_args(struct web_req *r, const struct dag *d,
		   struct store_run_range *range);
/* A value a person may give where a name goes: 1-200 printable
 * characters (what it names is checked by its resolver). */
int api_key_ok(const char *s);
/* Begin the web's own transaction around a person action: *ok = 1 when
 * begun; WEB_BUSY when another writer holds the lock; else replied 500. */
enum web_result api_begin(struct web_req *r, int *ok);
/* After a store call failed: WEB_BUSY when another writer held the lock
 * (the request runs again), else a 500 with sqlite's message. */
enum web_result api_db_failed(struct web_req *r);
/* Commit what api_begin began: *ok = 1 when committed; WEB_BUSY when
 * another writer held the lock (the request runs again); else replied
 * 500 with the store's words for a failed commit ("PATH: commit:
 * sqlite's message", as the CLI says it). */
enum web_result api_commit(struct web_req *r, int *ok);

/* --- the API's handlers, one file per resource (routes.c lists them);
 * a handler of a {dag} route finds the DAG in r->dag --- */
/* api_dags.c */
enum web_result api_dags(struct web_req *r);
enum web_result api_dag(struct web_req *r);
/* A DAG (summary, tasks, params) as the API and the pages show it; NULL
 * on a database error. */
json_t *api_dag_json(struct web *w, const struct dag *d);
/* Every DAG and every file in error, as GET /dags shows them:
 * {"dags": [...], "errors": [{file, error, dag?}]}. A DAG whose file is
 * broken is in both, with its error (running its last good version:
 * "loaded" true; or known only from the database: "loaded" false); so is
 * a DAG whose file is gone ("file_missing" true). NULL on a database
 * error. */
json_t *api_dags_list_json(struct web *w, const char *tag);
/* Is d tagged tag (its `tags:`; exact match)? A NULL or empty tag: yes. */
int api_dag_tagged(const struct dag *d, const char *tag);
/* api_runs.c */
enum web_result api_runs_list(struct web_req *r);
enum web_result api_run(struct web_req *r);
enum web_result api_run_delete(struct web_req *r);
/* api_grid.c */
enum web_result api_grid(struct web_req *r);
enum web_result api_grid_keys(struct web_req *r);
/* grid_groups.c: the grid's ,"groups":[{name, tasks: [index...]}], and a
 * partition's ,"group_cells":[state...] (nothing when the DAG has no
 * group) from its task instances' states by task index ("" or NULL:
 * none). */
void grid_groups_head(const struct dag *d, struct buf *out);
void grid_groups_cells(const struct dag *d, const char *const *states,
		       struct buf *out);
/* A JSON string literal (s; NULL: "") into b, escaped by jansson. */
void grid_json_str(struct buf *b, const char *s);
/* A grid cell as its JSON text: [state, duration_ms, try_number]. */
#define GRID_CELL_MAX 96	/* a plain state (< 40 bytes) and two integers */
struct grid_cell {
	int len;			/* 0: no task instance; -1: in *slow */
	char text[GRID_CELL_MAX];
};
/* A task instance's cell into c; a state that needs escaping goes to
 * *slow (freed first) and c->len is -1. */
void grid_cell_put(struct grid_cell *c, char **slow, const char *state,
		   int64_t duration_ms, int try_number);
/* grid_maps.c: mapped tasks (foreach:) in the grid. The items of a run
 * (task instances NAME[i]) are collected as its rows come
 * (grid_maps_item: 1 when task names an item of one of d's tasks), then
 * written as the partition's ,"items":{"NAME":[cell...]} (by item index;
 * nothing when the run has none); grid_maps_head writes ,"mapped":[NAME...]
 * (the DAG's mapped tasks and any with items on the page). The grid reads
 * no item values (its query stays on its covering index): the UI asks the
 * run for them when it shows an item's column. */
struct grid_maps;
struct grid_maps *grid_maps_new(const struct dag *d);
int grid_maps_item(struct grid_maps *m, const char *task, const char *state,
		   int64_t duration_ms, int try_number);
void grid_maps_cells(struct grid_maps *m, struct buf *out);
void grid_maps_head(struct grid_maps *m, struct buf *out);
void grid_maps_free(struct grid_maps *m);
/* pages_mapped.c: on the task page of ti (task, a row of tis): a mapped parent's items
 * (index, value, state, tries, duration, links), or an item's value and
 * a link to its parent; nothing for other tasks. */
void pages_mapped_section(struct buf *b, const struct dag *d, const char *partition,
			  const char *task, json_t *ti, json_t *tis);
struct store_grid_query;
/* The grid: a page of the runs q matches (newest first) x the DAG's
 * tasks, as JSON written into out (web/API.md shows the shape); at (may
 * be NULL) goes out as "at". -1 on a database error. */
int api_grid_write(struct web *w, const struct dag *d, const struct store_grid_query *q,
		   int limit, int offset, const json_t *at, struct buf *out);
/* api_partitions.c: the partition map */
enum web_result api_partitions_map(struct web_req *r);
/* The compact form of d's map from..to (NULL: the defaults), as the API
 * gives it (a new reference); NULL with err. task (NULL: the runs') and
 * dataset: the map of the dataset task produces. */
json_t *api_partitions_compact(struct web *w, const struct dag *d,
			       const char *task, const char *dataset,
			       const char *from, const char *to,
			       struct sl_err *err);
/* Reply with d's map (task, dataset: as above) in the form and range
 * the query asks for (format, from, to). */
enum web_result api_partitions_reply(struct web_req *r, const struct dag *d,
				     const char *task, const char *dataset);
/* api_datasets.c: datasets (produces:) and their maps */
enum web_result api_datasets(struct web_req *r);
enum web_result api_dataset(struct web_req *r);
enum web_result api_dataset_partitions(struct web_req *r);
/* Every dataset of the folder, by name, as GET /api/v1/datasets gives
 * them (only: that one; NULL: all): {name, producers: [{dag, task,
 * scheduled}], consumers: [{dag, task, offset, latest, on_change}],
 * page, partitions}. A new reference. */
json_t *api_datasets_json(const struct dagbag *bag, const char *only);
/* The producer of dataset name: 0 with *d and *task (the bag's), or -1. */
int api_dataset_producer(const struct dagbag *bag, const char *name,
			 const struct dag **d, const char **task);
/* api_actions.c */
enum web_result api_pause(struct web_req *r);
enum web_result api_unpause(struct web_req *r);
enum web_result api_trigger(struct web_req *r);
enum web_result api_clear(struct web_req *r);
enum web_result api_mark(struct web_req *r);
/* api_backfills.c */
enum web_result api_backfill(struct web_req *r);
enum web_result api_backfills_create(struct web_req *r);
enum web_result api_backfills_list(struct web_req *r);
enum web_result api_backfill_get(struct web_req *r);
enum web_result api_backfill_cancel(struct web_req *r);
/* api_tasks.c */
enum web_result api_task(struct web_req *r);
enum web_result api_log(struct web_req *r);
/* A task instance's tries with the one in flight, each with what it ran
 * (new reference; NULL on a database error). */
json_t *api_ti_tries(struct web *w, json_t *ti, const char *dag,
		     const char *partition, const char *task);
/* api_users.c */
enum web_result api_me(struct web_req *r);
enum web_result api_audit(struct web_req *r);
enum web_result api_users_list(struct web_req *r);
enum web_result api_users_add(struct web_req *r);
enum web_result api_users_remove(struct web_req *r);
enum web_result api_users_role(struct web_req *r);
enum web_result api_users_password(struct web_req *r);
enum web_result api_users_token(struct web_req *r);
enum web_result api_account_password(struct web_req *r);

/* --- mask.c: secrets are never shown (web/mask.h) --- */
/* Replace a run's "params" (or each run's of an array) by the DAG's
 * masked view: secret params as ***. */
struct dag;
void mask_run_params(const struct dag *d, json_t *run_or_runs);

/* --- metrics.c --- */
enum web_result metrics_serve(struct web_req *r);

/* --- pages.c: the UI's pages (routes.c lists them) --- */
enum web_result pages_dags(struct web_req *r);
enum web_result pages_audit(struct web_req *r);
/* pages_backfills.c: the backfills page, and the DAG page's section of
 * its active backfills */
enum web_result pages_backfills(struct web_req *r);
void pages_backfills_section(struct web_req *r, struct buf *b,
			     const struct dag *d);
enum web_result pages_dag(struct web_req *r);
enum web_result pages_graph(struct web_req *r);
enum web_result pages_not_found(struct web_req *r, const char *what);
/* The 404 of a partition naming no run of d: what (the resolver's
 * message), its nearest keys each a link to the page that showed it:
 * page LINK_PAGE_RUN (that run's page) or another of the DAG's pages
 * (links.h) that takes ?partition=, as the graph. */
enum web_result pages_run_not_found(struct web_req *r, const struct dag *d,
				    const char *what, const char *page);
/* The 403 page: what is needed (a role) and who is asking. */
enum web_result pages_forbidden(struct web_req *r, const char *what);
/* --- pages_users.c: the users page (admins) and My account --- */
enum web_result pages_users(struct web_req *r);
enum web_result pages_account(struct web_req *r);
/* The DAG's heading, meta line and tabs (tab: "grid", "graph", "map"). */
void pages_dag_header(struct web_req *r, struct buf *b, const struct dag *d,
		      const char *tab);
/* --- pages_map.c: the partition map page --- */
enum web_result pages_map(struct web_req *r);
/* The map's toolbar, canvas, first map, legend and preview dialog for
 * d (task, dataset: the map of the dataset task produces; NULL: d's
 * runs); can_change: the backfill and clear actions. */
void pages_map_body(struct web_req *r, struct buf *b, const struct dag *d,
		    const char *task, const char *dataset, int can_change);
/* --- pages_datasets.c: the datasets page and a dataset's page --- */
enum web_result pages_datasets(struct web_req *r);
enum web_result pages_dataset(struct web_req *r);
/* A state as a coloured badge. */
void pages_state_badge(struct buf *b, const char *state);
/* The task instance states' badges in a row (the grid's legend, the
 * graph's): the colours the grid's cells and the graph's boxes have; id
 * NULL for none. */
void pages_state_legend(struct buf *b, const char *id);
/* ` title="..."` for a partition key of d: extra (may be NULL), then the
 * key's time in UTC when the key is a time. */
void pages_partition_title(struct buf *b, const struct dag *d, const char *key,
			   const char *extra);
/* --- pages_run.c: the run page and the task page --- */
enum web_result pages_run(struct web_req *r);
enum web_result pages_task(struct web_req *r);
/* To the login page, then back to the page asked for. */
void pages_to_login(struct web_req *r);
/* The login form; next: where to go after (NULL: the ?next= query);
 * username: the name typed before (a failed login keeps it), or NULL. */
void pages_login(struct web_req *r, const char *message, int status,
		 const char *next, const char *username);

/* --- session.c: who is asking, login, logout, rate limits --- */
/* Fill r->user from a bearer token or the session cookie. */
void session_identify(struct web_req *r);
/* Check a state-changing call: logged in (401), CSRF for cookie sessions
 * (403), role at least `need` (403). Replies and returns -1 when refused. */
int session_require_change(struct web_req *r, enum web_role need);
/* For reads: logged in, or 401. */
int session_require_read(struct web_req *r);
/* Reply 403: r's user has too low a role for what needs need ("user ops
 * is an operator; this needs an admin"). -1. */
int session_forbidden(struct web_req *r, enum web_role need);
/* The session cookie's value into out (n bytes): 0 when r comes with a
 * live session, else -1. */
int session_current_cookie(struct web_req *r, char *out, size_t n);
/* A password a logged-in user gives again (My account) is limited as
 * logins are: seconds until r's user may try again (0: now), and count
 * a wrong one. */
int session_guess_wait(struct web_req *r);
void session_guess_failed(struct web_req *r);
enum web_result session_login(struct web_req *r);
enum web_result session_logout(struct web_req *r);
struct web_limiter *limiter_new(void);
void limiter_free(struct web_limiter *l);

#endif
