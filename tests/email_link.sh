#!/bin/bash
# The links in notification emails open the pages they name. `sluice
# standalone` (a home made by `sluice init`, web.base_url not set, so the
# links follow --port) sends a task's failure email and a run's failure
# email through a real SMTP server (aiosmtpd); each link, taken from the
# mail as it arrived, opens with HTTP 200 after logging in and shows the
# task instance or the run. The run's email names its failed task and
# the task's recorded error, which ends with the last line its log holds
# (what went wrong), not "Task: ?".
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
    email_on: [failure]
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
two_mails() { [ "$(smtp_count)" -ge 2 ]; }
wait_for 20 "the task's and the run's emails" two_mails
login ops "$OPS_PW" "$T/ops.jar"

# the first "Open in sluice" link of each mail, as the mail carries it
task_mail=-1
run_mail=-1
for i in 0 1; do
	case "$(smtp_mail header:Subject $i)" in
	*" run "*) run_mail=$i ;;
	*) task_mail=$i ;;
	esac
done
[ "$task_mail" -ge 0 ] && [ "$run_mail" -ge 0 ] ||
	fail "want one task and one run email: $(smtp_mail header:Subject 0) / $(smtp_mail header:Subject 1)"
link_of() { smtp_mail text "$1" | sed -n 's/^Open in sluice: //p' | head -1; }

# the task's email: its link is this server's task instance page
link=$(link_of "$task_mail")
assert_eq "$URL/dags/links/runs/$(pct "$P")/tasks/$(pct "load+orders")" "$link" "task link"
code=$(curl -sS -o "$T/page" -w '%{http_code}' -b "$T/ops.jar" "$link")
assert_eq 200 "$code" "the task link opens"
assert_contains "$(cat "$T/page")" "load+orders" "the task page"
assert_contains "$(cat "$T/page")" 'data-task="load+orders"' "the task page names its task"
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
assert_not_contains "$body" "?" "run body"
assert_contains "$body" "load+orders: exit code 3: orders <2024-01-05>: 3 rows refused (try 1 of 1)
    $URL/" "run body: the failed task's recorded error, the last line it logged"
assert_not_contains "$body" "last line of its log" "run body: the line once"
assert_contains "$(smtp_mail html "$run_mail")" "</a>: exit code 3: orders &lt;2024-01-05&gt;: 3 rows refused (try 1 of 1)" "run html"
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
assert_eq "$URL/dags/links/runs/$(pct "$P")/tasks/$(pct "load+orders")" "$tlink" "run email's task link"
code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$T/ops.jar" "$tlink")
assert_eq 200 "$code" "the run email's task link opens"

# the same links in headless Chromium, as a person clicks them in a mail
if [ -x /usr/bin/chromium ] && command -v node >/dev/null &&
	[ -d "$SLUICE_SRCDIR/tests/node_modules/playwright-core" ]; then
	LINK=$tlink USER=ops PASSWORD=$OPS_PW WANT='#ti[data-task="load+orders"]' \
		node "$SLUICE_SRCDIR/tests/browser/open_link.mjs" || fail "the task link in Chromium"
	LINK=$link USER=ops PASSWORD=$OPS_PW WANT='#run-tis' \
		node "$SLUICE_SRCDIR/tests/browser/open_link.mjs" || fail "the run link in Chromium"
else
	note "no Chromium with playwright-core: links checked with curl only"
fi
echo "email_link: ok"
