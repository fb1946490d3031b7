#!/bin/bash
# Late-arriving data end to end through `sluice scheduler`: an hourly DAG
# whose s3_sensor waits for a file:// prefix per hour, with recheck:. Three
# hours load; then a late file lands in one already-loaded hour: exactly
# that hour's tasks downstream of the sensor run again (once), the other
# hours do not, and the sensor's log and the scheduler's log name the
# added object; a changed file re-runs its hour; the audit names the
# recheck. The same with an s3:// prefix on the S3 test server (s3rver
# behind the signature-checking proxy), where the ETag tells a change.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
L=$T/lake
# three ended hours: base, base+1h, base+2h (all in the recheck window)
base=$(( $(date +%s) / 3600 * 3600 - 4 * 3600 ))
hour() { date -u -d "@$((base + $1 * 3600))" +%H; }
key() { date -u -d "@$((base + $1 * 3600))" +%Y-%m-%dT%H:00:00+00:00; }
for i in 0 1 2; do
	mkdir -p "$L/hour=$(hour $i)"
	printf 'a,b\n1,2\n' >"$L/hour=$(hour $i)/part-0.csv"
done
cat >"$H/dags/lake.yaml" <<YAML
dag: lake
schedule: "0 * * * *"
start: $(date -u -d "@$base" +%Y-%m-%dT%H:00:00Z)
end: $(date -u -d "@$((base + 3 * 3600))" +%Y-%m-%dT%H:00:00Z)
tasks:
  wait:
    type: s3_sensor
    url: "file://$L/hour={{ data_interval_start | %H }}/"
    poke_interval: 1s
    recheck: 30d
    recheck_interval: 1s
  load: {after: [wait], command: 'echo "{{ partition }}" >> $T/load.log'}
  report: {after: [load], command: 'echo "{{ partition }}" >> $T/report.log'}
  other: {command: 'echo "{{ partition }}" >> $T/other.log'}
YAML
sl dags validate >/dev/null || fail "lake does not validate: $(sl dags validate 2>&1)"
start_scheduler
for i in 0 1 2; do wait_run lake "$(key $i)" success 60; done
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
# has_lines FILE N: FILE has at least N lines (read at each poll)
has_lines() { [ "$(lines "$1")" -ge "$2" ]; }
assert_eq 3 "$(lines "$T/load.log")" "loads before the late file"

# A late file in hour 1: that hour re-runs, from the sensor's downstream.
printf 'late\n' >"$L/hour=$(hour 1)/late.csv"
wait_for 30 "hour 1 to load again" has_lines "$T/load.log" 4
wait_for 30 "hour 1's report to run again" has_lines "$T/report.log" 4
wait_run lake "$(key 1)" success 30
assert_eq "$(key 1)" "$(tail -1 "$T/load.log")" "the hour that loaded again"
assert_contains "$(cat "$T/scheduler.log")" "lake wait $(key 1): recheck: 1 added, 0 removed, 0 changed (added file://$L/hour=$(hour 1)/late.csv): re-running 2 downstream task instances"
wlog=$(sl logs lake wait "$(key 1)")
assert_contains "$wlog" "recheck: the objects changed since the sensor passed: 1 added, 0 removed, 0 changed"
assert_contains "$wlog" "added file://$L/hour=$(hour 1)/late.csv"
assert_eq 1 "$(ti_field lake "$(key 1)" wait try_number)" "the sensor did not run again"
assert_eq "recheck:wait" "$(q "SELECT who FROM audit WHERE action = 'clear'")" "audit"

# A changed file in hour 2 re-runs hour 2; by then hour 1 was checked
# again, unchanged: it does not run a third time.
hour2_rechecked() { grep -q "lake wait $(key 2): recheck:" "$T/scheduler.log"; }
printf 'a,b\n1,2\n3,4\n' >"$L/hour=$(hour 2)/part-0.csv"
wait_for 30 "hour 2 to be rechecked" hour2_rechecked
wait_for 30 "hour 2's report to run again" has_lines "$T/report.log" 5
wait_run lake "$(key 2)" success 30
assert_contains "$(sl logs lake wait "$(key 2)")" "changed file://$L/hour=$(hour 2)/part-0.csv"
# one more change, in hour 0: only it re-runs (hours 1 and 2 were
# checked again meanwhile, unchanged)
printf 'x\n' >"$L/hour=$(hour 0)/late-too.csv"
wait_for 30 "hour 0 to load again" has_lines "$T/load.log" 6
wait_run lake "$(key 0)" success 30
for i in 0 1 2; do
	n=$(grep -c "^$(key $i)\$" "$T/load.log")
	assert_eq 2 "$n" "loads of hour $i"
	n=$(grep -c "^$(key $i)\$" "$T/report.log")
	assert_eq 2 "$n" "reports of hour $i"
done
assert_eq 3 "$(lines "$T/other.log")" "a task not downstream of the sensor never re-runs"
assert_eq 6 "$(lines "$T/load.log")" "loads in all"
stop_pid "$SCHED_PID"

# The same against S3: an ETag change (same size) is a change.
start_s3
s3_aws s3 mb s3://lake >/dev/null
printf 'aaaa\n' >"$T/one.csv"
s3_aws s3 cp --quiet "$T/one.csv" "s3://lake/s3hour=$(hour 0)/one.csv"
cat >>"$H/sluice.yaml" <<YAML
connections:
  lake_s3: {type: aws, endpoint_url: "$S3_URL", region: us-east-1}
YAML
cat >"$H/dags/lake_s3.yaml" <<YAML
dag: lake_s3
schedule: "0 * * * *"
start: $(date -u -d "@$base" +%Y-%m-%dT%H:00:00Z)
end: $(date -u -d "@$((base + 3600))" +%Y-%m-%dT%H:00:00Z)
tasks:
  wait:
    type: s3_sensor
    url: "s3://lake/s3hour={{ data_interval_start | %H }}/"
    connection: lake_s3
    poke_interval: 1s
    recheck: 30d
    recheck_interval: 1s
  load: {after: [wait], command: 'echo "{{ partition }}" >> $T/s3load.log'}
YAML
start_scheduler
wait_run lake_s3 "$(key 0)" success 60
assert_eq 1 "$(lines "$T/s3load.log")" "S3: loaded once"
printf 'bbbb\n' >"$T/one.csv"
s3_aws s3 cp --quiet "$T/one.csv" "s3://lake/s3hour=$(hour 0)/one.csv"
wait_for 30 "S3: the hour to load again" has_lines "$T/s3load.log" 2
assert_contains "$(sl logs lake_s3 wait "$(key 0)")" "changed s3://lake/s3hour=$(hour 0)/one.csv	5	"
wait_run lake_s3 "$(key 0)" success 30
assert_eq 2 "$(lines "$T/s3load.log")" "S3: loaded twice"
echo ok
