/* try.c: the try model (see try.h). */
#include "scheduler/try.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/secret.h"
#include "base/util.h"
#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/template.h"
#include "scheduler/tz.h"
#include "web/mask.h"

extern char **environ;

char *
try_partition_dir(const char *partition)
{
	struct buf b;

	buf_init(&b, 0);
	for (const unsigned char *p = (const unsigned char *)partition; *p; p++) {
		if (*p == '%' || *p == '/' || *p == '\\' || *p < 0x20 ||
		    *p == 0x7f || (*p == '.' && p == (const unsigned char *)partition))
			buf_printf(&b, "%%%02X", *p);
		else
			buf_addc(&b, (char)*p);
	}
	if (b.len == 0)
		buf_adds(&b, "%00");	/* an empty key still gets a folder */
	return buf_steal(&b);
}

char *
try_log_dir(const char *logs_dir, const char *dag, const char *partition,
	    const char *task)
{
	char *part = try_partition_dir(partition);
	char *dir = xasprintf("%s/%s/%s/%s", logs_dir, dag, part, task);

	free(part);
	return dir;
}

/* A file of one try in its task's log folder: try-N.EXT. */
static char *
try_file(const char *logs_dir, const char *dag, const char *partition,
	 const char *task, int try_number, const char *ext)
{
	char *dir = try_log_dir(logs_dir, dag, partition, task);
	char *path = xasprintf("%s/try-%d.%s", dir, try_number, ext);

	free(dir);
	return path;
}

char *
try_log_path(const char *logs_dir, const char *dag, const char *partition,
	     const char *task, int try_number)
{
	return try_file(logs_dir, dag, partition, task, try_number, "log");
}

char *
try_output_path(const char *logs_dir, const char *dag, const char *partition,
		const char *task, int try_number)
{
	return try_file(logs_dir, dag, partition, task, try_number, "output");
}

char *
try_run_id(const char *run_type, const char *partition)
{
	return xasprintf("%s__%s", run_type, partition);
}

void
try_tmpl_ctx(const struct try_ctx *c, struct tmpl_ctx *out)
{
	memset(out, 0, sizeof *out);
	out->dag = c->dag->name;
	out->task = c->task_name ? c->task_name : c->task->name;
	out->item = c->item;
	out->run_id = c->run_id;
	out->partition = c->partition;
	out->try_number = c->try_number;
	out->start = c->start_s;
	out->end = c->end_s;
	out->outputs = c->outputs;
	out->tz = c->dag->tz;
	out->schedule = c->dag->schedule;
	out->params = c->params;
}

/* An environment being built: v[0..shared) point into environ. The
 * shared count is kept just past the terminating NULL for try_env_free. */
struct try_envp {
	char **v;
	size_t n, cap;
	size_t shared;
};

static void
envp_room(struct try_envp *e, size_t more)
{
	if (e->n + more + 2 > e->cap) {
		e->cap = (e->n + more + 2) * 2;
		e->v = xreallocarray(e->v, e->cap, sizeof *e->v);
	}
}

static void
envp_set(struct try_envp *e, const char *name, const char *value)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->v[i], name, len) == 0 && e->v[i][len] == '=') {
			if (i >= e->shared) {
				free(e->v[i]);
				e->v[i] = xasprintf("%s=%s", name, value);
				return;
			}
			/* an inherited one: drop it (keep the shared part
			 * contiguous), then append the new value */
			e->v[i] = e->v[--e->shared];
			e->v[e->shared] = e->v[e->n - 1];
			e->n--;
			break;
		}
	envp_room(e, 1);
	e->v[e->n++] = xasprintf("%s=%s", name, value);
}

static char **
envp_finish(struct try_envp *e)
{
	envp_room(e, 0);
	e->v[e->n] = NULL;
	e->v[e->n + 1] = (char *)(uintptr_t)e->shared;
	return e->v;
}

void
try_env_free(char **v)
{
	size_t n = 0, shared;

	if (v == NULL)
		return;
	while (v[n] != NULL)
		n++;
	shared = (size_t)(uintptr_t)v[n + 1];
	for (size_t i = shared; i < n; i++)
		free(v[i]);
	free(v);
}

/* The variables every try (and its hooks) gets, besides the task's env:
 * and the scheduler's own environment (less its SLUICE_* variables). */
enum { TE_DAG, TE_TASK, TE_PARTITION, TE_RUN_ID, TE_TRY, TE_START, TE_END, TE_HOME, TE_TRY_ID, TE_OUTPUT };

static const struct try_env_var te_vars[] = {
	[TE_DAG] = { "SLUICE_DAG", "the DAG's name" },
	[TE_TASK] = { "SLUICE_TASK", "the task's name" },
	[TE_PARTITION] = { "SLUICE_PARTITION", "the partition's key" },
	[TE_RUN_ID] = { "SLUICE_RUN_ID", "the run's id" },
	[TE_TRY] = { "SLUICE_TRY", "the try's number, from 1" },
	[TE_START] = { "SLUICE_DATA_INTERVAL_START", "the partition's start, ISO-8601 with offset" },
	[TE_END] = { "SLUICE_DATA_INTERVAL_END", "the partition's end, ISO-8601 with offset" },
	[TE_HOME] = { "SLUICE_HOME", "the sluice home folder" },
	[TE_TRY_ID] = { "SLUICE_TRY_ID", "TASK_INSTANCE_ID.TRY: names this try uniquely" },
	[TE_OUTPUT] = { "SLUICE_OUTPUT", "a file the try may write key=value lines or one JSON object to (at most 64 KiB): the task's output (see Task outputs)" },
	{ NULL, NULL },
};

const struct try_env_var *
try_env_vars(void)
{
	return te_vars;
}

char **
try_env(const struct try_ctx *c, struct sl_err *err)
{
	struct try_envp e = { NULL, 0, 0, 0 };
	char num[32], iso[64];
	struct tmpl_ctx tc;
	const char *k;
	json_t *v;
	size_t n = 0;

	while (environ[n] != NULL)
		n++;
	e.cap = n + 32;
	e.v = xcalloc(e.cap, sizeof *e.v);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "SLUICE_", 7) != 0)
			e.v[e.n++] = environ[i];
	e.shared = e.n;
	envp_set(&e, te_vars[TE_DAG].name, c->dag->name);
	envp_set(&e, te_vars[TE_TASK].name,
		 c->task_name ? c->task_name : c->task->name);
	envp_set(&e, te_vars[TE_PARTITION].name, c->partition);
	envp_set(&e, te_vars[TE_RUN_ID].name, c->run_id);
	snprintf(num, sizeof num, "%d", c->try_number);
	envp_set(&e, te_vars[TE_TRY].name, num);
	envp_set(&e, te_vars[TE_START].name,
		 tz_iso(c->dag->tz, c->start_s, iso, sizeof iso));
	envp_set(&e, te_vars[TE_END].name,
		 tz_iso(c->dag->tz, c->end_s, iso, sizeof iso));
	envp_set(&e, te_vars[TE_HOME].name, c->cfg->home);
	snprintf(num, sizeof num, "%lld.%d", (long long)c->ti_id, c->try_number);
	envp_set(&e, te_vars[TE_TRY_ID].name, num);
	if (c->output_path != NULL)
		envp_set(&e, te_vars[TE_OUTPUT].name, c->output_path);
	else {
		char *out = try_output_path(c->cfg->logs_dir, c->dag->name,
					    c->partition,
					    c->task_name ? c->task_name : c->task->name,
					    c->try_number);

		envp_set(&e, te_vars[TE_OUTPUT].name, out);
		free(out);
	}
	{
		/* a task's working directory is its PWD, as a shell
		 * started there would say (a plain command line runs
		 * without one, see operators/shell.c) */
		char *cwd = try_cwd(c);

		if (cwd != NULL && cwd[0] == '/')
			envp_set(&e, "PWD", cwd);
		free(cwd);
	}
	try_tmpl_ctx(c, &tc);
	json_object_foreach(c->task->env, k, v) {
		struct buf b;

		buf_init(&b, 0);
		if (tmpl_render(json_string_value(v), &tc, &b, err) < 0) {
			buf_free(&b);
			try_env_free(envp_finish(&e));
			return NULL;
		}
		envp_set(&e, k, buf_str(&b));
		buf_free(&b);
	}
	return envp_finish(&e);
}

/* Add v to the list when it is worth masking and not there yet. */
static void
secrets_add(char ***list, size_t *n, const char *v, size_t len)
{
	char *copy = xstrndup(v, len);

	if (!secret_maskable(copy)) {
		free(copy);
		return;
	}
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i], copy) == 0) {
			free(copy);
			return;
		}
	*list = xrealloc(*list, (*n + 2) * sizeof **list);
	(*list)[(*n)++] = copy;
	(*list)[*n] = NULL;
}

/* A connection's secrets: secret-looking keys, a URL's password. A
 * KEY_env key holds the name of the variable KEY came from, not a secret
 * (KEY itself is masked): errors name it for the reader to look at. */
static void
secrets_conn(char ***list, size_t *n, json_t *conn)
{
	const char *k;
	json_t *v;

	json_object_foreach(conn, k, v) {
		const char *s = json_string_value(v), *host, *at, *colon;
		size_t klen = strlen(k);

		if (s == NULL)
			continue;
		if (klen > 4 && strcmp(k + klen - 4, "_env") == 0)
			continue;
		if (secret_name(k)) {
			secrets_add(list, n, s, strlen(s));
			continue;
		}
		host = strstr(s, "://");
		if (host == NULL)
			continue;
		host += 3;
		at = strchr(host, '@');
		colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;
		if (colon != NULL && colon + 1 < at)
			secrets_add(list, n, colon + 1, (size_t)(at - colon - 1));
	}
}

/* Whether any of the operator's keys names a connection: only then are
 * the options rendered again to find the connections' secrets. */
static int
try_op_has_connection(const struct operator *op)
{
	for (const struct op_key *k = op->keys; k != NULL && k->name != NULL; k++)
		if (k->kind == OPK_CONNECTION)
			return 1;
	return 0;
}

char **
try_secrets(const struct try_ctx *c, char *const *env)
{
	char **list = NULL;
	size_t n = 0;
	const char *k;
	json_t *v;

	if (json_is_object(c->params))
		json_object_foreach((json_t *)c->params, k, v) {
			char *text;

			if (!dag_param_is_secret(c->dag, k))
				continue;
			if (json_is_string(v)) {
				secrets_add(&list, &n, json_string_value(v),
					    strlen(json_string_value(v)));
				continue;
			}
			text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			if (text != NULL)
				secrets_add(&list, &n, text, strlen(text));
			free(text);
		}
	for (char *const *e = env; e != NULL && *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		char name[256];

		if (eq == NULL || (size_t)(eq - *e) >= sizeof name)
			continue;
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = '\0';
		if (secret_name(name))
			secrets_add(&list, &n, eq + 1, strlen(eq + 1));
	}
	if (try_op_has_connection(c->task->op)) {
		struct tmpl_ctx tc;
		struct sl_err err;
		json_t *opts;

		try_tmpl_ctx(c, &tc);
		sl_err_clear(&err);
		if (tmpl_render_opts(c->task->op->keys, c->task->options, &tc,
				     &opts, &err) == 0) {
			for (const struct op_key *ok = c->task->op->keys;
			     ok->name != NULL; ok++) {
				const char *name;
				json_t *conn;

				if (ok->kind != OPK_CONNECTION)
					continue;
				name = json_string_value(json_object_get(opts, ok->name));
				if (name == NULL)
					continue;
				conn = config_connection(c->cfg, name, &err);
				if (conn != NULL)
					secrets_conn(&list, &n, conn);
				json_decref(conn);
			}
			json_decref(opts);
		}
	}
	return list;
}

json_t *
try_spec(const struct try_ctx *c, struct sl_err *err)
{
	const struct task *t = c->task;
	struct tmpl_ctx tc;
	json_t *opts, *conns = json_object(), *spec, *smtp;
	char a[64], b[64];

	try_tmpl_ctx(c, &tc);
	if (tmpl_render_opts(t->op->keys, t->options, &tc, &opts, err) < 0) {
		json_decref(conns);
		return NULL;
	}
	for (const struct op_key *k = t->op->keys; k->name != NULL; k++) {
		const char *name;
		json_t *conn;

		if (k->kind != OPK_CONNECTION)
			continue;
		name = json_string_value(json_object_get(opts, k->name));
		if (name == NULL)
			continue;
		conn = config_connection(c->cfg, name, err);
		if (conn == NULL) {
			json_decref(opts);
			json_decref(conns);
			return NULL;
		}
		json_object_set_new(conns, name, conn);
	}
	spec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:o,s:o,s:s}",
			 "type", t->op->name, "dag", c->dag->name,
			 "task", c->task_name ? c->task_name : t->name,
			 "partition", c->partition,
			 "run_id", c->run_id, "try_number", c->try_number,
			 "data_interval_start",
			 tz_iso(c->dag->tz, c->start_s, a, sizeof a),
			 "data_interval_end",
			 tz_iso(c->dag->tz, c->end_s, b, sizeof b),
			 "options", opts, "connections", conns,
			 "home", c->cfg->home);
	json_object_set_new(spec, "base_url", json_string(c->cfg->base_url ?
	    c->cfg->base_url : ""));
	json_object_set_new(spec, "timezone", json_string(tz_name(c->dag->tz)));
	json_object_set_new(spec, "logs_dir", json_string(c->cfg->logs_dir));
	/* where the try records the external job it follows
	 * (operators/op_external.h): tries of a task instance only */
	if (c->ti_id != 0)
		json_object_set_new(spec, "database",
				    json_string(c->cfg->db_path));
	/* who hears of a step's warning (a sql check with warn: true) */
	if (t->email != NULL || c->dag->email != NULL) {
		json_t *to = json_array();

		for (char *const *e = t->email != NULL ? t->email : c->dag->email;
		     *e != NULL; e++)
			json_array_append_new(to, json_string(*e));
		json_object_set_new(spec, "email", to);
	}
	smtp = config_smtp(c->cfg);
	if (smtp != NULL)
		json_object_set_new(spec, "smtp", smtp);
	return spec;
}

int
try_argv_is_sluice(const struct try_ctx *c)
{
	return c->task->op->argv == NULL;
}

char **
try_argv(const struct try_ctx *c, int poke, char **stdin_text,
	 struct sl_err *err)
{
	const struct task *t = c->task;
	struct tmpl_ctx tc;
	json_t *spec;
	char **argv;

	*stdin_text = NULL;
	if (t->op->argv != NULL) {
		try_tmpl_ctx(c, &tc);
		return t->op->argv(t->options, &tc, err);
	}
	spec = try_spec(c, err);
	if (spec == NULL)
		return NULL;
	*stdin_text = json_dumps(spec, JSON_COMPACT);
	json_decref(spec);
	argv = xcalloc(7, sizeof *argv);
	argv[0] = xstrdup(c->self_exe);
	argv[1] = xstrdup("--home");
	argv[2] = xstrdup(c->cfg->home);
	argv[3] = xstrdup("operator");
	argv[4] = xstrdup(t->op->name);
	if (poke)
		argv[5] = xstrdup("--poke");
	return argv;
}

json_t *
try_shown(const struct try_ctx *c, struct sl_err *err)
{
	const struct task *t = c->task;
	struct tmpl_ctx tc;
	json_t *rendered = NULL, *shown;

	try_tmpl_ctx(c, &tc);
	tc.decls = c->dag->param_decls;
	tc.mask_secrets = 1;
	if (t->op->argv != NULL) {
		char **argv = t->op->argv(t->options, &tc, err);

		if (argv == NULL)
			return NULL;
		rendered = json_array();
		for (char **a = argv; *a != NULL; a++)
			json_array_append_new(rendered, json_string(*a));
		strv_free(argv);
	} else if (t->options != NULL &&
		   tmpl_render_opts(t->op->keys, t->options, &tc, &rendered, err) < 0)
		return NULL;
	if (rendered == NULL)
		return json_object();
	shown = mask_json(rendered);
	json_decref(rendered);
	return shown;
}

char *
try_cwd(const struct try_ctx *c)
{
	struct tmpl_ctx tc;

	if (c->task->op->cwd == NULL)
		return NULL;
	try_tmpl_ctx(c, &tc);
	return c->task->op->cwd(c->task->options, &tc);
}
