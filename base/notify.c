/* notify.c: the service manager's notifications (see notify.h). */
#include "base/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char notify_path[sizeof ((struct sockaddr_un *)0)->sun_path];

void
sl_notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");

	/* a path, or '@' for a name in the abstract namespace */
	if (path != NULL && (path[0] == '/' || path[0] == '@') &&
	    strlen(path) < sizeof notify_path)
		memcpy(notify_path, path, strlen(path) + 1);
	unsetenv("NOTIFY_SOCKET");
}

int
sl_notify(const char *state)
{
	struct sockaddr_un sa;
	size_t n = strlen(notify_path);
	ssize_t sent;
	int fd, e;

	if (n == 0)
		return 0;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, notify_path, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* an abstract name's length counts, not a terminating NUL */
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
				  (notify_path[0] == '/' ? 1 : 0)));
	e = errno;
	close(fd);
	errno = e;
	return sent < 0 ? -1 : 0;
}
