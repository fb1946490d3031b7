/* man_config.c: sluice.yaml(5), from the config key table (see man.h). */
#include "man/man.h"

#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "executors/ssh.h"
#include "man/roff.h"
#include "scheduler/config.h"

void
man_config(struct buf *out)
{
	roff_title(out, "sluice.yaml", 5, "the configuration of a sluice home");
	roff_req(out, "SH", 1, "DESCRIPTION");
	roff_text(out,
		  "HOME/sluice.yaml configures one sluice home. Every key has a "
		  "default, so a missing or empty file works; a key not listed "
		  "here is an error. Relative paths are relative to the home; ~/ "
		  "is the user's home folder. Durations are written 500ms, 30s, "
		  "10m, 2h, 1d or combined (1h30m). The scheduler and the web UI "
		  "read the file when they start.");
	roff_req(out, "SH", 1, "KEYS");
	for (const struct config_key *k = config_keys; k->name != NULL; k++) {
		char *what = xasprintf(" (%s)", k->type);

		if (strchr(k->name, '.') == NULL && k != config_keys)
			buf_adds(out, ".PP\n");
		roff_key(out, k->name, what, k->doc, k->def);
		free(what);
	}
	roff_req(out, "SH", 1, "SSH EXECUTOR");
	roff_text(out,
		  "An executor of type: ssh runs its tries on remote hosts over "
		  "SSH, public keys only; each try's log says on which host it "
		  "ran. sluice executors check NAME logs in to every host and says "
		  "what failed. An unknown key is an error. Its keys:");
	for (const struct exec_ssh_key *k = exec_ssh_keys; k->name != NULL; k++) {
		char *what = xasprintf(" (%s)", k->type);

		buf_adds(out, ".PP\n");
		roff_key(out, k->name, what, k->doc, k->def);
		free(what);
	}
	buf_adds(out, ".PP\n");
	roff_text(out, "For example:");
	roff_verbatim(out,
		      "executors:\n"
		      "  etl_hosts:\n"
		      "    type: ssh\n"
		      "    hosts: [10.1.2.3, \"10.1.2.4:2222\"]\n"
		      "    user: etl\n"
		      "    key: ~/.ssh/id_ed25519\n"
		      "    known_hosts: ~/.ssh/known_hosts\n"
		      "    slots_per_host: 4\n"
		      "    # via: etl@bastion.example.com\n");
	roff_req(out, "SH", 1, "EXAMPLE");
	roff_text(out, "What sluice init writes:");
	roff_verbatim(out, config_template);
	roff_req(out, "SH", 1, "SEE ALSO");
	buf_adds(out, ".BR sluice (1),\n.BR sluice\\-dag (5)\n");
}
