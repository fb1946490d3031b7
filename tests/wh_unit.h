/*
 * wh_unit.h: the small harness of the warehouse_copy unit tests. Each
 * check prints what failed with its line; main() ends with
 * `return unit_wh_done();`, which prints "N passed, N failed".
 */
#ifndef SLUICE_WH_UNIT_H
#define SLUICE_WH_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_wh_passed, unit_wh_failed;

#define CHECK(cond) do { \
	if (cond) unit_wh_passed++; \
	else { unit_wh_failed++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
			__LINE__, #cond); } \
} while (0)

#define CHECK_STR(want, got) do { \
	const char *w_ = (want), *g_ = (got); \
	if (g_ != NULL && strcmp(w_, g_) == 0) unit_wh_passed++; \
	else { unit_wh_failed++; \
		fprintf(stderr, "%s:%d: expected\n  [%s]\ngot\n  [%s]\n", \
			__FILE__, __LINE__, w_, g_ ? g_ : "(null)"); } \
} while (0)

static int
unit_wh_done(void)
{
	printf("%d passed, %d failed\n", unit_wh_passed, unit_wh_failed);
	return unit_wh_failed == 0 ? 0 : 1;
}

#endif
