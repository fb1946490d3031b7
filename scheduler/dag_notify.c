/* dag_notify.c: `notify:` names, checked against sluice.yaml's webhooks
 * when the DAG loads (see dag_notify.h). */
#include "scheduler/dag_notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/config.h"

/* Is name a webhook of cfg? Else err at node n. */
static int
notify_check(struct ydoc *d, ynode_t *n, const char *what, const char *name,
	     const struct config *cfg, struct sl_err *err)
{
	char names[512];

	if (cfg == NULL || (cfg->webhooks != NULL &&
			    json_object_get(cfg->webhooks, name) != NULL))
		return 0;
	config_webhook_names(cfg, names, sizeof names);
	return ydoc_err_path(d, n, what, err, "no webhook '%s' in %s (defined: %s)",
			     name, cfg->file, names[0] ? names : "none");
}

int
dag_notify_load(struct ydoc *d, ynode_t *v, const struct config *cfg,
		char ***out, struct sl_err *err)
{
	char what[SL_ERR_PATH];
	char **list;

	ynode_path(d, v, what, sizeof what);
	if (ynode_get_strv(d, v, what, &list, err) < 0)
		return -1;
	if (v->type == YAML_SEQUENCE_NODE) {
		size_t i = 0;

		for (yaml_node_item_t *it = yseq_begin(v); it < yseq_end(v); it++, i++)
			if (list[i] != NULL &&
			    notify_check(d, ydoc_node(d, *it), what, list[i], cfg, err) < 0)
				goto fail;
	} else if (list[0] != NULL &&
		   notify_check(d, v, what, list[0], cfg, err) < 0)
		goto fail;
	*out = list;
	return 0;
fail:
	strv_free(list);
	return -1;
}
