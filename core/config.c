#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <confuse.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* libconfuse's flex lexer keeps its start condition (inside a string, a
 * comment) in globals that no parse resets: after one file that ends
 * inside a quote, the next parse in the process -- pass 2, a module's
 * list default -- is read as more of that quote, fails or aborts.  The
 * library exports flex's destructor, which returns the lexer to the state
 * of a fresh process; every parse goes through conf_parse*(), which calls
 * it however the parse ended. */
extern int cfg_yylex_destroy(void);

static int conf_parse(cfg_t *cfg, const char *path)
{
	int rc = cfg_parse(cfg, path);
	cfg_yylex_destroy();
	return rc;
}

static int conf_parse_buf(cfg_t *cfg, const char *buf)
{
	int rc = cfg_parse_buf(cfg, buf);
	cfg_yylex_destroy();
	return rc;
}

static char errbuf[1024];
/* Errors inside a section are reported on the section's cfg_t, which has
 * no position; the top-level one tracks the lexer's file and line. */
static cfg_t *parsing;

static void conf_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[768];
	int k = 0;
	/* Errors inside a module's section name the module. */
	if (cfg && cfg->name && !strcmp(cfg->name, "module") && cfg->title)
		k = snprintf(msg, sizeof(msg), "module \"%.64s\": ", cfg->title);
	vsnprintf(msg + k, sizeof(msg) - (size_t)k, fmt, ap);
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

/* Pass 1 knows only the host's keys of a module section; a module's own
 * options are validated in pass 2 (module_config.c) once its descriptor is
 * loaded.  Keys pass 1 meets in module sections are learned and parsed as
 * string lists, which accept any scalar or list value. */
#define MAX_LEARNED 256

static cfg_opt_t *top_opts(cfg_opt_t *module_opts)
{
	static const cfg_opt_t tmpl[] = {
		CFG_STR("role", "all", CFGF_NONE),
		CFG_STR("data-dir", "/var/lib/capstan", CFGF_NONE),
		CFG_STR("log-level", "info", CFGF_NONE),
		CFG_STR("module-path", CS_MODULE_DIR, CFGF_NONE),
		CFG_SEC("api", api_opts, CFGF_NONE),
		CFG_SEC("store", store_opts, CFGF_NONE),
		CFG_SEC("module", NULL, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_END(),
	};
	cfg_opt_t *t = malloc(sizeof(tmpl));
	if (!t)
		abort();
	memcpy(t, tmpl, sizeof(tmpl));
	for (cfg_opt_t *o = t; o->name; o++)
		if (!strcmp(o->name, "module"))
			o->subopts = module_opts;
	return t;
}

void cs_config_set(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
}

/* Module titles become file names: nothing but [a-z0-9-]+. */
static int title_validate(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *t = sec ? cfg_title(sec) : NULL;
	bool ok = t && *t && strlen(t) < 64;
	for (const char *c = t; ok && *c; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-';
	if (!ok) {
		cfg_error(cfg, "module \"%s\": a module name is [a-z0-9-]+ (at most 63)",
			  t ? t : "");
		return -1;
	}
	return 0;
}

/* "no such option 'K'" from pass 1: K is a module's own key (or a typo at
 * top level, which the retry then reports as the error it is). */
static bool unknown_key(char *key, size_t n)
{
	const char *p = strstr(errbuf, "no such option '");
	if (!p)
		return false;
	p += strlen("no such option '");
	const char *q = strchr(p, '\'');
	if (!q || q == p || (size_t)(q - p) >= n)
		return false;
	/* Only what the lexer could have read as a key: a quote in the
	 * middle of odd input must not become an option name. */
	for (const char *c = p; c < q; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	memcpy(key, p, (size_t)(q - p));
	key[q - p] = '\0';
	return true;
}

/* libconfuse accepts a file that ends inside a block comment: everything
 * after the opening is silently ignored.  Refuse such a file first. */
static int check_comments(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0; /* cfg_parse reports it */
	int c, line = 1, start = 0;
	enum { CODE, DQ, SQ, LINE, BLOCK } st = CODE;
	int prev = 0;
	while ((c = getc(f)) != EOF) {
		if (c == '\n')
			line++;
		switch (st) {
		case CODE:
			if (c == '"')
				st = DQ;
			else if (c == '\'')
				st = SQ;
			else if (c == '#' || (prev == '/' && c == '/'))
				st = LINE;
			else if (prev == '/' && c == '*') {
				st = BLOCK;
				start = line;
				c = 0; /* the star cannot also close it */
			}
			break;
		case DQ:
		case SQ:
			if (prev == '\\')
				c = 0; /* escaped: neither a quote nor an escape */
			else if ((st == DQ && c == '"') || (st == SQ && c == '\''))
				st = CODE;
			break;
		case LINE:
			if (c == '\n')
				st = CODE;
			break;
		case BLOCK:
			if (prev == '*' && c == '/') {
				st = CODE;
				c = 0;
			}
			break;
		}
		prev = c;
	}
	fclose(f);
	if (st == BLOCK) {
		snprintf(err, errlen, "%s:%d: block comment is never closed", path, start);
		return -1;
	}
	return 0;
}

int cs_config_load(cs_config *c, const char *path, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (path && check_comments(path, err, errlen) < 0)
		return -1;
	char *learned[MAX_LEARNED];
	size_t nlearned = 0;
	cfg_t *cfg = NULL;
	for (;;) {
		cfg_opt_t *mod = calloc(nlearned + 3, sizeof(*mod));
		if (!mod)
			abort();
		mod[0] = (cfg_opt_t)CFG_BOOL("enabled", cfg_true, CFGF_NONE);
		mod[1] = (cfg_opt_t)CFG_BOOL("required", cfg_false, CFGF_NONE);
		for (size_t i = 0; i < nlearned; i++)
			mod[2 + i] = (cfg_opt_t)CFG_STR_LIST(learned[i], NULL, CFGF_NONE);
		mod[2 + nlearned] = (cfg_opt_t)CFG_END();
		cfg_opt_t *top = top_opts(mod);
		cfg = cfg_init(top, CFGF_NONE);
		/* libconfuse copies the tables, not necessarily the names. */
		free(top);
		free(mod);
		if (!cfg) {
			snprintf(err, errlen, "cannot initialise the configuration parser");
			goto fail;
		}
		cfg_set_error_function(cfg, conf_error);
		cfg_set_validate_func(cfg, "module", title_validate);
		if (!path)
			break;
		errbuf[0] = '\0';
		parsing = cfg;
		int rc = conf_parse(cfg, path);
		parsing = NULL;
		if (rc == CFG_FILE_ERROR) {
			snprintf(err, errlen, "%s: cannot read configuration file: %m", path);
			goto fail;
		}
		if (rc == CFG_SUCCESS) {
			c->path = strdup(path);
			break;
		}
		char key[128];
		bool known = false;
		if (unknown_key(key, sizeof(key)))
			for (size_t i = 0; i < nlearned; i++)
				known |= !strcmp(learned[i], key);
		if (!unknown_key(key, sizeof(key)) || known || nlearned == MAX_LEARNED) {
			snprintf(err, errlen, "%s", errbuf[0] ? errbuf : "configuration error");
			goto fail;
		}
		learned[nlearned++] = strdup(key);
		cfg_free(cfg);
		cfg = NULL;
	}
	c->learned = malloc((nlearned ? nlearned : 1) * sizeof(char *));
	if (!c->learned)
		abort();
	memcpy(c->learned, learned, nlearned * sizeof(char *));
	c->nlearned = nlearned;
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
fail:
	for (size_t i = 0; i < nlearned; i++)
		free(learned[i]);
	if (cfg)
		cfg_free(cfg);
	return -1;
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
	for (size_t i = 0; i < c->nlearned; i++)
		free(c->learned[i]);
	free(c->learned);
	if (c->cfg)
		cfg_free(c->cfg);
	memset(c, 0, sizeof(*c));
}

/* ---- pass 2: one module's options ---- */

struct cs_modcfg {
	cfg_t *cfg;
	cfg_t *sec; /* the module's section, or NULL when it has none */
	cfg_opt_t *opts;
	const cs_option *decl;
	/* options validated by hand (a type conflict with another module) */
	size_t nhand;
	struct hand {
		const cs_option *o;
		char *text;
		int64_t i;
		double d;
		bool b;
	} * hand;
};

static const char *type_name(enum cs_opt_type t)
{
	switch (t) {
	case CS_OPT_BOOL: return "boolean";
	case CS_OPT_INT: return "integer";
	case CS_OPT_FLOAT: return "number";
	case CS_OPT_STRING: return "string";
	case CS_OPT_STRING_LIST: return "list of strings";
	default: return "?";
	}
}

static const cs_option *decl_find(const cs_option *d, const char *name)
{
	for (; d && d->name; d++)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/* Scalar text in a module option's type; false if it does not parse. */
static bool scalar_parse(enum cs_opt_type t, const char *s, int64_t *i, double *d, bool *b)
{
	char *end;
	errno = 0;
	switch (t) {
	case CS_OPT_BOOL: {
		int v = cfg_parse_boolean(s);
		if (v < 0)
			return false;
		*b = v;
		return true;
	}
	case CS_OPT_INT: *i = strtoll(s, &end, 0); return *s && !*end && !errno;
	case CS_OPT_FLOAT: *d = strtod(s, &end); return *s && !*end && !errno;
	default: return true;
	}
}

static struct hand *hand_find(const cs_modcfg *mc, const char *name);
static const char *g_validating; /* module name of the pass in progress */
static const cs_option *g_decl;

/* A key another module declares, set in this module's section: an error at
 * the key's own line (libconfuse calls an option's validator right after
 * its value; the section's cfg_t carries the lexer's line). */
static int foreign_key(cfg_t *sec, cfg_opt_t *opt)
{
	if (!g_validating || strcmp(cfg_title(sec), g_validating))
		return 0;
	cfg_error(sec, "module \"%s\" has no option \"%s\"", g_validating, cfg_opt_name(opt));
	return -1;
}

static const struct hand *g_hand;
static size_t g_nhand;

/* An option read as text because another module types it differently:
 * checked as soon as it is parsed, so the error has its line. */
static int hand_value(cfg_t *sec, cfg_opt_t *opt)
{
	if (!g_validating || strcmp(cfg_title(sec), g_validating))
		return 0;
	for (size_t i = 0; i < g_nhand; i++) {
		const cs_option *d = g_hand[i].o;
		if (strcmp(d->name, cfg_opt_name(opt)) || d->type == CS_OPT_STRING_LIST)
			continue;
		int64_t iv;
		double dv;
		bool bv;
		if (cfg_opt_size(opt) != 1) {
			cfg_error(sec, "module \"%s\": option \"%s\" takes one %s", g_validating,
				  d->name, type_name(d->type));
			return -1;
		}
		const char *v = cfg_opt_getnstr(opt, 0);
		if (!scalar_parse(d->type, v, &iv, &dv, &bv)) {
			cfg_error(sec, "module \"%s\": option \"%s\": \"%s\" is not a %s",
				  g_validating, d->name, v, type_name(d->type));
			return -1;
		}
	}
	return 0;
}

static void quiet_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	(void)cfg, (void)fmt, (void)ap;
}

/* libconfuse parses a list default only when it builds a section, and
 * aborts the process if it does not parse; a module's table is checked
 * here, the same way, before any section is built. */
static bool list_default_ok(const char *name, const char *def)
{
	cfg_opt_t opts[] = {CFG_STR_LIST((char *)name, NULL, CFGF_NONE), CFG_END()};
	cfg_t *t = cfg_init(opts, CFGF_NONE);
	if (!t)
		return false;
	cfg_set_error_function(t, quiet_error);
	size_t len = strlen(name) + strlen(def) + 8;
	char *buf = malloc(len);
	if (!buf)
		abort();
	snprintf(buf, len, "%s = %s", name, def);
	bool ok = conf_parse_buf(t, buf) == CFG_SUCCESS;
	free(buf);
	cfg_free(t);
	return ok;
}

int cs_options_check(const cs_option *decl, char *why, size_t n)
{
	for (const cs_option *d = decl; d && d->name; d++) {
		int64_t iv;
		double dv;
		bool bv;
		if (!*d->name ||
		    strspn(d->name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(d->name)) {
			snprintf(why, n, "option name \"%s\" is not [a-z0-9-]+", d->name);
			return -1;
		}
		if (!strcmp(d->name, "enabled") || !strcmp(d->name, "required")) {
			snprintf(why, n, "option \"%s\" is reserved for the host", d->name);
			return -1;
		}
		if (d->type < CS_OPT_BOOL || d->type > CS_OPT_STRING_LIST) {
			snprintf(why, n, "option \"%s\" has unknown type %d", d->name,
				 (int)d->type);
			return -1;
		}
		for (const cs_option *e = decl; e != d; e++)
			if (!strcmp(e->name, d->name)) {
				snprintf(why, n, "option \"%s\" is declared twice", d->name);
				return -1;
			}
		if (d->def && d->type != CS_OPT_STRING && d->type != CS_OPT_STRING_LIST &&
		    !scalar_parse(d->type, d->def, &iv, &dv, &bv)) {
			snprintf(why, n, "default \"%s\" of option \"%s\" is not %s %s", d->def,
				 d->name, d->type == CS_OPT_INT ? "an" : "a", type_name(d->type));
			return -1;
		}
		if (d->def && d->type == CS_OPT_STRING_LIST && !list_default_ok(d->name, d->def)) {
			snprintf(why, n,
				 "default '%s' of option \"%s\" is not a list of strings "
				 "({\"a\", \"b\"})",
				 d->def, d->name);
			return -1;
		}
	}
	return 0;
}

static int section_validate(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	if (!sec || strcmp(cfg_title(sec), g_validating))
		return 0;
	for (unsigned i = 0; i < cfg_num(sec); i++) {
		cfg_opt_t *o = cfg_getnopt(sec, i);
		const char *n = cfg_opt_name(o);
		if (!(o->flags & CFGF_MODIFIED) || !strcmp(n, "enabled") ||
		    !strcmp(n, "required") || decl_find(g_decl, n))
			continue;
		char known[512] = "";
		size_t k = 0;
		for (const cs_option *d = g_decl; d && d->name; d++)
			k += (size_t)snprintf(known + k, k < sizeof(known) ? sizeof(known) - k : 0,
					      "%s%s", k ? ", " : "", d->name);
		cfg_error(cfg, "module \"%s\" has no option \"%s\" (its options: %s)", g_validating,
			  n, k ? known : "none");
		return -1;
	}
	return 0;
}

cs_modcfg *cs_config_module(const cs_config *c, const char *name, const cs_option *decl,
			    const cs_option *const *others, const char *const *other_names,
			    size_t nothers, char *err, size_t errlen)
{
	const char *f = c->path ? c->path : "configuration";
	char why[512];
	if (cs_options_check(decl, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "module %s: %s (a bug in the module)", name, why);
		return NULL;
	}
	size_t n = 0;
	for (const cs_option *d = decl; d && d->name; d++)
		n++;
	cs_modcfg *mc = calloc(1, sizeof(*mc));
	cfg_opt_t *mod = calloc(n + c->nlearned + 3, sizeof(*mod));
	mc->hand = calloc(n + 1, sizeof(*mc->hand));
	if (!mc || !mod || !mc->hand)
		abort();
	mc->decl = decl;
	mc->opts = mod; /* freed with mc, also when a default does not parse */
	size_t k = 0;
	mod[k++] = (cfg_opt_t)CFG_BOOL("enabled", cfg_true, CFGF_NONE);
	mod[k++] = (cfg_opt_t)CFG_BOOL("required", cfg_false, CFGF_NONE);
	for (const cs_option *d = decl; d && d->name; d++) {
		int64_t iv = 0;
		double dv = 0;
		bool bv = false;
		const char *def = d->def;
		if (def && d->type != CS_OPT_STRING && d->type != CS_OPT_STRING_LIST)
			scalar_parse(d->type, def, &iv, &dv, &bv); /* checked above */
		/* Another module declares the same key with another type: its
		 * sections would not parse with ours, so read it as text. */
		bool conflict = false;
		for (size_t j = 0; j < nothers; j++) {
			const cs_option *o = decl_find(others[j], d->name);
			conflict |= o && o->type != d->type;
		}
		if (conflict) {
			mc->hand[mc->nhand++] = (struct hand){.o = d, .i = iv, .d = dv, .b = bv};
			mod[k++] = (cfg_opt_t)CFG_STR_LIST(d->name, NULL, CFGF_NONE);
			continue;
		}
		switch (d->type) {
		case CS_OPT_BOOL:
			mod[k++] =
				(cfg_opt_t)CFG_BOOL(d->name, bv ? cfg_true : cfg_false, CFGF_NONE);
			break;
		case CS_OPT_INT: mod[k++] = (cfg_opt_t)CFG_INT(d->name, iv, CFGF_NONE); break;
		case CS_OPT_FLOAT: mod[k++] = (cfg_opt_t)CFG_FLOAT(d->name, dv, CFGF_NONE); break;
		case CS_OPT_STRING:
			mod[k++] = (cfg_opt_t)CFG_STR(d->name, def ? def : "", CFGF_NONE);
			break;
		default: mod[k++] = (cfg_opt_t)CFG_STR_LIST(d->name, (char *)def, CFGF_NONE); break;
		}
	}
	/* Keys other loaded modules declare, and keys in sections of modules
	 * that are not loaded, parse here and are checked elsewhere (or not
	 * at all).  Any other key is left undeclared, so libconfuse reports it
	 * with its own line. */
	for (size_t i = 0; i < c->nlearned; i++) {
		const char *key = c->learned[i];
		bool keep = false;
		for (size_t j = 0; j < nothers && !keep; j++)
			keep = decl_find(others[j], key) != NULL;
		cfg_t *p1 = c->cfg;
		for (unsigned si = 0; !keep && si < cfg_size(p1, "module"); si++) {
			cfg_t *sec = cfg_getnsec(p1, "module", si);
			const char *title = cfg_title(sec);
			bool loaded = !strcmp(title, name);
			for (size_t j = 0; j < nothers && !loaded; j++)
				loaded = other_names && other_names[j] &&
					 !strcmp(other_names[j], title);
			cfg_opt_t *o = cfg_getopt(sec, key);
			keep = !loaded && o && (o->flags & CFGF_MODIFIED);
		}
		if (keep && !decl_find(decl, key))
			mod[k++] = (cfg_opt_t)CFG_STR_LIST(key, NULL, CFGF_NONE);
	}
	mod[k] = (cfg_opt_t)CFG_END();
	cfg_opt_t *top = top_opts(mod);
	mc->cfg = cfg_init(top, CFGF_NONE);
	free(top);
	mc->opts = mod;
	if (!mc->cfg) {
		snprintf(err, errlen, "cannot initialise the configuration parser");
		goto fail;
	}
	cfg_set_error_function(mc->cfg, conf_error);
	cfg_set_validate_func(mc->cfg, "module", section_validate);
	for (cfg_opt_t *o = mod + 2; o->name; o++) {
		char path[256];
		snprintf(path, sizeof(path), "module|%s", o->name);
		if (!decl_find(decl, o->name))
			cfg_set_validate_func(mc->cfg, path, foreign_key);
		else if (hand_find(mc, o->name))
			cfg_set_validate_func(mc->cfg, path, hand_value);
	}
	if (c->path) {
		errbuf[0] = '\0';
		parsing = mc->cfg;
		g_validating = name;
		g_decl = decl;
		g_hand = mc->hand;
		g_nhand = mc->nhand;
		int rc = conf_parse(mc->cfg, c->path);
		parsing = NULL;
		g_validating = NULL;
		if (rc != CFG_SUCCESS) {
			snprintf(err, errlen, "%s", errbuf[0] ? errbuf : "configuration error");
			goto fail;
		}
	}
	mc->sec = cfg_gettsec(mc->cfg, "module", name);
	if (!mc->sec) /* not configured (listing): a section of defaults */
		mc->sec = cfg_addtsec(mc->cfg, "module", name);
	if (!mc->sec) {
		snprintf(err, errlen, "module %s: cannot build its option defaults", name);
		goto fail;
	}
	for (size_t i = 0; i < mc->nhand; i++) {
		struct hand *h = &mc->hand[i];
		cfg_opt_t *o = mc->sec ? cfg_getopt(mc->sec, h->o->name) : NULL;
		if (!o || !(o->flags & CFGF_MODIFIED))
			continue;
		if (h->o->type == CS_OPT_STRING_LIST)
			continue;
		if (cfg_opt_size(o) != 1) {
			snprintf(err, errlen, "%s: module \"%s\": option \"%s\" takes one %s", f,
				 name, h->o->name, type_name(h->o->type));
			goto fail;
		}
		const char *v = cfg_opt_getnstr(o, 0);
		if (!scalar_parse(h->o->type, v, &h->i, &h->d, &h->b)) {
			snprintf(err, errlen,
				 "%s: module \"%s\": option \"%s\": \"%s\" is not a %s", f, name,
				 h->o->name, v, type_name(h->o->type));
			goto fail;
		}
		h->text = strdup(v);
	}
	return mc;
fail:
	cs_modcfg_free(mc);
	return NULL;
}

void cs_modcfg_free(cs_modcfg *mc)
{
	if (!mc)
		return;
	if (mc->cfg)
		cfg_free(mc->cfg);
	free(mc->opts);
	for (size_t i = 0; i < mc->nhand; i++)
		free(mc->hand[i].text);
	free(mc->hand);
	free(mc);
}

static struct hand *hand_find(const cs_modcfg *mc, const char *name)
{
	for (size_t i = 0; i < mc->nhand; i++)
		if (!strcmp(mc->hand[i].o->name, name))
			return &mc->hand[i];
	return NULL;
}

bool cs_modcfg_has(const cs_modcfg *mc, const char *name, enum cs_opt_type type)
{
	const cs_option *d = decl_find(mc->decl, name);
	return d && d->type == type;
}

bool cs_modcfg_bool(const cs_modcfg *mc, const char *name)
{
	struct hand *h = hand_find(mc, name);
	if (h)
		return h->b;
	return cfg_getbool(mc->sec, name);
}

int64_t cs_modcfg_int(const cs_modcfg *mc, const char *name)
{
	struct hand *h = hand_find(mc, name);
	if (h)
		return h->i;
	return cfg_getint(mc->sec, name);
}

double cs_modcfg_float(const cs_modcfg *mc, const char *name)
{
	struct hand *h = hand_find(mc, name);
	if (h)
		return h->d;
	return cfg_getfloat(mc->sec, name);
}

const char *cs_modcfg_str(const cs_modcfg *mc, const char *name)
{
	struct hand *h = hand_find(mc, name);
	if (h)
		return h->text ? h->text : (h->o->def ? h->o->def : "");
	const char *v = cfg_getstr(mc->sec, name);
	return v ? v : "";
}

size_t cs_modcfg_list_len(const cs_modcfg *mc, const char *name)
{
	return cfg_size(mc->sec, name);
}

const char *cs_modcfg_list_at(const cs_modcfg *mc, const char *name, size_t i)
{
	return i < cfg_size(mc->sec, name) ? cfg_getnstr(mc->sec, name, (unsigned)i) : NULL;
}
