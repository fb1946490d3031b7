#!/bin/bash
# SigV4: sluice's canonical request, string to sign and signature equal what
# the AWS SDK's own signer (Debian's python3-botocore) computes, for every
# case in tests/data/aws_sigv4_cases.json (S3 and non-S3 services, query
# sorting, header folding, double path encoding, bodies, session tokens).
. "$SLUICE_SRCDIR/tests/setup.sh"

cases=$SLUICE_SRCDIR/tests/data/aws_sigv4_cases.json
/usr/bin/python3 -c 'import botocore' 2>/dev/null ||
	fail "python3-botocore is missing: run scripts/deps --test"
"$SLUICE_BUILDDIR/tests/aws_sigv4_tool" "$cases" >"$T/sluice.out"
/usr/bin/python3 "$SLUICE_SRCDIR/tests/doubles/aws_sigcheck.py" "$cases" >"$T/botocore.out"
n=$(grep -c '^== ' "$T/botocore.out")
[ "$n" -ge 9 ] || fail "botocore computed only $n cases"
diff -u "$T/botocore.out" "$T/sluice.out" || fail "sluice's SigV4 differs from botocore's"
echo "$n cases identical"
