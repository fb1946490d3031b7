/* dag.c: loading and checking DAG files, and the DAG folder. Past 800
 * lines for now: a load is one pass over one YAML tree with one error
 * collector that every check feeds; the key tables are in dag_keys.c,
 * params in dag_params.c, the schema and reference in dag_schema.c and
 * dag_reference.c. The folder (dagbag_*) is the next piece to move out. */
#include "scheduler/dag.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "scheduler/dag_groups.h"
#include "scheduler/dag_map.h"
#include "scheduler/dag_keys.h"
#include "scheduler/dag_needs.h"
#include "scheduler/dag_clusters.h"
#include "scheduler/dag_outputs.h"
#include "scheduler/dag_notify.h"
#include "scheduler/dag_params.h"
#include "scheduler/dag_scope.h"
#include "scheduler/template.h"
#include "scheduler/tz.h"
#include "base/crypto.h"
#include "base/text.h"
#include "base/ydoc.h"
#include "operators/operator.h"

/* Why a DAG file whose path is not UTF-8 is not read (after "FILE: ",
 * the path escaped). */
#define DAG_FILE_NAME_NOT_TEXT "the file name is not valid UTF-8 (its bytes " \
	"are shown \\xHH); rename the file to load its DAG"

#define DAG_MAX_BYTES (4 * 1024 * 1024)
#define DAG_MAX_TASKS 100000
#define DAG_TYPE_SHELL "did you mean 'shell'? a command runs as a shell " \
	"task, the default type: command: ./extract.sh {{ ds }}"
#define DAG_TYPE_PYTHON "Python runs as a command of a shell task, the " \
	"default type: command: python3 -m etl.load {{ ds }}"

const char *
trigger_rule_name(enum trigger_rule r)
{
	return dag_trigger_rules[r].name;
}

static const struct op_key *
op_key_find(const struct operator *op, const char *name)
{
	for (const struct op_key *k = op->keys; k != NULL && k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static int
any_op_has_key(const char *name)
{
	for (size_t i = 0; operators[i] != NULL; i++)
		if (op_key_find(operators[i], name) != NULL)
			return 1;
	return 0;
}

/* email: (a DAG's or a task's) names addresses: an item without an @
 * ("data-team", "ops-at-example.com") would fail only when the first
 * notification is sent, in the scheduler's log. The full check is the
 * email module's, when it sends. */
static int
email_check(struct ydoc *d, ynode_t *v, struct sl_err *err)
{
	char path[SL_ERR_PATH];
	int n = v->type == YAML_SEQUENCE_NODE ?
	    (int)(v->data.sequence.items.top - v->data.sequence.items.start) : 1;

	ynode_path(d, v, path, sizeof path);
	for (int i = 0; i < n; i++) {
		ynode_t *it = v->type == YAML_SEQUENCE_NODE ?
		    ydoc_node(d, v->data.sequence.items.start[i]) : v;
		const char *s = ynode_str(it);

		if (s != NULL && strchr(s, '@') == NULL)
			return ydoc_err_path(d, it, path, err,
					     "'%s' is not an email address (local@domain, or \"Name <local@domain>\")",
					     s);
	}
	return 0;
}

static int
parse_email_on(struct ydoc *d, ynode_t *v, int *out, struct sl_err *err)
{
	char **list;
	int flags = 0;

	if (ynode_get_strv(d, v, NULL, &list, err) < 0)
		return -1;
	for (size_t i = 0; list[i] != NULL; i++) {
		int bit = dag_key_value_index(dag_email_on_values, list[i]);

		if (bit < 0) {
			char known[256], hint[128];

			ynode_err(d, v, err, "unknown event '%s' (%sknown: %s)",
				  list[i],
				  text_hint(dag_key_value_suggest(dag_email_on_values,
								     list[i]),
					       hint, sizeof hint),
				  dag_key_values_names(dag_email_on_values, known,
						       sizeof known));
			strv_free(list);
			return -1;
		}
		flags |= 1 << bit;
	}
	strv_free(list);
	*out = flags;
	return 0;
}

/* Check the templates of a JSON value loaded from node v; mode is an
 * operator key's templated (OPK_SHELL_LINE: a string value is a /bin/sh
 * line; OPK_SQL_TEXT: SQL), 0 or 1 for plain. */
static int
check_templates(struct ydoc *d, ynode_t *v, const char *what,
		const json_t *value, const json_t *params, int mode,
		struct sl_err *err)
{
	struct sl_err terr;
	int rc;

	int line, col;

	/* a list from a YAML list (flow or block): each item is checked at
	 * its own node, so an error points at its item (a list of shell
	 * lines is a list of arguments: checked plain, as tmpl_check_as) */
	if (v != NULL && v->type == YAML_SEQUENCE_NODE && json_is_array(value) &&
	    json_array_size(value) == (size_t)(v->data.sequence.items.top -
					       v->data.sequence.items.start)) {
		for (size_t i = 0; i < json_array_size(value); i++) {
			char at[SL_ERR_PATH];

			snprintf(at, sizeof at, "%s[%zu]", what, i);
			if (check_templates(d, ydoc_node(d, v->data.sequence.items.start[i]),
					    at, json_array_get(value, i), params,
					    mode == OPK_SHELL_LINE ? 0 : mode, err) < 0)
				return -1;
		}
		return 0;
	}
	sl_err_clear(&terr);
	rc = tmpl_check_as(mode, value, params, &terr);
	if (rc < 0) {
		ydoc_err_path(d, v, what, err, "%s", terr.msg);
		/* point at the bad name in the source, whatever the scalar's
		 * style (ydoc_pos.c); where an escape hides it, at the value */
		if (err != NULL && terr.col > 0 && json_is_string(value) &&
		    ynode_value_pos(d, v, (size_t)terr.col - 1, &line, &col) == 0) {
			err->line = line;
			err->col = col;
		}
		return -1;
	}
	return 0;
}

/* on_failure / on_success: a /bin/sh line with templates. */
static int
check_hook(struct ydoc *d, ynode_t *v, const char *what, const char *text,
	   const json_t *params, struct sl_err *err)
{
	json_t *value = json_string(text);
	int rc;

	if (value == NULL)
		return ydoc_err_path(d, v, what, err, "value is not valid UTF-8");
	rc = check_templates(d, v, what, value, params, OPK_SHELL_LINE, err);
	json_decref(value);
	return rc;
}

/* check_templates on every scalar under v, so an error inside a nested
 * value (a check's query) names its own field, line and column. */
static int
check_templates_tree(struct ydoc *d, ynode_t *v, const json_t *params,
		     int mode, struct sl_err *err)
{
	if (v == NULL)
		return 0;
	if (v->type == YAML_SCALAR_NODE) {
		json_t *value = json_string(ynode_str(v));
		char at[SL_ERR_PATH];
		const char *what = ynode_path(d, v, at, sizeof at);
		int rc;

		if (value == NULL)
			return ydoc_err_path(d, v, what, err,
					     "value is not valid UTF-8");
		rc = check_templates(d, v, what, value, params, mode, err);
		json_decref(value);
		return rc;
	}
	if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = yseq_begin(v); i < yseq_end(v); i++)
			if (check_templates_tree(d, ydoc_node(d, *i), params,
						 mode, err) < 0)
				return -1;
	} else if (v->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = ymap_begin(v); p < ymap_end(v); p++)
			if (check_templates_tree(d, ydoc_node(d, p->value),
						 params, mode, err) < 0)
				return -1;
	}
	return 0;
}

#define DAG_FILE_KEY_MAX (1024 * 1024)

/* An OPK_FILE key: the file named relative to the DAG file, refused
 * outside root (the DAG folder), read whole → {"path", "text"}. */
static int
load_op_file(struct ydoc *d, ynode_t *v, const char *what, const char *rel,
	     const char *root, json_t **out, struct sl_err *err)
{
	char *dir = xstrdup(ydoc_file(d)), *slash, *path, *real = NULL;
	char *real_root = NULL;
	struct buf text;
	FILE *f = NULL;
	char chunk[8192];
	size_t n;
	int rc = -1;

	*out = NULL;
	buf_init(&text, 0);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		snprintf(dir, strlen(dir) + 1, ".");
	path = rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", dir, rel);
	real_root = realpath(root != NULL ? root : dir, NULL);
	real = realpath(path, NULL);
	if (real == NULL) {
		ydoc_err_path(d, v, what, err, "cannot read %s: %s", rel,
			      strerror(errno));
		goto out;
	}
	if (real_root == NULL || strncmp(real, real_root, strlen(real_root)) != 0 ||
	    real[strlen(real_root)] != '/') {
		ydoc_err_path(d, v, what, err,
			      "%s is outside the DAG folder %s (a file: path is relative to the DAG file and stays inside its folder)",
			      rel, real_root ? real_root : (root ? root : dir));
		goto out;
	}
	f = fopen(real, "r");
	if (f == NULL) {
		ydoc_err_path(d, v, what, err, "cannot read %s: %s", rel,
			      strerror(errno));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (text.len + n > DAG_FILE_KEY_MAX) {
			ydoc_err_path(d, v, what, err, "%s is larger than %d bytes",
				      rel, DAG_FILE_KEY_MAX);
			goto out;
		}
		buf_add(&text, chunk, n);
	}
	if (ferror(f) || memchr(buf_str(&text), '\0', text.len) != NULL) {
		ydoc_err_path(d, v, what, err, "cannot read %s as text", rel);
		goto out;
	}
	*out = json_pack("{s:s, s:s, s:s}", "path", rel, "file", real,
			 "text", buf_str(&text));
	if (*out == NULL) {
		ydoc_err_path(d, v, what, err, "%s is not valid UTF-8", rel);
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	buf_free(&text);
	free(dir);
	free(path);
	free(real);
	free(real_root);
	return rc;
}

/* The templates of a file key's text, an error naming the file's own
 * line and column. */
static int
check_file_templates(const struct op_key *k, const json_t *val,
		     const char *what, const json_t *params,
		     struct sl_err *err)
{
	const char *text = json_string_value(json_object_get(val, "text"));
	struct sl_err terr;
	int line = 1, col = 1;

	sl_err_clear(&terr);
	if (tmpl_check_as(k->templated, json_object_get(val, "text"), params,
			  &terr) == 0)
		return 0;
	for (int i = 0; terr.col > 0 && i < terr.col - 1 && text[i] != '\0'; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	sl_err_at(err, json_string_value(json_object_get(val, "file")), line,
		  col, "%s: %s", what, terr.msg);
	if (err != NULL)
		snprintf(err->path, sizeof err->path, "%s", what);
	return -1;
}

/* A type-specific key of op: check its kind, store it in options. Its
 * errors name the place v is written (the task's key, or defaults'). */
static int
load_op_key(struct ydoc *d, const struct operator *op, const struct op_key *k,
	    ynode_t *v, json_t *options, const json_t *params,
	    const char *root, struct sl_err *err)
{
	char what[SL_ERR_PATH];
	json_t *val = NULL;
	const char *s;
	long long iv;
	int bv;
	int64_t ms;
	char **list;

	ynode_path(d, v, what, sizeof what);
	if (ynode_is_null(v))
		return 0;
	switch (k->kind) {
	case OPK_STRING:
	case OPK_CONNECTION:
		if (ynode_get_str(d, v, what, &s, err) < 0)
			return -1;
		val = json_string(s);
		break;
	case OPK_STRINGS:
		if (ynode_get_strv(d, v, what, &list, err) < 0)
			return -1;
		val = json_array();
		for (size_t i = 0; list[i] != NULL; i++)
			json_array_append_new(val, json_string(list[i]));
		strv_free(list);
		break;
	case OPK_INT:
		if (ynode_get_int(d, v, what, LLONG_MIN, LLONG_MAX, &iv, err) < 0)
			return -1;
		val = json_integer(iv);
		break;
	case OPK_BOOL:
		if (ynode_get_bool(d, v, what, &bv, err) < 0)
			return -1;
		val = json_boolean(bv);
		break;
	case OPK_DURATION:
		/* every such key is an interval between polls or pokes:
		 * 0 would poll without a pause, or read as the default (a
		 * sensor's 60s poke_interval, one hour of max_poke_interval)
		 * without a word; less than a second is the person's call */
		if (ynode_get_duration(d, v, what, &ms, err) < 0)
			return -1;
		if (ms <= 0)
			return ynode_err(d, v, err, "must be longer than 0");
		val = json_integer(ms);
		break;
	case OPK_MAP: {
		const char *mk;
		json_t *mv;

		if (v->type != YAML_MAPPING_NODE)
			return ynode_err(d, v, err, "expected a mapping, got %s",
					 ynode_kind(v));
		if (ynode_to_json(d, v, 0, &val, err) < 0)
			return -1;
		json_object_foreach(val, mk, mv)
			if (!json_is_string(mv)) {
				ynode_t *at = ymap_get(d, v, mk);

				/* mk belongs to val: report before freeing it */
				if (at != NULL)
					ynode_err(d, at, err,
						  "expected a string value");
				else
					ynode_err(d, v, err,
						  "%s: expected a string value",
						  mk);
				json_decref(val);
				return -1;
			}
		break;
	}
	case OPK_ANY:
		if (k->templated == OPK_SHELL_LINE) {
			/* a command: a /bin/sh line, or its argv word by
			 * word as written ([my_tool, --flag, true]) */
			if (v->type == YAML_SCALAR_NODE) {
				val = json_string(ynode_str(v));
				break;
			}
			if (v->type != YAML_SEQUENCE_NODE)
				return ynode_err(d, v, err,
						 "expected a string or a list of words, got %s",
						 ynode_kind(v));
			if (ynode_get_words(d, v, what, &list, err) < 0)
				return -1;
			val = json_array();
			for (size_t i = 0; list[i] != NULL && val != NULL; i++)
				if (json_array_append_new(val, json_string(list[i])) < 0) {
					json_decref(val);
					val = NULL;
				}
			strv_free(list);
			break;
		}
		if (ynode_to_json(d, v, 0, &val, err) < 0)
			return -1;
		break;
	case OPK_FILE:
		if (ynode_get_str(d, v, what, &s, err) < 0 ||
		    load_op_file(d, v, what, s, root, &val, err) < 0)
			return -1;
		if (k->templated &&
		    check_file_templates(k, val, what, params, err) < 0) {
			json_decref(val);
			return -1;
		}
		json_object_set_new(options, k->name, val);
		return 0;
	}
	if (val == NULL)
		return ynode_err(d, v, err, "value is not valid UTF-8");
	if (k->templated &&
	    (k->kind == OPK_ANY && k->templated == OPK_SQL_TEXT ?
	     check_templates_tree(d, v, params, k->templated, err) :
	     check_templates(d, v, what, val, params, k->templated, err)) < 0) {
		json_decref(val);
		return -1;
	}
	json_object_set_new(options, k->name, val);
	return 0;
}

/*
 * Where a load's errors go. Every check writes into cur and calls
 * load_note(), and the load goes on with the next key or task, so one
 * pass finds every error it can. The errors are kept in file order (line,
 * then column; the order found among equals), the first
 * DAG_VALIDATE_MAX_ERRORS of them: the first is the one dag_load()
 * reports, all of them go to cb (dag_validate()) at the end.
 */
struct load_ctx {
	const char *path;
	struct sl_err cur;
	int nerr;
	struct sl_err *kept;	/* DAG_VALIDATE_MAX_ERRORS, nkept used */
	int nkept;
	void (*warn)(const struct sl_err *e, void *arg);
	void *arg;
	json_t *seen;		/* "line:col: msg" noted */
	const char *text;	/* load this instead of reading path */
	size_t len;
	/* the DAG's own email: and notify: keys (NULL: not written), read
	 * before its tasks: where a task's alerts go when it names none */
	ynode_t *dag_email, *dag_notify;
};

/* sluice dags validate: email: given and email_on: not (it has no
 * default, unlike notify_on:): no email about the runs (tries) is sent,
 * which a person writing email: rarely means. A warning at email:,
 * saying what to add. what: "runs" or "tries"; when: "a run fails"... */
static void
warn_email_without_on(struct ydoc *d, ynode_t *email, const char *what,
		      const char *when, struct load_ctx *lc)
{
	struct sl_err werr;
	char key[SL_ERR_MSG + 40];

	if (lc->warn == NULL || email == NULL)
		return;
	sl_err_clear(&werr);
	ynode_err(d, email, &werr, "without email_on: no email about its %s is sent "
		  "(add email_on: [failure] to get one when %s)", what, when);
	/* once, as an error is (defaults.email is read by every task) */
	snprintf(key, sizeof key, "warning %d:%d: %s", werr.line, werr.col, werr.msg);
	if (json_object_get(lc->seen, key) != NULL)
		return;
	json_object_set_new(lc->seen, key, json_true());
	if (werr.file[0] == '\0')
		snprintf(werr.file, sizeof werr.file, "%s", lc->path);
	lc->warn(&werr, lc->arg);
}

/* Does a come before b in the file? (errors not about a place first) */
static int
load_err_before(const struct sl_err *a, const struct sl_err *b)
{
	return a->line < b->line || (a->line == b->line && a->col < b->col);
}

/* Keep e among the first errors in file order. */
static void
load_keep(struct load_ctx *lc, const struct sl_err *e)
{
	int at = lc->nkept;

	while (at > 0 && load_err_before(e, &lc->kept[at - 1]))
		at--;
	if (at >= DAG_VALIDATE_MAX_ERRORS)
		return;
	if (lc->nkept == DAG_VALIDATE_MAX_ERRORS)
		lc->nkept--;	/* the last one kept is dropped */
	memmove(&lc->kept[at + 1], &lc->kept[at],
		(size_t)(lc->nkept - at) * sizeof *lc->kept);
	lc->kept[at] = *e;
	lc->nkept++;
}

/* Record the error in lc->cur; 0: the load goes on (every caller may
 * also stop on -1, which no error gives now). An error given once is not
 * given again (a bad default or merged value is read by every task that
 * uses it). */
static int
load_note(struct load_ctx *lc)
{
	char key[SL_ERR_MSG + 32];

	snprintf(key, sizeof key, "%d:%d: %s", lc->cur.line, lc->cur.col,
		 lc->cur.msg);
	if (json_object_get(lc->seen, key) == NULL) {
		json_object_set_new(lc->seen, key, json_true());
		if (lc->cur.file[0] == '\0')
			snprintf(lc->cur.file, sizeof lc->cur.file, "%s",
				 lc->path);
		lc->nerr++;
		load_keep(lc, &lc->cur);
	}
	sl_err_clear(&lc->cur);
	return 0;
}

/* The alert keys a DAG and each of its tasks have, as the caller found
 * them (the file's top level; a task's own map or its defaults):
 * email_on, email, notify_on (failure when not given) and notify. email
 * without email_on is warned of, unless freshness is given (it gets the
 * late notices); what and when word that warning ("runs", "a run fails"). */
struct alert_src {
	ynode_t *email_on, *email, *notify_on, *notify, *freshness;
	const char *what, *when;
	const struct dag *dag;	/* a task's DAG (its email and notify read), or NULL */
};

/* Is v written and not null? */
static int
alert_given(ynode_t *v)
{
	return v != NULL && !ynode_is_null(v);
}

/* A copy of a NULL-terminated list, or NULL. */
static char **
alert_names_dup(char *const *v)
{
	size_t n = strv_len(v);
	char **out;

	if (n == 0)
		return NULL;
	out = xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

/* email_on: or notify_on: chose events, and nothing says where they go
 * (neither the task, its defaults, nor the DAG names an email: or a
 * notify:): they were dropped without a word. An error at the events'
 * key, saying what to add and where. */
static int
alert_no_target(struct ydoc *d, ynode_t *on, int events, int given,
		const struct alert_src *a, const char *add, const struct config *cfg,
		struct load_ctx *lc)
{
	char names[512];

	if (on == NULL || events == 0 || given)
		return 0;
	if (strcmp(add, "notify") == 0) {
		char defined[600] = "";

		if (cfg != NULL) {
			config_webhook_names(cfg, names, sizeof names);
			if (names[0] != '\0')
				snprintf(defined, sizeof defined, " (webhooks in %s: %s)",
					 cfg->file, names);
			else
				snprintf(defined, sizeof defined, " (define it under "
					 "webhooks: in %s)", cfg->file);
		}
		ynode_err(d, on, &lc->cur, "no webhook gets these events: add notify: [NAME] %s%s",
			  a->dag != NULL ? "to the task or the DAG" : "beside it", defined);
	} else
		ynode_err(d, on, &lc->cur, "no one gets these emails: add email: [ADDRESS] %s",
			  a->dag != NULL ? "to the task or the DAG" : "beside it");
	return load_note(lc);
}

/* -1: the load stops. */
static int
load_alerts(struct ydoc *d, const struct alert_src *a, const struct config *cfg,
	    int *email_on, char ***email, int *notify_on, char ***notify,
	    struct load_ctx *lc)
{
	struct sl_err *err = &lc->cur;

	if (a->email_on != NULL && parse_email_on(d, a->email_on, email_on, err) < 0 &&
	    load_note(lc) < 0)
		return -1;
	if (a->email != NULL && !ynode_is_null(a->email)) {
		if (ynode_get_strv(d, a->email, NULL, email, err) < 0 ||
		    email_check(d, a->email, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else if (*email != NULL && (*email)[0] != NULL &&
			   a->email_on == NULL && a->freshness == NULL)
			warn_email_without_on(d, a->email, a->what, a->when, lc);
	}
	if (alert_no_target(d, a->email_on, *email_on, alert_given(a->email) ||
			    (a->dag != NULL && alert_given(lc->dag_email)), a, "email",
			    cfg, lc) < 0)
		return -1;
	*notify_on = EMAIL_ON_FAILURE;
	if (a->notify_on != NULL && parse_email_on(d, a->notify_on, notify_on, err) < 0) {
		if (load_note(lc) < 0)
			return -1;
		*notify_on = 0;	/* which events is unknown: no more to say */
	}
	if (alert_given(a->notify) &&
	    dag_notify_load(d, a->notify, cfg, notify, err) < 0 &&
	    load_note(lc) < 0)
		return -1;
	/* a task's notify_on: without its own notify: posts to the DAG's
	 * webhooks, as its email_on: mails the DAG's email: (the default
	 * notify_on: does not, or each task's failure would be posted
	 * beside the run's) */
	if (a->notify_on != NULL && !alert_given(a->notify) && a->dag != NULL)
		*notify = alert_names_dup(a->dag->notify);
	if (alert_no_target(d, a->notify_on, *notify_on, alert_given(a->notify) ||
			    (a->dag != NULL && alert_given(lc->dag_notify)), a, "notify",
			    cfg, lc) < 0)
		return -1;
	return 0;
}

/* What a task type of another tool is here (type: bash), or NULL. */
static const char *
dag_type_other(const char *type)
{
	static const struct {
		const char *name, *hint;
	} others[] = {
		{ "bash", DAG_TYPE_SHELL }, { "sh", DAG_TYPE_SHELL },
		{ "BashOperator", DAG_TYPE_SHELL }, { "command", DAG_TYPE_SHELL },
		{ "python", DAG_TYPE_PYTHON }, { "PythonOperator", DAG_TYPE_PYTHON },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(others); i++)
		if (strcasecmp(type, others[i].name) == 0)
			return others[i].hint;
	return NULL;
}

/* load_note for dag_params_load and dag_needs_parse. */
static int
params_note(void *lc)
{
	return load_note(lc);
}

/* A name that can be an environment variable's: not empty, no '=', no
 * blank or control character (a typo such as "MY VAR" was passed on
 * unnoticed, and no shell or program could read it). */
static int
env_name_ok(const char *k)
{
	if (*k == '\0')
		return 0;
	for (; *k != '\0'; k++)
		if (*k == '=' || (unsigned char)*k <= ' ' || *k == 0x7f)
			return 0;
	return 1;
}

/* A task's env: a mapping of NAME: string, templates checked. */
static int
load_env(struct ydoc *d, struct dag *dag, struct task *t, ynode_t *v,
	 struct sl_err *err)
{
	char path[SL_ERR_PATH], vpath[SL_ERR_PATH];
	const char *k;
	json_t *x, *env;

	if (v->type != YAML_MAPPING_NODE)
		return ynode_err(d, v, err,
				 "expected a mapping of NAME: value, got %s",
				 ynode_kind(v));
	if (ynode_to_json(d, v, 0, &env, err) < 0)
		return -1;
	ynode_path(d, v, path, sizeof path);
	json_object_foreach(env, k, x) {
		ynode_t *xv = ymap_get(d, v, k);

		if (!env_name_ok(k)) {
			ydoc_err_path(d, xv ? xv : v, path, err,
				      "'%s' cannot name an environment "
				      "variable (no blank, no '=', not empty)",
				      k);
			json_decref(env);
			return -1;
		}
		if (!json_is_string(x)) {
			/* k belongs to env: report before freeing it */
			if (xv != NULL)
				ynode_err(d, xv, err, "expected a string, got %s",
					  ynode_kind(xv));
			else
				ydoc_err_path(d, v, path, err,
					      "%s: expected a string", k);
			json_decref(env);
			return -1;
		}
		/* each value's templates, at its own place */
		if (xv == NULL)
			xv = v;
		if (check_templates(d, xv, ynode_path(d, xv, vpath, sizeof vpath),
				    x, dag->param_decls, 0, err) < 0) {
			json_decref(env);
			return -1;
		}
	}
	t->env = env;
	return 0;
}

/* The settings of one task, from its own mapping over the DAG defaults. */
struct task_src {
	ynode_t *node;		/* the task's mapping */
	ynode_t *defaults;		/* the DAG's defaults mapping or NULL */
	int bad;			/* its keys had an error */
};

/* Value of key for this task: its own, else the default. */
static ynode_t *
task_get(struct ydoc *d, const struct task_src *src, const char *key)
{
	ynode_t *v = ymap_get(d, src->node, key);

	if (v == NULL && src->defaults != NULL)
		v = ymap_get(d, src->defaults, key);
	return v;
}

/* The recheck keys of a sensor (scheduler/sched_recheck.c): a sensor
 * that fingerprints what it matched and pokes from the loop; from
 * defaults they are for such sensors only. */
#define RECHECK_DEFAULT_INTERVAL_MS (15 * 60 * 1000)
#define RECHECK_MIN_INTERVAL_MS 1000

static int
load_recheck(struct ydoc *d, const struct task_src *src, struct task *t,
	     struct load_ctx *lc, struct sl_err *err)
{
	ynode_t *v = task_get(d, src, "recheck");
	ynode_t *iv = task_get(d, src, "recheck_interval");
	int own = ymap_get(d, src->node, "recheck") != NULL ||
		  ymap_get(d, src->node, "recheck_interval") != NULL;
	char why[256] = "";
	int64_t ms;

	t->recheck_interval_ms = RECHECK_DEFAULT_INTERVAL_MS;
	if ((v == NULL || ynode_is_null(v)) && (iv == NULL || ynode_is_null(iv)))
		return 0;
	if (!operator_is_sensor(t->op))
		snprintf(why, sizeof why, "only sensors take recheck (a %s task has nothing to recheck)",
			 t->op->name);
	else if (t->op->poke_fingerprint == NULL)
		snprintf(why, sizeof why, "a %s sensor records no fingerprint to recheck (s3_sensor does)",
			 t->op->name);
	else if (t->executor_explicit)
		snprintf(why, sizeof why, "a sensor with executor: pokes through it, not from the scheduler, and cannot be rechecked");
	if (why[0] != '\0') {
		if (!own)
			return 0;	/* a default for the DAG's other sensors */
		ynode_err(d, v != NULL ? v : iv, err, "%s", why);
		return load_note(lc);
	}
	if (v != NULL && !ynode_is_null(v)) {
		if (ynode_get_duration(d, v, NULL, &ms, err) < 0)
			return load_note(lc);
		if (ms <= 0) {
			ynode_err(d, v, err, "must be longer than 0");
			return load_note(lc);
		}
		t->recheck_ms = ms;
	}
	/* (recheck_interval alone is checked, and does nothing) */
	if (iv != NULL && !ynode_is_null(iv)) {
		if (ynode_get_duration(d, iv, NULL, &ms, err) < 0)
			return load_note(lc);
		if (ms < RECHECK_MIN_INTERVAL_MS) {
			ynode_err(d, iv, err, "must be at least 1s");
			return load_note(lc);
		}
		t->recheck_interval_ms = ms;
	}
	return 0;
}

/* A sensor's back-off cap below its interval would cut the interval to
 * the cap without a word (sched_try.c): say so at load. */
static int
load_poke_rhythm(struct ydoc *d, const struct task_src *src,
		 const struct task *t, struct load_ctx *lc,
		 struct sl_err *err)
{
	json_t *iv = json_object_get(t->options, "poke_interval");
	json_t *mv = json_object_get(t->options, "max_poke_interval");
	char d1[32], d2[32];

	if (!operator_is_sensor(t->op))
		return 0;
	if (json_is_true(json_object_get(t->options, "exponential_backoff")) &&
	    json_is_integer(iv) && json_is_integer(mv) &&
	    json_integer_value(mv) < json_integer_value(iv)) {
		ynode_err(d, task_get(d, src, "max_poke_interval"), err,
			  "%s is shorter than poke_interval (%s): the cap of the back-off must be at least the interval",
			  sl_format_duration(json_integer_value(mv), d1, sizeof d1),
			  sl_format_duration(json_integer_value(iv), d2, sizeof d2));
		return load_note(lc);
	}
	return 0;
}

/* An operator's path under the task at base, written as the loader
 * writes paths: "checks.1.between" → "tasks.c.checks[1].between". */
static const char *
op_path_at(const char *base, const char *path, char *out, size_t n)
{
	size_t off = (size_t)snprintf(out, n, "%s", base);

	while (*path != '\0' && off < n) {
		size_t len = strcspn(path, ".");
		int index = len > 0 && strspn(path, "0123456789") == len;

		off += (size_t)snprintf(out + off, n - off, index ? "[%.*s]" : ".%.*s",
					(int)len, path);
		path += len;
		if (*path == '.')
			path++;
	}
	return out;
}

/* The node an operator's path names ("checks.1.between"), or the
 * nearest one found on the way (*whole 0). */
static ynode_t *
task_node_at(struct ydoc *d, const struct task_src *src, const char *path,
	     int *whole)
{
	char part[128];
	ynode_t *n = NULL;
	const char *p = path;

	while (*p != '\0') {
		size_t len = strcspn(p, ".");
		ynode_t *next = NULL;

		if (len >= sizeof part)
			break;
		memcpy(part, p, len);
		part[len] = '\0';
		if (n == NULL)
			next = task_get(d, src, part);
		else if (n->type == YAML_MAPPING_NODE)
			next = ymap_get(d, n, part);
		else if (n->type == YAML_SEQUENCE_NODE) {
			char *end;
			long i = strtol(part, &end, 10);

			if (*end == '\0' && i >= 0 && i < yseq_end(n) - yseq_begin(n))
				next = ydoc_node(d, yseq_begin(n)[i]);
		}
		if (next == NULL)
			break;
		n = next;
		p += len;
		if (*p == '.')
			p++;
	}
	*whole = n != NULL && *p == '\0';
	return n;
}

/* An operator's error at path under the task (what: "tasks.NAME"): at
 * the node the path names (it names itself: checks[1].between); else at
 * the nearest one on the way, or the task, under the operator's path. */
static void
op_err_place(struct ydoc *d, const struct task_src *src, const char *what,
	     const char *path, const char *msg, struct sl_err *err)
{
	char at[SL_ERR_PATH];
	int whole = 0;
	ynode_t *v = path[0] != '\0' ? task_node_at(d, src, path, &whole) : NULL;

	if (whole)
		ynode_err(d, v, err, "%s", msg);
	else
		ydoc_err_path(d, v ? v : src->node,
			      op_path_at(what, path, at, sizeof at), err, "%s",
			      msg);
}

/* The operator's check (struct operator's check): every error it finds,
 * each at its place. in_error: the task's keys already reported; an
 * error under one of them is left out (its value is what is wrong). */
static int
load_op_check(struct ydoc *d, const struct dag *dag, const struct task_src *src,
	      const struct task *t, const char *what, const json_t *in_error,
	      struct load_ctx *lc)
{
	struct op_check c;
	int r = 0;

	op_check_init(&c, t->options, in_error);
	c.unscheduled = dag->schedule_text != NULL &&
			strcmp(dag->schedule_text, "none") == 0;
	t->op->check(&c);
	for (size_t i = 0; i < c.n && r == 0; i++) {
		const char *path = c.errs[i].path;
		char key[128];
		size_t len = strcspn(path, ".");

		snprintf(key, sizeof key, "%.*s", (int)len, path);
		if (json_object_get(in_error, key) != NULL)
			continue;
		op_err_place(d, src, what, path, c.errs[i].msg, &lc->cur);
		r = load_note(lc);
	}
	op_check_free(&c);
	return r;
}

/* freshness: at v, on a DAG without a schedule: -1 with err (it has no
 * expected partitions, so nothing could ever be late), else 0. */
static int
dag_freshness_unscheduled(struct ydoc *d, const struct dag *dag, ynode_t *v,
			  struct sl_err *err)
{
	if (dag->schedule_text == NULL || strcmp(dag->schedule_text, "none") != 0)
		return 0;
	return ynode_err(d, v, err,
			 "needs a schedule: an unscheduled DAG (schedule: none) has no "
			 "expected partitions, so none could be late");
}

/* err: a task's key (executor, pool) names s, which the configuration
 * cfg does not define in defined; at the value v, else (the default was
 * taken) at the task. A running scheduler's configuration is the one it
 * read at its start or last SIGHUP, not the file as it is now: the
 * message says so, and what makes it read the file again. */
static void
undefined_name(struct ydoc *d, const struct task_src *src, ynode_t *v,
	       const char *key, const char *s, json_t *defined,
	       const struct config *cfg, struct sl_err *err)
{
	char names[1024], where[1024], at[SL_ERR_PATH];
	const char *k;
	json_t *x;
	size_t off = 0;
	int is_executor = strcmp(key, "executor") == 0;

	names[0] = '\0';
	json_object_foreach(defined, k, x)
		if (off < sizeof names)
			off += (size_t)snprintf(names + off, sizeof names - off,
						"%s%s", off ? ", " : "", k);
	if (!cfg->running)
		snprintf(where, sizeof where, "%s (defined: %s)", cfg->file,
			 names);
	else if (is_executor && cfg->file_executors != NULL &&
		 json_object_get(cfg->file_executors, s) != NULL)
		snprintf(where, sizeof where, "the configuration the scheduler "
			 "runs with (defined: %s): %s defines it now, but "
			 "executors need a scheduler restart", names, cfg->file);
	else
		snprintf(where, sizeof where, "the configuration the scheduler "
			 "runs with, read from %s at its start or last SIGHUP "
			 "(defined: %s): %s", cfg->file, names,
			 is_executor ? "an executor added there needs a "
				       "scheduler restart"
				     : "send the scheduler a SIGHUP once it is "
				       "added there");
	if (v != NULL)
		ynode_err(d, v, err, "no %s '%s' in %s", key, s, where);
	else
		ydoc_err_path(d, src->node,
			      ymap_key_path(d, src->node, key, at, sizeof at),
			      err, "no %s '%s' in %s", key, s, where);
}

/* A task's key (executor, pool) naming what sluice.yaml defines (defined;
 * nothing is checked without a config): its value, else dflt, copied to
 * *out; whether the key was given, in *given. 0, or -1 when the load
 * stops. */
static int
load_defined_name(struct ydoc *d, const struct task_src *src,
		  const char *key, const char *dflt, json_t *defined,
		  const struct config *cfg, struct load_ctx *lc, char **out,
		  int *given)
{
	ynode_t *v = task_get(d, src, key);
	const char *s = dflt;

	if (v != NULL && ynode_get_str(d, v, NULL, &s, &lc->cur) < 0) {
		if (load_note(lc) < 0)
			return -1;
		s = dflt;
	}
	if (cfg != NULL && json_object_get(defined, s) == NULL) {
		undefined_name(d, src, v, key, s, defined, cfg, &lc->cur);
		if (load_note(lc) < 0)
			return -1;
	}
	*out = xstrdup(s);
	if (given != NULL)
		*given = v != NULL;
	return 0;
}

/* Where each dataset of a task's produces: (v, read) is written: the
 * folder's check names the item a second producer writes. */
static void
produces_places(struct ydoc *d, ynode_t *v, struct task *t)
{
	size_t n = 0;

	while (t->produces[n] != NULL)
		n++;
	t->produces_at = xcalloc(2 * n + 1, sizeof *t->produces_at);
	for (size_t i = 0; i < n; i++) {
		const ynode_t *it = v->type == YAML_SEQUENCE_NODE ?
		    ydoc_node(d, yseq_begin(v)[i]) : v;

		t->produces_at[2 * i] = ynode_line(it);
		t->produces_at[2 * i + 1] = ynode_col(it);
	}
}

static int
load_task(struct ydoc *d, struct dag *dag, struct task *t,
	  const struct task_src *src, const struct config *cfg,
	  struct load_ctx *lc)
{
	struct sl_err *err = &lc->cur;
	char what[512], names[1024];
	ynode_t *v;
	const char *s;
	long long iv;
	int64_t ms;
	int nerr;
	json_t *in_error = NULL;
	struct alert_src alerts;

	snprintf(what, sizeof what, "tasks.%s", t->name);
	/* defaults */
	t->retries = 0;
	t->retry_delay_ms = 300 * 1000;
	t->max_retry_delay_ms = 24 * 3600 * 1000LL;
	t->deadline_ms = -1;	/* none; deadline: 0s is the partition's end */
	t->pool_slots = 1;
	t->trigger_rule = TR_ALL_SUCCESS;
	t->options = json_object();
	t->env = NULL;		/* only when the task sets env: */

	/* type first: it decides which other keys exist (a bad one ends
	 * this task's checks) */
	v = task_get(d, src, "type");
	s = "shell";
	if (v != NULL && ynode_get_str(d, v, NULL, &s, err) < 0)
		return load_note(lc);
	t->op = operator_find(s);
	if (t->op == NULL && operator_process_instead(s) != NULL) {
		ynode_err(d, v, err, "'%s' is not a task type: %s", s,
			  operator_process_instead(s));
		return load_note(lc);
	}
	if (t->op == NULL && dag_type_other(s) != NULL) {
		ynode_err(d, v, err, "unknown task type '%s' (%s)", s,
			  dag_type_other(s));
		return load_note(lc);
	}
	if (t->op == NULL) {
		struct text_near near;
		char hint[128];

		text_near_init(&near, s);
		for (size_t i = 0; operators[i] != NULL; i++)
			text_near_add(&near, operators[i]->name);
		ynode_err(d, v, err, "unknown task type '%s' (%sknown: %s)", s,
			  text_hint(text_near_best(&near), hint, sizeof hint),
			  operator_names(names, sizeof names));
		return load_note(lc);
	}

	/* every key of the task itself must be known */
	for (yaml_node_pair_t *p = ymap_begin(src->node); p < ymap_end(src->node); p++) {
		ynode_t *k = ydoc_node(d, p->key);
		const char *key = ynode_str(k);
		const struct op_key *ok;
		char known[1024], common[512], hint[128];
		size_t off = 0;

		if (key == NULL) {
			ynode_err(d, k, err, "keys must be strings");
			if (load_note(lc) < 0)
				return -1;
			continue;
		}
		if (dag_key_find(dag_keys_task, key) != NULL || op_key_find(t->op, key))
			continue;
		known[0] = '\0';
		for (ok = t->op->keys; ok != NULL && ok->name != NULL; ok++)
			off += (size_t)snprintf(known + off, sizeof known - off,
						"%s, ", ok->name);
		ynode_err(d, k, err,
			  "unknown key '%s' for a %s task (%sknown: %s%s)",
			  key, t->op->name,
			  text_hint(dag_key_suggest(dag_keys_task, t->op->keys, key),
				       hint, sizeof hint),
			  known, dag_keys_names(dag_keys_task, common, sizeof common));
		if (load_note(lc) < 0)
			return -1;
	}

	/* type-specific keys, own or default; the operator's checks below
	 * read them, the task's other keys they do not */
	nerr = lc->nerr;
	in_error = json_object();
	for (const struct op_key *k = t->op->keys; k->name != NULL; k++) {
		v = task_get(d, src, k->name);
		if (v == NULL || ynode_is_null(v)) {
			if (k->required) {
				json_object_set_new(in_error, k->name, json_true());
				ynode_err(d, src->node, err,
					  "missing required key '%s' for a %s task",
					  k->name, t->op->name);
				if (load_note(lc) < 0)
					goto stop;
			}
			continue;
		}
		if (load_op_key(d, t->op, k, v, t->options, dag->param_decls,
				cfg != NULL ? cfg->dags_dir : NULL, err) < 0) {
			json_object_set_new(in_error, k->name, json_true());
			if (load_note(lc) < 0)
				goto stop;
			continue;
		}
		/* sluice dags validate: a connection found nowhere here, a
		 * warning: the scheduler's environment, not this one's, may
		 * hold its SLUICE_CONN_NAME */
		if (k->kind == OPK_CONNECTION && lc->warn != NULL && cfg != NULL &&
		    (s = json_string_value(json_object_get(t->options, k->name))) != NULL) {
			struct sl_err cerr, werr;

			sl_err_clear(&cerr);
			sl_err_clear(&werr);
			if (config_connection_known(cfg, s, &cerr) < 0) {
				ynode_err(d, v, &werr, "%s", cerr.msg);
				if (werr.file[0] == '\0')
					snprintf(werr.file, sizeof werr.file,
						 "%s", lc->path);
				lc->warn(&werr, lc->arg);
			}
		}
	}
	if (lc->nerr == nerr && load_poke_rhythm(d, src, t, lc, err) < 0)
		goto stop;
	/* the operator's own checks: every error of the keys that loaded */
	if (t->op->check != NULL &&
	    load_op_check(d, dag, src, t, what, in_error, lc) < 0)
		goto stop;
	json_decref(in_error);
	in_error = NULL;

	/* common keys; "after" is resolved once every task is known */
	if ((v = task_get(d, src, "trigger_rule")) != NULL) {
		int i;
		char known[512];

		if (ynode_get_str(d, v, NULL, &s, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else if ((i = dag_key_value_index(dag_trigger_rules, s)) < 0) {
			char hint[128];

			ynode_err(d, v, err, "unknown rule '%s' (%sknown: %s)", s,
				  text_hint(dag_key_value_suggest(dag_trigger_rules, s),
					       hint, sizeof hint),
				  dag_key_values_names(dag_trigger_rules,
						       known, sizeof known));
			if (load_note(lc) < 0)
				return -1;
		} else
			t->trigger_rule = (enum trigger_rule)i;
	}
	if ((v = task_get(d, src, "depends_on_past")) != NULL &&
	    ynode_get_bool(d, v, NULL, &t->depends_on_past, err) < 0 &&
	    load_note(lc) < 0)
		return -1;
	if ((v = task_get(d, src, "retries")) != NULL) {
		if (ynode_get_int(d, v, NULL, 0, 1000, &iv, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else
			t->retries = (int)iv;
	}
	if ((v = task_get(d, src, "retry_delay")) != NULL &&
	    ynode_get_duration(d, v, NULL, &t->retry_delay_ms, err) < 0 &&
	    load_note(lc) < 0)
		return -1;
	if ((v = task_get(d, src, "max_retry_delay")) != NULL &&
	    ynode_get_duration(d, v, NULL, &t->max_retry_delay_ms,
			       err) < 0 && load_note(lc) < 0)
		return -1;
	if ((v = task_get(d, src, "retry_backoff")) != NULL) {
		if (ynode_get_str(d, v, NULL, &s, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else if (dag_key_value_index(dag_retry_backoffs, s) >= 0)
			t->retry_exponential = strcmp(s, "exponential") == 0;
		else {
			char hint[128], known[128];

			ynode_err(d, v, err, "unknown back-off '%s' (%sknown: %s)", s,
				  text_hint(dag_key_value_suggest(dag_retry_backoffs, s),
					       hint, sizeof hint),
				  dag_key_values_names(dag_retry_backoffs, known,
						       sizeof known));
			if (load_note(lc) < 0)
				return -1;
		}
	}
	if ((v = task_get(d, src, "timeout")) != NULL && !ynode_is_null(v)) {
		if (ynode_get_duration(d, v, NULL, &ms, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else if (ms <= 0) {
			/* 0 read as "no timeout": a try, or a sensor's wait,
			 * that was meant to be bounded would run forever */
			ynode_err(d, v, err,
				  "must be longer than 0 (leave timeout out for no limit)");
			if (load_note(lc) < 0)
				return -1;
		} else
			t->timeout_ms = ms;
	}
	/* deadline: from defaults it is for the DAG's sensors only */
	if ((v = task_get(d, src, "deadline")) != NULL && !ynode_is_null(v) &&
	    (operator_is_sensor(t->op) || ymap_get(d, src->node, "deadline") != NULL)) {
		if (ynode_get_duration(d, v, NULL, &ms, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else if (!operator_is_sensor(t->op)) {
			ynode_err(d, v, err,
				  "only sensors take a deadline (a %s task's try is bounded by timeout)",
				  t->op->name);
			if (load_note(lc) < 0)
				return -1;
		} else
			t->deadline_ms = ms;
	}
	if ((v = task_get(d, src, "keep_children")) != NULL &&
	    ynode_get_bool(d, v, NULL, &t->keep_children, err) < 0 &&
	    load_note(lc) < 0)
		return -1;
	if (dag_outputs_load_task(d, t, task_get(d, src, "skip_exit_code"),
				  task_get(d, src, "branch"), err) < 0 &&
	    load_note(lc) < 0)
		return -1;
	if ((v = task_get(d, src, "log_max")) != NULL && !ynode_is_null(v)) {
		if (ynode_str(v) == NULL ||
		    config_parse_bytes(ynode_str(v), &t->log_max) < 0) {
			ynode_err(d, v, err,
				  "expected a size in bytes (e.g. 100MB; 0 for no cap)");
			if (load_note(lc) < 0)
				return -1;
		} else if (t->log_max == 0)
			t->log_max = -1;
	}
	if (load_defined_name(d, src, "executor", "local",
			      cfg != NULL ? cfg->executors : NULL, cfg, lc,
			      &t->executor, &t->executor_explicit) < 0)
		return -1;
	if (load_recheck(d, src, t, lc, err) < 0)
		return -1;
	if (load_defined_name(d, src, "pool", "default",
			      cfg != NULL ? cfg->pools : NULL, cfg, lc,
			      &t->pool, NULL) < 0)
		return -1;
	if ((v = task_get(d, src, "pool_slots")) != NULL) {
		if (ynode_get_int(d, v, NULL, 1, 1000000, &iv, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else if (cfg != NULL && json_object_get(cfg->pools, t->pool) != NULL &&
			   iv > json_integer_value(json_object_get(cfg->pools, t->pool))) {
			ynode_err(d, v, err,
				  "%lld is more than pool '%s' has (%lld)",
				  iv, t->pool,
				 (long long)json_integer_value(
				     json_object_get(cfg->pools, t->pool)));
			if (load_note(lc) < 0)
				return -1;
		} else
			t->pool_slots = (int)iv;
	}
	if ((v = task_get(d, src, "priority")) != NULL) {
		if (ynode_get_int(d, v, NULL, -1000000, 1000000, &iv, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else
			t->priority = (int)iv;
	}
	if ((v = task_get(d, src, "env")) != NULL && !ynode_is_null(v) &&
	    load_env(d, dag, t, v, err) < 0 && load_note(lc) < 0)
		return -1;
	alerts = (struct alert_src){
		task_get(d, src, "email_on"), task_get(d, src, "email"),
		task_get(d, src, "notify_on"), task_get(d, src, "notify"),
		task_get(d, src, "freshness"), "tries", "it fails", dag,
	};
	if (load_alerts(d, &alerts, cfg, &t->email_on, &t->email,
			&t->notify_on, &t->notify, lc) < 0)
		return -1;
	if ((v = task_get(d, src, "sla")) != NULL && !ynode_is_null(v) &&
	    ynode_get_duration(d, v, NULL, &t->sla_ms, err) < 0 &&
	    load_note(lc) < 0)
		return -1;
	if ((v = task_get(d, src, "freshness")) != NULL && !ynode_is_null(v)) {
		if (ynode_get_duration(d, v, NULL, &t->freshness_ms, err) < 0 ||
		    dag_freshness_unscheduled(d, dag, v, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		}
	}
	if ((v = task_get(d, src, "on_failure")) != NULL && !ynode_is_null(v)) {
		if (ynode_get_str(d, v, NULL, &s, err) < 0 ||
		    check_hook(d, v, ynode_path(d, v, names, sizeof names), s,
			       dag->param_decls, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else
			t->on_failure = xstrdup(s);
	}
	if ((v = task_get(d, src, "on_success")) != NULL && !ynode_is_null(v)) {
		if (ynode_get_str(d, v, NULL, &s, err) < 0 ||
		    check_hook(d, v, ynode_path(d, v, names, sizeof names), s,
			       dag->param_decls, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else
			t->on_success = xstrdup(s);
	}
	if ((v = task_get(d, src, "needs")) != NULL &&
	    dag_needs_parse(d, v, ynode_path(d, v, names, sizeof names),
			    &t->needs, &t->nneeds, err, params_note, lc) < 0 &&
	    load_note(lc) < 0)
		return -1;
	if ((v = task_get(d, src, "produces")) != NULL && !ynode_is_null(v)) {
		if (ynode_get_strv(d, v, NULL, &t->produces, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else
			produces_places(d, v, t);
	}
	if ((dag_groups_load_task(d, src->node, t, err) < 0 ||
	     dag_map_load_task(d, src->node, dag, t, err) < 0 ||
	     dag_scope_load_task(d, src->node, t, err) < 0) &&
	    load_note(lc) < 0)
		return -1;
	if ((v = ymap_get(d, src->node, "description")) != NULL &&
	    !ynode_is_null(v)) {
		if (ynode_get_str(d, v, NULL, &s, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
		} else
			t->description = xstrdup(s);
	}
	return 0;
stop:
	json_decref(in_error);
	return -1;
}

/* Does an after: item (s) name task u, by name or by its group:? */
static int
after_names(const char *s, const struct task *u)
{
	return s != NULL && (strcmp(s, u->name) == 0 ||
	    (u->group != NULL && strncmp(s, "group:", 6) == 0 &&
	     strcmp(s + 6, u->group) == 0));
}

/* The item of a task's after: (src its source) that names task u, or
 * NULL (the edge comes from elsewhere). */
static ynode_t *
after_item_naming(struct ydoc *d, const struct task_src *src,
		  const struct task *u)
{
	ynode_t *v = src->node != NULL ? ymap_get(d, src->node, "after") : NULL;

	if (v == NULL)
		return NULL;
	if (v->type != YAML_SEQUENCE_NODE)
		return after_names(ynode_str(v), u) ? v : NULL;
	for (yaml_node_item_t *it = yseq_begin(v); it < yseq_end(v); it++)
		if (after_names(ynode_str(ydoc_node(d, *it)), u))
			return ydoc_node(d, *it);
	return NULL;
}

/* Depth-first search for a cycle; on one, describe its path in err, at
 * the after: item that closes it (else at the task it comes back to). */
static int
find_cycle(struct ydoc *d, struct dag *dag, const struct task_src *srcs,
	   int i, char *color, int *stack, int depth, struct sl_err *err)
{
	struct task *t = &dag->tasks[i];

	color[i] = 1;
	stack[depth] = i;
	for (int j = 0; j < t->ndownstream; j++) {
		int n = t->downstream[j];

		if (color[n] == 1) {
			const ynode_t *item;
			struct buf b;
			int from = depth;

			while (from > 0 && stack[from] != n)
				from--;
			buf_init(&b, 0);
			for (int k = from; k <= depth; k++)
				buf_printf(&b, "%s -> ", dag->tasks[stack[k]].name);
			buf_adds(&b, dag->tasks[n].name);
			item = after_item_naming(d, &srcs[n], t);
			sl_err_at(err, dag->file,
				  item ? ynode_line(item) : dag->tasks[n].line,
				  item ? ynode_col(item) : dag->tasks[n].col,
				  "tasks: cycle: %s", buf_str(&b));
			snprintf(err->path, sizeof err->path, "tasks");
			buf_free(&b);
			return -1;
		}
		if (color[n] == 0 &&
		    find_cycle(d, dag, srcs, n, color, stack, depth + 1,
			       err) < 0)
			return -1;
	}
	color[i] = 2;
	return 0;
}

/* "a, b" or "a b" as "a, b": the list after: "a, b" was meant to be. */
static void
after_as_list(const char *s, char *out, size_t n)
{
	size_t o = 0, len;

	out[0] = '\0';
	while (*s != '\0' && o < n) {
		s += strspn(s, ", ");
		len = strcspn(s, ", ");
		if (len == 0)
			break;
		o += (size_t)snprintf(out + o, n - o, "%s%.*s",
				      o > 0 ? ", " : "", (int)len, s);
		s += len;
	}
}

static int
link_tasks(struct ydoc *d, struct dag *dag, struct task_src *srcs,
	   struct load_ctx *lc)
{
	struct sl_err *err = &lc->cur;
	char *color;
	int *stack, r = 0;

	for (int i = 0; i < dag->ntasks; i++) {
		struct task *t = &dag->tasks[i];
		ynode_t *v = ymap_get(d, srcs[i].node, "after");
		char **after = NULL, path[SL_ERR_PATH];

		if (v == NULL || ynode_is_null(v))
			continue;
		/* an item's error names the field, at the item */
		ynode_path(d, v, path, sizeof path);
		if (ynode_get_strv(d, v, path, &after, err) < 0) {
			if (load_note(lc) < 0)
				return -1;
			continue;
		}
		t->upstream = xcalloc(strv_len(after) + 1, sizeof(int));
		for (size_t k = 0; after[k] != NULL; k++) {
			struct task *u = dag_task(dag, after[k]);
			ynode_t *item = v;
			int twice = 0;

			if (v->type == YAML_SEQUENCE_NODE &&
			    yseq_begin(v) + k < yseq_end(v))
				item = ydoc_node(d, yseq_begin(v)[k]);
			if (dag_groups_is_ref(after[k])) {
				struct sl_err gerr;

				sl_err_clear(&gerr);
				if (dag_groups_link(dag, t, after[k], &gerr) < 0) {
					ydoc_err_path(d, item, path, err, "%s",
						      gerr.msg);
					if (load_note(lc) < 0) {
						strv_free(after);
						return -1;
					}
				}
				continue;
			}
			if (u == NULL) {
				struct text_near near;
				char group[256] = "";
				const char *meant;

				text_near_init(&near, after[k]);
				for (int m = 0; m < dag->ntasks; m++) {
					text_near_add(&near, dag->tasks[m].name);
					/* a group's name without its group: prefix */
					if (dag->tasks[m].group != NULL &&
					    strcmp(dag->tasks[m].group, after[k]) == 0)
						snprintf(group, sizeof group, "group:%s",
							 after[k]);
				}
				meant = group[0] != '\0' ? group : text_near_best(&near);
				if (strpbrk(after[k], ", ") != NULL) {
					/* after: "a, b" is one name */
					char list[512];

					after_as_list(after[k], list, sizeof list);
					ydoc_err_path(d, item, path, err,
						      "unknown task '%s' (several tasks are a list: after: [%s])",
						      after[k], list);
				} else if (meant != NULL)
					ydoc_err_path(d, item, path, err,
						      "unknown task '%s' (did you mean '%s'?)",
						      after[k], meant);
				else
					ydoc_err_path(d, item, path, err,
						      "unknown task '%s'", after[k]);
			}
			else if (u == t)
				ydoc_err_path(d, item, path, err,
					      "a task cannot run after itself");
			for (int m = 0; u != NULL && u != t && m < t->nupstream; m++)
				if (t->upstream[m] == u->index) {
					ydoc_err_path(d, item, path, err,
						      "'%s' is listed twice",
						      after[k]);
					twice = 1;
					break;
				}
			if (u == NULL || u == t || twice) {
				if (load_note(lc) < 0) {
					strv_free(after);
					return -1;
				}
				continue;
			}
			t->upstream[t->nupstream++] = u->index;
			u->downstream = xreallocarray(u->downstream,
			    (size_t)u->ndownstream + 1, sizeof(int));
			u->downstream[u->ndownstream++] = t->index;
		}
		strv_free(after);
	}
	for (int i = 0; i < dag->ntasks; i++)
		if (srcs[i].node != NULL &&
		    dag_scope_link(d, dag, i, srcs[i].node, err) < 0 &&
		    load_note(lc) < 0)
			return -1;
	color = xcalloc((size_t)dag->ntasks, 1);
	stack = xcalloc((size_t)dag->ntasks + 1, sizeof(int));
	for (int i = 0; i < dag->ntasks && r == 0; i++)
		if (color[i] == 0)
			r = find_cycle(d, dag, srcs, i, color, stack, 0, err);
	free(color);
	free(stack);
	if (r < 0)
		return load_note(lc);
	return 0;
}

static int
parse_time_key(struct ydoc *d, struct dag *dag, ynode_t *v, int64_t *out,
	       struct sl_err *err)
{
	const char *s;
	struct sl_err terr;

	if (ynode_get_str(d, v, NULL, &s, err) < 0)
		return -1;
	sl_err_clear(&terr);
	if (tz_parse_time(dag->tz, s, out, &terr) < 0)
		return ynode_err(d, v, err, "%s", terr.msg);
	return 0;
}

/* Keep the sha256 of the very bytes parsed (each try records it: which
 * version of the file it ran from). */
static void
dag_hash_source(struct dag *dag)
{
	sl_sha256_hex(dag->source, dag->source_len, dag->sha256);
}

/* Load path; every error goes through load_note(lc). */
static int
dag_load_ctx(const char *path, const struct config *cfg, struct dag **out,
	     struct load_ctx *lc)
{
	struct sl_err *err = &lc->cur;
	struct ydoc *d = NULL;
	struct dag *dag = xcalloc(1, sizeof *dag);
	struct task_src *srcs = NULL;
	ynode_t *root, *v, *tasks, *defaults = NULL;
	const char *s;
	long long iv;
	struct stat st;
	char names[512];
	struct alert_src alerts;

	dag->file = xstrdup(path);
	dag->start = INT64_MIN;
	dag->end = INT64_MAX;
	dag->catchup = 1;
	dag->max_active_runs = 16;
	dag->max_active_tasks = 16;
	if (lc->text != NULL) {
		/* a stored version: the file on disk is another text */
		dag->source = xmalloc(lc->len + 1);
		memcpy(dag->source, lc->text, lc->len);
		dag->source[lc->len] = '\0';
		dag->source_len = lc->len;
	} else {
		if (stat(path, &st) == 0) {
			dag->mtime = st.st_mtime;
			dag->size = st.st_size;
		}
		if (sl_read_file(path, DAG_MAX_BYTES, &dag->source,
				 &dag->source_len, err) < 0) {
			if (err->file[0] == '\0')
				snprintf(err->file, sizeof err->file, "%s", path);
			goto stop;
		}
	}
	dag_hash_source(dag);
	if (ydoc_parse(path, dag->source, dag->source_len, &d, err) < 0)
		goto stop;
	root = ydoc_root(d);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		ydoc_err(d, root, err,
			 "a DAG file is a mapping with dag:, schedule:, tasks: ...; got %s",
			 ynode_kind(root));
		if (err->line == 0)
			err->line = err->col = 1;
		goto stop;
	}
	if (ymap_check_dups(d, root, err) < 0 && load_note(lc) < 0)
		goto fail;
	for (yaml_node_pair_t *p = ymap_begin(root); p < ymap_end(root); p++) {
		ynode_t *k = ydoc_node(d, p->key);

		if (ynode_str(k) == NULL || dag_key_find(dag_keys_dag, ynode_str(k)) == NULL) {
			char hint[128];

			ynode_err(d, k, err, "unknown key '%s' (%sknown: %s)",
				 ynode_str(k) ? ynode_str(k) : "?",
				 text_hint(dag_key_suggest(dag_keys_dag, NULL,
							      ynode_str(k)),
					      hint, sizeof hint),
				 dag_keys_names(dag_keys_dag, names, sizeof names));
			if (load_note(lc) < 0)
				goto fail;
		}
	}
	v = ymap_get(d, root, "dag");
	if (v == NULL) {
		ydoc_err(d, root, err, "missing required key 'dag' (the DAG's name)");
		if (load_note(lc) < 0)
			goto fail;
	} else if (ynode_get_str(d, v, NULL, &s, err) < 0) {
		if (load_note(lc) < 0)
			goto fail;
	} else {
		for (const char *c = s; *c != '\0'; c++)
			if (!(*c == '_' || *c == '-' || *c == '.' ||
			      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9')) || strlen(s) > 200 || s[0] == '.') {
				ynode_err(d, v, err,
					  "'%s' is not a valid name (letters, digits, _ - . only, at most 200)",
					  s);
				if (load_note(lc) < 0)
					goto fail;
				break;
			}
		dag->name = xstrdup(s);
		dag->name_line = ynode_line(v);
		dag->name_col = ynode_col(v);
	}
	if ((v = ymap_get(d, root, "description")) != NULL && !ynode_is_null(v)) {
		if (ynode_get_str(d, v, NULL, &s, err) < 0) {
			if (load_note(lc) < 0)
				goto fail;
		} else
			dag->description = xstrdup(s);
	}
	v = ymap_get(d, root, "timezone");
	s = "UTC";
	if (v != NULL && ynode_get_str(d, v, NULL, &s, err) < 0) {
		if (load_note(lc) < 0)
			goto fail;
		s = "UTC";
	}
	{
		struct sl_err terr;

		sl_err_clear(&terr);
		if (tz_load(s, &dag->tz, &terr) < 0) {
			char near[256];

			tz_suggest(s, near, sizeof near);
			if (strncmp(near, "Etc/GMT", 7) == 0)
				ydoc_err_path(d, v, "timezone", err,
					      "%s (did you mean '%s'? a fixed offset's zone is named with the sign reversed, as POSIX does; a place's zone, like Europe/Berlin, also follows its clock changes)",
					      terr.msg, near);
			else if (near[0] != '\0')
				ydoc_err_path(d, v, "timezone", err,
					      "%s (did you mean '%s'?)", terr.msg, near);
			else
				ydoc_err_path(d, v, "timezone", err,
					      "%s (an IANA name, like America/New_York, Europe/Paris or UTC)",
					      terr.msg);
			if (load_note(lc) < 0)
				goto fail;
			/* go on in UTC to check the rest */
			if (tz_load("UTC", &dag->tz, &terr) < 0)
				goto fail;
		}
	}
	v = ymap_get(d, root, "schedule");
	if (v == NULL || ynode_is_null(v) ||
	    (ynode_str(v) && strcmp(ynode_str(v), "none") == 0)) {
		dag->schedule_text = xstrdup("none");
	} else {
		struct sl_err cerr;

		if (ynode_get_str(d, v, NULL, &s, err) < 0) {
			if (load_note(lc) < 0)
				goto fail;
		} else {
			sl_err_clear(&cerr);
			if (cron_parse(s, &dag->schedule, &cerr) < 0) {
				ynode_err(d, v, err, "%s", cerr.msg);
				if (load_note(lc) < 0)
					goto fail;
			} else if (cron_never_ticks(dag->schedule)) {
				/* it would load and never run, silently */
				ynode_err(d, v, err,
					  "cron '%s': no month it names has that day of the month, so it never ticks",
					  s);
				cron_free(dag->schedule);
				dag->schedule = NULL;
				if (load_note(lc) < 0)
					goto fail;
			} else
				dag->schedule_text = xstrdup(s);
		}
	}
	if ((v = ymap_get(d, root, "start")) != NULL && !ynode_is_null(v)) {
		dag->start_line = ynode_line(v);
		if (parse_time_key(d, dag, v, &dag->start, err) < 0 &&
		    load_note(lc) < 0)
			goto fail;
		/* ticks are instants since 1970 (cron.c): an earlier start
		 * would name partitions no command can resolve */
		if (dag->start != INT64_MIN && dag->start < 0) {
			ydoc_err_path(d, v, "start", err,
				      "before 1970-01-01T00:00:00Z: partitions start on 1970-01-01 or later");
			if (load_note(lc) < 0)
				goto fail;
		}
	}
	if ((v = ymap_get(d, root, "end")) != NULL && !ynode_is_null(v)) {
		dag->end_line = ynode_line(v);
		if (parse_time_key(d, dag, v, &dag->end, err) < 0 &&
		    load_note(lc) < 0)
			goto fail;
	}
	if (dag->schedule != NULL && dag->start == INT64_MIN &&
	    ((v = ymap_get(d, root, "start")) == NULL || ynode_is_null(v))) {
		/* at an empty start:, or else at schedule:, the field that
		 * makes start required */
		ydoc_err_path(d, v != NULL ? v : ymap_get(d, root, "schedule"),
			      "start", err,
			      "required for a scheduled DAG (the first partition), e.g. start: 2024-01-01T00:00:00Z");
		if (load_note(lc) < 0)
			goto fail;
	}
	if (dag->end != INT64_MAX && dag->start != INT64_MIN &&
	    dag->end <= dag->start) {
		ydoc_err_path(d, ymap_get(d, root, "end"), "end", err,
			      "must be after start");
		if (load_note(lc) < 0)
			goto fail;
	}
	dag->freshness_when_paused = 1;
	if ((v = ymap_get(d, root, "freshness")) != NULL && !ynode_is_null(v) &&
	    (ynode_get_duration(d, v, NULL, &dag->freshness_ms, err) < 0 ||
	     dag_freshness_unscheduled(d, dag, v, err) < 0) &&
	    load_note(lc) < 0)
		goto fail;
	if ((v = ymap_get(d, root, "freshness_when_paused")) != NULL &&
	    ynode_get_bool(d, v, NULL,
			   &dag->freshness_when_paused, err) < 0 &&
	    load_note(lc) < 0)
		goto fail;
	if ((v = ymap_get(d, root, "sla_on_backfill")) != NULL &&
	    ynode_get_bool(d, v, NULL, &dag->sla_on_backfill, err) < 0 &&
	    load_note(lc) < 0)
		goto fail;
	if ((v = ymap_get(d, root, "catchup")) != NULL &&
	    ynode_get_bool(d, v, NULL, &dag->catchup, err) < 0 &&
	    load_note(lc) < 0)
		goto fail;
	if ((v = ymap_get(d, root, "max_active_runs")) != NULL) {
		if (ynode_get_int(d, v, NULL, 1, 100000, &iv, err) < 0) {
			if (load_note(lc) < 0)
				goto fail;
		} else
			dag->max_active_runs = (int)iv;
	}
	if ((v = ymap_get(d, root, "max_active_tasks")) != NULL) {
		if (ynode_get_int(d, v, NULL, 1, 1000000, &iv, err) < 0) {
			if (load_note(lc) < 0)
				goto fail;
		} else
			dag->max_active_tasks = (int)iv;
	}
	if (dag_params_load(d, ymap_get(d, root, "params"), dag, err,
			    params_note, lc) < 0 &&
	    load_note(lc) < 0)
		goto fail;
	alerts = (struct alert_src){
		ymap_get(d, root, "email_on"), ymap_get(d, root, "email"),
		ymap_get(d, root, "notify_on"), ymap_get(d, root, "notify"),
		ymap_get(d, root, "freshness"), "runs", "a run fails", NULL,
	};
	lc->dag_email = ymap_get(d, root, "email");
	lc->dag_notify = ymap_get(d, root, "notify");
	if (load_alerts(d, &alerts, cfg, &dag->email_on, &dag->email,
			&dag->notify_on, &dag->notify, lc) < 0)
		goto fail;
	if ((v = ymap_get(d, root, "tags")) != NULL && !ynode_is_null(v)) {
		if (ynode_get_strv(d, v, NULL, &dag->tags, err) < 0 &&
		    load_note(lc) < 0)
			goto fail;
	}
	if ((v = ymap_get(d, root, "needs")) != NULL &&
	    dag_needs_parse(d, v, ynode_path(d, v, names, sizeof names),
			    &dag->needs, &dag->nneeds, err, params_note, lc) < 0 &&
	    load_note(lc) < 0)
		goto fail;
	if ((defaults = ymap_get(d, root, "defaults")) != NULL &&
	    !ynode_is_null(defaults) && defaults->type != YAML_MAPPING_NODE) {
		ynode_err(d, defaults, err, "expected a mapping, got %s",
			  ynode_kind(defaults));
		if (load_note(lc) < 0)
			goto fail;
		defaults = NULL;
	}
	if (defaults != NULL && !ynode_is_null(defaults)) {
		if (ymap_check_dups(d, defaults, err) < 0 && load_note(lc) < 0)
			goto fail;
		for (yaml_node_pair_t *p = ymap_begin(defaults); p < ymap_end(defaults); p++) {
			ynode_t *k = ydoc_node(d, p->key);
			const char *key = ynode_str(k);

			if (key == NULL ||
			    (dag_key_find(dag_keys_task, key) == NULL && !any_op_has_key(key))) {
				const char *near = dag_key_suggest(dag_keys_task, NULL, key);
				char hint[128], only[256];

				for (size_t o = 0; near == NULL && key != NULL &&
				     operators[o] != NULL; o++)
					near = dag_key_suggest(NULL, operators[o]->keys, key);
				ynode_err(d, k, err,
					  "unknown key '%s' (%sknown: the keys of any task, except "
					  "those that belong to one task: %s)",
					  key ? key : "?", text_hint(near, hint, sizeof hint),
					  dag_key_task_only_names(only, sizeof only));
				if (load_note(lc) < 0)
					goto fail;
			} else if (dag_key_task_only(key)) {
				ynode_err(d, k, err,
					  "'%s' belongs to one task, not to defaults",
					  key);
				if (load_note(lc) < 0)
					goto fail;
			}
		}
	} else
		defaults = NULL;

	/* without a mapping of tasks there is nothing more to check */
	tasks = ymap_get(d, root, "tasks");
	if (tasks == NULL || ynode_is_null(tasks)) {
		ydoc_err(d, root, err, "missing required key 'tasks'");
		goto stop;
	}
	if (tasks->type != YAML_MAPPING_NODE) {
		ynode_err(d, tasks, err,
			  "expected a mapping of task name to task, got %s",
			  ynode_kind(tasks));
		goto stop;
	}
	if (ymap_check_dups(d, tasks, err) < 0 && load_note(lc) < 0)
		goto fail;
	dag->ntasks = (int)(ymap_end(tasks) - ymap_begin(tasks));
	if (dag->ntasks == 0) {
		ynode_err(d, tasks, err, "a DAG needs at least one task");
		goto stop;
	}
	if (dag->ntasks > DAG_MAX_TASKS) {
		ynode_err(d, tasks, err, "more than %d tasks", DAG_MAX_TASKS);
		dag->ntasks = 0;
		goto stop;
	}
	dag->tasks = xcalloc((size_t)dag->ntasks, sizeof *dag->tasks);
	srcs = xcalloc((size_t)dag->ntasks, sizeof *srcs);
	dag->task_index = json_object();
	{
		int i = 0;

		for (yaml_node_pair_t *p = ymap_begin(tasks); p < ymap_end(tasks); p++, i++) {
			ynode_t *k = ydoc_node(d, p->key);
			ynode_t *tv = ydoc_node(d, p->value);
			const char *name = ynode_str(k);

			dag->tasks[i].name = xstrdup(name ? name : "?");
			dag->tasks[i].index = i;
			if (name == NULL || *name == '\0' || strlen(name) > 200 ||
			    strpbrk(name, "/\\ \t\n[]") != NULL || name[0] == '.' ||
			    text_has_control(name)) {
				/* (brackets name a mapped task's items: NAME[i];
				 * a CR read as LF on the task's page: another
				 * task; shown escaped, so the message is one line) */
				char *shown = text_utf8_escaped(name ? name : "?");

				ynode_err(d, k, err,
					  "'%s' is not a valid task name (no spaces, slashes, brackets "
					  "or control characters, at most 200)", shown);
				free(shown);
				if (load_note(lc) < 0)
					goto fail;
				continue;
			}
			if (tv == NULL || tv->type != YAML_MAPPING_NODE) {
				char at[SL_ERR_PATH];

				ydoc_err_path(d, tv ? tv : k,
					      ymap_key_path(d, tasks, name, at, sizeof at),
					      err, "expected a mapping of task keys, got %s",
					      ynode_kind(tv));
				if (load_note(lc) < 0)
					goto fail;
				continue;
			}
			if (ymap_check_dups(d, tv, err) < 0 && load_note(lc) < 0)
				goto fail;
			json_object_set_new(dag->task_index, name, json_integer(i));
			dag->tasks[i].line = ynode_line(k);
			dag->tasks[i].col = ynode_col(k);
			srcs[i].node = tv;
			srcs[i].defaults = defaults;
		}
	}
	/* a task that is not a mapping has no keys to check */
	for (int i = 0; i < dag->ntasks; i++) {
		int nerr = lc->nerr;

		if (srcs[i].node != NULL &&
		    load_task(d, dag, &dag->tasks[i], &srcs[i], cfg, lc) < 0)
			goto fail;
		srcs[i].bad = lc->nerr > nerr;
	}
	/* what reads the graph (outputs, foreach: {output}, cluster_from)
	 * is checked once the graph holds, for each task whose own keys
	 * did: an error elsewhere (a bad duration in another task) hid
	 * them until it was fixed */
	{
		int nerr = lc->nerr;

		if (link_tasks(d, dag, srcs, lc) < 0 || lc->nerr > nerr)
			goto fail;
	}
	for (int i = 0; i < dag->ntasks; i++)
		if (!srcs[i].bad &&
		    (dag_outputs_check(d, dag, &dag->tasks[i], srcs[i].node,
				       &lc->cur) < 0 ||
		     dag_map_check(d, dag, &dag->tasks[i], srcs[i].node,
				   &lc->cur) < 0) && load_note(lc) < 0)
			goto fail;
	for (int i = 0; i < dag->ntasks; i++)
		if (!srcs[i].bad &&
		    dag_clusters_check(d, dag, &dag->tasks[i], srcs[i].node,
				       &lc->cur) < 0 && load_note(lc) < 0)
			goto fail;
	if (lc->nerr > 0)
		goto fail;
	free(srcs);
	ydoc_free(d);
	*out = dag;
	return 0;
stop:
	load_note(lc);
fail:
	free(srcs);
	ydoc_free(d);
	dag_free(dag);
	return -1;
}

int
dag_file_declares(const char *path, char *out, size_t n)
{
	struct ydoc *d;
	struct sl_err err;
	const char *name = NULL;
	ynode_t *root;

	sl_err_clear(&err);
	if (ydoc_load(path, DAG_MAX_BYTES, &d, &err) < 0)
		return -1;
	root = ydoc_root(d);
	if (root != NULL && root->type == YAML_MAPPING_NODE)
		name = ynode_str(ymap_get(d, root, "dag"));
	if (name != NULL)
		snprintf(out, n, "%s", name);
	ydoc_free(d);
	return name != NULL ? 0 : -1;
}

/* Load path (text: its stored version, or NULL) with every check; the
 * errors in lc, which the caller frees with load_ctx_free. */
static int
dag_load_all(const char *path, const char *text, size_t len,
	     const struct config *cfg, struct dag **out,
	     void (*warn)(const struct sl_err *e, void *arg), void *arg,
	     struct load_ctx *lc)
{
	memset(lc, 0, sizeof *lc);
	lc->path = path;
	lc->warn = warn;
	lc->arg = arg;
	lc->text = text;
	lc->len = len;
	lc->seen = json_object();
	lc->kept = xcalloc(DAG_VALIDATE_MAX_ERRORS, sizeof *lc->kept);
	return dag_load_ctx(path, cfg, out, lc);
}

static void
load_ctx_free(struct load_ctx *lc)
{
	json_decref(lc->seen);
	free(lc->kept);
}

/* The first error in file order into err; with errors, all of them as
 * dag_load_errors() says. */
static int
dag_load_first(const char *path, const char *text, size_t len,
	       const struct config *cfg, struct dag **out, struct sl_err *err,
	       json_t **errors)
{
	struct load_ctx lc;
	int rc = dag_load_all(path, text, len, cfg, out, NULL, NULL, &lc);
	char msg[2048];

	if (rc < 0 && err != NULL && lc.nkept > 0)
		*err = lc.kept[0];
	if (errors != NULL)
		*errors = NULL;
	if (rc < 0 && errors != NULL) {
		*errors = json_array();
		for (int i = 0; i < lc.nkept; i++)
			json_array_append_new(*errors, json_string(
			    sl_err_str(&lc.kept[i], msg, sizeof msg)));
		if (lc.nerr > lc.nkept)
			json_array_append_new(*errors, json_sprintf(
			    "%s: and %d more error%s", path, lc.nerr - lc.nkept,
			    lc.nerr - lc.nkept == 1 ? "" : "s"));
	}
	load_ctx_free(&lc);
	return rc;
}

int
dag_load_errors(const char *path, const struct config *cfg,
		struct dag **out, struct sl_err *err, json_t **errors)
{
	return dag_load_first(path, NULL, 0, cfg, out, err, errors);
}

int
dag_load(const char *path, const struct config *cfg, struct dag **out,
	 struct sl_err *err)
{
	return dag_load_first(path, NULL, 0, cfg, out, err, NULL);
}

int
dag_load_text(const char *path, const char *text, size_t len,
	      const struct config *cfg, struct dag **out, struct sl_err *err)
{
	return dag_load_first(path, text, len, cfg, out, err, NULL);
}

int
dag_validate(const char *path, const struct config *cfg,
	     void (*cb)(const struct sl_err *e, void *arg), void *arg)
{
	return dag_validate_warn(path, cfg, cb, NULL, arg);
}

int
dag_validate_warn(const char *path, const struct config *cfg,
		  void (*cb)(const struct sl_err *e, void *arg),
		  void (*warn)(const struct sl_err *e, void *arg), void *arg)
{
	struct load_ctx lc;
	struct dag *dag = NULL;
	int nerr;

	if (!text_utf8_valid(path, strlen(path))) {
		/* as the folder says it: such a file is not read */
		char *shown = text_utf8_escaped(path);
		struct sl_err e;

		sl_err_clear(&e);
		snprintf(e.file, sizeof e.file, "%s", shown);
		snprintf(e.msg, sizeof e.msg, "%s", DAG_FILE_NAME_NOT_TEXT);
		cb(&e, arg);
		free(shown);
		return 1;
	}
	if (dag_load_all(path, NULL, 0, cfg, &dag, warn, arg, &lc) == 0)
		dag_free(dag);
	for (int i = 0; i < lc.nkept; i++)
		cb(&lc.kept[i], arg);
	if (lc.nerr > DAG_VALIDATE_MAX_ERRORS) {
		sl_err_clear(&lc.cur);
		snprintf(lc.cur.file, sizeof lc.cur.file, "%s", path);
		snprintf(lc.cur.msg, sizeof lc.cur.msg, "and %d more error%s",
			 lc.nerr - DAG_VALIDATE_MAX_ERRORS,
			 lc.nerr - DAG_VALIDATE_MAX_ERRORS == 1 ? "" : "s");
		cb(&lc.cur, arg);
	}
	nerr = lc.nerr;
	load_ctx_free(&lc);
	return nerr;
}

void
dag_free(struct dag *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < d->ntasks; i++) {
		struct task *t = &d->tasks[i];

		free(t->name);
		json_decref(t->options);
		free(t->upstream);
		free(t->downstream);
		free(t->executor);
		free(t->pool);
		json_decref(t->env);
		strv_free(t->email);
		strv_free(t->notify);
		free(t->on_failure);
		free(t->on_success);
		free(t->description);
		dag_needs_free(t->needs, t->nneeds);
		strv_free(t->produces);
		free(t->produces_at);
		free(t->group);
		free(t->setups);
		dag_map_free_task(t);
	}
	dag_needs_free(d->needs, d->nneeds);
	free(d->tasks);
	json_decref(d->task_index);
	free(d->name);
	free(d->file);
	free(d->description);
	if (d->schedule != NULL)
		cron_free(d->schedule);
	free(d->schedule_text);
	if (d->tz != NULL)
		tz_free(d->tz);
	json_decref(d->params);
	json_decref(d->param_decls);
	strv_free(d->email);
	strv_free(d->notify);
	strv_free(d->tags);
	free(d->source);
	free(d);
}

struct task *
dag_task(const struct dag *d, const char *name)
{
	json_t *i;

	if (d->task_index != NULL) {
		i = json_object_get(d->task_index, name);
		return i ? &d->tasks[json_integer_value(i)] : NULL;
	}
	for (int k = 0; k < d->ntasks; k++)
		if (d->tasks[k].name != NULL && strcmp(d->tasks[k].name, name) == 0)
			return &d->tasks[k];
	return NULL;
}

int
dag_interval_at(const struct dag *d, int64_t t, int64_t *start, int64_t *end)
{
	int64_t s;

	if (d->schedule == NULL)
		return -1;
	s = cron_prev(d->schedule, d->tz, t);
	/* -1 is none; partitions start in 1970 or later (start: says so) */
	if (s < 0)
		return -1;
	*start = s;
	*end = cron_next(d->schedule, d->tz, s);
	return *end == -1 ? -1 : 0;
}

const char *
dag_partition_key(const struct dag *d, int64_t start, char *out, size_t n)
{
	return tz_iso(d->tz, start, out, n);
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dagbag_entry *)a)->file,
		      ((const struct dagbag_entry *)b)->file);
}

/* The entry of file path in a loaded bag (entries are sorted by file). */
static struct dagbag_entry *
dagbag_entry_find(const struct dagbag *b, const char *path)
{
	struct dagbag_entry key;

	if (b->n == 0)
		return NULL;
	key.file = (char *)path;
	return bsearch(&key, b->entries, (size_t)b->n, sizeof *b->entries,
		       entry_cmp);
}

/*
 * Two files of out declaring one DAG: the one that held it in prev keeps
 * it (a new file cannot take a DAG over), else the one owner says held it
 * before, else the first by path; the other is in error.
 */
static void
dagbag_dedupe(struct dagbag *out, dagbag_owner_fn owner, void *owner_arg)
{
	for (int i = 0; i < out->n; i++) {
		for (int j = 0; j < i && out->entries[i].dag != NULL; j++) {
			struct dagbag_entry *keep = &out->entries[j];
			struct dagbag_entry *lose = &out->entries[i];
			int keep_held, lose_held;

			if (keep->dag == NULL ||
			    strcmp(keep->dag->name, lose->dag->name) != 0)
				continue;
			keep_held = keep->reused || keep->stale;
			lose_held = lose->reused || lose->stale;
			if ((lose_held && !keep_held) ||
			    (!lose_held && !keep_held && owner != NULL &&
			     owner(owner_arg, lose->dag->name, lose->file) == 1)) {
				keep = &out->entries[i];
				lose = &out->entries[j];
			}
			/* prev had no two files with one DAG: a version taken
			 * over from it never loses */
			assert(!lose->reused && !lose->stale);
			free(lose->error);
			/* at its dag: value, the name to change */
			lose->error = xasprintf(
			    "%s:%d:%d: dag '%s' is already defined in %s (this file is not loaded; %s keeps the DAG)",
			    lose->file, lose->dag->name_line > 0 ?
			    lose->dag->name_line : 1,
			    lose->dag->name_col > 0 ? lose->dag->name_col : 1,
			    lose->dag->name, keep->file,
			    keep->file);
			dag_free(lose->dag);
			lose->dag = NULL;
			lose->duplicate = 1;
		}
	}
}

/* e: the entry of dag, whose file is gone (it takes dag). */
static void
missing_entry(struct dagbag_entry *e, const char *file, struct dag *dag)
{
	memset(e, 0, sizeof *e);
	e->file = xstrdup(file);
	e->dag = dag;
	e->error = xasprintf("%s: the DAG file is gone (deleted or moved): "
			     "DAG '%s' creates no new runs", file, dag->name);
	e->missing = 1;
}

void
dagbag_add_gone(struct dagbag *b, const char *file, struct dag *dag)
{
	b->entries = xreallocarray(b->entries, (size_t)b->n + 1, sizeof *b->entries);
	missing_entry(&b->entries[b->n++], file, dag);
	qsort(b->entries, (size_t)b->n, sizeof *b->entries, entry_cmp);
}

/* The last versions of prev's files that are gone, as missing entries
 * of out (unless another file declares that DAG now). */
static void
dagbag_keep_missing(struct dagbag *prev, struct dagbag *out, int *cap)
{
	int added = 0;

	for (int i = 0; i < prev->n; i++) {
		struct dagbag_entry *p = &prev->entries[i], *e;

		if (p->dag == NULL || dagbag_entry_find(out, p->file) != NULL ||
		    dagbag_find(out, p->dag->name) != NULL)
			continue;
		SL_GROW(out->entries, *cap, (size_t)(out->n + added) + 1);
		e = &out->entries[out->n + added++];
		missing_entry(e, p->file, p->dag);
		e->mtime = p->mtime;
		e->mtime_nsec = p->mtime_nsec;
		e->size = p->size;
		p->dag = NULL;
	}
	out->n += added;
	if (added > 0)
		qsort(out->entries, (size_t)out->n, sizeof *out->entries,
		      entry_cmp);
}

int
dagbag_load(const char *dir, const struct config *cfg, struct dagbag *prev,
	    struct dagbag *out, struct sl_err *err)
{
	return dagbag_load_owned(dir, cfg, prev, NULL, NULL, out, err);
}

int
dagbag_load_owned(const char *dir, const struct config *cfg,
		  struct dagbag *prev, dagbag_owner_fn owner, void *owner_arg,
		  struct dagbag *out, struct sl_err *err)
{
	return dagbag_load_stored(dir, cfg, prev, owner, NULL, owner_arg, out,
				  err);
}

/* Is a DAG named name held by an entry of b other than e, taken over
 * from prev (unchanged, or the last good version of a broken file)? */
static int
dagbag_held_elsewhere(const struct dagbag *b, const struct dagbag_entry *e,
		      const char *name)
{
	for (int i = 0; i < b->n; i++)
		if (&b->entries[i] != e && b->entries[i].dag != NULL &&
		    (b->entries[i].reused || b->entries[i].stale) &&
		    strcmp(b->entries[i].dag->name, name) == 0)
			return 1;
	return 0;
}

/*
 * The broken files of out that have no last good version (prev did not
 * hold one: this process started while they were broken) take the one
 * last_good stored for them, when it still loads (the config may have
 * changed since) and no version taken over from prev holds its DAG. Such
 * a file then holds its DAG as if prev had held it: a file that declares
 * that DAG now is the duplicate (the database records the broken file
 * as the DAG's: last_good gives only such versions).
 */
static void
dagbag_take_stored(struct dagbag *out, const struct config *cfg,
		   dagbag_source_fn last_good, void *arg)
{
	for (int i = 0; i < out->n; i++) {
		struct dagbag_entry *e = &out->entries[i];
		struct dag *dag = NULL;
		struct sl_err lerr;
		char *text = NULL;
		size_t len = 0;

		if (e->dag != NULL || e->error == NULL ||
		    last_good(arg, e->file, &text, &len) != 1)
			continue;
		sl_err_clear(&lerr);
		if (dag_load_text(e->file, text, len, cfg, &dag, &lerr) == 0 &&
		    !dagbag_held_elsewhere(out, e, dag->name)) {
			e->dag = dag;
			e->stale = 1;
		} else
			dag_free(dag);
		free(text);
	}
}

/* A walk of the DAG folder: every regular *.yaml or *.yml file, in
 * subfolders too, except hidden files and folders (.git) and the home's
 * own sluice.yaml (a home that is its own DAG folder, dags: ., holds it).
 * A folder reached twice (a symbolic link back up) is read once; past
 * DAG_FOLDER_DEPTH levels nothing is read. fn gets each file's path (the
 * walk's: copy it to keep it) and stat; a non-zero return stops the walk.
 * What the walk cannot read goes to problem (path, why), never skipped
 * without a word: the folder missing or unreadable, a subfolder it cannot
 * open, a *.yaml that is a broken symbolic link or cannot be looked at,
 * a folder deeper than DAG_FOLDER_DEPTH (sluice-dag(5) says the limit). */
#define DAG_FOLDER_DEPTH 16

typedef int (*dag_walk_problem_fn)(void *arg, const char *path, const char *why);

struct dag_walk {
	struct stat config;		/* st_ino 0: no config file */
	struct { dev_t dev; ino_t ino; } *seen;
	size_t nseen, capseen;
	int (*fn)(void *arg, const char *path, const struct stat *st);
	dag_walk_problem_fn problem;
	void *arg;
};

/* The problem of path from errno e (a stat, an opendir). */
static int
dag_walk_errno(struct dag_walk *w, const char *path, int e, const char *what)
{
	char why[300];

	snprintf(why, sizeof why, "%s: %s%s", what, strerror(e),
		 e == EACCES ? " (the user sluice runs as cannot read it)" : "");
	return w->problem(w->arg, path, why);
}

static int
dag_walk_dir(struct dag_walk *w, const char *dir, int depth)
{
	DIR *dh;
	struct dirent *de;
	struct stat dst;
	int stop = 0;

	if (stat(dir, &dst) < 0)
		return dag_walk_errno(w, dir, errno, depth == 0 ?
				      "the DAG folder cannot be read" : "the folder cannot be read");
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i].dev == dst.st_dev && w->seen[i].ino == dst.st_ino)
			return 0;
	SL_GROW(w->seen, w->capseen, w->nseen + 1);
	w->seen[w->nseen].dev = dst.st_dev;
	w->seen[w->nseen++].ino = dst.st_ino;
	if ((dh = opendir(dir)) == NULL)
		return dag_walk_errno(w, dir, errno, depth == 0 ?
				      "the DAG folder cannot be read" :
				      "the folder cannot be read, so no DAG file in it is");
	while (!stop && (de = readdir(dh)) != NULL) {
		struct stat st;
		char *path;

		if (de->d_name[0] == '.')
			continue;
		/* "dags/" as typed: one slash, not "dags//x.yaml" */
		path = xasprintf("%s%s%s", dir, dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/",
				 de->d_name);
		if (stat(path, &st) < 0) {
			int e = errno;
			struct stat lst;

			/* a broken link or one that cannot be looked at:
			 * said when it looks like a DAG file or a folder */
			if (e == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
				char to[PATH_MAX], why[PATH_MAX + 80];
				ssize_t n = readlink(path, to, sizeof to - 1);

				to[n > 0 ? n : 0] = '\0';
				snprintf(why, sizeof why, "a symbolic link to %s, which does "
					 "not exist: not read", to);
				if (sl_str_ends(de->d_name, ".yaml") || sl_str_ends(de->d_name, ".yml"))
					stop = w->problem(w->arg, path, why);
			} else if (e != ENOENT)	/* gone meanwhile: nothing to say */
				stop = dag_walk_errno(w, path, e, "cannot be read");
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth < DAG_FOLDER_DEPTH)
				stop = dag_walk_dir(w, path, depth + 1);
			else {
				char why[160];

				snprintf(why, sizeof why, "a folder more than %d levels "
					 "below the DAG folder: nothing in it is read "
					 "(move its DAG files up)", DAG_FOLDER_DEPTH);
				stop = w->problem(w->arg, path, why);
			}
		} else if (S_ISREG(st.st_mode) &&
			   (sl_str_ends(de->d_name, ".yaml") || sl_str_ends(de->d_name, ".yml")) &&
			   !(w->config.st_ino != 0 && st.st_dev == w->config.st_dev &&
			     st.st_ino == w->config.st_ino))
			stop = w->fn(w->arg, path, &st);
		free(path);
	}
	closedir(dh);
	return stop;
}

/* Walk dir (see struct dag_walk); what it cannot read, the folder itself
 * included, goes to problem. -1 with errno ENOTDIR when dir is a file (a
 * caller given a file reads it alone). */
static int
dag_walk(const char *dir, const struct config *cfg,
	 int (*fn)(void *arg, const char *path, const struct stat *st),
	 dag_walk_problem_fn problem, void *arg)
{
	struct dag_walk w;
	struct stat st;

	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	memset(&w, 0, sizeof w);
	if (cfg == NULL || cfg->file == NULL || stat(cfg->file, &w.config) < 0)
		w.config.st_ino = 0;
	w.fn = fn;
	w.problem = problem;
	w.arg = arg;
	dag_walk_dir(&w, dir, 0);
	free(w.seen);
	return 0;
}

/* dagbag_load_stored's walk: one entry per file. */
struct dag_load_walk {
	const struct config *cfg;
	struct dagbag *prev, *out;
	int cap;
};

/* What the walk cannot read: an entry with the error "PATH: why" and no
 * DAG, listed with the files that do not load. */
static int
dag_load_problem(void *arg, const char *path, const char *why)
{
	struct dag_load_walk *lw = arg;
	struct dagbag *out = lw->out;
	struct dagbag_entry *e;

	SL_GROW(out->entries, lw->cap, (size_t)out->n + 1);
	e = &out->entries[out->n++];
	memset(e, 0, sizeof *e);
	e->file = text_utf8_escaped(path);
	e->folder_error = 1;
	e->error = xasprintf("%s: %s", e->file, why);
	return 0;
}

static int
dag_load_file(void *arg, const char *file, const struct stat *st)
{
	struct dag_load_walk *lw = arg;
	struct dagbag *out = lw->out;
	struct dagbag_entry *e, *p = NULL;
	char *path = text_utf8_escaped(file);
	struct sl_err lerr;
	char msg[2048];

	SL_GROW(out->entries, lw->cap, (size_t)out->n + 1);
	e = &out->entries[out->n++];
	memset(e, 0, sizeof *e);
	e->file = path;
	e->mtime = st->st_mtime;
	e->size = st->st_size;
	e->mtime_nsec = st->st_mtim.tv_nsec;
	/* a path that is not text reaches no page, JSON or database: the
	 * entry names it escaped and says why it is not read */
	if (!text_utf8_valid(file, strlen(file))) {
		e->name_not_text = 1;
		e->error = xasprintf("%s: %s", path, DAG_FILE_NAME_NOT_TEXT);
		return 0;
	}
	if (lw->prev != NULL)
		p = dagbag_entry_find(lw->prev, path);
	/* unchanged since the last load: take it over (a file that
	 * lost a DAG to another file, or came back, is read again) */
	if (p != NULL && p->mtime == st->st_mtime &&
	    p->mtime_nsec == st->st_mtim.tv_nsec &&
	    p->size == st->st_size && !p->missing && !p->duplicate &&
	    !p->needs_error &&
	    (p->dag != NULL || p->error != NULL)) {
		e->dag = p->dag;
		e->error = p->error;
		e->errors = p->errors;
		e->stale = p->stale;
		e->reused = 1;
		p->dag = NULL;
		p->error = NULL;
		p->errors = NULL;
		return 0;
	}
	sl_err_clear(&lerr);
	if (dag_load_errors(path, lw->cfg, &e->dag, &lerr, &e->errors) < 0) {
		if (lerr.file[0] == '\0')
			snprintf(lerr.file, sizeof lerr.file, "%s", path);
		e->error = xstrdup(sl_err_str(&lerr, msg, sizeof msg));
		if (p != NULL && p->dag != NULL) {
			/* broken now: its last good version stays */
			e->dag = p->dag;
			e->stale = 1;
			p->dag = NULL;
		}
	}
	return 0;
}

int
dagbag_load_stored(const char *dir, const struct config *cfg,
		   struct dagbag *prev, dagbag_owner_fn owner,
		   dagbag_source_fn last_good, void *owner_arg,
		   struct dagbag *out, struct sl_err *err)
{
	struct dag_load_walk lw = { cfg, prev, out, 0 };
	int cap;

	out->entries = NULL;
	out->n = 0;
	if (dag_walk(dir, cfg, dag_load_file, dag_load_problem, &lw) < 0)
		return sl_err_set(err, "cannot read the DAG folder %s: %s", dir,
				  strerror(errno));
	cap = lw.cap;
	if (out->n > 1)
		qsort(out->entries, (size_t)out->n, sizeof *out->entries,
		      entry_cmp);
	if (last_good != NULL)
		dagbag_take_stored(out, cfg, last_good, owner_arg);
	dagbag_dedupe(out, owner, owner_arg);
	if (prev != NULL)
		dagbag_keep_missing(prev, out, &cap);
	dag_needs_check_bag(out, prev);
	return 0;
}

/* dagbag_changed's walk: a file new or changed since b was loaded stops it. */
struct dag_changed_walk {
	const struct dagbag *b;
	int n, changed;
};

static int
dag_changed_file(void *arg, const char *path, const struct stat *st)
{
	struct dag_changed_walk *cw = arg;
	char *name = text_utf8_escaped(path);	/* as dag_load_file names it */
	const struct dagbag_entry *e = dagbag_entry_find(cw->b, name);

	free(name);

	cw->n++;
	if (e == NULL || e->missing || e->folder_error || e->mtime != st->st_mtime ||
	    e->mtime_nsec != st->st_mtim.tv_nsec || e->size != st->st_size)
		cw->changed = 1;
	return cw->changed;
}

/* A problem of the walk is a change unless the bag holds it already. */
static int
dag_changed_problem(void *arg, const char *path, const char *why)
{
	struct dag_changed_walk *cw = arg;
	char *name = text_utf8_escaped(path);
	const struct dagbag_entry *e = dagbag_entry_find(cw->b, name);
	char *error = xasprintf("%s: %s", name, why);

	cw->n++;
	if (e == NULL || !e->folder_error || strcmp(e->error, error) != 0)
		cw->changed = 1;
	free(error);
	free(name);
	return cw->changed;
}

int
dagbag_changed(const char *dir, const struct config *cfg, const struct dagbag *b)
{
	struct dag_changed_walk cw = { b, 0, 0 };

	if (dag_walk(dir, cfg, dag_changed_file, dag_changed_problem, &cw) < 0)
		return b->n != 0;
	for (int i = 0; i < b->n; i++)
		if (b->entries[i].missing)
			cw.n++;
	return cw.changed || cw.n != b->n;
}

void
dagbag_reread_all(struct dagbag *b)
{
	/* no file has a size of -1: each differs from its entry */
	for (int i = 0; i < b->n; i++)
		if (!b->entries[i].missing)
			b->entries[i].size = -1;
}

void
dagbag_free(struct dagbag *b)
{
	for (int i = 0; i < b->n; i++) {
		free(b->entries[i].file);
		dag_free(b->entries[i].dag);
		free(b->entries[i].error);
		json_decref(b->entries[i].errors);
	}
	free(b->entries);
	b->entries = NULL;
	b->n = 0;
}

const struct dagbag_entry *
dagbag_find_entry(const struct dagbag *b, const char *name)
{
	for (int i = 0; i < b->n; i++)
		if (b->entries[i].dag != NULL &&
		    strcmp(b->entries[i].dag->name, name) == 0)
			return &b->entries[i];
	return NULL;
}

struct dag *
dagbag_find(const struct dagbag *b, const char *name)
{
	const struct dagbag_entry *e = dagbag_find_entry(b, name);

	return e != NULL ? e->dag : NULL;
}
