/* cli_man.c: `sluice man PAGE`, a man page (man.h) or the sample config
 * on stdout; the build makes the installed pages with it. */
#include "scheduler/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "man/man.h"
#include "scheduler/config.h"

/* Each page by its short name and by the name it is installed under
 * (what `man sluice-dag` and the docs call it). */
static const struct {
	const char *name, *installed;
	void (*make)(struct buf *out);
} man_pages[] = {
	{ "sluice", "sluice", man_sluice },
	{ "dag", "sluice-dag", man_dag },
	{ "config", "sluice.yaml", man_config },
};

static int
man_run(struct cli *c, const struct cli_args *a)
{
	struct buf out;

	if (a->npos != 1)
		return cli_usage(&cli_man, "takes one page");
	if (strcmp(a->pos[0], "sample-config") == 0) {
		fputs(config_template, stdout);
		return 0;
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(man_pages); i++) {
		if (strcmp(man_pages[i].name, a->pos[0]) != 0 &&
		    strcmp(man_pages[i].installed, a->pos[0]) != 0)
			continue;
		buf_init(&out, 0);
		man_pages[i].make(&out);
		fwrite(buf_str(&out), 1, out.len, stdout);
		buf_free(&out);
		return 0;
	}
	return cli_usage(&cli_man, "unknown page '%s'", a->pos[0]);
}

const struct cli_verb cli_man = {
	"man", "print a man page's source (the build installs them)",
	"sluice|dag|config|sample-config",
	"sluice is sluice(1), dag sluice-dag(5), config sluice.yaml(5) (each also\n"
	"by that name: sluice man sluice-dag), in man(7) format, made from the\n"
	"same tables as the command line, the DAG loader and the config loader.\n"
	"sample-config is the commented sluice.yaml that sluice init writes.\n",
	NULL,
	man_run,
};
