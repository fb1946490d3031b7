#!/bin/bash
# Datasets through the API and the pages: GET /api/v1/datasets lists each
# dataset a task `produces:` with its producing DAG and task and every
# need of it (DAG- and task-level, offset, latest, on_change); a dataset's
# map (GET /api/v1/datasets/{name}/partitions) is its producing task's
# partitions, not the run's: the hour where a later task of the producer
# fails is failed in the DAG's map and success in the dataset of the task
# before it. Names are free text: s3://bucket/prefix/ travels as one
# percent-encoded segment, <&"> is escaped in HTML. The datasets page and
# a dataset's page (with the map) are linked from the nav. A clear's dry
# run lists the consumer partitions in other DAGs that re-run after it.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
printf 'dags_paused_at_creation: true\n' >> "$H/sluice.yaml"
now=$(date +%s)
S0=$((now / 3600 * 3600 - 5 * 3600))
key() { date -u -d "@$(($S0 + $1 * 3600))" +%Y-%m-%dT%H:%M:%S+00:00; }
zkey() { key "$1" | sed 's/+00:00$/Z/'; }
nodash() { date -u -d "@$(($S0 + $1 * 3600))" +%Y%m%dT%H%M%S; }
# lake: hourly, three hours; land produces the s3 prefix, load (after it)
# produces lake.trades and fails on hour 1
cat > "$H/dags/lake.yaml" <<YAML
dag: lake
schedule: "@hourly"
start: $(zkey 0)
end: $(zkey 3)
tasks:
  land: {command: "true", produces: ["s3://bucket/prefix/"]}
  load:
    command: "case {{ ts_nodash }} in $(nodash 1)) exit 1 ;; esac"
    after: [land]
    produces: [lake.trades, 'odd <&"> name']
YAML
# consumers: a DAG-level need, and a task-level one with an offset
cat > "$H/dags/report.yaml" <<YAML
dag: report
schedule: "@hourly"
start: $(zkey 0)
end: $(zkey 3)
needs:
  - dataset: lake.trades
tasks:
  a: {command: "true"}
  b:
    command: "true"
    needs:
      - dataset: "s3://bucket/prefix/"
        offset: -1
        on_change: mark
YAML
cat > "$H/dags/adhoc.yaml" <<'YAML'
dag: adhoc
schedule: none
tasks:
  t: {command: "true", produces: [adhoc.out]}
YAML
out=$(sl dags validate) || fail "dags validate: $out"
start_standalone

# --- the list, from the DAG folder (no run needed) ---
assert_status 200 GET /datasets "" "$VIEWER_TOKEN"
assert_eq '["adhoc.out", "lake.trades", "odd <&\"> name", "s3://bucket/prefix/"]' \
	"$(jget '[x["name"] for x in d["datasets"]]')" "every dataset, by name"
ds() { jget "[x for x in d['datasets'] if x['name'] == '$1'][0]$2"; }
assert_eq '[{"dag": "lake", "task": "load", "scheduled": true}]' "$(ds lake.trades '["producers"]')" "lake.trades: its producer"
assert_eq '[{"dag": "report", "task": null, "offset": 0, "latest": false, "on_change": "rerun"}]' \
	"$(ds lake.trades '["consumers"]')" "lake.trades: a DAG-level need"
assert_eq '[{"dag": "report", "task": "b", "offset": -1, "latest": false, "on_change": "mark"}]' \
	"$(ds s3://bucket/prefix/ '["consumers"]')" "the prefix: a task's need, its offset and on_change"
assert_eq '/datasets/s3%3A%2F%2Fbucket%2Fprefix%2F' "$(ds s3://bucket/prefix/ '["page"]')" "the page link: one segment"
assert_eq '/api/v1/datasets/s3%3A%2F%2Fbucket%2Fprefix%2F/partitions' "$(ds s3://bucket/prefix/ '["partitions"]')" "the map link"
assert_eq '[]' "$(ds adhoc.out '["consumers"]')" "no consumers"
assert_eq false "$(ds adhoc.out '["producers"][0]["scheduled"]')" "an unscheduled producer"
assert_status 200 GET "/datasets/$(pct 's3://bucket/prefix/')"
assert_eq s3://bucket/prefix/ "$(jget 'd["name"]')" "one dataset by its encoded name"
assert_status 404 GET "/datasets/nope"
assert_contains "$(cat "$T/body")" "no task produces a dataset named nope"

# --- the maps: the producing task's partitions ---
assert_status 200 POST /dags/lake/unpause '{}'
wait_run lake "$(key 0)" success 60
wait_run lake "$(key 1)" failed 60
wait_run lake "$(key 2)" success 60
assert_status 200 GET "/dags/lake/partitions?format=compact"
assert_eq sFs "$(jget 'd["codes"]')" "the DAG's map: hour 1 failed (load)"
assert_status 200 GET "/datasets/$(pct lake.trades)/partitions?format=compact"
assert_eq sFs "$(jget 'd["codes"]')" "lake.trades (load): hour 1 failed"
assert_eq lake.trades "$(jget 'd["dataset"]')" "the reply names the dataset"
assert_eq "lake load" "$(jget 'd["dag"] + " " + d["task"]')" "and its producer"
assert_eq 3600 "$(jget 'd["step_s"]')" "compact: the step"
assert_status 200 GET "/datasets/$(pct s3://bucket/prefix/)/partitions?format=compact"
assert_eq sss "$(jget 'd["codes"]')" "the prefix (land): every hour landed"
assert_status 200 GET "/datasets/$(pct s3://bucket/prefix/)/partitions?from=$(pct "$(key 1)")&to=$(pct "$(key 1)")"
assert_eq 1 "$(jget 'd["count"]')" "from/to as for a DAG's map"
assert_eq success "$(jget 'd["partitions"][0]["state"]')" "full form: land succeeded in hour 1"
assert_eq "/dags/lake/runs/$(pct "$(key 1)")" "$(jget 'd["partitions"][0]["run"]')" "full form: the producer's run"
assert_status 200 GET "/datasets/$(pct 'odd <&"> name')/partitions?format=compact"
assert_eq sFs "$(jget 'd["codes"]')" "a name with <&\"> in the path"
assert_status 400 GET "/datasets/$(pct adhoc.out)/partitions"
assert_contains "$(cat "$T/body")" "no schedule"
assert_status 404 GET "/datasets/nope/partitions"
assert_status 400 GET "/datasets/$(pct lake.trades)/partitions?format=wide"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$URL/api/v1/datasets")
assert_eq 401 "$code" "no login: 401"

# --- a clear's preview names the consumer partitions in other DAGs ---
assert_status 200 POST /dags/report/unpause '{}'
wait_ti report "$(key 0)" a success 60
assert_status 200 POST /dags/lake/clear "{\"partitions\": [\"$(key 0)\"], \"dry_run\": true}"
assert_eq "[{\"dag\": \"report\", \"partition\": \"$(key 0)\"}]" "$(jget 'd["consequences"]')" \
	"the dry run lists report's hour that used lake's hour 0"
wait_ti report "$(key 2)" a success 60
assert_status 200 POST /dags/lake/clear "{\"partitions\": [\"$(key 0)\", \"$(key 2)\"], \"dry_run\": true}"
assert_eq "[\"$(key 0)\", \"$(key 2)\"]" "$(jget '[c["partition"] for c in d["consequences"]]')" "one entry per consumer partition"
assert_status 200 POST /dags/lake/clear "{\"partitions\": [\"$(key 1)\"], \"dry_run\": true}"
assert_eq "[]" "$(jget 'd["consequences"]')" "hour 1 failed: nothing used it"

# --- the pages ---
login viewer "$VIEWER_PW" "$T/jar"
page=$(curl -sS -b "$T/jar" "$URL/datasets")
assert_contains "$page" '<a href="/datasets">Datasets</a>' "the nav links the page"
assert_contains "$page" '<a class="ds-name" href="/datasets/s3%3A%2F%2Fbucket%2Fprefix%2F">s3://bucket/prefix/</a>'
assert_contains "$page" 'odd &lt;&amp;&quot;&gt; name' "a name is escaped"
assert_not_contains "$page" 'odd <&"> name' "never raw"
assert_contains "$page" '<a href="/dags/report">report</a>.<wbr>b <span class="note">offset -1, on change: mark</span>'
assert_contains "$page" '(unscheduled: no map)'
page=$(curl -sS -b "$T/jar" "$URL/datasets/$(pct s3://bucket/prefix/)")
assert_contains "$page" '<h1 id="ds-title">s3://bucket/prefix/</h1>'
assert_contains "$page" 'data-api="/datasets/s3%3A%2F%2Fbucket%2Fprefix%2F/partitions"' "map.js reads the dataset's endpoint"
assert_contains "$page" '<script type="application/json" id="map-data">{"dataset":"s3:\/\/bucket\/prefix\/"' "the first map in the page"
assert_contains "$page" '/static/map.js'
assert_not_contains "$page" 'id="map-backfill"' "no actions on a dataset's map"
page=$(curl -sS -b "$T/jar" "$URL/datasets/$(pct 'odd <&"> name')")
assert_contains "$page" '<h1 id="ds-title">odd &lt;&amp;&quot;&gt; name</h1>'
assert_contains "$(curl -sS -b "$T/jar" "$URL/datasets/$(pct adhoc.out)")" 'id="ds-no-map"'
code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$T/jar" "$URL/datasets/nope")
assert_eq 404 "$code" "no such dataset: 404"
assert_contains "$(curl -sS -b "$T/jar" "$URL/datasets/nope")" '<a href="/" id="to-dags">All DAGs</a>' "a 404 page leads back"
echo "web_datasets: ok"
