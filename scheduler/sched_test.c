/* sched_test.c: `sluice test`: one try in the foreground (see sched_internal.h). */
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
	char self_exe[PATH_MAX] = "";
	char **argv, **envp, *stdin_text = NULL, *run_id, *cwd;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc, infd = -1, poke = operator_is_sensor(t->op);
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
	posix_spawn_file_actions_init(&fa);
	if (stdin_text != NULL) {
		char path[] = "/tmp/sluice-stdin.XXXXXX";

		infd = mkostemp(path, O_CLOEXEC);
		if (infd >= 0) {
			unlink(path);
			if (write(infd, stdin_text, strlen(stdin_text)) < 0)
				sl_err_set(err, "cannot write a temp file");
			lseek(infd, 0, SEEK_SET);
			posix_spawn_file_actions_adddup2(&fa, infd, 0);
		}
	}
	cwd = try_cwd(&c);
	if (cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (infd >= 0)
		close(infd);
	free(cwd);
	strv_free(argv);
	try_env_free(envp);
	free(stdin_text);
	free(run_id);
	if (rc != 0)
		return sl_err_set(err, "cannot start the command: %s", strerror(rc));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
