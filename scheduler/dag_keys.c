/* dag_keys.c: the keys of a DAG file and of every task, as tables (see
 * dag_keys.h). The loader checks keys against these tables; the schema and
 * the reference are generated from them. Past 800 lines on purpose: most
 * of it is the tables' documentation text, which is the reference. */
#include "scheduler/dag_keys.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/text.h"
#include "operators/operator.h"
#include "scheduler/dag.h"

const struct dag_key_value dag_trigger_rules[] = {
	[TR_ALL_SUCCESS] = { "all_success", "every upstream task succeeded (the default)" },
	[TR_ALL_FAILED] = { "all_failed", "every upstream task failed or is upstream_failed" },
	[TR_ALL_DONE] = { "all_done", "every upstream task finished, whatever its state" },
	[TR_ONE_SUCCESS] = { "one_success", "at least one upstream task succeeded (runs without waiting for the rest)" },
	[TR_ONE_FAILED] = { "one_failed", "at least one upstream task failed (runs without waiting for the rest)" },
	[TR_NONE_FAILED] = { "none_failed", "no upstream task failed or is upstream_failed (skipped ones are fine)" },
	[TR_NONE_SKIPPED] = { "none_skipped", "every upstream task finished and none was skipped" },
	[TR_NONE_FAILED_MIN_ONE_SUCCESS] = { "none_failed_min_one_success", "none failed and at least one succeeded" },
	[TR_ALWAYS] = { "always", "runs as soon as the run starts, whatever its upstream does (after a branch task upstream has decided: see Skips and branches)" },
	{ NULL, NULL },
};

/* bit i of email_on is 1 << i (EMAIL_ON_* in dag.h) */
const struct dag_key_value dag_email_on_values[] = {
	{ "failure", "a try failed for good (no retry left); for a DAG: the run failed" },
	{ "retry", "a try failed and the task will be retried" },
	{ "success", "the task succeeded; for a DAG: the run succeeded" },
	{ "sla_miss", "the task missed its sla (see sla)" },
	{ NULL, NULL },
};

const struct dag_key_value dag_retry_backoffs[] = {
	{ "constant", "wait retry_delay before every retry (the default)" },
	{ "exponential", "double the wait at every retry, up to max_retry_delay" },
	{ "none", "the same as constant" },
	{ NULL, NULL },
};

const struct dag_key_value dag_param_decl_keys[] = {
	{ "type", "string, integer, number or boolean; default: the default's type, else string" },
	{ "enum", "the list of values allowed" },
	{ "pattern", "a POSIX extended regular expression the whole value must match" },
	{ "description", "one line, shown where the param is asked for" },
	{ "default", "the value when a run gives none; without one the param is required" },
	{ "secret", "true: shown as *** in rendered commands, the API and the audit log" },
	{ NULL, NULL },
};

const struct dag_key_value dag_param_types[] = {
	{ "string", "any text" },
	{ "integer", "a whole number (\"20\" is accepted from the command line)" },
	{ "number", "a number" },
	{ "boolean", "true or false" },
	{ NULL, NULL },
};

const struct dag_key_value dag_need_keys[] = {
	{ "dag", "another DAG whose partitions this one waits for (all its tasks, or task:)" },
	{ "task", "with dag: the one task of it whose success counts" },
	{ "dataset", "instead of dag: a dataset some task declares with produces:" },
	{ "offset", "-N: shift this partition's interval back N of its own periods first (-1: the previous one)" },
	{ "latest", "true: only the newest successful upstream partition ending at or before this one's end" },
	{ "on_change", "when an upstream partition this one used succeeds again: rerun (the default), mark or ignore" },
	{ NULL, NULL },
};

const struct dag_key_value dag_need_on_change[] = {
	[NEED_RERUN] = { "rerun", "run the partition again once, after every upstream partition it needs has settled (the default)" },
	[NEED_MARK] = { "mark", "only mark it stale (sluice runs, tasks, the API and the UI say so; sluice clear --only-stale re-runs it)" },
	[NEED_IGNORE] = { "ignore", "do nothing" },
	{ NULL, NULL },
};

const struct dag_key_value dag_teardown_failure_values[] = {
	{ "fail", "a failed teardown fails the run (the default)" },
	{ "ignore", "a failed teardown leaves the run's state to the other tasks" },
	{ NULL, NULL },
};

const struct dag_key_value dag_key_notes[] = {
	{ "Groups",
	  "group: NAME puts a task in a group. after: may name group:NAME: the "
	  "task then runs after every task of the group (under its trigger_rule, "
	  "as if each were listed). A group that no task names, or a task "
	  "listing its own group, is a load error (file:line:column). The grid "
	  "and the graph show a group as one column (one box) whose state is "
	  "the aggregate of its tasks': running while any is scheduled, queued, "
	  "running or waiting for a retry; else failed if any failed or is "
	  "upstream_failed; else none while none has ended (running while some "
	  "have); else success (skipped when all were skipped). A "
	  "click on the group's column (or box) shows its tasks. Example: load "
	  "runs once both extracts have succeeded:\n\n"
	  "    tasks:\n"
	  "      extract_orders:\n"
	  "        group: extract\n"
	  "        command: ./extract.sh orders {{ ds }}\n"
	  "      extract_stores:\n"
	  "        group: extract\n"
	  "        command: ./extract.sh stores {{ ds }}\n"
	  "      load:\n"
	  "        after: [\"group:extract\"]\n"
	  "        command: ./load.sh {{ ds }}" },
	{ "Setup and teardown",
	  "setup: true makes a task a setup (it creates something: a cluster, a "
	  "scratch schema); teardown_of: SETUP on another makes it that setup's "
	  "teardown (it removes it). The scope is every task downstream of the "
	  "setup and upstream of the teardown; the teardown waits for the setup "
	  "and for every task of the scope, and runs once they have all ended, "
	  "whatever their states, provided the setup succeeded (a failed setup: "
	  "the teardown is upstream_failed; a skipped one: skipped). A teardown "
	  "takes no trigger_rule. The run's state follows its tasks: a failed "
	  "task of the scope fails the run even though the teardown succeeded; a "
	  "failed teardown fails the run too, unless on_teardown_failure: "
	  "ignore. Clearing a task of the scope (or the setup) clears the setup "
	  "and the teardown as well, so the resource exists while it re-runs and "
	  "is removed after; sluice clear's preview and the web's list them. "
	  "A task of the scope also waits for its setup to have ended (after a "
	  "clear, the setup runs again before it). The canonical case: create a "
	  "cluster, run steps on it, always terminate it (dags/transient_cluster.yaml "
	  "runs it with nothing but a shell):\n\n"
	  "    tasks:\n"
	  "      create_cluster:\n"
	  "        setup: true\n"
	  "        command: ./cluster.sh create {{ partition }}\n"
	  "      extract:\n"
	  "        group: steps\n"
	  "        after: [create_cluster]\n"
	  "        command: ./step.sh extract {{ ds }}\n"
	  "      transform:\n"
	  "        group: steps\n"
	  "        after: [extract]\n"
	  "        command: ./step.sh transform {{ ds }}\n"
	  "      terminate_cluster:\n"
	  "        teardown_of: create_cluster\n"
	  "        after: [\"group:steps\"]\n"
	  "        command: ./cluster.sh terminate {{ partition }}\n\n"
	  "If transform fails, terminate_cluster still runs once it has ended and "
	  "the run is failed; if create_cluster fails, nothing runs on the cluster "
	  "and terminate_cluster is upstream_failed." },
	{ "Needs",
	  "needs: makes a partition wait for the partitions of other DAGs (or of a "
	  "dataset a task produces:), mapped by intervals with no mapper to write. "
	  "A partition needs every upstream partition whose data interval "
	  "overlaps its own (starts before its end and ends after its start). "
	  "Aligned, those are the ones inside it (a daily partition in "
	  "America/New_York over an hourly UTC upstream needs 24 hours, 23 or 25 "
	  "on a DST day; a weekly one over a daily upstream 7); when the upstream "
	  "is coarser, the one upstream partition whose interval contains its "
	  "own; misaligned, the ones straddling its start and its end too, so "
	  "no upstream partition is left out: a week starting Monday 00:00 UTC "
	  "over a daily upstream at 5 0 * * * needs 8 (from the Sunday 00:05 "
	  "before it to its own Sunday 00:05), a day in Asia/Kolkata (18:30 to "
	  "18:30 UTC) over an hourly UTC upstream 25 (18:00 to 18:00 UTC), and "
	  "it waits for the last of them to end. offset: -N shifts the "
	  "interval back N of the consumer's own periods first; latest: true "
	  "needs only the newest successful upstream partition ending at or "
	  "before the consumer's end; an unscheduled consumer needs the upstream "
	  "partition with its own key, so a trigger of it takes a key of the "
	  "upstream (a time names the upstream partition holding it; no "
	  "--partition, the upstream's latest complete one, or over an "
	  "unscheduled upstream the key of its newest successful run, refused "
	  "while it has none) and refuses a key "
	  "no upstream partition can have (adhoc-1 over an hourly DAG), naming "
	  "keys that would do; a run made with such a key before says where it "
	  "waits that it never starts. A DAG's run is created at its tick as "
	  "always and its tasks wait, holding no process and no slot, until the "
	  "interval has ended and every need is met; the success of the last "
	  "upstream task instance starts them in the same loop turn; a partition "
	  "triggered or backfilled for the current or a future interval waits "
	  "for its end the same way (the trigger and the backfill say so; the "
	  "tasks of such a DAG without needs run at once). While they "
	  "wait, sluice tasks, the API and the task page say for what "
	  "(trades_hourly.load: 11 of 24 partitions, missing "
	  "2026-12-03T13:00+00:00 to 23:00, each range's start with the "
	  "upstream zone's offset). An interval where the upstream has no "
	  "partition (before its start:, past its end:, e.g. the consumer's "
	  "first day with offset: -1) has nothing to wait for: the partition "
	  "starts, and the wait text and the try's log say so (hourly.load has "
	  "no partition in this interval (it starts 2026-12-05T00:00:00+00:00): "
	  "nothing to wait for). An unscheduled upstream under a scheduled "
	  "consumer is needed by its runs made in the consumer's interval, at "
	  "least one: until one succeeds the wait text says 'waits for a "
	  "successful run of u in this interval; none yet'. A need names a DAG (and task) or a dataset "
	  "that exists in the DAG folder, a dataset has one producing task, and "
	  "DAGs do not need each other in a cycle; a DAG whose needs do not "
	  "resolve is listed with the error (file:line:column) and does not load "
	  "(a DAG that loaded before keeps its last good version), the other DAGs "
	  "load. Examples in dags/: stock_bands_hourly_rollup over "
	  "stock_prices_hourly (local); on AWS firehose_to_redshift (hourly) -> "
	  "stock_bands_emr_rollup (daily, EMR; produces warehouse.bollinger_bands) "
	  "-> stock_bands_weekly (a week needs that dataset's 7 days), and "
	  "retail_extracts_daily -> retail_weekly_fact (a week needs 7 daily "
	  "extract partitions)." },
	{ "Staleness and lineage",
	  "Each try of a task with needs records which upstream partition runs "
	  "(and which of their tries) it consumed: the task page and the API show "
	  "it. When an upstream partition succeeds again after a consumer used it "
	  "(a clear and re-run, late data re-imported), that consumer partition "
	  "becomes stale. on_change: rerun (the default) runs it again once, after "
	  "every upstream partition it used has settled (none of them queued or "
	  "running), and its own consumers follow the same rule further down; "
	  "mark only marks it (sluice runs, the API and the task page say so; "
	  "sluice clear --only-stale re-runs the marked ones); ignore does "
	  "nothing. sluice clear's preview (--dry-run, the confirmation) and the "
	  "web UI's clear dialogs (the grid, the partition map) list the consumer "
	  "partitions in other DAGs that will re-run as a consequence. Example: "
	  "clear hour 13:00 of "
	  "stock_prices_hourly and once it is re-imported, that day of "
	  "stock_bands_hourly_rollup re-runs, once." },
	{ "Freshness",
	  "freshness: 45m on a scheduled DAG means each partition must succeed "
	  "within 45 minutes after its interval ends; one that has not is late "
	  "(the partition map, sluice status and the API say so). The scheduler "
	  "checks every expected partition of the last freshness_lookback "
	  "(sluice.yaml, default 7d) at its start (what became late while it was "
	  "down) and every minute, whether or not the partition has a run. A late "
	  "partition is alerted once, to the DAG's email and its notify webhooks, "
	  "with why: no run (the DAG is paused, catchup is off so the scheduler "
	  "skipped it, the scheduler was down when it was due, max_active_runs "
	  "holds it) or which tasks of its run are running, waiting or failed; "
	  "when it lands a recovery notice follows. The partitions one check "
	  "finds late (a DAG deployed with a past start, a scheduler back after "
	  "a day) are one email and one webhook post listing each, with the "
	  "link to the partition map over them, not one each; recovery notices "
	  "are grouped the same way. With catchup: false, the partitions that "
	  "ended before the scheduler first loaded the DAG (all but the latest "
	  "of them, which it runs) are never late: they are missing, as nothing "
	  "was to run them; one skipped later (the scheduler was down) is. "
	  "A paused DAG alerts too, saying so, unless freshness_when_paused: "
	  "false. /metrics has sluice_partitions_late{dag=...}: the late partitions "
	  "of the look-back window that were alerted and have not recovered (each "
	  "partition that ended inside it counts, however long). freshness: on a "
	  "task means the same for that task's instance of each partition: it "
	  "must succeed that long after the interval ends; if not, the task is "
	  "late in that partition, alerted once naming the task (to the task's "
	  "email and notify when it names them, else the DAG's) with why, then "
	  "a recovery notice; the map of the dataset that task produces shows "
	  "it late. A task without its own freshness: has the DAG's." },
	{ "Webhooks",
	  "notify: [NAME] on a DAG or a task posts its events to webhooks defined "
	  "in sluice.yaml's webhooks: (url, format: json or slack, secret_header "
	  "with secret_env); notify_on: chooses the events, as email_on does for "
	  "email (default [failure]). A task that gives notify_on: but no notify: "
	  "posts to the DAG's webhooks, as a task without email: mails the DAG's "
	  "email:; email_on: or notify_on: naming events that nothing would get "
	  "(no email: or notify: on the task, its defaults or the DAG) is an "
	  "error at load time, as is a name not defined in webhooks:, with its "
	  "line and column. The DAG's webhooks also get its "
	  "freshness alerts. Each delivery is recorded with the event and sent by "
	  "a child process with retries and back-off, once, across restarts; "
	  "the URL is a secret and is never shown (operators/WEBHOOKS.md)." },
	{ "Partitions",
	  "A scheduled DAG has one partition per schedule tick: the data interval "
	  "[tick, next tick) in the DAG's timezone. The partition's key is its start "
	  "as ISO-8601 with the zone's offset (2024-03-08T00:00:00-05:00). The "
	  "scheduler creates a run for a partition once it has ended (at its next "
	  "tick), from start (the first tick at or after it) to end; with "
	  "catchup: false only the latest ended partition is created. A "
	  "partition starting before start, or at end or after, is none of the "
	  "DAG's: "
	  "sluice trigger (and the API, the web's Trigger form) refuses it, "
	  "naming start: or end: and its line (2023 typed for 2024), unless "
	  "confirmed with --allow-outside-range (allow_outside_range: true, the "
	  "form's box); a backfill's range is cut to them, saying how many "
	  "partitions were left out, and one wholly outside is refused the same "
	  "way. A time typed without an offset is read in the DAG's timezone: "
	  "one that happens twice (the clocks go back) names its first "
	  "occurrence (at the end of a range, its second), and a note says how "
	  "to name the other (with its offset, -05:00, or in UTC, Z); one the "
	  "clocks skip is an error naming the partitions either side of the gap. "
	  "An unscheduled DAG (schedule: none) runs only when triggered; its "
	  "partition is the key given to the trigger, else the time of the "
	  "trigger." },
	{ "SLAs",
	  "sla counts from the end of the partition (its data interval), not from "
	  "when the run started: a task with sla: 2h in a daily partition "
	  "[00:00, 24:00) misses it at 02:00 the next day if it has not succeeded "
	  "(or been skipped) by then. A miss is recorded once per task instance "
	  "and emailed when email_on has sla_miss." },
	{ "Timeouts",
	  "timeout bounds one try of a task, from its start; a try still running "
	  "then is killed and counts as failed (and may be retried). For a sensor, "
	  "timeout bounds the whole wait, counted from its first poke; when it "
	  "passes the sensor fails (or is skipped with soft_fail). A sensor's "
	  "deadline is on the clock instead: deadline: 6h on a daily partition "
	  "[00:00, 24:00) fails it at 06:00 the next day, whenever its first poke "
	  "was (a late catch-up pokes once, then fails if the condition is not "
	  "met). With both, whichever passes first ends the wait." },
	{ "Rechecks",
	  "Late data: an s3_sensor records a fingerprint of what it matched when "
	  "it passes (each object's URL, size, and ETag on S3 or mtime on "
	  "file://). With recheck: 7d the scheduler lists the same URL again "
	  "every recheck_interval (15m by default, jittered by a tenth either "
	  "way) for each partition the sensor passed, until 7 days after the "
	  "partition's end. A recheck is one poke from the scheduler's loop, "
	  "sharing the sensors' cap on pokes in flight; it holds no process and "
	  "no slot. When the listing differs, the new fingerprint is recorded, "
	  "the sensor's log for that partition and the scheduler's log say which "
	  "objects were added, removed or changed, and the partition's tasks "
	  "downstream of the sensor are cleared (audited, by recheck:TASK) and "
	  "run again; the sensor itself stays passed. A listing that no longer "
	  "meets the sensor's condition (objects gone below min_objects) is "
	  "logged and re-runs nothing. Paused DAGs are not rechecked." },
	{ "Retries",
	  "A failed try is retried retries times, retry_delay after it ended "
	  "(doubled each time with retry_backoff: exponential, up to "
	  "max_retry_delay). Each try has its own log. A try that exits "
	  "non-zero or is killed records why: its exit code or signal "
	  "followed by the last line the task wrote to its log (exit code 1: "
	  "ERROR: column \"nosuch\" does not exist; sluice's own lines "
	  "skipped, the try's secrets masked as in its log, control "
	  "characters and malformed UTF-8 as ?, at most 300 bytes from the "
	  "log's last 16 KB), or just exit code 1 when it wrote nothing; "
	  "sluice tasks, trigger --wait, the web, emails and webhooks all "
	  "show that recorded error." },
	{ "Hooks",
	  "on_failure runs when a try failed for good (no retry left), on_success "
	  "when a try succeeded: a /bin/sh line with templates (values inserted "
	  "as quoted words), in the try's environment (see Environment), its "
	  "output appended to the try's log, never changing the task's state." },
	{ "New, changed, broken and removed files",
	  "The scheduler reads the DAG folder every 2 s and parses only the files "
	  "that changed. A DAG seen for the first time starts paused "
	  "(dags_paused_at_creation: true in sluice.yaml, the default; false "
	  "starts it at once): sluice dags unpause DAG, or the UI, starts it. A "
	  "changed file that loads replaces its DAG's version; tries running go "
	  "on. A task the change removes (or renames) is different: its running "
	  "try is stopped (its log says why; also when the task left the file "
	  "while no scheduler ran, by the next one), and in each run that had it "
	  "unfinished it ends when the run ends: skipped if it was waiting to "
	  "start or for its sensor's next poke, failed if a try of it had failed "
	  "or was stopped. Its finished instances, tries and logs stay (sluice "
	  "tasks lists it as no longer in the DAG file), and the run's state "
	  "follows the tasks the file has. Put back before the run ends, it "
	  "carries on in that run; after, sluice clear DAG --task TASK "
	  "--partition P runs it there again. A task the change makes mapped "
	  "(foreach: added) is made into items when it next runs (a retry "
	  "included); one it makes no longer mapped runs once as the file now "
	  "says, and its items end with the run as a removed task's do. A file "
	  "that loaded before and is now broken (a syntax error, an "
	  "unknown key, a cycle...) stops nothing: its DAG goes on with its last "
	  "good version (running tries continue, active runs finish, the schedule "
	  "keeps creating runs) and is listed in sluice dags list, the API and the "
	  "UI with its history and the error (file:line:column); when the file is "
	  "fixed the new version takes over and the error goes. The CLI verbs "
	  "(runs, tasks, logs, clear, mark, trigger, backfill) use that last good "
	  "version too, saying so on stderr, as the web UI and the API do; sluice "
	  "test, which tries the file as it is, refuses it with the file's error. "
	  "The last good version "
	  "survives restarts: each time a file loads with a changed text, the "
	  "database stores that text (with its SHA-256 and the file's path), and "
	  "a scheduler (or web UI) started while the file is broken loads its DAG "
	  "from it, with the file's error: tries the previous scheduler left "
	  "running are adopted, active runs finish, the schedule goes on, the DAG "
	  "has its page and history. A file that never loaded has nothing stored: "
	  "it is listed as an error and runs nothing. A removed (or renamed away) "
	  "file's DAG creates no new runs; the runs it has finish on its last "
	  "version, its history stays, and it is listed as having lost its file "
	  "(a scheduler started after the file went, or restarted, finishes the "
	  "runs it had unfinished on that version from the database, adopting "
	  "their running tries, and starts nothing else of it until a file "
	  "declares it again). A second "
	  "file declaring a DAG that a file already holds is the one in error (the "
	  "message names both files); at the scheduler's start, the file the "
	  "database records for the DAG keeps it, else the first by path." },
	{ "Task outputs",
	  "Every try gets $SLUICE_OUTPUT, the name of a file next to its log. "
	  "A task may write key=value lines to it (blank lines and # comments "
	  "ignored; a key is letters, digits, _ - .; the value is the rest of the "
	  "line) or one JSON object, at most 64 KiB: more, or a malformed file, "
	  "fails the try saying why. When the try ends the values are stored with "
	  "the task instance (the latest try's; a try that writes none leaves "
	  "none), shown on the task page and in the API (output), and tasks "
	  "downstream read them as {{ tasks.NAME.output.KEY }}. NAME must be "
	  "upstream of the task (directly or through others): anything else is "
	  "an error when the DAG loads, at the template's file:line:column. A "
	  "value is data like every template value: one quoted word in a shell "
	  "line, one literal in SQL. A key the upstream task did not write fails "
	  "the try that reads it (before it starts). sluice test runs no "
	  "upstream task: give it the values with --output NAME.KEY=VALUE. "
	  "On the ssh executor "
	  "$SLUICE_OUTPUT is a file of the try on its host, copied back when the "
	  "try ends; an executor plug-in built for interface version 3 or later "
	  "brings it back the same way (executors/EXECUTORS.md).\n\n"
	  "```yaml\n"
	  "dag: row_check\n"
	  "tasks:\n"
	  "  extract:\n"
	  "    command: |\n"
	  "      n=$(load-day {{ ds }})\n"
	  "      echo \"rows=$n\" >> \"$SLUICE_OUTPUT\"\n"
	  "  check:\n"
	  "    after: [extract]\n"
	  "    command: test {{ tasks.extract.output.rows }} -gt 0\n"
	  "```\n" },
	{ "Mapped tasks",
	  "foreach: makes a task a mapped task: when its upstream lets it run, "
	  "it expands into one task instance per item, named NAME[0], NAME[1]... "
	  "Each item has its own tries (retries count per item), log, state and "
	  "output, and {{ item }} in the task's templates is its item: a string "
	  "as it is, a number or an object as JSON; {{ item.FIELD }} (and "
	  "item.FIELD.SUB) reads a field of an object item. Like every template "
	  "value an item is data: one quoted word in a shell line, one literal "
	  "in SQL. item is an error at load time in a task without foreach, "
	  "and so is an item.FIELD that an item of a literal list does not "
	  "have (a list known only in a run fails the item that lacks it).\n\n"
	  "The list is one of: a literal YAML list (scalars or objects); a "
	  "template that renders to a JSON array, or to a comma-separated text "
	  "(\"{{ params.symbols }}\" with a param that is a list, or a text "
	  "like AAPL,MSFT); or {output: TASK, key: KEY}, the value KEY of the "
	  "output of TASK in the same run (TASK must be upstream: an error at "
	  "load time otherwise), which may be a JSON array (a JSON object output, "
	  "or a key=value line whose value is a JSON array) or a comma-separated "
	  "text (each part trimmed of blanks; an empty part is no item, "
	  "wherever it is: a,,b and a,b, are two items, an empty text or "
	  "only commas none). A JSON array is taken as it is written. Any "
	  "other value fails the task, "
	  "saying why. More items than max_map (sluice.yaml's, default 1024, or "
	  "the task's own) fail it, naming the count and the limit. Zero items "
	  "make it skipped.\n\n"
	  "max_active: N bounds the items of one partition that hold a try at "
	  "once (a sensor item waiting for its next poke counts); pools, slots, "
	  "executors, timeouts and sensors apply to each item as to any task. The "
	  "task itself is running while its items run, then success (every item "
	  "succeeded or was skipped, at least one succeeded), failed (an item "
	  "failed), or skipped (all skipped). Its downstream tasks count every "
	  "item as one upstream in their trigger rules: all_success waits for "
	  "every item, one_failed runs as soon as one item failed; zero items "
	  "count as one skipped upstream.\n\n"
	  "NAME[i] names one item wherever a task is named: sluice tasks lists "
	  "the items under their task, sluice logs DAG 'NAME[2]' PARTITION reads "
	  "one item's log, sluice clear DAG --task 'NAME[2]' clears that item "
	  "alone (the task runs again until it ends), sluice mark sets one item. "
	  "Clearing the task itself clears its items and expands it again at "
	  "its next run (the list may have changed: an item still in it keeps "
	  "its earlier tries and their logs, its next try follows its last; "
	  "items past the new list are removed). A restart of the scheduler "
	  "reads the items back: nothing is expanded or run twice.\n\n"
	  "```yaml\n"
	  "dag: quotes\n"
	  "tasks:\n"
	  "  list_symbols:\n"
	  "    command: echo 'symbols=[\"AAPL\",\"MSFT\",\"GOOG\"]' >> \"$SLUICE_OUTPUT\"\n"
	  "  quote:\n"
	  "    after: [list_symbols]\n"
	  "    foreach: {output: list_symbols, key: symbols}\n"
	  "    max_active: 2\n"
	  "    retries: 1\n"
	  "    command: fetch-quotes --symbol {{ item }} --day {{ ds }}\n"
	  "  extracts_landed:\n"
	  "    type: s3_sensor\n"
	  "    foreach: [{name: stores, key: stores.csv}, {name: sales, key: sales.csv}]\n"
	  "    url: \"s3://retail/{{ ds }}/{{ item.key }}\"\n"
	  "  report:\n"
	  "    after: [quote, extracts_landed]\n"
	  "    command: make-report {{ ds }}\n"
	  "```\n" },
	{ "Skips and branches",
	  "skip_exit_code: a try that exits with it (99 for shell tasks unless "
	  "set; 0 for none) makes the task skipped, with no retry; its downstream "
	  "tasks follow their trigger rules (all_success skips, all_done and "
	  "none_failed run). branch: true makes a task pick which of its direct "
	  "downstream tasks run: it writes branch=NAME[,NAME...] to "
	  "$SLUICE_OUTPUT. Its direct downstream tasks wait until it has ended, "
	  "whatever their trigger rules (always included). Once it succeeded, "
	  "the direct downstream tasks not named are skipped whatever their "
	  "trigger rules (also one cleared alone later), and theirs follow their "
	  "trigger rules; the named ones, and all of them when the branch task "
	  "failed or was skipped, follow their trigger rules. A name that is "
	  "not a direct downstream task fails it, saying so; writing no branch "
	  "skips them all. A task that joins the branches again usually wants "
	  "trigger_rule: none_failed_min_one_success.\n\n"
	  "```yaml\n"
	  "dag: daily_or_weekly\n"
	  "tasks:\n"
	  "  new_data:\n"
	  "    command: test -s /data/{{ ds }}.csv || exit 99   # nothing today: skipped\n"
	  "  pick:\n"
	  "    after: [new_data]\n"
	  "    branch: true\n"
	  "    command: |\n"
	  "      if [ \"$(date +%u)\" = 7 ]; then echo branch=weekly; else echo branch=daily; fi >> \"$SLUICE_OUTPUT\"\n"
	  "  daily: {after: [pick], command: ./daily.sh}\n"
	  "  weekly: {after: [pick], command: ./weekly.sh}\n"
	  "  publish:\n"
	  "    after: [daily, weekly]\n"
	  "    trigger_rule: none_failed_min_one_success\n"
	  "    command: ./publish.sh\n"
	  "```\n" },
	{ "Mapped tasks in the UI",
	  "The grid shows a mapped task (foreach:) as one column in its "
	  "aggregate state (running while its items run; then success, failed "
	  "or skipped) with the count of its items done (3/5); a click on its "
	  "head shows one column per item, NAME[0], NAME[1]..., each in its own "
	  "state with the item's value as the head's tooltip, and a click on an "
	  "item's cell opens that item's page. A mapped task's page lists its "
	  "items (index, value, state, tries, duration, a link to each); an "
	  "item's page shows its value and links to its parent, and its Clear "
	  "button clears that item alone (the preview lists it only). A late "
	  "notice (freshness:) names the items a mapped task still waits on. "
	  "Example, an excerpt of dags/retail_weekly.yaml (its dag:, schedule, "
	  "params and the other keys of its tasks left out): one s3_sensor item per extract, so "
	  "when stores and returns have not landed three hours after the day "
	  "ended the late email says \"wait_extracts waiting on "
	  "wait_extracts[2] (stores), wait_extracts[4] (returns)\", and at the "
	  "06:00 deadline those two items fail and extracts_missing emails the "
	  "data engineer:\n\n"
	  "```yaml\n"
	  "freshness: 3h\n"
	  "tasks:\n"
	  "  wait_extracts:\n"
	  "    type: s3_sensor\n"
	  "    foreach: [sales, inventory, stores, products, returns]\n"
	  "    url: \"s3://{{ params.staging }}/raw/{{ ds }}/{{ item }}.csv.gz\"\n"
	  "    connection: aws_retail\n"
	  "    deadline: 5h55m    # 06:00 the day after: the day ends at 00:05\n"
	  "  extracts_missing:\n"
	  "    type: email\n"
	  "    after: [wait_extracts]\n"
	  "    trigger_rule: one_failed\n"
	  "    to: [\"{{ params.owner }}\"]\n"
	  "    subject: \"retail extracts for {{ ds }} are missing at the deadline\"\n"
	  "  build_fact_sales:\n"
	  "    type: cluster_job\n"
	  "    after: [wait_extracts]\n"
	  "    # ...\n"
	  "```\n" },
	{ NULL, NULL },
};

const struct dag_key dag_keys_dag[] = {
	{ "dag", DKT_NAME, 1, NULL,
	  "the DAG's name: letters, digits, _ - . (at most 200), unique in the DAG folder",
	  "stock_prices_hourly", NULL, 0, 0, 0 },
	{ "description", DKT_STRING, 0, NULL,
	  "one line shown in the DAG list and on the DAG's page",
	  "Hourly trades into the warehouse", NULL, 0, 0, 1 },
	{ "schedule", DKT_CRON, 0, "none",
	  "when partitions tick: a 5-field cron line in the DAG's timezone, @hourly, @daily, @weekly, @monthly, @yearly, or none (runs only when triggered)",
	  "\"5 0 * * *\"", NULL, 0, 0, 1 },
	{ "timezone", DKT_STRING, 0, "UTC",
	  "the IANA zone the schedule, start, end and the partition keys are in",
	  "America/Edmonton", NULL, 0, 0, 0 },
	{ "start", DKT_TIME, 0, NULL,
	  "the first partition starts at the first tick at or after this time (required when scheduled; 1970-01-01T00:00:00Z or later); without an offset it is in timezone",
	  "2024-01-01T00:00:00Z", NULL, 0, 0, 1 },
	{ "end", DKT_TIME, 0, NULL,
	  "no partition starts at or after this time; must be after start",
	  "2025-01-01T00:00:00Z", NULL, 0, 0, 1 },
	{ "sla_on_backfill", DKT_BOOL, 0, "false",
	  "check tasks' sla also in manual and backfill runs of a scheduled DAG (by default only the runs the schedule made; an unscheduled DAG's runs always)",
	  "true", NULL, 0, 0, 0 },
	{ "freshness", DKT_DURATION, 0, NULL,
	  "(a scheduled DAG) each partition must succeed this long after its interval ends; one that has not is late: alerted once to email and notify (with why), then a recovery notice (see Freshness)",
	  "45m", NULL, 0, 0, 1 },
	{ "freshness_when_paused", DKT_BOOL, 0, "true",
	  "with freshness: a paused DAG's late partitions alert too (saying it is paused); false: not while paused",
	  "false", NULL, 0, 0, 0 },
	{ "catchup", DKT_BOOL, 0, "true",
	  "create a run for every ended partition since start (false: only the latest one)",
	  "false", NULL, 0, 0, 0 },
	{ "max_active_runs", DKT_INT, 0, "16",
	  "at most this many runs of the DAG are running at once",
	  "1", NULL, 1, 100000, 0 },
	{ "max_active_tasks", DKT_INT, 0, "16",
	  "at most this many tasks of the DAG run at once, over all its runs",
	  "8", NULL, 1, 1000000, 0 },
	{ "params", DKT_PARAMS, 0, NULL,
	  "the params a run takes: NAME: default, or NAME: {type, enum, pattern, description, default, secret}; used as {{ params.NAME }}",
	  "{window: {type: integer, default: 20}}", NULL, 0, 0, 1 },
	{ "defaults", DKT_DEFAULTS, 0, NULL,
	  "values for keys of every task (any task key but those that belong to one task: after, description, group, setup, teardown_of, on_teardown_failure, foreach, max_active, max_map); a task's own value wins, whole (a task's env: replaces the defaults' env:, it is not merged into it)",
	  "{retries: 2, retry_delay: 5m}", NULL, 0, 0, 1 },
	{ "tasks", DKT_TASKS, 1, NULL,
	  "the tasks: a mapping of task name (no spaces, slashes, brackets or control characters, at most 200) to its keys",
	  "{hello: {command: echo hello}}", NULL, 0, 0, 0 },
	{ "email", DKT_STRINGS, 0, NULL,
	  "who gets the DAG-run notifications chosen by email_on",
	  "[data-eng@example.com]", NULL, 0, 0, 1 },
	{ "email_on", DKT_ENUMS, 0, "[]",
	  "the DAG-run events that send an email to email (none unless given: dags validate warns of an email without it)",
	  "[failure]", dag_email_on_values, 0, 0, 0 },
	{ "notify", DKT_STRINGS, 0, NULL,
	  "the webhooks (from sluice.yaml's webhooks:) that get the DAG-run events chosen by notify_on",
	  "[team_slack]", NULL, 0, 0, 1 },
	{ "notify_on", DKT_ENUMS, 0, "[failure]",
	  "the DAG-run events posted to the webhooks of notify",
	  "[failure, success]", dag_email_on_values, 0, 0, 0 },
	{ "tags", DKT_STRINGS, 0, "[]",
	  "labels for finding the DAG in the DAG list",
	  "[finance, hourly]", NULL, 0, 0, 1 },
	{ "needs", DKT_NEEDS, 0, "[]",
	  "the partitions of other DAGs or datasets every task waits for: a list of {dag, task} or {dataset}, with offset, latest, on_change (see Needs)",
	  "[{dag: stock_prices_hourly, task: load}]", dag_need_keys, 0, 0, 1 },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL, 0, 0, 0 },
};

const struct dag_key dag_keys_task[] = {
	{ "type", DKT_STRING, 0, "shell",
	  "the task type, which decides the other keys (see Task types)",
	  "shell", NULL, 0, 0, 0 },
	{ "after", DKT_STRINGS, 0, "[]",
	  "the upstream tasks of this task, by name; group:NAME names every task of a group (see Groups)",
	  "[extract, check]", NULL, 0, 0, 1 },
	{ "trigger_rule", DKT_ENUM, 0, "all_success",
	  "what the upstream tasks must have done for this one to run",
	  "one_failed", dag_trigger_rules, 0, 0, 0 },
	{ "depends_on_past", DKT_BOOL, 0, "false",
	  "run only once this task succeeded (or was skipped) in the latest earlier partition that has a run (none: it runs); sluice tasks says which one it waits on",
	  "true", NULL, 0, 0, 0 },
	{ "retries", DKT_INT, 0, "0",
	  "how many times a failed try is tried again",
	  "3", NULL, 0, 1000, 0 },
	{ "retry_delay", DKT_DURATION, 0, "5m",
	  "the wait before a retry",
	  "30s", NULL, 0, 0, 0 },
	{ "retry_backoff", DKT_ENUM, 0, "constant",
	  "how the wait grows from one retry to the next",
	  "exponential", dag_retry_backoffs, 0, 0, 0 },
	{ "max_retry_delay", DKT_DURATION, 0, "1d",
	  "the longest wait with retry_backoff: exponential",
	  "30m", NULL, 0, 0, 0 },
	{ "timeout", DKT_DURATION, 0, NULL,
	  "a try running longer is killed and fails; for a sensor, the longest wait (see Timeouts); longer than 0; none by default: a sensor with neither timeout nor deadline pokes until its condition is met (Airflow's sensors stop after 7 days)",
	  "1h", NULL, 0, 0, 1 },
	{ "deadline", DKT_DURATION, 0, NULL,
	  "sensors: fail (or skip with soft_fail) once the clock passes the partition's end plus this (0s: its end; see Timeouts)",
	  "6h", NULL, 0, 0, 1 },
	{ "recheck", DKT_DURATION, 0, NULL,
	  "sensors that fingerprint what they matched (s3_sensor): keep checking a partition the sensor passed until its end plus this; a change re-runs the partition's downstream (see Rechecks)",
	  "7d", NULL, 0, 0, 1 },
	{ "recheck_interval", DKT_DURATION, 0, "15m",
	  "with recheck: the time between two checks of a partition (jittered by up to a tenth either way; at least 1s; nothing without recheck)",
	  "1h", NULL, 0, 0, 1 },
	{ "executor", DKT_STRING, 0, "local",
	  "the executor (from sluice.yaml's executors:) that runs the task's tries",
	  "gpu_box", NULL, 0, 0, 0 },
	{ "pool", DKT_STRING, 0, "default",
	  "the pool (from sluice.yaml's pools:) whose slots the task's tries hold",
	  "warehouse", NULL, 0, 0, 0 },
	{ "pool_slots", DKT_INT, 0, "1",
	  "how many of the pool's slots a try holds (at most the pool's size)",
	  "2", NULL, 1, 1000000, 0 },
	{ "priority", DKT_INT, 0, "0",
	  "among tasks ready at once, higher runs first",
	  "10", NULL, -1000000, 1000000, 0 },
	{ "env", DKT_ENV, 0, NULL,
	  "environment variables of the task's tries, NAME: value (values are templated)",
	  "{TABLE: \"trades_{{ ds_nodash }}\"}", NULL, 0, 0, 1 },
	{ "email_on", DKT_ENUMS, 0, "[]",
	  "the task events that send an email to email (none unless given: dags validate warns of an email without it)",
	  "[failure, sla_miss]", dag_email_on_values, 0, 0, 0 },
	{ "email", DKT_STRINGS, 0, NULL,
	  "who gets the task's notifications chosen by email_on (the DAG's email when the task has none)",
	  "[data-eng@example.com]", NULL, 0, 0, 1 },
	{ "notify", DKT_STRINGS, 0, NULL,
	  "the webhooks (from sluice.yaml's webhooks:) that get the task's events chosen by notify_on (the DAG's notify when the task gives notify_on but no notify)",
	  "[team_slack, pager]", NULL, 0, 0, 1 },
	{ "notify_on", DKT_ENUMS, 0, "[failure]",
	  "the task events posted to the webhooks of notify",
	  "[failure, retry, sla_miss]", dag_email_on_values, 0, 0, 0 },
	{ "sla", DKT_DURATION, 0, NULL,
	  "the task should have succeeded this long after its partition ended (see SLAs)",
	  "2h", NULL, 0, 0, 1 },
	{ "freshness", DKT_DURATION, 0, NULL,
	  "(a scheduled DAG) the task's instance must succeed this long after its partition's interval ends; if not, that task is late in the partition: alerted once naming the task, then a recovery notice (see Freshness)",
	  "2h", NULL, 0, 0, 1 },
	{ "on_failure", DKT_COMMAND, 0, NULL,
	  "a /bin/sh line run when a try failed for good (see Hooks)",
	  "\"notify-pager {{ dag }} {{ task }}\"", NULL, 0, 0, 1 },
	{ "on_success", DKT_COMMAND, 0, NULL,
	  "a /bin/sh line run when a try succeeded (see Hooks)",
	  "\"touch /data/{{ ds }}.done\"", NULL, 0, 0, 1 },
	{ "description", DKT_STRING, 0, NULL,
	  "one line shown on the task's page",
	  "load the day's trades", NULL, 0, 0, 1 },
	{ "keep_children", DKT_BOOL, 0, "false",
	  "let processes the command leaves behind keep running after it ends (else they are stopped with it)",
	  "true", NULL, 0, 0, 0 },
	{ "needs", DKT_NEEDS, 0, "[]",
	  "the task's own needs, after the DAG's (see Needs)",
	  "[{dataset: lake.quotes, offset: -1}]", dag_need_keys, 0, 0, 1 },
	{ "produces", DKT_STRINGS, 0, "[]",
	  "datasets of which a partition exists once this task succeeds in it (free text: lake.trades, s3://bucket/prefix/)",
	  "[warehouse.bands]", NULL, 0, 0, 1 },
	{ "group", DKT_STRING, 0, NULL,
	  "the group the task belongs to: shown as one column in the grid and one box in the graph, named by after: [group:NAME] (see Groups)",
	  "extract", NULL, 0, 0, 1 },
	{ "setup", DKT_BOOL, 0, "false",
	  "the task creates something its downstream tasks use, which a teardown removes (see Setup and teardown)",
	  "true", NULL, 0, 0, 1 },
	{ "teardown_of", DKT_STRING, 0, NULL,
	  "the setup task this task tears down: it runs once the setup succeeded and every task between them ended, whatever their states (see Setup and teardown)",
	  "create_cluster", NULL, 0, 0, 1 },
	{ "on_teardown_failure", DKT_ENUM, 0, "fail",
	  "a teardown's failure fails the run (fail) or not (ignore)",
	  "ignore", dag_teardown_failure_values, 0, 0, 1 },
	{ "log_max", DKT_STRING, 0, "100MB",
	  "the most output a try's log keeps, in bytes or with a unit (KB, MB, GB: powers of 1000; KiB, MiB, GiB): the first and last half, and a line saying how much was dropped (0: no cap)",
	  "20MB", NULL, 0, 0, 1 },
	{ "skip_exit_code", DKT_INT, 0, "99 (shell tasks), 0 (others)",
	  "a try that exits with this status makes the task skipped (no retry); its downstream tasks follow their trigger rules (0: none)",
	  "3", NULL, 0, 255, 1 },
	{ "foreach", DKT_FOREACH, 0, NULL,
	  "makes the task a mapped task: one task instance NAME[i] per item, with {{ item }} (and {{ item.FIELD }}) in its templates: a list, a template that renders to a JSON array, or {output: TASK, key: KEY} of an upstream task (a JSON array or a comma-separated string) (see Mapped tasks)",
	  "[AAPL, MSFT, GOOG]", NULL, 0, 0, 1 },
	{ "max_active", DKT_INT, 0, NULL,
	  "a mapped task: at most this many of its items run at once (in one partition)",
	  "2", NULL, 1, 1000000, 1 },
	{ "max_map", DKT_INT, 0, "sluice.yaml's max_map (1024)",
	  "a mapped task: the most items it may expand into; more fail it, naming the count and the limit",
	  "5000", NULL, 1, 1000000, 1 },
	{ "branch", DKT_BOOL, 0, "false",
	  "the task picks which of its direct downstream tasks run: it writes branch=NAME[,NAME...] to $SLUICE_OUTPUT, and the others are skipped (see Skips and branches)",
	  "true", NULL, 0, 0, 1 },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL, 0, 0, 0 },
};

const struct dag_key *
dag_key_find(const struct dag_key *tab, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, name) == 0)
			return tab;
	return NULL;
}

int
dag_key_sensor_only(const char *name)
{
	return strcmp(name, "deadline") == 0 || strcmp(name, "recheck") == 0 ||
	       strcmp(name, "recheck_interval") == 0;
}

int
dag_key_mapped_only(const char *name)
{
	return strcmp(name, "max_active") == 0 || strcmp(name, "max_map") == 0;
}

/* The task keys defaults: may not give (the defaults key's help names
 * them too: unit_dag_keys checks it does). */
static const char *const task_only_keys[] = {
	"after", "description", "group", "setup", "teardown_of",
	"on_teardown_failure", "foreach", "max_active", "max_map", NULL,
};

int
dag_key_task_only(const char *name)
{
	for (size_t i = 0; task_only_keys[i] != NULL; i++)
		if (strcmp(name, task_only_keys[i]) == 0)
			return 1;
	return 0;
}

const char *
dag_key_task_only_names(char *out, size_t n)
{
	size_t off = 0;

	if (n > 0)
		out[0] = '\0';
	for (size_t i = 0; task_only_keys[i] != NULL && off < n; i++)
		off += (size_t)snprintf(out + off, n - off, "%s%s", i ? ", " : "",
					task_only_keys[i]);
	return out;
}

int
dag_key_value_index(const struct dag_key_value *v, const char *name)
{
	for (int i = 0; v[i].name != NULL; i++)
		if (strcmp(v[i].name, name) == 0)
			return i;
	return -1;
}

const char *
dag_keys_names(const struct dag_key *tab, char *out, size_t n)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; tab[i].name != NULL && off < n; i++)
		off += (size_t)snprintf(out + off, n - off, "%s%s", i ? ", " : "",
					tab[i].name);
	return out;
}

const char *
dag_key_values_names(const struct dag_key_value *v, char *out, size_t n)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; v[i].name != NULL && off < n; i++)
		off += (size_t)snprintf(out + off, n - off, "%s%s", i ? ", " : "",
					v[i].name);
	return out;
}

const char *
dag_key_type_name(enum dag_key_type t)
{
	static const char *const names[] = {
		[DKT_STRING] = "string",
		[DKT_NAME] = "name",
		[DKT_STRINGS] = "string or list of strings",
		[DKT_INT] = "integer",
		[DKT_BOOL] = "boolean",
		[DKT_DURATION] = "duration",
		[DKT_TIME] = "time",
		[DKT_CRON] = "schedule",
		[DKT_ENUM] = "one of",
		[DKT_ENUMS] = "list of",
		[DKT_ENV] = "mapping of strings",
		[DKT_COMMAND] = "shell line",
		[DKT_PARAMS] = "mapping of params",
		[DKT_DEFAULTS] = "mapping of task keys",
		[DKT_TASKS] = "mapping of tasks",
		[DKT_NEEDS] = "list of needs",
		[DKT_FOREACH] = "list, template or {output, key}",
	};

	return names[t];
}

/* What other schedulers call a key or value sluice names otherwise (the
 * word, as typed, case ignored -> sluice's name). An alias counts only
 * where its target is a candidate: start_date suggests start among the
 * DAG keys, not among a task's. */
static const struct {
	const char *word, *name;
} dag_key_aliases[] = {
	/* Airflow DAG(...) arguments */
	{ "dag_id", "dag" },
	{ "schedule_interval", "schedule" },
	{ "timetable", "schedule" },
	{ "start_date", "start" },
	{ "end_date", "end" },
	{ "default_args", "defaults" },
	{ "doc_md", "description" },
	{ "concurrency", "max_active_tasks" },
	{ "tz", "timezone" },
	{ "time_zone", "timezone" },
	{ "steps", "tasks" },			/* Dagu */
	/* Airflow operator arguments */
	{ "task_type", "type" },
	{ "operator", "type" },
	{ "bash_command", "command" },
	{ "execution_timeout", "timeout" },
	{ "priority_weight", "priority" },
	{ "upstream", "after" },
	{ "depends", "after" },			/* Dagu */
	{ "depends_on", "after" },
	{ "dependencies", "after" },
	{ "retry_exponential_backoff", "retry_backoff" },
	{ "on_failure_callback", "on_failure" },
	{ "on_success_callback", "on_success" },
	{ "email_on_failure", "email_on" },
	{ "email_on_retry", "email_on" },
	{ "working_dir", "cwd" },
	{ "dir", "cwd" },			/* Dagu */
	{ "expand", "foreach" },
	{ "max_active_tis_per_dagrun", "max_active" },
	/* Airflow trigger rules sluice spells otherwise */
	{ "none_failed_or_skipped", "none_failed_min_one_success" },
	{ "any_success", "one_success" },
	{ "any_failed", "one_failed" },
	{ "dummy", "always" },
	/* param types */
	{ "int", "integer" },
	{ "str", "string" },
	{ "bool", "boolean" },
	{ "float", "number" },
};

/* The alias target of word if it is one of the candidates. */
static const char *
dag_key_alias(const char *word, const char *const *cands, size_t n)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(dag_key_aliases); i++) {
		if (strcasecmp(dag_key_aliases[i].word, word) != 0)
			continue;
		for (size_t k = 0; k < n; k++)
			if (strcmp(cands[k], dag_key_aliases[i].name) == 0)
				return cands[k];
	}
	return NULL;
}

/* The suggestion among n candidate names. */
static const char *
dag_key_nearest(const char *word, const char *const *cands, size_t n)
{
	struct text_near near;
	const char *alias;

	if (word == NULL)
		return NULL;
	if ((alias = dag_key_alias(word, cands, n)) != NULL)
		return alias;
	text_near_init(&near, word);
	for (size_t k = 0; k < n; k++)
		text_near_add(&near, cands[k]);
	return text_near_best(&near);
}

const char *
dag_key_suggest(const struct dag_key *tab, const struct op_key *op_keys,
		const char *word)
{
	const char *cands[256];
	size_t n = 0;

	for (; tab != NULL && tab->name != NULL && n < SL_ARRAY_LEN(cands); tab++)
		cands[n++] = tab->name;
	for (; op_keys != NULL && op_keys->name != NULL && n < SL_ARRAY_LEN(cands);
	     op_keys++)
		cands[n++] = op_keys->name;
	return dag_key_nearest(word, cands, n);
}

const char *
dag_key_value_suggest(const struct dag_key_value *v, const char *word)
{
	const char *cands[64];
	size_t n = 0;

	for (; v != NULL && v->name != NULL && n < SL_ARRAY_LEN(cands); v++)
		cands[n++] = v->name;
	return dag_key_nearest(word, cands, n);
}
