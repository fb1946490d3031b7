/*
 * man.h: the man pages, generated from the tables the code itself uses,
 * so a page cannot drift from what sluice accepts: sluice(1) from the verb
 * and option tables (scheduler/cli.h), sluice-dag(5) from the DAG key
 * tables (scheduler/dag_keys.h, the task types, template names, a try's
 * environment), sluice.yaml(5) from the config key table
 * (scheduler/config.h). `sluice man PAGE` prints one; the build installs
 * what it prints (man/man.am) and tests/install.sh checks the installed
 * pages are exactly that.
 */
#ifndef SLUICE_MAN_H
#define SLUICE_MAN_H

#include "base/util.h"

/* Append the man(7) source of a page to out. */
void man_sluice(struct buf *out);
void man_dag(struct buf *out);
void man_config(struct buf *out);

#endif
