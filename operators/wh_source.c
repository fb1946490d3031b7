/*
 * wh_source.c: where a partition's objects come from, for the loads that
 * stream them (PostgreSQL, SQLite).
 *
 *   file:///lake/events/2024/01/01/   a local folder, the way a lake
 *       partition looks on disk: every regular file under it, recursively;
 *       a path that is neither a folder nor a file is a prefix, as in S3
 *       (file:///lake/events/2024-01 matches 2024-01-01.csv, 2024-01/...).
 *   s3://bucket/prefix                every object under the prefix,
 *       through the S3 client of operators/aws_s3.h.
 *
 * Names starting with '.' or '_' (_SUCCESS, .crc files of Hadoop-style
 * writers) are not data and are skipped. Objects come sorted by url, so a
 * load reads them in a stable order.
 */
#include "operators/wh.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "operators/wh_s3.h"

/* Most objects one load may name. */
#define SOURCE_OBJECTS_MAX 1000000
/* Deepest folder nesting walked under a file:// prefix. */
#define SOURCE_DEPTH_MAX 32
/* Largest manifest file read. */
#define SOURCE_MANIFEST_MAX (16u * 1024 * 1024)
#define SOURCE_CHUNK (256 * 1024)

struct wh_source {
	const json_t *aws_conn;
	const char *region;
	const char *home;
	struct wh_s3 *s3;	/* made on first s3:// use */
};

struct wh_source *
wh_source_new(const json_t *aws_conn, const char *region, const char *home)
{
	struct wh_source *src = xcalloc(1, sizeof *src);

	src->aws_conn = aws_conn;
	src->region = region;
	src->home = home;
	return src;
}

void
wh_source_free(struct wh_source *src)
{
	if (src == NULL)
		return;
	wh_s3_free(src->s3);
	free(src);
}

void
wh_objects_free(struct wh_objects *objs)
{
	for (size_t i = 0; i < objs->n; i++)
		free(objs->v[i].url);
	free(objs->v);
	objs->v = NULL;
	objs->n = objs->cap = 0;
}

static int
source_add(struct wh_objects *out, char *url, int64_t size,
	   struct sl_err *err)
{
	if (out->n == SOURCE_OBJECTS_MAX) {
		free(url);
		return sl_err_set(err, "more than %d objects", SOURCE_OBJECTS_MAX);
	}
	SL_GROW(out->v, out->cap, out->n + 1);
	out->v[out->n].url = url;
	out->v[out->n].size = size;
	out->n++;
	return 0;
}

static int
source_cmp(const void *a, const void *b)
{
	return strcmp(((const struct wh_object *)a)->url,
		      ((const struct wh_object *)b)->url);
}

/* Is a path's last name a marker rather than data? */
static int
source_hidden(const char *name)
{
	return name[0] == '.' || name[0] == '_';
}

static int
source_s3(struct wh_source *src, struct sl_err *err)
{
	if (src->s3 != NULL)
		return 0;
	return wh_s3_new(src->aws_conn, src->region, &src->s3, err);
}

/* ---- file:// -------------------------------------------------------------- */

/* The local path of a file:// url (caller frees). */
static char *
source_file_path(const struct wh_source *src, const char *url)
{
	const char *path = url + strlen("file://");

	if (path[0] != '/' && src->home != NULL)
		return xasprintf("%s/%s", src->home, path);
	return xstrdup(path);
}

/* Add every regular file under dir whose name starts with prefix (at the
 * top level only; below it everything counts). */
static int
source_walk(const char *dir, const char *prefix, int depth,
	    struct wh_objects *out, struct sl_err *err)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > SOURCE_DEPTH_MAX)
		return sl_err_set(err, "%s: folders nested deeper than %d",
				  dir, SOURCE_DEPTH_MAX);
	d = opendir(dir);
	if (d == NULL)
		return sl_err_set(err, "cannot read folder %s: %s", dir,
				  strerror(errno));
	while (r == 0 && (de = readdir(d)) != NULL) {
		struct stat st;
		char *path;

		if (source_hidden(de->d_name))
			continue;
		if (prefix != NULL && !sl_str_starts(de->d_name, prefix))
			continue;
		path = xasprintf("%s%s%s", dir,
				 sl_str_ends(dir, "/") ? "" : "/", de->d_name);
		if (stat(path, &st) < 0) {
			r = sl_err_set(err, "cannot stat %s: %s", path,
				       strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			r = source_walk(path, NULL, depth + 1, out, err);
		} else if (S_ISREG(st.st_mode)) {
			r = source_add(out, xasprintf("file://%s", path),
				       (int64_t)st.st_size, err);
		}
		free(path);
	}
	closedir(d);
	return r;
}

static int
source_file_list(struct wh_source *src, const char *url,
		 struct wh_objects *out, struct sl_err *err)
{
	char *path = source_file_path(src, url);
	struct stat st;
	int r;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		r = source_add(out, xasprintf("file://%s", path),
			       (int64_t)st.st_size, err);
	} else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		r = source_walk(path, NULL, 0, out, err);
	} else if (sl_str_ends(path, "/")) {
		r = sl_err_set(err, "no folder %s", path);
	} else {
		/* A prefix: the names in its folder that start with it. */
		char *slash = strrchr(path, '/');
		char *dir;

		if (slash == NULL) {
			dir = xstrdup(".");
			slash = path - 1;
		} else
			dir = xstrndup(path, (size_t)(slash - path) + 1);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			r = sl_err_set(err, "no folder %s", dir);
		else
			r = source_walk(dir, slash + 1, 0, out, err);
		free(dir);
	}
	free(path);
	return r;
}

static int
source_file_get(struct wh_source *src, const char *url, wh_bytes_fn fn,
		void *arg, struct sl_err *err)
{
	char *path = source_file_path(src, url);
	char *chunk = NULL;
	int fd, r = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sl_err_set(err, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	chunk = xmalloc(SOURCE_CHUNK);
	for (;;) {
		ssize_t n = read(fd, chunk, SOURCE_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sl_err_set(err, "cannot read %s: %s", path,
				   strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (fn(arg, chunk, (size_t)n, err) < 0)
			goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(chunk);
	free(path);
	return r;
}

/* Does one object exist? Its size into *size. */
static int
source_file_stat(struct wh_source *src, const char *url, int64_t *size)
{
	char *path = source_file_path(src, url);
	struct stat st;
	int found = stat(path, &st) == 0 && S_ISREG(st.st_mode);

	*size = found ? (int64_t)st.st_size : -1;
	free(path);
	return found;
}

/* ---- manifests ------------------------------------------------------------ */

static int
source_collect(void *arg, const void *data, size_t len, struct sl_err *err)
{
	if (buf_add(arg, data, len) < 0)
		return sl_err_set(err, "manifest larger than %u bytes",
				  SOURCE_MANIFEST_MAX);
	return 0;
}

static int
source_manifest(struct wh_source *src, const char *url,
		struct wh_objects *out, struct sl_err *err)
{
	struct buf text;
	json_error_t jerr;
	json_t *doc = NULL, *entries, *entry;
	size_t i;
	int r = -1;

	buf_init(&text, SOURCE_MANIFEST_MAX);
	if (wh_source_get(src, url, source_collect, &text, err) < 0)
		goto out;
	doc = json_loadb(buf_str(&text), text.len, 0, &jerr);
	if (doc == NULL) {
		sl_err_set(err, "manifest %s: invalid JSON: %s (line %d)", url,
			   jerr.text, jerr.line);
		goto out;
	}
	entries = json_object_get(doc, "entries");
	if (!json_is_array(entries)) {
		sl_err_set(err, "manifest %s: no \"entries\" list", url);
		goto out;
	}
	json_array_foreach(entries, i, entry) {
		const char *u = json_string_value(json_object_get(entry, "url"));
		int mandatory = json_is_true(json_object_get(entry,
							     "mandatory"));
		int64_t size = -1;
		int found;

		if (u == NULL) {
			sl_err_set(err, "manifest %s: entry %zu has no url",
				   url, i + 1);
			goto out;
		}
		if (sl_str_starts(u, "file://")) {
			found = source_file_stat(src, u, &size);
		} else if (sl_str_starts(u, "s3://")) {
			if (source_s3(src, err) < 0)
				goto out;
			found = wh_s3_stat(src->s3, u, &size, err);
			if (found < 0)
				goto out;
		} else {
			sl_err_set(err, "manifest %s: entry %zu: not an s3:// or file:// url: %s",
				   url, i + 1, u);
			goto out;
		}
		if (!found && mandatory) {
			sl_err_set(err, "manifest %s: mandatory object %s does not exist",
				   url, u);
			goto out;
		}
		if (found && source_add(out, xstrdup(u), size, err) < 0)
			goto out;
	}
	r = 0;
out:
	json_decref(doc);
	buf_free(&text);
	return r;
}

/* ---- the interface ------------------------------------------------------- */

int
wh_source_list(struct wh_source *src, const char *url, int manifest,
	       struct wh_objects *out, struct sl_err *err)
{
	int r;

	memset(out, 0, sizeof *out);
	if (manifest)
		r = source_manifest(src, url, out, err);
	else if (sl_str_starts(url, "file://"))
		r = source_file_list(src, url, out, err);
	else if (sl_str_starts(url, "s3://"))
		r = source_s3(src, err) < 0 ? -1 :
		    wh_s3_list(src->s3, url, out, err);
	else
		r = sl_err_set(err, "not an s3:// or file:// url: %s", url);
	if (r < 0) {
		wh_objects_free(out);
		return -1;
	}
	if (out->n == 0)
		return sl_err_set(err, "no objects under %s", url);
	if (!manifest)
		qsort(out->v, out->n, sizeof *out->v, source_cmp);
	return 0;
}

int
wh_source_get(struct wh_source *src, const char *url, wh_bytes_fn fn,
	      void *arg, struct sl_err *err)
{
	if (sl_str_starts(url, "file://"))
		return source_file_get(src, url, fn, arg, err);
	if (sl_str_starts(url, "s3://")) {
		if (source_s3(src, err) < 0)
			return -1;
		return wh_s3_get(src->s3, url, fn, arg, err);
	}
	return sl_err_set(err, "not an s3:// or file:// url: %s", url);
}
