#!/bin/bash
# A broken DAG file on the web's DAG list (walked: only its first error
# was shown): its first errors in file order, HTML-escaped, the rest
# behind "and N more"; a DAG running its last good version shows them all
# on its page; the page of a DAG no file defines names it, as text.
# Checked in headless Chromium at 1280 and 640 px wide;
# screenshots go to $WEB_SHOTS (default: $T/shots, removed with $T).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
# six errors, one naming a task that looks like markup
cat > "$H/dags/broken.yaml" <<'YAML'
dag: broken
schedule: none
tasks:
  a: {command: x, retries: -1, priority: p}
  b: {command: y, after: ["<b>nope</b>"], timeout: soon}
  c: {comand: z}
YAML
start_standalone
jar=$T/jar
login ops "$OPS_PW" "$jar"
page() { curl -fsS -b "$jar" "$URL/" >"$T/page.html"; }
shown() { page && grep -q 'broken.yaml' "$T/page.html"; }
wait_for 15 "the broken file on the DAG list" shown
html=$(cat "$T/page.html")
assert_contains "$html" "broken.yaml:4:28: tasks.a.retries" "the first error"
assert_contains "$html" "broken.yaml:4:42: tasks.a.priority" "the second error"
assert_contains "$html" "and 3 more</summary>" "the rest counted"
assert_contains "$html" "unknown task &#39;&lt;b&gt;nope&lt;/b&gt;&#39;" "an error's markup escaped"
assert_not_contains "$html" "<b>nope</b>" "no markup from an error"
assert_contains "$html" "broken.yaml:6:6: tasks.c: missing required key" "the last error, behind the summary"
# the API gives every error too
assert_status 200 GET /dags
assert_eq 6 "$(jq '.errors[0].errors | length' "$T/body")" "every error in the API"

[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (apt-get install chromium)"
command -v node >/dev/null || skip "no node"
[ -d "$SLUICE_SRCDIR/tests/node_modules/playwright-core" ] ||
	skip "playwright-core is not installed (cd tests && npm ci)"
SHOTS=${WEB_SHOTS:-$T/shots}
mkdir -p "$SHOTS"
URL=$URL OPS_PW=$OPS_PW SHOTS=$SHOTS \
	node "$SLUICE_SRCDIR/tests/browser/dag_errors.mjs" || fail "browser test failed (screenshots in $SHOTS)"
