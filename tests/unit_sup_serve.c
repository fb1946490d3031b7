/*
 * unit_sup_serve.c: the shared supervisor's start of one try
 * (executors/supervisor/sup_serve.c) when its secret values cannot be
 * read: the descriptor that brought them is closed once (sup_mask_load
 * closes it), and the try's error says why the read failed. Before, the
 * server closed it a second time: the error said "Bad file descriptor"
 * (the second close's errno), and in the server, whose sync thread opens
 * folders meanwhile, that close could hit another descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executors/supervisor/supervisor.h"
#include "tests/unit.h"

static char **
strv(const char *const *v, int n)
{
	char **out = calloc((size_t)n + 1, sizeof *out);

	for (int i = 0; out != NULL && i < n; i++)
		out[i] = (char *)v[i];
	return out;
}

static void
test_secrets_unreadable(void)
{
	char dir[] = "/tmp/unit_sup_serve.XXXXXX";
	char status[64], logp[64], line[512];
	int fds[SUP_SERVE_NFDS], secrets;
	struct sup_served *ss;
	FILE *f;
	int found = 0;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(status, sizeof status, "%s/status", dir);
	snprintf(logp, sizeof logp, "%s/try.log", dir);
	{
		static const char *const args[] = { "sluice-try", "-s", NULL,
						    "-S", "--", "true" };
		char **argv = strv(args, 6);
		char **env = strv(NULL, 0);

		argv[2] = status;
		fds[SUP_SERVE_LOG] = open(logp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		fds[SUP_SERVE_STATUS] = open(status, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		fds[SUP_SERVE_STDIN] = -1;
		fds[SUP_SERVE_CWD] = -1;
		/* a folder: read() fails with EISDIR */
		secrets = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fds[SUP_SERVE_SECRETS] = secrets;
		CHECK(fds[SUP_SERVE_LOG] >= 0 && fds[SUP_SERVE_STATUS] >= 0 &&
		      secrets >= 0);
		errno = 0;
		ss = sup_serve_start(argv, 6, env, fds, 1, 0);
	}
	CHECK(ss != NULL);
	if (ss == NULL)
		return;
	CHECK_EQ_INT(125 << 8, ss->s.child_status);
	CHECK_MSG(strstr(ss->s.error, strerror(EISDIR)) != NULL, "%s", ss->s.error);
	CHECK_EQ_INT(-1, fcntl(secrets, F_GETFD));	/* closed */
	close(ss->s.log.fd);
	close(ss->s.status_fd);
	/* the log says it too */
	f = fopen(logp, "r");
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		found |= strstr(line, "cannot read the secret values") != NULL &&
			 strstr(line, strerror(EISDIR)) != NULL;
	if (f != NULL)
		fclose(f);
	CHECK(found);
	sup_serve_report(ss, -1);
	unlink(status);
	unlink(logp);
	rmdir(dir);
}

int
main(void)
{
	RUN(test_secrets_unreadable);
	return UNIT_END();
}
