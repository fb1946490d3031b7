/*
 * plugin.h: loading an executor plug-in, a shared object that implements
 * executors/executor.h (see executors/EXECUTORS.md).
 */
#ifndef SLUICE_EXEC_PLUGIN_H
#define SLUICE_EXEC_PLUGIN_H

#include "executors/executor.h"
#include "base/util.h"

/*
 * dlopen() the shared object at path, call its SL_EXECUTOR_ENTRY function
 * and check the descriptor it returns: abi_version must be between
 * SL_EXECUTOR_ABI_OLDEST and SL_EXECUTOR_ABI, and type, create, slots,
 * start, kill and destroy must be set. On success *ops points into the
 * plug-in, which stays loaded for the life of the process (sluice never
 * unloads a plug-in: its code may still sit on the event loop). Returns 0, or -1 with err naming the path.
 */
int executor_plugin_load(const char *path, const struct sl_executor_ops **ops,
			 struct sl_err *err);

#endif
