/*
 * plugin.c: load executor plug-ins with dlopen. A plug-in is refused
 * unless it was built against an executor.h this sluice still supports
 * (SL_EXECUTOR_ABI_OLDEST to SL_EXECUTOR_ABI: from version 3 it promises
 * to bring its tries' outputs back, see executor.h) and fills in every
 * required callback.
 */
#include "build-config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "executors/plugin.h"

int executor_plugin_load(const char *path, const struct sl_executor_ops **ops,
			 struct sl_err *err)
{
	sl_executor_entry_fn entry;
	const struct sl_executor_ops *o;
	const char *missing = NULL;
	void *handle;
	char *dlerr;

	*ops = NULL;
	if (!path || !*path)
		return sl_err_set(err, "executor plug-in: no path given");
	/* RTLD_LOCAL keeps one plug-in's symbols from resolving another's. */
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		return sl_err_set(err, "executor plug-in %s: cannot load it: %s",
				  path, dlerror());
	dlerror();
	entry = (sl_executor_entry_fn)dlsym(handle, SL_EXECUTOR_ENTRY);
	dlerr = dlerror();
	if (!entry || dlerr) {
		sl_err_set(err, "executor plug-in %s: it does not export %s() "
			   "(is it a sluice executor plug-in?)", path,
			   SL_EXECUTOR_ENTRY);
		goto fail;
	}
	o = entry();
	if (!o) {
		sl_err_set(err, "executor plug-in %s: %s() returned nothing",
			   path, SL_EXECUTOR_ENTRY);
		goto fail;
	}
	if (o->abi_version < SL_EXECUTOR_ABI_OLDEST ||
	    o->abi_version > SL_EXECUTOR_ABI) {
		sl_err_set(err, "executor plug-in %s was built for executor "
			   "interface version %d, but this sluice provides "
			   "version %d: rebuild the plug-in against this "
			   "sluice's executors/executor.h", path,
			   o->abi_version, SL_EXECUTOR_ABI);
		goto fail;
	}
	if (!o->type || !*o->type)
		missing = "type";
	else if (!o->create)
		missing = "create";
	else if (!o->slots)
		missing = "slots";
	else if (!o->start)
		missing = "start";
	else if (!o->kill)
		missing = "kill";
	else if (!o->destroy)
		missing = "destroy";
	if (missing) {
		sl_err_set(err, "executor plug-in %s: its descriptor has no %s",
			   path, missing);
		goto fail;
	}
	*ops = o;
	return 0;
fail:
	dlclose(handle);
	return -1;
}
