/*
 * links.h: the addresses of the web UI's pages, for every part that sends
 * a link (the email notifier, later webhooks). The patterns here are the
 * ones web/routes.c matches, so a link built here opens the page it names.
 *
 * A pattern is a path of literal segments and {name} captures; a link
 * fills each capture, in order, with a value percent-encoded as one path
 * segment (text_url_segment in base/text.h).
 */
#ifndef SLUICE_LINKS_H
#define SLUICE_LINKS_H

struct buf;
struct notify_event;

#define LINK_PAGE_DAGS	"/"
#define LINK_PAGE_DAG	"/dags/{dag}"
#define LINK_PAGE_MAP	"/dags/{dag}/map"
#define LINK_PAGE_GRAPH	"/dags/{dag}/graph"
#define LINK_PAGE_RUN	"/dags/{dag}/runs/{partition}"
#define LINK_PAGE_TASK	"/dags/{dag}/runs/{partition}/tasks/{task}"
#define LINK_PAGE_DATASETS	"/datasets"
#define LINK_PAGE_DATASET	"/datasets/{name}"

/* Append to out: base_url without trailing slashes (may be NULL or ""
 * for a path alone), then pattern with its captures filled from values
 * (as many as the pattern has {captures}; a NULL value fills ""). */
void links_build(struct buf *out, const char *base_url, const char *pattern,
		 const char *const *values);
/* The page of a task instance, and of a run (caller frees). */
char *links_task(const char *base_url, const char *dag, const char *partition,
		 const char *task);
char *links_run(const char *base_url, const char *dag, const char *partition);
/* The page of a task instance opened at one of its tries (`?try=N`: the
 * page shows that try's log, not the latest one's), so an alert about
 * try N still shows try N once later tries ran; try_number <= 0 is the
 * page alone (caller frees). */
char *links_task_try(const char *base_url, const char *dag, const char *partition,
		     const char *task, long long try_number);
/* The DAG's grid opened at a partition (`?at=KEY`, which also names a
 * partition without a run); caller frees. */
char *links_dag_at(const char *base_url, const char *dag, const char *partition);
/* The DAG's partition map over [from, to] (`?from=KEY&to=KEY`, keys or
 * times as the map's range form takes them); caller frees. */
char *links_map_range(const char *base_url, const char *dag, const char *from,
		      const char *to);

/*
 * The page an event is about, under base_url (a path without one): a
 * freshness digest's partition map over its partitions, a partition with
 * no run its place in the grid, a task's page (at its try, but for an SLA
 * miss or a freshness event), else the run's page. The one link of the
 * event's email and of its webhook's payload. Caller frees.
 */
char *links_event(const struct notify_event *ev);

#endif
