#!/bin/bash
# The AWS credential chain against the loopback AWS test double (STS and
# IMDSv2 have no local server; the double verifies every signature with
# botocore): environment keys, profiles from AWS_SHARED_CREDENTIALS_FILE /
# AWS_CONFIG_FILE, role_arn + source_profile (+ external_id) through STS
# AssumeRole with the temporary keys cached and refreshed before expiry,
# IMDSv2 instance credentials, region and endpoint resolution, errors.
. "$SLUICE_SRCDIR/tests/setup.sh"
tool=$SLUICE_BUILDDIR/tests/aws_tool
start_aws_double --key AKIDSRC:src-secret --key AKIDENV:env-secret \
	--role arn:aws:iam::222222222222:role/etl \
	--role 'arn:aws:iam::333333333333:role/partner|ext-42' \
	--crawler lake:ok --expiry 900
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE \
	AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL_GLUE AWS_ENDPOINT_URL_STS
export AWS_ENDPOINT_URL=$AWS_DOUBLE_URL AWS_EC2_METADATA_DISABLED=true
export AWS_SHARED_CREDENTIALS_FILE=$T/credentials AWS_CONFIG_FILE=$T/config
cat >"$T/credentials" <<EOT
[default]
aws_access_key_id = AKIDSRC
aws_secret_access_key = src-secret

[bad]
aws_access_key_id = AKIDSRC
aws_secret_access_key = wrong-secret
EOT
cat >"$T/config" <<EOT
[default]
region = eu-west-1

[profile etl]
role_arn = arn:aws:iam::222222222222:role/etl
source_profile = default
role_session_name = nightly
region = ca-central-1

[profile partner]
role_arn = arn:aws:iam::333333333333:role/partner
source_profile = etl
external_id = ext-42

[profile partner-wrong-id]
role_arn = arn:aws:iam::333333333333:role/partner
source_profile = default
external_id = nope

[profile loop-a]
role_arn = arn:aws:iam::222222222222:role/etl
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::222222222222:role/etl
source_profile = loop-a
EOT
get_crawler='{"Name":"lake"}'
calls() { grep -c "$1" "$AWS_DOUBLE_LOG" || true; }

# The default profile's keys and region.
out=$("$tool" whoami glue)
assert_contains "$out" "glue at $AWS_DOUBLE_URL (eu-west-1, credentials from profile default)"
"$tool" call glue AWSGlue.GetCrawler "$get_crawler" >/dev/null
assert_contains "$(tail -1 "$AWS_DOUBLE_LOG")" "caller=AKIDSRC"

# Environment keys win over profiles; AWS_REGION over the profile's region.
out=$(AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=env-secret AWS_REGION=us-west-2 "$tool" whoami glue)
assert_contains "$out" "(us-west-2, credentials from environment)"
AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=env-secret "$tool" call glue AWSGlue.GetCrawler "$get_crawler" >/dev/null
assert_contains "$(tail -1 "$AWS_DOUBLE_LOG")" "caller=AKIDENV"

# A wrong secret in a profile: the double (botocore) refuses the signature.
if AWS_PROFILE=bad "$tool" call glue AWSGlue.GetCrawler "$get_crawler" 2>"$T/err"; then
	fail "a wrong secret was accepted"
fi
assert_contains "$(cat "$T/err")" "SignatureDoesNotMatch"
assert_not_contains "$(cat "$T/err")" "wrong-secret" "error"

# role_arn + source_profile: AssumeRole signed with the source keys, the
# call signed with the temporary keys and session token.
n0=$(calls 'sts AssumeRole')
out=$(AWS_PROFILE=etl "$tool" whoami glue)
assert_contains "$out" "(ca-central-1, credentials from profile etl (AWS_PROFILE))"
AWS_PROFILE=etl "$tool" call glue AWSGlue.GetCrawler "$get_crawler" >/dev/null
assert_contains "$(grep 'sts AssumeRole' "$AWS_DOUBLE_LOG" | tail -1)" \
	"RoleArn=arn:aws:iam::222222222222:role/etl RoleSessionName=nightly ExternalId=None caller=AKIDSRC"
assert_contains "$(tail -1 "$AWS_DOUBLE_LOG")" "caller=ASIA"
assert_eq $((n0 + 1)) "$(calls 'sts AssumeRole')" "AssumeRole calls"

# Chained roles with an external id: default -> etl -> partner.
n0=$(calls 'sts AssumeRole')
AWS_PROFILE=partner "$tool" call glue AWSGlue.GetCrawler "$get_crawler" >/dev/null
assert_eq $((n0 + 2)) "$(calls 'sts AssumeRole')" "chained AssumeRole calls"
assert_contains "$(grep 'sts AssumeRole' "$AWS_DOUBLE_LOG" | tail -1)" \
	"role/partner RoleSessionName=sluice ExternalId=ext-42 caller=ASIA"
if AWS_PROFILE=partner-wrong-id "$tool" call glue AWSGlue.GetCrawler "$get_crawler" 2>"$T/err"; then
	fail "a wrong external id was accepted"
fi
assert_contains "$(cat "$T/err")" "STS AssumeRole arn:aws:iam::333333333333:role/partner: AccessDenied: ExternalId does not match"

# A connection's role_arn on top of environment keys (SPEC: role
# assumption across accounts), with the connection's region.
n0=$(calls 'sts AssumeRole')
AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=env-secret \
AWS_TOOL_CONN='{"role_arn":"arn:aws:iam::333333333333:role/partner","external_id":"ext-42","region":"us-east-2"}' \
	"$tool" call glue AWSGlue.GetCrawler "$get_crawler" >/dev/null
assert_contains "$(grep 'sts AssumeRole' "$AWS_DOUBLE_LOG" | tail -1)" "ExternalId=ext-42 caller=AKIDENV"
assert_eq $((n0 + 1)) "$(calls 'sts AssumeRole')" "connection role"

# Cached: five calls in one process assume the role once...
n0=$(calls 'sts AssumeRole')
AWS_PROFILE=etl "$tool" call-n 5 glue AWSGlue.GetCrawler "$get_crawler" >/dev/null
assert_eq $((n0 + 1)) "$(calls 'sts AssumeRole')" "cached role credentials"
# ...and refreshed before expiry: with the clock moving 11 minutes per call
# the 15-minute credentials are renewed before every later call (the
# double answers ExpiredToken to keys used past their Expiration).
n0=$(calls 'sts AssumeRole')
AWS_TOOL_CLOCK_STEP_S=660 AWS_PROFILE=etl "$tool" call-n 4 glue AWSGlue.GetCrawler "$get_crawler" >/dev/null
assert_eq $((n0 + 4)) "$(calls 'sts AssumeRole')" "refreshed role credentials"
assert_eq 0 "$(calls ExpiredToken)" "expired tokens used"

# IMDSv2: no keys and no profile anywhere.
rm -f "$T/credentials" "$T/config"
if "$tool" whoami glue 2>"$T/err"; then fail "credentials out of nowhere"; fi
assert_contains "$(cat "$T/err")" "no AWS credentials"
out=$(AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$AWS_DOUBLE_URL "$tool" whoami glue)
assert_contains "$out" "(us-east-1, credentials from instance metadata (IMDSv2))"
AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$AWS_DOUBLE_URL \
	"$tool" call glue AWSGlue.GetCrawler "$get_crawler" >/dev/null
assert_eq 1 "$(calls 'imds token')" "IMDSv2 session token"
assert_eq 1 "$(calls 'imds credentials issued=')" "IMDS credentials"
issued=$(grep 'imds credentials issued=' "$AWS_DOUBLE_LOG" | sed 's/.*issued=//')
assert_contains "$(tail -1 "$AWS_DOUBLE_LOG")" "caller=$issued"
assert_eq 0 "$(calls 'imds unauthorized')" "IMDS calls without a token"

# Errors name the profile and the files.
if AWS_PROFILE=nope "$tool" whoami glue 2>"$T/err"; then fail "missing profile accepted"; fi
assert_contains "$(cat "$T/err")" "AWS profile 'nope' not found in $T/credentials or $T/config"
cat >"$T/config" <<EOT
[profile loop-a]
role_arn = arn:aws:iam::222222222222:role/etl
source_profile = loop-b
[profile loop-b]
role_arn = arn:aws:iam::222222222222:role/etl
source_profile = loop-a
EOT
if AWS_PROFILE=loop-a "$tool" whoami glue 2>"$T/err"; then fail "profile loop accepted"; fi
assert_contains "$(cat "$T/err")" "source_profile chain too long"

# Endpoints: per-service variable over the global one.
out=$(AWS_ACCESS_KEY_ID=A AWS_SECRET_ACCESS_KEY=B AWS_ENDPOINT_URL_EMR=http://127.0.0.1:9/emr "$tool" whoami emr)
assert_contains "$out" "emr at http://127.0.0.1:9/emr (us-east-1"
out=$(AWS_ACCESS_KEY_ID=A AWS_SECRET_ACCESS_KEY=B AWS_REGION=eu-central-1 AWS_ENDPOINT_URL= "$tool" whoami s3)
assert_contains "$out" "s3 at https://s3.eu-central-1.amazonaws.com (eu-central-1"

# A connection's key sluice does not read is an error naming it, never a
# silent fall back to other credentials (the environment's keys here);
# values, secrets among them, are never shown. KEY_env forms are keys.
for conn in '{"type":"aws","name":"lake","acess_key_id":"AKIDSRC","secret_access_key":"conn-secret-1"}' \
	'{"name":"lake","acess_key_id":"AKIDSRC","secret_access_key":"conn-secret-1"}'; do
	if AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=env-secret AWS_TOOL_CONN=$conn \
		"$tool" whoami glue >"$T/out" 2>"$T/err"; then
		fail "a typo'd connection key was ignored: $(cat "$T/out")"
	fi
	assert_contains "$(cat "$T/err")" "AWS connection 'lake' (connections: in sluice.yaml, or SLUICE_CONN_LAKE): unknown key 'acess_key_id' (did you mean 'access_key_id'? keys: profile, region,"
	assert_not_contains "$(cat "$T/err")" "conn-secret-1" "connection key error"
done
if AWS_TOOL_CONN='{"name":"lake","region":"us-east-1","wJalrXUtnFEMI/K7MDENG+bPxRfiCY":"x"}' \
	"$tool" whoami glue 2>"$T/err"; then fail "a pasted secret as a key was accepted"; fi
assert_contains "$(cat "$T/err")" "unknown key (not shown)"
assert_not_contains "$(cat "$T/err")" "wJalrXUtnFEMI" "connection key error"
if AWS_TOOL_CONN='{"name":"lake","type":"aws","url":"aws://AKIDSRC:conn-secret-2@"}' \
	"$tool" whoami glue 2>"$T/err"; then fail "a URL as an AWS connection was accepted"; fi
assert_contains "$(cat "$T/err")" "unknown key 'url' (an AWS connection is a mapping of these keys, not a URL;"
assert_not_contains "$(cat "$T/err")" "conn-secret-2" "connection URL error"
out=$(AWS_SRC_SECRET=src-secret AWS_TOOL_CONN='{"type":"aws","name":"lake","access_key_id":"AKIDSRC","secret_access_key_env":"AWS_SRC_SECRET","secret_access_key":"src-secret"}' \
	"$tool" whoami glue)
assert_contains "$out" "credentials from connection keys"
# A region that cannot be one (a blank, a slash) is named with where it
# came from, not met later as "bad AWS endpoint URL".
if AWS_TOOL_CONN='{"name":"lake","profile":"default","region":"us east 1"}' \
	"$tool" whoami s3 2>"$T/err"; then fail "a region with blanks was accepted"; fi
assert_eq "aws_tool: AWS region 'us east 1' (from the connection's region) is not a region name such as us-east-1" "$(cat "$T/err")" "connection region"
if AWS_REGION=eu-west-1/ "$tool" whoami s3 2>"$T/err"; then fail "a region with a slash was accepted"; fi
assert_contains "$(cat "$T/err")" "AWS region 'eu-west-1/' (from AWS_REGION) is not a region name"
# A connection of another type (a warehouse's) is not an AWS one's business.
out=$(AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=env-secret \
	AWS_TOOL_CONN='{"type":"postgresql","url":"postgresql://db/x","password_env":"PW"}' "$tool" whoami glue)
assert_contains "$out" "credentials from environment"
echo ok
