/* Service manager readiness notification (systemd's sd_notify protocol). */
#ifndef CS_NOTIFY_H
#define CS_NOTIFY_H

/* Sends one state string, e.g. "READY=1", "RELOADING=1", "STOPPING=1" or
 * "STATUS=...", to the service manager named by $NOTIFY_SOCKET.  A no-op when
 * capstand was not started by one (no NOTIFY_SOCKET); a failure to send is
 * logged as a warning and otherwise ignored, since the daemon works without it. */
void cs_notify(const char *state);

#endif
