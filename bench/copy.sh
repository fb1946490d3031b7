#!/bin/bash
# bench/copy.sh: warehouse_copy loading a 1,000,000-row (~100 MB) CSV
# partition from the S3 server (s3rver on loopback) into PostgreSQL 15,
# side by side with `psql -c "\copy ... from 'file.csv' csv"` loading the
# same data from a local file into the same server, in the same run.
# Prints both times (median of ROUNDS alternating runs), the ratio
# (sluice / psql: the target is at most 1.3) and the task's peak RSS (the
# target is under 50 MB).
#
#   bench/copy.sh [BUILD_DIR] [ROWS] [ROUNDS]
#
# The sluice side is the real task process, `sluice operator
# warehouse_copy` (tests/wh_driver when the binary is not built), timed
# from start to exit: connecting, listing, streaming every byte from S3,
# COPY, COMMIT. s3rver is used directly (not the tests' signature-checking
# proxy, which is Python and would be what is measured). Both sides talk
# to PostgreSQL over TCP on 127.0.0.1 with scram password auth; the server
# runs with fsync off, as every test server here does.
SLUICE_BUILDDIR=$(cd "${1:-.}" && pwd)
ROWS=${2:-1000000}
ROUNDS=${3:-3}
SLUICE_SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
SLUICE=$SLUICE_BUILDDIR/sluice
export SLUICE_BUILDDIR SLUICE_SRCDIR SLUICE
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/wh_lib.sh"
[ -x /usr/bin/time ] || fail "/usr/bin/time is needed for the peak RSS"

RUNNER=("${WH_RUNNER[@]}")
note "task process: ${RUNNER[*]}"

# The partition: one CSV object of ROWS rows, ~100 bytes each.
awk -v n="$ROWS" 'BEGIN {
	srand(42);
	for (i = 1; i <= n; i++)
		printf "%d,SYM%04d,2024-01-01T%02d:%02d:%02dZ,%d.%04d,%d,XNAS,order %d filled in %d parts by desk %03d\n",
			i, i % 5000, (i / 3600) % 24, (i / 60) % 60, i % 60,
			int(rand() * 1000), int(rand() * 10000), int(rand() * 100000),
			i, i % 7 + 1, i % 997;
}' > "$T/ticks.csv"
size=$(stat -c %s "$T/ticks.csv")
note "data: $ROWS rows, $((size / 1024 / 1024)) MB"

start_s3
start_postgres
ETL_PW="etl-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
pg_sql "CREATE ROLE etl LOGIN PASSWORD '$ETL_PW'"
pg_sql "CREATE DATABASE dw OWNER etl"
pg_sql "SET ROLE etl; CREATE TABLE ticks (id bigint, sym text, ts timestamptz,
	px numeric(12,4), qty int, venue text, note text)" dw
URL="postgresql://etl@127.0.0.1:$PG_PORT/dw"

AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
	/usr/bin/aws --endpoint-url "$S3RVER_URL" s3 mb s3://bench >/dev/null
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
	/usr/bin/aws --endpoint-url "$S3RVER_URL" s3 cp --quiet "$T/ticks.csv" \
	s3://bench/ticks/2024/01/01/part-0000.csv

wh_spec "$T/spec.json" "$URL" "$ETL_PW" \
	'{"table": "ticks", "from": "s3://bench/ticks/2024/01/01/", "source_connection": "lake"}'
/usr/bin/python3 - "$T/spec.json" "$S3RVER_URL" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["connections"]["lake"] = {"type": "aws", "endpoint_url": sys.argv[2], "region": "us-east-1",
                               "access_key_id": "S3RVER", "secret_access_key": "S3RVER"}
json.dump(spec, open(sys.argv[1], "w"))
PY

now_ms() { echo $(($(date +%s%N) / 1000000)); }
check_rows() {
	local n
	n=$(pg_sql "SELECT count(*) FROM ticks" dw)
	[ "$n" = "$ROWS" ] || fail "$1 loaded $n rows, not $ROWS"
	pg_sql "TRUNCATE ticks" dw
}

psql_ms=()
sluice_ms=()
sluice_rss=()
for r in $(seq "$ROUNDS"); do
	t0=$(now_ms)
	PGPASSWORD=$ETL_PW "$PG_BIN/psql" "$URL" -X -q -v ON_ERROR_STOP=1 \
		-c "\\copy ticks from '$T/ticks.csv' csv" || fail "psql \\copy failed"
	t1=$(now_ms)
	check_rows psql
	psql_ms+=($((t1 - t0)))

	t0=$(now_ms)
	/usr/bin/time -f '%M' -o "$T/rss" "${RUNNER[@]}" < "$T/spec.json" \
		> "$T/sluice.out" 2>&1 || fail "warehouse_copy failed: $(cat "$T/sluice.out")"
	t1=$(now_ms)
	check_rows sluice
	sluice_ms+=($((t1 - t0)))
	sluice_rss+=($(tail -1 "$T/rss"))
	note "round $r: psql ${psql_ms[-1]} ms, sluice ${sluice_ms[-1]} ms, peak RSS ${sluice_rss[-1]} KB"
done

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
p=$(median "${psql_ms[@]}")
s=$(median "${sluice_ms[@]}")
rss=$(printf '%s\n' "${sluice_rss[@]}" | sort -n | tail -1)
echo "rows:            $ROWS ($((size / 1024 / 1024)) MB CSV)"
echo "psql \\copy:      $p ms (local file, median of $ROUNDS)"
echo "warehouse_copy:  $s ms (from S3, median of $ROUNDS)"
ratios=()
for i in "${!psql_ms[@]}"; do
	ratios+=("$(awk -v s="${sluice_ms[$i]}" -v p="${psql_ms[$i]}" 'BEGIN { printf "%.2f", s / p }')")
done
echo "ratio:           $(awk -v s="$s" -v p="$p" 'BEGIN { printf "%.2f", s / p }') of the medians; per round ${ratios[*]}, median $(median "${ratios[@]}") (target <= 1.3)"
echo "peak RSS:        $((rss / 1024)) MB ($rss KB; target < 50 MB)"
tail -3 "$T/sluice.out" | sed 's/^/last run: /'
