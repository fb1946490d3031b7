/* cli_dags_validate.c: `sluice dags validate [PATH...]`: every error of
 * DAG files, as the loader and the DAG folder find them. */
#include "scheduler/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scheduler/config.h"
#include "scheduler/dag_needs.h"
/*
 * Where the errors of `dags validate` go: stderr, one "FILE:LINE:COL:
 * message" a line; or with --json (errors not NULL) objects {file, line,
 * column, path, message} (path: the field, "tasks.load.after"; "" for
 * the file as a whole; line and column 0 when not about a place).
 */
struct validate_out {
	json_t *errors;
	json_t *warnings;	/* with --json */
};

/* An error or warning as --json lists it. */
static json_t *
dags_validate_json(const struct sl_err *e)
{
	return json_pack("{s:s, s:i, s:i, s:s, s:s}", "file", e->file, "line",
			 e->line, "column", e->col, "path", e->path, "message", e->msg);
}

/* A warning (dag_validate_warn): said, never counted as an error. */
static void
dags_validate_warning(const struct sl_err *e, void *arg)
{
	struct validate_out *out = arg;

	if (out->warnings == NULL) {
		fprintf(stderr, "%s:%d:%d: warning: %s\n", e->file, e->line,
			e->col, e->msg);
		return;
	}
	json_array_append_new(out->warnings, dags_validate_json(e));
}

static void
dags_validate_print(const struct sl_err *e, void *arg)
{
	struct validate_out *out = arg;
	char msg[2048];

	if (out->errors == NULL) {
		fprintf(stderr, "%s\n", sl_err_str(e, msg, sizeof msg));
		return;
	}
	json_array_append_new(out->errors, dags_validate_json(e));
}

/* An error the folder gives as text, "FILE:LINE:COL: message" or
 * "FILE: message" (a DAG another file defines; a folder without DAG
 * files), as dags_validate_print gives it. */
static void
dags_validate_text(struct validate_out *out, const char *file,
		   const char *text)
{
	struct sl_err e;
	size_t n = strlen(file);
	int line = 0, col = 0, used = 0;

	sl_err_clear(&e);
	snprintf(e.file, sizeof e.file, "%s", file);
	if (strncmp(text, file, n) == 0 && text[n] == ':') {
		text += n + 1;
		if (sscanf(text, "%d:%d:%n", &line, &col, &used) == 2 &&
		    used > 0) {
			e.line = line;
			e.col = col;
			text += used;
		}
		text += strspn(text, " ");
	}
	snprintf(e.msg, sizeof e.msg, "%s", text);
	/* the field the message starts with, "needs[0]: ...", as an error
	 * of one file carries it (--json's path) */
	n = strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.[]");
	if (n > 0 && n < sizeof e.path && text[n] == ':' && text[n + 1] == ' ')
		snprintf(e.path, sizeof e.path, "%.*s", (int)n, text);
	dags_validate_print(&e, out);
}

/* Every error of one file of a loaded folder; 1 if it has any. A file
 * that loads is checked again too: validating also checks what a load
 * leaves to the scheduler's environment (the connections tasks name). */
static int
dags_validate_entry(struct cli *c, const struct dagbag_entry *e,
		    struct validate_out *out)
{
	/* a path that is not UTF-8: not read (e->file is it escaped); a
	 * path of the folder the walk could not read */
	if (e->name_not_text || e->folder_error) {
		dags_validate_text(out, e->file, e->error);
		return 1;
	}
	if (dag_validate_warn(e->file, c->cfg, dags_validate_print,
			      dags_validate_warning, out) > 0)
		return 1;
	if (e->error == NULL)
		return 0;
	/* a file that loads alone but names a DAG another file defines */
	dags_validate_text(out, e->file, e->error);
	return 1;
}

/*
 * A file given by path that loads alone may still fail in its DAG folder:
 * its needs: name DAGs and datasets of other files, and another file may
 * hold its DAG's name. When the file is in the home's DAG folder, the
 * folder's verdict on it is said too, naming the file as it was given.
 * 1 if the folder finds an error. folder is loaded on first use.
 */
static int
dags_validate_in_folder(struct cli *c, const char *given, struct dagbag *folder,
			int *loaded, struct validate_out *out)
{
	char *want, *have, *text;
	const char *msg;
	int bad = 0;

	if (c->cfg == NULL || c->cfg->dags_dir == NULL ||
	    (want = realpath(given, NULL)) == NULL)
		return 0;
	if (!*loaded) {
		struct sl_err err;

		sl_err_clear(&err);
		if (dagbag_load(c->cfg->dags_dir, c->cfg, NULL, folder, &err) < 0)
			folder->n = 0;
		*loaded = 1;
	}
	for (int i = 0; i < folder->n && !bad; i++) {
		const struct dagbag_entry *e = &folder->entries[i];

		if (e->error == NULL || !(e->needs_error || e->duplicate) ||
		    (have = realpath(e->file, NULL)) == NULL)
			continue;
		if (strcmp(have, want) == 0) {
			size_t n = strlen(e->file);

			msg = strncmp(e->error, e->file, n) == 0 ?
			    e->error + n : e->error;
			text = xasprintf("%s%s%s", given,
					 *msg == ':' ? "" : ": ", msg);
			dags_validate_text(out, given, text);
			free(text);
			bad = 1;
		}
		free(have);
	}
	free(want);
	return bad;
}

/* Is the file at real (a realpath) one of the first n entries of b? */
static int
dags_validate_holds(const struct dagbag *b, int n, const char *real)
{
	for (int i = 0; i < n; i++) {
		char *have = realpath(b->entries[i].file, NULL);
		int same = have != NULL && strcmp(have, real) == 0;

		free(have);
		if (same)
			return 1;
	}
	return 0;
}

/*
 * The files given by path (argv, files only) that are not of the home's
 * DAG folder but load alone have their needs: checked as if deployed
 * there: against the folder's DAGs and datasets and those of the other
 * such files (a given file's DAG stands for the folder's DAG of the same
 * name: it is its new version). Checked alone, a need of a DAG that
 * exists nowhere passed as OK. The errors, given path -> message; and in
 * *broken (a new object) the folder's files that were fine and that the
 * given files break (a task renamed, a produces: dropped, that their
 * needs: name), folder file -> message.
 */
static json_t *
dags_validate_outside(struct cli *c, int argc, char *const *argv,
		      json_t **broken)
{
	struct dagbag joint = { NULL, 0 };
	json_t *found = json_object();
	struct sl_err err;
	struct stat st;
	unsigned char *was_bad;
	int first, folder;

	*broken = json_object();
	if (c->cfg == NULL || c->cfg->dags_dir == NULL)
		return found;
	sl_err_clear(&err);
	folder = stat(c->cfg->dags_dir, &st) == 0 && S_ISDIR(st.st_mode);
	if (dagbag_load(c->cfg->dags_dir, c->cfg, NULL, &joint, &err) < 0)
		joint.n = 0;
	first = joint.n;
	was_bad = xcalloc((size_t)first + 1, 1);
	for (int k = 0; k < first; k++)
		was_bad[k] = joint.entries[k].error != NULL;
	for (int i = 0; i < argc; i++) {
		struct dagbag_entry *e;
		struct dag *d = NULL;
		char *real;
		int held;

		if (stat(argv[i], &st) < 0 || !S_ISREG(st.st_mode) ||
		    (real = realpath(argv[i], NULL)) == NULL)
			continue;
		held = dags_validate_holds(&joint, first, real);
		free(real);
		sl_err_clear(&err);
		if (held || dag_load(argv[i], c->cfg, &d, &err) < 0)
			continue;
		for (int k = 0; k < first; k++)
			if (joint.entries[k].dag != NULL &&
			    strcmp(joint.entries[k].dag->name, d->name) == 0)
				joint.entries[k].duplicate = 1;
		joint.entries = xrealloc(joint.entries, ((size_t)joint.n + 1) *
					 sizeof *joint.entries);
		e = &joint.entries[joint.n++];
		memset(e, 0, sizeof *e);
		e->file = xstrdup(argv[i]);
		e->dag = d;
	}
	if (joint.n > first)
		dag_needs_check_bag(&joint, NULL);
	/* the folder's DAGs the new versions break (not the ones they
	 * replace, nor ones broken before) */
	for (int k = 0; k < first; k++)
		if (!was_bad[k] && !joint.entries[k].duplicate &&
		    joint.entries[k].needs_error && joint.entries[k].error != NULL)
			json_object_set_new(*broken, joint.entries[k].file,
					    json_string(joint.entries[k].error));
	free(was_bad);
	for (int k = first; k < joint.n; k++) {
		const char *msg = joint.entries[k].error, *at;

		if (!joint.entries[k].needs_error || msg == NULL)
			continue;
		/* no DAG folder (no home): the files given are all there is */
		if (!folder && (at = strstr(msg, " in the DAG folder")) != NULL) {
			char *text = xasprintf("%.*s in the files given (the home "
					       "has no DAG folder, %s)%s",
					       (int)(at - msg), msg, c->cfg->dags_dir,
					       at + strlen(" in the DAG folder"));

			json_object_set_new(found, joint.entries[k].file,
					    json_string(text));
			free(text);
		} else {
			json_object_set_new(found, joint.entries[k].file,
					    json_string(msg));
		}
	}
	dagbag_free(&joint);
	return found;
}

static int
dags_validate_path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The paths given are checked in name order, as a folder's files are:
 * a person reads the errors file by file, each file's by line. */
int
dags_validate(struct cli *c, int argc, char *const *given)
{
	struct validate_out out = { c->json ? json_array() : NULL,
				    c->json ? json_array() : NULL };
	int bad = 0, n = 0, folder_loaded = 0;
	char **argv = xcalloc((size_t)argc + 1, sizeof *argv);
	struct dagbag folder = { NULL, 0 };
	json_t *outside, *broken, *msg;
	const char *file;

	memcpy(argv, given, (size_t)argc * sizeof *argv);
	if (argc > 1)
		qsort(argv, (size_t)argc, sizeof *argv, dags_validate_path_cmp);

	outside = dags_validate_outside(c, argc, argv, &broken);
	if (argc == 0) {
		for (int i = 0; i < c->bag.n; i++) {
			n++;
			bad += dags_validate_entry(c, &c->bag.entries[i], &out);
		}
	}
	for (int i = 0; i < argc; i++) {
		struct dagbag bag;
		struct sl_err err;
		struct stat st;

		/* a folder: every file in it; a file: just it */
		sl_err_clear(&err);
		if (dagbag_load(argv[i], c->cfg, NULL, &bag, &err) == 0) {
			int nfiles = bag.n;

			for (int k = 0; k < bag.n; k++) {
				n++;
				if (dags_validate_entry(c, &bag.entries[k], &out) > 0 ||
				    dags_validate_in_folder(c, bag.entries[k].file,
							    &folder, &folder_loaded,
							    &out) > 0)
					bad++;
			}
			dagbag_free(&bag);
			if (nfiles > 0)
				continue;
			if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
				/* a folder with nothing to check: likely the
				 * wrong one, not "0 files OK" nor "Is a
				 * directory" */
				dags_validate_text(&out, argv[i],
						   "no DAG files (*.yaml, *.yml) in "
						   "this folder or its subfolders");
				n++;
				bad++;
				continue;
			}
		}
		n++;
		if (dag_validate_warn(argv[i], c->cfg, dags_validate_print,
				      dags_validate_warning, &out) > 0 ||
		    dags_validate_in_folder(c, argv[i], &folder, &folder_loaded,
					    &out) > 0) {
			bad++;
		} else if ((msg = json_object_get(outside, argv[i])) != NULL) {
			dags_validate_text(&out, argv[i], json_string_value(msg));
			bad++;
		}
	}
	json_decref(outside);
	/* what the given files would break in the folder: each such file
	 * with its error, as the folder's check would say it once deployed */
	json_object_foreach(broken, file, msg) {
		char *text = xasprintf("%s (once the files given replace their DAGs "
				       "in the DAG folder)", json_string_value(msg));

		dags_validate_text(&out, file, text);
		free(text);
		n++;
		bad++;
	}
	json_decref(broken);
	if (out.errors != NULL) {
		json_t *o = json_pack("{s:i, s:i, s:o, s:o}", "files", n,
				      "files_with_errors", bad, "errors",
				      out.errors, "warnings", out.warnings);

		cli_print_json(o);
		json_decref(o);
	} else if (bad == 0)
		printf("%d DAG file%s OK\n", n, n == 1 ? "" : "s");
	else
		fprintf(stderr, "%d of %d DAG file%s with errors\n", bad, n, n == 1 ? "" : "s");
	if (folder_loaded)
		dagbag_free(&folder);
	free(argv);
	return bad ? EXIT_FAILED : 0;
}
