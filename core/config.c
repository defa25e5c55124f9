#include "config.h"

#include <arpa/inet.h>
#include <confuse.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static char errbuf[1024];
/* Errors inside a section are reported on the section's cfg_t, which has
 * no position; the top-level one tracks the lexer's file and line. */
static cfg_t *parsing;

static void conf_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[768];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	const char *file = cfg && cfg->filename ? cfg->filename : NULL;
	int line = cfg ? cfg->line : 0;
	if (parsing) {
		if (!file)
			file = parsing->filename;
		if (!line)
			line = parsing->line;
	}
	if (file && line)
		snprintf(errbuf, sizeof(errbuf), "%s:%d: %s", file, line, msg);
	else if (file)
		snprintf(errbuf, sizeof(errbuf), "%s: %s", file, msg);
	else
		snprintf(errbuf, sizeof(errbuf), "%s", msg);
}

static cfg_opt_t api_opts[] = {
	CFG_STR("listen", "127.0.0.1:6443", CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t store_opts[] = {
	CFG_STR("backend", "leveldb", CFGF_NONE),
	CFG_BOOL("sync", cfg_true, CFGF_NONE),
	CFG_INT("watch-history", 10000, CFGF_NONE),
	CFG_END(),
};

/* Module options are declared by each module (validated when it loads);
 * until then only the host's own keys are known. */
static cfg_opt_t module_opts[] = {
	CFG_BOOL("enabled", cfg_true, CFGF_NONE),
	CFG_BOOL("required", cfg_false, CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t top_opts[] = {
	CFG_STR("role", "all", CFGF_NONE),
	CFG_STR("data-dir", "/var/lib/capstan", CFGF_NONE),
	CFG_STR("log-level", "info", CFGF_NONE),
	CFG_STR("module-path", CS_MODULE_DIR, CFGF_NONE),
	CFG_SEC("api", api_opts, CFGF_NONE),
	CFG_SEC("store", store_opts, CFGF_NONE),
	CFG_SEC("module", module_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END(),
};

void cs_config_set(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
}

int cs_config_load(cs_config *c, const char *path, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	cfg_t *cfg = cfg_init(top_opts, CFGF_NONE);
	if (!cfg) {
		snprintf(err, errlen, "cannot initialise the configuration parser");
		return -1;
	}
	cfg_set_error_function(cfg, conf_error);
	if (path) {
		errbuf[0] = '\0';
		parsing = cfg;
		int rc = cfg_parse(cfg, path);
		parsing = NULL;
		if (rc == CFG_FILE_ERROR) {
			snprintf(err, errlen, "%s: cannot read configuration file: %m", path);
			cfg_free(cfg);
			return -1;
		}
		if (rc != CFG_SUCCESS) {
			snprintf(err, errlen, "%s", errbuf[0] ? errbuf : "configuration error");
			cfg_free(cfg);
			return -1;
		}
		c->path = strdup(path);
	}
	c->cfg = cfg;
	c->role = strdup(cfg_getstr(cfg, "role"));
	c->data_dir = strdup(cfg_getstr(cfg, "data-dir"));
	c->log_level = strdup(cfg_getstr(cfg, "log-level"));
	c->module_path = strdup(cfg_getstr(cfg, "module-path"));
	cfg_t *api = cfg_getsec(cfg, "api");
	c->listen = strdup(cfg_getstr(api, "listen"));
	cfg_t *st = cfg_getsec(cfg, "store");
	c->store_backend = strdup(cfg_getstr(st, "backend"));
	c->store_sync = cfg_getbool(st, "sync");
	c->watch_history = cfg_getint(st, "watch-history");
	c->nmodules = cfg_size(cfg, "module");
	c->modules = calloc(c->nmodules ? c->nmodules : 1, sizeof(*c->modules));
	for (size_t i = 0; i < c->nmodules; i++) {
		cfg_t *m = cfg_getnsec(cfg, "module", (unsigned)i);
		c->modules[i].name = strdup(cfg_title(m));
		c->modules[i].enabled = cfg_getbool(m, "enabled");
		c->modules[i].required = cfg_getbool(m, "required");
	}
	return 0;
}

bool cs_addr_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (!strcmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

int cs_listen_parse(const char *listen, char *host, size_t hostlen, int *port, char *err,
		    size_t errlen)
{
	const char *colon;
	if (listen[0] == '[') {
		const char *rb = strchr(listen, ']');
		if (!rb || rb[1] != ':') {
			snprintf(err, errlen, "listen address \"%s\": expected [IPv6]:PORT",
				 listen);
			return -1;
		}
		snprintf(host, hostlen, "%.*s", (int)(rb - listen - 1), listen + 1);
		colon = rb + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon) {
			snprintf(err, errlen, "listen address \"%s\": expected HOST:PORT", listen);
			return -1;
		}
		snprintf(host, hostlen, "%.*s", (int)(colon - listen), listen);
	}
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (*end || p < 0 || p > 65535 || end == colon + 1) {
		snprintf(err, errlen, "listen address \"%s\": port must be 0-65535", listen);
		return -1;
	}
	*port = (int)p;
	return 0;
}

int cs_config_validate(const cs_config *c, char *err, size_t errlen)
{
	const char *f = c->path ? c->path : "configuration";
	if (strcmp(c->role, "server") && strcmp(c->role, "agent") && strcmp(c->role, "all")) {
		snprintf(err, errlen, "%s: role \"%s\" is not one of server, agent, all", f,
			 c->role);
		return -1;
	}
	if (strcmp(c->store_backend, "leveldb")) {
		snprintf(err, errlen,
			 "%s: store backend \"%s\" is not supported (supported: leveldb)", f,
			 c->store_backend);
		return -1;
	}
	if (c->watch_history < 100 || c->watch_history > 10000000) {
		snprintf(err, errlen, "%s: store watch-history %ld out of range 100-10000000", f,
			 c->watch_history);
		return -1;
	}
	if (cs_log_parse_level(c->log_level) < 0) {
		snprintf(err, errlen, "%s: log-level \"%s\" is not one of error, warn, info, debug",
			 f, c->log_level);
		return -1;
	}
	char host[256], e[256];
	int port;
	if (cs_listen_parse(c->listen, host, sizeof(host), &port, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: %s", f, e);
		return -1;
	}
	if (!cs_addr_is_loopback(host)) {
		snprintf(
			err, errlen,
			"%s: refusing to listen on %s: the API has no TLS or authentication yet, "
			"so it may only listen on a loopback address (127.0.0.0/8, ::1, localhost)",
			f, c->listen);
		return -1;
	}
	return 0;
}

void cs_config_free(cs_config *c)
{
	free(c->path);
	free(c->role);
	free(c->data_dir);
	free(c->listen);
	free(c->store_backend);
	free(c->log_level);
	free(c->module_path);
	for (size_t i = 0; i < c->nmodules; i++)
		free(c->modules[i].name);
	free(c->modules);
	if (c->cfg)
		cfg_free(c->cfg);
	memset(c, 0, sizeof(*c));
}
