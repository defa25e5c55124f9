/* capstan.conf (libconfuse) and command-line overrides. */
#ifndef CS_CONFIG_H
#define CS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <capstan/module.h>

typedef struct cs_module_conf {
	char *name;
	bool enabled;
	bool required;
} cs_module_conf;

typedef struct cs_config {
	char *path; /* file read, NULL when none */
	char *role; /* server | agent | all */
	char *data_dir;
	char *listen; /* host:port */
	char *store_backend;
	bool store_sync;
	long watch_history;
	char *log_level;
	char *module_path;
	cs_module_conf *modules;
	size_t nmodules;
	void *cfg;      /* the parsed cfg_t */
	char **learned; /* keys pass 1 met in module sections */
	size_t nlearned;
} cs_config;

/* Load path (NULL: built-in defaults only).  On error returns -1 and a
 * message "FILE:LINE: reason" in err. */
int cs_config_load(cs_config *c, const char *path, char *err, size_t errlen);
/* Checks values that libconfuse's types cannot (role, listen address...). */
int cs_config_validate(const cs_config *c, char *err, size_t errlen);
void cs_config_free(cs_config *c);
/* Replace a string setting (for command-line overrides). */
void cs_config_set(char **field, const char *value);

/* Pass 2 for one module: re-read the file with the module's declared
 * options typed (libconfuse reports a bad value with FILE:LINE) and check
 * that its section sets nothing else.  `others`/`other_names`: the option
 * tables and names of the other loaded modules.
 * NULL with err on error. */
typedef struct cs_modcfg cs_modcfg;
cs_modcfg *cs_config_module(const cs_config *c, const char *name, const cs_option *decl,
			    const cs_option *const *others, const char *const *other_names,
			    size_t nothers, char *err, size_t errlen);
void cs_modcfg_free(cs_modcfg *mc);
/* Check a module's declared option table (names, types, defaults); -1 with
 * why.  A bad table is a bug in the module: it cannot be loaded. */
int cs_options_check(const cs_option *decl, char *why, size_t n);
/* True if the module declared `name` with this type. */
bool cs_modcfg_has(const cs_modcfg *mc, const char *name, enum cs_opt_type type);
bool cs_modcfg_bool(const cs_modcfg *mc, const char *name);
int64_t cs_modcfg_int(const cs_modcfg *mc, const char *name);
double cs_modcfg_float(const cs_modcfg *mc, const char *name);
const char *cs_modcfg_str(const cs_modcfg *mc, const char *name);
size_t cs_modcfg_list_len(const cs_modcfg *mc, const char *name);
const char *cs_modcfg_list_at(const cs_modcfg *mc, const char *name, size_t i);

/* Parse "host:port" / "[v6]:port".  Returns -1 with err on bad syntax. */
int cs_listen_parse(const char *listen, char *host, size_t hostlen, int *port, char *err,
		    size_t errlen);
bool cs_addr_is_loopback(const char *host);

#endif
