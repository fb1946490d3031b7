/* output.c: parsing what a try wrote to $SLUICE_OUTPUT (see output.h). */
#include "scheduler/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
output_key_ok(const char *name, size_t len)
{
	if (len == 0 || len > 128)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

/* `key=value` lines into a new object. */
static json_t *
parse_lines(const char *text, size_t len, struct sl_err *err)
{
	json_t *obj = json_object();
	size_t off = 0;
	int line = 0;

	while (off < len) {
		const char *p = text + off, *nl = memchr(p, '\n', len - off);
		size_t n = nl ? (size_t)(nl - p) : len - off, k = 0;
		const char *eq;
		char key[129];
		json_t *v;

		off += n + (nl != NULL);
		line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		while (k < n && (p[k] == ' ' || p[k] == '\t'))
			k++;
		if (k == n || p[k] == '#')
			continue;
		eq = memchr(p, '=', n);
		if (eq == NULL || !output_key_ok(p, (size_t)(eq - p))) {
			sl_err_set(err,
			    "$SLUICE_OUTPUT line %d: expected key=value (a key of letters, digits, _ - .) or one JSON object",
			    line);
			json_decref(obj);
			return NULL;
		}
		memcpy(key, p, (size_t)(eq - p));
		key[eq - p] = '\0';
		v = json_stringn(eq + 1, n - (size_t)(eq + 1 - p));
		if (v == NULL) {
			sl_err_set(err, "$SLUICE_OUTPUT line %d: the value of '%s' is not valid UTF-8",
				   line, key);
			json_decref(obj);
			return NULL;
		}
		json_object_set_new(obj, key, v);
	}
	return obj;
}

json_t *
output_parse(const char *text, size_t len, struct sl_err *err)
{
	size_t i = 0;
	json_error_t jerr;
	json_t *obj;
	const char *k;
	json_t *v;

	while (i < len && (text[i] == ' ' || text[i] == '\t' ||
			   text[i] == '\n' || text[i] == '\r'))
		i++;
	if (i == len || text[i] != '{')
		return parse_lines(text, len, err);
	obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL) {
		sl_err_set(err, "$SLUICE_OUTPUT: not a JSON object (line %d: %s)",
			   jerr.line, jerr.text);
		return NULL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		sl_err_set(err, "$SLUICE_OUTPUT: not a JSON object");
		return NULL;
	}
	json_object_foreach(obj, k, v)
		if (!output_key_ok(k, strlen(k))) {
			sl_err_set(err, "$SLUICE_OUTPUT: bad key '%.64s' (letters, digits, _ - . only)",
				   k);
			json_decref(obj);
			return NULL;
		}
	return obj;
}

int
output_read(const char *path, json_t **out, struct sl_err *err)
{
	char *text;
	struct stat st;
	ssize_t got;
	size_t len = 0;
	int fd;

	*out = NULL;
	fd = sl_open_regular(path, O_RDONLY | O_NOFOLLOW, 0);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == EINVAL)
			return sl_err_set(err, "$SLUICE_OUTPUT: %s is not a regular file",
					  path);
		return sl_err_set(err, "$SLUICE_OUTPUT: cannot open %s: %s", path,
				  strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sl_err_set(err, "$SLUICE_OUTPUT: %s is not a regular file",
				  path);
	}
	if (st.st_size > OUTPUT_MAX) {
		close(fd);
		return sl_err_set(err,
		    "$SLUICE_OUTPUT holds %lld bytes, more than the %d (64 KiB) an output may have",
		    (long long)st.st_size, OUTPUT_MAX);
	}
	/* read one byte past the cap: the file may grow after the stat */
	text = xmalloc(OUTPUT_MAX + 2);
	while (len <= OUTPUT_MAX &&
	       (got = read(fd, text + len, OUTPUT_MAX + 1 - len)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			free(text);
			return sl_err_set(err, "$SLUICE_OUTPUT: reading %s: %s",
					  path, strerror(errno));
		}
		len += (size_t)got;
	}
	close(fd);
	if (len > OUTPUT_MAX) {
		free(text);
		return sl_err_set(err,
		    "$SLUICE_OUTPUT holds more than the %d bytes (64 KiB) an output may have",
		    OUTPUT_MAX);
	}
	text[len] = '\0';
	if (len > 0 && (*out = output_parse(text, len, err)) == NULL) {
		free(text);
		return -1;
	}
	free(text);
	return 0;
}
