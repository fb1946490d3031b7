/*
 * email.c: the `email` task type. Builds a message from the task's keys
 * (mime.c) and sends it through the config's SMTP server (smtp.c), or,
 * with no server configured, writes it to HOME/outbox/ as an .eml file.
 *
 * It is also how notifications go out: the scheduler composes the options
 * with notify_compose() and runs `sluice operator email` on them, so a slow
 * or dead SMTP server costs a process, never the scheduler's loop.
 * The keys, the smtp block and the outbox are described in EMAIL.md.
 */
#include "operators/operator.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "operators/mime.h"
#include "operators/smtp.h"
#include "scheduler/try.h"
#include "store/store.h"

static const struct op_key email_keys[] = {
	{ "to", OPK_STRINGS, 1, 1, "recipients: addresses or \"Name <addr>\"" },
	{ "cc", OPK_STRINGS, 0, 1, "copy recipients" },
	{ "bcc", OPK_STRINGS, 0, 1, "blind copy recipients (envelope only)" },
	{ "subject", OPK_STRING, 0, 1, "subject line (one line, UTF-8)" },
	{ "body", OPK_STRING, 0, 1, "plain text body" },
	{ "html", OPK_STRING, 0, OPK_HTML_TEXT,
	  "HTML body, sent as an alternative (template values go in HTML-escaped)" },
	{ "attach_logs_of", OPK_STRINGS, 0, 0,
	  "tasks of the same run whose latest try log is attached" },
	{ "attach", OPK_STRINGS, 0, 1,
	  "files to attach (relative paths are under the home)" },
	{ NULL, 0, 0, 0, NULL },
};

/* Visit the strings of a key that is a string or a list of strings. */
static int
email_strings(const json_t *v, const char *key, int (*fn)(void *arg,
	      const char *key, const char *s, struct sl_err *err), void *arg,
	      struct sl_err *err)
{
	size_t i;
	json_t *item;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return fn(arg, key, json_string_value(v), err);
	if (!json_is_array(v))
		return sl_err_set(err, "%s must be a string or a list of "
				  "strings", key);
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return sl_err_set(err, "%s: item %zu is not a string",
					  key, i + 1);
		if (fn(arg, key, json_string_value(item), err) < 0)
			return -1;
	}
	return 0;
}

static int
email_check_one_line(void *arg, const char *key, const char *s,
		     struct sl_err *err)
{
	(void)arg;
	if (strpbrk(s, "\r\n") != NULL)
		return sl_err_set(err, "%s must be one line: a line break in "
				  "a mail header is refused", key);
	if (s[0] == '\0')
		return sl_err_set(err, "%s: empty value", key);
	return 0;
}

/* A task name, DAG name or partition used as one folder of a log path. */
static int
email_path_part_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strchr(s, '/') == NULL &&
	    strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static int
email_check_task_name(void *arg, const char *key, const char *s,
		      struct sl_err *err)
{
	(void)arg;
	if (!email_path_part_ok(s))
		return sl_err_set(err, "%s: '%s' is not a task name", key, s);
	return 0;
}

/* fn on each string of key (a string or a list of strings), each error
 * at the key. */
static void
email_check_key(struct op_check *c, const char *key,
		int (*fn)(void *arg, const char *key, const char *s,
			  struct sl_err *err))
{
	const json_t *v = op_check_get(c, key);
	struct sl_err err;
	size_t i;
	json_t *item;

	if (v == NULL || json_is_null(v))
		return;
	if (json_is_string(v)) {
		if (fn(NULL, key, json_string_value(v), &err) < 0)
			op_check_add_err(c, key, &err);
		return;
	}
	if (!json_is_array(v)) {
		op_check_add(c, key, "%s must be a string or a list of strings",
			     key);
		return;
	}
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			op_check_add(c, key, "%s: item %zu is not a string", key,
				     i + 1);
		else if (fn(NULL, key, json_string_value(item), &err) < 0)
			op_check_add_err(c, key, &err);
	}
}

/* Load-time checks; templates are not rendered yet, so addresses are only
 * checked for line breaks here and parsed fully at run time. */
static void
email_check(struct op_check *c)
{
	static const char *const header_keys[] = { "to", "cc", "bcc",
		"subject" };
	const json_t *to = op_check_get(c, "to");

	if (!op_check_in_error(c, "to") &&
	    (to == NULL || (json_is_array(to) && json_array_size(to) == 0)))
		op_check_add(c, "to", "to: at least one recipient is needed");
	for (size_t i = 0; i < SL_ARRAY_LEN(header_keys); i++)
		email_check_key(c, header_keys[i], email_check_one_line);
	email_check_key(c, "attach_logs_of", email_check_task_name);
}

/* What one run of the operator works with. */
struct email_job {
	const json_t *spec;
	struct mime_msg *msg;
	const char *home;
	enum mime_rcpt_kind kind;	/* for email_add_rcpt */
	int nrcpts;
};

static int
email_add_rcpt(void *arg, const char *key, const char *s, struct sl_err *err)
{
	struct email_job *job = arg;

	(void)key;
	if (mime_add_rcpt(job->msg, job->kind, s, err) < 0)
		return -1;
	job->nrcpts++;
	return 0;
}

/*
 * Read at most limit bytes of path: the whole file when it fits, else its
 * end, after a line saying how much was left out. Caller frees *out.
 */
static int
email_read_tail(const char *path, size_t limit, char **out, size_t *len,
		struct sl_err *err)
{
	struct stat st;
	struct buf b;
	char chunk[65536];
	off_t off = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sl_err_set(err, "cannot open %s: %s", path,
				  strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sl_err_set(err, "%s is not a regular file", path);
	}
	buf_init(&b, limit);
	if ((uint64_t)st.st_size > limit) {
		off = st.st_size - (off_t)(limit - 128);
		buf_printf(&b, "[sluice: the first %lld bytes of this log "
			   "are left out]\n", (long long)off);
	}
	for (;;) {
		ssize_t n = pread(fd, chunk, SL_MIN(sizeof chunk,
				  limit - b.len), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sl_err_set(err, "cannot read %s: %s", path,
				   strerror(errno));
			goto fail;
		}
		if (n == 0 || buf_add(&b, chunk, (size_t)n) < 0)
			break;	/* the end, or the limit (file grew) */
		off += n;
		if (b.len >= limit)
			break;
	}
	close(fd);
	*len = b.len;
	*out = buf_steal(&b);
	return 0;
fail:
	close(fd);
	buf_free(&b);
	return -1;
}

/* The folder holding the logs: spec "logs_dir" when the scheduler passes
 * one, else HOME/logs. Caller frees. */
static char *
email_logs_dir(const struct email_job *job)
{
	json_t *v = json_object_get(job->spec, "logs_dir");

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	return xasprintf("%s/logs", job->home);
}

/* A partition as the scheduler names its log folder: '/' and '\\'
 * become '_', and "." or ".." cannot name a parent. Caller frees. */
/* Attach the latest try log of a task of this run,
 * LOGS/DAG/PARTITION/TASK/try-N.log with the largest N. A task with no
 * log yet (skipped, never ran) is reported in the output, not an error. */
static int
email_attach_log(void *arg, const char *key, const char *task,
		 struct sl_err *err)
{
	struct email_job *job = arg;
	const char *dag = json_string_value(json_object_get(job->spec, "dag"));
	const char *part = json_string_value(json_object_get(job->spec,
							     "partition"));
	char *logs = email_logs_dir(job), *dir, *path, *name, *data;
	long best = -1;
	struct dirent *de;
	size_t len;
	DIR *d;
	int ret = -1;

	(void)key;
	if (!email_path_part_ok(dag) || part == NULL || part[0] == '\0' ||
	    !email_path_part_ok(task)) {
		free(logs);
		return sl_err_set(err, "attach_logs_of: the spec needs dag and "
				  "partition, and '%s' must be a task name",
				  task);
	}
	dir = try_log_dir(logs, dag, part, task);
	free(logs);
	d = opendir(dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			long long n;
			char num[32];
			size_t nl = strlen(de->d_name);

			if (!sl_str_starts(de->d_name, "try-") ||
			    !sl_str_ends(de->d_name, ".log") || nl < 9 ||
			    nl - 8 >= sizeof num)
				continue;
			memcpy(num, de->d_name + 4, nl - 8);
			num[nl - 8] = '\0';
			if (sl_parse_int(num, 1, 1000000, &n) == 0 && n > best)
				best = (long)n;
		}
		closedir(d);
	}
	if (best < 0) {
		printf("email: no log of task %s in %s to attach\n", task, dir);
		free(dir);
		return 0;
	}
	path = xasprintf("%s/try-%ld.log", dir, best);
	if (email_read_tail(path, MIME_ATTACH_MAX, &data, &len, err) == 0) {
		name = xasprintf("%s-try-%ld.log", task, best);
		ret = mime_attach(job->msg, name, NULL, data, len, err);
		if (ret == 0)
			printf("email: attaching %s (%zu bytes)\n", path, len);
		free(name);
		free(data);
	}
	free(path);
	free(dir);
	return ret;
}

static int
email_attach_file(void *arg, const char *key, const char *file,
		  struct sl_err *err)
{
	struct email_job *job = arg;
	char *path, *data;
	size_t len;
	int ret;

	(void)key;
	path = file[0] == '/' ? xstrdup(file) :
	    xasprintf("%s/%s", job->home, file);
	if (sl_read_file(path, MIME_ATTACH_MAX, &data, &len, err) < 0) {
		free(path);
		return -1;
	}
	ret = mime_attach(job->msg, path, NULL, data, len, err);
	if (ret == 0)
		printf("email: attaching %s (%zu bytes)\n", path, len);
	free(data);
	free(path);
	return ret;
}

/* A boolean setting: true/false (sluice.yaml's loader checked it; a
 * spec written by hand may also say 1/0). Unset: 0. Anything else is an
 * error, never read as false: starttls: yes-please must not send in the
 * clear. */
static int
email_smtp_bool(const json_t *smtp, const char *key, int *out,
		struct sl_err *err)
{
	json_t *v = json_object_get(smtp, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1)) {
		*out = json_integer_value(v) == 1;
		return 0;
	}
	return sl_err_set(err, "smtp.%s: expected true or false", key);
}

/* Whether url names a user (smtp://USER[:PASSWORD]@HOST): curl then
 * logs in with it as with username. */
static int
email_url_has_user(const char *url)
{
	const char *host = strstr(url, "://"), *end;

	if (host == NULL)
		return 0;
	host += 3;
	end = host + strcspn(host, "/?#");
	return memchr(host, '@', (size_t)(end - host)) != NULL;
}

/* A duration setting: "2s" / "500ms" strings, or a number of seconds. */
static int
email_smtp_duration(const json_t *smtp, const char *key, int64_t *ms,
		    struct sl_err *err)
{
	json_t *v = json_object_get(smtp, key);

	*ms = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*ms = (int64_t)json_integer_value(v) * 1000;
		return 0;
	}
	if (json_is_string(v) &&
	    sl_parse_duration(json_string_value(v), ms) == 0)
		return 0;
	return sl_err_set(err, "smtp.%s: expected a duration such as 2s",
			  key);
}

static const char *
email_smtp_str(const json_t *smtp, const char *key)
{
	const char *s = json_string_value(json_object_get(smtp, key));

	return s != NULL && s[0] != '\0' ? s : NULL;
}

static void
email_log_line(void *arg, const char *line)
{
	(void)arg;
	printf("email: %s\n", line);
	fflush(stdout);
}

static int
email_send_smtp(struct email_job *job, const json_t *smtp,
		const struct buf *rendered, struct sl_err *err)
{
	struct smtp_config cfg = { 0 };
	json_t *tries = json_object_get(smtp, "tries");
	char url[512];

	int in_clear;

	cfg.url = email_smtp_str(smtp, "url");
	cfg.username = email_smtp_str(smtp, "username");
	cfg.password = json_string_value(json_object_get(smtp, "password"));
	cfg.ca_file = email_smtp_str(smtp, "ca_file");
	if (email_smtp_bool(smtp, "starttls", &cfg.starttls, err) < 0 ||
	    email_smtp_bool(smtp, "insecure", &cfg.insecure, err) < 0 ||
	    email_smtp_bool(smtp, "auth_without_tls", &in_clear, err) < 0)
		return -1;
	if (json_is_integer(tries))
		cfg.tries = (int)SL_MIN(json_integer_value(tries), 100);
	if (email_smtp_duration(smtp, "retry_delay", &cfg.retry_delay_ms,
				err) < 0 ||
	    email_smtp_duration(smtp, "timeout", &cfg.timeout_ms, err) < 0)
		return -1;
	if (cfg.username != NULL && cfg.password == NULL)
		return sl_err_set(err, "smtp: username is set but no password "
				  "(set password_env to a variable holding it)");
	/* credentials only over TLS, unless the config says otherwise */
	if ((cfg.username != NULL || (cfg.url != NULL && email_url_has_user(cfg.url))) &&
	    cfg.url != NULL && strncasecmp(cfg.url, "smtps://", 8) != 0 &&
	    !cfg.starttls && !in_clear)
		return sl_err_set(err, "smtp: a username is set but the connection to %s "
				  "is not encrypted, so the password would be sent in the clear: "
				  "set starttls: true (or use an smtps:// url) in the smtp: "
				  "section of sluice.yaml; auth_without_tls: true sends it "
				  "anyway (a test server on loopback only)",
				  smtp_url_redacted(cfg.url, url, sizeof url));
	cfg.log = email_log_line;
	printf("email: sending to %d recipient%s through %s%s%s\n",
	       job->nrcpts, job->nrcpts == 1 ? "" : "s",
	       smtp_url_redacted(cfg.url, url, sizeof url),
	       cfg.starttls && sl_str_starts(cfg.url, "smtp://") ?
	       " with STARTTLS" : "", cfg.username != NULL ? ", AUTH" : "");
	fflush(stdout);
	if (smtp_send(&cfg, mime_envelope_from(job->msg),
		      mime_envelope_rcpts(job->msg), rendered->data,
		      rendered->len, err) < 0)
		return -1;
	printf("email: sent, Message-ID %s\n", mime_message_id(job->msg));
	return 0;
}

/* Keep a name safe as part of a file name. */
static void
email_file_part(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0' && b->len < 120; s++)
		buf_addc(b, (strchr("-_.", *s) != NULL ||
			     (*s >= 'a' && *s <= 'z') ||
			     (*s >= 'A' && *s <= 'Z') ||
			     (*s >= '0' && *s <= '9')) ? *s : '_');
}

/* With no SMTP server: HOME/outbox/TIME-DAG-TASK-RANDOM.eml, written
 * whole under a temporary name and renamed, so a reader of the outbox
 * never sees half a message. unsent: why a notification the server did
 * not take is kept there instead, or NULL. */
static int
email_write_outbox(struct email_job *job, const struct buf *rendered,
		   const char *unsent, struct sl_err *err)
{
	char *dir = xasprintf("%s/outbox", job->home);
	unsigned int rnd = 0;
	char stamp[32];
	struct buf path;
	struct tm tm;
	time_t now = time(NULL);
	int ret;

	if (sl_mkdirs(dir, 0700, err) < 0) {
		free(dir);
		return -1;
	}
	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		rnd = (unsigned int)getpid() ^ (unsigned int)sl_now_ms();
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	buf_init(&path, 0);
	buf_printf(&path, "%s/%s-", dir, stamp);
	email_file_part(&path, json_string_value(json_object_get(job->spec,
								 "dag")));
	buf_addc(&path, '-');
	email_file_part(&path, json_string_value(json_object_get(job->spec,
								 "task")));
	buf_printf(&path, "-%08x.eml", rnd);
	ret = sl_write_file(buf_str(&path), rendered->data, rendered->len,
			    0600, err);
	if (ret == 0 && unsent != NULL)
		printf("email: not sent (%s): message kept in %s\n", unsent,
		       buf_str(&path));
	else if (ret == 0)
		printf("email: no SMTP server configured: message written to "
		       "%s\n", buf_str(&path));
	buf_free(&path);
	free(dir);
	return ret;
}

/* A notification the SMTP server did not take after every attempt (it
 * was down longer than the retries last): kept in the outbox, so the
 * alert is not lost with the server's outage, and err says where. An
 * email task needs none: its try fails and can be cleared. */
static void
email_keep_unsent(struct email_job *job, struct sl_err *err)
{
	char why[SL_ERR_MSG];
	struct sl_err werr;
	struct buf copy;

	snprintf(why, sizeof why, "%s", err->msg);
	buf_init(&copy, 0);
	sl_err_clear(&werr);
	if (mime_render(job->msg, 1, &copy, &werr) < 0 ||
	    email_write_outbox(job, &copy, why, &werr) < 0)
		sl_err_set(err, "%s; keeping it in %s/outbox/ failed too: %s",
			   why, job->home, werr.msg);
	buf_free(&copy);
}

/* The From address: smtp.from, else sluice@HOSTNAME. Caller frees. */
static char *
email_from(const json_t *smtp)
{
	const char *from = email_smtp_str(smtp, "from");
	char host[256];

	if (from != NULL)
		return xstrdup(from);
	if (gethostname(host, sizeof host) < 0 || host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	return xasprintf("sluice@%s", host);
}

static int
email_build_and_send(const json_t *spec, struct sl_err *err)
{
	const json_t *options = json_object_get(spec, "options");
	const json_t *smtp = json_object_get(spec, "smtp");
	struct email_job job = { 0 };
	const char *subject = op_opt_str(spec, "subject", NULL);
	int outbox = !json_is_object(smtp) || email_smtp_str(smtp, "url") == NULL;
	struct buf rendered;
	char *from, *def_subject = NULL;
	int ret = -1;

	job.spec = spec;
	job.home = json_string_value(json_object_get(spec, "home"));
	if (job.home == NULL)
		job.home = ".";
	if (!json_is_object(options))
		return sl_err_set(err, "the spec has no options object");
	job.msg = mime_new();
	buf_init(&rendered, 0);
	from = email_from(smtp);
	if (mime_set_from(job.msg, from, err) < 0) {
		char inner[SL_ERR_MSG];

		snprintf(inner, sizeof inner, "%s", err->msg);
		sl_err_set(err, "smtp.from: %s", inner);
		goto out;
	}
	job.kind = MIME_TO;
	if (email_strings(json_object_get(options, "to"), "to",
			  email_add_rcpt, &job, err) < 0)
		goto out;
	job.kind = MIME_CC;
	if (email_strings(json_object_get(options, "cc"), "cc",
			  email_add_rcpt, &job, err) < 0)
		goto out;
	job.kind = MIME_BCC;
	if (email_strings(json_object_get(options, "bcc"), "bcc",
			  email_add_rcpt, &job, err) < 0)
		goto out;
	if (job.nrcpts == 0) {
		sl_err_set(err, "to: at least one recipient is needed");
		goto out;
	}
	if (subject == NULL) {
		const char *dag = json_string_value(json_object_get(spec, "dag"));
		const char *task = json_string_value(json_object_get(spec,
								     "task"));
		const char *part = json_string_value(json_object_get(spec,
								     "partition"));

		def_subject = xasprintf("[sluice] %s.%s %s", dag ? dag : "-",
					task ? task : "-", part ? part : "");
		subject = def_subject;
	}
	if (mime_set_subject(job.msg, subject, err) < 0)
		goto out;
	mime_set_text(job.msg, op_opt_str(spec, "body", ""));
	mime_set_html(job.msg, op_opt_str(spec, "html", NULL));
	if (email_strings(json_object_get(options, "attach_logs_of"),
			  "attach_logs_of", email_attach_log, &job, err) < 0 ||
	    email_strings(json_object_get(options, "attach"), "attach",
			  email_attach_file, &job, err) < 0)
		goto out;
	/* the outbox copy keeps Bcc: it is a record, not a transmission */
	if (mime_render(job.msg, outbox, &rendered, err) < 0)
		goto out;
	if (outbox)
		ret = email_write_outbox(&job, &rendered, NULL, err);
	else if ((ret = email_send_smtp(&job, smtp, &rendered, err)) < 0 &&
		 json_is_true(json_object_get(spec, "keep_unsent")))
		email_keep_unsent(&job, err);
out:
	free(from);
	free(def_subject);
	buf_free(&rendered);
	mime_free(job.msg);
	return ret;
}

/* A notification's end in its delivery row (the scheduler's spec has
 * delivery_id and db; a task's has neither): sent, or failed with why
 * (the message is in the outbox then), so a restarted scheduler does not
 * send it again. */
static void
email_record(const json_t *spec, int sent, const char *why)
{
	const char *db = json_string_value(json_object_get(spec, "db"));
	int64_t id = json_integer_value(json_object_get(spec, "delivery_id"));
	struct store *st;
	struct sl_err err;

	if (db == NULL || id <= 0)
		return;
	sl_err_clear(&err);
	if (store_open(db, &st, &err) < 0) {
		fprintf(stderr, "email delivery %lld: cannot record it: %s\n",
			(long long)id, err.msg);
		return;
	}
	if (store_webhook_end(st, id, sent, 1, why) < 0)
		fprintf(stderr, "email delivery %lld: cannot record it: %s\n",
			(long long)id, store_errmsg(st));
	store_close(st);
}

/* One try: exit 0 once the message is accepted or in the outbox. */
static int
email_run(const json_t *spec)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (email_build_and_send(spec, &err) < 0) {
		fflush(stdout);
		fprintf(stderr, "email: %s\n", err.msg);
		email_record(spec, 0, err.msg);
		return 1;
	}
	fflush(stdout);
	email_record(spec, 1, NULL);
	return 0;
}

const struct operator op_email = {
	.name = "email",
	.summary = "send an email through the configured SMTP server "
	    "(or into HOME/outbox/)",
	.keys = email_keys,
	.check = email_check,
	.run = email_run,
};
