/*
 * cli_opts.c: the one option parser of the command line. Every verb
 * declares its options in a table (struct cli_opt); the parser, the usage
 * line printed on a usage error and the --help text are all made from that
 * table, so `sluice help VERB` and `sluice VERB --help` print the same and
 * cannot drift from what the verb accepts.
 */
#include "scheduler/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "scheduler/shquote.h"

/* --help is every verb's: it is not in their tables. */
static const struct cli_opt cli_help_opt = {
	"help", 'h', NULL, "show this help and exit"
};

static size_t
cli_nopts(const struct cli_verb *v)
{
	size_t n = 0;

	while (v->opts != NULL && v->opts[n].name != NULL)
		n++;
	return n;
}

/* The one wrapper of help text: usage, options, summaries, exit codes. */
void
cli_print_wrapped(FILE *f, int col, int indent, const char *text, size_t len)
{
	const char *w = text, *end = text + len;
	int first = 1;

	while (w < end && *w == ' ')
		w++;
	while (w < end) {
		size_t n = 0;
		int depth = 0;

		/* a word runs to a space outside brackets: a usage's
		 * "[--only missing|failed|all]" stays on one line */
		while (w + n < end && (w[n] != ' ' || depth > 0)) {
			if (w[n] == '[')
				depth++;
			else if (w[n] == ']' && depth > 0)
				depth--;
			n++;
		}
		if (!first && col + 1 + (int)n > CLI_HELP_WIDTH)
			col = fprintf(f, "\n%*s", indent, "") - 1;
		else if (!first)
			col += fprintf(f, " ");
		col += fprintf(f, "%.*s", (int)n, w);
		first = 0;
		w += n;
		while (w < end && *w == ' ')
			w++;
	}
	fputc('\n', f);
}

/* The usage lines: "usage: sluice VERB LINE" then "       sluice VERB ...",
 * a long one wrapped under its first argument. */
static void
cli_print_usage(const struct cli_verb *v, FILE *f)
{
	const char *p = v->usage != NULL ? v->usage : "";
	int first = 1;

	do {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		int col = fprintf(f, "%s sluice %s%s", first ? "usage:" : "      ",
				  v->name, len > 0 ? " " : "");

		cli_print_wrapped(f, col, col, p, len);
		first = 0;
		p = nl != NULL ? nl + 1 : NULL;
	} while (p != NULL && *p != '\0');
}

/* "  -x, --name ARG        help", the help wrapped in its column. */
static void
cli_print_opt(const struct cli_opt *o, FILE *f)
{
	char left[64];

	if (o->short_name != 0)
		snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name,
			 o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof left, "    --%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	if (strlen(left) > 24)
		fprintf(f, "  %s\n%27s", left, "");
	else
		fprintf(f, "  %-24s ", left);
	cli_print_wrapped(f, 27, 27, o->help, strlen(o->help));
}

void
cli_print_help(const struct cli_verb *v, FILE *f)
{
	size_t i, n = cli_nopts(v);

	cli_print_wrapped(f, fprintf(f, "sluice %s: ", v->name), 2, v->summary,
			  strlen(v->summary));
	fputc('\n', f);
	cli_print_usage(v, f);
	if (v->help != NULL && v->help[0] != '\0')
		fprintf(f, "\n%s", v->help);
	fprintf(f, "\nOptions:\n");
	for (i = 0; i < n; i++)
		cli_print_opt(&v->opts[i], f);
	cli_print_opt(&cli_help_opt, f);
	fprintf(f, "  %-24s %s\n", "--home DIR, --json",
		"global options (see `sluice --help`)");
}

int
cli_usage(const struct cli_verb *v, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sluice %s: ", v->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_print_usage(v, stderr);
	fprintf(stderr, "(see `sluice help %s`)\n", v->name);
	return EXIT_USAGE;
}

void
cli_args_free(struct cli_args *a)
{
	size_t i;

	for (i = 0; i < a->nopts; i++)
		free(a->values[i]);
	free(a->values);
	free(a->count);
	free(a->pos);
	memset(a, 0, sizeof *a);
}

/* The index of option name in the verb's table; a name that is not there
 * is a bug in the verb (it asks for what it did not declare). */
static size_t
cli_opt_index(const struct cli_args *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nopts; i++)
		if (strcmp(a->verb->opts[i].name, name) == 0)
			return i;
	sl_fatal("sluice %s: option --%s is not declared", a->verb->name, name);
}

const char *
cli_opt_str(const struct cli_args *a, const char *name)
{
	size_t i = cli_opt_index(a, name);

	return a->count[i] > 0 ? a->values[i][a->count[i] - 1] : NULL;
}

int
cli_opt_int(const struct cli_args *a, const char *name, long long min,
	    long long max, long long *out)
{
	const struct cli_opt *o = &a->verb->opts[cli_opt_index(a, name)];
	const char *s = cli_opt_str(a, name);
	char shown[64];

	if (s == NULL || sl_parse_int(s, min, max, out) == 0)
		return 0;
	if (o->short_name != 0)
		snprintf(shown, sizeof shown, "-%c, --%s", o->short_name, o->name);
	else
		snprintf(shown, sizeof shown, "--%s", o->name);
	return cli_usage(a->verb, "%s: expected a whole number from %lld to %lld, got '%s'",
			 shown, min, max, s);
}

int
cli_opt_flag(const struct cli_args *a, const char *name)
{
	return a->count[cli_opt_index(a, name)];
}

char *const *
cli_opt_all(const struct cli_args *a, const char *name, int *n)
{
	size_t i = cli_opt_index(a, name);

	if (n != NULL)
		*n = a->count[i];
	return a->values[i];
}

/* --param NAME=VALUE and --task T are lists (cli_opt_all); every other
 * option that takes a value takes one. */
static int
cli_opt_repeats(const struct cli_opt *o)
{
	return strcmp(o->name, "param") == 0 || strcmp(o->name, "task") == 0;
}

/* " (did you mean --only-failed?)" for an unknown long option (arg as
 * typed, "--failed" or "--failed=x") close to one of v's, or one of v's
 * whose last word it is; else "". */
static int cli_verb_takes(const struct cli_verb *v, size_t n, const char *name);

static const char *
cli_opt_hint(const struct cli_verb *v, const char *arg)
{
	static char hint[96];
	char word[64];
	const char *best = NULL;
	struct text_near near;
	size_t lw, n = cli_nopts(v);

	hint[0] = '\0';
	if (strncmp(arg, "--", 2) != 0)
		return hint;
	snprintf(word, sizeof word, "%s", arg + 2);
	word[strcspn(word, "=")] = '\0';
	lw = strlen(word);
	text_near_init(&near, word);
	for (size_t i = 0; i < n; i++)
		text_near_add(&near, v->opts[i].name);
	best = text_near_best(&near);
	for (size_t i = 0; best == NULL && lw > 0 && i < n; i++) {
		const char *name = v->opts[i].name;
		size_t ln = strlen(name);

		if (ln > lw && name[ln - lw - 1] == '-' &&
		    strcmp(name + ln - lw, word) == 0)
			best = name;
	}
	if (best == NULL && (strcmp(word, "conf") == 0 || strcmp(word, "params") == 0) &&
	    cli_verb_takes(v, n, "param"))
		/* a run's params as one JSON object, elsewhere */
		snprintf(hint, sizeof hint, " (params go one each: --param NAME=VALUE)");
	else if (best != NULL)
		snprintf(hint, sizeof hint, " (did you mean --%s?)", best);
	return hint;
}

/* Does v (n options) take option name? */
static int
cli_verb_takes(const struct cli_verb *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v->opts[i].name, name) == 0)
			return 1;
	return 0;
}

/* Is s written NAME=VALUE, as a param is (NAME a param's name)? */
static int
cli_looks_like_param(const char *s)
{
	size_t k = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

	return k > 0 && s[k] == '=';
}

int
cli_parse(const struct cli_verb *v, int argc, char **argv, struct cli_args *a)
{
	size_t n = cli_nopts(v), i;
	struct option *longopts = xcalloc(n + 2, sizeof *longopts);
	struct buf shortopts;
	int r = 0, ch;

	memset(a, 0, sizeof *a);
	a->verb = v;
	a->nopts = n;
	a->count = xcalloc(n + 1, sizeof *a->count);
	a->values = xcalloc(n + 1, sizeof *a->values);
	a->pos = xcalloc((size_t)argc + 1, sizeof *a->pos);
	/* ':' first: a missing argument is reported as ':', not '?' */
	buf_init(&shortopts, 0);
	buf_adds(&shortopts, ":");
	for (i = 0; i < n; i++) {
		a->values[i] = xcalloc((size_t)argc + 1, sizeof *a->values[i]);
		longopts[i].name = v->opts[i].name;
		longopts[i].has_arg = v->opts[i].arg ? required_argument : no_argument;
		longopts[i].val = 256 + (int)i;
		if (v->opts[i].short_name != 0) {
			buf_addc(&shortopts, v->opts[i].short_name);
			if (v->opts[i].arg)
				buf_addc(&shortopts, ':');
		}
	}
	longopts[n].name = "help";
	longopts[n].val = 'h';
	buf_addc(&shortopts, 'h');
	opterr = 0;
	optind = 0;		/* start afresh (glibc) */
	while ((ch = getopt_long(argc, argv, buf_str(&shortopts), longopts,
				 NULL)) != -1) {
		if (ch == 'h') {
			a->help = 1;
			continue;
		}
		if (ch == '?' || ch == ':') {
			char what[64];

			if (optopt >= 256 && (size_t)(optopt - 256) < n)
				snprintf(what, sizeof what, "--%s",
					 v->opts[optopt - 256].name);
			else if (optopt != 0)
				snprintf(what, sizeof what, "-%c", optopt);
			else
				snprintf(what, sizeof what, "%s",
					 argv[optind - 1]);
			if (ch == ':')
				r = cli_usage(v, "option %s needs an argument",
					      what);
			else
				r = cli_usage(v, "unknown option %s%s", what,
					      cli_opt_hint(v, what));
			break;
		}
		if (ch < 256) {
			/* a short name: find its entry */
			for (i = 0; i < n && v->opts[i].short_name != ch; i++)
				;
		} else {
			i = (size_t)(ch - 256);
		}
		if (i >= n)
			continue;
		/* a value from an unset variable ("--partition $P") or one
		 * option given twice would be dropped for a default or the
		 * last one, silently */
		if (v->opts[i].arg && optarg[0] == '\0') {
			r = cli_usage(v, "option --%s needs a value, got an empty one",
				      v->opts[i].name);
			break;
		}
		/* `-p region=eu`, as other tools spell a param: a partition
		 * key never holds '=' (partition_key_ok), so say what -p is */
		if (strcmp(v->opts[i].name, "partition") == 0 &&
		    cli_verb_takes(v, n, "param") && cli_looks_like_param(optarg)) {
			r = cli_usage(v, "'%s' is a param, not a partition: -p is --partition; "
				      "a param is --param %s", optarg, optarg);
			break;
		}
		if (v->opts[i].arg && !cli_opt_repeats(&v->opts[i]) && a->count[i] > 0 &&
		    strcmp(a->values[i][a->count[i] - 1], optarg) != 0) {
			r = cli_usage(v, "option --%s given twice ('%s', '%s'): it takes one",
				      v->opts[i].name, a->values[i][a->count[i] - 1], optarg);
			break;
		}
		a->values[i][a->count[i]++] = v->opts[i].arg ? optarg : NULL;
	}
	if (r == 0) {
		for (; optind < argc; optind++)
			a->pos[a->npos++] = argv[optind];
	}
	buf_free(&shortopts);
	free(longopts);
	if (r != 0)
		cli_args_free(a);
	return r;
}

void
cli_params_error(const struct sl_err *err)
{
	const char *name = err->msg + strlen("param '"), *end;

	if (strncmp(err->msg, "param '", 7) == 0 &&
	    (end = strchr(name, '\'')) != NULL &&
	    strcmp(end, "' is required (it has no default)") == 0) {
		fprintf(stderr, "sluice: %s: give it with --param %.*s=VALUE\n",
			err->msg, (int)(end - name), name);
		return;
	}
	cli_error(err->msg);
}

/* "--param takes NAME=VALUE": for a JSON object (as other orchestrators
 * take a run's params), the --param words it would be. */
static void
cli_param_usage(const struct cli_verb *v, const char *kv)
{
	json_t *o = json_loads(kv, 0, NULL), *x;
	const char *name;
	struct buf b;

	if (!json_is_object(o) || json_object_size(o) == 0) {
		json_decref(o);
		cli_usage(v, "--param takes NAME=VALUE, got '%s'", kv);
		return;
	}
	buf_init(&b, 0);
	json_object_foreach(o, name, x) {
		char *text = json_is_string(x) ? xstrdup(json_string_value(x)) :
			     json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT);
		char *word = xasprintf("%s=%s", name, text ? text : "");
		char *q = shquote_arg(word);

		buf_printf(&b, " --param %s", q);
		free(q);
		free(word);
		free(text);
	}
	cli_usage(v, "--param takes NAME=VALUE, one param each, not a JSON "
		  "object: %s", buf_str(&b) + 1);
	buf_free(&b);
	json_decref(o);
}

int
cli_opt_params(const struct cli_verb *v, const struct cli_args *a,
	       json_t **out)
{
	char *const *kvs = cli_opt_all(a, "param", NULL);

	*out = NULL;
	for (int i = 0; kvs != NULL && kvs[i] != NULL; i++) {
		const char *kv = kvs[i], *eq = strchr(kv, '=');
		json_t *val;
		char *k;

		if (eq == NULL || eq == kv) {
			json_decref(*out);
			*out = NULL;
			cli_param_usage(v, kv);
			return -1;
		}
		/* the text as typed: dag_params_check converts it to the
		 * param's declared type ("20" for an integer); read as JSON,
		 * a string param's 12.50 became 12.5, 1e3 1000.0 and null
		 * was refused */
		k = xstrndup(kv, (size_t)(eq - kv));
		if ((val = json_string(eq + 1)) == NULL) {
			/* jansson takes UTF-8 only: the param was left out,
			 * and the run took its default */
			cli_usage(v, "param '%s' must be UTF-8 text", k);
			free(k);
			json_decref(*out);
			*out = NULL;
			return -1;
		}
		if (json_object_get(*out, k) != NULL) {
			/* which one was meant? (the API refuses a name twice
			 * in its JSON too) */
			cli_usage(v, "param '%s' is given twice: --param %s "
				  "once", k, k);
			json_decref(val);
			free(k);
			json_decref(*out);
			*out = NULL;
			return -1;
		}
		if (*out == NULL)
			*out = json_object();
		json_object_set_new(*out, k, val);
		free(k);
	}
	return 0;
}
