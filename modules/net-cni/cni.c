/* net-cni: a network driver that runs standard CNI plugin binaries
 * (containernetworking-plugins: bridge, host-local, loopback, ...) the way
 * libcni does: each plugin of the network configuration list in turn, ADD
 * in order with each result passed to the next as prevResult, DEL in
 * reverse and CHECK in order with the cached ADD result as prevResult. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni.h"

extern char **environ;

/* One invocation: everything a verb needs to run the list. */
typedef struct call {
	cni *c;
	const char *cmd; /* ADD, DEL, CHECK */
	const cs_net_attachment *a;
	const char *ifname;
	const cs_object *list;
	const char *network;
	const char *version;
	char cache[PATH_MAX];
} call;

static bool has_runtime_config(const cs_net_attachment *a)
{
	return a->size >= offsetof(cs_net_attachment, runtime_config) + sizeof(a->runtime_config) &&
	       a->runtime_config;
}

/* A key of a capability map inside an object path: '.', '[' and '\\'
 * are escaped ("io.kubernetes.cri.pod-annotations" has dots). */
static char *path_key(const char *k)
{
	char *p = malloc(2 * strlen(k) + 1), *q = p;
	if (!p)
		return NULL;
	for (; *k; k++) {
		if (*k == '.' || *k == '[' || *k == '\\')
			*q++ = '\\';
		*q++ = *k;
	}
	*q = '\0';
	return p;
}

/* Append "key=value" (or a whole "k=v" entry when value is NULL). */
static int push_env(char ***env, size_t *n, const char *key, const char *value)
{
	char **e = realloc(*env, (*n + 2) * sizeof(**env));
	if (!e)
		return -1;
	*env = e;
	if (value ? asprintf(&e[*n], "%s=%s", key, value) < 0 : !(e[*n] = strdup(key))) {
		e[*n] = NULL; /* free_env stops here */
		return -1;
	}
	e[++*n] = NULL;
	return 0;
}

static void free_env(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* The daemon's environment (plugins such as firewall need PATH) without
 * any CNI_ variable of its own, plus the attachment's. */
static char **build_env(const call *k)
{
	const cs_net_attachment *a = k->a;
	char **env = NULL;
	size_t n = 0;
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "CNI_", 4) && push_env(&env, &n, *e, NULL))
			goto fail;
	/* IgnoreUnknown=1: plugins parse CNI_ARGS strictly otherwise and
	 * refuse the K8S_ keys they do not use. */
	char args[1024];
	int len = snprintf(args, sizeof(args),
			   "IgnoreUnknown=1;K8S_POD_NAMESPACE=%s;K8S_POD_NAME=%s;"
			   "K8S_POD_INFRA_CONTAINER_ID=%s;K8S_POD_UID=%s",
			   a->pod_namespace ? a->pod_namespace : "", a->pod_name ? a->pod_name : "",
			   a->container_id, a->pod_uid ? a->pod_uid : "");
	if (len < 0 || (size_t)len >= sizeof(args))
		goto fail;
	if (push_env(&env, &n, "CNI_COMMAND", k->cmd) ||
	    push_env(&env, &n, "CNI_CONTAINERID", a->container_id) ||
	    push_env(&env, &n, "CNI_NETNS", a->netns ? a->netns : "") ||
	    push_env(&env, &n, "CNI_IFNAME", k->ifname) || push_env(&env, &n, "CNI_ARGS", args) ||
	    push_env(&env, &n, "CNI_PATH", k->c->bin_dir))
		goto fail;
	return env;
fail:
	free_env(env);
	return NULL;
}

/* The plugin's binary in one of the ':'-separated bin-dir entries. */
static char *find_plugin(const cni *c, const char *type)
{
	const char *d = c->bin_dir;
	while (*d) {
		size_t n = strcspn(d, ":");
		char *p;
		if (n && asprintf(&p, "%.*s/%s", (int)n, d, type) >= 0) {
			if (!access(p, X_OK))
				return p;
			free(p);
		}
		d += n + (d[n] == ':');
	}
	return NULL;
}

/* CNI's well-known error codes as API codes. */
static int map_code(int64_t cni_code)
{
	switch (cni_code) {
	case 3: return CS_NOT_FOUND;    /* container unknown */
	case 1:                         /* incompatible version */
	case 2:                         /* unsupported field */
	case 4:                         /* invalid environment */
	case 6:                         /* cannot decode */
	case 7: return CS_INVALID;      /* invalid network config */
	case 11: return CS_UNAVAILABLE; /* try again later */
	default: return 500;
	}
}

/* First line of a plugin's stderr, for errors without a JSON body. */
static const char *first_line(char *s, size_t max)
{
	if (!s)
		return "";
	size_t n = strcspn(s, "\n");
	s[n < max ? n : max] = '\0';
	return s;
}

static cs_object *runtime_config(const call *k, const cs_object *pconf)
{
	const cs_host *h = k->c->h;
	const cs_object *caps = h->obj_get(pconf, "capabilities");
	if (!caps || !has_runtime_config(k->a))
		return NULL;
	/* Only what the plugin declared it understands, as the spec says. */
	cs_object *rc = NULL;
	for (size_t j = 0; j < h->obj_len(caps); j++) {
		char *key = path_key(h->obj_key_at(caps, j));
		const cs_object *v = key ? h->obj_get(k->a->runtime_config, key) : NULL;
		if (v && h->obj_bool(h->obj_at(caps, j), NULL, false)) {
			if (!rc)
				rc = h->obj_new(CS_OBJ_MAP);
			h->obj_set(rc, key, h->obj_clone(v));
		}
		free(key);
	}
	return rc;
}

static int plugin_failed(const call *k, const char *type, cni_run *r, cs_error *err)
{
	const cs_host *h = k->c->h;
	cs_error e = {0};
	cs_object *o = r->out_len ? h->obj_parse(r->out, r->out_len, &e) : NULL;
	const char *msg = o ? h->obj_str(o, "msg") : NULL;
	const char *details = o ? h->obj_str(o, "details") : NULL;
	int rc;
	if (msg) {
		int64_t code = h->obj_int(o, "code", 0);
		rc = h->errorf(err, map_code(code), "CNIError",
			       "network %s: %s of container %s: plugin %s failed: %s%s%s (CNI "
			       "error %lld)",
			       k->network, k->cmd, k->a->container_id, type, msg,
			       details && *details ? ": " : "", details ? details : "",
			       (long long)code);
	} else {
		/* No CNI error object: say how it ended and what it printed. */
		char how[64];
		if (WIFEXITED(r->status))
			snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(r->status));
		else
			snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(r->status));
		rc = h->errorf(err, 500, "CNIError",
			       "network %s: %s of container %s: plugin %s %s: %s", k->network,
			       k->cmd, k->a->container_id, type, how,
			       r->errout ? first_line(r->errout, 200) : first_line(r->out, 200));
	}
	h->obj_free(o);
	return rc;
}

/* Run plugin pconf with prev as prevResult; *result (ADD) gets its output. */
static int run_plugin(const call *k, char **envp, const cs_object *pconf, const cs_object *prev,
		      cs_object **result, cs_error *err)
{
	const cs_host *h = k->c->h;
	const char *type = h->obj_str(pconf, "type");
	char *path = find_plugin(k->c, type);
	if (!path)
		return h->errorf(err, 500, "PluginNotFound",
				 "network %s: %s of container %s: plugin %s not found in %s "
				 "(bin-dir; install containernetworking-plugins?)",
				 k->network, k->cmd, k->a->container_id, type, k->c->bin_dir);
	cs_object *conf = h->obj_clone(pconf);
	h->obj_set_str(conf, "name", k->network);
	h->obj_set_str(conf, "cniVersion", k->version);
	if (prev)
		h->obj_set(conf, "prevResult", h->obj_clone(prev));
	cs_object *rtc = runtime_config(k, pconf);
	if (rtc)
		h->obj_set(conf, "runtimeConfig", rtc);
	size_t len = 0;
	char *text = h->obj_json(conf, &len);
	h->obj_free(conf);
	cni_run r = {.path = path,
		     .envp = envp,
		     .input = text,
		     .input_len = len,
		     .timeout_s = k->c->timeout_s};
	int rc = text ? cni_exec(&r) : -1;
	int saved = text ? errno : ENOMEM;
	h->free(text);
	if (rc < 0)
		rc = h->errorf(err, 500, "CNIError",
			       "network %s: %s of container %s: cannot run %s: %s", k->network,
			       k->cmd, k->a->container_id, path, strerror(saved));
	else if (r.timed_out)
		rc = h->errorf(err, 504, "Timeout",
			       "network %s: %s of container %s: plugin %s did not finish within "
			       "%llds and was killed (timeout-seconds)",
			       k->network, k->cmd, k->a->container_id, type,
			       (long long)k->c->timeout_s);
	else if (!WIFEXITED(r.status) || WEXITSTATUS(r.status))
		rc = plugin_failed(k, type, &r, err);
	else if (result) {
		cs_error e = {0};
		cs_object *o = r.out_len ? h->obj_parse(r.out, r.out_len, &e) : NULL;
		if (!o || h->obj_type(o) != CS_OBJ_MAP) {
			h->obj_free(o);
			rc = h->errorf(err, 500, "CNIError",
				       "network %s: %s of container %s: plugin %s returned no "
				       "result object%s%s",
				       k->network, k->cmd, k->a->container_id, type,
				       r.out_len ? ": " : "", r.out_len ? e.message : "");
		} else
			*result = o;
	}
	cni_run_free(&r);
	free(path);
	return rc;
}

/* The whole list for cmd: ADD and CHECK in order, DEL in reverse.  For
 * ADD each result feeds the next plugin and the last one is the result.
 * The first failure ends the run, except with keep_going (undoing a failed
 * ADD: every plugin gets its DEL, the first error is reported). */
static int run_list(call *k, const char *cmd, const cs_object *prev, bool keep_going,
		    cs_object **result, cs_error *err)
{
	const cs_host *h = k->c->h;
	k->cmd = cmd;
	char **envp = build_env(k);
	if (!envp)
		return h->errorf(err, CS_INVALID, "Invalid",
				 "network %s: %s of container %s: cannot build the plugin "
				 "environment (out of memory or CNI_ARGS too long)",
				 k->network, cmd, k->a->container_id);
	const cs_object *plugins = h->obj_get(k->list, "plugins");
	size_t n = h->obj_len(plugins);
	bool add = !strcmp(cmd, "ADD");
	cs_object *cur = NULL;
	int rc = 0;
	for (size_t j = 0; j < n && (!rc || keep_going); j++) {
		size_t i = strcmp(cmd, "DEL") ? j : n - 1 - j;
		cs_object *res = NULL;
		cs_error e2;
		int r = run_plugin(k, envp, h->obj_at(plugins, i), add ? cur : prev,
				   add ? &res : NULL, rc ? &e2 : err);
		if (add && !r) {
			h->obj_free(cur);
			cur = res;
		}
		if (r && !rc)
			rc = -1;
	}
	free_env(envp);
	if (rc)
		h->obj_free(cur);
	else if (result)
		*result = cur;
	return rc;
}

static int begin(cs_mod *m, const char *cmd, const cs_net_attachment *a, const cs_object *netconf,
		 call *k, cs_error *err)
{
	const cs_host *h = m->host;
	memset(k, 0, sizeof(*k));
	k->c = cni_of(m);
	k->a = a;
	k->cmd = cmd;
	if (!a || a->size < offsetof(cs_net_attachment, pod_uid) + sizeof(a->pod_uid))
		return h->errorf(err, CS_INVALID, "Invalid", "CNI %s: no attachment (or too old)",
				 cmd);
	k->ifname = a->ifname && *a->ifname ? a->ifname : "eth0";
	if (!a->container_id || !*a->container_id || strchr(a->container_id, '/') ||
	    strchr(k->ifname, '/') || a->container_id[0] == '.')
		return h->errorf(err, CS_INVALID, "Invalid",
				 "CNI %s: container id \"%s\" / ifname \"%s\" must be non-empty "
				 "and contain no '/'",
				 cmd, a->container_id ? a->container_id : "", k->ifname);
	/* CNI_ARGS is "K=V;K=V": a value with ';' or '=' would forge keys. */
	const char *args[] = {a->pod_namespace, a->pod_name, a->pod_uid, a->container_id};
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		if (args[i] && args[i][strcspn(args[i], ";=")])
			return h->errorf(err, CS_INVALID, "Invalid",
					 "CNI %s: \"%s\" cannot go into CNI_ARGS (';' or '=')", cmd,
					 args[i]);
	if (strcmp(cmd, "DEL") && (!a->netns || !*a->netns))
		return h->errorf(err, CS_INVALID, "Invalid",
				 "CNI %s of container %s: the network namespace path is required",
				 cmd, a->container_id);
	cs_object *list;
	if (cni_conf_load(k->c, netconf, &list, err))
		return -1;
	k->list = list;
	k->network = h->obj_str(list, "name");
	k->version = h->obj_str(list, "cniVersion");
	if (cni_cache_path(k->c, k->network, a->container_id, k->ifname, k->cache,
			   sizeof(k->cache))) {
		h->obj_free(list);
		return h->errorf(err, CS_INVALID, "Invalid",
				 "CNI %s of container %s: cache path too long", cmd,
				 a->container_id);
	}
	return 0;
}

static int cni_add(cs_mod *m, const cs_net_attachment *a, const cs_object *netconf,
		   cs_object **result, cs_error *err)
{
	const cs_host *h = m->host;
	call k;
	*result = NULL;
	if (begin(m, "ADD", a, netconf, &k, err))
		return -1;
	cs_object *cached = NULL;
	int rc = cni_cache_get(k.c, k.cache, &cached, err);
	if (!rc && cached)
		rc = h->errorf(err, CS_CONFLICT, "AlreadyExists",
			       "network %s: container %s is already attached as %s (result cached "
			       "in %s); DEL it first",
			       k.network, a->container_id, k.ifname, k.cache);
	h->obj_free(cached);
	cs_object *res = NULL;
	bool undo = false;
	if (!rc) {
		rc = run_list(&k, "ADD", NULL, false, &res, err);
		undo = true;
	}
	if (!rc && cni_cache_put(k.c, k.cache, k.network, a->container_id, k.ifname, res, err))
		rc = -1;
	if (rc && undo) {
		/* What the failed ADD set up is taken down again, so "ADD
		 * failed" leaves no half attachment (and no leaked address)
		 * behind; plugins tolerate DEL of what is not there. */
		cs_error e2;
		if (run_list(&k, "DEL", NULL, true, NULL, &e2))
			h->log(m, CS_LOG_WARN, "undoing the failed ADD of %s: %s", a->container_id,
			       e2.message);
		h->obj_free(res);
		res = NULL;
	}
	h->obj_free(k.list);
	*result = res;
	return rc ? -1 : 0;
}

static int cni_del(cs_mod *m, const cs_net_attachment *a, const cs_object *netconf,
		   const cs_object *prev_result, cs_error *err)
{
	const cs_host *h = m->host;
	call k;
	if (begin(m, "DEL", a, netconf, &k, err))
		return -1;
	cs_object *cached = NULL;
	cs_error e2;
	/* A corrupt cache must not make the attachment impossible to remove:
	 * DEL goes on without prevResult, as after a lost cache. */
	if (!prev_result && cni_cache_get(k.c, k.cache, &cached, &e2))
		h->log(m, CS_LOG_WARN, "DEL of %s without prevResult: %s", a->container_id,
		       e2.message);
	const cs_object *prev = prev_result ? prev_result : cached;
	int rc = 0;
	/* prevResult on DEL exists since CNI 0.4.0. */
	if (!cni_version_at_least(k.version, 0, 4))
		prev = NULL;
	if (!rc)
		rc = run_list(&k, "DEL", prev, false, NULL, err);
	if (!rc)
		rc = cni_cache_del(k.c, k.cache, err);
	h->obj_free(cached);
	h->obj_free(k.list);
	return rc ? -1 : 0;
}

static int cni_check(cs_mod *m, const cs_net_attachment *a, const cs_object *netconf,
		     const cs_object *prev_result, cs_error *err)
{
	const cs_host *h = m->host;
	call k;
	if (begin(m, "CHECK", a, netconf, &k, err))
		return -1;
	cs_object *cached = NULL;
	int rc = 0;
	if (!cni_version_at_least(k.version, 0, 4))
		rc = h->errorf(err, CS_INVALID, "Invalid",
			       "network %s: CHECK needs cniVersion 0.4.0 or later (it has %s)",
			       k.network, k.version);
	else if (h->obj_bool(k.list, "disableCheck", false))
		rc = 0;
	else if (!prev_result && !(rc = cni_cache_get(k.c, k.cache, &cached, err)) && !cached)
		rc = h->errorf(err, CS_NOT_FOUND, "NotFound",
			       "network %s: CHECK of container %s (%s): no ADD result known (not "
			       "attached?)",
			       k.network, a->container_id, k.ifname);
	else if (!rc)
		rc = run_list(&k, "CHECK", prev_result ? prev_result : cached, false, NULL, err);
	h->obj_free(cached);
	h->obj_free(k.list);
	return rc ? -1 : 0;
}

static int mkdirs(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			int rc = mkdir(path, mode);
			*p = '/';
			if (rc < 0 && errno != EEXIST)
				return -1;
		}
	return mkdir(path, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static void cni_fini(cs_mod *m)
{
	cni *c = cni_of(m);
	if (!c)
		return;
	free(c->bin_dir);
	free(c->conf_dir);
	free(c->network);
	free(c->cache_dir);
	free(c);
	m->host->set_data(m, NULL);
}

static int cni_init(cs_mod *m)
{
	const cs_host *h = m->host;
	int64_t timeout = h->opt_int(m, "timeout-seconds");
	if (timeout < 1 || timeout > 3600) {
		h->log(m, CS_LOG_ERROR, "option timeout-seconds = %lld: must be 1..3600",
		       (long long)timeout);
		return -1;
	}
	const char *cache = h->opt_str(m, "cache-dir");
	const char *state = *cache ? NULL : h->state_dir(m);
	if (!*cache && !state) {
		h->log(m, CS_LOG_ERROR, "no cache-dir and no state directory for CNI results");
		return -1;
	}
	cni *c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	h->set_data(m, c);
	c->m = m;
	c->h = h;
	c->timeout_s = timeout;
	if (!(c->bin_dir = strdup(h->opt_str(m, "bin-dir"))) ||
	    !(c->conf_dir = strdup(h->opt_str(m, "conf-dir"))) ||
	    !(c->network = strdup(h->opt_str(m, "network"))))
		goto nomem;
	if (*cache)
		c->cache_dir = strdup(cache);
	else if (asprintf(&c->cache_dir, "%s/cache", state) < 0)
		c->cache_dir = NULL;
	if (!c->cache_dir)
		goto nomem;
	char results[PATH_MAX];
	if (snprintf(results, sizeof(results), "%s/results", c->cache_dir) >=
		    (int)sizeof(results) ||
	    mkdirs(results, 0700) < 0) {
		h->log(m, CS_LOG_ERROR, "cannot create the CNI result cache %s: %s", results,
		       strerror(errno));
		cni_fini(m);
		return -1;
	}
	/* Not fatal: the plugins may be installed later; every verb says
	 * which plugin it could not find. */
	char *dir = find_plugin(c, "."); /* "<dir>/." is searchable iff dir exists */
	if (!dir)
		h->log(m, CS_LOG_WARN, "bin-dir \"%s\" names no existing directory", c->bin_dir);
	free(dir);
	h->log(m, CS_LOG_INFO, "CNI plugins from %s, networks from %s%s%s, results in %s",
	       c->bin_dir, *c->network ? "network " : "", *c->network ? c->network : "",
	       *c->network ? "" : c->conf_dir, c->cache_dir);
	return 0;
nomem:
	h->log(m, CS_LOG_ERROR, "out of memory");
	cni_fini(m);
	return -1;
}

static const cs_network_ops ops = {
	.size = sizeof(cs_network_ops),
	.cni_version = "1.0.0",
	.add = cni_add,
	.del = cni_del,
	.check = cni_check,
};

static const cs_option options[] = {
	{"bin-dir", CS_OPT_STRING, "/usr/lib/cni",
	 "where the CNI plugin binaries are (':'-separated, like CNI_PATH)"},
	{"conf-dir", CS_OPT_STRING, "/etc/cni/net.d",
	 "network configurations (*.conflist, *.conf, *.json); the first one is the default"},
	{"network", CS_OPT_STRING, "", "use the network of this name from conf-dir, not the first"},
	{"cache-dir", CS_OPT_STRING, "", "where ADD results are kept (default: <state-dir>/cache)"},
	{"timeout-seconds", CS_OPT_INT, "30", "kill a plugin that runs longer than this"},
	{NULL, CS_OPT_END, NULL, NULL},
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "net-cni",
	.version = "0.1.0",
	.description = "network driver running standard CNI plugins (bridge, host-local, ...)",
	.kind = CS_KIND_NETWORK,
	.options = options,
	.init = cni_init,
	.fini = cni_fini,
	.ops = &ops,
};
