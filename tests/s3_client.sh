#!/bin/bash
# sluice's S3 client against a real S3 server (s3rver) behind the
# signature-checking proxy: every request sluice makes is re-signed with
# botocore and refused on mismatch, and awscli's uploads go through the same
# proxy. Covers HeadObject, ListObjectsV2 (prefix, 2,500 keys = 3 pages),
# streamed GetObject, NoSuchBucket, a wrong secret (SignatureDoesNotMatch in
# the error), and retries on 503 SlowDown.
. "$SLUICE_SRCDIR/tests/setup.sh"
tool=$SLUICE_BUILDDIR/tests/aws_tool
start_s3
export AWS_ENDPOINT_URL=$S3_URL

s3_aws s3 mb s3://landing >/dev/null
mkdir -p "$T/up/raw/2024/01/02" "$T/big/many"
printf 'id,amount\n1,10\n' >"$T/up/raw/2024/01/02/sales.csv"
printf 'x' >"$T/up/raw/2024/01/02/stores.csv"
printf 'dir a' >"$T/up/raw/2024/01/02/with space+plus.csv"
s3_aws s3 cp --recursive --quiet "$T/up" s3://landing/
grep -q 'PUT /landing/raw/2024/01/02/sales.csv -> 200' "$S3_PROXY_LOG" ||
	fail "awscli's upload did not pass the signature check"

# HeadObject: exact keys, a key needing encoding, a missing key.
assert_eq "exists 15" "$("$tool" head s3://landing/raw/2024/01/02/sales.csv)" "head"
assert_eq "exists 5" "$("$tool" head 's3://landing/raw/2024/01/02/with space+plus.csv')" "head encoded"
assert_eq "missing" "$("$tool" head s3://landing/raw/2024/01/02/nope.csv)" "head missing"

# ListObjectsV2 under a prefix.
out=$("$tool" list s3://landing/raw/2024/01/02/)
assert_contains "$out" "raw/2024/01/02/sales.csv 15"
assert_contains "$out" "raw/2024/01/02/with space+plus.csv 5"
assert_eq "3 objects" "$(echo "$out" | tail -1)" "prefix listing"
assert_eq "0 objects" "$("$tool" list s3://landing/raw/2023/)" "empty prefix"

# GetObject streamed: a 12 MB object arrives intact.
head -c 12582912 /dev/urandom >"$T/blob"
s3_aws s3 cp --quiet "$T/blob" s3://landing/blob/data.bin
"$tool" get s3://landing/blob/data.bin >"$T/blob.got"
assert_eq "$(sha256sum <"$T/blob" | cut -d' ' -f1)" \
	"$(sha256sum <"$T/blob.got" | cut -d' ' -f1)" "streamed object"

# Pagination past 1,000 keys (uploaded straight to s3rver for speed).
for i in $(seq 1 2500); do : >"$T/big/many/part-$(printf %05d "$i").json"; done
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
	/usr/bin/aws --endpoint-url "$S3RVER_URL" s3 cp --recursive --quiet "$T/big" s3://landing/bulk/
out=$("$tool" list s3://landing/bulk/many/)
assert_eq "2500 objects" "$(echo "$out" | tail -1)" "paginated listing"
assert_eq 2500 "$(echo "$out" | grep -c '^bulk/many/part-[0-9]*\.json 0$')" "listed keys"
assert_eq 2500 "$(echo "$out" | grep '^bulk/' | sort -u | wc -l)" "distinct keys"
assert_eq 3 "$(grep -c 'GET /landing?.*prefix=bulk%2Fmany%2F.* -> 200' "$S3_PROXY_LOG")" "pages"

# Errors carry the AWS code and message, and never the secret.
if "$tool" list s3://no-such-bucket/x 2>"$T/err"; then fail "listing a missing bucket succeeded"; fi
assert_contains "$(cat "$T/err")" "NoSuchBucket: The specified bucket does not exist (HTTP 404"
if AWS_SECRET_ACCESS_KEY=not-the-secret "$tool" head s3://landing/raw/2024/01/02/sales.csv 2>"$T/err"; then
	fail "a wrong secret was accepted"
fi
# (a HEAD answer has no body, so S3 gives only the status, as here)
assert_contains "$(cat "$T/err")" "Forbidden (HTTP 403"
if AWS_SECRET_ACCESS_KEY=not-the-secret "$tool" list s3://landing/raw/ 2>"$T/err"; then
	fail "a wrong secret was accepted"
fi
assert_contains "$(cat "$T/err")" "SignatureDoesNotMatch: The request signature we calculated does not match"
assert_not_contains "$(cat "$T/err")" "not-the-secret" "error message"

# Throttling: two 503 SlowDown answers, then success on the third attempt.
s3_fail 2 503 SlowDown
assert_eq "exists 1" "$("$tool" head s3://landing/raw/2024/01/02/stores.csv)" "head after SlowDown"
assert_eq 2 "$(grep -c 'HEAD /landing/raw/2024/01/02/stores.csv -> 503 SlowDown' "$S3_PROXY_LOG")" "retried"
# ...and a persistent failure gives up after AWS_MAX_ATTEMPTS with the code.
s3_fail 3 500 InternalError
if AWS_MAX_ATTEMPTS=3 "$tool" list s3://landing/raw/ 2>"$T/err"; then
	fail "three 500s in a row did not fail the call"
fi
assert_contains "$(cat "$T/err")" "InternalError: injected by the test proxy (HTTP 500"
assert_eq 3 "$(grep -c 'GET /landing?.*prefix=raw%2F -> 500 InternalError' "$S3_PROXY_LOG")" "attempts"
echo "ok"
