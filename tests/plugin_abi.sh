#!/bin/bash
# Executor plug-ins that must be refused, each with a clear message: one
# built for another interface version (naming both versions and the
# path), a shared object that is no sluice plug-in, and a missing file.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

so=$SLUICE_BUILDDIR/executors/plugins/sluice-wrong-abi.so
[ -f "$so" ] || fail "$so is not built (make check builds it)"
abi=$(sed -n 's/^#define SL_EXECUTOR_ABI \([0-9]*\).*/\1/p' "$SLUICE_SRCDIR/executors/executor.h")

refused() {	# PLUGIN: run the driver with it, which must fail; print stderr
	if "$DRIVER" -p "$1" -c '{"type":"plugin"}' -L "$T" -- true >"$T/out" 2>"$T/err"; then
		fail "plug-in $1 was accepted: $(cat "$T/out")"
	fi
	cat "$T/err"
}

err=$(refused "$so")
assert_contains "$err" "executor plug-in $so was built for executor interface version $((abi + 41)), but this sluice provides version $abi"

# A shared object without the entry point.
printf 'int not_a_plugin(void) { return 1; }\n' >"$T/other.c"
${CC:-cc} -shared -fPIC -o "$T/other.so" "$T/other.c"
err=$(refused "$T/other.so")
assert_contains "$err" "executor plug-in $T/other.so: it does not export sluice_executor_entry()"

err=$(refused "$T/missing.so")
assert_contains "$err" "executor plug-in $T/missing.so: cannot load it"
