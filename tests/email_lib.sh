# tests/email_lib.sh: shared by the tests/email_*.sh tests (sourced after
# tests/setup.sh). Runs the email operator's run() on a spec given on
# stdin, as `sluice operator email` does, through the test driver
# tests/email_tool (EMAIL_RUN may name another command line that takes the
# spec on stdin, such as "$SLUICE operator email").

EMAIL_TOOL=$SLUICE_BUILDDIR/tests/email_tool
[ -x "$EMAIL_TOOL" ] || fail "$EMAIL_TOOL is not built (make check builds it)"
if [ -z "${EMAIL_RUN+x}" ]; then
	EMAIL_RUN=("$EMAIL_TOOL" run)
fi

# email_run SPEC: run the operator on SPEC (a JSON string); its output in
# $T/out and $OUT, its exit status in $RC. Never fails by itself.
email_run() {
	set +e
	"${EMAIL_RUN[@]}" >"$T/out" 2>&1 <<<"$1"
	RC=$?
	set -e
	OUT=$(cat "$T/out")
}

# email_expect_ok SPEC / email_expect_fail SPEC
email_expect_ok() {
	email_run "$1"
	[ "$RC" -eq 0 ] || fail "email operator exited $RC: $OUT"
}
email_expect_fail() {
	email_run "$1"
	[ "$RC" -ne 0 ] || fail "email operator should have failed: $OUT"
}

# json_str S: S as a JSON string literal.
json_str() { /usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
