/* cli_users.c: `sluice users add|list|passwd|remove|token`, and the first
 * admin of a new home (`sluice init`). */
#include "scheduler/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/text.h"
#include "store/store.h"
#include "web/auth.h"

extern int (*cli_init_admin_hook)(struct cli *c);

/* A password from stdin (first line), or a new random one (printed). */
static char *
read_password(int from_stdin, int *generated)
{
	char line[1100];
	size_t n;

	*generated = 0;
	if (!from_stdin) {
		*generated = 1;
		return auth_new_password();
	}
	if (fgets(line, sizeof line, stdin) == NULL)
		return NULL;
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	{
		char *p = xstrdup(line);

		sl_wipe(line, sizeof line);
		return p;
	}
}

/* Prints a refused change; the exit code: the database's failure is 1,
 * anything the person asked wrong (no such user, a bad name or password,
 * a name taken, the last admin, oneself) is 2, as an unknown DAG is. */
static int
users_refused(int rc, const struct sl_err *err)
{
	fprintf(stderr, "sluice: %s\n", err->msg);
	return rc == AUTH_DB ? EXIT_FAILED : EXIT_USAGE;
}

/* A --role that is no role: the usage, naming the roles and the one
 * meant when it is close ("admn"). */
static int
users_bad_role(const char *role)
{
	return cli_bad_choice(&cli_users, "role", role, "viewer, operator, admin");
}

/* A past moment (JSON ms or null) as "2024-05-01T10:00:00Z (3 minutes
 * ago)", or "never" (the Users page says the same). */
static const char *
users_since(json_t *ms, int64_t now, char *out, size_t n)
{
	char when[64], ago[32];

	if (!json_is_integer(ms) || json_integer_value(ms) <= 0) {
		snprintf(out, n, "never");
		return out;
	}
	snprintf(out, n, "%s (%s)", cli_time(NULL, json_integer_value(ms), when, sizeof when),
		 sl_format_ago(now - json_integer_value(ms), ago, sizeof ago));
	return out;
}

static int
users_run(struct cli *c, const struct cli_args *args)
{
	const char *sub = args->npos > 0 ? args->pos[0] : "";
	const char *name = args->npos > 1 ? args->pos[1] : NULL;
	const char *role = cli_opt_str(args, "role");
	int from_stdin = cli_opt_flag(args, "password-stdin") > 0, generated = 0;
	int rc;
	struct sl_err err;
	char *password = NULL;

	if (role == NULL)
		role = "viewer";
	if (args->npos > 2)
		return cli_usage(&cli_users, "unexpected argument '%s'", args->pos[2]);
	if (strcmp(sub, "list") != 0 && strcmp(sub, "add") != 0 && strcmp(sub, "passwd") != 0 &&
	    strcmp(sub, "role") != 0 && strcmp(sub, "remove") != 0 && strcmp(sub, "token") != 0) {
		static const char *const subs[] = {
			"list", "add", "passwd", "role", "remove", "token", NULL,
		};
		static const char *const synonyms[] = {
			"ls", "list", "create", "add", "new", "add", "delete", "remove",
			"del", "remove", "rm", "remove", "password", "passwd",
			"set-password", "passwd", NULL,
		};

		return cli_unknown_sub(&cli_users, sub, subs, synonyms);
	}
	if (strcmp(sub, "role") == 0 && cli_opt_str(args, "role") == NULL)
		return cli_usage(&cli_users, "users role needs the new role: --role viewer, operator or admin");
	if (strcmp(sub, "list") == 0 && name != NULL)
		return cli_usage(&cli_users, "unexpected argument '%s' (users list lists everyone)", name);
	if (strcmp(sub, "list") != 0 && name == NULL)
		return cli_usage(&cli_users, "sluice users %s needs a user name", sub);
	if (cli_open(c, 1, 0) < 0)
		return EXIT_HOME;
	sl_err_clear(&err);
	if (strcmp(sub, "list") == 0) {
		json_t *users = auth_users_json(c->store);
		size_t i;
		json_t *u;

		if (users == NULL) {
			fprintf(stderr, "sluice: database: %s\n", store_errmsg(c->store));
			return EXIT_HOME;
		}
		if (c->json)
			cli_print_json(users);
		else {
			int64_t now = sl_now_ms();
			char login[96], used[96];
			int wname = 4, wlogin = 10;

			/* each column as wide as its longest value: a 64-character
			 * name or a long "(N months ago)" pushed the next over */
			json_array_foreach(users, i, u) {
				wname = SL_MAX(wname, (int)strlen(json_string_value(json_object_get(u, "name"))));
				wlogin = SL_MAX(wlogin, (int)strlen(users_since(json_object_get(u, "last_login_at"),
										 now, login, sizeof login)));
			}
			printf("%-*s  %-9s %-10s %-*s  %s\n", wname, "USER", "ROLE", "API TOKENS",
			       wlogin, "LAST LOGIN", "TOKEN LAST USED");
			json_array_foreach(users, i, u)
				printf("%-*s  %-9s %-10lld %-*s  %s\n", wname,
				       json_string_value(json_object_get(u, "name")),
				       json_string_value(json_object_get(u, "role")),
				       (long long)json_integer_value(json_object_get(u, "tokens")),
				       wlogin,
				       users_since(json_object_get(u, "last_login_at"), now,
						   login, sizeof login),
				       users_since(json_object_get(u, "last_token_used_at"), now,
						   used, sizeof used));
		}
		json_decref(users);
		return 0;
	}
	if (strcmp(sub, "add") == 0) {
		int r = auth_role_parse(role);

		if (r == 0)
			return users_bad_role(role);
		if ((password = read_password(from_stdin, &generated)) == NULL)
			return cli_usage(&cli_users, "no password on stdin");
		if ((rc = auth_user_add(c->store, name, r, password, c->who, &err)) < 0) {
			auth_secret_free(password);
			return users_refused(rc, &err);
		}
		printf("added %s %s\n", role, name);
	} else if (strcmp(sub, "passwd") == 0) {
		if ((password = read_password(from_stdin, &generated)) == NULL)
			return cli_usage(&cli_users, "no password on stdin");
		if ((rc = auth_user_passwd(c->store, name, password, c->who, &err)) < 0) {
			auth_secret_free(password);
			return users_refused(rc, &err);
		}
		printf("new password for %s (its sessions were ended)\n", name);
	} else if (strcmp(sub, "role") == 0) {
		int r = auth_role_parse(role);

		if (r == 0)
			return users_bad_role(role);
		if ((rc = auth_user_set_role(c->store, name, r, c->who, &err)) < 0)
			return users_refused(rc, &err);
		printf("%s is now %s %s\n", name, r == 1 ? "a" : "an", role);
		return 0;
	} else if (strcmp(sub, "remove") == 0) {
		/* no actor: the CLI's user is a login on this machine */
		if ((rc = auth_user_remove(c->store, name, NULL, c->who, &err)) < 0)
			return users_refused(rc, &err);
		printf("removed %s (and its sessions and API tokens)\n", name);
		return 0;
	} else {
		char *token = NULL;

		if ((rc = auth_token_new(c->store, name, c->who, &token, &err)) < 0)
			return users_refused(rc, &err);
		/* the only time the token is shown: only its hash is kept */
		printf("%s\n", token);
		auth_secret_free(token);
		return 0;
	}
	if (generated)
		printf("password: %s\n", password);
	auth_secret_free(password);
	return 0;
}

static const struct cli_opt users_opts[] = {
	{ "role", 0, "viewer|operator|admin", "add: the role (default: viewer); role: the new one" },
	{ "password-stdin", 0, NULL, "read the password from the first line of stdin" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_users = {
	"users", "people and API tokens of the web UI and REST API",
	"list\n"
	"add NAME [--role viewer|operator|admin] [--password-stdin]\n"
	"passwd NAME [--password-stdin]\n"
	"role NAME --role viewer|operator|admin\n"
	"remove NAME\n"
	"token NAME",
	"`users list` shows each user's role, API tokens, last login (through\n"
	"the web's login form; a failed one does not count) and the last use of\n"
	"one of their API tokens (noted once a minute at most), \"never\" when\n"
	"none; with --json, last_login_at and last_token_used_at in epoch ms.\n"
	"Roles: a viewer looks; an operator also clears, marks, triggers, backfills\n"
	"and pauses; an admin also manages users. Without --password-stdin a new\n"
	"random password is made and printed once. Passwords are stored as yescrypt\n"
	"hashes. `users token` prints a new API token for scripts\n"
	"(Authorization: Bearer TOKEN); only its SHA-256 is stored, so it is shown\n"
	"this once. Removing a user ends its sessions and revokes its tokens; the\n"
	"last admin can be neither removed nor given another role. Every change is\n"
	"in the audit log (as cli:USER), without passwords or tokens. Admins do the\n"
	"same on the web UI's Users page.\n",
	users_opts,
	users_run,
};

/* `sluice init`: the first admin, with a random password shown once (1),
 * or none when there are users (0). */
static int
users_init_admin(struct cli *c)
{
	struct sl_err err;
	char *password;

	if (auth_user_count(c->store) > 0)
		return 0;
	password = auth_new_password();
	sl_err_clear(&err);
	if (auth_user_add(c->store, "admin", 3, password, c->who, &err) < 0) {
		auth_secret_free(password);
		fprintf(stderr, "sluice: %s\n", err.msg);
		return -1;
	}
	printf("web UI user: admin, password: %s (shown once; change it with `sluice users passwd admin`)\n",
	       password);
	auth_secret_free(password);
	return 1;
}

__attribute__((constructor)) static void
users_set_init_hook(void)
{
	cli_init_admin_hook = users_init_admin;
}
