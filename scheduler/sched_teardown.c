/*
 * sched_teardown.c: the scheduler's side of setup and teardown tasks
 * (scheduler/dag_scope.h): when a teardown runs, and what its failure
 * means for its run (see sched_internal.h).
 */
#include "scheduler/sched_internal.h"

enum trigger_decision
sched_teardown_decide(const struct ti *ti, const struct upstream_counts *c)
{
	const struct task *t = ti_task(ti);
	const struct ti *setup = &ti->run->tis[t->teardown_of];

	switch (setup->state) {
	case TI_SUCCESS:
		/* its upstream: the setup and every task of the scope */
		return c->done == c->total ? TRIGGER_RUN : TRIGGER_WAIT;
	case TI_FAILED:
	case TI_UPSTREAM_FAILED:
		return TRIGGER_UPSTREAM_FAILED;
	case TI_SKIPPED:
		return TRIGGER_SKIP;
	default:
		return TRIGGER_WAIT;
	}
}

int
sched_teardown_setup_pending(const struct ti *ti)
{
	const struct task *t = ti_task(ti);

	for (int k = 0; k < t->nsetups; k++)
		if (!ti_state_done(ti->run->tis[t->setups[k]].state))
			return 1;
	return 0;
}

void
sched_teardown_setup_ended(struct sched *s, struct ti *ti)
{
	const struct dag *d = ti->run->dag;

	for (int i = 0; i < d->ntasks; i++)
		for (int k = 0; k < d->tasks[i].nsetups; k++)
			if (d->tasks[i].setups[k] == ti->task &&
			    ti->run->tis[i].state == TI_NONE)
				sched_dispatch_eval(s, &ti->run->tis[i]);
}

int
sched_teardown_counts(const struct run *r, int i)
{
	const struct task *t = &r->dag->tasks[i];

	return !(t->is_teardown && t->teardown_ignore &&
		 r->tis[i].state == TI_FAILED);
}
