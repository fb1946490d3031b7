/*
 * cli_complete.c: `sluice complete -- CWORD WORDS...`, the candidates for
 * the word at index CWORD of a command line being typed (WORDS[0] is the
 * program), one per line: what the bash completion script
 * (contrib/sluice.bash) calls, so the script stays a few lines and the
 * candidates come from the same tables as the parser. Verbs from the verb
 * table, options from the verb's option table, positional arguments from
 * its usage lines: a lowercase word is itself (a sub-verb), DAG the DAG
 * names of the home, TASK the DAG's task names, P or PARTITION the
 * partition keys of its runs. The home is the command line's --home, else
 * SLUICE_HOME, else the build's default home (config_home), as for any
 * verb; a home that cannot be read gives no names (and no error).
 */
#include "scheduler/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "scheduler/config.h"
#include "store/store.h"

/* Partition keys offered, newest first. */
#define COMPLETE_MAX_PARTITIONS 500

struct complete {
	struct cli *c;
	const char *cur;		/* the word being completed */
	const char *dag;		/* the DAG named so far, or NULL */
	int home_ok;			/* -1 not tried, 0 failed, 1 loaded */
};

/* Is word one of the '|'-separated alternatives alts (length n)? */
static int
complete_alt_has(const char *alts, size_t n, const char *word)
{
	size_t wl = strlen(word), i = 0;

	while (i <= n) {
		size_t j = i;

		while (j < n && alts[j] != '|')
			j++;
		if (j - i == wl && strncmp(alts + i, word, wl) == 0)
			return 1;
		i = j + 1;
	}
	return 0;
}

static void
complete_offer(const struct complete *k, const char *word)
{
	if (strncmp(word, k->cur, strlen(k->cur)) == 0)
		printf("%s\n", word);
}

/* Load the home's config and DAG folder. */
static int
complete_home(struct complete *k)
{
	/* its errors go to stderr, which the completion script drops */
	if (k->home_ok < 0)
		k->home_ok = cli_open(k->c, 0, 1) == 0;
	return k->home_ok;
}

static void
complete_dags(struct complete *k)
{
	if (!complete_home(k))
		return;
	for (int i = 0; i < k->c->bag.n; i++)
		if (k->c->bag.entries[i].dag != NULL)
			complete_offer(k, k->c->bag.entries[i].dag->name);
}

static void
complete_tasks(struct complete *k)
{
	const struct dag *d;

	if (k->dag == NULL || !complete_home(k) ||
	    (d = dagbag_find(&k->c->bag, k->dag)) == NULL)
		return;
	for (int i = 0; i < d->ntasks; i++)
		complete_offer(k, d->tasks[i].name);
}

static void
complete_partitions(struct complete *k)
{
	struct sl_err err;
	json_t *runs, *r;
	size_t i;

	if (k->dag == NULL || !complete_home(k) ||
	    access(k->c->cfg->db_path, R_OK) != 0)
		return;	/* never create a database to complete a word */
	sl_err_clear(&err);
	if (k->c->store == NULL &&
	    store_open(k->c->cfg->db_path, &k->c->store, &err) < 0)
		return;
	runs = store_runs_json(k->c->store, k->dag, INT64_MIN, INT64_MAX, NULL,
			       COMPLETE_MAX_PARTITIONS, 0);
	json_array_foreach(runs, i, r)
		complete_offer(k, json_string_value(json_object_get(r, "partition")));
	json_decref(runs);
}

/* NAME= for each param the DAG declares; once NAME= is typed, the
 * values of its enum: (true and false for a boolean). */
static void
complete_params(struct complete *k)
{
	const struct dag *d;
	const char *name;
	json_t *decl, *v;
	const char *eq = strchr(k->cur, '=');
	char word[512];
	size_t i;

	if (k->dag == NULL || !complete_home(k) ||
	    (d = dagbag_find(&k->c->bag, k->dag)) == NULL || d->param_decls == NULL)
		return;
	json_object_foreach(d->param_decls, name, decl) {
		json_t *values = json_object_get(decl, "enum");
		const char *type = json_string_value(json_object_get(decl, "type"));

		if (eq == NULL) {
			snprintf(word, sizeof word, "%s=", name);
			complete_offer(k, word);
			continue;
		}
		if ((size_t)(eq - k->cur) != strlen(name) ||
		    strncmp(k->cur, name, strlen(name)) != 0)
			continue;
		if (!json_is_array(values) && type != NULL &&
		    strcmp(type, "boolean") == 0) {
			snprintf(word, sizeof word, "%s=true", name);
			complete_offer(k, word);
			snprintf(word, sizeof word, "%s=false", name);
			complete_offer(k, word);
		}
		json_array_foreach(values, i, v) {
			char text[256];

			if (json_is_string(v))
				snprintf(text, sizeof text, "%s", json_string_value(v));
			else if (json_is_integer(v))
				snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT,
					 json_integer_value(v));
			else
				continue;
			snprintf(word, sizeof word, "%s=%s", name, text);
			complete_offer(k, word);
		}
	}
}

/* Candidates for a value named by a usage placeholder or an option's
 * argument ("DAG", "TASK", "TASK[N]", "P", "PARTITION...", "NAME=VALUE",
 * "a|b"). */
static void
complete_placeholder(struct complete *k, const char *ph, size_t n)
{
	char word[128];

	if (n > 3 && strncmp(ph + n - 3, "...", 3) == 0)
		n -= 3;
	if (n == 0 || n >= sizeof word)
		return;
	memcpy(word, ph, n);
	word[n] = '\0';
	if (strcmp(word, "DAG") == 0)
		complete_dags(k);
	else if (strcmp(word, "TASK") == 0 || strcmp(word, "T") == 0 ||
		 strcmp(word, "TASK[N]") == 0)
		complete_tasks(k);
	else if (strcmp(word, "NAME=VALUE") == 0)
		complete_params(k);
	else if (strcmp(word, "P") == 0 || strcmp(word, "PARTITION") == 0)
		complete_partitions(k);
	else if (word[0] >= 'a' && word[0] <= 'z') {
		/* literal words: "list", "success|failed" */
		for (size_t i = 0, j; i <= n; i = j + 1) {
			for (j = i; j < n && word[j] != '|'; j++)
				;
			word[j] = '\0';
			complete_offer(k, word + i);
		}
	}
}

static const struct cli_opt *
complete_opt(const struct cli_verb *v, const char *word)
{
	if (v == NULL || v->opts == NULL)
		return NULL;
	for (const struct cli_opt *o = v->opts; o->name != NULL; o++) {
		if (word[0] == '-' && word[1] == '-' && strcmp(word + 2, o->name) == 0)
			return o;
		if (word[0] == '-' && o->short_name != 0 && word[1] == o->short_name &&
		    word[2] == '\0')
			return o;
	}
	return NULL;
}

/* The positional words of one usage line (options in [...] and -x
 * skipped) as offsets into line; returns how many. */
static int
complete_usage_words(const char *line, size_t len, const char **w,
		     size_t *wl, int max)
{
	int n = 0, depth = 0;
	size_t i = 0;

	while (i < len && n < max) {
		size_t j;

		while (i < len && line[i] == ' ')
			i++;
		j = i;
		while (j < len && line[j] != ' ')
			j++;
		if (j == i)
			break;
		/* outside brackets before the word (TASK[N] is one) */
		if (line[i] != '[' && line[i] != '-' && line[i] != '<' &&
		    depth == 0) {
			w[n] = line + i;
			wl[n++] = j - i;
		}
		for (size_t x = i; x < j; x++)
			depth += line[x] == '[' ? 1 : line[x] == ']' ? -1 : 0;
		i = j;
	}
	return n;
}

/* Offer what can come at positional index npos of v, given the
 * positional words before it. */
static void
complete_positional(struct complete *k, const struct cli_verb *v,
		    char **pos, int npos)
{
	const char *p = v->usage != NULL ? v->usage : "";

	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		const char *w[32];
		size_t wl[32];
		int n = complete_usage_words(p, len, w, wl, 32), ok = 1;

		k->dag = NULL;
		for (int i = 0; i < npos && ok; i++) {
			int t = i < n ? i : n - 1;

			if (t < 0 || (i >= n && (wl[t] < 3 ||
			    strncmp(w[t] + wl[t] - 3, "...", 3) != 0)))
				ok = 0;
			else if (w[t][0] >= 'a' && w[t][0] <= 'z') {
				/* a literal: must be typed as it is */
				ok = complete_alt_has(w[t], wl[t], pos[i]);
			} else if (wl[t] == 3 && strncmp(w[t], "DAG", 3) == 0)
				k->dag = pos[i];
		}
		if (ok) {
			if (npos < n)
				complete_placeholder(k, w[npos], wl[npos]);
			else if (n > 0 && wl[n - 1] > 3 &&
				 strncmp(w[n - 1] + wl[n - 1] - 3, "...", 3) == 0)
				complete_placeholder(k, w[n - 1], wl[n - 1]);
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
}

static int
complete_run(struct cli *c, const struct cli_args *a)
{
	struct complete k = { c, "", NULL, -1 };
	const struct cli_verb *v = NULL;
	char **pos, **words;
	int cword, npos = 0, nwords = a->npos - 1, help = 0;
	const char *prev = NULL;
	char *end;

	if (a->npos < 2)
		return cli_usage(&cli_complete, "needs CWORD and the words");
	cword = (int)strtol(a->pos[0], &end, 10);
	if (*end != '\0' || cword < 1 || cword > nwords)
		return cli_usage(&cli_complete, "CWORD must be 1..%d", nwords);
	words = a->pos + 1;
	k.cur = cword < nwords ? words[cword] : "";
	pos = xcalloc((size_t)nwords + 1, sizeof *pos);
	for (int i = 1; i < cword; i++) {
		const char *w = words[i];
		const struct cli_opt *o;

		if (strcmp(w, "--home") == 0 && i + 1 < cword) {
			c->home_flag = words[++i];
		} else if (strncmp(w, "--home=", 7) == 0) {
			c->home_flag = w + 7;
		} else if (w[0] == '-' && strcmp(w, "-") != 0) {
			/* an option: skip its argument */
			if ((o = complete_opt(v, w)) != NULL && o->arg != NULL &&
			    strchr(w, '=') == NULL && i + 1 < cword)
				i++;
		} else if (v == NULL && !help) {
			if (strcmp(w, "help") == 0)
				help = 1;
			else if ((v = NULL, 1)) {
				for (size_t j = 0; cli_verbs[j] != NULL; j++)
					if (strcmp(cli_verbs[j]->name, w) == 0)
						v = cli_verbs[j];
				if (v == NULL)
					goto out;	/* an unknown verb */
			}
		} else
			pos[npos++] = words[i];
	}
	prev = cword > 1 ? words[cword - 1] : "";
	if (strcmp(prev, "--home") == 0)
		goto out;	/* a folder: the shell's own completion */
	if (v != NULL) {
		const struct cli_opt *o = complete_opt(v, prev);

		if (o != NULL && o->arg != NULL) {
			/* the option's argument */
			k.dag = npos > 0 ? pos[0] : NULL;
			complete_placeholder(&k, o->arg, strlen(o->arg));
			goto out;
		}
	}
	if (k.cur[0] == '-') {
		complete_offer(&k, "--home");
		complete_offer(&k, "--json");
		complete_offer(&k, "--help");
		if (v == NULL)
			complete_offer(&k, "--version");
		for (const struct cli_opt *o = v != NULL ? v->opts : NULL;
		     o != NULL && o->name != NULL; o++) {
			char opt[96];

			snprintf(opt, sizeof opt, "--%s", o->name);
			complete_offer(&k, opt);
		}
	} else if (v == NULL) {
		if (help && npos > 0)
			goto out;
		for (size_t j = 0; cli_verbs[j] != NULL; j++)
			complete_offer(&k, cli_verbs[j]->name);
		if (!help)
			complete_offer(&k, "help");
	} else
		complete_positional(&k, v, pos, npos);
out:
	free(pos);
	return 0;
}

const struct cli_verb cli_complete = {
	"complete", "the candidates for a word of a command line being typed",
	"-- CWORD sluice WORDS...",
	"Prints the candidates for word CWORD of the words that follow (the\n"
	"first is the program), one per line: verbs, options, and the DAG names,\n"
	"task names and partition keys of the home the words name. The bash\n"
	"completion of sluice calls it.\n",
	NULL,
	complete_run,
};
