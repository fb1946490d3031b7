#!/bin/bash
# crawler, backend glue, against the loopback AWS test double (Glue has no
# local server; the double verifies signatures with botocore and walks
# RUNNING -> STOPPING -> READY): success, a FAILED crawl with its
# ErrorMessage, a CANCELLED crawl, a crawler already running (wait for it),
# an unknown crawler, SIGTERM -> StopCrawler. Backend builtin: Hive-style
# and date-path partitions from file:// and from s3rver into the SQLite
# catalogue, new partitions counted on a second crawl.
. "$SLUICE_SRCDIR/tests/setup.sh"
drv=$SLUICE_BUILDDIR/tests/op_driver
command -v sqlite3 >/dev/null || fail "sqlite3 is missing: run scripts/deps --test"
start_aws_double --key AKIDGLUE:glue-secret --crawler raw_ok:ok \
	--crawler raw_bad:fail --crawler raw_cancel:cancel --crawler raw_busy:busy \
	--crawler raw_slow:slow
export AWS_ACCESS_KEY_ID=AKIDGLUE AWS_SECRET_ACCESS_KEY=glue-secret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_GLUE=$AWS_DOUBLE_URL
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

glue() {
	printf '{"type":"crawler","home":"%s","options":{"backend":"glue","name":"%s","poll_interval":50}}' "$T" "$1"
}

out=$(glue raw_ok | "$drv" run crawler) || fail "crawl failed: $out"
assert_contains "$out" "starting Glue crawler raw_ok (glue at $AWS_DOUBLE_URL"
assert_contains "$out" "crawler raw_ok: RUNNING
crawler raw_ok: STOPPING
crawler raw_ok: READY
crawl of raw_ok succeeded"
assert_eq 1 "$(grep -c 'AWSGlue StartCrawler {"Name": "raw_ok"} caller=AKIDGLUE' "$AWS_DOUBLE_LOG")" "StartCrawler"
assert_eq 3 "$(grep -c 'AWSGlue GetCrawler {"Name": "raw_ok"}' "$AWS_DOUBLE_LOG")" "GetCrawler polls"

out=$(glue raw_bad | "$drv" run crawler) && fail "failed crawl succeeded"
assert_contains "$out" "crawl of raw_bad FAILED: Internal Service Exception: S3 path s3://lake/raw/ is not accessible (log /aws-glue/crawlers/raw_bad)"
out=$(glue raw_cancel | "$drv" run crawler) && fail "cancelled crawl succeeded"
assert_contains "$out" "crawl of raw_cancel CANCELLED"

out=$(glue raw_busy | "$drv" run crawler) || fail "waiting for a running crawl failed: $out"
assert_contains "$out" "crawler raw_busy is already running: waiting for that crawl to finish"
assert_contains "$out" "crawl of raw_busy succeeded"
grep -q 'error CrawlerRunningException' "$AWS_DOUBLE_LOG" || fail "StartCrawler was not refused"

out=$(glue no_such | "$drv" run crawler) && fail "unknown crawler succeeded"
assert_contains "$out" "AWSGlue.StartCrawler: EntityNotFoundException: Crawler entry with name no_such does not exist (HTTP 400"

# A wrong secret surfaces the signature error.
out=$(glue raw_ok | AWS_SECRET_ACCESS_KEY=nope "$drv" run crawler) && fail "wrong secret accepted"
assert_contains "$out" "SignatureDoesNotMatch"

# SIGTERM (timeout or clear) stops the crawler.
glue raw_slow | "$drv" run crawler >"$T/slow.log" 2>&1 &
pid=$!
on_exit "kill $pid"
wait_for 10 "the crawl to run" grep -q 'crawler raw_slow: RUNNING' "$T/slow.log"
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -ne 0 ] || fail "a stopped crawl exited 0"
assert_contains "$(cat "$T/slow.log")" "stopping: sending StopCrawler for raw_slow"
grep -q 'AWSGlue StopCrawler {"Name": "raw_slow"}' "$AWS_DOUBLE_LOG" || fail "StopCrawler not sent"

# ---- builtin: file:// lake ----
L=$T/lake
mkdir -p "$L/sales/year=2024/month=01/day=01" "$L/sales/year=2024/month=01/day=02" \
	"$L/events/2024/01/02/03" "$L/events/2024/01/02/04" "$L/wiki/2024-01-05" \
	"$L/sales/year=2024/month=01/day=02/_temporary"
printf 'a,b\n' >"$L/sales/year=2024/month=01/day=01/part-0.csv.gz"
printf 'a,b\n' >"$L/sales/year=2024/month=01/day=02/part-0.csv.gz"
printf 'a,b\n' >"$L/sales/year=2024/month=01/day=02/part-1.csv.gz"
: >"$L/sales/year=2024/month=01/day=02/_SUCCESS"
: >"$L/sales/year=2024/month=01/day=02/_temporary/part-9.csv.gz"
printf '{}' >"$L/events/2024/01/02/03/e.json"
printf '{}' >"$L/events/2024/01/02/04/e.json"
printf 'PAR1' >"$L/wiki/2024-01-05/edits.parquet"
builtin() {
	printf '{"type":"crawler","home":"%s","options":{"backend":"builtin","url":"%s","database":"lake"}}' "$T" "$1"
}
out=$(builtin "file://lake/" | "$drv" run crawler) || fail "builtin crawl failed: $out"
assert_contains "$out" "table lake.sales: csv+gz, 3 objects, 12 bytes, 2 partitions (2 new)"
assert_contains "$out" "table lake.events: json, 2 objects, 4 bytes, 2 partitions (2 new)"
assert_contains "$out" "table lake.wiki: parquet, 1 objects, 4 bytes, 1 partitions (1 new)"
assert_contains "$out" "new partition lake.events year=2024/month=01/day=02/hour=03 (1 objects)"
assert_contains "$out" "2 bookkeeping files skipped"
db=$T/catalog.db
assert_eq '["year","month","day"]' "$(sqlite3 "$db" "select partition_keys from catalog_tables where name='sales'")" "hive keys"
assert_eq '["date"]' "$(sqlite3 "$db" "select partition_keys from catalog_tables where name='wiki'")" "date key"
assert_eq "year=2024/month=01/day=02|[\"2024\",\"01\",\"02\"]|file://lake/sales/year=2024/month=01/day=02/|2" \
	"$(sqlite3 "$db" "select spec, vals, location, objects from catalog_partitions where table_name='sales' order by spec desc limit 1")" "partition row"
# The catalogue as the UI reads it (catalog_dump).
dump=$("$SLUICE_BUILDDIR/tests/aws_tool" catalog "$db")
assert_contains "$dump" '"name":"wiki","objects":1,"partition_keys":["date"],"partitions":[{"bytes":4'
assert_contains "$dump" '"spec":"date=2024-01-05","values":["2024-01-05"]'
# A new day lands: the second crawl finds exactly one new partition.
mkdir -p "$L/sales/year=2024/month=01/day=03"
printf 'a,b\n' >"$L/sales/year=2024/month=01/day=03/part-0.csv.gz"
out=$(builtin "file://lake/sales/" | "$drv" run crawler) || fail "second crawl failed: $out"
assert_contains "$out" "table lake.sales: csv+gz, 4 objects, 16 bytes, 3 partitions (1 new)"
assert_eq 3 "$(sqlite3 "$db" "select count(*) from catalog_partitions where table_name='sales'")" "sales partitions"

# ---- builtin: s3:// through s3rver and the signature-checking proxy ----
start_s3
s3_aws s3 mb s3://lake >/dev/null
s3_aws s3 cp --recursive --quiet "$L/events" s3://lake/curated/events/
printf '{"type":"crawler","home":"%s","options":{"backend":"builtin","url":"s3://lake/curated/events/","catalog":"s3cat.db"},"connections":{}}' "$T" |
	AWS_ENDPOINT_URL_S3=$S3_URL "$drv" run crawler >"$T/s3crawl.log" || fail "s3 crawl: $(cat "$T/s3crawl.log")"
assert_contains "$(cat "$T/s3crawl.log")" "table default.events: json, 2 objects, 4 bytes, 2 partitions (2 new)"
assert_eq "s3://lake/curated/events/2024/01/02/04/" \
	"$(sqlite3 "$T/s3cat.db" "select location from catalog_partitions order by spec desc limit 1")" "s3 location"
echo ok
