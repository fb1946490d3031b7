/*
 * lazylib.c: loading libcurl, libpq and libssh2 on first use (see
 * lazylib.h). The sonames come from configure (build-config.h), which
 * read them off a program linked with each library, so the library
 * loaded is the one sluice was compiled against.
 */
#include "base/lazylib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include <curl/curl.h>

#include "base/util.h"
#include "build-config.h"

struct lazylib_info {
	const char *soname;
	const char *used_for;
	const char *package;	/* Debian's */
};

static const struct lazylib_info lazylibs[LAZYLIB_N] = {
	[LAZYLIB_CURL] = {SL_SONAME_CURL,
			  "HTTP: S3, Lambda, Glue, EMR, email, webhooks, Slurm REST",
			  "libcurl4"},
	[LAZYLIB_PQ] = {SL_SONAME_PQ, "PostgreSQL and Redshift tasks", "libpq5"},
	[LAZYLIB_SSH2] = {SL_SONAME_SSH2, "the ssh executor", "libssh2-1"},
};

static pthread_mutex_t lazylib_mu = PTHREAD_MUTEX_INITIALIZER;
static void *lazylib_handle[LAZYLIB_N];

/* Called with lazylib_mu held, once, right after lib is loaded: the
 * library-wide set-up that must come before any other call. */
static int
lazylib_init(enum lazylib lib, void *h, char *why, size_t whylen)
{
	if (lib == LAZYLIB_CURL) {
		/* libcurl's global set-up is not thread-safe everywhere: done
		 * here, under the lock, before any caller can use it */
		CURLcode (*global_init)(long) =
			(CURLcode (*)(long))dlsym(h, "curl_global_init");

		if (global_init == NULL ||
		    global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(why, whylen, "curl_global_init failed");
			return -1;
		}
	}
	return 0;
}

int
lazylib_load(enum lazylib lib, struct sl_err *err)
{
	const struct lazylib_info *li = &lazylibs[lib];
	char why[512] = "";
	void *h;

	if (__atomic_load_n(&lazylib_handle[lib], __ATOMIC_ACQUIRE) != NULL)
		return 0;
	pthread_mutex_lock(&lazylib_mu);
	h = lazylib_handle[lib];
	if (h == NULL) {
		h = dlopen(li->soname, RTLD_NOW | RTLD_LOCAL);
		if (h == NULL) {
			const char *e = dlerror();

			snprintf(why, sizeof why, "%s", e != NULL ? e : "not found");
		} else if (lazylib_init(lib, h, why, sizeof why) < 0) {
			dlclose(h);
			h = NULL;
		} else {
			__atomic_store_n(&lazylib_handle[lib], h, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&lazylib_mu);
	if (h != NULL)
		return 0;
	return sl_err_set(err, "cannot load %s, which sluice needs for %s: %s "
			  "(install the package that provides it; on Debian: %s)",
			  li->soname, li->used_for, why, li->package);
}

int
lazylib_loaded(enum lazylib lib)
{
	return __atomic_load_n(&lazylib_handle[lib], __ATOMIC_ACQUIRE) != NULL;
}

void *
lazylib_sym(enum lazylib lib, const char *name)
{
	struct sl_err err;
	void *f;

	if (lazylib_load(lib, &err) < 0)
		sl_fatal("%s (calling %s)", err.msg, name);
	f = dlsym(lazylib_handle[lib], name);
	if (f == NULL)
		sl_fatal("%s has no function %s (sluice was built against "
			 "another version of it)", lazylibs[lib].soname, name);
	return f;
}
