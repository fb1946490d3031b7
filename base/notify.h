/*
 * notify.h: telling the service manager that started sluice how it is
 * (systemd's notification protocol: a datagram such as "READY=1" to the
 * unix socket named by $NOTIFY_SOCKET; the units are Type=notify).
 */
#ifndef SLUICE_BASE_NOTIFY_H
#define SLUICE_BASE_NOTIFY_H

/* Take $NOTIFY_SOCKET out of the environment (the tries and children
 * started after this do not get it) and keep it for sl_notify. Call
 * once, before any child process or thread is started. */
void sl_notify_init(void);
/* Send state ("READY=1", "STOPPING=1") when a service manager asked for
 * it; 0 also when none did, -1 with errno when sending failed. */
int sl_notify(const char *state);

#endif
