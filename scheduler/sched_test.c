/*
 * sched_test.c: `sluice test`: one try in the foreground (see
 * sched_internal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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
#include "executors/out_mask.h"
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

/* Where a masker's output goes: this process's stdout or stderr (arg). */
static void
test_out_sink(void *arg, const char *p, size_t n)
{
	int fd = *(const int *)arg;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* The test try's stdout and stderr (the read ends in fds), each to this
 * process's own, their secret values masked as in a real try's log, until
 * both end or the try (pid) has ended and nothing more is there to read (a
 * process it left behind may hold them open); reaps pid into *status. */
static void
test_copy_masked(const int fds[2], char *const *secrets, pid_t pid, int *status)
{
	static const int to[2] = { STDOUT_FILENO, STDERR_FILENO };
	struct out_mask m[2];
	struct pollfd p[2];
	char chunk[8192];
	int open_ = 2, ended = 0;

	for (int i = 0; i < 2; i++) {
		memset(&m[i], 0, sizeof m[i]);
		out_mask_set_list(&m[i], secrets);
		p[i].fd = fds[i];
		p[i].events = POLLIN;
	}
	while (open_ > 0) {
		int ready = poll(p, 2, ended ? 0 : 200);

		if (ready < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (ready == 0) {
			if (ended)
				break;	/* ended, and its output read */
			ended = waitpid(pid, status, WNOHANG) == pid;
			continue;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			n = read(p[i].fd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				p[i].fd = -1;
				open_--;
				continue;
			}
			out_mask_write(&m[i], chunk, (size_t)n, test_out_sink, (void *)&to[i]);
		}
	}
	for (int i = 0; i < 2; i++) {
		out_mask_flush(&m[i], test_out_sink, (void *)&to[i]);
		out_mask_free(&m[i]);
	}
	while (!ended && waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
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
	int status, rc, poke = operator_is_sensor(t->op), out_fd, out_pipe[2] = { -1, -1 };
	int err_pipe[2] = { -1, -1 }, reaped = 0;
	char **secrets;
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
	/* a try with secret values: its output (stdout and stderr both)
	 * comes through a pipe and is masked as its log would be */
	secrets = try_secrets(&c, envp);
	if (secrets != NULL && secrets[0] != NULL) {
		if (pipe2(out_pipe, O_CLOEXEC) < 0) {
			out_pipe[0] = out_pipe[1] = -1;
		} else if (pipe2(err_pipe, O_CLOEXEC) < 0) {
			close(out_pipe[0]);
			close(out_pipe[1]);
			out_pipe[0] = out_pipe[1] = -1;
		}
	}
	memset(&o, 0, sizeof o);
	o.argv = argv;
	o.env = envp;
	o.cwd = cwd;
	/* an operator reads its spec on stdin; a shell command gets the
	 * terminal's */
	o.in = stdin_text ? SPAWN_STDIN_DATA : SPAWN_STDIN_INHERIT;
	o.data = stdin_text;
	o.len = stdin_text ? strlen(stdin_text) : 0;
	o.out_fd = out_pipe[1];
	o.err_fd = err_pipe[1];
	rc = spawn_start(&o, &pid, err);
	if (out_pipe[0] >= 0) {
		int fds[2] = { out_pipe[0], err_pipe[0] };

		close(out_pipe[1]);
		close(err_pipe[1]);
		if (rc == 0) {
			fflush(stdout);
			fflush(stderr);
			test_copy_masked(fds, secrets, pid, &status);
			reaped = 1;
		}
		close(out_pipe[0]);
		close(err_pipe[0]);
	}
	strv_free(secrets);
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
	while (!reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out_fd >= 0) {
		test_show_output(out_path);
		unlink(out_path);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
