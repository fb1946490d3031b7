/* main.c: sluice, a workflow orchestrator and job scheduler. */
#include <curl/curl.h>
#include <event2/event.h>
#include <libssh2.h>
#include <sqlite3.h>
#include <stdio.h>

#include "build-config.h"
#include "scheduler/cli.h"
#include "operators/operator.h"
#include "store/store.h"

/* `sluice --version`: what this binary is built of, for bug reports. Here
 * rather than in cli.c since only the binary links every library (the
 * core's tests do without libcurl). */
static void
main_version(FILE *f)
{
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);

	fprintf(f, "sluice %s\n", PACKAGE_VERSION);
	fprintf(f, "schema version %d\n", store_binary_version());
	fprintf(f, "SQLite %s\n", sqlite3_libversion());
	fprintf(f, "libevent %s\n", event_get_version());
	fprintf(f, "libcurl %s\n", curl != NULL ? curl->version : "?");
	fprintf(f, "libssh2 %s\n", libssh2_version(0));
}

int
main(int argc, char **argv)
{
	operators_register();	/* the task types of libsluice_ops.a */
	return cli_main(argc, argv, main_version);
}
