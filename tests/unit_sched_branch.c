/*
 * unit_sched_branch.c: a branch task holds its direct downstream tasks
 * until it has ended, whatever their trigger rules (always included), in
 * the deterministic harness (scheduler/sched_output.c, the hook in
 * sched_dispatch.c). Once it ended: succeeded, the tasks it did not name
 * are skipped and the named ones follow their rules; failed or skipped,
 * every direct downstream task follows its rule (always runs). Meanwhile
 * the API's waiting reason names the branch task.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scheduler/config.h"
#include "scheduler/sched_internal.h"
#include "scheduler/wait.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"

#define STATE(task, part) h_ti("br", task, part, "state")

static void
wide_cfg(struct config *cfg)
{
	cfg->parallelism = 1000;
	json_object_set_new(cfg->pools, "default", json_integer(1000));
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The tries started since the order was reset, pick's first: the names
 * after it, sorted ("?" when pick did not start first; static). */
static const char *
after_pick(void)
{
	static char out[256];
	char names[8][32];
	const char *o = h_order();
	size_t n = 0, len = 0;

	if (strncmp(o, "pick", 4) != 0 || (o[4] != ',' && o[4] != '\0'))
		return "?";
	o += 4;
	while (*o == ',' && n < SL_ARRAY_LEN(names)) {
		size_t l = strcspn(++o, ",");

		snprintf(names[n++], sizeof names[0], "%.*s", (int)l, o);
		o += l;
	}
	qsort(names, n, sizeof names[0], name_cmp);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%s",
					i ? "," : "", names[i]);
	return out;
}

static const struct h_dag_file files[] = {
	{ "br.yaml", "dag: br\nmax_active_tasks: 100\ntasks:\n"
		     "  pick: {command: \"true\", branch: true, retries: 0}\n"
		     "  a: {after: [pick], trigger_rule: always, command: \"true\"}\n"
		     "  b: {after: [pick], trigger_rule: always, command: \"true\"}\n"
		     "  c: {after: [pick], command: \"true\"}\n" },
	{ NULL, NULL },
};

static void
test_branch_holds_downstream(void)
{
	static const struct {
		const char *partition;
		const char *output;	/* what pick writes */
		int exit_code;		/* how pick ends (99: skip code) */
		const char *pick, *a, *b, *c;
		const char *after;	/* the tries started after pick's, by name */
	} cases[] = {
		/* chooses b: a skipped, b after pick; c (all_success) skipped */
		{ "b", "branch=b\n", 0, "success", "skipped", "success", "skipped", "b" },
		{ "ac", "branch=a,c\n", 0, "success", "success", "skipped", "success", "a,c" },
		/* fails: each follows its rule once pick has ended */
		{ "fail", "branch=b\n", 1, "failed", "success", "success", "upstream_failed", "a,b" },
		/* skipped by its skip code: the same */
		{ "skip", "", 99, "skipped", "success", "success", "skipped", "a,b" },
	};

	h_open(files, wide_cfg);
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		const char *p = cases[i].partition;
		const char *out = h_env("pick", "SLUICE_OUTPUT");
		struct sl_err err;

		h_order_reset();
		h_trigger("br", p);
		/* pick runs; a and b (always) wait for it */
		CHECK_MSG(h_running("pick") == 1, "%s: pick does not run", p);
		CHECK_MSG(h_running(NULL) == 1, "%s: %d tries run before pick ended",
			  p, h_running(NULL));
		CHECK_MSG(strcmp("none", STATE("a", p)) == 0, "%s a: %s", p, STATE("a", p));
		CHECK_MSG(strcmp("none", STATE("b", p)) == 0, "%s b: %s", p, STATE("b", p));
		/* the API says why a waits */
		{
			struct sched *sc = h_sched();
			json_t *why = NULL;

			sl_err_clear(&err);
			CHECK_EQ_INT(0, wait_explain_ti(h_store(), sc->cfg, &sc->execs, &sc->bag,
							h_dag("br"), p, "a", h_now(), &why, &err));
			CHECK_EQ_STR("upstream", json_string_value(json_object_get(why, "kind")));
			CHECK_EQ_STR("waits for its branch task pick to decide (running)",
				     json_string_value(json_object_get(why, "text")));
			json_decref(why);
		}
		/* a pass more changes nothing */
		h_advance(60000);
		CHECK_MSG(h_running(NULL) == 1, "%s: %d tries run before pick ended",
			  p, h_running(NULL));
		out = h_env("pick", "SLUICE_OUTPUT");
		CHECK(out != NULL && *out != '\0');
		if (out != NULL && *out != '\0')
			CHECK_EQ_INT(0, sl_write_file(out, cases[i].output,
						      strlen(cases[i].output), 0644, &err));
		CHECK_EQ_INT(0, h_end("pick", p, cases[i].exit_code));
		h_end_all();
		CHECK_MSG(strcmp(cases[i].pick, STATE("pick", p)) == 0, "%s pick: %s", p, STATE("pick", p));
		CHECK_MSG(strcmp(cases[i].a, STATE("a", p)) == 0, "%s a: %s", p, STATE("a", p));
		CHECK_MSG(strcmp(cases[i].b, STATE("b", p)) == 0, "%s b: %s", p, STATE("b", p));
		CHECK_MSG(strcmp(cases[i].c, STATE("c", p)) == 0, "%s c: %s", p, STATE("c", p));
		CHECK_MSG(strcmp(cases[i].after, after_pick()) == 0, "%s order: %s", p, h_order());
	}
	h_close();
}

int
main(void)
{
	unsetenv("TZ");
	RUN(test_branch_holds_downstream);
	return UNIT_END();
}
