/* operator.c: the registry of task types (shell built in, the others
 * registered by the operators library) and of the processes that are not
 * task types, and spec helpers for operators. */
#include "operators/operator.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct operator op_shell;

/* The built-in task types, then the registered ones; NULL-terminated. */
static const struct operator *const operator_builtin[] = { &op_shell, NULL };
static const struct operator **operator_list;
static size_t operator_count, operator_cap;

const struct operator *const *operators = operator_builtin;

void
operator_register(const struct operator *op)
{
	if (operator_find_process(op->name) != NULL)
		return;
	if (operator_list == NULL) {
		for (size_t i = 0; operator_builtin[i] != NULL; i++) {
			SL_GROW(operator_list, operator_cap, operator_count + 1);
			operator_list[operator_count++] = operator_builtin[i];
		}
	}
	SL_GROW(operator_list, operator_cap, operator_count + 2);
	operator_list[operator_count++] = op;
	operator_list[operator_count] = NULL;
	operators = operator_list;
}

/* Processes that are not task types, and what a DAG says instead. */
struct operator_process {
	const struct operator *op;
	const char *instead;
};
static struct operator_process *operator_processes;
static size_t operator_nprocesses, operator_capprocesses;

void
operator_register_process(const struct operator *op, const char *instead)
{
	if (operator_find_process(op->name) != NULL)
		return;
	SL_GROW(operator_processes, operator_capprocesses, operator_nprocesses + 1);
	operator_processes[operator_nprocesses].op = op;
	operator_processes[operator_nprocesses].instead = instead;
	operator_nprocesses++;
}

static const struct operator_process *
operator_process_find(const char *name)
{
	for (size_t i = 0; i < operator_nprocesses; i++)
		if (strcmp(operator_processes[i].op->name, name) == 0)
			return &operator_processes[i];
	return NULL;
}

const struct operator *
operator_find_process(const char *name)
{
	const struct operator *op = operator_find(name);
	const struct operator_process *p;

	if (op != NULL)
		return op;
	p = operator_process_find(name);
	return p != NULL ? p->op : NULL;
}

const char *
operator_process_instead(const char *name)
{
	const struct operator_process *p = operator_process_find(name);

	return p != NULL ? p->instead : NULL;
}

static const struct notifier *the_notifier;

void
notifier_register(const struct notifier *n)
{
	the_notifier = n;
}

const struct notifier *
notifier_get(void)
{
	return the_notifier;
}

const struct operator *
operator_find(const char *name)
{
	for (size_t i = 0; operators[i] != NULL; i++)
		if (strcmp(operators[i]->name, name) == 0)
			return operators[i];
	return NULL;
}

const char *
operator_names(char *out, size_t n)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; operators[i] != NULL && off < n; i++)
		off += snprintf(out + off, n - off, "%s%s", i ? ", " : "",
				operators[i]->name);
	return out;
}

int
operator_is_sensor(const struct operator *op)
{
	return op->poke_start != NULL || op->poke_once != NULL;
}

const char *
op_opt_str(const json_t *spec, const char *key, const char *def)
{
	json_t *v = json_object_get(json_object_get(spec, "options"), key);

	return json_is_string(v) ? json_string_value(v) : def;
}

long long
op_opt_int(const json_t *spec, const char *key, long long def)
{
	json_t *v = json_object_get(json_object_get(spec, "options"), key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

int
op_opt_bool(const json_t *spec, const char *key, int def)
{
	json_t *v = json_object_get(json_object_get(spec, "options"), key);

	return json_is_boolean(v) ? json_is_true(v) : def;
}

const json_t *
op_connection(const json_t *spec, const char *key)
{
	const char *name = op_opt_str(spec, key, NULL);

	if (name == NULL)
		return NULL;
	return json_object_get(json_object_get(spec, "connections"), name);
}

const char *
op_key_kind_name(enum op_key_kind k)
{
	switch (k) {
	case OPK_STRING: return "string";
	case OPK_STRINGS: return "string or list of strings";
	case OPK_INT: return "integer";
	case OPK_BOOL: return "boolean";
	case OPK_DURATION: return "duration";
	case OPK_MAP: return "mapping of strings";
	case OPK_CONNECTION: return "connection name";
	case OPK_ANY: return "any";
	case OPK_FILE: return "file path (relative to the DAG file)";
	}
	return "?";
}

void
op_check_init(struct op_check *c, const json_t *options,
	      const json_t *in_error)
{
	memset(c, 0, sizeof *c);
	c->options = options;
	c->in_error = in_error;
}

void
op_check_free(struct op_check *c)
{
	free(c->errs);
	c->errs = NULL;
	c->n = c->cap = 0;
}

static struct op_check_err *
op_check_next(struct op_check *c, const char *path)
{
	struct op_check_err *e;

	SL_GROW(c->errs, c->cap, c->n + 1);
	e = &c->errs[c->n++];
	snprintf(e->path, sizeof e->path, "%s", path != NULL ? path : "");
	return e;
}

int
op_check_add(struct op_check *c, const char *path, const char *fmt, ...)
{
	struct op_check_err *e = op_check_next(c, path);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
op_check_add_err(struct op_check *c, const char *path,
		 const struct sl_err *err)
{
	return op_check_add(c, path, "%s", err->msg);
}

const json_t *
op_check_get(const struct op_check *c, const char *key)
{
	return json_object_get(c->options, key);
}

const char *
op_check_str(const struct op_check *c, const char *key)
{
	return json_string_value(json_object_get(c->options, key));
}

int
op_check_in_error(const struct op_check *c, const char *key)
{
	return c->in_error != NULL && json_object_get(c->in_error, key) != NULL;
}

int
op_check_has(const struct op_check *c, const char *key)
{
	return json_object_get(c->options, key) != NULL ||
	       op_check_in_error(c, key);
}

int
op_check_first(const struct operator *op, const json_t *options,
	       char *path, size_t n, struct sl_err *err)
{
	struct op_check c;
	int r = 0;

	path[0] = '\0';
	if (op->check == NULL)
		return 0;
	op_check_init(&c, options, NULL);
	op->check(&c);
	if (c.n > 0) {
		snprintf(path, n, "%s", c.errs[0].path);
		sl_err_set(err, "%s", c.errs[0].msg);
		r = -1;
	}
	op_check_free(&c);
	return r;
}
