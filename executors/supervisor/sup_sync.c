/*
 * sup_sync.c: the shared supervisor's sync thread. A served try's final
 * status record is written and renamed into place before its end is
 * reported (sup_status.c): that is what a scheduler killed at any instant
 * needs, since the page cache outlives any process. Making it survive a
 * power loss too (fdatasync of the file, fsync of its folder) is this
 * thread's work, off the server's loop: the server reports the end and
 * goes on starting tries while the thread syncs everything that ended
 * since its last round, each file once and each folder once per round.
 * Without the thread (it could not be started) the caller syncs inline.
 */
#include "executors/supervisor/supervisor.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sup_sync_item {
	int fd;				/* the status file, closed once synced */
	char path[PATH_MAX];		/* its path (its folder is synced) */
	struct sup_sync_item *next;
};

static pthread_mutex_t sync_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sync_cv = PTHREAD_COND_INITIALIZER;
static struct sup_sync_item *sync_queue;
static int sync_running, sync_stopping;
static pthread_t sync_thread;

/* The length of path's folder part (up to its last slash), or -1. */
static long
sup_sync_dirlen(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? (long)(slash - path) : -1;
}

/* One round: every file, then every distinct folder once; frees them. */
static void
sup_sync_round(struct sup_sync_item *list)
{
	for (struct sup_sync_item *a = list; a != NULL; a = a->next) {
		fdatasync(a->fd);
		close(a->fd);
	}
	for (struct sup_sync_item *a = list; a != NULL; a = a->next) {
		long la = sup_sync_dirlen(a->path);
		struct sup_sync_item *b;

		for (b = list; b != a; b = b->next)
			if (sup_sync_dirlen(b->path) == la &&
			    (la < 0 || memcmp(a->path, b->path, (size_t)la) == 0))
				break;
		if (b == a)
			sup_status_sync_dir(a->path);
	}
	while (list != NULL) {
		struct sup_sync_item *a = list;

		list = a->next;
		free(a);
	}
}

static void *
sup_sync_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sync_mu);
	for (;;) {
		struct sup_sync_item *list;

		while (sync_queue == NULL && !sync_stopping)
			pthread_cond_wait(&sync_cv, &sync_mu);
		if (sync_queue == NULL)
			break;
		list = sync_queue;
		sync_queue = NULL;
		pthread_mutex_unlock(&sync_mu);
		sup_sync_round(list);
		pthread_mutex_lock(&sync_mu);
	}
	pthread_mutex_unlock(&sync_mu);
	return NULL;
}

/* Start the thread (it inherits the caller's blocked signals). 0 or -1:
 * then sup_sync_add syncs inline. */
int
sup_sync_start(void)
{
	if (pthread_create(&sync_thread, NULL, sup_sync_main, NULL) != 0)
		return -1;
	sync_running = 1;
	return 0;
}

/* Make fd's file (renamed to status_path) and its folder durable; takes
 * fd. */
void
sup_sync_add(int fd, const char *status_path)
{
	struct sup_sync_item *it = malloc(sizeof *it);

	if (it == NULL || !sync_running) {
		free(it);
		fdatasync(fd);
		close(fd);
		sup_status_sync_dir(status_path);
		return;
	}
	it->fd = fd;
	snprintf(it->path, sizeof it->path, "%s", status_path);
	pthread_mutex_lock(&sync_mu);
	/* order does not matter: each round syncs all it took */
	it->next = sync_queue;
	sync_queue = it;
	pthread_cond_signal(&sync_cv);
	pthread_mutex_unlock(&sync_mu);
}

/* Sync what is queued, then end the thread (before the server exits). */
void
sup_sync_stop(void)
{
	if (!sync_running)
		return;
	pthread_mutex_lock(&sync_mu);
	sync_stopping = 1;
	pthread_cond_signal(&sync_cv);
	pthread_mutex_unlock(&sync_mu);
	pthread_join(sync_thread, NULL);
	sync_running = 0;
}
