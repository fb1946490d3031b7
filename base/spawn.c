/* spawn.c: starting a child process (see spawn.h). */
#include "base/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern char **environ;

/* A memfd holding data, positioned at its start; -1 with err. */
static int
spawn_memfd(const char *data, size_t len, struct sl_err *err)
{
	int fd = memfd_create("sluice-stdin", MFD_CLOEXEC);

	if (fd < 0)
		return sl_err_set(err, "memfd_create: %s", strerror(errno));
	if (sl_write_all(fd, data, len) < 0) {
		sl_err_set(err, "writing stdin: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		sl_err_set(err, "lseek: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
spawn_find_program(const char *argv0, char *const *env, char *out, size_t n)
{
	char *const *ev = env != NULL ? env : environ;
	const char *path = NULL, *p, *e;
	int err = ENOENT;

	if (strchr(argv0, '/') != NULL) {
		snprintf(out, n, "%s", argv0);
		return 0;
	}
	for (size_t i = 0; ev[i] != NULL; i++)
		if (strncmp(ev[i], "PATH=", 5) == 0)
			path = ev[i] + 5;
	if (path == NULL || *path == '\0')
		path = "/bin:/usr/bin";
	for (p = path; ; p = e + 1) {
		size_t len;

		e = strchr(p, ':');
		len = e ? (size_t)(e - p) : strlen(p);
		if ((int)snprintf(out, n, "%.*s%s%s", (int)len, p,
				  len ? "/" : "", argv0) < (int)n) {
			if (access(out, X_OK) == 0)
				return 0;
			if (errno == EACCES)
				err = EACCES;
		}
		if (e == NULL)
			return err;
	}
}

int
spawn_start(const struct spawn_opts *o, pid_t *pid, struct sl_err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *const *env = o->env != NULL ? o->env : environ;
	char prog[PATH_MAX];
	int infd = -1, rc;

	rc = spawn_find_program(o->argv[0], env, prog, sizeof prog);
	if (rc != 0)
		return sl_err_set(err, "cannot start %s: %s", o->argv[0],
				  strerror(rc));
	if (o->in == SPAWN_STDIN_DATA &&
	    (infd = spawn_memfd(o->data, o->len, err)) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (infd >= 0)
		posix_spawn_file_actions_adddup2(&fa, infd, 0);
	else if (o->in == SPAWN_STDIN_NULL)
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (o->out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, o->out_fd, 1);
	if (o->err_fd > 0)
		posix_spawn_file_actions_adddup2(&fa, o->err_fd, 2);
	else if (o->out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, o->out_fd, 2);
	if (o->cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
	if (o->own_pgroup) {
		posix_spawnattr_setpgroup(&attr, 0);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	}
	rc = posix_spawn(pid, prog, &fa, &attr, o->argv, env);
	if (rc == ENOEXEC) {
		/* a program with no #! line runs through /bin/sh, as the
		 * shell (and execvp) would run it */
		size_t argc = 0;
		char **sh;

		while (o->argv[argc] != NULL)
			argc++;
		sh = xcalloc(argc + 2, sizeof *sh);
		sh[0] = "/bin/sh";
		sh[1] = prog;
		for (size_t i = 1; i < argc; i++)
			sh[i + 1] = o->argv[i];
		rc = posix_spawn(pid, "/bin/sh", &fa, &attr, sh, env);
		free(sh);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (infd >= 0)
		close(infd);
	if (rc != 0)
		return sl_err_set(err, "cannot start %s: %s", o->argv[0],
				  strerror(rc));
	return 0;
}
