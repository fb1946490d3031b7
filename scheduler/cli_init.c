/* cli_init.c: `sluice init` (a new home). */
#include "scheduler/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"
#include "scheduler/config.h"
#include "store/store.h"

/* Set by the web part when it is linked in: creates the first admin user
 * of a new home and prints its password. */
int (*cli_init_admin_hook)(struct cli *c) = NULL;

static int
init_run(struct cli *c, const struct cli_args *args)
{
	const char *dir = args->npos > 0 ? args->pos[0] : NULL;
	const char *dags = cli_opt_str(args, "dags");
	char *home, *file;
	struct sl_err err;
	struct buf cfg;

	if (args->npos > 1)
		return cli_usage(&cli_init, "unexpected argument '%s'", args->pos[1]);
	home = config_home(dir ? dir : c->home_flag);
	sl_err_clear(&err);
	if (sl_mkdirs(home, 0755, &err) < 0) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		free(home);
		return EXIT_HOME;
	}
	file = xasprintf("%s/sluice.yaml", home);
	if (access(file, F_OK) == 0) {
		fprintf(stderr, "sluice: %s already exists; not touching it\n", file);
		free(file);
		free(home);
		return EXIT_FAILED;
	}
	buf_init(&cfg, 0);
	if (dags != NULL) {
		char *abs = dags[0] == '/' ? xstrdup(dags) : config_home(dags);
		const char *line = "dags: dags ";
		const char *p = strstr(config_template, line);
		struct stat st;

		/* a typo here leaves the scheduler with no DAGs and no error;
		 * a folder made later (a checkout to come) is fine */
		if (stat(abs, &st) < 0 || !S_ISDIR(st.st_mode))
			fprintf(stderr, "sluice: note: --dags %s is not a folder (yet): "
				"the home finds no DAGs until it is\n", abs);

		buf_add(&cfg, config_template, (size_t)(p - config_template));
		buf_printf(&cfg, "dags: %s", abs);
		buf_adds(&cfg, p + strlen("dags: dags"));
		free(abs);
	} else
		buf_adds(&cfg, config_template);
	if (sl_write_file(file, cfg.data, cfg.len, 0644, &err) < 0) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		buf_free(&cfg);
		free(file);
		free(home);
		return EXIT_HOME;
	}
	buf_free(&cfg);
	{
		char *d = xasprintf("%s/dags", home), *l = xasprintf("%s/logs", home);

		if (dags == NULL)
			sl_mkdirs(d, 0755, NULL);
		sl_mkdirs(l, 0755, NULL);
		free(d);
		free(l);
	}
	c->home_flag = home;
	if (cli_open(c, 1, 0) < 0) {
		free(file);
		free(home);
		return EXIT_HOME;
	}
	printf("created a sluice home in %s\n  config   %s\n  database %s\n  DAGs     %s\n",
	       home, file, c->cfg->db_path, c->cfg->dags_dir);
	if (cli_init_admin_hook != NULL && cli_init_admin_hook(c) < 0) {
		free(file);
		free(home);
		return EXIT_FAILED;
	}
	printf("start it with: sluice --home %s standalone\n", home);
	free(file);
	c->home_flag = NULL;
	free(home);
	return 0;
}

static const struct cli_opt init_opts[] = {
	{ "dags", 0, "PATH", "use an existing DAG folder instead of DIR/dags" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_init = {
	"init", "create a sluice home (config, database, dags/, logs/)",
	"[DIR] [--dags PATH]",
	"Creates DIR (default: --home, $SLUICE_HOME, or " SLUICE_DEFAULT_HOME_DOC ") with a\n"
	"commented sluice.yaml, the database, dags/ and logs/, and an admin user for\n"
	"the web UI whose password is printed once. --dags points the config at an\n"
	"existing DAG folder instead of DIR/dags.\n",
	init_opts,
	init_run,
};
