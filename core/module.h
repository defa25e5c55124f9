/* The module host: finds, checks, configures and runs module .so files
 * (sdk/include/capstan/module.h is the contract with them).
 *
 * Lifecycle of the host, all from the main thread:
 *   cs_modhost_new -> cs_modhost_configure (open + check every enabled
 *   module, validate its options) -> cs_modhost_init -> [API serving]
 *   cs_modhost_start -> ... cs_modhost_reload (SIGHUP) ... ->
 *   cs_modhost_stop -> cs_modhost_free. */
#ifndef CS_MODULE_H
#define CS_MODULE_H

#include <capstan/module.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

typedef struct cs_modhost cs_modhost;
typedef struct cs_client cs_client; /* the API as modules reach it (client.h) */

typedef struct cs_modenv {
	const char *role;      /* "server" or "agent" */
	const char *node_name; /* agent: this node; else NULL */
	const char *data_dir;  /* state_dir() lives under <data_dir>/modules */
	/* Trust module files owned by the current user as well as root
	 * (development: make run).  Group/world-writable files are refused
	 * regardless. */
	bool dev_trust;
	cs_client *api; /* NULL: API calls fail with 503 */
} cs_modenv;

enum cs_modstate {
	CS_MOD_DISABLED,  /* in the configuration with enabled = false */
	CS_MOD_AVAILABLE, /* found in the module path, not configured */
	CS_MOD_LOADED,    /* opened and checked, not initialised yet */
	CS_MOD_RUNNING,   /* init (and start, once started) succeeded */
	CS_MOD_FAILED,    /* could not be loaded, initialised or started */
	CS_MOD_STOPPED,
};

typedef struct cs_modinfo {
	char name[64];
	char file[PATH_MAX];
	char version[64];
	const char *kind; /* "scheduler", "controller", ... or "?" */
	unsigned abi_major, abi_minor;
	bool enabled, required;
	enum cs_modstate state;
	char error[768];          /* why it failed */
	const cs_option *options; /* declared options; valid until the next
				   * list call (NULL when not loadable) */
} cs_modinfo;

const char *cs_modstate_name(enum cs_modstate s);
const char *cs_modkind_name(unsigned kind);

int cs_modhost_new(cs_modhost **out, const cs_modenv *env);
/* Open every enabled module of cfg and validate all module options of the
 * file (a second, strict libconfuse pass with each module's declared
 * options).  Returns -1 with "FILE:LINE: ..." or "module X: ..." in err
 * for configuration errors and for required modules that cannot be
 * loaded; an optional module that cannot be loaded is recorded as failed
 * and logged. */
int cs_modhost_configure(cs_modhost *h, const cs_config *cfg, char *err, size_t errlen);
/* init every loaded module.  -1 when a required one fails. */
int cs_modhost_init(cs_modhost *h, char *err, size_t errlen);
/* start every initialised module (the API serves).  -1 when a required
 * one fails. */
int cs_modhost_start(cs_modhost *h, char *err, size_t errlen);
/* Apply a re-read configuration: start newly enabled modules, stop and
 * unload disabled ones, restart a running module whose options or
 * `required` changed.  Returns -1 (nothing changed) when the new
 * configuration is invalid. */
int cs_modhost_reload(cs_modhost *h, const cs_config *cfg, char *err, size_t errlen);
/* stop and fini every module, in reverse order of start. */
void cs_modhost_stop(cs_modhost *h);
void cs_modhost_free(cs_modhost *h);

/* Modules known to the host (configured ones first, then the rest of the
 * module path when scan_path).  Returns the count written (<= max). */
size_t cs_modhost_list(cs_modhost *h, bool scan_path, cs_modinfo *out, size_t max);
/* A running module by name (its descriptor, and its instance in *inst). */
const cs_module *cs_modhost_find(cs_modhost *h, const char *name, cs_mod **inst);
/* The running admission modules (core/modadmit.h), for the API server. */
struct cs_modadmit *cs_modhost_admission(cs_modhost *h);
/* Health: 0 when every required module runs; fills a one-line detail per
 * module ("[+]module sched-default ok" / "[-]module x failed: why").
 * ready (/readyz): also -1 until cs_modhost_start has returned ("[-]modules
 * starting") and while a running module has an informer that has not
 * listed yet ("[-]informer-sync module x: ..."), as admission and
 * controllers answer from their caches. */
int cs_modhost_health(cs_modhost *h, bool ready, char *buf, size_t n);

#endif
