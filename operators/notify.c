/* notify.c: compose the notification emails about a task (see notify.h).
 *
 * Over 800 lines because every message sluice emails is composed here (a
 * try, a run, an SLA miss and its digest, a late partition and its
 * digest) from one set of static helpers that clean and escape each value:
 * kept in one file, no message can skip them. */
#include "operators/notify.h"
#include "operators/operator.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/json.h"
#include "base/util.h"
#include "scheduler/try.h"
#include "web/links.h"

static const char *
nz(const char *s, const char *def)
{
	return s != NULL && s[0] != '\0' ? s : def;
}

/*
 * Append n bytes of s as valid UTF-8 text: malformed bytes become '?',
 * control characters other than tab and newline become '?', CR is
 * dropped. With one_line, newlines and tabs become spaces. Log files and
 * executor errors hold whatever a program wrote; JSON and mail headers
 * need clean text.
 */
static void
text_add(struct buf *out, const char *s, size_t n, int one_line)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t len = text_utf8_seq(p + i, n - i);

		if (len == 0) {
			buf_addc(out, '?');
			i++;
			continue;
		}
		if (len == 1) {
			if (c == '\r') {
				i++;
				continue;
			}
			if (c == '\n' || c == '\t')
				buf_addc(out, one_line ? ' ' : (char)c);
			else if (c < 0x20 || c == 0x7f)
				buf_addc(out, '?');
			else
				buf_addc(out, (char)c);
		} else {
			buf_add(out, s + i, len);
		}
		i += len;
	}
}

static void
texts_add(struct buf *out, const char *s, int one_line)
{
	if (s != NULL)
		text_add(out, s, strlen(s), one_line);
}

/* A clean one-line copy of s, for subjects and table cells. Caller frees. */
static char *
one_line(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	texts_add(&b, s, 1);
	return buf_steal(&b);
}

/*
 * The last NOTIFY_LOG_LINES lines of path, read from at most the last
 * NOTIFY_LOG_BYTES of the file, as clean text ending in a newline.
 * Returns NULL (with a reason in why) when the file cannot be read.
 */
static char *
log_tail(const char *path, char *why, size_t why_len)
{
	char *data;
	size_t got, from, end;
	int lines = 0, whole;
	struct buf out;

	if (sl_read_tail(path, NOTIFY_LOG_BYTES, &data, &got, &whole) < 0) {
		snprintf(why, why_len, "cannot read %s: %s", path,
			 strerror(errno));
		return NULL;
	}
	end = got;
	if (end > 0 && data[end - 1] == '\n')
		end--;
	from = end;
	while (from > 0) {
		if (data[from - 1] == '\n' && ++lines == NOTIFY_LOG_LINES)
			break;
		from--;
	}
	/* started mid-file without finding enough lines: the first line
	 * read is a partial one; leave it out */
	if (from == 0 && !whole) {
		char *nl = memchr(data, '\n', end);

		if (nl != NULL)
			from = (size_t)(nl - data) + 1;
	}
	buf_init(&out, 0);
	text_add(&out, data + from, end - from, 0);
	if (out.len > 0)
		buf_addc(&out, '\n');
	free(data);
	return buf_steal(&out);
}

static const char *
kind_verb(const char *kind)
{
	if (strcmp(kind, "failure") == 0)
		return "failed";
	if (strcmp(kind, "retry") == 0)
		return "failed";
	if (strcmp(kind, "success") == 0)
		return "succeeded";
	if (strcmp(kind, "sla_miss") == 0)
		return "missed its SLA";
	if (strcmp(kind, "warning") == 0)
		return "succeeded with a warning";
	return kind;
}

/* What a try ended with: its recorded error as it is when it begins
 * with its exit code or signal ("exit code 1: what the task said last"),
 * else after "error: " (an executor's), with the exit code or signal
 * before it when known; without an error, the exit code or signal. */
static void
result_add(struct buf *b, const char *error, int has_exit, int exit_code,
	   int sig, const char *label)
{
	char end[96];

	if (error == NULL || error[0] == '\0') {
		if (sig != 0 || has_exit)
			buf_adds(b, try_reason_end(exit_code, sig, end, sizeof end));
		return;
	}
	if (try_reason_says_end(error, exit_code, sig) > 0) {
		texts_add(b, error, 1);
		return;
	}
	if (sig != 0 || has_exit)
		buf_printf(b, "%s (", try_reason_end(exit_code, sig, end, sizeof end));
	buf_adds(b, label);
	texts_add(b, error, 1);
	if (sig != 0 || has_exit)
		buf_addc(b, ')');
}

/* The Result: of a try's message. */
static char *
result_text(const struct notify_event *ev)
{
	int warning = ev->kind != NULL && strcmp(ev->kind, "warning") == 0;
	struct buf b;

	buf_init(&b, 0);
	/* an executor's error stands alone: its exit code says nothing */
	result_add(&b, ev->error, ev->error == NULL || ev->error[0] == '\0',
		   ev->exit_code, ev->signal, warning ? "warning: " : "error: ");
	return buf_steal(&b);
}

/* One labelled line of the summary, in both bodies. */
static void
field_add(struct buf *text, struct buf *html, const char *label,
	  const char *value)
{
	char *v;

	if (value == NULL || value[0] == '\0')
		return;
	v = one_line(value);
	buf_printf(text, "%-11s %s\n", label, v);
	buf_adds(html, "<tr><th align=\"left\">");
	text_html_escape(html, label);
	buf_adds(html, "</th><td>");
	text_html_escape(html, v);
	buf_adds(html, "</td></tr>\n");
	free(v);
}

/* "<li>" and label (escaped), a link to link when it is not NULL (and
 * a web address: text_html_link). */
static void
li_link(struct buf *html, const char *link, const char *label)
{
	buf_adds(html, "<li>");
	if (link != NULL)
		text_html_link(html, link, label);
	else
		text_html_escape(html, label);
}

/* The recipients of ev as a JSON array of clean one-line strings. */
static json_t *
recipients_json(const struct notify_event *ev)
{
	json_t *to = json_array();

	for (size_t i = 0; ev->to != NULL && ev->to[i] != NULL; i++) {
		char *addr = one_line(ev->to[i]);

		json_array_append_new(to, json_string(addr));
		free(addr);
	}
	return to;
}

/* A task instance of a run's event, by field. */
static const char *
ti_str(const json_t *ti, const char *key)
{
	return json_string_value(json_object_get(ti, key));
}

/* What a failed task instance's last try ended with, in words
 * (result_add). */
static char *
ti_result(const json_t *ti)
{
	const json_t *ec = json_object_get(ti, "exit_code");
	int sig = (int)json_integer_value(json_object_get(ti, "signal"));
	struct buf b;

	if (strcmp(nz(ti_str(ti, "state"), ""), "upstream_failed") == 0)
		return xstrdup("not run: an upstream task failed");
	buf_init(&b, 0);
	result_add(&b, ti_str(ti, "error"), json_is_integer(ec),
		   (int)json_integer_value(ec), sig > 0 ? sig : 0, "error: ");
	if (b.len == 0)
		buf_adds(&b, nz(ti_str(ti, "state"), "?"));
	return buf_steal(&b);
}

/* The HTML's head and first paragraph (the text so far), then open (the
 * "<table>" of the fields or the "<ul>" of a digest's list). */
static void
compose_start(struct buf *html, const struct buf *text, const char *open)
{
	buf_adds(html, "<!DOCTYPE html>\n<html><body>\n<p>");
	text_html_escape(html, buf_str(text));
	while (html->len > 0 && html->data[html->len - 1] == '\n')
		html->data[--html->len] = '\0';
	buf_printf(html, "</p>\n%s\n", open);
}

/* The "Open in sluice" line of both bodies. */
static void
open_link_add(struct buf *text, struct buf *html, const char *url)
{
	buf_printf(text, "\nOpen in sluice: %s\n", url);
	buf_adds(html, "<p>");
	text_html_link(html, url, "Open in sluice");
	buf_adds(html, "</p>\n");
}

/* The end of a message: the link (when url is not NULL), the HTML closed,
 * the options object of ev's recipients; frees the three buffers. */
static json_t *
compose_end(const struct notify_event *ev, struct buf *subject,
	    struct buf *text, struct buf *html, const char *url)
{
	json_t *opts;

	if (url != NULL)
		open_link_add(text, html, url);
	buf_adds(html, "</body></html>\n");
	opts = json_pack("{s:o, s:s, s:s, s:s}", "to", recipients_json(ev),
			 "subject", buf_str(subject), "body", buf_str(text),
			 "html", buf_str(html));
	if (opts == NULL)
		sl_fatal("notify: cannot build the email options");
	buf_free(subject);
	buf_free(text);
	buf_free(html);
	return opts;
}

/* The message about a whole run: which of its tasks failed and how,
 * each with the link to its page, and the link to the run's page. */
static json_t *
run_compose(const struct notify_event *ev, const char *kind)
{
	char *dag = one_line(nz(ev->dag, "?")), *part = one_line(nz(ev->partition, "?"));
	int failed = strcmp(kind, "failure") == 0;
	struct buf subject, text, html, names;
	size_t nfailed = 0, ntis = 0, ntasks_failed = 0, i;
	const json_t *ti;
	json_t *opts;
	char *url = NULL;

	buf_init(&subject, 0);
	buf_init(&text, 0);
	buf_init(&html, 0);
	buf_init(&names, 0);
	if (ev->base_url != NULL && ev->base_url[0] != '\0')
		url = links_run(ev->base_url, nz(ev->dag, ""), nz(ev->partition, ""));
	json_array_foreach(ev->task_instances, i, ti) {
		const char *st = nz(ti_str(ti, "state"), "");
		/* an item of a mapped task is not one of the DAG's tasks */
		int item = json_is_integer(json_object_get(ti, "map_index"));
		char *task;

		ntis += !item;
		if (strcmp(st, "failed") != 0)
			continue;
		ntasks_failed += !item;
		task = one_line(nz(ti_str(ti, "task"), "?"));
		if (nfailed < 3)
			buf_printf(&names, "%s%s", nfailed ? ", " : "", task);
		nfailed++;
		free(task);
	}
	if (nfailed > 3)
		buf_printf(&names, " and %zu more", nfailed - 3);

	buf_printf(&subject, "[sluice] %s: %s run %s", failed ? "FAILED" : "succeeded", dag, part);
	if (failed && nfailed > 0)
		buf_printf(&subject, " (%s failed)", buf_str(&names));
	if (failed)
		buf_printf(&text, "Run %s of DAG %s failed", part, dag);
	else
		buf_printf(&text, "Run %s of DAG %s succeeded", part, dag);
	if (failed && ntis > 0)
		buf_printf(&text, ": %zu of its %zu task%s failed", ntasks_failed, ntis,
			   ntis == 1 ? "" : "s");
	buf_adds(&text, ".\n\n");
	compose_start(&html, &text, "<table>");
	field_add(&text, &html, "DAG:", dag);
	field_add(&text, &html, "Partition:", part);
	field_add(&text, &html, "Run:", ev->run_id);
	buf_adds(&html, "</table>\n");
	if (failed && ntis > 0) {
		int any = 0;

		json_array_foreach(ev->task_instances, i, ti) {
			const char *st = nz(ti_str(ti, "state"), "");
			char *task, *result, *link = NULL;
			long long tn = json_integer_value(json_object_get(ti, "try_number"));
			long long tm = json_integer_value(json_object_get(ti, "max_tries"));

			if (strcmp(st, "failed") != 0 && strcmp(st, "upstream_failed") != 0)
				continue;
			if (!any) {
				buf_adds(&text, "\nTasks that did not succeed:\n");
				buf_adds(&html, "<p>Tasks that did not succeed:</p>\n<ul>\n");
				any = 1;
			}
			task = one_line(nz(ti_str(ti, "task"), "?"));
			result = ti_result(ti);
			/* a failed task's link opens the try that failed */
			if (ev->base_url != NULL && ev->base_url[0] != '\0')
				link = links_task_try(ev->base_url, nz(ev->dag, ""), nz(ev->partition, ""),
						      nz(ti_str(ti, "task"), ""),
						      strcmp(st, "failed") == 0 ? tn : 0);
			buf_printf(&text, "  %s: %s", task, result);
			li_link(&html, link, task);
			buf_adds(&html, ": ");
			text_html_escape(&html, result);
			if (strcmp(st, "failed") == 0 && tn > 0) {
				buf_printf(&text, " (try %lld of %lld)", tn, tm);
				buf_printf(&html, " (try %lld of %lld)", tn, tm);
			}
			buf_adds(&text, "\n");
			if (link != NULL)
				buf_printf(&text, "    %s\n", link);
			buf_adds(&html, "</li>\n");
			free(task);
			free(result);
			free(link);
		}
		if (any)
			buf_adds(&html, "</ul>\n");
	}
	opts = compose_end(ev, &subject, &text, &html, url);
	free(dag);
	free(part);
	free(url);
	buf_free(&names);
	return opts;
}

/* The SLA digest: every miss of one DAG found in one pass, one email. */
static json_t *
sla_digest_compose(const struct notify_event *ev)
{
	char *dag = one_line(nz(ev->dag, "?"));
	size_t n = json_array_size(ev->sla_misses), i, ntasks = 0;
	struct buf subject, text, html, names;
	const json_t *m;
	json_t *opts;

	buf_init(&subject, 0);
	buf_init(&text, 0);
	buf_init(&html, 0);
	buf_init(&names, 0);
	/* the first three task names, each once */
	json_array_foreach(ev->sla_misses, i, m) {
		const char *name = nz(ti_str(m, "task"), "?");
		int seen = 0;

		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(nz(ti_str(json_array_get(ev->sla_misses, k), "task"), "?"),
				      name) == 0;
		if (seen)
			continue;
		if (++ntasks <= 3) {
			char *task = one_line(name);

			buf_printf(&names, "%s%s", ntasks > 1 ? ", " : "", task);
			free(task);
		}
	}
	buf_printf(&subject, "[sluice] SLA missed: %s, %zu task instances (%s%s)",
		   dag, n, buf_str(&names), ntasks > 3 ? ", ..." : "");
	buf_printf(&text, "%zu task instances of DAG %s have not succeeded by "
		   "their SLA deadlines.\n\n", n, dag);
	compose_start(&html, &text, "<ul>");
	json_array_foreach(ev->sla_misses, i, m) {
		char *task = one_line(nz(ti_str(m, "task"), "?"));
		char *part = one_line(nz(ti_str(m, "partition"), "?"));
		char *deadline = one_line(nz(ti_str(m, "deadline"), "?"));
		/* one not started says why it waits, as sluice tasks does */
		char *raw = ti_str(m, "waiting") != NULL ?
			    xasprintf("%s: %s", nz(ti_str(m, "state"), "?"), ti_str(m, "waiting")) :
			    xstrdup(nz(ti_str(m, "state"), "?"));
		char *state = one_line(raw);
		char *link = NULL;

		if (ev->base_url != NULL && ev->base_url[0] != '\0')
			link = links_task(ev->base_url, nz(ev->dag, ""),
					  nz(ti_str(m, "partition"), ""),
					  nz(ti_str(m, "task"), ""));
		buf_printf(&text, "  %s %s: deadline %s, %s\n", task, part,
			   deadline, state);
		if (link != NULL)
			buf_printf(&text, "    %s\n", link);
		{
			char *label = xasprintf("%s %s", task, part);

			li_link(&html, link, label);
			free(label);
		}
		buf_adds(&html, ": deadline ");
		text_html_escape(&html, deadline);
		buf_adds(&html, ", ");
		text_html_escape(&html, state);
		buf_adds(&html, "</li>\n");
		free(task);
		free(part);
		free(deadline);
		free(state);
		free(raw);
		free(link);
	}
	buf_adds(&html, "</ul>\n</body></html>\n");
	opts = json_pack("{s:o, s:s, s:s, s:s}", "to", recipients_json(ev),
			 "subject", buf_str(&subject), "body", buf_str(&text),
			 "html", buf_str(&html));
	if (opts == NULL)
		sl_fatal("notify: cannot build the email options");
	free(dag);
	buf_free(&subject);
	buf_free(&text);
	buf_free(&html);
	buf_free(&names);
	return opts;
}

/* A partition late by its DAG's freshness: (kind "late": why in error,
 * the deadline in sla_deadline), or landed after being late
 * ("recovered"); with task set, that task's instance by the task's own
 * freshness:. */
static json_t *
fresh_compose(const struct notify_event *ev, int late)
{
	char *dag = one_line(nz(ev->dag, "?")), *part = one_line(nz(ev->partition, "?"));
	char *due = one_line(ev->sla_deadline);
	char *task = ev->task != NULL ? one_line(ev->task) : NULL;
	struct buf subject, text, html, what;
	char *link = ev->base_url != NULL && ev->base_url[0] != '\0' ?
		     links_event(ev) : NULL;
	json_t *opts;

	buf_init(&subject, 0);
	buf_init(&text, 0);
	buf_init(&html, 0);
	buf_init(&what, 0);
	if (task != NULL)
		buf_printf(&what, "Task %s of partition %s of DAG %s", task, part, dag);
	else
		buf_printf(&what, "Partition %s of DAG %s", part, dag);
	if (late) {
		buf_printf(&subject, "[sluice] LATE: %s%s%s %s", dag,
			   task ? "." : "", task ? task : "", part);
		if (due[0] != '\0')
			buf_printf(&subject, " (due %s)", due);
		buf_printf(&text, "%s has not landed by its freshness deadline%s%s.\n\n",
			   what.data, due[0] ? " " : "", due);
	} else {
		buf_printf(&subject, "[sluice] recovered: %s%s%s %s", dag,
			   task ? "." : "", task ? task : "", part);
		buf_printf(&text, "%s has landed (it was late%s%s).\n\n",
			   what.data, due[0] ? ", due " : "", due);
	}
	compose_start(&html, &text, "<table>");
	field_add(&text, &html, "DAG:", dag);
	if (task != NULL)
		field_add(&text, &html, "Task:", task);
	field_add(&text, &html, "Partition:", part);
	field_add(&text, &html, "Due:", due);
	field_add(&text, &html, late ? "Why:" : "Was:", ev->error);
	buf_adds(&html, "</table>\n");
	opts = compose_end(ev, &subject, &text, &html, link);
	free(link);
	buf_free(&what);
	free(dag);
	free(part);
	free(due);
	free(task);
	return opts;
}

/* The freshness digest: the partitions of one DAG (or one task's) that
 * became late, or landed after being late, in one pass; each with its
 * deadline, why, and its link; then the partition map over them. */
static json_t *
fresh_digest_compose(const struct notify_event *ev, int late)
{
	const json_t *list = ev->fresh_digest, *p;
	size_t n = json_array_size(list), i;
	char *dag = one_line(nz(ev->dag, "?"));
	char *task = ev->task != NULL ? one_line(ev->task) : NULL;
	const char *first = nz(ti_str(json_array_get(list, 0), "partition"), "?");
	const char *last = nz(ti_str(json_array_get(list, n - 1), "partition"), "?");
	char *from = one_line(first), *to = one_line(last);
	char *map = ev->base_url != NULL && ev->base_url[0] != '\0' && ev->dag ?
		links_map_range(ev->base_url, ev->dag, first, last) : NULL;
	char *same = NULL;	/* the one reason of every partition */
	struct buf subject, text, html;
	json_t *opts;

	if (json_shared_string(list, "why") != NULL)
		same = one_line(json_shared_string(list, "why"));
	buf_init(&subject, 0);
	buf_init(&text, 0);
	buf_init(&html, 0);
	buf_printf(&subject, "[sluice] %s: %s%s%s, %zu partitions, %s to %s",
		   late ? "LATE" : "recovered", dag, task ? "." : "",
		   task ? task : "", n, from, to);
	if (late)
		buf_printf(&text, "%zu partitions of %s %s have not landed by "
			   "their freshness deadlines.\n\n", n,
			   task ? "task" : "DAG", task ? task : dag);
	else
		buf_printf(&text, "%zu partitions of %s %s have landed; each was "
			   "late.\n\n", n, task ? "task" : "DAG", task ? task : dag);
	if (task != NULL)
		buf_printf(&text, "DAG: %s\n\n", dag);
	if (same != NULL)
		/* one reason for all (a paused DAG, catchup off): said once */
		buf_printf(&text, "%s %s\n\n", late ? "Why:" : "Was:", same);
	compose_start(&html, &text, "<ul>");
	json_array_foreach(list, i, p) {
		const char *key = nz(ti_str(p, "partition"), "?");
		char *part = one_line(key);
		char *due = one_line(ti_str(p, "due"));
		char *why = one_line(ti_str(p, "why"));
		char *link = NULL;

		if (ev->base_url != NULL && ev->base_url[0] != '\0' && ev->dag)
			link = json_is_true(json_object_get(p, "no_run")) ?
			       links_dag_at(ev->base_url, ev->dag, key) :
			       links_run(ev->base_url, ev->dag, key);
		buf_printf(&text, "  %s: due %s", part, due);
		if (why[0] != '\0' && same == NULL)
			buf_printf(&text, "; %s%s", late ? "" : "was: ", why);
		buf_adds(&text, "\n");
		if (link != NULL)
			buf_printf(&text, "    %s\n", link);
		li_link(&html, link, part);
		buf_adds(&html, ": due ");
		text_html_escape(&html, due);
		if (why[0] != '\0' && same == NULL) {
			buf_adds(&html, "; ");
			text_html_escape(&html, late ? "" : "was: ");
			text_html_escape(&html, why);
		}
		buf_adds(&html, "</li>\n");
		free(part);
		free(due);
		free(why);
		free(link);
	}
	buf_adds(&html, "</ul>\n");
	if (map != NULL) {
		buf_printf(&text, "\nThe partition map of %s to %s: %s\n", from, to, map);
		buf_adds(&html, "<p>");
		text_html_link(&html, map, "The partition map of these partitions");
		buf_adds(&html, "</p>\n");
	}
	opts = compose_end(ev, &subject, &text, &html, NULL);
	free(same);
	free(map);
	free(dag);
	free(task);
	free(from);
	free(to);
	return opts;
}

json_t *
notify_compose(const struct notify_event *ev)
{
	if (ev->kind != NULL && (strcmp(ev->kind, "late") == 0 ||
				 strcmp(ev->kind, "recovered") == 0))
		return ev->fresh_digest != NULL && ev->partition == NULL ?
		       fresh_digest_compose(ev, ev->kind[0] == 'l') :
		       fresh_compose(ev, ev->kind[0] == 'l');
	if (ev->sla_misses != NULL && ev->task == NULL)
		return sla_digest_compose(ev);
	const char *kind = nz(ev->kind, "failure");
	int sla = strcmp(kind, "sla_miss") == 0;
	int has_try = !sla && ev->try_number > 0;
	char *dag = one_line(nz(ev->dag, "?")), *task = one_line(nz(ev->task, "?"));
	char *part = one_line(nz(ev->partition, "?"));
	char *result = NULL, *tail = NULL, *deadline = one_line(ev->sla_deadline);
	char tries[64] = "", dur[64] = "", why[512] = "";
	struct buf subject, text, html, url;
	json_t *to, *opts;

	if (ev->task == NULL && !sla) {
		free(dag);
		free(task);
		free(part);
		free(deadline);
		return run_compose(ev, kind);
	}
	to = recipients_json(ev);
	buf_init(&subject, 0);
	buf_init(&text, 0);
	buf_init(&html, 0);
	buf_init(&url, 0);
	if (has_try && ev->max_tries > 0)
		snprintf(tries, sizeof tries, "%d of %d", ev->try_number,
			 ev->max_tries);
	else if (has_try)
		snprintf(tries, sizeof tries, "%d", ev->try_number);
	if (!sla && ev->duration_ms > 0)
		sl_format_duration(ev->duration_ms, dur, sizeof dur);
	if (!sla && strcmp(kind, "success") != 0)
		result = result_text(ev);
	if (ev->base_url != NULL && ev->base_url[0] != '\0' && ev->dag != NULL &&
	    ev->partition != NULL) {
		/* the try this message is about, not whichever ran last */
		char *link = ev->task != NULL ?
		    links_task_try(ev->base_url, ev->dag, ev->partition, ev->task,
				   has_try ? ev->try_number : 0) :
		    links_run(ev->base_url, ev->dag, ev->partition);

		buf_adds(&url, link);
		free(link);
	}
	if (ev->log_path != NULL && ev->log_path[0] != '\0')
		tail = log_tail(ev->log_path, why, sizeof why);

	/* subject: what happened first, so it reads in a list of mails */
	if (strcmp(kind, "failure") == 0)
		buf_adds(&subject, "[sluice] FAILED: ");
	else if (strcmp(kind, "retry") == 0)
		buf_adds(&subject, "[sluice] retrying: ");
	else if (strcmp(kind, "success") == 0)
		buf_adds(&subject, "[sluice] succeeded: ");
	else if (sla)
		buf_adds(&subject, "[sluice] SLA missed: ");
	else if (strcmp(kind, "warning") == 0)
		buf_adds(&subject, "[sluice] WARNING: ");
	else
		buf_printf(&subject, "[sluice] %s: ", kind);
	buf_printf(&subject, "%s.%s %s", dag, task, part);
	if (tries[0] != '\0' && strcmp(kind, "success") != 0)
		buf_printf(&subject, " (try %s)", tries);
	if (sla && deadline[0] != '\0')
		buf_printf(&subject, " (deadline %s)", deadline);

	if (sla)
		buf_printf(&text, "Task %s of DAG %s has not succeeded for "
			   "partition %s by its SLA deadline%s%s.\n\n", task,
			   dag, part, deadline[0] ? " " : "", deadline);
	else
		buf_printf(&text, "Task %s of DAG %s %s on partition %s%s%s%s%s."
			   "\n\n", task, dag, kind_verb(kind), part,
			   tries[0] ? " (try " : "", tries, tries[0] ? ")" : "",
			   strcmp(kind, "retry") == 0 ?
			   " and will be tried again" : "");
	compose_start(&html, &text, "<table>");
	field_add(&text, &html, "DAG:", dag);
	field_add(&text, &html, "Task:", task);
	field_add(&text, &html, "Partition:", part);
	field_add(&text, &html, "Run:", ev->run_id);
	/* an SLA miss of a task not started: why it waits */
	field_add(&text, &html, "Waiting:", sla ? ev->sla_waiting : NULL);
	field_add(&text, &html, "Try:", tries);
	field_add(&text, &html, "Result:", result);
	field_add(&text, &html, "Duration:", dur);
	field_add(&text, &html, "Host:", ev->host);
	field_add(&text, &html, "SLA:", deadline);
	field_add(&text, &html, "Log:", ev->log_path);
	buf_adds(&html, "</table>\n");
	if (url.len > 0)
		open_link_add(&text, &html, buf_str(&url));
	if (tail != NULL) {
		buf_printf(&text, "\nLast %d lines of the log:\n%s",
			   NOTIFY_LOG_LINES, tail);
		buf_printf(&html, "<p>Last %d lines of the log:</p>\n<pre>",
			   NOTIFY_LOG_LINES);
		text_html_escape(&html, tail);
		buf_adds(&html, "</pre>\n");
	} else if (why[0] != '\0') {
		char *w = one_line(why);

		buf_printf(&text, "\n(no log: %s)\n", w);
		buf_adds(&html, "<p>(no log: ");
		text_html_escape(&html, w);
		buf_adds(&html, ")</p>\n");
		free(w);
	}
	buf_adds(&html, "</body></html>\n");

	opts = json_pack("{s:o, s:s, s:s, s:s}", "to", to,
			 "subject", buf_str(&subject), "body", buf_str(&text),
			 "html", buf_str(&html));
	if (opts == NULL)
		sl_fatal("notify: cannot build the email options");
	free(dag);
	free(task);
	free(part);
	free(result);
	free(tail);
	free(deadline);
	buf_free(&subject);
	buf_free(&text);
	buf_free(&html);
	buf_free(&url);
	return opts;
}

json_t *
notify_spec(const struct notify_event *ev, const json_t *smtp,
	    const char *home)
{
	json_t *spec = json_object();

	json_object_set_new(spec, "type", json_string("email"));
	if (ev->dag != NULL)
		json_object_set_new(spec, "dag", json_string(ev->dag));
	if (ev->task != NULL)
		json_object_set_new(spec, "task", json_string(ev->task));
	if (ev->partition != NULL)
		json_object_set_new(spec, "partition",
				    json_string(ev->partition));
	if (ev->run_id != NULL)
		json_object_set_new(spec, "run_id", json_string(ev->run_id));
	json_object_set_new(spec, "options", notify_compose(ev));
	if (smtp != NULL)
		json_object_set_new(spec, "smtp", json_deep_copy(smtp));
	if (ev->base_url != NULL)
		json_object_set_new(spec, "base_url", json_string(ev->base_url));
	if (home != NULL)
		json_object_set_new(spec, "home", json_string(home));
	/* an alert the SMTP server never took goes to HOME/outbox/ */
	json_object_set_new(spec, "keep_unsent", json_true());
	return spec;
}

/* The scheduler's notifier: messages composed here, sent by `sluice
 * operator email`. Registered by operators_register(). */
const struct notifier notifier_email = {
	.name = "email",
	.op = "email",
	.spec = notify_spec,
};
