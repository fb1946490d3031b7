/* store_lock.c: one scheduler per database (the lock beside the database
 * file, who holds it), and whether the file a store opened is still the
 * one at its path. */
#include "store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* DB-scheduler.lock of the database at path, beside its real path (when
 * the file is gone, beside its folder's real path: the lock a scheduler
 * took on the file it opened is found after the file is deleted). */
static char *
store_lock_path(const char *path)
{
	char *real = realpath(path, NULL), *lock;

	if (real == NULL) {
		char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *rdir;

		if (slash != NULL) {
			*slash = '\0';
			rdir = realpath(dir[0] != '\0' ? dir : "/", NULL);
			if (rdir != NULL)
				real = xasprintf("%s/%s", strcmp(rdir, "/") == 0 ? "" : rdir,
						 slash + 1);
			free(rdir);
		}
		free(dir);
	}
	lock = xasprintf("%s-scheduler.lock", real ? real : path);
	free(real);
	return lock;
}

/* root (db restore on a service's home) made the lock file fd: it is the
 * folder's owner's, whose scheduler opens it for writing. */
static void
store_lock_owner(int fd, const char *lock)
{
	char *dir = xstrdup(lock), *slash = strrchr(dir, '/');
	struct stat st, dst;

	if (slash != NULL)
		*slash = '\0';
	if (geteuid() == 0 && slash != NULL && fstat(fd, &st) == 0 && st.st_uid == 0 &&
	    stat(dir[0] ? dir : "/", &dst) == 0 && dst.st_uid != 0) {
		/* a failure: the scheduler's open says it, naming the file */
		if (fchown(fd, dst.st_uid, dst.st_gid) < 0)
			errno = 0;
	}
	free(dir);
}

/*
 * One scheduler per database, whatever home names it: an exclusive flock
 * on DB-scheduler.lock beside the database file (found through its real
 * path, so two homes that reach one file by different names meet on one
 * lock). Not on the database file itself: closing any other descriptor
 * of that file would drop SQLite's own POSIX locks. The lock goes with the
 * process (kill -9 included); the file keeps the holder's pid for the
 * message. `sluice db restore` holds it too while it replaces the file.
 */
int
store_lock_db(const char *path, struct sl_err *err)
{
	char *lock = store_lock_path(path), pidtext[32];
	int fd, n;

	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		sl_err_set(err, "cannot open %s: %s", lock, strerror(errno));
		free(lock);
		return -1;
	}
	store_lock_owner(fd, lock);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		n = (int)pread(fd, pidtext, sizeof pidtext - 1, 0);
		pidtext[n > 0 ? n : 0] = '\0';
		pidtext[strcspn(pidtext, "\n")] = '\0';
		if (e != EWOULDBLOCK)
			sl_err_set(err, "cannot lock %s: %s", lock, strerror(e));
		else if (pidtext[0] != '\0')
			sl_err_set(err, "another scheduler (pid %s) runs on the "
				   "database %s: one scheduler per database; "
				   "stop it first", pidtext, path);
		else
			sl_err_set(err, "another scheduler runs on the database "
				   "%s: one scheduler per database; stop it "
				   "first", path);
		close(fd);
		free(lock);
		return -1;
	}
	n = snprintf(pidtext, sizeof pidtext, "%ld\n", (long)getpid());
	/* the pid is only for the message: a failure here changes nothing */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pidtext, (size_t)n, 0) < 0)
		sl_err_clear(err);
	free(lock);
	return fd;
}

int
store_lock_scheduler(struct store *s, struct sl_err *err)
{
	int fd = store_lock_db(s->path, err);

	if (fd < 0)
		return -1;
	s->sched_lock_fd = fd;
	return 0;
}

int
store_scheduler_running(const char *path, long *pid)
{
	char *lock = store_lock_path(path), text[32];
	int held = sl_flock_held(lock), fd;
	ssize_t n;

	if (pid != NULL) {
		*pid = 0;
		if (held && (fd = open(lock, O_RDONLY | O_CLOEXEC)) >= 0) {
			n = read(fd, text, sizeof text - 1);
			text[n > 0 ? n : 0] = '\0';
			*pid = strtol(text, NULL, 10);
			close(fd);
		}
	}
	free(lock);
	return held;
}

int
store_scheduler_held(struct store *s)
{
	return store_scheduler_running(s->path, NULL);
}

int
store_file_gone(struct store *s, char *why, size_t n)
{
	struct stat st;

	if (stat(s->path, &st) == 0) {
		if (st.st_dev == s->file_dev && st.st_ino == s->file_ino)
			return 0;
		snprintf(why, n, "%s was replaced by another file", s->path);
		return 1;
	}
	if (errno != ENOENT)
		return 0;	/* a folder not readable for a while: not gone */
	snprintf(why, n, "%s was deleted", s->path);
	return 1;
}
