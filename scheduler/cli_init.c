/* cli_init.c: `sluice init` (a new home, or what an existing one lacks). */
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
 * of a home that has no user and prints its password. 1: it made one, 0:
 * there were users, -1: an error (said). */
int (*cli_init_admin_hook)(struct cli *c) = NULL;

static int
init_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* A new sluice.yaml from the template, its dags: set to dags (absolute)
 * when not NULL. */
static int
init_write_config(const char *file, const char *dags, struct sl_err *err)
{
	const char *line = "dags: dags ";
	const char *p = strstr(config_template, line);
	struct buf cfg;
	int rc;

	buf_init(&cfg, 0);
	if (dags != NULL) {
		buf_add(&cfg, config_template, (size_t)(p - config_template));
		buf_printf(&cfg, "dags: %s", dags);
		buf_adds(&cfg, p + strlen("dags: dags"));
	} else
		buf_adds(&cfg, config_template);
	rc = sl_write_file(file, cfg.data, cfg.len, 0644, err);
	buf_free(&cfg);
	return rc;
}

/* Add path to the list of what init made, relative to home when inside
 * it. */
static void
init_made(struct buf *made, const char *home, const char *path,
	  const char *suffix)
{
	size_t n = strlen(home);

	if (strncmp(path, home, n) == 0 && path[n] == '/')
		path += n + 1;
	buf_printf(made, "%s%s%s", made->len > 0 ? ", " : "", path, suffix);
}

/* Make folder dir if it is missing, saying so in made. */
static void
init_folder(const char *home, const char *dir, struct buf *made)
{
	if (!init_exists(dir) && sl_mkdirs(dir, 0755, NULL) == 0)
		init_made(made, home, dir, "/");
}

static int
init_run(struct cli *c, const struct cli_args *args)
{
	const char *dir = args->npos > 0 ? args->pos[0] : NULL;
	const char *dags_opt = cli_opt_str(args, "dags");
	char *home, *file, *dags = NULL, *home_dags, *cfg_dags;
	int had_config, had_db, rc = EXIT_HOME;
	struct sl_err err;
	struct buf made;

	if (args->npos > 1)
		return cli_usage(&cli_init, "unexpected argument '%s'", args->pos[1]);
	if (dags_opt != NULL && dags_opt[0] == '\0')
		return cli_usage(&cli_init, "--dags needs a folder");
	home = config_home(dir ? dir : c->home_flag);
	file = xasprintf("%s/sluice.yaml", home);
	home_dags = xasprintf("%s/dags", home);
	buf_init(&made, 0);
	sl_err_clear(&err);
	if (dags_opt != NULL)
		dags = dags_opt[0] == '/' ? xstrdup(dags_opt) : config_home(dags_opt);
	if (sl_mkdirs(home, 0755, &err) < 0) {
		cli_error(err.msg);
		goto out;
	}
	had_config = init_exists(file);
	c->home_flag = home;
	if (had_config) {
		/* an existing home: its config must load, and is kept as it
		 * is; init only adds what is missing */
		char *want, *given;
		int same;

		if (cli_open(c, 0, 0) < 0)
			goto out;
		want = config_home(c->cfg->dags_dir);	/* cleaned */
		given = dags != NULL ? config_home(dags) : NULL;
		same = given == NULL || strcmp(want, given) == 0;
		if (!same)
			fprintf(stderr, "sluice: %s already sets dags: %s; init does "
				"not change it to %s (edit the file)\n", file, want,
				given);
		free(want);
		free(given);
		if (!same) {
			rc = EXIT_FAILED;
			goto out;
		}
	} else {
		struct stat st;

		/* a typo here leaves the scheduler with no DAGs and no error;
		 * a folder made later (a checkout to come) is fine */
		if (dags != NULL && (stat(dags, &st) < 0 || !S_ISDIR(st.st_mode)))
			fprintf(stderr, "sluice: note: --dags %s is not a folder (yet): "
				"the home finds no DAGs until it is\n", dags);
		if (init_write_config(file, dags, &err) < 0) {
			cli_error(err.msg);
			goto out;
		}
		init_made(&made, home, file, "");
		if (cli_open(c, 0, 0) < 0)
			goto out;
	}
	had_db = init_exists(c->cfg->db_path);
	/* a DAG folder elsewhere (--dags, a checkout) is not init's to make */
	cfg_dags = config_home(c->cfg->dags_dir);
	if (strcmp(cfg_dags, home_dags) == 0)
		init_folder(home, home_dags, &made);
	free(cfg_dags);
	init_folder(home, c->cfg->logs_dir, &made);
	c->db_create = 1;
	if (cli_open(c, 1, 0) < 0)
		goto out;
	rc = EXIT_FAILED;
	if (!had_config && !had_db) {
		printf("created a sluice home in %s\n  config   %s\n  database %s\n  DAGs     %s\n",
		       home, file, c->cfg->db_path, c->cfg->dags_dir);
		if (cli_init_admin_hook != NULL && cli_init_admin_hook(c) < 0)
			goto out;
		printf("start it with: sluice --home %s standalone\n", home);
	} else {
		int admin = cli_init_admin_hook != NULL ? cli_init_admin_hook(c) : 0;

		if (admin < 0)
			goto out;
		if (!had_db)
			init_made(&made, home, c->cfg->db_path, "");
		if (admin > 0)
			buf_printf(&made, "%sthe admin user", made.len > 0 ? ", " : "");
		if (made.len > 0)
			printf("%s is already a sluice home; created %s\n", home,
			       made.data);
		else
			printf("%s is already a sluice home; nothing changed\n", home);
	}
	rc = 0;
out:
	c->home_flag = NULL;
	buf_free(&made);
	free(dags);
	free(home_dags);
	free(file);
	free(home);
	return rc;
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
	"existing DAG folder instead of DIR/dags.\n"
	"On a folder that is already a sluice home (it has sluice.yaml or the\n"
	"database) init changes nothing that exists: it creates only what is\n"
	"missing (dags/, logs/, the database, an admin user when there is no user\n"
	"at all), says what it created or that nothing changed, and exits 0, so a\n"
	"provisioning script may run it every time. A sluice.yaml that does not\n"
	"load is an error (exit 3, naming the file and line), and so is --dags\n"
	"naming another folder than the one sluice.yaml sets (exit 1).\n",
	init_opts,
	init_run,
};
