#!/bin/bash
# The REST API against `sluice standalone`: every endpoint, its errors, roles.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
# b fails until $T/fixed exists; c runs after b
cat > "$H/dags/d1.yaml" <<YAML
dag: d1
description: five hourly partitions
schedule: "@hourly"
start: 2024-01-01T00:00:00Z
end: 2024-01-01T05:00:00Z
tasks:
  a: {command: "echo loading {{ partition }}"}
  b: {after: [a], command: "sh -c 'echo b try {{ try_number }}; test -f $T/fixed'"}
  c: {after: [b], command: "true"}
YAML
cat > "$H/dags/d2.yaml" <<'YAML'
dag: d2
schedule: none
params: {table: public.prices, limit: 10}
tasks:
  show: {command: "echo table={{ params.table }} limit={{ params.limit }}"}
YAML
printf 'dag: broken\nschedule: none\ntasks:\n  a: {command: "true", bogus_key: 1}\n' > "$H/dags/broken.yaml"
start_standalone

P0=2024-01-01T00:00:00+00:00 P1=2024-01-01T01:00:00+00:00 P2=2024-01-01T02:00:00+00:00
P3=2024-01-01T03:00:00+00:00 P4=2024-01-01T04:00:00+00:00
for p in $P0 $P1 $P2 $P3 $P4; do
	wait_for 30 "d1 $p b failed" state_is d1 "$p" b failed
done
wait_for 10 "d1 $P4 c upstream_failed" state_is d1 "$P4" c upstream_failed

# --- health, me ---
assert_eq '{"status":"ok","scheduler":true,"scheduler_running":true}' "$(curl -sS "$URL/health")" health
assert_status 200 GET /me
assert_eq ops "$(jget 'd["user"]')" "me.user"
assert_eq operator "$(jget 'd["role"]')" "me.role"

# --- DAGs ---
assert_status 200 GET /dags
assert_eq '["d1", "d2"]' "$(jget '[x["dag"] for x in d["dags"]]')" "DAG names"
assert_contains "$(jget 'd["errors"][0]["error"]')" "bogus_key" "load error"
assert_contains "$(jget 'd["errors"][0]["file"]')" "broken.yaml" "load error file"
assert_eq '["failed", "failed", "failed", "failed", "failed"]' "$(jget '[r["state"] for r in d["dags"][0]["last_runs"]]')" "last runs"
assert_status 200 GET /dags/d1
assert_eq '["a", "b", "c"]' "$(jget '[t["name"] for t in d["task_list"]]')" "tasks"
assert_eq '["b"]' "$(jget '[t for t in d["task_list"] if t["name"]=="c"][0]["after"]')" "c after"
assert_status 404 GET /dags/nope
assert_status 404 GET /dags/broken
assert_status 404 GET /nothing-here
assert_status 405 DELETE /dags
# other methods are answered as the API answers a wrong method
for m in PUT PATCH OPTIONS; do
	assert_status 405 $m /dags/d1
	assert_contains "$(jget 'd["error"]')" "$m is not allowed here" "$m: a JSON error"
done
# an action read with GET names GET (it said "this method")
assert_status 405 GET /dags/d1/clear
assert_contains "$(jget 'd["error"]')" "GET is not allowed here (allowed: POST)" "GET on an action"
assert_eq 405 "$(curl -sS -o /dev/null -w '%{http_code}' -X PUT "$URL/dags/d1")" "PUT on a page"
# HEAD: the GET reply's headers, no body; the next request on the same
# connection gets its own reply (a body after HEAD would be read as it)
head=$(/usr/bin/python3 - "$URL" "$OPS_TOKEN" <<'PY'
import http.client, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
auth = {"Authorization": "Bearer " + sys.argv[2]}
for path in ("/health", "/api/v1/dags/d1"):
    c.request("GET", path, headers=auth); g = c.getresponse(); body = g.read()
    c.request("HEAD", path, headers=auth); h = c.getresponse(); h.read()
    c.request("GET", "/api/v1/me", headers=auth); m = c.getresponse()
    print(path, h.status, h.getheader("Content-Length") == str(len(body)), m.status, b'"user"' in m.read())
import socket
s = socket.create_connection((u.hostname, u.port), timeout=10)
s.sendall(b"HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
raw = b""
while True:
    x = s.recv(65536)
    if not x: break
    raw += x
print("no body" if raw.endswith(b"\r\n\r\n") else "body: " + repr(raw[-40:]))
PY
)
assert_eq "/health 200 True 200 True
/api/v1/dags/d1 200 True 200 True
no body" "$head" "HEAD replies without a body, with the GET reply's length"

# the DAG list answers at /dags too, where a DAG's address (/dags/NAME)
# says it is (it was a 404)
for path in /dags /dags/; do
	assert_contains "$(curl -sS -H "Authorization: Bearer $VIEWER_TOKEN" "$URL$path")" "<h1>DAGs" "the DAG list at $path"
done

# --- pause ---
assert_status 200 POST /dags/d2/pause
assert_status 200 GET /dags/d2
assert_eq true "$(jget 'd["paused"]')" "paused"
# a trigger of a paused DAG says its run waits for the unpause, as sluice
# trigger does (the UI showed only "triggered")
assert_status 201 POST /dags/d2/runs '{"partition":"while-paused"}'
assert_eq '["DAG d2 is paused: its runs start once it is unpaused"]' "$(jget 'd["notes"]')" "the paused note"
assert_status 200 POST /dags/d2/unpause
assert_status 200 GET /dags/d2
assert_eq false "$(jget 'd["paused"]')" "unpaused"
assert_status 405 GET /dags/d2/pause

# --- runs ---
assert_status 200 GET "/dags/d1/runs"
assert_eq 5 "$(jget 'len(d["runs"])')" "runs"
assert_eq "$P4" "$(jget 'd["runs"][0]["partition"]')" "newest first"
assert_status 200 GET "/dags/d1/runs?from=$(pct $P1)&to=$(pct $P3)"
assert_eq "[\"$P3\", \"$P2\", \"$P1\"]" "$(jget '[r["partition"] for r in d["runs"]]')" "range"
assert_status 200 GET "/dags/d1/runs?from=2024-01-01T01:00&to=2024-01-01T02:00"
assert_eq 2 "$(jget 'len(d["runs"])')" "range by time"
assert_status 200 GET "/dags/d1/runs?state=failed&limit=2&offset=1"
assert_eq "[\"$P3\", \"$P2\"]" "$(jget '[r["partition"] for r in d["runs"]]')" "page"
assert_status 200 GET "/dags/d1/runs?state=success"
assert_eq 0 "$(jget 'len(d["runs"])')" "no success yet"
assert_status 400 GET "/dags/d1/runs?state=bogus"
assert_status 400 GET "/dags/d1/runs?limit=5000"
# an offset past the limit says the limit (it said "a number >= 0")
for off in 99999999999 -1 x; do
	assert_status 400 GET "/dags/d1/runs?offset=$off"
	assert_contains "$(cat "$T/body")" "offset must be 0 to 2147483647" "the refusal of offset $off"
done
assert_status 400 GET "/dags/d1/runs?limit=0"
assert_status 400 GET "/dags/d1/runs?from=yesterday-ish"
assert_status 200 GET "/dags/d1/runs/$(pct $P0)"
assert_eq failed "$(jget 'd["state"]')" "run state"
assert_eq '["success", "failed", "upstream_failed"]' "$(jget '[t["state"] for t in d["task_instances"]]')" "run tis"
assert_status 400 GET "/dags/d1/runs/$(pct 2030-01-01T00:00:00+00:00)"

# --- the grid ---
assert_status 200 GET "/dags/d1/grid"
assert_eq 5 "$(jget 'd["total"]')" "grid total"
assert_eq '["a", "b", "c"]' "$(jget 'd["tasks"]')" "grid tasks"
assert_eq '["success", "failed", "upstream_failed"]' "$(jget '[c[0] for c in d["partitions"][0]["cells"]]')" "grid row"
assert_eq "$P4" "$(jget 'd["partitions"][0]["partition"]')" "grid newest first"
assert_status 200 GET "/dags/d1/grid?limit=2&offset=3"
assert_eq "[\"$P1\", \"$P0\"]" "$(jget '[p["partition"] for p in d["partitions"]]')" "grid page"
assert_status 400 GET "/dags/d1/grid?limit=1001"

# --- a task instance, its command, its log ---
assert_status 200 GET "/dags/d1/runs/$(pct $P0)/tasks/a"
assert_eq success "$(jget 'd["state"]')" "ti state"
assert_eq 1 "$(jget 'len(d["tries"])')" "tries"
assert_eq 0 "$(jget 'd["tries"][0]["exit_code"]')" "exit code"
assert_eq "echo loading '$P0'" "$(jget 'd["command"]["rendered"]')" "rendered command (as it runs: values quoted)"
assert_eq "echo loading {{ partition }}" "$(jget 'd["command"]["template"]')" "template"
assert_status 404 GET "/dags/d1/runs/$(pct $P0)/tasks/zz"
assert_status 200 GET "/dags/d1/runs/$(pct $P0)/tasks/a/logs/1"
assert_contains "$(jget 'd["data"]')" "loading $P0" "log"
size=$(jget 'd["size"]')
assert_eq "$size" "$(jget 'd["next_offset"]')" "whole log read"
assert_status 200 GET "/dags/d1/runs/$(pct $P0)/tasks/a/logs/1?offset=7"
assert_eq 7 "$(jget 'd["offset"]')" "offset"
assert_contains "$(jget 'd["data"]')" "$P0" "tail from offset"
assert_status 200 GET "/dags/d1/runs/$(pct $P0)/tasks/a/logs/1?offset=$size"
assert_eq "" "$(jget 'd["data"]')" "nothing new"
assert_status 404 GET "/dags/d1/runs/$(pct $P0)/tasks/a/logs/2"
assert_status 404 GET "/dags/d1/runs/$(pct $P0)/tasks/a/logs/x"
assert_status 400 GET "/dags/d1/runs/$(pct $P0)/tasks/a/logs/1?offset=-1"

# --- clear: the dry run names exactly what re-runs; then it does ---
body="{\"tasks\":[\"b\"],\"from\":\"$P1\",\"to\":\"$P3\",\"downstream\":true,\"dry_run\":true}"
assert_status 200 POST /dags/d1/clear "$body"
assert_eq 6 "$(jget 'd["count"]')" "dry-run count"
assert_eq "[[\"$P1\", \"b\"], [\"$P1\", \"c\"], [\"$P2\", \"b\"], [\"$P2\", \"c\"], [\"$P3\", \"b\"], [\"$P3\", \"c\"]]" \
	"$(jget '[[t["partition"], t["task"]] for t in d["task_instances"]]')" "dry-run list"
assert_eq failed "$(grid_state d1 $P1 b)" "dry run changed nothing"
body2="{\"tasks\":[\"a\"],\"partitions\":[\"$P0\"],\"only_failed\":true,\"dry_run\":true}"
assert_status 200 POST /dags/d1/clear "$body2"
assert_eq 0 "$(jget 'd["count"]')" "only_failed skips a success"
assert_status 200 POST /dags/d1/clear "{\"tasks\":[\"b\"],\"partitions\":[\"$P0\"],\"upstream\":true,\"dry_run\":true}"
assert_eq '["a", "b"]' "$(jget 'sorted(t["task"] for t in d["task_instances"])')" "upstream"
assert_status 400 POST /dags/d1/clear '{"tasks":["zz"],"from":"2024-01-01","to":"2024-01-02"}'
assert_status 400 POST /dags/d1/clear '{"tasks":["b"]}'
assert_status 400 POST /dags/d1/clear '{"tasks":"b","partitions":[]}'
assert_status 400 POST /dags/d1/clear '{not json'
assert_status 400 POST /dags/d1/clear '{"partitions":["2030-01-01T00:00:00+00:00"]}'
assert_status 405 GET /dags/d1/clear
touch "$T/fixed"
assert_status 200 POST /dags/d1/clear "${body/\"dry_run\":true/\"dry_run\":false}"
assert_eq 6 "$(jget 'd["count"]')" "cleared"
for p in $P1 $P2 $P3; do
	wait_for 30 "d1 $p c success" state_is d1 "$p" c success
done
assert_eq failed "$(grid_state d1 $P0 b)" "outside the range: untouched"
assert_eq failed "$(grid_state d1 $P4 b)" "outside the range: untouched"
assert_status 200 GET "/dags/d1/runs/$(pct $P1)/tasks/b"
assert_eq 2 "$(jget 'len(d["tries"])')" "second try recorded"
assert_status 200 GET "/dags/d1/runs/$(pct $P1)/tasks/b/logs/2"
assert_contains "$(jget 'd["data"]')" "b try 2" "second try's log"

# --- mark ---
assert_status 200 POST /dags/d1/mark "{\"tasks\":[\"b\",\"c\"],\"partitions\":[\"$P4\"],\"state\":\"success\"}"
assert_eq 2 "$(jget 'd["count"]')" "marked"
wait_for 10 "d1 $P4 run success" sh -c "[ \"\$(curl -sS -H 'Authorization: Bearer $OPS_TOKEN' '$URL/api/v1/dags/d1/runs/$(pct $P4)' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"state\"])')\" = success ]"
assert_status 200 POST /dags/d1/mark "{\"tasks\":[\"a\"],\"partitions\":[\"$P4\"],\"state\":\"failed\"}"
assert_eq failed "$(grid_state d1 $P4 a)" "marked failed"
assert_status 400 POST /dags/d1/mark "{\"tasks\":[\"a\"],\"partitions\":[\"$P4\"],\"state\":\"running\"}"
assert_status 400 POST /dags/d1/mark "{\"tasks\":[],\"partitions\":[\"$P4\"],\"state\":\"success\"}"
assert_status 400 POST /dags/d1/mark '{"tasks":["a"],"partitions":["nope"],"state":"success"}'

# --- trigger with params, backfill ---
assert_status 201 POST /dags/d2/runs '{"partition":"manual-1","params":{"table":"public.other","limit":3}}'
assert_eq manual-1 "$(jget 'd["partition"]')" "triggered partition"
assert_eq '{"limit": 3, "table": "public.other"}' "$(jget 'd["params"]')" "params stored"
assert_eq '[]' "$(jget 'd["notes"]')" "an active DAG's trigger has no note"
wait_for 20 "d2 manual-1 show success" state_is d2 manual-1 show success
assert_status 200 GET "/dags/d2/runs/manual-1/tasks/show/logs/1"
assert_contains "$(jget 'd["data"]')" "table=public.other limit=3" "params reach the task"
assert_status 409 POST /dags/d2/runs '{"partition":"manual-1"}'
assert_status 400 POST /dags/d2/runs '{"partition":"manual-2","params":{"nope":1}}'
assert_status 400 POST /dags/d2/runs '{"partition":"manual-2","params":{"table":{"x":1}}}'
assert_status 400 POST /dags/d2/runs '{"partition":42}'
# past the DAG's end (05:00): refused, saying where the end is written,
# unless confirmed; a backfill is cut to the end, saying so
assert_status 400 POST /dags/d1/runs '{"partition":"2024-01-01T05:30"}'
assert_contains "$(jget 'd["error"]')" "partition 2024-01-01T05:00:00+00:00 is past the end of DAG d1, 2024-01-01T05:00:00+00:00 ($H/dags/d1.yaml:5); its last partition is 2024-01-01T04:00:00+00:00 (allow_outside_range: true runs it anyway)" "trigger past the end"
assert_status 400 POST /dags/d1/runs '{"partition":"2024-01-01T05:30","allow_outside_range":"yes"}'
assert_status 201 POST /dags/d1/runs '{"partition":"2024-01-01T05:30","allow_outside_range":true}'
assert_eq 2024-01-01T05:00:00+00:00 "$(jget 'd["partition"]')" "a time → its partition"
assert_contains "$(jget 'd["notes"][0]')" "partition 2024-01-01T05:00:00+00:00 is past the end of DAG d1" "the trigger's note"
assert_status 200 POST /dags/d1/backfills '{"from":"2024-01-01T04:00","to":"2024-01-01T07:00","dry_run":true}'
assert_eq "[] [\"$P4\"]" "$(jget 'd["create"]') $(jget 'd["skip"]')" "a backfill cut at the end"
assert_contains "$(jget 'd["notes"][0]')" "left out 3 partitions past the end of DAG d1, 2024-01-01T05:00:00+00:00 ($H/dags/d1.yaml:5)" "the cut is noted"
assert_status 400 POST /dags/d1/backfills '{"from":"2024-01-01T06:00","to":"2024-01-01T07:00","dry_run":true}'
assert_contains "$(jget 'd["error"]')" "the range from 2024-01-01T06:00 to 2024-01-01T07:00 is past the end of DAG d1" "a backfill wholly past the end"
assert_status 200 POST /dags/d1/backfill '{"from":"2024-01-01T04:00","to":"2024-01-01T07:00","allow_outside_range":true}'
assert_eq '["2024-01-01T06:00:00+00:00", "2024-01-01T07:00:00+00:00"]' "$(jget 'd["created"]')" "backfill created"
assert_eq "[\"$P4\", \"2024-01-01T05:00:00+00:00\"]" "$(jget 'd["existing"]')" "backfill existing"
assert_status 400 POST /dags/d1/backfill '{"from":"2024-01-02","to":"2024-01-01"}'
assert_status 400 POST /dags/d2/backfill '{"from":"2024-01-01","to":"2024-01-02"}'
assert_status 200 GET "/dags/d1/runs?limit=1"
assert_eq backfill "$(jget 'd["runs"][0]["run_type"]')" "run type"

# --- audit: who did what ---
assert_status 200 GET "/audit?limit=50"
# (the users web_home made with the CLI are audited too, as cli:USER)
actions=$(jget '" ".join(sorted(set(a["action"] for a in d["audit"] if not a["action"].startswith("user_"))))')
assert_eq "backfill clear mark pause trigger unpause" "$actions" "audited actions"
assert_eq '["web:ops"]' "$(jget 'sorted(set(a["who"] for a in d["audit"] if not a["action"].startswith("user_")))')" "audit names the user"
assert_eq "[\"cli:$(id -un)\"]" "$(jget 'sorted(set(a["who"] for a in d["audit"] if a["action"].startswith("user_")))')" "the CLI's user changes name the CLI user"
assert_eq 6 "$(jget '[a for a in d["audit"] if a["action"]=="clear"][0]["detail"]["count"]')" "clear detail"
assert_status 400 GET "/audit?limit=100000"

# --- roles ---
assert_status 200 GET /dags "" "$VIEWER_TOKEN"
assert_status 200 GET "/dags/d1/grid" "" "$VIEWER_TOKEN"
assert_status 403 POST /dags/d1/clear "$body" "$VIEWER_TOKEN"
assert_status 403 POST /dags/d2/runs '{"partition":"v"}' "$VIEWER_TOKEN"
assert_status 403 POST /dags/d1/mark "{\"tasks\":[\"a\"],\"partitions\":[\"$P0\"],\"state\":\"success\"}" "$VIEWER_TOKEN"
assert_status 403 POST /dags/d1/pause "" "$VIEWER_TOKEN"
assert_status 403 POST /dags/d1/backfill '{"from":"2024-01-01","to":"2024-01-01"}' "$VIEWER_TOKEN"
assert_status 403 GET /users "" "$OPS_TOKEN"
assert_status 403 POST /users '{"name":"x","role":"viewer","password":"password-x"}' "$OPS_TOKEN"
assert_status 200 GET /users "" "$ADMIN_TOKEN"
assert_eq '["admin", "ops", "viewer"]' "$(jget '[u["name"] for u in d["users"]]')" "users"
assert_status 201 POST /users '{"name":"newbie","role":"viewer","password":"password-n"}' "$ADMIN_TOKEN"
assert_status 409 POST /users '{"name":"newbie","role":"viewer","password":"password-n"}' "$ADMIN_TOKEN"
assert_status 400 POST /users '{"name":"bad name","role":"viewer","password":"password-n"}' "$ADMIN_TOKEN"
assert_status 400 POST /users '{"name":"short","role":"viewer","password":"x"}' "$ADMIN_TOKEN"
assert_status 200 DELETE /users/newbie "" "$ADMIN_TOKEN"
assert_status 404 DELETE /users/newbie "" "$ADMIN_TOKEN"
# the last admin cannot be removed (API 409, CLI refusal), a second one can
assert_status 409 DELETE /users/admin "" "$ADMIN_TOKEN"
assert_contains "$(cat "$T/body")" "admin is the last admin" "last admin (API)"
rc=0; sl users remove admin >"$T/rm.out" 2>&1 || rc=$?
assert_eq 1 "$([ $rc -ne 0 ] && echo 1)" "the CLI refuses to remove the last admin"
assert_contains "$(cat "$T/rm.out")" "last admin" "last admin (CLI)"
assert_status 201 POST /users '{"name":"admin2","role":"admin","password":"password-a2"}' "$ADMIN_TOKEN"
assert_status 200 DELETE /users/admin2 "" "$ADMIN_TOKEN"
assert_status 200 GET /users "" "$ADMIN_TOKEN"
assert_status 401 GET /dags "" "slk_not-a-token"

# --- metrics ---
m=$(curl -sS "$URL/metrics")
assert_contains "$m" 'sluice_dag_runs{dag="d1",state="success"}' metrics
assert_contains "$m" 'sluice_task_instances{dag="d1",state="success"}' metrics
assert_contains "$m" '# TYPE sluice_task_duration_seconds histogram' metrics
assert_contains "$m" 'sluice_task_duration_seconds_bucket{dag="d1",le="+Inf"}' metrics
assert_contains "$m" 'sluice_scheduler_loop_lag_seconds ' metrics
assert_contains "$m" 'sluice_dags{result="error"} 1' metrics

# --- the CLI sees the same: users, tokens ---
assert_contains "$(sl users list)" "viewer" "users list"
sl users remove viewer >/dev/null
assert_status 401 GET /dags "" "$VIEWER_TOKEN"

# --- `sluice web` alone serves the same API ---
start_web
assert_contains "$(cat "$T/web.log")" "web UI on http://127.0.0.1:$WPORT/" "binds 127.0.0.1"
out=$(curl -sS -H "Authorization: Bearer $OPS_TOKEN" "http://127.0.0.1:$WPORT/api/v1/dags/d1/grid?limit=1")
assert_contains "$out" '"total":8' "sluice web grid"
# `sluice web` runs no scheduler, but says whether one runs on the home
# (it said only "scheduler": false, so a monitor of the web service could
# not see the scheduler service)
assert_eq '{"status":"ok","scheduler":false,"scheduler_running":true}' "$(curl -sS "http://127.0.0.1:$WPORT/health")" "web beside a scheduler"
stop_pid "$SCHED_PID"
assert_eq '{"status":"ok","scheduler":false,"scheduler_running":false}' "$(curl -sS "http://127.0.0.1:$WPORT/health")" "web alone"
echo "web_api: ok"
