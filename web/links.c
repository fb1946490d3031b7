/* links.c: the addresses of the UI's pages (see links.h). */
#include "web/links.h"

#include <string.h>

#include <jansson.h>

#include "base/text.h"
#include "base/util.h"
#include "operators/notify.h"

void
links_build(struct buf *out, const char *base_url, const char *pattern,
	    const char *const *values)
{
	size_t n = base_url != NULL ? strlen(base_url) : 0;
	int k = 0;

	while (n > 0 && base_url[n - 1] == '/')
		n--;
	buf_add(out, base_url != NULL ? base_url : "", n);
	for (const char *p = pattern; *p != '\0';) {
		const char *close;

		if (*p == '{' && (close = strchr(p, '}')) != NULL) {
			text_url_segment(out, values[k] != NULL ? values[k] : "");
			k++;
			p = close + 1;
		} else
			buf_addc(out, *p++);
	}
}

char *
links_task(const char *base_url, const char *dag, const char *partition,
	   const char *task)
{
	return links_task_try(base_url, dag, partition, task, 0);
}

char *
links_task_try(const char *base_url, const char *dag, const char *partition,
	       const char *task, long long try_number)
{
	const char *values[] = { dag, partition, task };
	struct buf b;

	buf_init(&b, 0);
	links_build(&b, base_url, LINK_PAGE_TASK, values);
	if (try_number > 0)
		buf_printf(&b, "?try=%lld", try_number);
	return buf_steal(&b);
}

char *
links_dag_at(const char *base_url, const char *dag, const char *partition)
{
	const char *values[] = { dag };
	struct buf b;

	buf_init(&b, 0);
	links_build(&b, base_url, LINK_PAGE_DAG, values);
	buf_adds(&b, "?at=");
	text_url_segment(&b, partition);
	return buf_steal(&b);
}

char *
links_map_range(const char *base_url, const char *dag, const char *from,
		const char *to)
{
	const char *values[] = { dag };
	struct buf b;

	buf_init(&b, 0);
	links_build(&b, base_url, LINK_PAGE_MAP, values);
	buf_adds(&b, "?from=");
	text_url_segment(&b, from);
	buf_adds(&b, "&to=");
	text_url_segment(&b, to);
	return buf_steal(&b);
}

char *
links_run(const char *base_url, const char *dag, const char *partition)
{
	const char *values[] = { dag, partition };
	struct buf b;

	buf_init(&b, 0);
	links_build(&b, base_url, LINK_PAGE_RUN, values);
	return buf_steal(&b);
}

char *
links_event(const struct notify_event *ev)
{
	size_t n = json_array_size(ev->fresh_digest);
	int at_try = strcmp(ev->kind, "sla_miss") != 0 &&
		     strcmp(ev->kind, "late") != 0 && strcmp(ev->kind, "recovered") != 0;

	if (ev->dag == NULL)
		return NULL;
	if (n > 0)
		return links_map_range(ev->base_url, ev->dag,
		    json_string_value(json_object_get(json_array_get(ev->fresh_digest, 0), "partition")),
		    json_string_value(json_object_get(json_array_get(ev->fresh_digest, n - 1), "partition")));
	if (ev->partition == NULL)
		return NULL;
	if (ev->no_run)
		return links_dag_at(ev->base_url, ev->dag, ev->partition);
	if (ev->task != NULL)
		return links_task_try(ev->base_url, ev->dag, ev->partition, ev->task,
				      at_try ? ev->try_number : 0);
	return links_run(ev->base_url, ev->dag, ev->partition);
}
