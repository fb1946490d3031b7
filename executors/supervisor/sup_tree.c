/*
 * sup_tree.c: the try's process tree: every process the try starts
 * descends from the supervisor (its child subreaper) and, with a cgroup,
 * sits in the try's cgroup; signalling all of them, and the cgroup's life.
 */
#include "executors/supervisor/supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The start time of a process in clock ticks since boot (field 22 of
 * /proc/PID/stat), 0 if unknown. */
unsigned long long
sup_tree_proc_start(pid_t pid, pid_t *ppid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	int field;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (sup_io_read_small(path, buf, sizeof buf) <= 0)
		return 0;
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	/* fields after the name: 3 state, 4 ppid, ..., 22 starttime */
	for (field = 3, p += 2; *p != '\0' && field < 22; field++) {
		if (field == 4 && ppid != NULL)
			*ppid = (pid_t)strtol(p, NULL, 10);
		p = strchr(p, ' ');
		if (p == NULL)
			return 0;
		p++;
	}
	start = strtoull(p, NULL, 10);
	return start;
}

/* Signal every descendant: from the cgroup's list when the try has one,
 * else (or also, with walk) by walking parent links in /proc (as the
 * subreaper, every process of the try descends from us; the walk also
 * finds one that left the cgroup). SIGCONT follows SIGTERM so that a
 * stopped process sees it. Returns how many processes were signalled. */
int
sup_tree_signal(struct sup *s, int sig, int walk)
{
	pid_t *pids = NULL, *ppids = NULL, self = getpid();
	size_t n = 0, cap = 0;
	int count = 0;

	if (!s->child_done)
		kill(-s->child, sig);
	if (s->cgroup[0] != '\0') {
		char path[PATH_MAX + 16], buf[4096];
		int fd;
		ssize_t r;

		if (sig == SIGKILL) {
			snprintf(path, sizeof path, "%s/cgroup.kill", s->cgroup);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0) {
				int ok = write(fd, "1", 1) == 1;

				close(fd);
				if (ok && !walk)
					return 1;
			}
		}
		fd = open(s->cgroup_procs, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			/* one pid a line; a pid cut by a read boundary is
			 * carried over */
			char part[32] = "";
			size_t plen = 0;

			while ((r = read(fd, buf, sizeof buf)) > 0) {
				for (ssize_t i = 0; i < r; i++) {
					if (buf[i] != '\n') {
						if (plen + 1 < sizeof part)
							part[plen++] = buf[i];
						continue;
					}
					part[plen] = '\0';
					plen = 0;
					if (atoi(part) > 0 && kill(atoi(part), sig) == 0) {
						if (sig == SIGTERM)
							kill(atoi(part), SIGCONT);
						count++;
					}
				}
			}
			close(fd);
			if (!walk)
				return count;
		}
	}
	{
		DIR *d = opendir("/proc");
		struct dirent *e;
		int grew = 1;
		char *mark;

		if (d == NULL)
			return 0;
		while ((e = readdir(d)) != NULL) {
			pid_t pid, ppid = 0;

			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			pid = (pid_t)atoi(e->d_name);
			if (sup_tree_proc_start(pid, &ppid) == 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				pids = realloc(pids, cap * sizeof *pids);
				ppids = realloc(ppids, cap * sizeof *ppids);
				if (pids == NULL || ppids == NULL)
					abort();
			}
			pids[n] = pid;
			ppids[n++] = ppid;
		}
		closedir(d);
		mark = calloc(n + 1, 1);
		if (mark == NULL)
			abort();
		/* descendants of self (served: of the try's command and of
		 * the orphans that are the try's): grow the set until it
		 * stops growing */
		while (grew) {
			grew = 0;
			for (size_t i = 0; i < n; i++) {
				if (mark[i])
					continue;
				if (!s->served && ppids[i] == self)
					mark[i] = grew = 1;
				else if (s->served &&
					 ((pids[i] == s->child && !s->child_done) ||
					  (ppids[i] == self && sup_tree_owned(s, pids[i]))))
					mark[i] = grew = 1;
				else
					for (size_t j = 0; j < n; j++)
						if (mark[j] && pids[j] == ppids[i]) {
							mark[i] = grew = 1;
							break;
						}
			}
		}
		for (size_t i = 0; i < n; i++)
			if (mark[i] && kill(pids[i], sig) == 0) {
				if (sig == SIGTERM)
					kill(pids[i], SIGCONT);
				count++;
			}
		free(mark);
		free(pids);
		free(ppids);
	}
	return count;
}

/* Is pid (a child of the shared supervisor) one of try s's processes:
 * in the session of its command, or carrying its key? */
int
sup_tree_owned(const struct sup *s, pid_t pid)
{
	char path[64], *env, *p;
	size_t klen, len = 0, cap = 16384;
	int fd, found = 0;

	if (s->child > 0 && getsid(pid) == s->child)
		return 1;
	if (s->key == NULL)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	env = malloc(cap + 1);
	while (env != NULL) {
		ssize_t r;

		if (len == cap) {
			char *bigger = cap < 64u * 1024 * 1024 ? realloc(env, 2 * cap + 1) : NULL;

			if (bigger == NULL)
				break;
			env = bigger;
			cap *= 2;
		}
		r = read(fd, env + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (env == NULL)
		return 0;
	env[len] = '\0';
	klen = strlen(s->key);
	for (p = env; p < env + len && !found; p += strlen(p) + 1)
		found = strncmp(p, "SLUICE_TRY_KEY=", 15) == 0 &&
			strncmp(p + 15, s->key, klen) == 0 && p[15 + klen] == '\0';
	free(env);
	return found;
}

/* Has try s (its command ended) left processes behind: a child of the
 * shared supervisor, not one of the live commands, that is the try's?
 * The list of children comes from /proc (one read). */
int
sup_tree_leftovers(const struct sup *s, const pid_t *live, size_t nlive)
{
	char path[64], buf[8192], *p, *end;
	int found = 0;

	snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
	if (sup_io_read_small(path, buf, sizeof buf) <= 0)
		return 0;
	for (p = buf; *p != '\0' && !found; p = end) {
		pid_t pid = (pid_t)strtol(p, &end, 10);
		size_t i;

		if (end == p)
			break;
		for (i = 0; i < nlive && live[i] != pid; i++)
			;
		if (pid > 0 && i == nlive && sup_tree_owned(s, pid))
			found = 1;
	}
	return found;
}

/* Make the try's cgroup under dir (a writable cgroup v2 folder); the
 * command joins it before exec. No cgroup on failure: the subreaper
 * walk covers the tree then. */
void
sup_tree_cgroup_make(struct sup *s, const char *dir)
{
	int n = snprintf(s->cgroup, sizeof s->cgroup, "%s/sluice-try-%s", dir,
			 s->key ? s->key : "x");

	if (n < 0 || (size_t)n >= sizeof s->cgroup ||
	    (mkdir(s->cgroup, 0755) < 0 && errno != EEXIST)) {
		s->cgroup[0] = '\0';
		return;
	}
	snprintf(s->cgroup_procs, sizeof s->cgroup_procs, "%s/cgroup.procs",
		 s->cgroup);
}

/* Does the try's cgroup still hold a process (one in the middle of its
 * exit included: the group's own count, not a guess from /proc)? */
int
sup_tree_cgroup_populated(const struct sup *s)
{
	char path[PATH_MAX + 16], text[256];

	snprintf(path, sizeof path, "%s/cgroup.events", s->cgroup);
	return sup_io_read_small(path, text, sizeof text) > 0 &&
	       strstr(text, "populated 1") != NULL;
}

/* In the command's vfork child, before its exec (system calls only): join
 * the try's cgroup. 0, or -1 (the caller drops the cgroup then: the /proc
 * walk covers the tree). */
int
sup_tree_cgroup_join(const struct sup *s)
{
	int fd = open(s->cgroup_procs, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/* Remove the try's cgroup at the end. Kept children (-K) move to the
 * folder it was made in first: they outlive the try, its group does not. */
void
sup_tree_cgroup_remove(struct sup *s)
{
	if (s->keep_children) {
		char parent[PATH_MAX + 16], buf[4096];
		char *slash;
		ssize_t r;
		int in, out;

		snprintf(parent, sizeof parent, "%s", s->cgroup);
		slash = strrchr(parent, '/');
		if (slash == NULL)
			return;
		snprintf(slash, sizeof parent - (size_t)(slash - parent),
			 "/cgroup.procs");
		in = open(s->cgroup_procs, O_RDONLY | O_CLOEXEC);
		out = open(parent, O_WRONLY | O_CLOEXEC);
		/* one pid a line; each write moves one process */
		while (in >= 0 && out >= 0 && (r = read(in, buf, sizeof buf - 1)) > 0) {
			char *p = buf, *nl;

			buf[r] = '\0';
			while ((nl = strchr(p, '\n')) != NULL) {
				(void)!write(out, p, (size_t)(nl - p));
				p = nl + 1;
			}
		}
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
	}
	rmdir(s->cgroup);
}
