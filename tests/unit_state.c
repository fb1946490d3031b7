/* unit_state.c: trigger rules (a truth table) and the state machine. */
#include "scheduler/state.h"
#include "scheduler/dag.h"
#include "tests/unit.h"

/* upstream states: S success, F failed, K skipped, U upstream_failed,
 * R running (not done) */
static struct upstream_counts
counts(const char *ups)
{
	struct upstream_counts c = { 0 };

	for (const char *p = ups; *p; p++) {
		c.total++;
		switch (*p) {
		case 'S': c.success++; c.done++; break;
		case 'F': c.failed++; c.done++; break;
		case 'K': c.skipped++; c.done++; break;
		case 'U': c.upstream_failed++; c.done++; break;
		default: break;
		}
	}
	return c;
}

static const struct {
	int rule;
	const char *upstream;
	enum trigger_decision want;
} cases[] = {
	/* all_success */
	{ TR_ALL_SUCCESS, "", TRIGGER_RUN },
	{ TR_ALL_SUCCESS, "SS", TRIGGER_RUN },
	{ TR_ALL_SUCCESS, "SR", TRIGGER_WAIT },
	{ TR_ALL_SUCCESS, "SF", TRIGGER_UPSTREAM_FAILED },
	{ TR_ALL_SUCCESS, "RF", TRIGGER_UPSTREAM_FAILED },	/* early */
	{ TR_ALL_SUCCESS, "SU", TRIGGER_UPSTREAM_FAILED },
	{ TR_ALL_SUCCESS, "SK", TRIGGER_SKIP },
	{ TR_ALL_SUCCESS, "KF", TRIGGER_UPSTREAM_FAILED },
	/* all_failed */
	{ TR_ALL_FAILED, "FF", TRIGGER_RUN },
	{ TR_ALL_FAILED, "FU", TRIGGER_RUN },
	{ TR_ALL_FAILED, "FR", TRIGGER_WAIT },
	{ TR_ALL_FAILED, "FS", TRIGGER_SKIP },
	{ TR_ALL_FAILED, "FK", TRIGGER_SKIP },
	/* all_done */
	{ TR_ALL_DONE, "SFKU", TRIGGER_RUN },
	{ TR_ALL_DONE, "SR", TRIGGER_WAIT },
	/* one_success */
	{ TR_ONE_SUCCESS, "SR", TRIGGER_RUN },
	{ TR_ONE_SUCCESS, "FR", TRIGGER_WAIT },
	{ TR_ONE_SUCCESS, "FF", TRIGGER_UPSTREAM_FAILED },
	{ TR_ONE_SUCCESS, "KK", TRIGGER_SKIP },
	{ TR_ONE_SUCCESS, "FK", TRIGGER_UPSTREAM_FAILED },
	/* one_failed */
	{ TR_ONE_FAILED, "FR", TRIGGER_RUN },
	{ TR_ONE_FAILED, "UR", TRIGGER_RUN },
	{ TR_ONE_FAILED, "SR", TRIGGER_WAIT },
	{ TR_ONE_FAILED, "SS", TRIGGER_SKIP },
	{ TR_ONE_FAILED, "SK", TRIGGER_SKIP },
	/* none_failed */
	{ TR_NONE_FAILED, "SK", TRIGGER_RUN },
	{ TR_NONE_FAILED, "KK", TRIGGER_RUN },
	{ TR_NONE_FAILED, "SR", TRIGGER_WAIT },
	{ TR_NONE_FAILED, "SF", TRIGGER_UPSTREAM_FAILED },
	{ TR_NONE_FAILED, "RU", TRIGGER_UPSTREAM_FAILED },
	/* none_skipped */
	{ TR_NONE_SKIPPED, "SF", TRIGGER_RUN },
	{ TR_NONE_SKIPPED, "SU", TRIGGER_RUN },
	{ TR_NONE_SKIPPED, "SK", TRIGGER_SKIP },
	{ TR_NONE_SKIPPED, "RK", TRIGGER_SKIP },
	{ TR_NONE_SKIPPED, "SR", TRIGGER_WAIT },
	/* none_failed_min_one_success */
	{ TR_NONE_FAILED_MIN_ONE_SUCCESS, "SK", TRIGGER_RUN },
	{ TR_NONE_FAILED_MIN_ONE_SUCCESS, "KK", TRIGGER_SKIP },
	{ TR_NONE_FAILED_MIN_ONE_SUCCESS, "SF", TRIGGER_UPSTREAM_FAILED },
	{ TR_NONE_FAILED_MIN_ONE_SUCCESS, "SR", TRIGGER_WAIT },
	/* always */
	{ TR_ALWAYS, "RR", TRIGGER_RUN },
	{ TR_ALWAYS, "FU", TRIGGER_RUN },
};

static void
test_trigger_rules(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct upstream_counts c = counts(cases[i].upstream);
		enum trigger_decision got = trigger_eval(cases[i].rule, &c);

		if (got != cases[i].want) {
			fprintf(stderr, "rule %s upstream '%s': want %s, got %s\n",
				trigger_rule_name(cases[i].rule), cases[i].upstream,
				trigger_decision_name(cases[i].want),
				trigger_decision_name(got));
			unit_case_failed = 1;
		}
	}
}

static void
test_state_names(void)
{
	for (int s = 0; s < TI_NSTATES; s++)
		CHECK_EQ_INT(s, ti_state_parse(ti_state_name(s)));
	for (int s = 0; s < RUN_NSTATES; s++)
		CHECK_EQ_INT(s, run_state_parse(run_state_name(s)));
	CHECK_EQ_INT(-1, ti_state_parse("bogus"));
}

static void
test_transitions(void)
{
	/* the path of a try */
	CHECK(ti_transition_ok(TI_NONE, TI_SCHEDULED));
	CHECK(ti_transition_ok(TI_SCHEDULED, TI_QUEUED));
	CHECK(ti_transition_ok(TI_QUEUED, TI_RUNNING));
	CHECK(ti_transition_ok(TI_RUNNING, TI_SUCCESS));
	CHECK(ti_transition_ok(TI_RUNNING, TI_FAILED));
	CHECK(ti_transition_ok(TI_RUNNING, TI_UP_FOR_RETRY));
	CHECK(ti_transition_ok(TI_UP_FOR_RETRY, TI_SCHEDULED));
	CHECK(ti_transition_ok(TI_RUNNING, TI_UP_FOR_RESCHEDULE));
	CHECK(ti_transition_ok(TI_UP_FOR_RESCHEDULE, TI_RUNNING));
	CHECK(ti_transition_ok(TI_NONE, TI_UPSTREAM_FAILED));
	CHECK(ti_transition_ok(TI_NONE, TI_SKIPPED));
	/* never by the scheduler */
	CHECK(!ti_transition_ok(TI_SUCCESS, TI_RUNNING));
	CHECK(!ti_transition_ok(TI_FAILED, TI_SCHEDULED));
	CHECK(!ti_transition_ok(TI_NONE, TI_RUNNING));
	CHECK(!ti_transition_ok(TI_NONE, TI_SUCCESS));
	CHECK(!ti_transition_ok(TI_SCHEDULED, TI_SUCCESS));
	CHECK(!ti_transition_ok(TI_UPSTREAM_FAILED, TI_NONE));
	CHECK(!ti_transition_ok(TI_NSTATES, TI_NONE));
	/* done states */
	CHECK(ti_state_done(TI_SUCCESS) && ti_state_done(TI_FAILED) &&
	      ti_state_done(TI_SKIPPED) && ti_state_done(TI_UPSTREAM_FAILED));
	CHECK(!ti_state_done(TI_UP_FOR_RETRY) && !ti_state_done(TI_RUNNING));
	/* runs */
	CHECK(run_transition_ok(RUN_QUEUED, RUN_RUNNING));
	CHECK(run_transition_ok(RUN_RUNNING, RUN_SUCCESS));
	CHECK(run_transition_ok(RUN_RUNNING, RUN_FAILED));
	CHECK(!run_transition_ok(RUN_QUEUED, RUN_SUCCESS));
	CHECK(!run_transition_ok(RUN_SUCCESS, RUN_FAILED));
}

int
main(void)
{
	RUN(test_trigger_rules);
	RUN(test_state_names);
	RUN(test_transitions);
	return UNIT_END();
}
