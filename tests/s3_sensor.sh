#!/bin/bash
# s3_sensor against a real S3 server (s3rver behind the botocore
# signature-checking proxy): exact keys (HeadObject), prefixes and wildcards
# (ListObjectsV2, 2,500 keys over 3 pages), min_objects / min_size, errors
# with the AWS code (NoSuchBucket, SignatureDoesNotMatch), and a waiting
# sensor (poke_start on a libevent loop, as in the scheduler) that turns
# true when the object is uploaded mid-wait, fails on timeout, is skipped
# with soft_fail, and backs off exponentially. The same on file:// folders.
. "$SLUICE_SRCDIR/tests/setup.sh"
drv=$SLUICE_BUILDDIR/tests/op_driver
start_s3

# spec OPTIONS_JSON: a task spec naming the connection "lake" (the proxy).
spec() {
	printf '{"type":"s3_sensor","dag":"t","task":"wait","home":"%s","options":%s,"connections":{"lake":{"type":"aws","endpoint_url":"%s","region":"us-east-1"}}}' \
		"$T" "$1" "$S3_URL"
}
# poke OPTIONS_JSON: one poke (the --poke path); prints "EXIT message".
poke() {
	local rc=0 out
	out=$(spec "$1" | "$drv" poke s3_sensor) || rc=$?
	echo "$rc $out"
}

s3_aws s3 mb s3://staging >/dev/null
mkdir -p "$T/up/retail/2024-01-01"
for f in sales stores items; do printf '%s-data\n' "$f" >"$T/up/retail/2024-01-01/$f.csv"; done
printf 'x' >"$T/up/retail/2024-01-01/tiny.csv"
s3_aws s3 cp --recursive --quiet "$T/up" s3://staging/

# Exact keys.
out=$(poke '{"url":"s3://staging/retail/2024-01-01/sales.csv","connection":"lake"}')
assert_eq "0 s3://staging/retail/2024-01-01/sales.csv exists (11 bytes): condition met" "$out" "exact key"
out=$(poke '{"url":"s3://staging/retail/2024-01-01/returns.csv","connection":"lake"}')
assert_eq "99 s3://staging/retail/2024-01-01/returns.csv does not exist yet" "$out" "missing key"
out=$(poke '{"url":"s3://staging/retail/2024-01-01/tiny.csv","min_size":2,"connection":"lake"}')
assert_eq "99 s3://staging/retail/2024-01-01/tiny.csv is 1 bytes, need at least 2" "$out" "min_size"

# Prefixes, min_objects and min_size.
out=$(poke '{"url":"s3://staging/retail/2024-01-01/","min_objects":4,"connection":"lake"}')
assert_contains "$out" "0 at least 4 objects under s3://staging/retail/2024-01-01/: condition met"
out=$(poke '{"url":"s3://staging/retail/2024-01-01/","min_objects":4,"min_size":2,"connection":"lake"}')
assert_eq "99 3 objects of at least 2 bytes under s3://staging/retail/2024-01-01/, need 4 (1 more is under 2 bytes)" "$out" "prefix min_size"
out=$(poke '{"url":"s3://staging/retail/2024-01-02/","connection":"lake"}')
assert_eq "99 0 objects under s3://staging/retail/2024-01-02/, need 1" "$out" "empty prefix"

# Wildcards.
out=$(poke '{"url":"s3://staging/retail/2024-01-0?/s*.csv","min_objects":2,"connection":"lake"}')
assert_contains "$out" "0 at least 2 objects match s3://staging/retail/2024-01-0?/s*.csv"
# An object that matches but is under min_size is counted apart: "0
# objects" alone, with the file in the bucket, reads as a wrong key.
out=$(poke '{"url":"s3://staging/retail/2024-01-0?/tiny*.csv","min_size":10,"connection":"lake"}')
assert_eq "99 0 objects of at least 10 bytes match s3://staging/retail/2024-01-0?/tiny*.csv, need 1 (1 more is under 10 bytes)" "$out" "wildcard min_size"
out=$(poke '{"url":"s3://staging/retail/2024-01-0?/sales*.csv","min_size":10,"connection":"lake"}')
assert_eq "0 1 object of at least 10 bytes matches s3://staging/retail/2024-01-0?/sales*.csv: condition met" "$out" "one object matches"
out=$(poke '{"url":"s3://staging/retail/*/returns_*.csv","connection":"lake"}')
assert_eq "99 0 objects match s3://staging/retail/*/returns_*.csv, need 1" "$out" "wildcard none"

# Only * and ? are wildcards: a key with [ ] is itself (exact, and as a
# literal part of a wildcard), and a \ escapes * ? \ (how a template's
# value goes in: a * in a param is a literal key, not a wildcard).
mkdir -p "$T/odd/odd"
printf 'r1\n' >"$T/odd/odd/report[1].csv"
printf 'ab\n' >"$T/odd/odd/ab.csv"
s3_aws s3 cp --recursive --quiet "$T/odd" s3://staging/
out=$(poke '{"url":"s3://staging/odd/report[1].csv","connection":"lake"}')
assert_eq "0 s3://staging/odd/report[1].csv exists (3 bytes): condition met" "$out" "a key with [ ]"
out=$(poke '{"url":"s3://staging/odd/report[1]*","connection":"lake"}')
assert_eq "0 1 object matches s3://staging/odd/report[1]*: condition met" "$out" "[ ] in a wildcard"
out=$(poke '{"url":"s3://staging/odd/report[0-9].csv","connection":"lake"}')
assert_eq "99 s3://staging/odd/report[0-9].csv does not exist yet" "$out" "[ ] is no class"
out=$(poke '{"url":"s3://staging/odd/a\\*.csv","connection":"lake"}')
assert_eq '99 s3://staging/odd/a\*.csv does not exist yet' "$out" "an escaped * is literal"
out=$(poke '{"url":"s3://staging/odd/a*.csv","connection":"lake"}')
assert_eq "0 1 object matches s3://staging/odd/a*.csv: condition met" "$out" "an unescaped * is a wildcard"
out=$(poke "{\"url\":\"file://$T/odd/odd/report[1].csv\"}")
assert_eq "0 file://$T/odd/odd/report[1].csv exists (3 bytes): condition met" "$out" "a file with [ ]"
out=$(poke '{"url":"file://odd/odd/report[1]*.csv"}')
assert_eq "0 1 object matches file://odd/odd/report[1]*.csv: condition met" "$out" "a file wildcard with [ ]"

# 2,500 keys: the sensor reads every page when it has to.
mkdir -p "$T/bulk/firehose/2024/01/01/00"
for i in $(seq 1 2500); do printf 'e' >"$T/bulk/firehose/2024/01/01/00/part-$i.gz"; done
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
	/usr/bin/aws --endpoint-url "$S3RVER_URL" s3 cp --recursive --quiet "$T/bulk" s3://staging/
out=$(poke '{"url":"s3://staging/firehose/2024/01/01/00/","min_objects":2500,"connection":"lake"}')
assert_contains "$out" "0 at least 2500 objects under"
out=$(poke '{"url":"s3://staging/firehose/2024/01/01/00/part-*.gz","min_objects":2501,"connection":"lake"}')
assert_eq "99 2500 objects match s3://staging/firehose/2024/01/01/00/part-*.gz, need 2501" "$out" "2,500 keys"

# Errors: the AWS code and message reach the task log; secrets never do.
out=$(poke '{"url":"s3://no-such-bucket/x/","connection":"lake"}')
assert_contains "$out" "1 S3 ListObjectsV2 s3://no-such-bucket/x/ (page 1): NoSuchBucket: The specified bucket does not exist (HTTP 404"
out=$(spec '{"url":"s3://staging/retail/","connection":"lake"}' |
	AWS_SECRET_ACCESS_KEY=wrong-secret-value "$drv" poke s3_sensor) && fail "wrong secret accepted"
assert_contains "$out" "SignatureDoesNotMatch"
assert_not_contains "$out" "wrong-secret-value" "task log"

# Waiting in the loop: the object arrives mid-wait. min_size 1: the test
# server shows an object while its upload is still being written (0
# bytes), which real S3 never does; a poke then must wait, not succeed.
spec '{"url":"s3://staging/retail/2024-01-02/sales.csv","connection":"lake","min_size":1,"poke_interval":200,"timeout":30000}' |
	"$drv" wait s3_sensor >"$T/wait.log" 2>&1 &
waiter=$!
on_exit "kill $waiter"
wait_for 10 "the sensor to poke once" grep -q 'poke 1: .* does not exist yet' "$T/wait.log"
s3_aws s3 cp --quiet "$T/up/retail/2024-01-01/sales.csv" s3://staging/retail/2024-01-02/sales.csv
wait "$waiter" || fail "waiting sensor failed: $(cat "$T/wait.log")"
assert_contains "$(cat "$T/wait.log")" "exists (11 bytes): condition met"
assert_contains "$(tail -1 "$T/wait.log")" "state: success"

# Timeout → failed; with soft_fail → skipped.
out=$(spec '{"url":"s3://staging/never/","connection":"lake","poke_interval":100,"timeout":700}' |
	"$drv" wait s3_sensor) && fail "timed-out sensor succeeded"
assert_contains "$out" "sensor timed out"
assert_contains "$out" "state: failed"
out=$(spec '{"url":"s3://staging/never/","connection":"lake","poke_interval":100,"timeout":700,"soft_fail":true}' |
	"$drv" wait s3_sensor)
assert_contains "$out" "state: skipped"

# Exponential back-off: 100, 200, 400, 800 ms... pokes far fewer times.
out=$(spec '{"url":"s3://staging/never/","connection":"lake","poke_interval":100,"timeout":2500,"soft_fail":true}' |
	"$drv" wait s3_sensor)
flat=$(echo "$out" | grep -c '^poke ')
out=$(spec '{"url":"s3://staging/never/","connection":"lake","poke_interval":100,"timeout":2500,"soft_fail":true,"exponential_backoff":true}' |
	"$drv" wait s3_sensor)
backoff=$(echo "$out" | grep -c '^poke ')
[ "$flat" -ge 12 ] || fail "only $flat pokes at a 100 ms interval in 2.5 s"
[ "$backoff" -le 7 ] || fail "$backoff pokes with exponential back-off in 2.5 s"

# run(): the foreground try (`sluice test`) pokes until met.
out=$(spec '{"url":"s3://staging/retail/2024-01-01/items.csv","connection":"lake","poke_interval":100}' |
	"$drv" run s3_sensor)
assert_contains "$out" "items.csv exists (11 bytes): condition met"

# file:// folders, absolute and relative to the home.
mkdir -p "$T/lake/raw/dt=2024-01-01"
printf 'abc' >"$T/lake/raw/dt=2024-01-01/part-0.parquet"
printf '' >"$T/lake/raw/dt=2024-01-01/_SUCCESS"
out=$(poke "{\"url\":\"file://$T/lake/raw/dt=2024-01-01/_SUCCESS\"}")
assert_eq "0 file://$T/lake/raw/dt=2024-01-01/_SUCCESS exists (0 bytes): condition met" "$out" "file exact"
out=$(poke '{"url":"file://lake/raw/dt=2024-01-01/","min_objects":2}')
assert_contains "$out" "0 at least 2 objects under file://lake/raw/dt=2024-01-01/"
out=$(poke '{"url":"file://lake/raw/dt=2024-01-01/","min_objects":2,"min_size":1}')
assert_eq "99 1 object of at least 1 bytes under file://lake/raw/dt=2024-01-01/, need 2 (1 more is under 1 bytes)" "$out" "file min_size"
out=$(poke "{\"url\":\"file://$T/lake/raw/dt=*/*.parquet\"}")
assert_contains "$out" "0 1 object matches file://$T/lake/raw/dt=*/*.parquet: condition met"
out=$(poke '{"url":"file://lake/raw/dt=2024-01-02/"}')
assert_eq "99 0 objects under file://lake/raw/dt=2024-01-02/, need 1" "$out" "file missing folder"
spec '{"url":"file://lake/raw/dt=2024-01-02/_SUCCESS","poke_interval":100,"timeout":30000}' |
	"$drv" wait s3_sensor >"$T/fwait.log" 2>&1 &
waiter=$!
on_exit "kill $waiter"
wait_for 10 "the file sensor to poke" grep -q 'poke 1:' "$T/fwait.log"
mkdir -p "$T/lake/raw/dt=2024-01-02" && : >"$T/lake/raw/dt=2024-01-02/_SUCCESS"
wait "$waiter" || fail "file sensor failed: $(cat "$T/fwait.log")"
assert_contains "$(tail -1 "$T/fwait.log")" "state: success"

# Load-time checks.
out=$(spec '{"url":"http://x/y"}' | "$drv" poke s3_sensor 2>&1) && fail "http url accepted"
assert_contains "$out" "invalid url: url must start with s3:// or file://"
out=$(spec '{"url":"s3://b/key.csv","min_objects":3}' | "$drv" poke s3_sensor 2>&1) && fail "min_objects on a key accepted"
assert_contains "$out" "min_objects needs a prefix"

# a key is data: one with "../" in it goes to the server as written and
# as signed (curl squashed "x/../../other/k" into /other/k, another
# bucket's path, and the signature no longer matched: 403)
for key in "retail/../retail/2024-01-01/sales.csv" "x/../../staging/retail/2024-01-01/sales.csv"; do
	out=$(poke "{\"connection\":\"lake\",\"url\":\"s3://staging/$key\"}")
	assert_not_contains "$out" "Forbidden" "a key with ../ in it"
	grep -qF "HEAD /staging/$key -> " "$T/s3/proxy.log" ||
		fail "the key was not sent as written: $(tail -3 "$T/s3/proxy.log")"
done
echo ok
