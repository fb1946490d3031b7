#!/bin/bash
# Values are data, at the edges the other trust tests leave: a clear's or
# mark's flag that is not true or false is refused, not read as false (a
# "dry_run": "true" cleared for real); an error that echoes bytes that
# are not UTF-8 (a path segment, a query value) or is cut inside a
# character is still a JSON error naming the input (its body was "null");
# a NUL in a query value is a 400, as in the path (the value was cut);
# a clear naming partitions and a range is refused, as the CLI refuses
# it (the range was ignored), and mark takes no range;
# a backfill's or clear's from or to that is not a string is refused (a
# "to": [...] was read as absent: the backfill ran to the newest hour);
# on the audit page a param's value holding ", k: v" or a line break is
# quoted, so it cannot read as another key of the trigger;
# the CLI's who in the audit log is UTF-8 text of one line, whatever
# SUDO_USER holds (it was null in the API);
# a value in an email task's html goes in HTML-escaped (a param could
# put a link of its own in the message);
# a dataset name holding "<!--<script>" stays inside the map's JSON block
# on its page (the rest of the page, the map's script included, went into
# the block).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
cat > "$H/dags/u.yaml" <<'YAML'
dag: u
schedule: none
params: {x: hi, n: {type: integer, default: 1}}
tasks:
  a: {command: "true"}
  b: {command: "exit 1", after: [a]}
YAML
cat > "$H/dags/h.yaml" <<'YAML'
dag: h
schedule: "@hourly"
start: 2024-01-01
catchup: false
tasks:
  land: {command: "true", produces: ["odd<!--<script>name"]}
YAML
# an email task (no SMTP server: the message goes to the outbox)
cat > "$H/dags/m.yaml" <<'YAML'
dag: m
schedule: none
params: {x: hi, y: {enum: ["<i>ok</i>"], default: "<i>ok</i>"}}
tasks:
  mail:
    type: email
    to: [de@example.com]
    subject: "done {{ partition }}"
    body: "x={{ params.x }}"
    html: "<p>x=<b>{{ params.x }}</b> y={{ params.y | raw }}</p>"
YAML
start_standalone

# --- a flag that is not a boolean: 400 naming it, nothing changes ---
assert_status 201 POST /dags/u/runs '{"partition":"p1"}'
wait_run u p1 failed 60
tis() { q "SELECT group_concat(task_id || '=' || state, ' ') FROM task_instances WHERE dag_id = 'u' ORDER BY task_id"; }
before=$(tis)
assert_eq "a=success b=failed" "$before" "the run's task instances"
for v in '"true"' '1' '"false"' '[]'; do
	assert_status 400 POST /dags/u/clear "{\"partitions\":[\"p1\"],\"dry_run\":$v}"
	assert_contains "$(cat "$T/body")" "dry_run must be true or false" "clear's refusal names the flag"
	for flag in downstream upstream only_failed; do
		assert_status 400 POST /dags/u/clear "{\"partitions\":[\"p1\"],\"$flag\":$v,\"dry_run\":true}"
		assert_contains "$(cat "$T/body")" "$flag must be true or false" "clear's refusal names $flag"
	done
done
for flag in dry_run clear_downstream; do
	assert_status 400 POST /dags/u/mark "{\"tasks\":[\"b\"],\"partitions\":[\"p1\"],\"state\":\"success\",\"$flag\":\"true\"}"
	assert_contains "$(cat "$T/body")" "$flag must be true or false" "mark's refusal names the flag"
done
# a field a request does not take is refused, naming it and the one
# meant: "dryrun" read as nothing cleared for real
assert_status 400 POST /dags/u/clear '{"partitions":["p1"],"dryrun":true}'
assert_contains "$(cat "$T/body")" "unknown field 'dryrun' in the body: did you mean 'dry_run'? (it takes tasks, partitions, from, to, downstream, upstream, only_failed, dry_run, params)" "clear names the unknown field"
assert_status 400 POST /dags/u/mark '{"tasks":["b"],"partitions":["p1"],"state":"success","downstream":true}'
assert_contains "$(cat "$T/body")" "unknown field 'downstream' in the body" "mark names the unknown field"
# partitions and a range at once: refused as the CLI's clear refuses
# them (the range was ignored); mark takes partitions only (it listed
# from/to as taken, then refused a range and ignored one beside partitions)
for range in '"from":"p1","to":"p2"' '"from":"p1"' '"to":"p2"'; do
	assert_status 400 POST /dags/u/clear "{\"partitions\":[\"p1\"],$range,\"dry_run\":true}"
	assert_contains "$(cat "$T/body")" 'name the partitions by \"partitions\": [...] or by \"from\" and \"to\", not both' "clear with partitions and $range"
done
for body in '"from":"p1","to":"p1"' '"partitions":["p1"],"from":"p1","to":"p2"'; do
	assert_status 400 POST /dags/u/mark "{\"tasks\":[\"b\"],$body,\"state\":\"success\",\"dry_run\":true}"
	assert_contains "$(cat "$T/body")" "unknown field 'from' in the body (it takes tasks, partitions, state, clear_downstream, dry_run)" "mark with $body"
done
assert_status 400 POST /dags/u/runs '{"partition":"p2","paramz":{"x":1}}'
assert_contains "$(cat "$T/body")" "unknown field 'paramz' in the body: did you mean 'params'?" "a trigger names the unknown field"
assert_eq "" "$(q "SELECT partition FROM dag_runs WHERE dag_id = 'u' AND partition = 'p2'")" "the refused trigger made no run"
assert_status 400 POST /dags/u/backfills '{"from":"2024-01-01","dry_run":true,"onyl":"failed"}'
assert_contains "$(cat "$T/body")" "unknown field 'onyl' in the body: did you mean 'only'?" "a backfill names the unknown field"
# a NUL inside a JSON string: a 400 that says so in a person's words
assert_status 400 POST /dags/u/clear '{"partitions":["p1\u0000"],"dry_run":true}'
assert_contains "$(cat "$T/body")" "the body is not JSON: a NUL character (\\\\u0000) in a string" "a NUL in the body"
assert_not_contains "$(cat "$T/body")" "JSON_ALLOW_NUL" "no parser flag in the message"
assert_eq "$before" "$(tis)" "the task instances after the refused clears and marks"
assert_eq 0 "$(q "SELECT count(*) FROM audit WHERE action IN ('clear', 'mark')")" "audit rows of refused actions"
# true, false and null still do what they say
assert_status 200 POST /dags/u/clear '{"partitions":["p1"],"dry_run":true,"only_failed":false,"downstream":null}'
assert_eq true "$(jget 'd["dry_run"]')" "a dry run"
assert_eq "$before" "$(tis)" "a dry run changes nothing"

# --- a range's end that is not a string: 400, not "to the newest" ---
for body in '{"from":"2024-01-01T00","to":{"a":1}}' '{"from":"2024-01-01T00","to":["2024-01-01T01"]}' \
	'{"from":"2024-01-01T00","to":5}'; do
	for dry in true false; do
		assert_status 400 POST /dags/h/backfills "${body%\}},\"dry_run\":$dry}"
		assert_contains "$(cat "$T/body")" "to must be a string" "the backfill's refusal of $body"
	done
	assert_status 400 POST /dags/h/backfill "$body"
	assert_contains "$(cat "$T/body")" "to must be a string" "the first form's refusal of $body"
done
assert_status 400 POST /dags/h/backfills '{"from":["2024-01-01T00"],"dry_run":true}'
assert_contains "$(cat "$T/body")" "from must be a string" "a backfill's from as a list"
# the first form takes from, to, allow_outside_range: a dry run made a
# real backfill, "only" was dropped (the missing made instead)
for field in 'dry_run true' 'only "failed"' 'only "all"' 'newest_first true' 'max_active 2'; do
	name=${field%% *}
	assert_status 400 POST /dags/h/backfill "{\"from\":\"2024-01-01T00\",\"to\":\"2024-01-01T02\",\"$name\":${field#* }}"
	assert_contains "$(cat "$T/body")" "field '$name': POST /api/v1/dags/h/backfill takes only from, to, allow_outside_range" "the first form's refusal of $field"
	assert_contains "$(cat "$T/body")" "/dags/h/backfills takes $name too" "the first form's pointer to the new one"
done
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'h' AND run_type = 'backfill'")" "runs of the refused first-form backfills"
assert_eq 0 "$(q "SELECT count(*) FROM audit WHERE action = 'backfill'")" "audited backfills of refused bodies"
assert_eq 0 "$(q "SELECT count(*) FROM backfills")" "backfills made by refused bodies"
assert_status 400 POST /dags/u/clear '{"from":"p1","to":["p1"],"dry_run":true}'
assert_contains "$(cat "$T/body")" "to must be a string" "a clear's to as a list"

# --- an error echoing bytes that are not UTF-8 is still JSON ---
err_json() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["status"], d["error"])' "$T/body"; }
code=$(curl -sS -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $OPS_TOKEN" "$URL/api/v1/dags/u/runs/k%ff%fe")
assert_eq 400 "$code" "a partition in the path that is not UTF-8"
out=$(err_json) || fail "the error body is not JSON: $(cat "$T/body")"
assert_contains "$out" "400 " "the status in the body"
assert_contains "$out" "k" "the error names what was asked"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $OPS_TOKEN" "$URL/api/v1/dags/u/runs?from=%ff")
assert_eq 400 "$code" "a from that is not UTF-8"
err_json >/dev/null || fail "the error body is not JSON: $(cat "$T/body")"
# a NUL in a query value is refused, as in the path (the value was cut
# there: "p1%00x" read as p1)
for q in 'from=p1%00x' 'to=p1&from=%00' 'limit=5%00'; do
	assert_status 400 GET "/dags/u/runs?$q"
	assert_contains "$(cat "$T/body")" "bad request path or query" "a NUL in ?$q"
done
code=$(curl -sS -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $OPS_TOKEN" "$URL/dags/u?at=p1%00x")
assert_eq 400 "$code" "a NUL in a page's query"
assert_status 200 GET "/dags/u/runs?from=p1&limit=5"
# a long value of two-byte letters: the message is cut at 1 KiB, maybe
# inside a letter
long=$(/usr/bin/python3 -c 'print("a" + "\u00e9" * 600)')
for pre in "" "x"; do
	assert_status 400 POST /dags/u/runs "{\"partition\":\"p2\",\"params\":{\"n\":\"$pre$long\"}}"
	out=$(err_json) || fail "the error body is not JSON: $(head -c 300 "$T/body")"
	assert_contains "$out" "param 'n' must be an integer" "the refusal of a long value"
done
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE partition = 'p2'")" "no run of a refused trigger"

# --- a dataset name cannot end or escape the map's JSON block ---
dataset_page() { curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL/datasets/$(pct 'odd<!--<script>name')"; }
page=$(dataset_page)
assert_contains "$page" '<script type="application/json" id="map-data">{"dataset":"odd\u003c!--\u003cscript>name"' "the name in the block"
assert_not_contains "$page" '<!--<script>' "the name as raw text anywhere"
block=${page#*id=\"map-data\">}
block=${block%%</script>*}
printf '%s' "$block" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["dataset"] == "odd<!--<script>name", d["dataset"]' ||
	fail "the block is not the map's JSON: $block"
# --- the audit page: a param's value cannot read as more keys ---
assert_status 201 POST /dags/u/runs '{"partition":"au1","params":{"x":"a, token: ***","n":"7"}}'
assert_status 201 POST /dags/u/runs '{"partition":"au2","params":{"x":"a\npartition: forged"}}'
assert_status 201 POST /dags/u/runs '{"partition":"au3","params":{"x":""}}'
audit=$(curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL/audit")
assert_contains "$audit" '{x: &quot;a, token: ***&quot;, n: 7}' "a value with a comma, quoted"
assert_contains "$audit" '{x: &quot;a\npartition: forged&quot;}' "a value with a line break, quoted"
assert_contains "$audit" '{x: &quot;&quot;}' "an empty value, quoted"
assert_contains "$audit" '<span class="k">partition:</span> au1</div>' "a plain value as it is"

# --- the CLI's who (SUDO_USER: any bytes) is one line of UTF-8 ---
SUDO_USER=$'x\xffy\nz' sl trigger u --partition s1 >/dev/null
assert_status 200 GET '/audit?limit=1'
assert_eq "cli:x?y?z trigger" "$(jget 'd["audit"][0]["who"] + " " + d["audit"][0]["action"]')" "the audit row's who"

# --- a value in an email's html goes in HTML-escaped ---
X='<a href="http://evil.example/?a=1&b=2">reset your password</a>'
assert_status 201 POST /dags/m/runs "$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"partition":"m1","params":{"x":sys.argv[1]}}))' "$X")"
wait_run m m1 success 60
eml=$(ls "$H"/outbox/*-m-mail-*.eml)
html=$(/usr/bin/python3 - "$eml" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print(m.get_body(("html",)).get_content().strip())
PY
)
assert_eq '<p>x=<b>&lt;a href=&quot;http://evil.example/?a=1&amp;b=2&quot;&gt;reset your password&lt;/a&gt;</b> y=<i>ok</i></p>' \
	"$html" "the html part: the param as text, the raw one as written"
assert_contains "$(sl logs m mail m1)" "outbox" "the message went to the outbox"
echo "web_input_edges: ok"
