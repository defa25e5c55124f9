/* ctrl-endpoints: the Endpoints controller, as Kubernetes'.
 *
 * For every Service with a selector it keeps an Endpoints object of the
 * same name listing the selected pods: ready ones under addresses, the
 * others under notReadyAddresses (all under addresses with
 * publishNotReadyAddresses), each with the ports the service's targetPorts
 * resolve to in that pod.  Services without a selector (their Endpoints
 * are written by hand) and ExternalName services are left alone.
 *
 * The host runs the Service informer and the queue.  Our own pods
 * informer wakes every Service of the pod's namespace whose selector
 * matched the pod before or after a change; our own Endpoints informer
 * gives reconcile the current object and wakes a Service whose Endpoints
 * was deleted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ep.h"

#define PRIMARY "services"

typedef struct ep_ctrl {
	cs_informer *svcs, *pods, *eps;
	cs_metric *writes;
} ep_ctrl;

static ep_ctrl *ep_of(cs_mod *m)
{
	return m->host->data(m);
}

bool ep_selects(const cs_host *h, const cs_object *sel, const cs_object *labels)
{
	if (h->obj_type(sel) != CS_OBJ_MAP || !h->obj_len(sel))
		return false;
	for (size_t i = 0; i < h->obj_len(sel); i++) {
		const char *v = h->obj_str(h->obj_at(sel, i), NULL);
		if (!v || !ck_str_is(ck_label(h, labels, h->obj_key_at(sel, i)), v))
			return false;
	}
	return true;
}

/* ---- wake-ups (module thread) ---- */

static void key_of(const cs_host *h, const cs_object *o, char *key, size_t n)
{
	snprintf(key, n, "%s/%s", h->obj_str(o, "metadata.namespace") ?: "",
		 h->obj_str(o, "metadata.name") ?: "");
}

struct wake {
	cs_mod *m;
	const cs_object *a, *b; /* the pod's labels before and after */
};

static bool wake_visit(void *arg, const cs_object *svc)
{
	struct wake *w = arg;
	const cs_host *h = w->m->host;
	const cs_object *sel = h->obj_get(svc, "spec.selector");
	if (ep_selects(h, sel, w->a) || (w->b && ep_selects(h, sel, w->b))) {
		char key[512];
		key_of(h, svc, key, sizeof(key));
		cs_controller_enqueue(w->m, key, 0);
	}
	return true;
}

static void wake_services(cs_mod *m, const cs_object *old, const cs_object *pod)
{
	const cs_host *h = m->host;
	struct wake w = {m, h->obj_get(pod, "metadata.labels"),
			 old ? h->obj_get(old, "metadata.labels") : NULL};
	h->cache_each(ep_of(m)->svcs, h->obj_str(pod, "metadata.namespace"), NULL, wake_visit, &w);
}

static void pod_add(cs_mod *m, void *arg, const cs_object *pod)
{
	(void)arg;
	wake_services(m, NULL, pod);
}

static void pod_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *pod)
{
	(void)arg;
	const cs_host *h = m->host;
	const char *orv = h->obj_str(old, "metadata.resourceVersion");
	const char *crv = h->obj_str(pod, "metadata.resourceVersion");
	if (old == pod || (orv && crv && !strcmp(orv, crv)))
		return; /* a resync */
	wake_services(m, old, pod);
}

static const cs_informer_handlers pod_handlers = {
	.on_add = pod_add,
	.on_update = pod_update,
	.on_delete = pod_add,
};

/* Someone deleted an Endpoints object whose Service still wants one. */
static void eps_delete(cs_mod *m, void *arg, const cs_object *eps)
{
	(void)arg;
	const cs_host *h = m->host;
	const cs_object *svc = h->cache_get(ep_of(m)->svcs, h->obj_str(eps, "metadata.namespace"),
					    h->obj_str(eps, "metadata.name") ?: "");
	if (svc) {
		char key[512];
		key_of(h, eps, key, sizeof(key));
		cs_controller_enqueue(m, key, 0);
	}
	h->obj_free(svc);
}

static const cs_informer_handlers eps_handlers = {.on_delete = eps_delete};

/* ---- reconcile (worker threads) ---- */

/* The family of the service's addresses: 6 for IPv6, 4 for IPv4, 0 when
 * the service does not say (headless without ipFamilies): then the pod's
 * primary IP, as podToEndpointAddressForService does. */
static int svc_family(const cs_host *h, const cs_object *svc)
{
	const char *fam = h->obj_str(svc, "spec.ipFamilies[0]");
	if (fam)
		return ck_str_is(fam, "IPv6") ? 6 : 4;
	const char *cip = h->obj_str(svc, "spec.clusterIP");
	if (cip && *cip && strcmp(cip, "None"))
		return strchr(cip, ':') ? 6 : 4;
	return 0;
}

static const char *pod_ip(const cs_host *h, const cs_object *pod, int family)
{
	const char *ip = h->obj_str(pod, "status.podIP");
	if (!family || (ip && *ip && (strchr(ip, ':') != NULL) == (family == 6)))
		return ip && *ip ? ip : NULL;
	const cs_object *ips = h->obj_get(pod, "status.podIPs");
	for (size_t i = 0; i < h->obj_len(ips); i++) {
		const char *s = h->obj_str(h->obj_at(ips, i), "ip");
		if (s && *s && (strchr(s, ':') != NULL) == (family == 6))
			return s;
	}
	return NULL;
}

/* podutil.FindPort: a numeric targetPort as it is, a named one looked up
 * among the pod's container ports of the same protocol.  -1: no such
 * port in this pod. */
static int64_t find_port(const cs_host *h, const cs_object *pod, const cs_object *sp)
{
	const cs_object *tp = h->obj_get(sp, "targetPort");
	if (h->obj_type(tp) == CS_OBJ_NUMBER)
		return h->obj_int(tp, NULL, -1);
	if (h->obj_type(tp) != CS_OBJ_STRING)
		return h->obj_int(sp, "port", -1);
	const char *name = h->obj_str(tp, NULL);
	const char *proto = h->obj_str(sp, "protocol") ?: "TCP";
	const cs_object *cs = h->obj_get(pod, "spec.containers");
	for (size_t i = 0; i < h->obj_len(cs); i++) {
		const cs_object *ports = h->obj_get(h->obj_at(cs, i), "ports");
		for (size_t j = 0; j < h->obj_len(ports); j++) {
			const cs_object *p = h->obj_at(ports, j);
			if (ck_str_is(h->obj_str(p, "name"), name) &&
			    ck_str_is(h->obj_str(p, "protocol") ?: "TCP", proto))
				return h->obj_int(p, "containerPort", -1);
		}
	}
	return -1;
}

struct scan {
	cs_mod *m;
	const cs_object *svc;
	ep_build *b;
	cs_object **ports; /* endpoint ports made for this sync (owned) */
	size_t nports, capports;
	double prev_t;    /* the trigger time the Endpoints carry, or -1 */
	double trigger_t; /* the earliest change after it, or -1 */
	char trigger[64];
	bool oom;
};

static cs_object *address(const cs_host *h, const cs_object *svc, const cs_object *pod,
			  const char *ip)
{
	cs_object *a = h->obj_new(CS_OBJ_MAP);
	const char *host = h->obj_str(pod, "spec.hostname");
	const char *node = h->obj_str(pod, "spec.nodeName");
	/* ShouldSetHostname: the pod names this service as its subdomain */
	bool named =
		host && *host &&
		ck_str_is(h->obj_str(pod, "spec.subdomain"), h->obj_str(svc, "metadata.name")) &&
		ck_str_is(h->obj_str(pod, "metadata.namespace"),
			  h->obj_str(svc, "metadata.namespace"));
	if (!a || h->obj_set_str(a, "ip", ip) || (named && h->obj_set_str(a, "hostname", host)) ||
	    (node && *node && h->obj_set_str(a, "nodeName", node)) ||
	    h->obj_set_str(a, "targetRef.kind", "Pod") ||
	    h->obj_set_str(a, "targetRef.namespace", h->obj_str(pod, "metadata.namespace")) ||
	    h->obj_set_str(a, "targetRef.name", h->obj_str(pod, "metadata.name")) ||
	    h->obj_set_str(a, "targetRef.uid", h->obj_str(pod, "metadata.uid") ?: "")) {
		h->obj_free(a);
		return NULL;
	}
	return a;
}

/* endpointPortFromServicePort; the port lives as long as the scan. */
static const cs_object *endpoint_port(struct scan *s, const cs_object *sp, int64_t num)
{
	const cs_host *h = s->m->host;
	if (s->nports == s->capports) {
		size_t c = s->capports ? s->capports * 2 : 16;
		cs_object **a = realloc(s->ports, c * sizeof(*a));
		if (!a)
			return NULL;
		s->ports = a;
		s->capports = c;
	}
	cs_object *p = h->obj_new(CS_OBJ_MAP);
	const char *name = h->obj_str(sp, "name");
	const char *app = h->obj_str(sp, "appProtocol");
	if (!p || (name && *name && h->obj_set_str(p, "name", name)) ||
	    h->obj_set_int(p, "port", num) ||
	    h->obj_set_str(p, "protocol", h->obj_str(sp, "protocol") ?: "TCP") ||
	    (app && h->obj_set_str(p, "appProtocol", app))) {
		h->obj_free(p);
		return NULL;
	}
	s->ports[s->nports++] = p;
	return p;
}

/* Kubernetes' trigger time tracker records the earliest state change of
 * the service or its pods not yet reflected in the Endpoints: the
 * service's creation, a pod's Ready transition. */
static void consider_trigger(struct scan *s, const char *t)
{
	double v = ck_time(t);
	if (v < 0 || v <= s->prev_t || (s->trigger_t >= 0 && v >= s->trigger_t))
		return;
	s->trigger_t = v;
	snprintf(s->trigger, sizeof(s->trigger), "%s", t);
}

static bool scan_visit(void *arg, const cs_object *pod)
{
	struct scan *s = arg;
	const cs_host *h = s->m->host;
	const cs_object *svc = s->svc;
	if (!ep_selects(h, h->obj_get(svc, "spec.selector"), h->obj_get(pod, "metadata.labels")))
		return true;
	bool publish = h->obj_bool(svc, "spec.publishNotReadyAddresses", false);
	const char *phase = h->obj_str(pod, "status.phase");
	/* ShouldPodBeInEndpoints */
	if (ck_str_is(phase, "Failed") || ck_str_is(phase, "Succeeded"))
		return true;
	if (!publish && h->obj_get(pod, "metadata.deletionTimestamp"))
		return true;
	const char *ip = pod_ip(h, pod, svc_family(h, svc));
	if (!ip)
		return true;
	bool ready = publish || ck_pod_ready(h, pod);
	const cs_object *sports = h->obj_get(svc, "spec.ports");
	const cs_object *conds = h->obj_get(pod, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++)
		if (ck_str_is(h->obj_str(h->obj_at(conds, i), "type"), "Ready"))
			consider_trigger(s, h->obj_str(h->obj_at(conds, i), "lastTransitionTime"));
	if (!h->obj_len(sports)) {
		/* Only a headless service may go without ports. */
		if (!ck_str_is(h->obj_str(svc, "spec.clusterIP"), "None"))
			return true;
		cs_object *a = address(h, svc, pod, ip);
		if (!a || ep_build_add(s->b, a, NULL, ready))
			return !(s->oom = true);
		return true;
	}
	for (size_t i = 0; i < h->obj_len(sports); i++) {
		const cs_object *sp = h->obj_at(sports, i);
		int64_t num = find_port(h, pod, sp);
		if (num <= 0)
			continue; /* this pod does not serve the named port */
		const cs_object *port = endpoint_port(s, sp, num);
		cs_object *a = port ? address(h, svc, pod, ip) : NULL;
		if (!a || ep_build_add(s->b, a, port, ready))
			return !(s->oom = true);
	}
	return true;
}

/* Set or remove metadata.annotations[key] (keys with '.' and '/'). */
static int set_annotation(const cs_host *h, cs_object *o, const char *key, const char *val)
{
	char path[256] = "metadata.annotations.";
	size_t n = strlen(path);
	for (const char *k = key; *k && n + 3 < sizeof(path); k++) {
		if (*k == '.' || *k == '[' || *k == '\\')
			path[n++] = '\\';
		path[n++] = *k;
	}
	path[n] = 0;
	if (val)
		return h->obj_set_str(o, path, val);
	h->obj_remove(o, path);
	if (!h->obj_len(h->obj_get(o, "metadata.annotations")))
		h->obj_remove(o, "metadata.annotations");
	return 0;
}

static const char *annotation(const cs_host *h, const cs_object *o, const char *key)
{
	return ck_label(h, h->obj_get(o, "metadata.annotations"), key);
}

/* The labels the Endpoints should carry: the service's, plus the
 * headless marker for a service without a cluster IP. */
static cs_object *wanted_labels(const cs_host *h, const cs_object *svc)
{
	const cs_object *l = h->obj_get(svc, "metadata.labels");
	cs_object *o = h->obj_new(CS_OBJ_MAP);
	if (!o ||
	    (h->obj_type(l) == CS_OBJ_MAP && h->obj_set(o, "metadata.labels", h->obj_clone(l))))
		goto fail;
	h->obj_remove(o, "metadata.labels.service\\.kubernetes\\.io/headless");
	/* !IsServiceIPSet: no cluster IP, or "None" */
	const char *cip = h->obj_str(svc, "spec.clusterIP");
	if ((!cip || !*cip || !strcmp(cip, "None")) &&
	    h->obj_set_str(o, "metadata.labels.service\\.kubernetes\\.io/headless", ""))
		goto fail;
	return o;
fail:
	h->obj_free(o);
	return NULL;
}

static int delete_endpoints(cs_mod *m, const char *ns, const char *name)
{
	const cs_host *h = m->host;
	cs_error err;
	int code = cs_api_delete(m, "endpoints", ns, name, &err);
	if (code && code != CS_NOT_FOUND) {
		h->log(m, CS_LOG_WARN, "endpoints %s/%s: deleting it failed (%d %s): %s", ns, name,
		       code, err.reason, err.message);
		return CS_RETRY;
	}
	if (!code)
		h->log(m, CS_LOG_INFO, "endpoints %s/%s: deleted with its service", ns, name);
	return CS_DONE;
}

static int sync_service(cs_mod *m, const cs_object *svc, const char *ns, const char *name)
{
	const cs_host *h = m->host;
	ep_ctrl *c = ep_of(m);
	const cs_object *cur = h->cache_get(c->eps, ns, name);
	struct scan s = {.m = m, .svc = svc, .trigger_t = -1};
	const char *prev = annotation(h, cur, ANN_TRIGGER);
	s.prev_t = cur ? ck_time(prev) : -1;
	consider_trigger(&s, h->obj_str(svc, "metadata.creationTimestamp"));
	cs_object *subsets = NULL, *want = NULL, *labels = NULL;
	int rc = CS_RETRY;
	if (!(s.b = ep_build_new(h)))
		goto oom;
	if (h->cache_each(c->pods, ns, NULL, scan_visit, &s) < 0 || s.oom)
		goto oom;
	if (!(subsets = ep_build_subsets(s.b)) || !(labels = wanted_labels(h, svc)))
		goto oom;
	bool truncated = h->obj_len(subsets) && ep_truncate(h, subsets);
	const cs_object *cur_subsets = h->obj_get(cur, "subsets");
	const cs_object *cur_labels = h->obj_get(cur, "metadata.labels");
	const cs_object *wl = h->obj_get(labels, "metadata.labels");
	bool same = cur &&
		    (h->obj_len(cur_subsets) ? h->obj_equal(cur_subsets, subsets)
					     : !h->obj_len(subsets)) &&
		    (h->obj_len(cur_labels) ? h->obj_equal(cur_labels, wl) : !h->obj_len(wl)) &&
		    truncated == (annotation(h, cur, ANN_OVER_CAPACITY) != NULL);
	if (same) {
		rc = CS_DONE;
		goto out;
	}
	want = cur ? h->obj_clone(cur) : h->obj_new(CS_OBJ_MAP);
	const char *trigger = s.trigger_t >= 0 ? s.trigger : prev;
	if (!want || h->obj_set_str(want, "apiVersion", "v1") ||
	    h->obj_set_str(want, "kind", "Endpoints") ||
	    h->obj_set_str(want, "metadata.name", name) ||
	    h->obj_set_str(want, "metadata.namespace", ns) ||
	    set_annotation(h, want, ANN_TRIGGER, trigger) ||
	    set_annotation(h, want, ANN_OVER_CAPACITY, truncated ? "truncated" : NULL))
		goto oom;
	h->obj_remove(want, "metadata.labels");
	if (wl && h->obj_set(want, "metadata.labels", h->obj_clone(wl)))
		goto oom;
	h->obj_remove(want, "subsets");
	if (h->obj_len(subsets)) {
		if (h->obj_set(want, "subsets", subsets)) {
			subsets = NULL;
			goto oom;
		}
		subsets = NULL;
	}
	cs_error err;
	int code = cur ? cs_api_update(m, "endpoints", want, NULL, &err)
		       : cs_api_create(m, "endpoints", ns, want, NULL, &err);
	if (code == CS_CONFLICT || (code == CS_NOT_FOUND && cur)) {
		/* The cache is behind; its event brings us back. */
		h->log(m, CS_LOG_DEBUG, "endpoints %s/%s: write conflicted (%d)", ns, name, code);
	} else if (code) {
		h->log(m, CS_LOG_WARN, "endpoints %s/%s: %s failed (%d %s): %s", ns, name,
		       cur ? "updating" : "creating", code, err.reason, err.message);
		/* A Warning about the Endpoints, worded as Kubernetes words it. */
		cs_object *ref = h->obj_new(CS_OBJ_MAP);
		if (ref && !h->obj_set_str(ref, "apiVersion", "v1") &&
		    !h->obj_set_str(ref, "kind", "Endpoints") &&
		    !h->obj_set_str(ref, "metadata.name", name) &&
		    !h->obj_set_str(ref, "metadata.namespace", ns) &&
		    !(cur &&
		      h->obj_set_str(ref, "metadata.uid", h->obj_str(cur, "metadata.uid") ?: ""))) {
			if (cur)
				h->event(m, ref, "Warning", "FailedToUpdateEndpoint",
					 "Failed to update endpoint %s/%s: %s", ns, name,
					 err.message);
			else
				h->event(m, ref, "Warning", "FailedToCreateEndpoint",
					 "Failed to create endpoint for service %s/%s: %s", ns,
					 name, err.message);
		}
		h->obj_free(ref);
	} else {
		h->metric_add(c->writes, 1);
		h->log(m, CS_LOG_DEBUG, "endpoints %s/%s: %s", ns, name,
		       cur ? "updated" : "created");
		rc = CS_DONE;
	}
	goto out;
oom:
	h->log(m, CS_LOG_WARN, "endpoints %s/%s: cannot build it: out of memory", ns, name);
out:
	for (size_t i = 0; i < s.nports; i++)
		h->obj_free(s.ports[i]);
	free(s.ports);
	ep_build_free(s.b);
	h->obj_free(subsets);
	h->obj_free(labels);
	h->obj_free(want);
	h->obj_free(cur);
	return rc;
}

static int ep_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	ep_ctrl *c = ep_of(m);
	if (!h->informer_synced(c->pods) || !h->informer_synced(c->eps))
		return 200;
	char ns[256];
	const char *slash = strchr(key, '/');
	if (!slash || (size_t)(slash - key) >= sizeof(ns))
		return CS_DONE;
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	const char *name = slash + 1;
	const cs_object *svc = h->cache_get(c->svcs, ns, name);
	if (!svc)
		return delete_endpoints(m, ns, name);
	int rc = CS_DONE;
	const cs_object *sel = h->obj_get(svc, "spec.selector");
	/* Without a selector the Endpoints are someone else's to write; an
	 * ExternalName service has none at all. */
	if (!ck_str_is(h->obj_str(svc, "spec.type"), "ExternalName") &&
	    h->obj_type(sel) == CS_OBJ_MAP && h->obj_len(sel))
		rc = sync_service(m, svc, ns, name);
	h->obj_free(svc);
	return rc;
}

/* ---- lifecycle ---- */

static void ep_fini(cs_mod *m)
{
	free(ep_of(m));
	m->host->set_data(m, NULL);
}

static int ep_init(cs_mod *m)
{
	const cs_host *h = m->host;
	ep_ctrl *c = calloc(1, sizeof(*c));
	if (!c) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	h->set_data(m, c);
	c->svcs = cs_controller_informer(m, PRIMARY);
	c->pods = h->informer_new(m, "pods", NULL, NULL, NULL, 0, &pod_handlers);
	c->eps = h->informer_new(m, "endpoints", NULL, NULL, NULL, 0, &eps_handlers);
	c->writes = h->metric_new(m, CS_METRIC_COUNTER, "endpoints_writes_total",
				  "Endpoints objects created or updated by the controller");
	if (!c->svcs || !c->pods || !c->eps || !c->writes) {
		h->log(m, CS_LOG_ERROR, "cannot set up the informers and metrics");
		ep_fini(m);
		return -1;
	}
	return 0;
}

static const cs_controller_ops ep_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = PRIMARY,
	.owns = NULL, /* pods and Endpoints: informers of our own, see the top */
	.workers = 2,
	.reconcile = ep_reconcile,
	.resync_seconds = 0,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "ctrl-endpoints",
	.version = "1.0.0",
	.description = "Endpoints controller: the addresses of the pods each Service selects",
	.kind = CS_KIND_CONTROLLER,
	.options = NULL,
	.init = ep_init,
	.fini = ep_fini,
	.ops = &ep_ops,
};
