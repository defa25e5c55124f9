/* The module loader: finds module files, decides whether to trust them,
 * checks their descriptors against the ABI, validates their options and
 * runs their lifecycle.  See sdk/include/capstan/module.h for the contract
 * and core/module.h for the host's own lifecycle. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <capstan/admission.h>
#include <capstan/controller.h>

#include "json.h"
#include "log.h"
#include "modadmit.h"
#include "modhost.h"
#include "modobj.h"
#include "util.h"

typedef struct modent {
	struct modent *next;
	char name[64];
	char file[PATH_MAX];
	bool configured, enabled, required;
	enum cs_modstate state;
	char error[768];
	void *dl;
	const cs_module *desc;
	cs_modcfg *opts;
	char *optsig; /* the option values, to notice changes on reload */
	cs_modinst *inst;
	bool reported; /* failure Event sent */
	bool started;  /* its start succeeded: stop is due */
} modent;

struct cs_modhost {
	cs_modenv env;
	char module_path[4096];
	pthread_mutex_t mu; /* the list and states (read by other threads) */
	modent *ents;
	bool started;
	bool start_done; /* cs_modhost_start returned (mu): /readyz waits */
	/* Files opened only to be listed: kept open so their descriptors
	 * (options) stay readable until the host is freed. */
	void **listed;
	size_t nlisted;
	cs_modadmit *admit; /* the started admission modules */
};

const char *cs_modstate_name(enum cs_modstate s)
{
	static const char *n[] = {"disabled", "available", "loaded",
				  "running",  "failed",    "stopped"};
	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *cs_modkind_name(unsigned kind)
{
	static const char *n[] = {"?",       "scheduler", "controller", "runtime",
				  "network", "storage",   "admission"};
	return kind < sizeof(n) / sizeof(n[0]) ? n[kind] : "?";
}

static void fail(modent *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(modent *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->error, sizeof(e->error), fmt, ap);
	va_end(ap);
	e->state = CS_MOD_FAILED;
}

/* ---- finding and trusting files ---- */

static bool find_file(const char *path, const char *name, char *out, size_t n)
{
	const char *p = path;
	while (*p) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		if (len && (size_t)snprintf(out, n, "%.*s/%s.so", (int)len, p, name) < n &&
		    access(out, F_OK) == 0)
			return true;
		p += len + (colon ? 1 : 0);
	}
	return false;
}

/* A module runs with the daemon's privileges: only a file that root (or,
 * for development, the user running capstand) could have written. */
static int trust(const cs_modhost *h, modent *e)
{
	struct stat st;
	if (stat(e->file, &st) < 0) {
		fail(e, "module %s: cannot stat %s: %s", e->name, e->file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(e, "module %s: %s is not a regular file", e->name, e->file);
		return -1;
	}
	bool own = h->env.dev_trust && st.st_uid == geteuid();
	if (st.st_uid != 0 && !own) {
		fail(e,
		     "module %s: refusing %s: owned by uid %u, not root (module files must be "
		     "root-owned; --dev-modules trusts files of the user running capstand)",
		     e->name, e->file, (unsigned)st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		fail(e, "module %s: refusing %s: writable by %s (mode %04o)", e->name, e->file,
		     st.st_mode & S_IWOTH ? "others" : "its group", (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

static size_t ops_min_size(unsigned kind)
{
	switch (kind) {
	case CS_KIND_CONTROLLER: return offsetof(cs_controller_ops, reconcile) + sizeof(void *);
	case CS_KIND_ADMISSION: return offsetof(cs_admission_ops, validate) + sizeof(void *);
	default: return sizeof(size_t);
	}
}

/* dlopen the module and check its descriptor. */
static int open_module(cs_modhost *h, modent *e)
{
	if (!find_file(h->module_path, e->name, e->file, sizeof(e->file))) {
		fail(e, "module %s: no file %s.so in the module path %s", e->name, e->name,
		     h->module_path);
		return -1;
	}
	if (trust(h, e) < 0)
		return -1;
	dlerror();
	void *dl = dlopen(e->file, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		fail(e, "module %s: cannot load %s: %s", e->name, e->file, dlerror());
		return -1;
	}
	const cs_module *d = dlsym(dl, "capstan_module");
	if (!d) {
		fail(e,
		     "module %s: %s does not export the symbol capstan_module (not a capstan "
		     "module)",
		     e->name, e->file);
		goto bad;
	}
	if (d->magic != CS_MODULE_MAGIC) {
		fail(e,
		     "module %s: %s: capstan_module is not a module descriptor (bad magic 0x%08x)",
		     e->name, e->file, d->magic);
		goto bad;
	}
	if (d->abi_major != CS_ABI_MAJOR) {
		fail(e,
		     "module %s: %s was built for module ABI %u.%u; this capstand provides ABI "
		     "%u.%u (rebuild the module against this capstand's SDK)",
		     e->name, e->file, d->abi_major, d->abi_minor, CS_ABI_MAJOR, CS_ABI_MINOR);
		goto bad;
	}
	if (d->abi_minor > CS_ABI_MINOR) {
		fail(e,
		     "module %s: %s needs module ABI %u.%u, whose host entries this capstand "
		     "lacks; "
		     "it provides ABI %u.%u (upgrade capstand)",
		     e->name, e->file, d->abi_major, d->abi_minor, CS_ABI_MAJOR, CS_ABI_MINOR);
		goto bad;
	}
	if (d->size < offsetof(cs_module, ops) + sizeof(d->ops)) {
		fail(e, "module %s: %s: descriptor too small (%zu bytes)", e->name, e->file,
		     d->size);
		goto bad;
	}
	if (!d->name || strcmp(d->name, e->name)) {
		fail(e,
		     "module %s: %s calls itself \"%s\": a module's name must equal its file name",
		     e->name, e->file, d->name ? d->name : "(null)");
		goto bad;
	}
	if (d->kind < CS_KIND_SCHEDULER || d->kind > CS_KIND_ADMISSION) {
		fail(e, "module %s: %s: unknown module kind %u", e->name, e->file, d->kind);
		goto bad;
	}
	const size_t *ops = d->ops;
	if (!ops || *ops < ops_min_size(d->kind)) {
		fail(e, "module %s: %s: %s ops table missing or too small", e->name, e->file,
		     cs_modkind_name(d->kind));
		goto bad;
	}
	if (d->kind == CS_KIND_ADMISSION) {
		const cs_admission_ops *a = d->ops;
		const uint32_t known = CS_ADMIT_CREATE | CS_ADMIT_UPDATE;
		if (!a->resources || !a->operations || (a->operations & ~known) ||
		    (!a->mutate && !a->validate)) {
			fail(e,
			     "module %s: %s: an admission module needs resources, operations "
			     "(CS_ADMIT_CREATE|CS_ADMIT_UPDATE) and mutate or validate",
			     e->name, e->file);
			goto bad;
		}
	}
	if (d->kind == CS_KIND_CONTROLLER) {
		const cs_controller_ops *c = d->ops;
		if (!c->reconcile || !c->primary) {
			fail(e,
			     "module %s: %s: a controller needs a primary resource and reconcile",
			     e->name, e->file);
			goto bad;
		}
	}
	char why[512];
	if (cs_options_check(d->options, why, sizeof(why)) < 0) {
		fail(e, "module %s: %s: %s (a bug in the module)", e->name, e->file, why);
		goto bad;
	}
	e->dl = dl;
	e->desc = d;
	e->state = CS_MOD_LOADED;
	e->error[0] = '\0';
	return 0;
bad:
	dlclose(dl);
	return -1;
}

/* ---- configuration ---- */

static modent *ent_new(const char *name)
{
	modent *e = calloc(1, sizeof(*e));
	if (!e)
		abort();
	snprintf(e->name, sizeof(e->name), "%s", name);
	return e;
}

static void ent_unload(modent *e)
{
	cs_modcfg_free(e->opts);
	e->opts = NULL;
	free(e->optsig);
	e->optsig = NULL;
	if (e->dl)
		dlclose(e->dl);
	e->dl = NULL;
	e->desc = NULL;
}

static char *option_signature(const modent *e)
{
	size_t cap = 256, len = 0;
	char *s = malloc(cap);
	if (!s)
		abort();
	s[0] = '\0';
	for (const cs_option *o = e->desc->options; o && o->name; o++) {
		char v[1200];
		switch (o->type) {
		case CS_OPT_BOOL:
			snprintf(v, sizeof(v), "%d", cs_modcfg_bool(e->opts, o->name));
			break;
		case CS_OPT_INT:
			snprintf(v, sizeof(v), "%lld", (long long)cs_modcfg_int(e->opts, o->name));
			break;
		case CS_OPT_FLOAT:
			snprintf(v, sizeof(v), "%.17g", cs_modcfg_float(e->opts, o->name));
			break;
		case CS_OPT_STRING:
			snprintf(v, sizeof(v), "%.1000s", cs_modcfg_str(e->opts, o->name));
			break;
		default: {
			size_t k = 0;
			v[0] = '\0';
			for (size_t i = 0;
			     i < cs_modcfg_list_len(e->opts, o->name) && k < sizeof(v); i++)
				k += (size_t)snprintf(v + k, sizeof(v) - k, "%s\x1f",
						      cs_modcfg_list_at(e->opts, o->name, i));
		}
		}
		size_t need = strlen(o->name) + strlen(v) + 3;
		if (len + need >= cap) {
			cap = (len + need) * 2;
			s = realloc(s, cap);
			if (!s)
				abort();
		}
		len += (size_t)snprintf(s + len, cap - len, "%s=%s\x1e", o->name, v);
	}
	return s;
}

int cs_modhost_new(cs_modhost **out, const cs_modenv *env)
{
	cs_modhost *h = calloc(1, sizeof(*h));
	if (!h)
		abort();
	h->env = *env;
	h->env.role = strdup(env->role ? env->role : "server");
	h->env.node_name = env->node_name ? strdup(env->node_name) : NULL;
	h->env.data_dir = strdup(env->data_dir ? env->data_dir : ".");
	pthread_mutex_init(&h->mu, NULL);
	h->admit = cs_modadmit_new();
	*out = h;
	return 0;
}

cs_modadmit *cs_modhost_admission(cs_modhost *h)
{
	return h ? h->admit : NULL;
}

static void append(cs_modhost *h, modent *e)
{
	modent **pp = &h->ents;
	while (*pp)
		pp = &(*pp)->next;
	*pp = e;
}

int cs_modhost_configure(cs_modhost *h, const cs_config *cfg, char *err, size_t errlen)
{
	snprintf(h->module_path, sizeof(h->module_path), "%s", cfg->module_path);
	if (h->env.dev_trust)
		cs_log(CS_LOG_WARN,
		       "--dev-modules: trusting module files owned by uid %u as well as root; do "
		       "not use this in production",
		       (unsigned)geteuid());
	for (size_t i = 0; i < cfg->nmodules; i++) {
		const cs_module_conf *mc = &cfg->modules[i];
		modent *e = ent_new(mc->name);
		e->configured = true;
		e->enabled = mc->enabled;
		e->required = mc->required;
		e->state = mc->enabled ? CS_MOD_LOADED : CS_MOD_DISABLED;
		pthread_mutex_lock(&h->mu);
		append(h, e);
		pthread_mutex_unlock(&h->mu);
		if (!mc->enabled)
			continue;
		if (open_module(h, e) < 0) {
			if (e->required) {
				snprintf(err, errlen, "required %s", e->error);
				return -1;
			}
			cs_log(CS_LOG_ERROR, "%s (optional module: continuing without it)",
			       e->error);
		}
	}
	/* Pass 2: every loaded module's options, typed. */
	const cs_option *others[256];
	const char *names[256];
	for (modent *e = h->ents; e; e = e->next) {
		if (!e->dl)
			continue;
		size_t n = 0;
		for (modent *o = h->ents; o && n < 256; o = o->next)
			if (o != e && o->dl) {
				names[n] = o->name;
				others[n++] = o->desc->options;
			}
		e->opts = cs_config_module(cfg, e->name, e->desc->options, others, names, n, err,
					   errlen);
		if (!e->opts)
			return -1;
		e->optsig = option_signature(e);
	}
	return 0;
}

/* ---- running ---- */

static void key_of(const cs_object *o, char *buf, size_t n)
{
	const cs_json *md = cs_json_get(cs_modobj_json(o), "metadata");
	const char *ns = cs_json_get_str(md, "namespace");
	const char *name = cs_json_get_str(md, "name");
	if (!name)
		buf[0] = '\0';
	else if (ns && *ns)
		snprintf(buf, n, "%s/%s", ns, name);
	else
		snprintf(buf, n, "%s", name);
}

static void primary_add(cs_mod *m, void *arg, const cs_object *o)
{
	(void)arg;
	char key[512];
	key_of(o, key, sizeof(key));
	if (*key && cs_modinst_of(m)->ctrl_queue)
		m->host->queue_add(cs_modinst_of(m)->ctrl_queue, key);
}

static void primary_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *o)
{
	(void)old;
	primary_add(m, arg, o);
}

/* An owned object changed: wake its controlling owner of the primary kind. */
static void owned_add(cs_mod *m, void *arg, const cs_object *o)
{
	const char *kind = arg;
	const cs_json *md = cs_json_get(cs_modobj_json(o), "metadata");
	const cs_json *refs = cs_json_get(md, "ownerReferences");
	const char *ns = cs_json_get_str(md, "namespace");
	for (size_t i = 0; i < cs_json_len(refs); i++) {
		const cs_json *r = cs_json_at(refs, i);
		const char *k = cs_json_get_str(r, "kind");
		const char *name = cs_json_get_str(r, "name");
		if (!cs_json_as_bool(cs_json_get(r, "controller"), false) || !k || !name ||
		    strcmp(k, kind))
			continue;
		char key[512];
		if (ns && *ns)
			snprintf(key, sizeof(key), "%s/%s", ns, name);
		else
			snprintf(key, sizeof(key), "%s", name);
		if (cs_modinst_of(m)->ctrl_queue)
			m->host->queue_add(cs_modinst_of(m)->ctrl_queue, key);
	}
}

static void owned_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *o)
{
	owned_add(m, arg, old); /* an owner removed from the references */
	owned_add(m, arg, o);
}

static int ctrl_work(cs_mod *m, void *arg, const char *key)
{
	(void)arg;
	const cs_controller_ops *ops = cs_modinst_of(m)->desc->ops;
	return ops->reconcile(m, key);
}

static int wire_controller(cs_modinst *mi, char *err, size_t errlen)
{
	const cs_controller_ops *ops = mi->desc->ops;
	cs_mod *m = &mi->pub;
	unsigned resync =
		CS_OPS_HAS(cs_controller_ops, ops, resync_seconds) ? ops->resync_seconds : 0;
	static const cs_informer_handlers primary = {primary_add, primary_update, primary_add,
						     NULL};
	cs_informer *inf = cs_informer_new(m, ops->primary, NULL, NULL, NULL, resync, &primary);
	if (!inf) {
		snprintf(err, errlen, "primary resource \"%s\" is unknown", ops->primary);
		return -1;
	}
	mi->ctrl_inf[mi->nctrl_inf++] = inf;
	const cs_type *t = cs_type_resolve(ops->primary);
	for (size_t i = 0; ops->owns && ops->owns[i]; i++) {
		if (mi->nctrl_inf == sizeof(mi->ctrl_inf) / sizeof(mi->ctrl_inf[0])) {
			snprintf(err, errlen, "too many owned resources");
			return -1;
		}
		cs_informer_handlers h = {owned_add, owned_update, owned_add, (void *)t->kind};
		inf = cs_informer_new(m, ops->owns[i], NULL, NULL, NULL, 0, &h);
		if (!inf) {
			snprintf(err, errlen, "owned resource \"%s\" is unknown", ops->owns[i]);
			return -1;
		}
		mi->ctrl_inf[mi->nctrl_inf++] = inf;
	}
	mi->ctrl_queue = m->host->queue_new(m, "reconcile", ops->workers, ctrl_work, NULL, 0, 0);
	return 0;
}

struct lifecycle {
	cs_modinst *mi;
	int rc;
};

static void run_init(void *arg)
{
	struct lifecycle *l = arg;
	l->rc = l->mi->desc->init ? l->mi->desc->init(&l->mi->pub) : 0;
}

static void run_start(void *arg)
{
	struct lifecycle *l = arg;
	cs_modinst *mi = l->mi;
	l->rc = mi->desc->start ? mi->desc->start(&mi->pub) : 0;
	if (l->rc == 0) {
		cs_informers_start(mi);
		cs_queues_start(mi);
	}
}

static void run_halt(void *arg)
{
	struct lifecycle *l = arg;
	/* No informer callback or timer of the module runs after this. */
	cs_informers_stop(l->mi);
	cs_loop_cancel_timers(l->mi->loop);
}

static void run_stop(void *arg)
{
	struct lifecycle *l = arg;
	if (l->mi->desc->stop)
		l->mi->desc->stop(&l->mi->pub);
}

static void run_fini(void *arg)
{
	struct lifecycle *l = arg;
	if (l->mi->desc->fini)
		l->mi->desc->fini(&l->mi->pub);
}

static cs_modinst *inst_new(cs_modhost *h, modent *e)
{
	cs_modinst *mi = calloc(1, sizeof(*mi));
	if (!mi)
		abort();
	mi->pub.host = cs_host_table();
	mi->host = h;
	mi->desc = e->desc;
	snprintf(mi->name, sizeof(mi->name), "%s", e->name);
	mi->opts = e->opts;
	mi->env = &h->env;
	mi->api = h->env.api;
	pthread_mutex_init(&mi->mu, NULL);
	pthread_cond_init(&mi->idle, NULL);
	mi->loop = cs_loop_new(e->name);
	return mi;
}

/* Stop everything of an instance (also half-initialised ones) and free it. */
static void inst_free(cs_modinst *mi, bool started, bool inited)
{
	struct lifecycle l = {mi, 0};
	atomic_store(&mi->stopping, true);
	/* Reconciles read the caches: they end before the informers go. */
	cs_queues_shutdown(mi);
	cs_loop_call(mi->loop, run_halt, &l);
	cs_queues_stop(mi);
	if (started)
		cs_loop_call(mi->loop, run_stop, &l);
	if (inited)
		cs_loop_call(mi->loop, run_fini, &l);
	/* Answers still on their way are dropped by the loop, which must
	 * outlive them. */
	pthread_mutex_lock(&mi->mu);
	while (mi->inflight)
		pthread_cond_wait(&mi->idle, &mi->mu);
	pthread_mutex_unlock(&mi->mu);
	cs_loop_free(mi->loop);
	cs_timers_free(mi);
	cs_modmetrics_free(mi);
	cs_modapi_events_free(mi);
	pthread_cond_destroy(&mi->idle);
	pthread_mutex_destroy(&mi->mu);
	free(mi);
}

static int init_one(cs_modhost *h, modent *e)
{
	cs_modinst *mi = inst_new(h, e);
	char why[512] = "";
	int rc = 0;
	if (e->desc->kind == CS_KIND_CONTROLLER && wire_controller(mi, why, sizeof(why)) < 0)
		rc = -1;
	struct lifecycle l = {mi, 0};
	if (!rc) {
		cs_loop_call(mi->loop, run_init, &l);
		rc = l.rc;
		if (rc)
			snprintf(why, sizeof(why), "init failed (its log lines say why)");
	}
	if (rc) {
		inst_free(mi, false, false);
		pthread_mutex_lock(&h->mu);
		fail(e, "module %s (%s): %s", e->name, e->file, why);
		pthread_mutex_unlock(&h->mu);
		return -1;
	}
	pthread_mutex_lock(&h->mu);
	e->inst = mi;
	e->state = CS_MOD_RUNNING;
	pthread_mutex_unlock(&h->mu);
	cs_log(CS_LOG_INFO, "module %s %s (%s) initialised from %s", e->name, e->desc->version,
	       cs_modkind_name(e->desc->kind), e->file);
	if (e->desc->kind == CS_KIND_ADMISSION && strcmp(h->env.role, "server"))
		cs_log(CS_LOG_WARN,
		       "module %s: admission modules act where the API is served; in role %s "
		       "nothing calls it",
		       e->name, h->env.role);
	return 0;
}

int cs_modhost_init(cs_modhost *h, char *err, size_t errlen)
{
	for (modent *e = h->ents; e; e = e->next) {
		if (e->state != CS_MOD_LOADED || e->inst)
			continue;
		if (init_one(h, e) < 0) {
			if (e->required) {
				snprintf(err, errlen, "required %s", e->error);
				return -1;
			}
			cs_log(CS_LOG_ERROR, "%s (optional module: continuing without it)",
			       e->error);
		}
	}
	return 0;
}

/* A failure the API can show: an Event in kube-system. */
static void report(cs_modhost *h, modent *e)
{
	if (e->reported || !h->env.api || e->state != CS_MOD_FAILED)
		return;
	e->reported = true;
	cs_json *ev = cs_json_object();
	cs_json_set(ev, "apiVersion", cs_json_string("v1"));
	cs_json_set(ev, "kind", cs_json_string("Event"));
	cs_json *md = cs_json_obj_ensure(ev, "metadata");
	cs_json_set(md, "generateName", cs_json_stringf("module-%s-", e->name));
	cs_json_set(md, "namespace", cs_json_string("kube-system"));
	cs_json *io = cs_json_obj_ensure(ev, "involvedObject");
	cs_json_set(io, "apiVersion", cs_json_string("v1"));
	cs_json_set(io, "kind", cs_json_string("Namespace"));
	cs_json_set(io, "name", cs_json_string("kube-system"));
	cs_json_set(ev, "reason", cs_json_string("ModuleFailed"));
	cs_json_set(ev, "message", cs_json_string(e->error));
	cs_json_set(ev, "type", cs_json_string("Warning"));
	cs_json_set(ev, "count", cs_json_int(1));
	char now[32];
	cs_rfc3339_now(now);
	cs_json_set(ev, "firstTimestamp", cs_json_string(now));
	cs_json_set(ev, "lastTimestamp", cs_json_string(now));
	cs_json_set(cs_json_obj_ensure(ev, "source"), "component", cs_json_string("capstand"));
	size_t len;
	char *body = cs_json_dump(ev, false, &len);
	cs_json_free(ev);
	int code = cs_client_call(h->env.api, "POST", "/api/v1/namespaces/kube-system/events",
				  "application/json", body, len, NULL, NULL);
	free(body);
	if (code != 201)
		cs_log(CS_LOG_WARN, "module %s: could not record its failure as an Event (%d)",
		       e->name, code);
}

static int start_one(cs_modhost *h, modent *e)
{
	struct lifecycle l = {e->inst, 0};
	cs_loop_call(e->inst->loop, run_start, &l);
	if (l.rc == 0) {
		e->started = true;
		if (e->desc->kind == CS_KIND_ADMISSION)
			cs_modadmit_add(h->admit, e->inst);
		cs_log(CS_LOG_INFO, "module %s started", e->name);
		return 0;
	}
	cs_modinst *mi = e->inst;
	pthread_mutex_lock(&h->mu);
	e->inst = NULL;
	fail(e, "module %s (%s): start failed (its log lines say why)", e->name, e->file);
	pthread_mutex_unlock(&h->mu);
	inst_free(mi, false, true);
	return -1;
}

int cs_modhost_start(cs_modhost *h, char *err, size_t errlen)
{
	h->started = true;
	for (modent *e = h->ents; e; e = e->next) {
		if (e->state == CS_MOD_RUNNING && e->inst && start_one(h, e) < 0) {
			if (e->required) {
				snprintf(err, errlen, "required %s", e->error);
				return -1;
			}
			cs_log(CS_LOG_ERROR, "%s (optional module: continuing without it)",
			       e->error);
		}
		report(h, e);
	}
	pthread_mutex_lock(&h->mu);
	h->start_done = true;
	pthread_mutex_unlock(&h->mu);
	return 0;
}

static void stop_one(cs_modhost *h, modent *e)
{
	cs_modinst *mi = e->inst;
	if (!mi)
		return;
	/* No API request may be in its callbacks once it stops. */
	if (e->desc->kind == CS_KIND_ADMISSION)
		cs_modadmit_remove(h->admit, mi);
	pthread_mutex_lock(&h->mu);
	e->inst = NULL;
	e->state = CS_MOD_STOPPED;
	pthread_mutex_unlock(&h->mu);
	inst_free(mi, e->started, true);
	e->started = false;
	cs_log(CS_LOG_INFO, "module %s stopped", e->name);
}

void cs_modhost_stop(cs_modhost *h)
{
	/* Reverse order: later modules may use earlier ones. */
	size_t n = 0;
	for (modent *e = h->ents; e; e = e->next)
		n++;
	modent **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		abort();
	n = 0;
	for (modent *e = h->ents; e; e = e->next)
		v[n++] = e;
	/* Controllers first: a driver (the scheduler framework) calls the
	 * plugin modules it found with module_at until it is stopped. */
	for (size_t i = n; i--;)
		if (v[i]->desc && v[i]->desc->kind == CS_KIND_CONTROLLER)
			stop_one(h, v[i]);
	while (n--)
		stop_one(h, v[n]);
	free(v);
}

void cs_modhost_free(cs_modhost *h)
{
	if (!h)
		return;
	cs_modhost_stop(h);
	for (modent *e = h->ents, *nx; e; e = nx) {
		nx = e->next;
		ent_unload(e);
		free(e);
	}
	for (size_t i = 0; i < h->nlisted; i++)
		dlclose(h->listed[i]);
	free(h->listed);
	pthread_mutex_destroy(&h->mu);
	cs_modadmit_free(h->admit);
	free((char *)h->env.role);
	free((char *)h->env.node_name);
	free((char *)h->env.data_dir);
	free(h);
}

/* ---- reload (SIGHUP) ---- */

static modent *find_ent(cs_modhost *h, const char *name)
{
	for (modent *e = h->ents; e; e = e->next)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

/* A running module stays across a reload when the new configuration has
 * the same file, options and `required`. */
static bool reload_keeps(const modent *e, const modent *ne)
{
	return e->inst && ne && ne->dl && ne->desc == e->desc && e->optsig && ne->optsig &&
	       !strcmp(e->optsig, ne->optsig) && ne->required == e->required;
}

int cs_modhost_reload(cs_modhost *h, const cs_config *cfg, char *err, size_t errlen)
{
	/* Check the whole new configuration before touching anything. */
	cs_modhost *n;
	cs_modenv env = h->env;
	cs_modhost_new(&n, &env);
	if (cs_modhost_configure(n, cfg, err, errlen) < 0) {
		cs_modhost_free(n);
		return -1;
	}
	/* Stop what is gone, disabled or reconfigured.  A driver that ran
	 * other modules (module_at) stops first and starts again when one of
	 * those goes: it must not call a module that is being unloaded. */
	bool plugin_goes = false;
	for (modent *e = h->ents; e; e = e->next)
		if (e->inst && e->desc->kind != CS_KIND_CONTROLLER &&
		    !reload_keeps(e, find_ent(n, e->name)))
			plugin_goes = true;
	for (int pass = 0; pass < 2; pass++) {
		for (modent *e = h->ents; e; e = e->next) {
			modent *ne = find_ent(n, e->name);
			bool driver = e->inst && atomic_load(&e->inst->uses_modules);
			if (pass == 0 && !driver)
				continue;
			bool keep = reload_keeps(e, ne) && !(driver && plugin_goes);
			if (keep || (!e->inst && e->state != CS_MOD_FAILED && !ne))
				continue;
			if (e->inst)
				cs_log(CS_LOG_INFO, "reload: stopping module %s (%s)", e->name,
				       !ne || !ne->enabled   ? "disabled"
				       : reload_keeps(e, ne) ? "a module it runs is unloaded"
							     : "configuration changed");
			stop_one(h, e);
		}
	}
	/* Running modules keep their instance in the new list, which is
	 * complete before anyone else (health, module_at) sees it. */
	for (modent *e = n->ents; e; e = e->next) {
		for (modent *oe = h->ents; oe; oe = oe->next) {
			if (strcmp(oe->name, e->name) || !oe->inst)
				continue;
			/* The new dlopen reference is dropped below with oe's. */
			e->inst = oe->inst;
			e->started = oe->started;
			oe->inst = NULL;
			cs_modcfg *tmp = e->opts;
			e->opts = oe->opts;
			oe->opts = tmp;
			e->state = CS_MOD_RUNNING;
		}
	}
	modent *old = h->ents;
	pthread_mutex_lock(&h->mu);
	h->ents = n->ents;
	n->ents = NULL;
	pthread_mutex_unlock(&h->mu);
	for (modent *e = h->ents; e; e = e->next) {
		if (e->state != CS_MOD_LOADED || e->inst)
			continue;
		cs_log(CS_LOG_INFO, "reload: loading module %s", e->name);
		if (init_one(h, e) == 0 && h->started)
			start_one(h, e);
		if (e->state == CS_MOD_FAILED)
			cs_log(CS_LOG_ERROR, "%s", e->error);
		report(h, e);
	}
	for (modent *o = old, *nx; o; o = nx) {
		nx = o->next;
		ent_unload(o);
		free(o);
	}
	cs_modhost_free(n);
	return 0;
}

/* ---- introspection ---- */

static void keep_listed(cs_modhost *h, void *dl)
{
	h->listed = realloc(h->listed, (h->nlisted + 1) * sizeof(void *));
	if (!h->listed)
		abort();
	h->listed[h->nlisted++] = dl;
}

static void info_of(const modent *e, cs_modinfo *i)
{
	memset(i, 0, sizeof(*i));
	snprintf(i->name, sizeof(i->name), "%s", e->name);
	snprintf(i->file, sizeof(i->file), "%s", e->file);
	i->kind = e->desc ? cs_modkind_name(e->desc->kind) : "?";
	if (e->desc) {
		snprintf(i->version, sizeof(i->version), "%s",
			 e->desc->version ? e->desc->version : "");
		i->abi_major = e->desc->abi_major;
		i->abi_minor = e->desc->abi_minor;
	}
	i->enabled = e->enabled;
	i->required = e->required;
	i->state = e->state;
	snprintf(i->error, sizeof(i->error), "%s", e->error);
	i->options = e->desc ? e->desc->options : NULL;
}

size_t cs_modhost_list(cs_modhost *h, bool scan_path, cs_modinfo *out, size_t max)
{
	size_t n = 0;
	pthread_mutex_lock(&h->mu);
	for (modent *e = h->ents; e && n < max; e = e->next)
		info_of(e, &out[n++]);
	pthread_mutex_unlock(&h->mu);
	if (!scan_path)
		return n;
	/* Disabled modules were not opened: describe them from their file. */
	for (size_t i = 0; i < n; i++) {
		if (out[i].state != CS_MOD_DISABLED)
			continue;
		modent e = {0};
		snprintf(e.name, sizeof(e.name), "%s", out[i].name);
		if (open_module(h, &e) == 0) {
			keep_listed(h, e.dl);
			e.state = CS_MOD_DISABLED;
		} else {
			e.state = CS_MOD_DISABLED; /* its error is shown, it stays disabled */
		}
		info_of(&e, &out[i]);
		out[i].enabled = false;
	}
	const char *p = h->module_path;
	while (*p && n < max) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%.*s", (int)len, p);
		p += len + (colon ? 1 : 0);
		DIR *d = len ? opendir(dir) : NULL;
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d)) && n < max) {
			size_t l = strlen(de->d_name);
			if (l < 4 || strcmp(de->d_name + l - 3, ".so"))
				continue;
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)(l - 3), de->d_name);
			bool seen = false;
			for (size_t i = 0; i < n; i++)
				seen |= !strcmp(out[i].name, name);
			if (seen)
				continue;
			modent e = {0};
			snprintf(e.name, sizeof(e.name), "%s", name);
			if (open_module(h, &e) == 0)
				e.state = CS_MOD_AVAILABLE;
			info_of(&e, &out[n++]);
			if (e.dl)
				keep_listed(h, e.dl);
		}
		closedir(d);
	}
	return n;
}

const cs_module *cs_modhost_find(cs_modhost *h, const char *name, cs_mod **inst)
{
	const cs_module *d = NULL;
	pthread_mutex_lock(&h->mu);
	for (modent *e = h->ents; e; e = e->next)
		if (!strcmp(e->name, name) && e->inst) {
			d = e->desc;
			if (inst)
				*inst = &e->inst->pub;
		}
	pthread_mutex_unlock(&h->mu);
	return d;
}

const cs_module *cs_modhost_kind_at(cs_modhost *h, enum cs_module_kind kind, size_t i,
				    cs_mod **inst)
{
	const cs_module *d = NULL;
	pthread_mutex_lock(&h->mu);
	for (modent *e = h->ents; e; e = e->next)
		if (e->inst && e->desc->kind == (unsigned)kind && i-- == 0) {
			d = e->desc;
			if (inst)
				*inst = &e->inst->pub;
			break;
		}
	pthread_mutex_unlock(&h->mu);
	return d;
}

int cs_modhost_health(cs_modhost *h, bool ready, char *buf, size_t n)
{
	int rc = 0;
	size_t k = 0;
	buf[0] = '\0';
	pthread_mutex_lock(&h->mu);
	if (ready && !h->start_done) {
		/* Informers are made in init or start: until every start
		 * returned, the ones still to come cannot be asked. */
		rc = -1;
		int w = snprintf(buf, n, "[-]modules starting\n");
		k = w > 0 && (size_t)w < n ? (size_t)w : 0;
	}
	for (modent *e = h->ents; e; e = e->next) {
		if (!e->enabled)
			continue;
		bool ok = e->state == CS_MOD_RUNNING;
		if (!ok && e->required)
			rc = -1;
		int w = ok ? snprintf(buf + k, n - k, "[+]module %s ok\n", e->name)
			   : snprintf(buf + k, n - k, "[%c]module %s %s%s: %s\n",
				      e->required ? '-' : '+', e->name, cs_modstate_name(e->state),
				      e->required ? "" : " (optional)", e->error);
		if (w < 0 || (size_t)w >= n - k)
			break;
		k += (size_t)w;
		char first[64];
		size_t waiting = ok && ready && e->inst
					 ? cs_informers_unsynced(e->inst, first, sizeof(first))
					 : 0;
		if (!waiting)
			continue;
		rc = -1;
		w = snprintf(buf + k, n - k,
			     "[-]informer-sync module %s: %zu informer(s) not synced yet (%s)\n",
			     e->name, waiting, first);
		if (w < 0 || (size_t)w >= n - k)
			break;
		k += (size_t)w;
	}
	pthread_mutex_unlock(&h->mu);
	return rc;
}
