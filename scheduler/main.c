/* main.c: sluice, a workflow orchestrator and job scheduler. */
#include <curl/curl.h>
#include <event2/event.h>
#include <libpq-fe.h>
#include <libssh2.h>
#include <sqlite3.h>
#include <stdio.h>

#include "base/lazylib.h"
#include "base/util.h"
#include "build-config.h"
#include "scheduler/cli.h"
#include "operators/operator.h"
#include "store/store.h"

/* `sluice --version`: what this binary is built of, for bug reports. The
 * libraries loaded on first use (base/lazylib.h) are loaded here to say
 * which; one that cannot be loaded is named with the reason. */
static void
main_version(FILE *f)
{
	struct sl_err err;

	fprintf(f, "sluice %s\n", PACKAGE_VERSION);
	fprintf(f, "schema version %d\n", store_binary_version());
	fprintf(f, "SQLite %s\n", sqlite3_libversion());
	fprintf(f, "libevent %s\n", event_get_version());
	if (lazylib_load(LAZYLIB_CURL, &err) == 0) {
		const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);

		fprintf(f, "libcurl %s\n", curl != NULL ? curl->version : "?");
	} else
		fprintf(f, "libcurl: %s\n", err.msg);
	if (lazylib_load(LAZYLIB_SSH2, &err) == 0)
		fprintf(f, "libssh2 %s\n", libssh2_version(0));
	else
		fprintf(f, "libssh2: %s\n", err.msg);
	if (lazylib_load(LAZYLIB_PQ, &err) == 0) {
		int v = PQlibVersion();	/* major * 10000 + minor */

		fprintf(f, "libpq %d.%d\n", v / 10000, v % 10000);
	} else
		fprintf(f, "libpq: %s\n", err.msg);
}

int
main(int argc, char **argv)
{
	operators_register();	/* the task types of libsluice_ops.a */
	return cli_main(argc, argv, main_version);
}
