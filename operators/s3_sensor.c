/*
 * s3_sensor.c: waits until an S3 key, a prefix or a wildcard has objects
 * (optionally at least min_objects of at least min_size bytes). The same
 * on file:// directories, for lakes on local disk and demos.
 *
 *   url: s3://bucket/exact/key.csv      HeadObject
 *        s3://bucket/prefix/            ListObjectsV2 (all pages if needed)
 *        s3://bucket/raw/sales_2024-0?-*.csv  list the literal part, then
 *                                    match (* also matches across /)
 *
 * Only '*' and '?' are wildcards ('[' is itself: report[1].csv is a key).
 * The url is OPK_GLOB_TEXT: a template's value goes in with its '*', '?'
 * and '\\' escaped by '\\', so a param holding '*' is a literal key
 * (base/text.h text_glob_*).
 *
 * One poke is one check; the scheduler owns the rhythm (poke_interval,
 * exponential_backoff, max_poke_interval, timeout, soft_fail), so those keys
 * are only declared here. In the scheduler a poke runs on its event loop
 * (poke_start: no process, no slot); with an explicit executor it is
 * `sluice operator s3_sensor --poke` (poke_once).
 *
 * Every poke lists what matches in full and keeps a fingerprint of it (one
 * line per object: its URL, size, and ETag or mtime, sorted); a met poke
 * on the loop hands it to the scheduler (poke_fingerprint), which records
 * it with the task instance and, with recheck:, compares later listings
 * with it (scheduler/sched_recheck.c).
 */
#include "operators/operator.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/text.h"
#include "operators/aws_local.h"
#include "operators/aws_s3.h"

static const struct op_key s3_sensor_keys[] = {
	{ "url", OPK_STRING, 1, OPK_GLOB_TEXT,
	  "s3://bucket/key, s3://bucket/prefix/, a wildcard (* ?), or file://" },
	{ "connection", OPK_CONNECTION, 0, 0,
	  "AWS connection (profile, region, role_arn, endpoint_url)" },
	{ "min_objects", OPK_INT, 0, 0,
	  "objects that must match a prefix or wildcard (default 1)" },
	{ "min_size", OPK_INT, 0, 0,
	  "bytes each counted object must have at least (default 0)" },
	{ "poke_interval", OPK_DURATION, 0, 0,
	  "time between pokes (default 60s; longer than 0)" },
	{ "exponential_backoff", OPK_BOOL, 0, 0,
	  "double the interval after each poke that finds nothing" },
	{ "max_poke_interval", OPK_DURATION, 0, 0,
	  "longest interval with exponential_backoff (default 1h; at least "
	  "poke_interval)" },
	{ "soft_fail", OPK_BOOL, 0, 0, "on timeout mark skipped, not failed" },
	{ NULL, 0, 0, 0, NULL },
};

enum target_kind { TARGET_EXACT, TARGET_PREFIX, TARGET_WILDCARD };

/* What one poke looks for. */
struct target {
	char *url;		/* as written, for messages (a copy: the spec
				 * may be freed while a poke is in flight) */
	int is_file;
	char *bucket;		/* s3 */
	char *key;		/* s3 key or file path; a wildcard target's
				 * pattern (text_glob_*), else the literal
				 * key, escapes removed */
	enum target_kind kind;
	char *list_prefix;	/* literal part to list */
	long long min_objects;
	long long min_size;
	/* counting */
	long long matched;
	long long small;	/* matched but under min_size */
	long long seen;
	/* the fingerprint: one line per matched object (at most
	 * FP_MAX_OBJECTS; past that only counted) */
	char **lines;
	size_t nlines, caplines;
};

/* Objects a fingerprint lists one by one; a larger match is compared by
 * these and its count. */
#define FP_MAX_OBJECTS 100000

static void
target_free(struct target *t)
{
	for (size_t i = 0; i < t->nlines; i++)
		free(t->lines[i]);
	free(t->lines);
	free(t->url);
	free(t->bucket);
	free(t->key);
	free(t->list_prefix);
	memset(t, 0, sizeof *t);
}

/* A file:// url's path as a pattern: relative ones under home, whose
 * own '*' and '?' are literal (caller frees). */
static char *
file_pattern(const char *path, const char *home)
{
	struct buf b;

	if (path[0] == '/' || home == NULL)
		return xstrdup(path);
	buf_init(&b, 0);
	text_glob_escape(&b, home);
	buf_addc(&b, '/');
	buf_adds(&b, path);
	return buf_steal(&b);
}

/* Parse the url and counting options of a spec. */
static int
target_init(struct target *t, const json_t *spec, struct sl_err *err)
{
	const char *url = op_opt_str(spec, "url", NULL);
	struct buf literal;

	memset(t, 0, sizeof *t);
	if (url == NULL || *url == '\0')
		return sl_err_set(err, "s3_sensor: url is required");
	t->url = xstrdup(url);
	t->min_objects = op_opt_int(spec, "min_objects", 1);
	t->min_size = op_opt_int(spec, "min_size", 0);
	if (strncmp(url, "file://", 7) == 0) {
		const char *home = json_string_value(json_object_get(spec, "home"));

		t->is_file = 1;
		if (url[7] == '\0')
			return sl_err_set(err, "s3_sensor: '%s' has no path", url);
		t->key = file_pattern(url + 7, home);
	} else if (s3_url_parse(url, &t->bucket, &t->key, err) < 0) {
		return -1;
	}
	buf_init(&literal, 0);
	if (text_glob_has_wildcard(t->key)) {
		t->kind = TARGET_WILDCARD;
		text_glob_unescape(&literal, t->key,
				   text_glob_literal_len(t->key));
		t->list_prefix = buf_steal(&literal);
		if (t->list_prefix == NULL)
			t->list_prefix = xstrdup("");
		return 0;
	}
	text_glob_unescape(&literal, t->key, strlen(t->key));
	free(t->key);
	t->key = buf_steal(&literal);
	if (t->key == NULL)
		t->key = xstrdup("");
	if (t->key[0] == '\0' || sl_str_ends(t->key, "/")) {
		t->kind = TARGET_PREFIX;
		t->list_prefix = xstrdup(t->key);
	} else {
		t->kind = TARGET_EXACT;
	}
	return 0;
}

/* A name as one fingerprint field: tab, newline and backslash escaped. */
static void
fp_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\t')
			buf_adds(b, "\\t");
		else if (*s == '\n')
			buf_adds(b, "\\n");
		else if (*s == '\\')
			buf_adds(b, "\\\\");
		else
			buf_addc(b, *s);
	}
}

/* Keep one matched object's fingerprint line: URL, size, ETag or mtime. */
static void
target_keep(struct target *t, const struct s3_object *o)
{
	struct buf b;

	if (t->nlines >= FP_MAX_OBJECTS)
		return;
	buf_init(&b, 0);
	if (t->is_file) {
		buf_adds(&b, "file://");
		fp_escape(&b, o->key);
	} else {
		buf_printf(&b, "s3://%s/", t->bucket);
		fp_escape(&b, o->key);
	}
	buf_printf(&b, "\t%lld\t", (long long)o->size);
	if (o->etag != NULL)
		fp_escape(&b, o->etag);
	else
		buf_printf(&b, "mtime=%lld", (long long)o->mtime_ms);
	SL_GROW(t->lines, t->caplines, t->nlines + 1);
	t->lines[t->nlines++] = buf_steal(&b);
}

/* Count (and keep) one listed object. The listing always goes to its
 * end: the fingerprint is of everything that matches. */
static int
target_object(void *arg, const struct s3_object *o)
{
	struct target *t = arg;

	t->seen++;
	if (t->kind == TARGET_PREFIX && strcmp(o->key, t->list_prefix) == 0)
		return 0;	/* the "folder" marker object itself */
	if (t->kind == TARGET_WILDCARD && !text_glob_match(t->key, o->key))
		return 0;
	if (o->size < t->min_size) {
		t->small++;
		return 0;
	}
	t->matched++;
	target_keep(t, o);
	return 0;
}

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The fingerprint text of what matched (caller frees): the lines sorted,
 * and a last "#more" line when there were more than FP_MAX_OBJECTS. */
static char *
target_fingerprint(struct target *t)
{
	struct buf b;

	buf_init(&b, 0);
	qsort(t->lines, t->nlines, sizeof *t->lines, line_cmp);
	for (size_t i = 0; i < t->nlines; i++) {
		buf_adds(&b, t->lines[i]);
		buf_addc(&b, '\n');
	}
	if (t->matched > (long long)t->nlines)
		buf_printf(&b, "#more\t%lld\t\n", t->matched);
	{
		char *text = buf_steal(&b);

		return text != NULL ? text : xstrdup("");
	}
}

/* The verdict of a listing, and the line for the task log. Objects left
 * out by min_size are counted: "0 objects of at least 10 bytes" with the
 * object in the bucket reads as a wrong key otherwise. */
static enum op_poke_result
target_verdict(const struct target *t, char *msg, size_t n)
{
	const char *how = t->kind == TARGET_PREFIX ? "under"
			  : t->matched == 1 ? "matches" : "match";
	char sz[64] = "", small[96] = "";

	if (t->min_size > 0)
		snprintf(sz, sizeof sz, " of at least %lld bytes", t->min_size);
	if (t->matched >= t->min_objects) {
		snprintf(msg, n, "%s%lld object%s%s %s %s: condition met",
			 t->matched >= t->min_objects && t->min_objects > 1
			 ? "at least " : "", t->matched,
			 t->matched == 1 ? "" : "s", sz, how, t->url);
		return OP_POKE_DONE;
	}
	if (t->small > 0)
		snprintf(small, sizeof small, " (%lld more %s under %lld bytes)",
			 t->small, t->small == 1 ? "is" : "are", t->min_size);
	snprintf(msg, n, "%lld object%s%s %s %s, need %lld%s", t->matched,
		 t->matched == 1 ? "" : "s", sz, how, t->url, t->min_objects,
		 small);
	return OP_POKE_NOT_YET;
}

static enum op_poke_result
exact_verdict(const struct target *t, int exists, int64_t size, char *msg,
	      size_t n)
{
	if (!exists) {
		snprintf(msg, n, "%s does not exist yet", t->url);
		return OP_POKE_NOT_YET;
	}
	if (size < t->min_size) {
		snprintf(msg, n, "%s is %lld bytes, need at least %lld", t->url,
			 (long long)size, t->min_size);
		return OP_POKE_NOT_YET;
	}
	snprintf(msg, n, "%s exists (%lld bytes): condition met", t->url,
		 (long long)size);
	return OP_POKE_DONE;
}

/* The verdict on an exact key, o NULL when it does not exist. */
static enum op_poke_result
target_exact(struct target *t, const struct s3_object *o, char *msg, size_t n)
{
	if (o == NULL)
		return exact_verdict(t, 0, 0, msg, n);
	t->matched = 1;
	target_keep(t, o);
	return exact_verdict(t, 1, o->size, msg, n);
}

/* One poke of a file:// target, synchronous (local and fast). */
static enum op_poke_result
file_poke(struct target *t, char *msg, size_t n)
{
	struct sl_err err;
	struct stat st;

	if (t->kind == TARGET_EXACT) {
		if (stat(t->key, &st) == 0 && S_ISREG(st.st_mode)) {
			struct s3_object o = { t->key, st.st_size, NULL,
				(int64_t)st.st_mtim.tv_sec * 1000 +
				st.st_mtim.tv_nsec / 1000000 };

			return target_exact(t, &o, msg, n);
		}
		if (errno != ENOENT && errno != ENOTDIR && errno != 0 &&
		    access(t->key, F_OK) == 0) {
			snprintf(msg, n, "%s: not a regular file", t->key);
			return OP_POKE_ERROR;
		}
		return target_exact(t, NULL, msg, n);
	}
	if (aws_local_list_objects(t->list_prefix, target_object, t, &err) < 0) {
		snprintf(msg, n, "%s", err.msg);
		return OP_POKE_ERROR;
	}
	return target_verdict(t, msg, n);
}

/* Every key's checks, each error at its key. */
static void
s3_sensor_check(struct op_check *c)
{
	const char *url = op_check_str(c, "url");
	const json_t *v;

	if (url != NULL) {
		if (strncmp(url, "s3://", 5) != 0 &&
		    strncmp(url, "file://", 7) != 0)
			op_check_add(c, "url", "url must start with s3:// or file://");
		else if (strncmp(url, "s3://", 5) == 0 &&
			 (url[5] == '/' || url[5] == '\0'))
			op_check_add(c, "url", "url '%s' has no bucket name", url);
	}
	if ((v = op_check_get(c, "min_objects")) != NULL) {
		if (json_integer_value(v) < 1)
			op_check_add(c, "min_objects", "min_objects must be at least 1");
		else if (json_integer_value(v) > 1 && url != NULL &&
			 !text_glob_has_wildcard(url) && !sl_str_ends(url, "/") &&
			 strstr(url, "{{") == NULL)
			op_check_add(c, "min_objects",
				     "min_objects needs a prefix ending in / "
				     "or a wildcard, not an exact key");
	}
	if ((v = op_check_get(c, "min_size")) != NULL && json_integer_value(v) < 0)
		op_check_add(c, "min_size", "min_size must not be negative");
}

/* ---- a poke on the scheduler's loop ---- */

struct s3_poke {
	struct target t;
	struct aws_client *client;
	struct s3_op *op;
	struct event *ready;		/* file:// and setup errors */
	enum op_poke_result result;
	char msg[1024];
	char *fingerprint;		/* of a met poke, for poke_fingerprint */
	int fp_count;
	op_poke_done_fn done;
	void *arg;
};

static void
poke_free(struct s3_poke *p)
{
	s3_op_cancel(p->op);
	if (p->ready != NULL)
		event_free(p->ready);
	aws_client_free(p->client);
	target_free(&p->t);
	free(p->fingerprint);
	free(p);
}

static void
poke_finish(struct s3_poke *p)
{
	if (p->result == OP_POKE_DONE) {
		p->fingerprint = target_fingerprint(&p->t);
		p->fp_count = (int)SL_MIN(p->t.matched, INT32_MAX);
	}
	p->done(p->arg, p->result, p->msg);
	poke_free(p);
}

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	poke_finish(arg);
}

static void
on_list_done(void *arg, const struct sl_err *err)
{
	struct s3_poke *p = arg;

	p->op = NULL;
	if (err != NULL) {
		p->result = OP_POKE_ERROR;
		snprintf(p->msg, sizeof p->msg, "%s", err->msg);
	} else {
		p->result = target_verdict(&p->t, p->msg, sizeof p->msg);
	}
	poke_finish(p);
}

static void
on_stat_done(void *arg, const struct s3_object *o, const struct sl_err *err)
{
	struct s3_poke *p = arg;

	p->op = NULL;
	if (err != NULL) {
		p->result = OP_POKE_ERROR;
		snprintf(p->msg, sizeof p->msg, "%s", err->msg);
	} else {
		p->result = target_exact(&p->t, o, p->msg, sizeof p->msg);
	}
	poke_finish(p);
}

static int
poke_object(void *arg, const struct s3_object *o)
{
	struct s3_poke *p = arg;

	return target_object(&p->t, o);
}

static void *
s3_sensor_poke_start(struct event_base *base, const json_t *spec,
		     op_poke_done_fn done, void *arg)
{
	struct s3_poke *p = xcalloc(1, sizeof *p);
	struct sl_err err;

	p->done = done;
	p->arg = arg;
	if (target_init(&p->t, spec, &err) < 0) {
		p->result = OP_POKE_ERROR;
		snprintf(p->msg, sizeof p->msg, "%s", err.msg);
	} else if (p->t.is_file) {
		p->result = file_poke(&p->t, p->msg, sizeof p->msg);
	} else if (aws_client_new(op_connection(spec, "connection"), "s3",
				  &p->client, &err) < 0) {
		p->result = OP_POKE_ERROR;
		snprintf(p->msg, sizeof p->msg, "%s", err.msg);
	} else if (p->t.kind == TARGET_EXACT) {
		p->op = s3_stat_start(p->client, base, p->t.bucket, p->t.key,
				      on_stat_done, p);
		return p;
	} else {
		p->op = s3_list_objects_start(p->client, base, p->t.bucket,
					      p->t.list_prefix, poke_object,
					      on_list_done, p);
		return p;
	}
	/* Answer from a later loop iteration, as the interface promises. */
	p->ready = event_new(base, -1, 0, on_ready, p);
	event_active(p->ready, 0, 0);
	return p;
}

/* The fingerprint of a met poke, during its done callback. */
static const char *
s3_sensor_poke_fingerprint(void *poke, int *count)
{
	struct s3_poke *p = poke;

	*count = p->fp_count;
	return p->fingerprint;
}

static void
s3_sensor_poke_cancel(void *poke)
{
	if (poke != NULL)
		poke_free(poke);
}

/* ---- a poke in its own process (--poke, and run) ---- */

/* A blocking HeadObject's answer. */
struct exact_poke {
	struct target *t;
	enum op_poke_result result;
	char *msg;
	size_t n;
	int found;
};

static int
exact_found(void *arg, const struct s3_object *o)
{
	struct exact_poke *e = arg;

	e->found = 1;
	e->result = target_exact(e->t, o, e->msg, e->n);
	return 0;
}

static enum op_poke_result
poke_blocking(const json_t *spec, char *msg, size_t n)
{
	struct target t;
	struct aws_client *c = NULL;
	struct sl_err err;
	enum op_poke_result r;

	if (target_init(&t, spec, &err) < 0) {
		snprintf(msg, n, "%s", err.msg);
		target_free(&t);
		return OP_POKE_ERROR;
	}
	if (t.is_file) {
		r = file_poke(&t, msg, n);
	} else if (aws_client_new(op_connection(spec, "connection"), "s3", &c,
				  &err) < 0) {
		snprintf(msg, n, "%s", err.msg);
		r = OP_POKE_ERROR;
	} else if (t.kind == TARGET_EXACT) {
		struct exact_poke e = { &t, OP_POKE_NOT_YET, msg, n, 0 };

		if (s3_stat(c, t.bucket, t.key, exact_found, &e, &err) < 0) {
			snprintf(msg, n, "%s", err.msg);
			r = OP_POKE_ERROR;
		} else {
			r = e.found ? e.result : target_exact(&t, NULL, msg, n);
		}
	} else if (s3_list_objects(c, t.bucket, t.list_prefix, target_object,
				   &t, &err) < 0) {
		snprintf(msg, n, "%s", err.msg);
		r = OP_POKE_ERROR;
	} else {
		r = target_verdict(&t, msg, n);
	}
	aws_client_free(c);
	target_free(&t);
	return r;
}

static enum op_poke_result
s3_sensor_poke_once(const json_t *spec)
{
	char msg[1024];
	enum op_poke_result r = poke_blocking(spec, msg, sizeof msg);

	printf("%s\n", msg);
	fflush(stdout);
	return r;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A whole sensor try in the foreground (`sluice test`): poke until met or
 * timed out, with the same interval and back-off the scheduler uses. */
static int
s3_sensor_run(const json_t *spec)
{
	int64_t interval = op_opt_int(spec, "poke_interval", 60000);
	int64_t max_interval = op_opt_int(spec, "max_poke_interval", 3600000);
	int64_t timeout = op_opt_int(spec, "timeout", 7 * 24 * 3600000LL);
	int backoff = op_opt_bool(spec, "exponential_backoff", 0);
	int64_t start = sl_mono_ms();
	char msg[1024];

	for (;;) {
		enum op_poke_result r = poke_blocking(spec, msg, sizeof msg);
		int64_t left;

		printf("%s\n", msg);
		fflush(stdout);
		if (r == OP_POKE_DONE)
			return 0;
		if (r == OP_POKE_ERROR)
			return 1;
		left = timeout - (sl_mono_ms() - start);
		if (left <= 0) {
			printf("sensor timed out\n");
			return 1;
		}
		sleep_ms(SL_MIN(interval, left));
		if (backoff)
			interval = SL_MIN(interval * 2, max_interval);
	}
}

/* The scheduler's rhythm for this sensor: its own keys. */
static void
s3_sensor_poke_policy(const json_t *options, struct op_poke_policy *out)
{
	out->interval_ms = json_integer_value(json_object_get(options,
	    "poke_interval"));
	out->exponential_backoff = json_is_true(json_object_get(options,
	    "exponential_backoff"));
	out->max_interval_ms = json_integer_value(json_object_get(options,
	    "max_poke_interval"));
	out->soft_fail = json_is_true(json_object_get(options, "soft_fail"));
}

const struct operator op_s3_sensor = {
	.name = "s3_sensor",
	.summary = "wait for an S3 key, prefix or wildcard (or a file:// path)",
	.keys = s3_sensor_keys,
	.check = s3_sensor_check,
	.run = s3_sensor_run,
	.poke_start = s3_sensor_poke_start,
	.poke_cancel = s3_sensor_poke_cancel,
	.poke_once = s3_sensor_poke_once,
	.poke_policy = s3_sensor_poke_policy,
	.poke_fingerprint = s3_sensor_poke_fingerprint,
};
