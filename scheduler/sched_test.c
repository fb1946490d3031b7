/*
 * sched_test.c: `sluice test`: one try in the foreground (see
 * sched_internal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "base/spawn.h"
#include "executors/registry.h"
#include "operators/notify.h"
#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "scheduler/sched_internal.h"
#include "scheduler/state.h"
#include "scheduler/template.h"
#include "scheduler/try.h"
#include "scheduler/tz.h"
#include "store/store.h"

extern char **environ;

/*
 * `sluice test`: one try of one task in the foreground, output to the
 * terminal, nothing recorded. Returns the exit status.
 */
int
sched_test_task(struct config *cfg, struct dag *dag, struct task *t,
		const char *partition, int64_t start_s, int64_t end_s,
		struct sl_err *err)
{
	struct try_ctx c;
	struct spawn_opts o;
	char self_exe[PATH_MAX] = "";
	char **argv, **envp, *stdin_text = NULL, *run_id, *cwd;
	pid_t pid;
	int status, rc, poke = operator_is_sensor(t->op);
	ssize_t n;

	n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
	if (n > 0)
		self_exe[n] = '\0';
	run_id = try_run_id("test", partition);
	memset(&c, 0, sizeof c);
	c.cfg = cfg;
	c.dag = dag;
	c.task = t;
	c.partition = partition;
	c.run_id = run_id;
	c.start_s = start_s;
	c.end_s = end_s;
	c.params = dag->params;
	c.try_number = 1;
	c.self_exe = self_exe;
	argv = try_argv(&c, poke, &stdin_text, err);
	envp = argv ? try_env(&c, err) : NULL;
	if (argv == NULL || envp == NULL) {
		strv_free(argv);
		free(stdin_text);
		free(run_id);
		return -1;
	}
	cwd = try_cwd(&c);
	memset(&o, 0, sizeof o);
	o.argv = argv;
	o.env = envp;
	o.cwd = cwd;
	/* an operator reads its spec on stdin; a shell command gets the
	 * terminal's */
	o.in = stdin_text ? SPAWN_STDIN_DATA : SPAWN_STDIN_INHERIT;
	o.data = stdin_text;
	o.len = stdin_text ? strlen(stdin_text) : 0;
	o.out_fd = -1;
	rc = spawn_start(&o, &pid, err);
	free(cwd);
	strv_free(argv);
	try_env_free(envp);
	free(stdin_text);
	free(run_id);
	if (rc < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
