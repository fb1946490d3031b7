#!/bin/bash
# The partition map through the API: GET /api/v1/dags/{dag}/partitions
# lists every partition the schedule defines, with or without a run, each
# with its state (missing, waiting, running, success, failed, future,
# stale: a run an upstream change made stale through needs:; late comes
# with freshness), full or compact; a DST day in
# America/New_York has 25 hourly partitions; a range past the DAG's start:
# and end: is cut, with notes saying so as sluice status does; bad
# arguments are 400s as elsewhere in the API; the map page and the DAG
# page's link to it.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
printf 'dags_paused_at_creation: true\npools: {default: 128, solo: 1}\n' >> "$H/sluice.yaml"
# pm: hourly from six hours ago, one run at a time; P1 fails, P3 runs
# until the test ends (so nothing after it is created) and holds the one
# slot of pool solo
now=$(date +%s)
S0=$((now / 3600 * 3600 - 6 * 3600))
key() { date -u -d "@$(($S0 + $1 * 3600))" +%Y-%m-%dT%H:%M:%S+00:00; }
nodash() { date -u -d "@$(($S0 + $1 * 3600))" +%Y%m%dT%H%M%S; }
cat > "$H/dags/pm.yaml" <<YAML
dag: pm
schedule: "@hourly"
timezone: UTC
start: $(key 0 | sed 's/+00:00$/Z/')
max_active_runs: 1
tasks:
  a: {pool: solo, command: "case {{ ts_nodash }} in $(nodash 1)) exit 1 ;; $(nodash 3)) sleep 600 ;; esac"}
YAML
# ny: paused, hourly in New York across the fall-back day (01:00 twice)
cat > "$H/dags/ny.yaml" <<'YAML'
dag: ny
schedule: "0 * * * *"
timezone: America/New_York
start: 2026-10-31T00:00:00-04:00
tasks:
  a: {command: "true"}
YAML
# up -> cons (needs:, on_change: mark): two hours each; up's first hour
# cleared and re-run makes cons's first hour stale
cat > "$H/dags/up.yaml" <<YAML
dag: up
schedule: "@hourly"
timezone: UTC
start: $(key 0 | sed 's/+00:00$/Z/')
end: $(key 2 | sed 's/+00:00$/Z/')
tasks:
  a: {command: "true"}
YAML
cat > "$H/dags/cons.yaml" <<YAML
dag: cons
schedule: "@hourly"
timezone: UTC
start: $(key 0 | sed 's/+00:00$/Z/')
end: $(key 2 | sed 's/+00:00$/Z/')
needs:
  - dag: up
    on_change: mark
tasks:
  a: {command: "true"}
YAML
cat > "$H/dags/minutely.yaml" <<'YAML'
dag: minutely
schedule: "* * * * *"
start: 2025-01-01T00:00:00Z
tasks:
  a: {command: "true"}
YAML
cat > "$H/dags/adhoc.yaml" <<'YAML'
dag: adhoc
schedule: none
tasks:
  t: {command: "true"}
YAML
start_standalone
assert_status 200 POST /dags/pm/unpause '{}'
assert_status 200 POST /dags/up/unpause '{}'
assert_status 200 POST /dags/cons/unpause '{}'
wait_run pm "$(key 0)" success 60
wait_run pm "$(key 1)" failed 60
wait_run pm "$(key 2)" success 60
wait_ti pm "$(key 3)" a running 60
# P2 loses its run: missing; P4 is triggered by hand: a manual run is in
# the live lane, which P3's catch-up run does not hold back, so its task
# waits for pool solo's one slot: waiting
assert_status 200 DELETE "/dags/pm/runs/$(pct "$(key 2)")"
assert_status 201 POST /dags/pm/runs "{\"partition\": \"$(key 4)\"}"
wait_ti pm "$(key 4)" a scheduled 30

# --- full form ---
assert_status 200 GET "/dags/pm/partitions"
states=$(jget '"".join(p["state"][0:2] + " " for p in d["partitions"])')
assert_eq "$(key 0)" "$(jget 'd["partitions"][0]["partition"]')" "the map starts at the DAG's start"
assert_eq success "$(jget 'd["partitions"][0]["state"]')" "P0 success"
assert_eq failed "$(jget 'd["partitions"][1]["state"]')" "P1 failed"
assert_eq missing "$(jget 'd["partitions"][2]["state"]')" "P2 missing (its run was deleted)"
assert_eq null "$(jget 'd["partitions"][2]["run"]')" "a missing partition has no run link"
assert_eq running "$(jget 'd["partitions"][3]["state"]')" "P3 running"
assert_eq 1 "$(jget 'd["partitions"][3]["tasks_active"]')" "P3: one task instance running"
assert_eq waiting "$(jget 'd["partitions"][4]["state"]')" "P4 waiting (for the pool slot P3 holds)"
assert_eq missing "$(jget 'd["partitions"][5]["state"]')" "P5 missing (not created: max_active_runs)"
assert_eq future "$(jget 'd["partitions"][-1]["state"]')" "the current hour: future"
assert_eq "/dags/pm/runs/$(pct "$(key 1)")" "$(jget 'd["partitions"][1]["run"]')" "the run link (web/links.c)"
assert_eq "$(jget 'len(d["partitions"])')" "$(jget 'd["count"]')" "count"
assert_eq 1 "$(jget 'd["counts"]["failed"]')" "counts: failed"
assert_eq 0 "$(jget 'd["counts"]["stale"]')" "counts: stale is a state (pm has no needs)"
assert_eq 0 "$(jget 'd["counts"]["late"]')" "counts: late is a state (0 until freshness)"
note "pm: $states"

# --- compact: one code per partition, the first start and the step ---
assert_status 200 GET "/dags/pm/partitions?format=compact"
codes=$(jget 'd["codes"]')
case "$codes" in
sF.rw._ | sF.rw.._) ;;	# the hour may have turned during the test
*) fail "compact codes: $codes" ;;
esac
assert_eq 3600 "$(jget 'd["step_s"]')" "compact: the step"
assert_eq "$S0" "$(jget 'd["start_s"]')" "compact: the first start"
assert_eq missing "$(jget 'd["legend"]["."]')" "compact: the legend"
assert_eq "$(jget 'd["count"]')" "$(jget 'len(d["codes"])')" "a code per partition"
# a range named as every verb names partitions: keys, times, dates
assert_status 200 GET "/dags/pm/partitions?format=compact&from=$(pct "$(key 1)")&to=$(pct "$(key 3)")"
assert_eq F.r "$(jget 'd["codes"]')" "from/to by key, both inclusive"
assert_status 200 GET "/dags/pm/partitions?from=$(date -u -d "@$(($S0 + 3600 + 1800))" +%Y-%m-%dT%H:%M)Z&to=$(date -u -d "@$(($S0 + 3600 + 1800))" +%Y-%m-%dT%H:%M)Z"
assert_eq "$(key 1)" "$(jget 'd["partitions"][0]["partition"]')" "a time names the partition holding it"
assert_eq 1 "$(jget 'd["count"]')" "one partition"

# --- the grid jumps to a partition without a run: the page around it
# shows it as a never-run row (P2, whose run was deleted) ---
assert_status 200 GET "/dags/pm/grid?limit=3&at=$(pct "$(key 2)")"
assert_eq "[\"$(key 2)\"]" "$(jget 'd["at"]')" "a jump names the never-run partition"
assert_eq 0 "$(jget 'd["offset"]')" "the page of the runs around it (P4 P3 P1)"
assert_eq "[\"$(key 4)\", \"$(key 3)\", \"$(key 1)\"]" "$(jget '[p["partition"] for p in d["partitions"]]')" "its neighbours"
assert_status 400 GET "/dags/pm/grid?at=$(pct "$(date -u -d "@$(($S0 + 20 * 3600))" +%Y-%m-%dT%H:%M:%S+00:00)")"

# --- stale: up's first hour cleared and re-run after cons used it ---
wait_run cons "$(key 0)" success 60
wait_run cons "$(key 1)" success 60
assert_status 200 GET "/dags/cons/partitions?format=compact"
assert_eq ss "$(jget 'd["codes"]')" "cons: both hours success before the change"
assert_status 200 POST /dags/up/clear "{\"partitions\": [\"$(key 0)\"]}"
cons_stale() { [ "$(q "SELECT stale FROM dag_runs WHERE dag_id = 'cons' AND partition = '$(key 0)'")" = 1 ]; }
wait_for 60 "cons's first hour to be marked stale" cons_stale
assert_status 200 GET "/dags/cons/partitions"
assert_eq stale "$(jget 'd["partitions"][0]["state"]')" "cons P0: stale (its input succeeded again)"
assert_eq success "$(jget 'd["partitions"][1]["state"]')" "cons P1: untouched"
assert_eq 1 "$(jget 'd["counts"]["stale"]')" "counts: stale"
assert_eq 1 "$(jget 'd["counts"]["success"]')" "counts: success without the stale one"
assert_status 200 GET "/dags/cons/partitions?format=compact"
assert_eq os "$(jget 'd["codes"]')" "compact: o for stale"
assert_eq stale "$(jget 'd["legend"]["o"]')" "compact: the legend names o"
# a range reaching past start: and end: is cut to them, and the notes say
# what each side left out, as sluice status does (both forms)
for form in full compact; do
	assert_status 200 GET "/dags/up/partitions?format=$form&from=$(pct "$(key -2)")&to=$(pct "$(key 4)")"
	assert_eq 2 "$(jget 'd["count"]')" "$form: up's range cut to its start..end"
	assert_eq "$(sl status up --from "$(key -2)" --to "$(key 4)" 2>&1 >/dev/null | sed 's/^sluice: note: //')" \
		"$(jget '"\n".join(d["notes"])')" "$form: the notes of a cut range are sluice status's"
	assert_contains "$(jget '"\n".join(d["notes"])')" "left out 2 partitions before the start of DAG up, $(key 0) ($H/dags/up.yaml:4)" "$form: what the start left out"
	assert_contains "$(jget '"\n".join(d["notes"])')" "left out 3 partitions past the end of DAG up, $(key 2) ($H/dags/up.yaml:5)" "$form: what the end left out"
	assert_status 200 GET "/dags/up/partitions?format=$form&from=$(pct "$(key 0)")&to=$(pct "$(key 1)")"
	assert_eq "[]" "$(jget 'd["notes"]')" "$form: a range inside start..end: no note"
done
assert_status 200 GET "/dags/up/partitions?format=compact"
assert_eq ss "$(jget 'd["codes"]')" "the upstream is not stale"
# the grid filters the stale runs
assert_status 200 GET "/dags/cons/grid?stale=1"
assert_eq "1 $(key 0)" "$(jget 'str(d["total"]) + " " + d["partitions"][0]["partition"]')" "grid: stale=1 keeps the stale run"
assert_status 200 GET "/dags/cons/grid?stale=0"
assert_eq 2 "$(jget 'd["total"]')" "grid: stale=0 filters nothing"
assert_status 400 GET "/dags/cons/grid?stale=yes"

# --- a DST day in New York: 25 hourly partitions, 01:00 twice ---
assert_status 200 GET "/dags/ny/partitions?from=2026-11-01&to=2026-11-01"
assert_eq 25 "$(jget 'd["count"]')" "2026-11-01 has 25 hours in New York"
assert_eq 2026-11-01T01:00:00-04:00 "$(jget 'd["partitions"][1]["partition"]')" "01:00 EDT"
assert_eq 2026-11-01T01:00:00-05:00 "$(jget 'd["partitions"][2]["partition"]')" "then 01:00 EST"
assert_eq 25 "$(jget 'd["counts"]["missing"]')" "a paused DAG's past partitions: missing"
# a time that happens twice: the note every verb gives
assert_status 200 GET "/dags/ny/partitions?from=$(pct '2026-11-01 01:30')&to=$(pct '2026-11-01 01:30')&format=compact"
assert_eq 2 "$(jget 'd["count"]')" "01:30 as a range: both 01:00"
assert_contains "$(jget '" | ".join(d["notes"])')" "'2026-11-01 01:30' happens twice in America/New_York" "the note of a time that happens twice"
# a range before the DAG's start is an error saying so, as sluice status
# says it (it was an empty map: the map page showed nothing, and no why)
assert_status 400 GET "/dags/ny/partitions?from=2026-03-08&to=2026-03-08&format=compact"
assert_contains "$(cat "$T/body")" "no partition of DAG ny: the range from 2026-03-08 to 2026-03-08 is before the start of DAG ny"
assert_status 400 GET "/dags/ny/partitions?from=2026-03-08&to=2026-03-08"
assert_contains "$(cat "$T/body")" "is before the start of DAG ny"
assert_status 200 GET "/dags/ny/partitions?from=2026-11-01&to=2026-11-02&format=compact"
assert_eq 49 "$(jget 'd["count"]')" "two days around the change"
assert_eq 3600 "$(jget 'd["step_s"]')" "hourly in real time: 3600 s even across the change"

# --- errors, as the API gives them elsewhere ---
assert_status 400 GET "/dags/pm/partitions?format=wide"
assert_contains "$(cat "$T/body")" "format must be full or compact"
assert_status 400 GET "/dags/pm/partitions?from=yesterday-ish"
assert_contains "$(cat "$T/body")" "neither a partition of DAG pm nor a time"
assert_status 400 GET "/dags/pm/partitions?from=2026-12-03&to=2026-12-01"
assert_contains "$(cat "$T/body")" "before"
assert_status 400 GET "/dags/adhoc/partitions"
assert_contains "$(cat "$T/body")" "no schedule"
assert_status 404 GET "/dags/nope/partitions"
# a month of minutes named: too long to list (the compact form holds
# 200,000); without from, the newest that fit (see below)
assert_status 400 GET "/dags/minutely/partitions?from=$(date -u -d "@$((now - 30 * 86400))" +%Y-%m-%d)"
assert_contains "$(cat "$T/body")" "format=compact"
assert_status 200 GET "/dags/minutely/partitions?format=compact&from=2026-12-01&to=2026-12-02"
assert_eq 2880 "$(jget 'd["count"]')" "two days of minutes"
code=$(curl -sS -o "$T/body" -w '%{http_code}' "$URL/api/v1/dags/pm/partitions")
assert_eq 401 "$code" "no login: 401"
assert_status 200 GET "/dags/pm/partitions?format=compact" "" "$VIEWER_TOKEN"

# --- the page, and the DAG page's link to it ---
login viewer "$VIEWER_PW" "$T/jar"
page=$(curl -sS -b "$T/jar" "$URL/dags/pm/map")
assert_contains "$page" 'id="map"'
assert_contains "$page" '<script>// The partition map page (web/pages_map.c)' "map.js comes in the page (allowed by its hash: tests/web_map_csp.sh)"
assert_contains "$page" '<script type="application/json" id="map-data">{"dag":"pm"' "the first map comes in the page"
assert_contains "$page" 'data-state="stale"'
assert_not_contains "$page" 'id="map-backfill"'
assert_contains "$(curl -sS -b "$T/jar" "$URL/dags/pm")" 'href="/dags/pm/map"'
assert_not_contains "$page" 'id="map-notes"' "no range cut: no notes"
# a range typed past start: and end: is cut: the page says so under the
# range form, as sluice status and the API do
page=$(curl -sS -b "$T/jar" "$URL/dags/up/map?from=$(pct "$(key -2)")&to=$(pct "$(key 4)")")
notes=$(printf '%s' "$page" | grep -o '<p class="note" id="map-notes">.*</p>' | sed 's/<\/p>.*//')
assert_contains "$notes" "left out 2 partitions before the start of DAG up, " "the map page: what the start left out"
assert_contains "$notes" "left out 3 partitions past the end of DAG up, " "the map page: what the end left out"
assert_contains "$notes" "$H/dags/up.yaml:5" "the map page: where the end is set"
code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$T/jar" "$URL/dags/adhoc/map")
assert_eq 404 "$code" "an unscheduled DAG has no map page"
assert_eq 200 "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/static/map.js")" "map.js is served"
login ops "$OPS_PW" "$T/jar2"
assert_contains "$(curl -sS -b "$T/jar2" "$URL/dags/pm/map")" 'id="map-backfill"'

# --- a DAG too frequent for the default range (a year back: 527,040
# partitions of minutely): its newest partitions, saying so (the map
# page and sluice status always failed on it) ---
cut_note="the map shows the newest 200000 partitions of DAG minutely, from "
assert_status 200 GET "/dags/minutely/partitions?format=compact"
assert_eq 200000 "$(jget 'd["count"]')" "the compact map's partitions without from"
assert_eq 200000 "$(jget 'len(d["codes"])')" "its codes"
assert_eq 60 "$(jget 'd["step_s"]')" "its step"
jget 'd["notes"]' | grep -qF "$cut_note$(jget 'd["from"]'); name a from to see earlier ones" ||
	fail "the compact map's note: $(jget 'd["notes"]')"
newest=$(jget 'd["start_s"] + 199999 * 60')
now=$(date +%s)
[ $((now - newest)) -ge 0 ] && [ $((now - newest)) -lt 180 ] ||
	fail "the compact map ends at $newest, now is $now"
assert_status 200 GET "/dags/minutely/partitions"
assert_eq 20000 "$(jget 'd["count"]')" "the full map's partitions without from"
jget 'd["notes"]' | grep -qF "the map shows the newest 20000 partitions of DAG minutely" ||
	fail "the full map's note: $(jget 'd["notes"]')"
# a range named is as asked: too long is still a 400
assert_status 400 GET "/dags/minutely/partitions?format=compact&from=$(pct "$(date -u -d "@$((now - 150 * 86400))" +%Y-%m-%d)")"
assert_contains "$(cat "$T/body")" "the range holds more than 200000 partitions of DAG minutely; narrow it (from, to)"
assert_status 200 GET "/dags/minutely/partitions?format=compact&to=$(pct "$(date -u -d "@$((now - 86400))" +%Y-%m-%d)")"
assert_eq 200000 "$(jget 'd["count"]')" "a to alone: the newest partitions before it"
page=$(curl -sS -b "$T/jar" -w '\n%{http_code}' "$URL/dags/minutely/map")
assert_eq 200 "$(printf '%s' "$page" | tail -n 1)" "the map page of minutely"
assert_contains "$page" "$cut_note" "the map page says the range was cut"
sl status minutely >"$T/out" 2>"$T/err" || fail "sluice status minutely: $(cat "$T/err")"
assert_contains "$(cat "$T/err")" "sluice: note: $cut_note" "sluice status says the range was cut"
assert_contains "$(cat "$T/out")" "minutely: * * * * * in UTC, 200000 partitions from "
sl --json status minutely >"$T/out" || fail "sluice --json status minutely"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["count"] == 200000 and "newest 200000" in d["notes"][0], (d["count"], d["notes"])' "$T/out" ||
	fail "sluice --json status minutely"
echo "web_partition_map: ok"
