#!/bin/bash
# Executor plug-ins that must be refused, each with a clear message: one
# built for another interface version (naming both versions and the
# path), a shared object that is no sluice plug-in, and a missing file;
# and ones built for versions 1 and 4, still supported, that load.
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

# A plug-in built for interface version 4 (its descriptor ends at
# recorded) loads and its tries are adopted; what lies in memory after
# its descriptor is never taken for version 5's adopted_secrets (here a
# function that would say so and abort).
cat >"$T/v4.c" <<'C'
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <event2/event.h>
#include "executors/executor.h"
struct v4_ops {	/* struct sl_executor_ops as version 4 had it ... */
	int abi_version;
	const char *type;
	void *(*create)(struct event_base *, const char *, const char *, char *, size_t);
	int (*slots)(void *);
	void *(*start)(void *, const struct sl_exec_task *, sl_exec_done_fn, void *, char *, size_t);
	void (*kill)(void *, void *, enum sl_exec_kill_reason);
	const char *(*token)(void *, void *);
	void (*kill_orphan)(void *, const char *);
	void (*describe)(void *, char *, size_t);
	void (*destroy)(void *);
	void *(*adopt)(void *, const char *, sl_exec_done_fn, void *, char *, size_t);
	void (*detach)(void *, void *);
	void (*recorded)(void *, const char *);
	/* ... and after it, where version 5 has adopted_secrets */
	void (*after)(void *, void *, char *const *);
};
struct v4_try { sl_exec_done_fn done; void *arg; };
static struct event_base *v4_base;
static void *v4_create(struct event_base *b, const char *n, const char *c, char *e, size_t l)
{ (void)n; (void)c; (void)e; (void)l; v4_base = b; return malloc(1); }
static int v4_slots(void *i) { (void)i; return 1; }
static void *v4_start(void *i, const struct sl_exec_task *t, sl_exec_done_fn d, void *a, char *e, size_t l)
{ (void)i; (void)t; (void)d; (void)a; snprintf(e, l, "v4 starts nothing"); return NULL; }
static void v4_kill(void *i, void *h, enum sl_exec_kill_reason w) { (void)i; (void)h; (void)w; }
static void v4_destroy(void *i) { free(i); }
static void v4_end(evutil_socket_t fd, short what, void *arg)
{
	struct v4_try *t = arg;
	struct sl_exec_result res = { 0, 0, "v4host", 1, NULL };
	(void)fd; (void)what;
	t->done(t->arg, &res);
	free(t);
}
static void *v4_adopt(void *i, const char *token, sl_exec_done_fn d, void *a, char *e, size_t l)
{
	struct v4_try *t = malloc(sizeof *t);
	struct timeval now = { 0, 0 };
	(void)i; (void)token; (void)e; (void)l;
	t->done = d;
	t->arg = a;
	event_base_once(v4_base, -1, EV_TIMEOUT, v4_end, t, &now);
	return t;
}
static void v4_after(void *i, void *h, char *const *s)
{ (void)i; (void)h; (void)s; fprintf(stderr, "read past the version-4 descriptor\n"); abort(); }
static const struct v4_ops ops = { 4, "v4", v4_create, v4_slots, v4_start, v4_kill,
	NULL, NULL, NULL, v4_destroy, v4_adopt, NULL, NULL, v4_after };
const struct v4_ops *sluice_executor_entry(void);
const struct v4_ops *sluice_executor_entry(void) { return &ops; }
C
${CC:-cc} -shared -fPIC -I"$SLUICE_SRCDIR" -o "$T/v4.so" "$T/v4.c"
"$DRIVER" -p "$T/v4.so" -c '{"type":"plugin"}' -L "$T" -S hush-hush -o -a "any token" >"$T/out" 2>"$T/err" ||
	fail "a version-4 plug-in's adopted try: $(cat "$T/err")"
assert_contains "$(cat "$T/out")" '"adopted":1'
assert_contains "$(cat "$T/out")" '"host":"v4host"'
