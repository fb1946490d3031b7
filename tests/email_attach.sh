#!/bin/bash
# Attachments through a real server: attach_logs_of picks the latest try
# log of each named task of the same run (HOME/logs/DAG/PARTITION/TASK/
# try-N.log); attach takes files (relative to the home). Contents arrive
# byte for byte, with the right names and types; a task without a log is
# reported and skipped; a missing file fails the try.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/email_lib.sh"

start_smtp
new_home
part=2024-01-02T00:00:00+00:00
logs=$H/logs/stocks/$part
mkdir -p "$logs/extract" "$logs/load" "$H/reports"
printf 'try one\n' >"$logs/extract/try-1.log"
printf 'try two: extracted 42 rows\n' >"$logs/extract/try-2.log"
for i in $(seq 1 2000); do echo "load line $i"; done >"$logs/load/try-10.log"
printf 'old\n' >"$logs/load/try-9.log"
printf 'sym,price\nACME,1.5\n' >"$H/reports/summary.csv"
head -c 5000 /dev/urandom >"$T/blob.bin"

email_expect_ok '{
  "dag": "stocks", "task": "notify", "partition": "'"$part"'", "home": "'"$H"'",
  "smtp": {"url": "'"$SMTP_URL"'", "from": "sluice@example.com"},
  "options": {"to": ["de@example.com"], "subject": "with logs",
              "body": "logs attached", "html": "<p>logs attached</p>",
              "attach_logs_of": ["extract", "load", "never_ran"],
              "attach": ["reports/summary.csv", "'"$T/blob.bin"'"]}
}'
assert_contains "$OUT" "no log of task never_ran"
assert_contains "$OUT" "attaching $logs/extract/try-2.log"
wait_for 10 "the message" smtp_count_is 1

assert_eq "extract-try-2.log	text/plain	27
load-try-10.log	text/plain	$(stat -c %s "$logs/load/try-10.log")
summary.csv	text/csv	19
blob.bin	application/octet-stream	5000" "$(smtp_mail attachments)" attachments
assert_eq "multipart/mixed
  multipart/alternative
    text/plain
    text/html
  text/plain
  text/plain
  text/csv
  application/octet-stream" "$(smtp_mail structure)" structure
smtp_mail attachment:load-try-10.log >"$T/got-load.log"
cmp "$logs/load/try-10.log" "$T/got-load.log" || fail "load log differs"
smtp_mail attachment:blob.bin >"$T/got-blob.bin"
cmp "$T/blob.bin" "$T/got-blob.bin" || fail "binary attachment differs"
assert_eq "logs attached" "$(smtp_mail text)" "text body"
# header lines fold within 78 characters, body lines (base64) within 76
awk 'length($0) > 78 { bad = 1 } END { exit bad }' "$SMTP_MAILDIR"/new/* ||
	fail "a line longer than 78 characters"
smtp_mail raw | awk '/^$/ { body = 1 } body && length($0) > 76 { bad = 1 } END { exit bad }' ||
	fail "a body line longer than 76 characters"

# a file to attach that does not exist fails the try, and nothing is sent
email_expect_fail '{"home": "'"$H"'",
  "smtp": {"url": "'"$SMTP_URL"'", "from": "sluice@example.com"},
  "options": {"to": ["de@example.com"], "attach": ["reports/missing.csv"]}}'
assert_contains "$OUT" "cannot open $H/reports/missing.csv"
assert_eq 1 "$(smtp_count)" "messages delivered"
echo "email_attach: ok"
