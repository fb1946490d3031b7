/* aws_local.c: walking a folder tree as if it were a bucket. */
#include "operators/aws_local.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LOCAL_MAX_DEPTH 32

struct walk {
	const char *prefix;
	size_t prefix_len;
	s3_each_fn each;
	s3_object_fn each_obj;	/* instead of each */
	void *arg;
	int stopped;
};

static int
walk_dir(struct walk *w, const char *dir, int depth, struct sl_err *err)
{
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (depth > LOCAL_MAX_DEPTH)
		return 0;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;	/* not there yet */
		return sl_err_set(err, "%s: %s", dir, strerror(errno));
	}
	while (rc == 0 && !w->stopped && (e = readdir(d)) != NULL) {
		struct stat st;
		char *path;
		size_t pl;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path = xasprintf("%s%s%s", dir, sl_str_ends(dir, "/") ? "" : "/",
				 e->d_name);
		pl = strlen(path);
		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				/* only folders that can hold matching paths */
				if (strncmp(path, w->prefix,
					    SL_MIN(pl, w->prefix_len)) == 0)
					rc = walk_dir(w, path, depth + 1, err);
			} else if (S_ISREG(st.st_mode) &&
				   strncmp(path, w->prefix, w->prefix_len) == 0) {
				struct s3_object o = { path, st.st_size, NULL,
					(int64_t)st.st_mtim.tv_sec * 1000 +
					st.st_mtim.tv_nsec / 1000000 };
				int r = w->each_obj != NULL ?
				    w->each_obj(w->arg, &o) :
				    w->each(w->arg, path, st.st_size);

				if (r > 0)
					w->stopped = 1;
				else if (r < 0)
					rc = sl_err_set(err, "listing of %s "
							"stopped by caller",
							w->prefix);
			}
		}
		free(path);
	}
	closedir(d);
	return rc;
}

/* Walk from the folder holding the prefix's last part. */
static int
walk_prefix(struct walk *w, struct sl_err *err)
{
	const char *slash = strrchr(w->prefix, '/');
	char *dir;
	int rc;

	dir = slash ? xstrndup(w->prefix, (size_t)(slash - w->prefix) + 1)
		    : xstrdup(".");
	rc = walk_dir(w, dir, 0, err);
	free(dir);
	return rc;
}

int
aws_local_list(const char *prefix, s3_each_fn each, void *arg,
	       struct sl_err *err)
{
	struct walk w = { prefix, strlen(prefix), each, NULL, arg, 0 };

	return walk_prefix(&w, err);
}

int
aws_local_list_objects(const char *prefix, s3_object_fn each, void *arg,
		       struct sl_err *err)
{
	struct walk w = { prefix, strlen(prefix), NULL, each, arg, 0 };

	return walk_prefix(&w, err);
}

char *
aws_local_path(const char *url, const char *home)
{
	const char *path = strncmp(url, "file://", 7) == 0 ? url + 7 : url;

	if (path[0] != '/' && home != NULL)
		return xasprintf("%s/%s", home, path);
	return xstrdup(path);
}
