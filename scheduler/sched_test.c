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
#include "scheduler/output.h"
#include "store/store.h"

extern char **environ;

/* What a test try wrote to $SLUICE_OUTPUT, on stderr. */
static void
test_show_output(const char *path)
{
	struct sl_err err;
	json_t *out = NULL;
	char *text;

	sl_err_clear(&err);
	if (output_read(path, &out, &err) < 0) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		return;
	}
	if (out == NULL)
		return;
	text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	fprintf(stderr, "sluice: output: %s\n", text ? text : "?");
	free(text);
	json_decref(out);
}

/*
 * `sluice test`: one try of one task in the foreground, output to the
 * terminal, nothing recorded. Returns the exit status.
 */
int
sched_test_task(struct config *cfg, struct dag *dag, struct task *t,
		const char *partition, int64_t start_s, int64_t end_s,
		const json_t *params, const json_t *item, const char *task_name,
		const json_t *outputs, struct sl_err *err)
{
	struct try_ctx c;
	struct spawn_opts o;
	char self_exe[PATH_MAX] = "";
	char **argv, **envp, *stdin_text = NULL, *run_id, *cwd;
	char out_path[] = "/tmp/sluice-test-output.XXXXXX";
	pid_t pid;
	int status, rc, poke = operator_is_sensor(t->op), out_fd;
	ssize_t n;

	n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
	if (n > 0)
		self_exe[n] = '\0';
	run_id = try_run_id("test", partition);
	memset(&c, 0, sizeof c);
	c.cfg = cfg;
	c.dag = dag;
	c.task = t;
	c.task_name = task_name;
	c.item = item;
	c.partition = partition;
	c.run_id = run_id;
	c.start_s = start_s;
	c.end_s = end_s;
	c.params = params;
	c.try_number = 1;
	c.self_exe = self_exe;
	c.outputs = outputs;
	/* its output goes to a file of its own, shown at the end: a test
	 * records nothing, not even next to a real try's log */
	if ((out_fd = mkstemp(out_path)) >= 0) {
		close(out_fd);
		c.output_path = out_path;
	}
	argv = try_argv(&c, poke, &stdin_text, err);
	envp = argv ? try_env(&c, err) : NULL;
	if (argv == NULL || envp == NULL) {
		strv_free(argv);
		free(stdin_text);
		free(run_id);
		if (out_fd >= 0)
			unlink(out_path);
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
	if (rc < 0) {
		if (out_fd >= 0)
			unlink(out_path);
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out_fd >= 0) {
		test_show_output(out_path);
		unlink(out_path);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
