# tests/servers/aws.sh: the loopback test double for AWS services that have
# no local server (STS, Glue, EMR, Athena, Lambda, IMDSv2):
# tests/doubles/aws_services.py.
#
# start_aws_double ARGS...: start it with ARGS (--key, --crawler, --cluster,
# --glue-job, --function, --role, --expiry; see the double's header). Sets
# AWS_DOUBLE_URL and AWS_DOUBLE_LOG (one line per call it answered).
start_aws_double() {
	local port pid dir=$T/aws-double
	mkdir -p "$dir"
	/usr/bin/python3 -c 'import botocore' 2>/dev/null ||
		fail "python3-botocore is missing: run scripts/deps --test"
	port=$(free_port)
	/usr/bin/python3 "$SLUICE_SRCDIR/tests/doubles/aws_services.py" \
		--port "$port" "$@" >"$dir/calls.log" 2>"$dir/stderr.log" &
	pid=$!
	on_exit "stop_pid $pid"
	AWS_DOUBLE_URL=http://127.0.0.1:$port
	AWS_DOUBLE_LOG=$dir/calls.log
	export AWS_DOUBLE_URL AWS_DOUBLE_LOG
	wait_for 20 "AWS test double on $AWS_DOUBLE_URL" \
		curl -fs "$AWS_DOUBLE_URL/__double/health"
}
