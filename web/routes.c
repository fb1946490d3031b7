/*
 * routes.c: every address the server answers, as one table: method,
 * path pattern, the role it needs and its handler. The router matches a
 * request against it, checks the login and role (and the CSRF token of
 * a change), resolves the DAG a pattern names, and calls the handler.
 * web/links.h holds the patterns of the pages, which the links sent in
 * emails are built from.
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/auth.h"
#include "web/links.h"

/* Methods a route answers: GET also answers HEAD. */
#define M_GET		(1 << 0)
#define M_POST		(1 << 1)
#define M_DELETE	(1 << 2)
#define M_ANY		(M_GET | M_POST | M_DELETE | (1 << 3))

/* What a route is, for what happens around its handler. */
enum route_kind {
	ROUTE_OPEN,	/* no login, no checks (health, assets, login) */
	ROUTE_API,	/* JSON errors; 401 without a login */
	ROUTE_PAGE,	/* HTML errors; to the login page without a login */
};

struct route {
	int methods;
	const char *pattern;
	enum route_kind kind;
	enum web_role role;	/* reads: at least this role; changes: this
				 * role and the CSRF token of a session */
	enum web_result (*handler)(struct web_req *r);
};

static const struct route routes[] = {
	{ M_GET, "/health", ROUTE_OPEN, ROLE_NONE, web_serve_health },
	{ M_GET, "/metrics", ROUTE_OPEN, ROLE_NONE, metrics_serve },
	{ M_GET, "/static/{file}", ROUTE_OPEN, ROLE_NONE, web_serve_asset },
	{ M_GET, "/favicon.ico", ROUTE_OPEN, ROLE_NONE, web_serve_favicon },
	{ M_ANY, "/login", ROUTE_OPEN, ROLE_NONE, session_login },
	{ M_ANY, "/logout", ROUTE_OPEN, ROLE_NONE, session_logout },

	{ M_GET, "/api/v1/me", ROUTE_API, ROLE_VIEWER, api_me },
	{ M_GET, "/api/v1/dags", ROUTE_API, ROLE_VIEWER, api_dags },
	{ M_GET, "/api/v1/dags/{dag}", ROUTE_API, ROLE_VIEWER, api_dag },
	{ M_POST, "/api/v1/dags/{dag}/pause", ROUTE_API, ROLE_OPERATOR, api_pause },
	{ M_POST, "/api/v1/dags/{dag}/unpause", ROUTE_API, ROLE_OPERATOR, api_unpause },
	{ M_GET, "/api/v1/dags/{dag}/runs", ROUTE_API, ROLE_VIEWER, api_runs_list },
	{ M_POST, "/api/v1/dags/{dag}/runs", ROUTE_API, ROLE_OPERATOR, api_trigger },
	{ M_GET, "/api/v1/dags/{dag}/grid", ROUTE_API, ROLE_VIEWER, api_grid },
	{ M_GET, "/api/v1/dags/{dag}/grid/keys", ROUTE_API, ROLE_VIEWER, api_grid_keys },
	{ M_GET, "/api/v1/dags/{dag}/partitions", ROUTE_API, ROLE_VIEWER, api_partitions_map },
	{ M_POST, "/api/v1/dags/{dag}/clear", ROUTE_API, ROLE_OPERATOR, api_clear },
	{ M_POST, "/api/v1/dags/{dag}/mark", ROUTE_API, ROLE_OPERATOR, api_mark },
	{ M_POST, "/api/v1/dags/{dag}/backfill", ROUTE_API, ROLE_OPERATOR, api_backfill },
	{ M_POST, "/api/v1/dags/{dag}/backfills", ROUTE_API, ROLE_OPERATOR,
	  api_backfills_create },
	{ M_GET, "/api/v1/backfills", ROUTE_API, ROLE_VIEWER, api_backfills_list },
	{ M_GET, "/api/v1/backfills/{id}", ROUTE_API, ROLE_VIEWER, api_backfill_get },
	{ M_POST, "/api/v1/backfills/{id}/cancel", ROUTE_API, ROLE_OPERATOR,
	  api_backfill_cancel },
	{ M_GET, "/api/v1/dags/{dag}/runs/{partition}", ROUTE_API, ROLE_VIEWER, api_run },
	{ M_DELETE, "/api/v1/dags/{dag}/runs/{partition}", ROUTE_API, ROLE_OPERATOR,
	  api_run_delete },
	{ M_GET, "/api/v1/dags/{dag}/runs/{partition}/tasks/{task}", ROUTE_API,
	  ROLE_VIEWER, api_task },
	{ M_GET, "/api/v1/dags/{dag}/runs/{partition}/tasks/{task}/logs/{try}",
	  ROUTE_API, ROLE_VIEWER, api_log },
	{ M_GET, "/api/v1/datasets", ROUTE_API, ROLE_VIEWER, api_datasets },
	{ M_GET, "/api/v1/datasets/{name}", ROUTE_API, ROLE_VIEWER, api_dataset },
	{ M_GET, "/api/v1/datasets/{name}/partitions", ROUTE_API, ROLE_VIEWER,
	  api_dataset_partitions },
	{ M_GET, "/api/v1/audit", ROUTE_API, ROLE_VIEWER, api_audit },
	{ M_GET, "/api/v1/users", ROUTE_API, ROLE_ADMIN, api_users_list },
	{ M_POST, "/api/v1/users", ROUTE_API, ROLE_ADMIN, api_users_add },
	{ M_DELETE, "/api/v1/users/{name}", ROUTE_API, ROLE_ADMIN, api_users_remove },
	{ M_POST, "/api/v1/users/{name}/role", ROUTE_API, ROLE_ADMIN, api_users_role },
	{ M_POST, "/api/v1/users/{name}/password", ROUTE_API, ROLE_ADMIN, api_users_password },
	{ M_POST, "/api/v1/users/{name}/tokens", ROUTE_API, ROLE_ADMIN, api_users_token },
	{ M_POST, "/api/v1/account/password", ROUTE_API, ROLE_VIEWER, api_account_password },

	{ M_GET, LINK_PAGE_DAGS, ROUTE_PAGE, ROLE_VIEWER, pages_dags },
	/* the list where a DAG's own address says it is (/dags/NAME) */
	{ M_GET, "/dags", ROUTE_PAGE, ROLE_VIEWER, pages_dags },
	{ M_GET, "/audit", ROUTE_PAGE, ROLE_VIEWER, pages_audit },
	{ M_GET, "/backfills", ROUTE_PAGE, ROLE_VIEWER, pages_backfills },
	{ M_GET, "/users", ROUTE_PAGE, ROLE_ADMIN, pages_users },
	{ M_GET, "/account", ROUTE_PAGE, ROLE_VIEWER, pages_account },
	{ M_GET, LINK_PAGE_DATASETS, ROUTE_PAGE, ROLE_VIEWER, pages_datasets },
	{ M_GET, LINK_PAGE_DATASET, ROUTE_PAGE, ROLE_VIEWER, pages_dataset },
	{ M_GET, LINK_PAGE_DAG, ROUTE_PAGE, ROLE_VIEWER, pages_dag },
	/* the grid where Airflow has it, typed by people who know that */
	{ M_GET, "/dags/{dag}/grid", ROUTE_PAGE, ROLE_VIEWER, pages_dag },
	{ M_GET, LINK_PAGE_GRAPH, ROUTE_PAGE, ROLE_VIEWER, pages_graph },
	{ M_GET, LINK_PAGE_MAP, ROUTE_PAGE, ROLE_VIEWER, pages_map },
	{ M_GET, LINK_PAGE_RUN, ROUTE_PAGE, ROLE_VIEWER, pages_run },
	{ M_GET, LINK_PAGE_TASK, ROUTE_PAGE, ROLE_VIEWER, pages_task },
};

static int
method_bit(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
	case EVHTTP_REQ_HEAD:
		return M_GET;
	case EVHTTP_REQ_POST:
		return M_POST;
	case EVHTTP_REQ_DELETE:
		return M_DELETE;
	default:
		return 1 << 3;
	}
}

/* Where a capture's value goes in the request. */
static const char **
capture_slot(struct web_req *r, const char *name, size_t n)
{
#define CAP(s, field) \
	if (n == sizeof s - 1 && memcmp(name, s, n) == 0) return &r->arg.field
	CAP("dag", dag);
	CAP("partition", partition);
	CAP("task", task);
	CAP("try", try_number);
	CAP("name", name);
	CAP("file", file);
	CAP("id", id);
#undef CAP
	return NULL;
}

/* Does the request's path match pattern? Fills r->arg when it does. */
static int
route_matches(struct web_req *r, const char *pattern)
{
	const char *p = pattern;
	int i = 0;

	memset(&r->arg, 0, sizeof r->arg);
	if (strcmp(pattern, "/") == 0)
		return r->nseg == 0;
	while (*p == '/') {
		const char *s = ++p, *e = s + strcspn(s, "/");
		size_t n = (size_t)(e - s);

		if (i >= r->nseg)
			return 0;
		if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
			const char **slot = capture_slot(r, s + 1, n - 2);

			if (slot == NULL)
				sl_fatal("route %s: unknown capture", pattern);
			*slot = r->seg[i];
		} else if (strlen(r->seg[i]) != n || memcmp(r->seg[i], s, n) != 0)
			return 0;
		i++;
		p = e;
	}
	return i == r->nseg;
}

/* The methods of the routes whose pattern matches, for Allow. */
static void
allowed_methods(int methods, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s", methods & M_GET ? "GET, HEAD" : "",
		 methods & M_POST ? (methods & M_GET ? ", POST" : "POST") : "",
		 methods & M_DELETE ? (methods & (M_GET | M_POST) ? ", DELETE" : "DELETE") : "");
}

/* The route's login, role and CSRF checks; -1 after replying. */
static int
route_admit(struct web_req *r, const struct route *rt)
{
	if (rt->kind == ROUTE_OPEN)
		return 0;
	if (rt->kind == ROUTE_PAGE && r->user.role == ROLE_NONE) {
		pages_to_login(r);
		return -1;
	}
	if (method_bit(r->method) != M_GET)
		return session_require_change(r, rt->role);
	if (session_require_read(r) < 0)
		return -1;
	if (r->user.role < rt->role && rt->kind == ROUTE_PAGE) {
		char what[160];

		snprintf(what, sizeof what, "This page needs the %s role.",
			 auth_role_name(rt->role));
		pages_forbidden(r, what);
		return -1;
	}
	if (r->user.role < rt->role)
		return session_forbidden(r, rt->role);
	return 0;
}

/* No route has this path: say so in the form its part uses. */
static enum web_result
route_none(struct web_req *r)
{
	int api = r->nseg > 0 && strcmp(r->seg[0], "api") == 0;

	if (api && (r->nseg < 2 || strcmp(r->seg[1], "v1") != 0)) {
		web_error(r, 404, "the API lives under /api/v1");
		return WEB_DONE;
	}
	if (api) {
		if (session_require_read(r) == 0)
			web_error(r, 404, "no such endpoint: %s", r->path);
		return WEB_DONE;
	}
	if (r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD) {
		web_error(r, 405, "pages are read with GET; changes go through /api/v1");
		return WEB_DONE;
	}
	if (r->user.role == ROLE_NONE) {
		pages_to_login(r);
		return WEB_DONE;
	}
	return pages_not_found(r, "no such page");
}

/* The run a {partition} names, by the CLI's rules (an exact key, a time
 * in the DAG's zone, a date naming one run): its key, or NULL after
 * replying (400 listing the nearest keys; a page says so as its 404). */
static const char *
route_partition(struct web_req *r, const struct route *rt)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (partition_resolve_one(r->w->store, r->dag, r->arg.partition,
				  sl_now_ms() / 1000, PARTITION_RUNS, &r->run,
				  NULL, &err) == 0)
		return r->run.key;
	if (web_store_busy(r->w))
		return NULL;
	if (rt->kind == ROUTE_PAGE)
		pages_run_not_found(r, r->dag, err.msg, LINK_PAGE_RUN);
	else
		web_error(r, 400, "%s", err.msg);
	return NULL;
}

enum web_result
routes_dispatch(struct web_req *r)
{
	const struct route *hit = NULL, *path_hit = NULL;
	int methods = 0;

	/* every route of this path: the one for this method, and the
	 * methods the path answers (for 405's Allow) */
	for (size_t i = 0; i < SL_ARRAY_LEN(routes); i++) {
		if (!route_matches(r, routes[i].pattern))
			continue;
		if (path_hit == NULL)
			path_hit = &routes[i];
		methods |= routes[i].methods;
		if (hit == NULL && (routes[i].methods & method_bit(r->method)))
			hit = &routes[i];
	}
	if (path_hit == NULL)
		return route_none(r);
	if (hit == NULL) {
		char allow[64];

		if (path_hit->kind == ROUTE_PAGE) {
			web_error(r, 405, "pages are read with GET; changes go through /api/v1");
			return WEB_DONE;
		}
		if (path_hit->kind == ROUTE_API && session_require_read(r) < 0)
			return WEB_DONE;
		allowed_methods(methods, allow, sizeof allow);
		web_add_header(r, "Allow", allow);
		web_error(r, 405, "%s is not allowed here (allowed: %s)",
			  r->method == EVHTTP_REQ_GET ? "GET" :
			  r->method == EVHTTP_REQ_HEAD ? "HEAD" :
			  r->method == EVHTTP_REQ_POST ? "POST" :
			  r->method == EVHTTP_REQ_DELETE ? "DELETE" :
			  r->method == EVHTTP_REQ_PUT ? "PUT" :
			  r->method == EVHTTP_REQ_PATCH ? "PATCH" :
			  r->method == EVHTTP_REQ_OPTIONS ? "OPTIONS" : "this method", allow);
		return WEB_DONE;
	}
	route_matches(r, hit->pattern);	/* its captures */
	if (route_admit(r, hit) < 0)
		return WEB_DONE;
	r->dag = NULL;
	if (r->arg.dag != NULL && (r->dag = web_dag(r->w, r->arg.dag)) == NULL) {
		if (hit->kind == ROUTE_PAGE) {
			/* named, as the API and the run page's "DAG x has no
			 * run" do: "by that name" left the reader to find it in
			 * the address bar */
			char *what = xasprintf("no DAG named '%s' (or its file failed to load: see the DAG list)",
					       r->arg.dag);
			enum web_result res = pages_not_found(r, what);

			free(what);
			return res;
		}
		web_error(r, 404, "no DAG named '%s'", r->arg.dag);
		return WEB_DONE;
	}
	if (r->dag != NULL && (hit->handler == api_trigger ||
			       hit->handler == api_backfill ||
			       hit->handler == api_backfills_create)) {
		/* a gone file's DAG only finishes the runs it has */
		const struct dagbag_entry *e =
		    dagbag_find_entry(web_dagbag(r->w), r->dag->name);

		if (e != NULL && e->missing) {
			web_error(r, 409, "%s", e->error);
			return WEB_DONE;
		}
	}
	if (r->dag != NULL && r->arg.partition != NULL &&
	    (r->arg.partition = route_partition(r, hit)) == NULL)
		return web_store_busy(r->w) ? WEB_BUSY : WEB_DONE;
	return hit->handler(r);
}
