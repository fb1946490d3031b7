#!/bin/bash
# The datasets list's strips of recent partitions (web/pages_datasets.c)
# for three cadences, read from the page's HTML: a daily producer (the
# last 30 days as one line: a run that succeeded, one that failed, the
# never-run days missing, today future), an hourly one in Europe/Berlin
# (a row per local day, labelled with the local date, the first row
# padded to the local hour of the DAG's start) and one every 15 minutes
# (at most 168 cells). Each cell links to the producer's grid at it, but
# a future one (the map opens nothing there either).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
printf 'dags_paused_at_creation: true\n' >> "$H/sluice.yaml"
now=$(date +%s)
DAY0=$((now / 86400 * 86400))
HSTART=$((now / 3600 * 3600 - 50 * 3600))
# producer NAME SCHEDULE ZONE START_S: DAG NAME whose task t produces d.NAME
producer() {
	printf 'dag: %s\nschedule: "%s"\ntimezone: %s\nstart: %s\ntasks:\n  t: {command: "true", produces: [d.%s]}\n' \
		"$1" "$2" "$3" "$(date -u -d "@$4" +%Y-%m-%dT%H:%M:%SZ)" "$1" > "$H/dags/$1.yaml"
}
producer daily "@daily" UTC $((DAY0 - 60 * 86400))
producer berlin "@hourly" Europe/Berlin "$HSTART"
producer quarter "*/15 * * * *" UTC $((DAY0 - 20 * 86400))
start_standalone
has_rows() { [ "$(q "SELECT count(*) FROM dags")" = 3 ]; }
wait_for 15 "the DAGs' rows" has_rows
# daily: day -2 succeeded, day -3 failed (its task failed)
dkey() { date -u -d "@$((DAY0 + $1 * 86400))" +%Y-%m-%dT%H:%M:%S+00:00; }
for d in -2 -3; do
	st=$([ "$d" = -2 ] && echo success || echo failed)
	s=$((DAY0 + d * 86400))
	q ".timeout 5000" "INSERT INTO dag_runs (dag_id, partition, start_s, end_s, run_type, state, created_at, started_at, ended_at)
	   VALUES ('daily', '$(dkey "$d")', $s, $((s + 86400)), 'scheduled', '$st', 0, 0, 0);
	   INSERT INTO task_instances (run_id, dag_id, task_id, state, try_number, updated_at)
	   VALUES (last_insert_rowid(), 'daily', 't', '$st', 1, 0);"
done

login viewer "$VIEWER_PW" "$T/jar"
# the page, read within one clock hour; AT: when. The set-up above takes
# seconds (more on a loaded machine), so an hour, even a day, may have
# begun since $now was read: what is expected is counted from AT
for i in 1 2 3; do
	before=$(date +%s)
	curl -sS -b "$T/jar" "$URL/datasets" > "$T/page.html"
	AT=$(date +%s)
	[ $((before / 3600)) = $((AT / 3600)) ] && break
done
DAYS_SINCE=$(((AT / 86400 * 86400 - DAY0) / 86400))	# 0, or 1 past midnight
# the strip of a dataset as JSON: {kind, days: [label...], pads: [n per row],
# cells: [[state, partition, href]...], note}
strip() {
	/usr/bin/python3 - "$T/page.html" "$1" "$2" <<'PY'
import html.parser, json, sys, urllib.parse
page, name, field = sys.argv[1], sys.argv[2], sys.argv[3]
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.row = None; s.out = {"days": [], "pads": [], "cells": [], "note": ""}; s.label = s.note = False
    def handle_starttag(s, tag, a):
        a = dict(a); c = a.get("class", "")
        if tag == "tr" and "dataset" in c.split(): s.row = a.get("data-name")
        if s.row != name: return
        if "ds-strip" in c.split(): s.out["kind"] = c.split()[1]
        if "ds-day" in c.split(): s.out["pads"].append(0)
        if "ds-day-label" in c.split(): s.label = True
        if "ds-pad" in c.split(): s.out["pads"][-1] += 1
        if tag == "a" and "mc" in c.split():
            s.out["cells"].append([c.split()[1][2:], urllib.parse.parse_qs(a["href"].split("?")[1])["at"][0], a["href"]])
        if tag != "a" and "mc" in c.split():
            s.out["cells"].append([c.split()[1][2:], a.get("data-partition"), None])
        if "ds-strip-note" in c.split(): s.note = True
    def handle_endtag(s, tag):
        if tag == "td": s.note = False
        if tag == "tr": s.row = None
    def handle_data(s, d):
        if s.row != name: return
        if s.label: s.out["days"].append(d); s.label = False
        elif s.note: s.out["note"] += d
p = P(); p.feed(open(page).read())
print(json.dumps(p.out[field]) if field != "-" else json.dumps(p.out))
PY
}
states() { strip "$1" cells | /usr/bin/python3 -c 'import json,sys,collections; c=collections.Counter(x[0] for x in json.load(sys.stdin)); print(" ".join(f"{k}={c[k]}" for k in sorted(c)))'; }

# daily: 30 days in one line
assert_eq '"ds-line"' "$(strip d.daily kind)" "a daily producer: one line"
assert_eq "failed=1 future=1 missing=27 success=1" "$(states d.daily)" "30 days: the run that landed, the failed one, today"
assert_eq "[\"success\", \"$(dkey -2)\", \"/dags/daily?at=$(dkey -2 | sed 's/+/%2B/')\"]" \
	"$(strip d.daily cells | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[-3 - int(sys.argv[1])]))' "$DAYS_SINCE")" \
	"day -2 landed, a link to the grid at it"
assert_eq "\"$(dkey "$DAYS_SINCE")\"" "$(strip d.daily cells | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[-1][1]))')" "the last cell is today"
# today is in the future: no link (the grid at it answered 400, "no run
# for partition"), as the map opens nothing there; every other cell links
assert_eq "[\"future\", \"$(dkey "$DAYS_SINCE")\", null]" "$(strip d.daily cells | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[-1]))')" "today's cell is no link"
for ds in d.daily d.berlin d.quarter; do
	assert_eq "[]" "$(strip "$ds" cells | /usr/bin/python3 -c 'import json,sys; print(json.dumps([c for c in json.load(sys.stdin) if (c[0] == "future") != (c[2] is None)]))')" "$ds: the future cells alone are no links"
done
assert_eq "\"last 30 days: 27 missing, 1 success, 1 failed, 1 future\"" "$(strip d.daily note)" "the counts"

# berlin: a row per local day, the first padded to the start's local hour
assert_eq '"ds-hourly"' "$(strip d.berlin kind)" "an hourly producer: days x hours"
days=$(for t in $(seq "$HSTART" 86400 "$AT") "$AT"; do TZ=Europe/Berlin date -d "@$t" +%m-%d; done | uniq | /usr/bin/python3 -c 'import json,sys; print(json.dumps(sorted(set(l.strip() for l in sys.stdin))))')
assert_eq "$days" "$(strip d.berlin days | /usr/bin/python3 -c 'import json,sys; print(json.dumps(sorted(json.load(sys.stdin))))')" "labelled by local date"
assert_eq "$(TZ=Europe/Berlin date -d "@$HSTART" +%-H)" "$(strip d.berlin pads | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')" "the first row starts at the local hour of the DAG's start"
assert_eq "missing=$(((AT / 3600 * 3600 - HSTART) / 3600)) future=1" "$(states d.berlin | tr ' ' '\n' | sort -r | tr '\n' ' ' | sed 's/ $//')" \
	"50 hours missing (one more for each hour begun since the set-up), the current one future"

# every 15 minutes: at most 168 cells, the last one now
assert_eq '"ds-line"' "$(strip d.quarter kind)" "a short cadence: one line"
assert_eq "future=1 missing=167" "$(states d.quarter)" "168 quarter hours"
echo "web_datasets_strip: ok"
