/*
 * cluster_job.c: submits a job to a cluster, follows it to its end with its
 * state changes in the task log, and cancels it when the try is stopped.
 *
 * backend emr:     in cluster_emr.c: AddJobFlowSteps (a spark-submit
 *                  through command-runner.jar, or any jar with args),
 *                  DescribeStep every poll_interval, FailureDetails
 *                  (reason, message, log file) on failure, CancelSteps on
 *                  SIGTERM. The cluster: cluster_id, or cluster_from (the
 *                  cluster a create_cluster task of the run made). With
 *                  create_cluster: the try makes a cluster instead
 *                  (RunJobFlow, then WAITING: emr_cluster.c).
 * backend slurm:   sbatch (a script, or a command through --wrap), squeue
 *                  while queued or running, then scontrol / sacct for the
 *                  final state and exit code; the job's output file is
 *                  copied into the task log as it grows; scancel on SIGTERM.
 *                  Runs where the try runs: locally, or on a login node
 *                  through the ssh executor.
 * backend command: submit / status / cancel shell commands (YARN,
 *                  spark-submit on an edge node over SSH, ...): submit prints
 *                  the job id as its last line; status prints a state.
 *
 * command, submit, status and cancel are /bin/sh lines (OPK_SHELL_LINE):
 * the scheduler renders their templates with each value as one quoted
 * shell word before the spec reaches this file, and {job_id} is checked
 * to be a plain id (job_id_safe) before it is put in.
 *
 * The executor SIGTERMs the try's process group on timeout or clear; the
 * handler only sets a flag, and the poll loop then cancels the remote job
 * and exits non-zero.
 *
 * A little past 800 lines since the Slurm backend learnt to read a batch
 * script's own #SBATCH lines (cluster_job_script_opt): the slurm and
 * command backends share this file's process helpers (run_capture,
 * run_shell); the Slurm part is the one to move to a file of its own, as
 * the EMR one is, when it grows again.
 *
 * Follow, don't resubmit (operators/op_external.h): each backend records
 * the job it submitted with the task instance before it waits, and marks
 * it ended once it saw its end or cancelled it. A try that finds a job an
 * earlier (lost) try recorded and never saw end follows that job instead
 * of submitting (reattach: false opts out); after a clear it cancels it
 * first, then submits.
 */
#include "operators/operator.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "operators/cluster_job.h"
#include "operators/emr_cluster.h"
#include "operators/op_external.h"
#include "operators/op_log.h"
#include "operators/op_stop.h"

/* Output of a status command kept (more is an error). */
#define CAPTURE_LIMIT (1u << 20)

static const struct op_key cluster_job_keys[] = {
	{ "backend", OPK_STRING, 1, 0, "emr, slurm or command" },
	{ "poll_interval", OPK_DURATION, 0, 0,
	  "time between status checks (default 30s)" },
	{ "connection", OPK_CONNECTION, 0, 0, "emr: AWS connection" },
	{ "cluster_id", OPK_STRING, 0, 1, "emr: cluster (j-...)" },
	{ "cluster_from", OPK_STRING, 0, 0,
	  "emr: the task of this DAG (upstream) whose create_cluster made the "
	  "cluster to run on" },
	{ "create_cluster", OPK_ANY, 0, 1,
	  "emr: make a cluster (RunJobFlow) and wait until it is WAITING "
	  "instead of running a step: name, release_label, applications, "
	  "instance_groups or instance_fleets, service_role, job_flow_role, "
	  "log_uri, tags... (operators/AWS.md)" },
	{ "step_name", OPK_STRING, 0, 1, "emr: step name (default dag.task)" },
	{ "spark_submit", OPK_STRINGS, 0, 1,
	  "emr: spark-submit arguments, run through command-runner.jar" },
	{ "jar", OPK_STRING, 0, 1, "emr: jar to run (with args)" },
	{ "main_class", OPK_STRING, 0, 1, "emr: main class of the jar" },
	{ "args", OPK_STRINGS, 0, 1, "emr: arguments of the jar" },
	{ "action_on_failure", OPK_STRING, 0, 0,
	  "emr: CONTINUE (default), CANCEL_AND_WAIT, TERMINATE_CLUSTER" },
	{ "script", OPK_STRING, 0, 1, "slurm: batch script to sbatch" },
	{ "command", OPK_STRING, 0, OPK_SHELL_LINE,
	  "slurm: command to run (sbatch --wrap)" },
	{ "sbatch_args", OPK_STRINGS, 0, 1,
	  "slurm: more sbatch options (--partition=..., --time=...)" },
	{ "output", OPK_STRING, 0, 1, "slurm: job output file (sbatch's "
	  "patterns: %j job id, %x name, %u user; default "
	  "sluice-<dag>-<task>-%j.out in the working folder, or the "
	  "script's own #SBATCH --output; a --output in sbatch_args wins)" },
	{ "submit", OPK_STRING, 0, OPK_SHELL_LINE,
	  "command: submits; its last output line is the job id" },
	{ "status", OPK_STRING, 0, OPK_SHELL_LINE, "command: prints the state of {job_id}" },
	{ "cancel", OPK_STRING, 0, OPK_SHELL_LINE, "command: cancels {job_id}" },
	{ "success_states", OPK_STRINGS, 0, 0,
	  "command: states meaning success (SUCCEEDED, COMPLETED, FINISHED...)" },
	{ "failure_states", OPK_STRINGS, 0, 0,
	  "command: states meaning failure (FAILED, KILLED, CANCELLED...)" },
	{ "reattach", OPK_BOOL, 0, 0,
	  "a try that finds the job a lost earlier try submitted follows it "
	  "instead of submitting again (default true)" },
	{ NULL, 0, 0, 0, NULL },
};

/* The checks of backend emr: which cluster, and what to run on it. */
static void
cluster_job_check_emr(struct op_check *c)
{
	int spark = op_check_has(c, "spark_submit");
	int jar = op_check_has(c, "jar");
	int create = op_check_has(c, "create_cluster");
	int clusters = op_check_has(c, "cluster_id") +
		       op_check_has(c, "cluster_from") + create;
	const json_t *request = op_check_get(c, "create_cluster");
	char path[SL_ERR_PATH];
	struct sl_err err;

	if (clusters != 1)
		op_check_add(c, create ? "create_cluster" : "cluster_id",
			     "backend emr needs exactly one of cluster_id, "
			     "cluster_from or create_cluster");
	if (create) {
		if (spark || jar)
			op_check_add(c, spark ? "spark_submit" : "jar",
				     "create_cluster makes a cluster and runs "
				     "no step: run steps in tasks after it "
				     "(cluster_from)");
	} else if (spark == jar)
		op_check_add(c, "spark_submit", "backend emr needs exactly one "
			     "of spark_submit or jar");
	/* create_cluster's own checks, down to the key at fault */
	if (request != NULL &&
	    emr_cluster_request(request, "check", NULL, 1, NULL, path,
				sizeof path, &err) < 0)
		op_check_add_err(c, path, &err);
}

static void
cluster_job_check(struct op_check *c)
{
	static const char *const need[] = { "submit", "status", "cancel" };
	const char *backend = op_check_str(c, "backend");

	if (op_check_in_error(c, "backend"))
		return;		/* every check below depends on it */
	if (backend == NULL) {
		op_check_add(c, "backend", "backend is required (emr, slurm, "
			     "command)");
		return;
	}
	if (strcmp(backend, "emr") == 0) {
		cluster_job_check_emr(c);
		return;
	}
	if (strcmp(backend, "slurm") != 0 && strcmp(backend, "command") != 0) {
		op_check_add(c, "backend", "unknown backend '%s' (emr, slurm, "
			     "command)", backend);
		return;
	}
	if (op_check_has(c, "create_cluster") || op_check_has(c, "cluster_from"))
		op_check_add(c, op_check_has(c, "create_cluster") ?
			     "create_cluster" : "cluster_from",
			     "create_cluster and cluster_from are for backend "
			     "emr");
	if (strcmp(backend, "slurm") == 0) {
		if (op_check_has(c, "script") == op_check_has(c, "command"))
			op_check_add(c, "script", "backend slurm needs exactly "
				     "one of script or command");
		return;
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(need); i++)
		if (!op_check_has(c, need[i]))
			op_check_add(c, need[i], "backend command needs %s",
				     need[i]);
}

/* ---- running local commands ---- */

/* Run argv, capture its stdout (bounded); its stderr goes to the task log.
 * Returns the exit status (or -1 if it could not run). */
static int
run_capture(char *const argv[], char **out)
{
	int fds[2], status;
	pid_t pid;
	struct buf b;
	char chunk[4096];
	ssize_t n;

	*out = NULL;
	if (pipe(fds) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	buf_init(&b, CAPTURE_LIMIT);
	while ((n = read(fds[0], chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		buf_add(&b, chunk, (size_t)n);	/* past the limit: dropped */
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	*out = buf_steal(&b);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int
run_shell(const char *cmd, char **out)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };

	return run_capture(argv, out);
}

static char *
last_line(const char *s)
{
	const char *end = s + strlen(s), *start;

	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	start = end;
	while (start > s && start[-1] != '\n')
		start--;
	while (start < end && isspace((unsigned char)*start))
		start++;
	return xstrndup(start, (size_t)(end - start));
}

/* A key of the task's options that holds a string or a list of strings,
 * as a list (a new reference; empty when the key is absent). */
json_t *
cluster_job_strings(const json_t *spec, const char *key)
{
	json_t *v = json_object_get(json_object_get(spec, "options"), key);

	if (json_is_string(v))
		return json_pack("[O]", v);
	return json_is_array(v) ? json_incref(v) : json_array();
}

/* ---- Slurm ---- */

/* The job's output file as the try copies it into the log. */
struct slurm_out {
	char *path;
	off_t off;		/* copied so far */
	int opened;		/* it could be read at least once */
	int open_errno;		/* why not, the last time */
};

/* The value of sbatch option long_opt (--output) or short_opt (-o) that
 * applies: the last one in argv (sbatch's order: a later one wins), in
 * any of the forms --output=V, --output V, -o V, -oV; NULL when none. */
static const char *
sbatch_opt(char *const *argv, const char *long_opt, const char *short_opt)
{
	size_t ll = strlen(long_opt), sl = strlen(short_opt);
	const char *value = NULL;

	for (size_t i = 1; argv[i] != NULL; i++) {
		if (strncmp(argv[i], long_opt, ll) == 0 && argv[i][ll] == '=')
			value = argv[i] + ll + 1;
		else if ((strcmp(argv[i], long_opt) == 0 ||
			  strcmp(argv[i], short_opt) == 0) && argv[i + 1] != NULL)
			value = argv[++i];
		else if (strncmp(argv[i], short_opt, sl) == 0 &&
			 argv[i][sl] != '\0')
			value = argv[i] + sl;
	}
	return value;
}

/* Slurm's filename pattern expanded as sbatch does for what is known
 * here: %j (the job id), %A (the same, the job not being an array),
 * %a (4294967294, Slurm's index of a job outside an array), %x (the job
 * name), %u (the user), %% ('%'), a width zero-padding the numbers (%5j).
 * Others (%N, %n, %s, %t: known on the node only) stay as written. */
static void
slurm_expand(struct buf *b, const char *pattern, const char *id,
	     const char *name, const char *user, int array)
{
	for (const char *p = pattern; *p != '\0'; p++) {
		const char *q = p + 1, *value = NULL;
		int width = 0;

		if (*p != '%') {
			buf_addc(b, *p);
			continue;
		}
		while (isdigit((unsigned char)*q) && width < 100)
			width = width * 10 + (*q++ - '0');
		switch (*q) {
		case '%': value = "%"; width = 0; break;
		case 'j': case 'A': value = id; break;
		case 'a': value = array ? NULL : "4294967294"; break;
		case 'x': value = name; width = 0; break;
		case 'u': value = user; width = 0; break;
		default: break;
		}
		if (value == NULL) {
			buf_addc(b, *p);
			continue;
		}
		for (int pad = width > 10 ? 10 : width,
		     len = (int)strlen(value); pad > len; pad--)
			buf_addc(b, '0');
		buf_adds(b, value);
		p = q;
	}
}

/* scontrol's StdOut honours a script's #SBATCH lines but leaves %% and
 * widths: expanded here as well. */
char *
cluster_job_slurm_out(char *const *argv, const char *reported,
		      const char *id, const char *user, const char *cwd)
{
	const char *pattern = reported, *dir = sbatch_opt(argv, "--chdir", "-D");
	const char *name = sbatch_opt(argv, "--job-name", "-J");
	struct buf b;

	if (pattern == NULL)
		pattern = sbatch_opt(argv, "--output", "-o");
	if (pattern == NULL)
		pattern = "slurm-%j.out";	/* sbatch's default */
	buf_init(&b, 0);
	if (pattern[0] != '/') {
		if (dir == NULL || dir[0] != '/')
			buf_adds(&b, cwd);
		if (dir != NULL) {
			if (dir[0] != '/')
				buf_addc(&b, '/');
			buf_adds(&b, dir);
		}
		buf_addc(&b, '/');
	}
	slurm_expand(&b, pattern, id, name != NULL ? name : "", user,
		     sbatch_opt(argv, "--array", "-a") != NULL);
	return buf_steal(&b);
}

/* One #SBATCH line's words into *argv (after "sbatch", as sbatch reads
 * them: blanks between, '...' and "..." quoting, a word starting with
 * '#' ends the line). */
static void
sbatch_line_words(const char *line, char ***argv, size_t *n, size_t *cap)
{
	const char *p = line;

	for (;;) {
		struct buf w;
		char quote = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '\n' || *p == '#')
			return;
		buf_init(&w, 0);
		for (; *p != '\0' && *p != '\n'; p++) {
			if (quote != 0 && *p == quote)
				quote = 0;
			else if (quote == 0 && (*p == '\'' || *p == '"'))
				quote = *p;
			else if (quote == 0 && (*p == ' ' || *p == '\t'))
				break;
			else
				buf_addc(&w, *p);
		}
		SL_GROW(*argv, *cap, *n + 2);
		(*argv)[(*n)++] = buf_steal(&w);
		(*argv)[*n] = NULL;
	}
}

/* The value of sbatch option long_opt/short_opt (--output, -o) a batch
 * script sets for itself on its #SBATCH lines (those before its first
 * command, as sbatch reads them), or NULL (caller frees). sbatch's own
 * command line would override it, so sluice passes its defaults only
 * when this is NULL. */
char *
cluster_job_script_opt(const char *path, const char *long_opt,
		       const char *short_opt)
{
	FILE *f = fopen(path, "r");
	char line[4096], **argv = NULL, *value = NULL;
	size_t n = 0, cap = 0;
	const char *v;

	if (f == NULL)
		return NULL;
	SL_GROW(argv, cap, 2);
	argv[n++] = xstrdup("sbatch");
	argv[n] = NULL;
	for (int lines = 0; lines < 10000 && fgets(line, sizeof line, f);
	     lines++) {
		const char *p = line;

		if (strncmp(line, "#SBATCH", 7) == 0 &&
		    (line[7] == ' ' || line[7] == '\t')) {
			sbatch_line_words(line + 7, &argv, &n, &cap);
			continue;
		}
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '\0' && *p != '#')
			break;		/* the first command: no more */
	}
	fclose(f);
	if ((v = sbatch_opt(argv, long_opt, short_opt)) != NULL)
		value = xstrdup(v);
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
	return value;
}

/* The output file scontrol reports for job id (StdOut=), or NULL. */
static char *
slurm_reported_out(const char *id)
{
	char *argv[] = { "scontrol", "show", "job", "-o", (char *)id, NULL };
	char *out = NULL, *p, *path = NULL;

	if (run_capture(argv, &out) == 0 && out != NULL &&
	    (p = strstr(out, " StdOut=")) != NULL && p[8] != '\0' &&
	    !isspace((unsigned char)p[8]))
		path = xstrndup(p + 8, strcspn(p + 8, " \n"));
	free(out);
	return path;
}

/* Copy what the job's output file gained since the last call into the
 * log. */
static void
slurm_tail(struct slurm_out *o)
{
	char chunk[8192];
	ssize_t n;
	int fd = open(o->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		o->open_errno = errno;
		return;
	}
	o->opened = 1;
	if (lseek(fd, o->off, SEEK_SET) == o->off) {
		while ((n = read(fd, chunk, sizeof chunk)) > 0) {
			fwrite(chunk, 1, (size_t)n, stdout);
			o->off += n;
		}
	}
	close(fd);
	fflush(stdout);
}

/* "JobState=COMPLETED ... ExitCode=0:0" → state and exit code. */
static int
slurm_final(const char *id, char **state, char **exit_code)
{
	char *argv[] = { "scontrol", "show", "job", "-o", (char *)id, NULL };
	char *out = NULL, *p;
	int rc;

	*state = *exit_code = NULL;
	rc = run_capture(argv, &out);
	if (rc == 0 && out != NULL) {
		if ((p = strstr(out, "JobState=")) != NULL)
			*state = xstrndup(p + 9, strcspn(p + 9, " \n"));
		if ((p = strstr(out, " ExitCode=")) != NULL)
			*exit_code = xstrndup(p + 10, strcspn(p + 10, " \n"));
	}
	free(out);
	if (*state == NULL) {
		/* Past MinJobAge: accounting, where slurmdbd runs. */
		char *sacct[] = { "sacct", "-n", "-X", "-P", "-j", (char *)id,
				  "-o", "State,ExitCode", NULL };

		if (run_capture(sacct, &out) == 0 && out != NULL &&
		    (p = strchr(out, '|')) != NULL) {
			*state = xstrndup(out, strcspn(out, " |\n"));
			*exit_code = xstrndup(p + 1, strcspn(p + 1, " \n"));
		}
		free(out);
	}
	return *state != NULL ? 0 : -1;
}

/* scancel one job, logged. */
static void
slurm_cancel(const char *id)
{
	char *sc[] = { "scancel", (char *)id, NULL };
	char *out = NULL;

	if (run_capture(sc, &out) != 0)
		op_log("scancel %s failed", id);
	free(out);
}

static int
slurm_run(const json_t *spec, struct op_external *x)
{
	const char *dag = json_string_value(json_object_get(spec, "dag"));
	const char *task = json_string_value(json_object_get(spec, "task"));
	const char *script = op_opt_str(spec, "script", NULL);
	const char *command = op_opt_str(spec, "command", NULL);
	const char *output = op_opt_str(spec, "output", NULL);
	int64_t poll = op_opt_int(spec, "poll_interval", 30000);
	json_t *extra = cluster_job_strings(spec, "sbatch_args"), *v;
	char **argv = NULL, *out = NULL, *id = NULL, *reported;
	char *state = NULL, *exit_code = NULL, *last = NULL, *script_out;
	char *script_name;
	struct slurm_out job_out = { NULL, 0, 0, 0 };
	struct passwd *pw;
	char cwd[4096];
	size_t n = 0, i;
	int rc = 1, status, cancelled = 0;
	enum op_external_prior prior;

	/*
	 * The job is not part of the try: sbatch hands the environment to
	 * it, and the local executor ends what carries the try's key when
	 * the try is lost (executors/local.c), which would kill the job's
	 * processes on a node that is also this host.
	 */
	unsetenv("SLUICE_TRY_KEY");
	argv = xcalloc(json_array_size(extra) + 8, sizeof *argv);
	argv[n++] = xstrdup("sbatch");
	argv[n++] = xstrdup("--parsable");
	/* the script's own #SBATCH --job-name and --output win over
	 * sluice's defaults */
	script_name = script != NULL ?
		      cluster_job_script_opt(script, "--job-name", "-J") : NULL;
	if (script_name == NULL)
		argv[n++] = xasprintf("--job-name=sluice-%s-%s",
				      dag ? dag : "dag", task ? task : "task");
	script_out = script != NULL && output == NULL ?
		     cluster_job_script_opt(script, "--output", "-o") : NULL;
	if (output != NULL)
		argv[n++] = xasprintf("--output=%s", output);
	else if (script_out == NULL)
		argv[n++] = xasprintf("--output=sluice-%s-%s-%%j.out",
				      dag ? dag : "dag", task ? task : "task");
	json_array_foreach(extra, i, v)
		if (json_is_string(v))
			argv[n++] = xstrdup(json_string_value(v));
	argv[n++] = script ? xstrdup(script) : xasprintf("--wrap=%s", command);
	argv[n] = NULL;
	prior = op_external_prior(x, "slurm", op_opt_bool(spec, "reattach", 1),
				  &id);
	if (prior == OP_EXT_CANCEL) {
		op_log("scancel %s", id);
		slurm_cancel(id);
		free(id);
		id = NULL;
	}
	if (prior != OP_EXT_FOLLOW) {
		op_log("submitting with sbatch: %s", script ? script : command);
		status = run_capture(argv, &out);
		if (status != 0 || out == NULL || *out == '\0') {
			op_log("sbatch failed (exit %d)", status);
			goto out;
		}
		id = xstrndup(out, strcspn(out, ";\n "));
		op_log("Slurm job %s submitted", id);
		op_external_record(x, "slurm", id);
	}
	/* The output file: where Slurm says, else where sbatch's options
	 * put it (a later --output or --chdir in sbatch_args wins) */
	reported = slurm_reported_out(id);
	if (reported == NULL && script_out != NULL &&
	    sbatch_opt(argv, "--output", "-o") == NULL) {
		reported = script_out;
		script_out = NULL;
	}
	pw = getpwuid(geteuid());
	job_out.path = cluster_job_slurm_out(argv, reported, id,
					     pw != NULL ? pw->pw_name : "",
					     getcwd(cwd, sizeof cwd) ? cwd : ".");
	free(reported);
	for (;;) {
		char *sq[] = { "squeue", "-h", "-j", id, "-o", "%T", NULL };
		char *now = NULL, *line;

		if (op_stop_requested() && !cancelled) {
			op_stop_reset();
			op_log("stopping: scancel %s", id);
			slurm_cancel(id);
			cancelled = 1;
		}
		status = run_capture(sq, &now);
		line = last_line(now ? now : "");
		free(now);
		slurm_tail(&job_out);
		if (status != 0 && op_stop_requested()) {
			free(line);	/* squeue got our SIGTERM too */
			continue;
		}
		if (status != 0 || *line == '\0' ||
		    strcmp(line, "COMPLETED") == 0 || strcmp(line, "FAILED") == 0 ||
		    strcmp(line, "CANCELLED") == 0 || strcmp(line, "TIMEOUT") == 0) {
			free(line);
			break;	/* left the queue */
		}
		if (last == NULL || strcmp(last, line) != 0) {
			op_log("job %s: %s", id, line);
			free(last);
			last = line;
		} else {
			free(line);
		}
		if (cancelled) {
			if (cancelled++ > 20)
				break;
			op_stop_wait_ms(500);
			continue;
		}
		op_stop_wait_ms(poll);
	}
	slurm_tail(&job_out);
	if (!job_out.opened)
		op_log("job %s: its output file %s cannot be read (%s), so its output is not in this log: is the path right, and on a file system this host sees?",
		       id, job_out.path, strerror(job_out.open_errno));
	if (slurm_final(id, &state, &exit_code) < 0) {
		op_log("job %s: final state unknown (not in scontrol or sacct)", id);
		if (cancelled)
			op_external_ended(x);
		goto out;
	}
	/* its end seen: a later try submits anew */
	op_external_ended(x);
	op_log("job %s: %s, exit code %s", id, state,
	       exit_code ? exit_code : "?");
	rc = strcmp(state, "COMPLETED") == 0 && !cancelled ? 0 : 1;
out:
	for (i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
	json_decref(extra);
	free(out);
	free(id);
	free(job_out.path);
	free(script_out);
	free(script_name);
	free(state);
	free(exit_code);
	free(last);
	return rc;
}

/* ---- command ---- */

/* The command with {job_id} replaced (the id was checked by job_id_safe,
 * so it cannot change the shell command's meaning). */
static char *
with_job_id(const char *tmpl, const char *id)
{
	struct buf b;
	const char *p;

	buf_init(&b, 0);
	for (p = tmpl; *p; ) {
		if (strncmp(p, "{job_id}", 8) == 0) {
			buf_adds(&b, id);
			p += 8;
		} else {
			buf_addc(&b, *p++);
		}
	}
	return buf_steal(&b);
}

static int
job_id_safe(const char *id)
{
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.:-/@", *p))
			return 0;
	return *id != '\0';
}

static int
state_in(const json_t *spec, const char *key, const char *const *defaults,
	 const char *state)
{
	json_t *list = json_object_get(json_object_get(spec, "options"), key);
	json_t *v;
	size_t i;

	if (json_is_array(list)) {
		json_array_foreach(list, i, v)
			if (json_is_string(v) &&
			    strcasecmp(json_string_value(v), state) == 0)
				return 1;
		return 0;
	}
	for (i = 0; defaults[i] != NULL; i++)
		if (strcasecmp(defaults[i], state) == 0)
			return 1;
	return 0;
}

/* The cancel command on job id, logged after why ("stopping"). */
static void
command_cancel(const json_t *spec, const char *id, const char *why)
{
	char *cmd = with_job_id(op_opt_str(spec, "cancel", ""), id), *out = NULL;
	int status;

	op_log("%s: %s", why, cmd);
	status = run_shell(cmd, &out);
	if (status != 0)
		op_log("cancel command failed (exit %d)", status);
	free(cmd);
	free(out);
}

static int
command_run(const json_t *spec, struct op_external *x)
{
	static const char *const ok[] = { "SUCCEEDED", "SUCCESS", "COMPLETED",
		"FINISHED", "DONE", NULL };
	static const char *const bad[] = { "FAILED", "FAILURE", "KILLED",
		"CANCELLED", "CANCELED", "ERROR", "TIMEOUT", NULL };
	int64_t poll = op_opt_int(spec, "poll_interval", 30000);
	char *out = NULL, *id = NULL, *cmd, *last = NULL;
	int status, rc = 1, failures = 0;
	enum op_external_prior prior;

	prior = op_external_prior(x, "command", op_opt_bool(spec, "reattach", 1),
				  &id);
	if (prior != OP_EXT_SUBMIT && !job_id_safe(id)) {
		op_log("external job: '%s' is not a job id: submitting", id);
		prior = OP_EXT_SUBMIT;
		free(id);
		id = NULL;
	}
	if (prior == OP_EXT_CANCEL) {
		command_cancel(spec, id, "cancelling");
		free(id);
		id = NULL;
	}
	if (prior != OP_EXT_FOLLOW) {
		op_log("submitting: %s", op_opt_str(spec, "submit", ""));
		status = run_shell(op_opt_str(spec, "submit", ""), &out);
		if (status != 0) {
			op_log("submit command failed (exit %d)", status);
			goto out;
		}
		id = last_line(out ? out : "");
		if (!job_id_safe(id)) {
			op_log("submit command's last line '%s' is not a job id",
			       id);
			goto out;
		}
		op_log("job %s submitted", id);
		op_external_record(x, "command", id);
	}
	setenv("SLUICE_JOB_ID", id, 1);
	for (;;) {
		char *line;

		if (op_stop_wait_ms(poll)) {
			command_cancel(spec, id, "stopping");
			op_external_ended(x);
			goto out;
		}
		cmd = with_job_id(op_opt_str(spec, "status", ""), id);
		free(out);
		status = run_shell(cmd, &out);
		free(cmd);
		if (status != 0) {
			op_log("status command failed (exit %d)", status);
			if (++failures >= 3)
				goto out;
			continue;
		}
		failures = 0;
		line = last_line(out ? out : "");
		if (last == NULL || strcmp(last, line) != 0)
			op_log("job %s: %s", id, line);
		free(last);
		last = line;
		if (state_in(spec, "success_states", ok, line)) {
			op_external_ended(x);
			rc = 0;
			goto out;
		}
		if (state_in(spec, "failure_states", bad, line)) {
			op_external_ended(x);
			goto out;
		}
	}
out:
	free(out);
	free(id);
	free(last);
	return rc;
}

static int
cluster_job_run(const json_t *spec)
{
	const char *backend = op_opt_str(spec, "backend", "");
	struct op_external *x;
	int rc = 1;

	op_stop_catch(1);
	x = op_external_open(spec);
	if (strcmp(backend, "emr") == 0)
		rc = cluster_emr_run(spec, x);
	else if (strcmp(backend, "slurm") == 0)
		rc = slurm_run(spec, x);
	else if (strcmp(backend, "command") == 0)
		rc = command_run(spec, x);
	else
		op_log("cluster_job: unknown backend '%s'", backend);
	op_external_close(x);
	return rc;
}

const struct operator op_cluster_job = {
	.name = "cluster_job",
	.summary = "submit a job to EMR, Slurm or a command-line cluster, follow "
		   "it, cancel it on timeout or clear",
	.keys = cluster_job_keys,
	.check = cluster_job_check,
	.run = cluster_job_run,
};
