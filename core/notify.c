#include "notify.h"

#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "log.h"

void cs_notify(const char *state)
{
	/* unset_environment = 0: the socket is used again for RELOADING=1 and STOPPING=1. */
	int r = sd_notify(0, state);
	if (r < 0) {
		const char *sock = getenv("NOTIFY_SOCKET");
		cs_log(CS_LOG_WARN, "notify: cannot send \"%s\" to the service manager at %s: %s",
		       state, sock ? sock : "(unset)", strerror(-r));
	}
}
