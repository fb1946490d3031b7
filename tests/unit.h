/*
 * unit.h: the one harness of sluice's C unit tests. A test file defines
 * functions that call CHECK / CHECK_MSG / CHECK_EQ_INT / CHECK_EQ_STR and
 * lists them in main() with RUN(fn); UNIT_END prints "N passed, N failed"
 * (test functions) and gives the exit status. A check that is not one of
 * these sets unit_case_failed = 1 after printing why.
 */
#ifndef SLUICE_UNIT_H
#define SLUICE_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_case_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		unit_case_failed = 1; \
	} \
} while (0)

/* CHECK with a printf-style explanation printed when it fails. */
#define CHECK_MSG(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		unit_case_failed = 1; \
	} \
} while (0)

#define CHECK_EQ_INT(want, got) do { \
	long long w_ = (long long)(want), g_ = (long long)(got); \
	if (w_ != g_) { \
		fprintf(stderr, "%s:%d: %s: want %lld, got %lld\n", __FILE__, __LINE__, #got, w_, g_); \
		unit_case_failed = 1; \
	} \
} while (0)

#define CHECK_EQ_STR(want, got) do { \
	const char *w_ = (want), *g_ = (got); \
	if (g_ == NULL || strcmp(w_, g_) != 0) { \
		fprintf(stderr, "%s:%d: %s:\n  want: %s\n  got:  %s\n", __FILE__, __LINE__, #got, w_, g_ ? g_ : "(null)"); \
		unit_case_failed = 1; \
	} \
} while (0)

#define RUN(fn) do { \
	unit_case_failed = 0; \
	fn(); \
	if (unit_case_failed) { unit_failed++; fprintf(stderr, "FAIL %s\n", #fn); } \
	else { unit_passed++; printf("ok %s\n", #fn); } \
} while (0)

#define UNIT_END() (printf("%d passed, %d failed\n", unit_passed, unit_failed), unit_failed ? 1 : 0)

#endif
