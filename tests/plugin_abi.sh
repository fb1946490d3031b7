#!/bin/bash
# Executor plug-ins that must be refused, each with a clear message: one
# built for another interface version (naming both versions and the
# path), a shared object that is no sluice plug-in, and a missing file;
# and one built for version 1, still supported, that loads.
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

# A plug-in built for interface version 1 (its descriptor ends at
# destroy) still loads; the fields of version 2 read as absent.
cat >"$T/v1.c" <<'C'
#include <stddef.h>
#include <stdlib.h>
struct event_base;
struct v1_ops {	/* struct sl_executor_ops as version 1 had it */
	int abi_version;
	const char *type;
	void *(*create)(struct event_base *, const char *, const char *, char *, size_t);
	int (*slots)(void *);
	void *(*start)(void *, const void *, void *, void *, char *, size_t);
	void (*kill)(void *, void *, int);
	const char *(*token)(void *, void *);
	void (*kill_orphan)(void *, const char *);
	void (*describe)(void *, char *, size_t);
	void (*destroy)(void *);
};
static void *v1_create(struct event_base *b, const char *n, const char *c, char *e, size_t l)
{ (void)b; (void)n; (void)c; (void)e; (void)l; return malloc(1); }
static int v1_slots(void *i) { (void)i; return 1; }
static void *v1_start(void *i, const void *t, void *d, void *a, char *e, size_t l)
{ (void)i; (void)t; (void)d; (void)a; (void)e; (void)l; return NULL; }
static void v1_kill(void *i, void *h, int w) { (void)i; (void)h; (void)w; }
static void v1_destroy(void *i) { free(i); }
static const struct v1_ops ops = { 1, "v1", v1_create, v1_slots, v1_start, v1_kill,
	NULL, NULL, NULL, v1_destroy };
const struct v1_ops *sluice_executor_entry(void);
const struct v1_ops *sluice_executor_entry(void) { return &ops; }
C
${CC:-cc} -shared -fPIC -o "$T/v1.so" "$T/v1.c"
"$DRIVER" -p "$T/v1.so" -c '{"type":"plugin"}' -a "key=0123456789abcdef0123456789abcdef status=/x" >"$T/out" 2>"$T/err" ||
	fail "a version-1 plug-in was refused: $(cat "$T/err")"
assert_contains "$(cat "$T/out")" '"adopt_error":"no adopt()"'
