#!/bin/bash
# web.busy_max_rps under `sluice standalone`: while tries run, requests past
# the rate wait their turn (answered, in order, none refused), /health is
# never held, and with nothing running nothing waits.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
# 2 a second: one request per 500 ms window
printf 'web: {bind: 127.0.0.1, busy_max_rps: 2}\n' > "$H/sluice.yaml"
# the task runs until the test lets it end
cat > "$H/dags/hold.yaml" <<YAML
dag: hold
tasks:
  wait: {command: 'while [ ! -f $T/go ]; do sleep 0.1; done'}
YAML
start_standalone

held() { curl -sS "$URL/metrics" | awk '$1 == "sluice_web_requests_held_total" {print $2}'; }
# burst N TAG: N API requests at once, each status into $T/TAG.N
burst() {
	local i
	for i in $(seq "$1"); do
		curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OPS_TOKEN" \
			"$URL/api/v1/dags" >"$T/$2.$i.tmp" && mv "$T/$2.$i.tmp" "$T/$2.$i" &
	done
}
answered() { ls "$T" | grep -c "^$1\.[0-9]*\$" || true; }
all_answered() { [ "$(answered "$1")" = "$2" ]; }

# idle: a burst goes straight through
burst 6 idle
wait_for 30 "the idle burst to be answered" all_answered idle 6
assert_eq 0 "$(held)" "requests held with nothing running"

sl trigger hold --partition p1 >/dev/null
wait_ti hold p1 wait running
burst 6 busy
# /health answers at once while the burst waits (6 requests at 2/s take
# more than 2 s)
assert_eq '{"status":"ok","scheduler":true,"scheduler_running":true}' "$(curl -sS "$URL/health")" health
n=$(answered busy)
[ "$n" -lt 6 ] || fail "all 6 requests were answered before /health: nothing was held"
wait_for 60 "the held burst to be answered" all_answered busy 6
for i in 1 2 3 4 5 6; do
	assert_eq 200 "$(cat "$T/busy.$i")" "held request $i"
done
h=$(held)
[ "$h" -ge 1 ] || fail "no request was held while a try ran (held $h)"

# the try ends: nothing waits any more
touch "$T/go"
wait_run hold p1 success
burst 6 after
wait_for 30 "the burst after the run to be answered" all_answered after 6
assert_eq "$h" "$(held)" "requests held after the run ended"
