/* ctrl-hello: an example controller module, built out of tree against the
 * installed SDK (see README.md).
 *
 * For every namespace that is not being deleted it keeps a ConfigMap (name:
 * option `configmap`) whose data.greeting is option `greeting`: created when
 * missing, updated when someone changed the greeting.  Creations are
 * counted in the metric hello_configmaps_created_total and announced by a
 * Normal "Created" Event on the namespace.
 *
 * The host runs the namespaces informer and the work queue (controller.h);
 * the module adds an informer of its own on the ConfigMaps it manages, so
 * that deleting or editing one wakes the namespace it lives in.  Reconcile
 * reads both caches and writes through the API.  A 409 means the cache was
 * behind the API: the informer delivers the newer state soon and that
 * enqueues the namespace again, so the reconcile just ends. */
#include <capstan/controller.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hello {
	char *configmap;         /* option configmap */
	char *greeting;          /* option greeting */
	char *selector;          /* metadata.name=<configmap> */
	cs_informer *configmaps; /* ours, filtered by selector */
	cs_metric *created;
};

static const cs_option hello_options[] = {
	{"configmap", CS_OPT_STRING, "hello", "name of the ConfigMap kept in every namespace"},
	{"greeting", CS_OPT_STRING, "hello from capstan", "value of its data.greeting"},
	{NULL, CS_OPT_END, NULL, NULL},
};

/* A ConfigMap name is a DNS subdomain: refuse a bad one at load time rather
 * than fail every reconcile with 422. */
static bool dns_subdomain(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.' || s[n - 1] == '-' || s[n - 1] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '.'))
			return false;
	return true;
}

/* Any change to one of our ConfigMaps wakes its namespace. */
static void cm_changed(cs_mod *m, const cs_object *cm)
{
	const char *ns = m->host->obj_str(cm, "metadata.namespace");
	if (ns)
		cs_controller_enqueue(m, ns, 0);
}

static void cm_add(cs_mod *m, void *arg, const cs_object *obj)
{
	(void)arg;
	cm_changed(m, obj);
}

static void cm_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *obj)
{
	(void)arg, (void)old;
	cm_changed(m, obj);
}

static void cm_delete(cs_mod *m, void *arg, const cs_object *obj)
{
	(void)arg;
	cm_changed(m, obj);
}

static const cs_informer_handlers cm_handlers = {
	.on_add = cm_add,
	.on_update = cm_update,
	.on_delete = cm_delete,
};

static void hello_fini(cs_mod *m)
{
	struct hello *hl = m->host->data(m);
	if (!hl)
		return;
	free(hl->configmap);
	free(hl->greeting);
	free(hl->selector);
	free(hl);
	m->host->set_data(m, NULL);
}

static int hello_init(cs_mod *m)
{
	const cs_host *h = m->host;
	struct hello *hl = calloc(1, sizeof(*hl));
	if (!hl) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	h->set_data(m, hl);
	/* Copies: they are used on the worker threads for the module's life. */
	hl->configmap = strdup(h->opt_str(m, "configmap"));
	hl->greeting = strdup(h->opt_str(m, "greeting"));
	size_t n = hl->configmap ? strlen(hl->configmap) + sizeof("metadata.name=") : 0;
	if (n && (hl->selector = malloc(n)))
		snprintf(hl->selector, n, "metadata.name=%s", hl->configmap);
	if (!hl->greeting || !hl->selector) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		goto fail;
	}
	if (!dns_subdomain(hl->configmap)) {
		h->log(m, CS_LOG_ERROR,
		       "option configmap \"%s\" is not a valid ConfigMap name (lower-case "
		       "letters, digits, '-' and '.', at most 253)",
		       hl->configmap);
		goto fail;
	}
	hl->configmaps =
		h->informer_new(m, "configmaps", NULL, NULL, hl->selector, 0, &cm_handlers);
	hl->created = h->metric_new(m, CS_METRIC_COUNTER, "hello_configmaps_created_total",
				    "ConfigMaps created by ctrl-hello");
	if (!hl->configmaps || !hl->created)
		goto fail; /* the host logged why */
	return 0;
fail:
	/* Whether or not the host calls fini after a failed init, nothing
	 * leaks and nothing is freed twice. */
	hello_fini(m);
	return -1;
}

static bool terminating(const cs_host *h, const cs_object *ns)
{
	const char *phase = h->obj_str(ns, "status.phase");
	return h->obj_get(ns, "metadata.deletionTimestamp") ||
	       (phase && !strcmp(phase, "Terminating"));
}

/* Events need apiVersion and kind, which list items may lack: refer to the
 * namespace by a reference of our own. */
static void created_event(cs_mod *m, const char *ns, const cs_object *nsobj, const char *cm)
{
	const cs_host *h = m->host;
	cs_object *ref = h->obj_new(CS_OBJ_MAP);
	const char *uid = h->obj_str(nsobj, "metadata.uid");
	if (!ref || h->obj_set_str(ref, "apiVersion", "v1") ||
	    h->obj_set_str(ref, "kind", "Namespace") || h->obj_set_str(ref, "metadata.name", ns) ||
	    (uid && h->obj_set_str(ref, "metadata.uid", uid))) {
		h->log(m, CS_LOG_WARN, "namespace %s: no Event for ConfigMap %s: out of memory", ns,
		       cm);
	} else {
		h->event(m, ref, "Normal", "Created", "Created ConfigMap %s", cm);
	}
	h->obj_free(ref);
}

static int create_configmap(cs_mod *m, struct hello *hl, const char *ns, const cs_object *nsobj)
{
	const cs_host *h = m->host;
	cs_object *cm = h->obj_new(CS_OBJ_MAP);
	if (!cm || h->obj_set_str(cm, "apiVersion", "v1") ||
	    h->obj_set_str(cm, "kind", "ConfigMap") ||
	    h->obj_set_str(cm, "metadata.name", hl->configmap) ||
	    h->obj_set_str(cm, "metadata.namespace", ns) ||
	    h->obj_set_str(cm, "data.greeting", hl->greeting)) {
		h->obj_free(cm);
		h->log(m, CS_LOG_WARN, "namespace %s: cannot build ConfigMap %s: out of memory", ns,
		       hl->configmap);
		return CS_RETRY;
	}
	cs_error err;
	int rc = cs_api_create(m, "configmaps", ns, cm, NULL, &err);
	h->obj_free(cm);
	if (rc == CS_CONFLICT)
		return CS_DONE; /* it exists after all: our informer will tell */
	if (rc) {
		h->log(m, CS_LOG_WARN, "namespace %s: creating ConfigMap %s failed (%d %s): %s", ns,
		       hl->configmap, rc, err.reason, err.message);
		return CS_RETRY;
	}
	h->metric_add(hl->created, 1);
	h->log(m, CS_LOG_INFO, "namespace %s: created ConfigMap %s", ns, hl->configmap);
	created_event(m, ns, nsobj, hl->configmap);
	return CS_DONE;
}

static int update_greeting(cs_mod *m, struct hello *hl, const char *ns, const cs_object *cm)
{
	const cs_host *h = m->host;
	/* The cached object is shared and immutable: change a copy.  Its
	 * resourceVersion makes the update fail with 409 if it is stale. */
	cs_object *c = h->obj_clone(cm);
	if (!c || h->obj_set_str(c, "data.greeting", hl->greeting)) {
		h->obj_free(c);
		h->log(m, CS_LOG_WARN, "namespace %s: cannot update ConfigMap %s: out of memory",
		       ns, hl->configmap);
		return CS_RETRY;
	}
	cs_request req = {.verb = CS_VERB_UPDATE,
			  .resource = "configmaps",
			  .ns = ns,
			  .name = hl->configmap,
			  .body = c};
	cs_error err;
	int rc = h->call(m, &req, NULL, &err);
	h->obj_free(c);
	if (rc == CS_CONFLICT)
		return CS_DONE;
	if (rc) {
		h->log(m, CS_LOG_WARN, "namespace %s: updating ConfigMap %s failed (%d %s): %s", ns,
		       hl->configmap, rc, err.reason, err.message);
		return CS_RETRY;
	}
	h->log(m, CS_LOG_INFO, "namespace %s: reset the greeting of ConfigMap %s", ns,
	       hl->configmap);
	return CS_DONE;
}

/* key: the namespace's name (namespaces are cluster-scoped). */
static int hello_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	struct hello *hl = h->data(m);
	/* Until our ConfigMap cache has its first list, "missing" means
	 * "not known yet". */
	if (!h->informer_synced(hl->configmaps))
		return 200;
	const cs_object *ns = h->cache_get(cs_controller_informer(m, "namespaces"), NULL, key);
	if (!ns)
		return CS_DONE; /* deleted: its ConfigMap goes with it */
	int rc = CS_DONE;
	if (!terminating(h, ns)) {
		const cs_object *cm = h->cache_get(hl->configmaps, key, hl->configmap);
		const char *have = cm ? h->obj_str(cm, "data.greeting") : NULL;
		if (!cm)
			rc = create_configmap(m, hl, key, ns);
		else if (!have || strcmp(have, hl->greeting))
			rc = update_greeting(m, hl, key, cm);
		h->obj_free(cm);
	}
	h->obj_free(ns);
	return rc;
}

static const cs_controller_ops hello_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = "namespaces",
	.owns = NULL, /* our ConfigMaps have no owner: our own informer watches them */
	.workers = 1,
	.reconcile = hello_reconcile,
	.resync_seconds = 0,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "ctrl-hello",
	.version = "1.0.0",
	.description = "example: a greeting ConfigMap in every namespace",
	.kind = CS_KIND_CONTROLLER,
	.options = hello_options,
	.init = hello_init,
	.fini = hello_fini,
	.ops = &hello_ops,
};
