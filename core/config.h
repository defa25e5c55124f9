/* capstan.conf (libconfuse) and command-line overrides. */
#ifndef CS_CONFIG_H
#define CS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

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
	void *cfg; /* the parsed cfg_t, kept for module options */
} cs_config;

/* Load path (NULL: built-in defaults only).  On error returns -1 and a
 * message "FILE:LINE: reason" in err. */
int cs_config_load(cs_config *c, const char *path, char *err, size_t errlen);
/* Checks values that libconfuse's types cannot (role, listen address...). */
int cs_config_validate(const cs_config *c, char *err, size_t errlen);
void cs_config_free(cs_config *c);
/* Replace a string setting (for command-line overrides). */
void cs_config_set(char **field, const char *value);

/* Parse "host:port" / "[v6]:port".  Returns -1 with err on bad syntax. */
int cs_listen_parse(const char *listen, char *host, size_t hostlen, int *port, char *err,
		    size_t errlen);
bool cs_addr_is_loopback(const char *host);

#endif
