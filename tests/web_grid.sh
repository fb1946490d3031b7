#!/bin/bash
# The grid and the DAG list through the REST API, and `mark` as it says:
# - GET /dags?tag=T lists the DAGs tagged T (tags are in every summary);
# - the grid filters by the run's state and by a task instance's state,
#   jumps to the page holding what ?at= names (the CLI's partition rule),
#   and /grid/keys lists the partitions from..to across pages;
# - marking a failed task success leaves its downstream upstream_failed
#   (and says so) unless clear_downstream / --clear-downstream is given,
#   which clears those that were upstream_failed because of it; dry runs
#   change nothing and list both.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
# eight hourly partitions; b fails at 02:00 and 05:00 (until $T/fixed)
cat > "$H/dags/g.yaml" <<YAML
dag: g
schedule: "@hourly"
timezone: UTC
start: 2026-12-01T00:00:00Z
end: 2026-12-01T08:00:00Z
tags: [finance, hourly]
tasks:
  a: {command: "true"}
  x: {command: "true"}
  b: {after: [a], command: "case {{ ts_nodash }} in *T02*|*T05*) test -f $T/fixed ;; esac"}
  c: {after: [b], command: "true"}
  y: {after: [b, x], command: "true"}
YAML
cat > "$H/dags/other.yaml" <<'YAML'
dag: other
schedule: none
tags: [marketing]
tasks:
  t: {command: "true"}
YAML
cat > "$H/dags/plain.yaml" <<'YAML'
dag: plain
schedule: none
tasks:
  t: {command: "true"}
YAML
start_standalone
assert_status 200 POST /dags/g/unpause '{}'
K() { echo "2026-12-01T0$1:00:00+00:00"; }
for h in 0 1 2 3 4 5 6 7; do
	want=success
	[ $h = 2 ] || [ $h = 5 ] && want=failed
	wait_run g "$(K $h)" "$want" 60
done

# --- tags ---
assert_status 200 GET /dags
assert_eq '["finance", "hourly"]' "$(jget '[x for x in d["dags"] if x["dag"]=="g"][0]["tags"]')" "tags in the summary"
assert_eq '[]' "$(jget '[x for x in d["dags"] if x["dag"]=="plain"][0]["tags"]')" "no tags: an empty list"
assert_status 200 GET '/dags?tag=finance'
assert_eq '["g"]' "$(jget '[x["dag"] for x in d["dags"]]')" "?tag=finance"
assert_status 200 GET '/dags?tag=marketing'
assert_eq '["other"]' "$(jget '[x["dag"] for x in d["dags"]]')" "?tag=marketing"
assert_status 200 GET '/dags?tag=nothing'
assert_eq '[]' "$(jget '[x["dag"] for x in d["dags"]]')" "a tag no DAG has"
assert_status 200 GET '/dags?tag=Finance'
assert_eq '[]' "$(jget '[x["dag"] for x in d["dags"]]')" "tags match exactly"
assert_status 200 GET '/dags'
assert_eq 3 "$(jget 'len(d["dags"])')" "without ?tag= every DAG (the cached list is not the filtered one)"

# --- the grid: filters ---
assert_status 200 GET '/dags/g/grid?state=failed'
assert_eq "[\"$(K 5)\", \"$(K 2)\"]" "$(jget '[p["partition"] for p in d["partitions"]]')" "failed runs"
assert_eq 2 "$(jget 'd["total"]')" "total counts the filtered runs"
assert_status 200 GET '/dags/g/grid?state=success&limit=3'
assert_eq 6 "$(jget 'd["total"]')" "successful runs"
assert_status 200 GET '/dags/g/grid?task_state=upstream_failed'
assert_eq 2 "$(jget 'd["total"]')" "runs with an upstream_failed task"
assert_status 400 GET '/dags/g/grid?state=bogus'
assert_contains "$(cat "$T/body")" "run state" "an unknown run state"
assert_status 400 GET '/dags/g/grid?task_state=bogus'

# --- the grid: jump to a date or time ---
assert_status 200 GET '/dags/g/grid?limit=3&at=2026-12-01%2002:30'
assert_eq "[\"$(K 2)\"]" "$(jget 'd["at"]')" "a time names the partition holding it"
assert_eq 3 "$(jget 'd["offset"]')" "the page holding it (rows 3-5 newest first)"
assert_contains "$(jget '[p["partition"] for p in d["partitions"]]')" "$(K 2)" "the page shows it"
assert_status 200 GET '/dags/g/grid?limit=3&at=2026-12-01T00Z'
assert_eq 6 "$(jget 'd["offset"]')" "the oldest partition: the last page"
assert_status 200 GET '/dags/g/grid?limit=3&at=2026-12-01'
assert_eq 8 "$(jget 'len(d["at"])')" "a date names the partitions starting that day"
assert_eq 0 "$(jget 'd["offset"]')" "the page of the newest of them"
assert_status 200 GET '/dags/g/grid?limit=1&state=failed&at=2026-12-01T02:00'
assert_eq 1 "$(jget 'd["offset"]')" "a jump counts rows under the filter"
assert_eq "[\"$(K 2)\"]" "$(jget '[p["partition"] for p in d["partitions"]]')" "the filtered page"
assert_status 400 GET '/dags/g/grid?at=2026-11-20'
assert_contains "$(cat "$T/body")" "2026-12-01" "a date without runs lists the nearest keys"

# --- the grid: the keys of a range, across pages ---
assert_status 200 GET "/dags/g/grid/keys?from=$(pct "$(K 1)")&to=$(pct "$(K 6)")"
assert_eq "[\"$(K 6)\", \"$(K 5)\", \"$(K 4)\", \"$(K 3)\", \"$(K 2)\", \"$(K 1)\"]" \
	"$(jget 'd["partitions"]')" "both ends inclusive, newest first"
assert_status 200 GET "/dags/g/grid/keys?from=2026-12-01%2001:10&to=2026-12-01T03&state=failed"
assert_eq "[\"$(K 2)\"]" "$(jget 'd["partitions"]')" "times and the filter"
assert_status 400 GET "/dags/g/grid/keys?from=$(pct "$(K 1)")"
assert_status 400 GET "/dags/g/grid/keys?from=$(pct "$(K 6)")&to=$(pct "$(K 1)")"

# --- mark through the API ---
P2=$(K 2) P5=$(K 5)
assert_status 400 POST /dags/g/mark "{\"tasks\":[\"b\"],\"partitions\":[\"$P2\"],\"state\":\"failed\",\"clear_downstream\":true}"
assert_contains "$(cat "$T/body")" "clear_downstream" "clear_downstream goes with success"
assert_status 200 POST /dags/g/mark "{\"tasks\":[\"b\"],\"partitions\":[\"2026-12-01 02:00\"],\"state\":\"success\",\"clear_downstream\":true,\"dry_run\":true}"
assert_eq true "$(jget 'd["dry_run"]')" "a dry run says so"
assert_eq failed "$(jget 'd["task_instances"][0]["state"]')" "with the state now"
assert_eq '["c", "y"]' "$(jget 'd["task_instances"][0]["cleared_downstream"]')" "and what it would clear"
ti_is g "$P2" b failed || fail "a dry run changes nothing"
ti_is g "$P2" c upstream_failed || fail "a dry run clears nothing"
# without clear_downstream: marked, the downstream listed and left alone
assert_status 200 POST /dags/g/mark "{\"tasks\":[\"b\"],\"partitions\":[\"$P5\"],\"state\":\"success\"}"
assert_eq '["c", "y"]' "$(jget 'd["task_instances"][0]["downstream_upstream_failed"]')" "the downstream that stays upstream_failed"
wait_run g "$P5" failed
ti_is g "$P5" b success || fail "b marked success"
ti_is g "$P5" c upstream_failed || fail "without clear_downstream c stays upstream_failed"
ti_is g "$P5" y upstream_failed || fail "without clear_downstream y stays upstream_failed"
# with it: c and y are cleared and run, the run ends success
assert_status 200 POST /dags/g/mark "{\"tasks\":[\"b\"],\"partitions\":[\"$P2\"],\"state\":\"success\",\"clear_downstream\":true}"
assert_eq '["c", "y"]' "$(jget 'd["task_instances"][0]["cleared_downstream"]')" "what was cleared"
wait_ti g "$P2" c success
wait_ti g "$P2" y success
wait_run g "$P2" success
assert_contains "$(q "SELECT detail FROM audit WHERE action = 'clear'")" "\"$P2\"" "the downstream clear is audited by key"

# --- mark on the CLI ---
sl mark --help > "$T/help"
assert_contains "$(cat "$T/help")" "--clear-downstream" "the help names the flag"
assert_contains "$(cat "$T/help")" "stay so" "the help says upstream_failed stays without it"
out=$(sl mark g b "$P5" success --clear-downstream --dry-run)
# b is success already (the API marked it): the mark changes nothing, the
# flag still frees what it left upstream_failed
assert_contains "$out" "g b $P5 is already success (unchanged; dry run)" "the dry run says there is nothing to mark"
assert_contains "$out" "would clear downstream task instances (upstream_failed, now free to run): c, y" "and what it would clear"
ti_is g "$P5" c upstream_failed || fail "the CLI dry run changes nothing"
out=$(sl mark g b "$P5" success)
assert_contains "$out" "downstream task instances that stay upstream_failed: c, y" "without the flag: what stays"
assert_contains "$out" "sluice mark g b $P5 success --clear-downstream" "and how to clear them"
assert_contains "$out" "sluice clear g --partition $P5 --task c --task y --yes" "or with clear"
set +e
sl mark g b "$P5" failed --clear-downstream 2> "$T/err"
rc=$?
set -e
assert_eq 2 "$rc" "--clear-downstream with failed is a usage error"
out=$(sl mark g b "2026-12-01T05:30Z" success --clear-downstream)
assert_contains "$out" "g b $P5 is already success (unchanged)" "a time names the partition"
assert_contains "$out" "cleared downstream task instances (upstream_failed, now free to run): c, y" "the CLI clears them"
wait_run g "$P5" success
ti_is g "$P5" c success || fail "c ran after the clear"
# --- the DAG page's header counts tasks in words ---
login ops "$OPS_PW" "$T/jar"
assert_contains "$(curl -sS -b "$T/jar" "$URL/dags/plain")" " · 1 task · " "one task, singular"
assert_contains "$(curl -sS -b "$T/jar" "$URL/dags/g")" " · 5 tasks · " "five tasks"
echo "web_grid: ok"
