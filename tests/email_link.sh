#!/bin/bash
# The links in notification emails open the pages they name. `sluice
# standalone` (a home made by `sluice init`, web.base_url not set, so the
# links follow --port) sends a task's failure email and a run's failure
# email through a real SMTP server (aiosmtpd); each link, taken from the
# mail as it arrived, opens with HTTP 200 after logging in and shows the
# task instance or the run. The run's email names its failed task and
# the task's recorded error, which ends with the last line its log holds
# (what went wrong), not "Task: ?". A task's link names the try its mail
# is about: the retry mail's, opened after the retry ran, shows try 1's
# log, not the latest try's.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"
start_smtp
new_home
sl init >/dev/null
cat >>"$H/sluice.yaml" <<YAML
smtp: {url: "$SMTP_URL", from: sluice@example.com}
YAML
echo "$OPS_PW" | sl users add ops --role operator --password-stdin >/dev/null
# an unscheduled DAG: the partition key below needs URL-encoding (: and +)
cat >"$H/dags/links.yaml" <<'YAML'
dag: links
email: [oncall@example.com]
email_on: [failure]
tasks:
  load+orders:
    command: 'echo loading; echo "orders <2024-01-05>: 3 rows refused"; exit 3'
    retries: 1
    retry_delay: 0s
    email_on: [retry, failure]
    email: [oncall@example.com]
  report:
    after: [load+orders]
    command: 'echo never'
YAML
start_standalone
sl dags unpause links >/dev/null 2>&1 || true
P="2024-01-05+batch:1"
sl trigger links --partition "$P" >/dev/null
wait_run links "$P" failed 30
three_mails() { [ "$(smtp_count)" -ge 3 ]; }
wait_for 20 "the task's retry and failure and the run's emails" three_mails
login ops "$OPS_PW" "$T/ops.jar"

# the first "Open in sluice" link of each mail, as the mail carries it
task_mail=-1
run_mail=-1
retry_mail=-1
for i in 0 1 2; do
	case "$(smtp_mail header:Subject $i)" in
	*" run "*) run_mail=$i ;;
	*retrying*) retry_mail=$i ;;
	*) task_mail=$i ;;
	esac
done
[ "$task_mail" -ge 0 ] && [ "$run_mail" -ge 0 ] && [ "$retry_mail" -ge 0 ] ||
	fail "want a retry, a task and a run email: $(smtp_mail header:Subject 0) / $(smtp_mail header:Subject 1) / $(smtp_mail header:Subject 2)"
link_of() { smtp_mail text "$1" | sed -n 's/^Open in sluice: //p' | head -1; }

# the task's email: its link is this server's task instance page, at the
# try that failed
link=$(link_of "$task_mail")
assert_eq "$URL/dags/links/runs/$(pct "$P")/tasks/$(pct "load+orders")?try=2" "$link" "task link"
code=$(curl -sS -o "$T/page" -w '%{http_code}' -b "$T/ops.jar" "$link")
assert_eq 200 "$code" "the task link opens"
assert_contains "$(cat "$T/page")" "load+orders" "the task page"
assert_contains "$(cat "$T/page")" 'data-task="load+orders"' "the task page names its task"
# the retry's email links try 1: its page opens try 1's log though try 2
# is the latest; a try that is not there opens the latest
rlink=$(link_of "$retry_mail")
assert_eq "$URL/dags/links/runs/$(pct "$P")/tasks/$(pct "load+orders")?try=1" "$rlink" "retry link"
page=$(curl -sS -b "$T/ops.jar" "$rlink")
assert_contains "$page" 'data-try="2" data-open-try="1"' "the retry link's page opens try 1"
page=$(curl -sS -b "$T/ops.jar" "${rlink%1}9")
assert_not_contains "$page" 'data-open-try' "a try that is not there"
# the task's email says what its recorded error says, once
tbody=$(smtp_mail text "$task_mail")
assert_contains "$tbody" "Result:     exit code 3: orders <2024-01-05>: 3 rows refused" "task body"
assert_not_contains "$tbody" "error: exit code" "task body"
# without a login it leads to the login page and back
code=$(curl -sS -o /dev/null -w '%{http_code}' "$link")
assert_eq 303 "$code" "the task link without a login"

# the run's email: names the failed task and its result, links the run
subject=$(smtp_mail header:Subject "$run_mail")
body=$(smtp_mail text "$run_mail")
assert_eq "[sluice] FAILED: links run $P (load+orders failed)" "$subject" "run subject"
assert_not_contains "$body" "Task:" "run body"
# no "?" placeholder (the links' query strings aside)
assert_not_contains "$(grep -v '^ *http' <<<"$body" | grep -v '^Open in sluice: http')" "?" "run body"
assert_contains "$body" "load+orders: exit code 3: orders <2024-01-05>: 3 rows refused (try 2 of 2)
    $URL/" "run body: the failed task's recorded error, the last line it logged"
assert_not_contains "$body" "last line of its log" "run body: the line once"
assert_contains "$(smtp_mail html "$run_mail")" "</a>: exit code 3: orders &lt;2024-01-05&gt;: 3 rows refused (try 2 of 2)" "run html"
assert_contains "$body" "report: not run: an upstream task failed" "run body"
link=$(link_of "$run_mail")
assert_eq "$URL/dags/links/runs/$(pct "$P")" "$link" "run link"
code=$(curl -sS -o "$T/page" -w '%{http_code}' -b "$T/ops.jar" "$link")
assert_eq 200 "$code" "the run link opens"
assert_contains "$(cat "$T/page")" 'id="run-tis"' "the run page"
assert_contains "$(cat "$T/page")" '<span class="exit">exit code 3</span>: orders &lt;2024-01-05&gt;: 3 rows refused' "the run page shows the result"
assert_not_contains "$(cat "$T/page")" "error: exit code" "the run page"
# the run email's link to the failed task opens too
tlink=$(printf '%s\n' "$body" | sed -n 's/^    \(http.*\)$/\1/p' | head -1)
assert_eq "$URL/dags/links/runs/$(pct "$P")/tasks/$(pct "load+orders")?try=2" "$tlink" "run email's task link"
code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$T/ops.jar" "$tlink")
assert_eq 200 "$code" "the run email's task link opens"

# the same links in headless Chromium, as a person clicks them in a mail
if [ -x /usr/bin/chromium ] && command -v node >/dev/null &&
	[ -d "$SLUICE_SRCDIR/tests/node_modules/playwright-core" ]; then
	LINK=$tlink USER=ops PASSWORD=$OPS_PW WANT='#ti[data-task="load+orders"]' \
		node "$SLUICE_SRCDIR/tests/browser/open_link.mjs" || fail "the task link in Chromium"
	LINK=$rlink USER=ops PASSWORD=$OPS_PW WANT='#tries tr.shown[data-try="1"] ~ tr.try[data-try="2"]' \
		node "$SLUICE_SRCDIR/tests/browser/open_link.mjs" || fail "the retry link in Chromium: try 1's log"
	LINK=$link USER=ops PASSWORD=$OPS_PW WANT='#run-tis' \
		node "$SLUICE_SRCDIR/tests/browser/open_link.mjs" || fail "the run link in Chromium"
else
	note "no Chromium with playwright-core: links checked with curl only"
fi
echo "email_link: ok"
