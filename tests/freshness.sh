#!/bin/bash
# Freshness end to end (scheduler/sched_fresh.c): a paused hourly DAG with
# freshness: has no runs; at the start each ended partition of the
# look-back window is late and alerted once, all three in one email (a
# real SMTP server) and one webhook post (the loopback receiver), saying
# the DAG is paused, each with its link and the map over them; /metrics
# counts them; once unpaused its runs land and a recovery notice follows
# for each, and the gauge goes back to 0. A partition late at the DAG's
# level and at a task's counts once; a DAG with only a task's freshness
# has the gauge too.
. "$SLUICE_SRCDIR/tests/setup.sh"
start_smtp

RECV_DIR=$T/recv
mkdir -p "$RECV_DIR"
echo 0 >"$RECV_DIR/fail"
/usr/bin/python3 "$SLUICE_SRCDIR/tests/servers/webhook_receiver.py" \
	"$RECV_DIR/port" "$RECV_DIR/requests.jsonl" "$RECV_DIR/fail" &
on_exit "stop_pid $!"
wait_for 10 "the webhook receiver" test -s "$RECV_DIR/port"
: >"$RECV_DIR/requests.jsonl"
# hooks EVENT: how many webhook posts of EVENT arrived
hooks() {
	/usr/bin/python3 -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(json.loads(l)["body"])["event"] == sys.argv[2]))' \
		"$RECV_DIR/requests.jsonl" "$1"
}
# mails WORD: how many emails have WORD in their subject
mails() {
	local n i c=0
	n=$(smtp_count)
	for ((i = 0; i < n; i++)); do
		case "$(smtp_mail header:Subject $i)" in *"$1"*) c=$((c + 1)) ;; esac
	done
	echo "$c"
}

. "$SLUICE_SRCDIR/tests/web_lib.sh"
web_home
cat >>"$H/sluice.yaml" <<YAML
smtp: {url: "$SMTP_URL", from: sluice@example.com}
webhooks:
  ops: {url: "http://127.0.0.1:$(cat "$RECV_DIR/port")/hook", retry_delay: 200ms}
dags_paused_at_creation: true
YAML
# three hourly partitions ended (the hour now has not): all three are due
# a second after their end. The DAGs end where the current hour (day)
# begins: an hour that ends while the test runs (it may take a minute)
# would be a fourth partition, late a second later, in a second alert
now=$(date +%s)
start=$(date -u -d "@$(( now / 3600 * 3600 - 3 * 3600 ))" +%Y-%m-%dT%H:%M:%SZ)
cat >"$H/dags/fresh.yaml" <<YAML
dag: fresh
schedule: "@hourly"
start: $start
end: $(date -u -d "@$(( now / 3600 * 3600 ))" +%Y-%m-%dT%H:%M:%SZ)
freshness: 1s
email: [oncall@example.com]
notify: [ops]
tasks:
  load: {command: "true"}
YAML
# a partition late at the DAG's level and at a task's counts once in the
# gauge (one alert row each); a DAG with only a task's freshness has one
yesterday=$(date -u -d "@$(( now / 86400 * 86400 - 86400 ))" +%Y-%m-%dT%H:%M:%SZ)
today=$(date -u -d "@$(( now / 86400 * 86400 ))" +%Y-%m-%dT%H:%M:%SZ)
cat >"$H/dags/both.yaml" <<YAML
dag: both
schedule: "@daily"
start: $yesterday
end: $today
freshness: 1s
tasks:
  load: {command: "true", freshness: 1s}
YAML
cat >"$H/dags/taskonly.yaml" <<YAML
dag: taskonly
schedule: "@daily"
start: $yesterday
end: $today
tasks:
  load: {command: "true", freshness: 1s}
YAML
start_standalone
alerts() { [ "$(q "SELECT count(*) FROM freshness_alerts WHERE dag_id = '$1'")" = "$2" ]; }
wait_for 30 "both levels of both's partition to be late" alerts both 2
wait_for 30 "taskonly's partition to be late" alerts taskonly 1
metrics=$(curl -sS "$URL/metrics")
assert_contains "$metrics" 'sluice_partitions_late{dag="both"} 1'
assert_contains "$metrics" 'sluice_partitions_late{dag="taskonly"} 1'
late_hook() { [ "$(mails LATE)" -ge 1 ] && [ "$(hooks late)" -ge 1 ]; }
wait_for 30 "the late alert" late_hook
# the three partitions were found late in one check: one email and one
# post name all three, not one each
assert_eq 1 "$(mails LATE)" "late emails"
assert_eq 1 "$(hooks late)" "late webhooks"
# the scheduler's log names the digest plainly (no "(run)", no stray space)
assert_contains "$(cat "$T/scheduler.log")" "late email for fresh (digest): sending"
assert_contains "$(cat "$T/scheduler.log")" "late webhook ops for fresh (digest) (delivery "
assert_contains "$(smtp_mail header:Subject 0)" "[sluice] LATE: fresh, 3 partitions, "
text=$(smtp_mail text 0 | tr -d '\r')
assert_contains "$text" "3 partitions of DAG fresh have not landed by their freshness deadlines."
# the reason they share is said once, then each partition and deadline
assert_contains "$text" "Why: no run: the DAG is paused"
assert_eq 3 "$(grep -c '^  [0-9][^ ]*: due [0-9][^ ;]*$' <<<"$text")" \
	"the late email's lines: each partition and its deadline"
# hook_parts EVENT: "KEY URL" for each partition the posts of EVENT about
# fresh name (a digest lists its partitions; a single one is the post's)
hook_parts() {
	/usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    b = json.loads(json.loads(l)["body"])
    if b["event"] != sys.argv[2] or b["dag"] != "fresh": continue
    for p in b.get("partitions") or [b]: print(p["partition"], p["url"])' \
		"$RECV_DIR/requests.jsonl" "$1"
}
pct_q() { /usr/bin/python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
login ops "$OPS_PW" "$T/jar"
opens() { curl -sS -o /dev/null -w '%{http_code}' -b "$T/jar" "$1"; }
# the partitions have no run: the links open the grid at each (it shows
# them as never-run rows); a run page would be a 404
assert_eq 3 "$(hook_parts late | cut -d' ' -f1 | sort -u | wc -l)" "partitions in the late post"
while read -r key url; do
	assert_eq "$URL/dags/fresh?at=$(pct_q "$key")" "$url" "the late webhook's link: the grid at $key"
	assert_eq 200 "$(opens "$url")" "the late webhook's link opens"
	assert_contains "$text" "$url" "the late email links $key"
done < <(hook_parts late)
map=$(sed -n 's/^The partition map of .*: //p' <<<"$text")
assert_contains "$map" "$URL/dags/fresh/map?from=" "the late email's link: the map over the partitions"
assert_eq 200 "$(opens "$map")" "the late email's map link opens"
assert_eq "$map" "$(/usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    b = json.loads(json.loads(l)["body"])
    if b["event"] == "late" and b["dag"] == "fresh": print(b["url"])' "$RECV_DIR/requests.jsonl")" \
	"the late post's link: the same map"
assert_contains "$(curl -sS "$URL/metrics")" 'sluice_partitions_late{dag="fresh"} 3'
# sluice status says why, as alerted: the three in one line
first=$(hook_parts late | head -1 | cut -d' ' -f1)
last=$(hook_parts late | tail -1 | cut -d' ' -f1)
out=$(sl status fresh)
assert_contains "$out" "why late (as alerted):
  $first ... $last (3): no run: the DAG is paused" "sluice status: why late"
assert_eq 0 "$(sl runs fresh --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" "runs of a paused DAG"

# it lands: a recovery notice for each partition, once (the runs may land
# in one check or several: a check's are in one notice)
sl dags unpause fresh >/dev/null
# mail_parts WORD: how many partitions the emails with WORD in their
# subject name (a digest's lines, else one)
mail_parts() {
	local n i c=0 subj
	n=$(smtp_count)
	for ((i = 0; i < n; i++)); do
		subj=$(smtp_mail header:Subject $i)
		case "$subj" in
		*"$1"*" partitions, "*) c=$((c + $(smtp_mail text $i | tr -d '\r' | grep -c '^  [0-9].*: due '))) ;;
		*"$1"*) c=$((c + 1)) ;;
		esac
	done
	echo "$c"
}
recovered() { [ "$(mail_parts recovered)" -ge 3 ] && [ "$(hook_parts recovered | wc -l)" -ge 3 ]; }
wait_for 90 "recovery notices for the three partitions" recovered
assert_eq 3 "$(mail_parts recovered)" "partitions in the recovery emails"
assert_eq 3 "$(hook_parts recovered | cut -d' ' -f1 | sort -u | wc -l)" "partitions in the recovery posts, each once"
assert_eq 3 "$(hook_parts recovered | wc -l)" "partitions in the recovery posts"
assert_eq 1 "$(mails LATE)" "late emails, still one"
# landed: the recovery notices link to the runs' pages
while read -r key url; do
	assert_eq "$URL/dags/fresh/runs/$(pct_q "$key")" "$url" "the recovery webhook's link: the run of $key"
	assert_eq 200 "$(opens "$url")" "the recovery webhook's link opens"
done < <(hook_parts recovered)
assert_contains "$(curl -sS "$URL/metrics")" 'sluice_partitions_late{dag="fresh"} 0'
assert_not_contains "$(sl status fresh)" "why late" "landed: no reason left to give"
echo "freshness: ok"
