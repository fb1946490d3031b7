/*
 * wrong_abi.c: a plug-in that claims another executor interface version.
 * It exists only so tests/plugin_abi.sh can check that sluice refuses it
 * with a message naming both versions. Not an example to copy.
 */
#include <stddef.h>

#include "executors/executor.h"

static void *wrong_create(struct event_base *base, const char *name,
			  const char *config_json, char *err, size_t errlen)
{
	(void)base;
	(void)name;
	(void)config_json;
	(void)err;
	(void)errlen;
	return NULL;
}

static const struct sl_executor_ops wrong_ops = {
	.abi_version = SL_EXECUTOR_ABI + 41,
	.type = "wrong-abi",
	.create = wrong_create,
};

const struct sl_executor_ops *sluice_executor_entry(void);
const struct sl_executor_ops *sluice_executor_entry(void)
{
	return &wrong_ops;
}
