#!/bin/bash
# The retail weekly example DAG end to end through `sluice scheduler`,
# against local stand-ins: S3 is s3rver behind the signature-checking
# proxy, EMR and Glue the loopback AWS test double (no local server exists
# for them; the double verifies signatures with botocore), email a real
# SMTP server on loopback. The wait is one mapped sensor, wait_extracts,
# one item per extract (foreach:): three extracts land, the items of the
# other two keep waiting; the day is late (freshness:, shortened after a
# restart so the start's check finds it) and the late email names the two
# missing extracts; they land, the Spark step runs on "EMR" and the Glue
# crawler crawls.
. "$SLUICE_SRCDIR/tests/setup.sh"
start_s3
start_smtp
start_aws_double --key S3RVER:S3RVER --cluster j-2AXXXXXXGAPLF --crawler retail_fact_sales:ok
export AWS_ENDPOINT_URL_S3=$S3_URL AWS_ENDPOINT_URL_EMR=$AWS_DOUBLE_URL AWS_ENDPOINT_URL_GLUE=$AWS_DOUBLE_URL
export SLUICE_CONN_AWS_RETAIL='{"type":"aws","region":"us-east-1"}'
new_home
printf 'smtp: {url: "%s", from: sluice@example.com}\n' "$SMTP_URL" >"$H/sluice.yaml"
# The example DAG as shipped, with its intervals shortened for the test.
shorten() {
	sed -e 's/poke_interval: 5m/poke_interval: 1s/' -e 's/max_poke_interval: 20m/max_poke_interval: 1s/' \
		-e 's/poll_interval: 1m/poll_interval: 1s/' \
		-e 's/poll_interval: 30s/poll_interval: 1s/' -e 's/retry_delay: 5m/retry_delay: 1s/' \
		-e 's/deadline: 5h55m/deadline: 2d/' "$@" \
		"$SLUICE_SRCDIR/dags/retail_weekly.yaml" >"$H/dags/retail_weekly.yaml"
}
grep -q '^freshness: 3h' "$SLUICE_SRCDIR/dags/retail_weekly.yaml" || fail "the example has no freshness: 3h"
# the run is of the latest complete day, whose interval may have ended up
# to a day ago: not late at the first start (2d), late at the second (1s)
shorten -e 's/^freshness: 3h/freshness: 2d/'
grep -q '^freshness: 2d' "$H/dags/retail_weekly.yaml" || fail "the freshness was not lengthened"
# the same day's sensor deadline (06:00 the day after) may have passed too:
# lengthened, so its items wait for the extracts
grep -q 'deadline: 2d' "$H/dags/retail_weekly.yaml" || fail "the sensor's deadline was not lengthened"
sl dags validate >/dev/null || fail "retail_weekly does not validate: $(sl dags validate 2>&1)"
s3_aws s3 mb s3://retail-staging >/dev/null
start_scheduler
# catchup is off: the scheduler creates the latest complete day's run.
has_run() { sl runs retail_weekly --json | grep -q '"partition"'; }
run_ended() { sl runs retail_weekly --json | grep -q '"state": *"\(success\|failed\)"'; }
# an item's state and log
item_state() { task_state retail_weekly "$P" "wait_extracts[$1]"; }
item_log() { sl logs retail_weekly "wait_extracts[$1]" "$P" 2>/dev/null; }
item_is() { [ "$(item_state "$1")" = "$2" ]; }
waiting() {
	case $(item_state "$1") in
	running | up_for_reschedule | queued | scheduled) return 0 ;;
	esac
	return 1
}
wait_for 30 "the scheduled run" has_run
P=$(sl runs retail_weekly --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["partition"])')
DS=${P%%T*}
# one item per extract, each poking for its own object
wait_for 30 "the items to wait" waiting 4
stores_poked() { item_log 2 | grep -q "s3://retail-staging/raw/$DS/stores.csv.gz"; }
wait_for 30 "the stores item to poke" stores_poked
mkdir -p "$T/x"
for f in sales inventory products; do printf '%s\n' "$f" | gzip >"$T/x/$f.csv.gz"; done
s3_aws s3 cp --recursive --quiet "$T/x" "s3://retail-staging/raw/$DS/"
for i in 0 1 3; do wait_for 30 "wait_extracts[$i] to see its extract" item_is $i success; done
waiting 2 || fail "wait_extracts[2] (stores) is not waiting: $(item_state 2)"
waiting 4 || fail "wait_extracts[4] (returns) is not waiting: $(item_state 4)"

# --- the day is late: a restart's first check finds it (freshness: 1s) ---
stop_pid "$SCHED_PID"
shorten -e 's/^freshness: 3h/freshness: 1s/'
start_scheduler
# the email about $P: its own, or a digest with a line for it (the day
# before may have become late in the same check)
late_mail() {
	local i n
	n=$(smtp_count)
	for ((i = 0; i < n; i++)); do
		case "$(smtp_mail header:Subject "$i")" in
		*"LATE: retail_weekly $P"*) MAIL=$i; return 0 ;;
		*"LATE: retail_weekly, "*" partitions, "*)
			if smtp_mail text "$i" | grep -qF "  $P: due "; then MAIL=$i; return 0; fi ;;
		esac
	done
	return 1
}
wait_for 30 "the late email of $P" late_mail
body=$(smtp_mail text "$MAIL")
assert_contains "$body" "wait_extracts waiting on wait_extracts[2] (stores), wait_extracts[4] (returns)" \
	"the late email names the missing extracts"
assert_not_contains "$body" "wait_extracts[0]" "the late email leaves out the extracts that landed"
assert_contains "$(smtp_mail header:To "$MAIL")" "data-eng@example.com" "the late email's To"

# --- the last two land: the day builds ---
for f in stores returns; do printf '%s\n' "$f" | gzip >"$T/$f.csv.gz"; done
s3_aws s3 cp --quiet "$T/stores.csv.gz" "s3://retail-staging/raw/$DS/stores.csv.gz"
s3_aws s3 cp --quiet "$T/returns.csv.gz" "s3://retail-staging/raw/$DS/returns.csv.gz"
wait_for 60 "the run to finish" run_ended
sl runs retail_weekly --json | grep -q '"state": *"success"' || {
	for i in 2 4; do echo "== wait_extracts[$i]"; item_log $i; done
	for t in build_fact_sales crawl_fact_sales; do echo "== $t"; sl logs retail_weekly "$t" "$P"; done
	fail "retail_weekly run did not succeed"
}
for i in 0 1 2 3 4; do item_is $i success || fail "wait_extracts[$i] is not success"; done
assert_eq success "$(task_state retail_weekly "$P" wait_extracts)" "the mapped sensor"
assert_contains "$(item_log 4)" "s3://retail-staging/raw/$DS/returns.csv.gz" "wait_extracts[4]'s log"
assert_contains "$(sl logs retail_weekly build_fact_sales "$P")" "COMPLETED"
assert_contains "$(sl logs retail_weekly crawl_fact_sales "$P")" "crawl of retail_fact_sales succeeded"
assert_eq skipped "$(task_state retail_weekly "$P" extracts_missing)" "deadline email"
grep -q "\"--date\", \"$DS\"" "$AWS_DOUBLE_LOG" || fail "the Spark step did not get the partition's date"
echo ok
