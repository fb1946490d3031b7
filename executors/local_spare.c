/* local_spare.c: spent status files kept for the next tries (see
 * local_spare.h). */
#include "executors/local_spare.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "executors/local_status.h"

/* The size of a fresh status file (room for the final record). */
#define LOCAL_SPARE_SIZE 4096
#define LOCAL_SPARE_PREFIX ".spare-"

struct local_spares {
	pthread_mutex_t mu;
	char *dir;
	char **paths;			/* the spares, newest last */
	size_t n, cap;
	unsigned long long seq;		/* names of new spares */
};

/* Under mu: one more spare. */
static void
local_spares_push(struct local_spares *sp, char *path)
{
	SL_GROW(sp->paths, sp->cap, sp->n + 1);
	sp->paths[sp->n++] = path;
}

struct local_spares *
local_spares_open(const char *dir)
{
	struct local_spares *sp = xcalloc(1, sizeof *sp);
	struct dirent *e;
	DIR *d;

	pthread_mutex_init(&sp->mu, NULL);
	sp->dir = xstrdup(dir);
	if ((d = opendir(dir)) == NULL)
		return sp;
	while ((e = readdir(d)) != NULL && sp->n < LOCAL_SPARES_MAX)
		if (strncmp(e->d_name, LOCAL_SPARE_PREFIX,
			    strlen(LOCAL_SPARE_PREFIX)) == 0)
			local_spares_push(sp, xasprintf("%s/%s", dir, e->d_name));
	closedir(d);
	return sp;
}

void
local_spares_keep(struct local_spares *sp, const char *path)
{
	char *spare = NULL;

	pthread_mutex_lock(&sp->mu);
	if (sp->n < LOCAL_SPARES_MAX)
		spare = xasprintf("%s/" LOCAL_SPARE_PREFIX "%d-%llu", sp->dir,
				  (int)getpid(), ++sp->seq);
	pthread_mutex_unlock(&sp->mu);
	/* a try that never ended has no final record (only PATH.tmp): that
	 * one is removed */
	if (spare == NULL || rename(path, spare) < 0) {
		free(spare);
		local_status_remove(path);
		return;
	}
	pthread_mutex_lock(&sp->mu);
	local_spares_push(sp, spare);
	pthread_mutex_unlock(&sp->mu);
}

int
local_spares_take(struct local_spares *sp, const char *tmp)
{
	static const char zeros[LOCAL_SPARE_SIZE];

	for (;;) {
		char *spare = NULL;
		int fd;

		pthread_mutex_lock(&sp->mu);
		if (sp->n > 0)
			spare = sp->paths[--sp->n];
		pthread_mutex_unlock(&sp->mu);
		if (spare == NULL)
			return -1;
		if (rename(spare, tmp) < 0) {
			/* gone (removed by hand): the next one */
			free(spare);
			continue;
		}
		free(spare);
		/* its block is allocated already: zeroing it needs no room
		 * on the disk, so a full disk is still no surprise later */
		fd = open(tmp, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && pwrite(fd, zeros, sizeof zeros, 0) == sizeof zeros &&
		    ftruncate(fd, sizeof zeros) == 0)
			return fd;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
}

void
local_spares_close(struct local_spares *sp)
{
	if (sp == NULL)
		return;
	for (size_t i = 0; i < sp->n; i++) {
		unlink(sp->paths[i]);
		free(sp->paths[i]);
	}
	free(sp->paths);
	free(sp->dir);
	pthread_mutex_destroy(&sp->mu);
	free(sp);
}
