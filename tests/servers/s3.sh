# tests/servers/s3.sh: S3 on loopback for the AWS operator tests.
#
# start_s3: s3rver (npm, pinned in tests/package-lock.json) with the
# signature-checking proxy (tests/doubles/aws_s3_proxy.py) in front of it,
# since s3rver itself accepts any signature. Sets S3_URL (the proxy: what
# sluice and awscli talk to) and S3RVER_URL (s3rver itself), exports the
# credentials the proxy accepts (S3RVER/S3RVER) and turns off IMDS lookups.
# s3_aws ARGS...: Debian's awscli against the proxy (proves the proxy
# accepts a real SDK's requests).
# s3_fail COUNT STATUS CODE: make the proxy fail the next COUNT requests.

start_s3() {
	local s3rver="$SLUICE_SRCDIR/tests/node_modules/s3rver/bin/s3rver.js"
	local dir=$T/s3 port pport pid
	[ -f "$s3rver" ] || fail "s3rver is not installed: run scripts/deps --test"
	command -v node >/dev/null || fail "node is not installed: run scripts/deps --test"
	mkdir -p "$dir/data"
	port=$(free_port)
	# s3rver makes continuation tokens with DES, which OpenSSL 3 keeps in
	# its legacy provider: without it every listing past 1,000 keys fails.
	node --openssl-legacy-provider "$s3rver" -d "$dir/data" -a 127.0.0.1 -p "$port" \
		>"$dir/s3rver.log" 2>&1 &
	pid=$!
	on_exit "stop_pid $pid"
	S3RVER_URL=http://127.0.0.1:$port
	wait_for 30 "s3rver on $S3RVER_URL" curl -s -o /dev/null "$S3RVER_URL/"
	pport=$(free_port)
	/usr/bin/python3 "$SLUICE_SRCDIR/tests/doubles/aws_s3_proxy.py" \
		--port "$pport" --upstream "127.0.0.1:$port" --key S3RVER:S3RVER \
		>"$dir/proxy.log" 2>&1 &
	pid=$!
	on_exit "stop_pid $pid"
	S3_URL=http://127.0.0.1:$pport
	wait_for 20 "S3 signature-checking proxy on $S3_URL" \
		curl -fs "$S3_URL/__sluice/health"
	S3_PROXY_LOG=$dir/proxy.log
	export S3_URL S3RVER_URL S3_PROXY_LOG
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
	export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
	export AWS_CONFIG_FILE=$dir/no-config AWS_SHARED_CREDENTIALS_FILE=$dir/no-credentials
	unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
}

s3_aws() {
	AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
	AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
	AWS_PAGER= /usr/bin/aws --endpoint-url "$S3_URL" "$@"
}

s3_fail() {
	curl -fsS -X POST "$S3_URL/__sluice/fail?count=$1&status=$2&code=$3" >/dev/null
}
