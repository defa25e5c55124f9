/* API calls of modules (cs_host.call / call_async / event): requests become
 * the same HTTP requests any client sends, through the module host's
 * client (in-process or remote); results come back as shared objects. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "modhost.h"
#include "modobj.h"
#include "types.h"
#include "util.h"

static size_t urlenc(char *out, size_t n, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;
	for (; *s && k + 4 < n; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[k++] = (char)c;
		} else {
			out[k++] = '%';
			out[k++] = hex[c >> 4];
			out[k++] = hex[c & 15];
		}
	}
	out[k] = '\0';
	return k;
}

int cs_modapi_path(const char *resource, const char *ns, const char *name, char *buf, size_t n,
		   const cs_type **type, cs_error *err)
{
	char res[256];
	const char *sub = NULL;
	if (!resource || !*resource || strlen(resource) >= sizeof(res))
		return cs_host_table()->errorf(err, 400, "BadRequest",
					       "resource name missing or too long");
	snprintf(res, sizeof(res), "%s", resource);
	char *slash = strchr(res, '/');
	if (slash) {
		*slash = '\0';
		sub = slash + 1;
	}
	const cs_type *t = cs_type_resolve(res);
	if (!t)
		return cs_host_table()->errorf(err, 404, "NotFound",
					       "the server doesn't have a resource type \"%s\"",
					       res);
	if (type)
		*type = t;
	if (sub && (!name || !*name))
		return cs_host_table()->errorf(err, 400, "BadRequest",
					       "subresource %s of %s needs an object name", sub,
					       t->resource);
	int k;
	if (t->group[0])
		k = snprintf(buf, n, "/apis/%s/%s", t->group, t->version);
	else
		k = snprintf(buf, n, "/api/%s", t->version);
	if (t->namespaced && ns && *ns)
		k += snprintf(buf + k, n - (size_t)k, "/namespaces/%s", ns);
	k += snprintf(buf + k, n - (size_t)k, "/%s", t->resource);
	if (name && *name)
		k += snprintf(buf + k, n - (size_t)k, "/%s", name);
	if (sub)
		k += snprintf(buf + k, n - (size_t)k, "/%s", sub);
	if ((size_t)k >= n)
		return cs_host_table()->errorf(err, 400, "BadRequest", "request path too long");
	return 0;
}

int cs_modapi_result(int code, const char *body, size_t len, const cs_object **out, cs_error *err)
{
	if (out)
		*out = NULL;
	if (code >= 200 && code < 300) {
		if (!out)
			return 0;
		cs_error e;
		*out = cs_modobj_share_text(body, len, &e);
		if (!*out)
			return cs_host_table()->errorf(err, 500, "InternalError",
						       "unreadable API response: %s", e.message),
			       500;
		return 0;
	}
	if (!code) {
		cs_host_table()->errorf(err, CS_UNAVAILABLE, "ServiceUnavailable",
					"cannot reach the API: %.*s", (int)(len > 400 ? 400 : len),
					body);
		return CS_UNAVAILABLE;
	}
	char e[128];
	cs_json *st = cs_json_parse(body, len, e, sizeof(e));
	const char *reason = st ? cs_json_get_str(st, "reason") : NULL;
	const char *msg = st ? cs_json_get_str(st, "message") : NULL;
	cs_host_table()->errorf(err, code, reason ? reason : "", "%s",
				msg ? msg : "the API refused the request");
	cs_json_free(st);
	return code;
}

/* A request as the HTTP API sees it. */
struct wire {
	const char *method;
	char pq[2048];
	const char *ctype;
	char *body;
	size_t len;
};

static int to_wire(const cs_request *rq, struct wire *w, cs_error *err)
{
	memset(w, 0, sizeof(*w));
	const cs_json *body = rq->body ? cs_modobj_json(rq->body) : NULL;
	const char *name = rq->name;
	const char *ns = rq->ns;
	bool sub = rq->resource && strchr(rq->resource, '/');
	if ((rq->verb == CS_VERB_CREATE || rq->verb == CS_VERB_UPDATE) && body) {
		if (!name && (rq->verb == CS_VERB_UPDATE || sub))
			name = cs_json_str(cs_json_path(body, "metadata", "name", NULL));
		if (!ns)
			ns = cs_json_str(cs_json_path(body, "metadata", "namespace", NULL));
	}
	/* A create without subresource posts to the collection. */
	const char *pname = rq->verb == CS_VERB_CREATE && !sub ? NULL : name;
	if (rq->verb != CS_VERB_LIST && rq->verb != CS_VERB_CREATE && (!name || !*name))
		return cs_host_table()->errorf(err, 400, "BadRequest", "%s needs an object name",
					       rq->resource);
	if (cs_modapi_path(rq->resource, ns, pname, w->pq, sizeof(w->pq), NULL, err) < 0)
		return -1;
	switch (rq->verb) {
	case CS_VERB_GET: w->method = "GET"; break;
	case CS_VERB_LIST: {
		w->method = "GET";
		size_t k = strlen(w->pq);
		char sep = '?';
		const char *keys[2] = {"labelSelector", "fieldSelector"};
		const char *vals[2] = {rq->label_selector, rq->field_selector};
		for (int i = 0; i < 2; i++) {
			if (!vals[i] || !*vals[i])
				continue;
			k += (size_t)snprintf(w->pq + k, sizeof(w->pq) - k, "%c%s=", sep, keys[i]);
			if (k < sizeof(w->pq))
				k += urlenc(w->pq + k, sizeof(w->pq) - k, vals[i]);
			sep = '&';
		}
		if (k >= sizeof(w->pq) - 1)
			return cs_host_table()->errorf(err, 400, "BadRequest",
						       "selectors too long");
		break;
	}
	case CS_VERB_CREATE: w->method = "POST"; break;
	case CS_VERB_UPDATE: w->method = "PUT"; break;
	case CS_VERB_PATCH:
		w->method = "PATCH";
		w->ctype = rq->patch_type == CS_PATCH_JSON ? "application/json-patch+json"
			   : rq->patch_type == CS_PATCH_STRATEGIC
				   ? "application/strategic-merge-patch+json"
				   : "application/merge-patch+json";
		break;
	case CS_VERB_DELETE: w->method = "DELETE"; break;
	default:
		return cs_host_table()->errorf(err, 400, "BadRequest", "unknown verb %d", rq->verb);
	}
	if (rq->verb == CS_VERB_CREATE || rq->verb == CS_VERB_UPDATE || rq->verb == CS_VERB_PATCH) {
		if (!body)
			return cs_host_table()->errorf(err, 400, "BadRequest",
						       "%s of %s needs a body", w->method,
						       rq->resource);
	}
	if (body && rq->verb != CS_VERB_GET && rq->verb != CS_VERB_LIST) {
		w->body = cs_json_dump(body, false, &w->len);
		if (!w->ctype)
			w->ctype = "application/json";
	}
	return 0;
}

int cs_modapi_call(cs_mod *m, const cs_request *req, const cs_object **out, cs_error *err)
{
	cs_modinst *mi = cs_modinst_of(m);
	if (out)
		*out = NULL;
	struct wire w;
	if (to_wire(req, &w, err) < 0)
		return err && err->code ? err->code : 400;
	if (!mi->api) {
		free(w.body);
		cs_host_table()->errorf(err, CS_UNAVAILABLE, "ServiceUnavailable",
					"this process has no API to call");
		return CS_UNAVAILABLE;
	}
	char *body = NULL;
	size_t len = 0;
	int code = cs_client_call(mi->api, w.method, w.pq, w.ctype, w.body, w.len, &body, &len);
	free(w.body);
	int rc = cs_modapi_result(code, body ? body : "", len, out, err);
	free(body);
	return rc;
}

/* ---- asynchronous calls: the answer is handed to the module thread ---- */

struct async {
	cs_modinst *mi;
	cs_done_fn done;
	void *arg;
	int code;
	char *body;
	size_t len;
};

static void async_run(void *p)
{
	struct async *a = p;
	cs_modinst *mi = a->mi;
	/* Module code does not run after its stop began. */
	if (!atomic_load(&mi->stopping)) {
		const cs_object *res = NULL;
		cs_error err = {0};
		int rc = cs_modapi_result(a->code, a->body, a->len, &res, &err);
		a->done(&mi->pub, a->arg, rc, res, rc ? &err : NULL);
		cs_host_table()->obj_free(res);
	}
	free(a->body);
	free(a);
	cs_modinst_release(mi);
}

static void async_drop(void *p)
{
	struct async *a = p;
	cs_modinst *mi = a->mi;
	free(a->body);
	free(a);
	cs_modinst_release(mi);
}

static void async_done(void *arg, int code, char *body, size_t len)
{
	struct async *a = arg;
	a->code = code;
	a->body = body;
	a->len = len;
	cs_loop_post(a->mi->loop, async_run, async_drop, a);
}

int cs_modapi_call_async(cs_mod *m, const cs_request *req, cs_done_fn done, void *arg)
{
	cs_modinst *mi = cs_modinst_of(m);
	cs_error err;
	struct wire w;
	if (to_wire(req, &w, &err) < 0) {
		cs_mod_log(m, CS_LOG_WARN, "async %s: %s", req->resource ? req->resource : "?",
			   err.message);
		return err.code ? err.code : 400;
	}
	if (!mi->api || atomic_load(&mi->stopping)) {
		free(w.body);
		return CS_UNAVAILABLE;
	}
	struct async *a = calloc(1, sizeof(*a));
	if (!a)
		abort();
	a->mi = mi;
	a->done = done;
	a->arg = arg;
	cs_modinst_hold(mi);
	mi->api->ops->request(mi->api, w.method, w.pq, w.ctype, w.body, w.len, async_done, a);
	free(w.body);
	return 0;
}

/* ---- Events ---- */

/* Repeats of one (object, type, reason, message) within the cache are
 * counted on one Event, like client-go's EventCorrelator. */
#define EV_CACHE 64

struct cs_evrec {
	char key[768];
	char name[128], ns[128];
	int count;
};

static void ev_done(cs_mod *m, void *arg, int code, const cs_object *res, const cs_error *err)
{
	(void)res;
	(void)arg;
	if (code)
		cs_mod_log(m, CS_LOG_DEBUG, "event not recorded: %s", err ? err->message : "");
}

void cs_modapi_event(cs_mod *m, const cs_object *regarding, const char *type, const char *reason,
		     const char *fmt, ...)
{
	cs_modinst *mi = cs_modinst_of(m);
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const cs_json *o = regarding ? cs_modobj_json(regarding) : NULL;
	const cs_json *md = cs_json_get(o, "metadata");
	const char *kind = cs_json_get_str(o, "kind");
	const char *name = cs_json_get_str(md, "name");
	if (!kind || !name) {
		cs_mod_log(m, CS_LOG_WARN, "event %s about an object without kind/name: %s", reason,
			   msg);
		return;
	}
	const char *ns = cs_json_get_str(md, "namespace");
	const char *evns = ns && *ns ? ns : "default";
	const char *uid = cs_json_get_str(md, "uid");
	char key[768];
	snprintf(key, sizeof(key), "%s/%s/%s/%s/%s/%s/%.400s", kind, evns, name, type, reason,
		 uid ? uid : "", msg);
	char now[32];
	cs_rfc3339_now(now);
	pthread_mutex_lock(&mi->mu);
	if (!mi->events)
		mi->events = calloc(EV_CACHE, sizeof(*mi->events));
	struct cs_evrec *hit = NULL, *slot = &mi->events[0];
	for (int i = 0; mi->events && i < EV_CACHE; i++) {
		if (!strcmp(mi->events[i].key, key)) {
			hit = &mi->events[i];
			break;
		}
		if (mi->events[i].count < slot->count)
			slot = &mi->events[i];
	}
	if (hit) {
		int count = ++hit->count;
		char evname[128], evns2[128];
		snprintf(evname, sizeof(evname), "%s", hit->name);
		snprintf(evns2, sizeof(evns2), "%s", hit->ns);
		pthread_mutex_unlock(&mi->mu);
		cs_json *p = cs_json_object();
		cs_json_set(p, "count", cs_json_int(count));
		cs_json_set(p, "lastTimestamp", cs_json_string(now));
		cs_request rq = {.verb = CS_VERB_PATCH,
				 .resource = "events",
				 .ns = evns2,
				 .name = evname,
				 .patch_type = CS_PATCH_MERGE,
				 .body = (const cs_object *)p};
		cs_modapi_call_async(m, &rq, ev_done, NULL);
		cs_json_free(p);
		return;
	}
	char suffix[17];
	cs_random_suffix(suffix, sizeof(suffix) - 1);
	char evname[128];
	snprintf(evname, sizeof(evname), "%.100s.%s", name, suffix);
	if (mi->events) {
		snprintf(slot->key, sizeof(slot->key), "%s", key);
		snprintf(slot->name, sizeof(slot->name), "%s", evname);
		snprintf(slot->ns, sizeof(slot->ns), "%s", evns);
		slot->count = 1;
	}
	pthread_mutex_unlock(&mi->mu);
	cs_json *ev = cs_json_object();
	cs_json_set(ev, "apiVersion", cs_json_string("v1"));
	cs_json_set(ev, "kind", cs_json_string("Event"));
	cs_json *emd = cs_json_obj_ensure(ev, "metadata");
	cs_json_set(emd, "name", cs_json_string(evname));
	cs_json_set(emd, "namespace", cs_json_string(evns));
	cs_json *io = cs_json_obj_ensure(ev, "involvedObject");
	const char *apiv = cs_json_get_str(o, "apiVersion");
	if (apiv)
		cs_json_set(io, "apiVersion", cs_json_string(apiv));
	cs_json_set(io, "kind", cs_json_string(kind));
	cs_json_set(io, "name", cs_json_string(name));
	if (ns && *ns)
		cs_json_set(io, "namespace", cs_json_string(ns));
	if (uid)
		cs_json_set(io, "uid", cs_json_string(uid));
	const char *rv = cs_json_get_str(md, "resourceVersion");
	if (rv)
		cs_json_set(io, "resourceVersion", cs_json_string(rv));
	cs_json_set(ev, "reason", cs_json_string(reason));
	cs_json_set(ev, "message", cs_json_string(msg));
	cs_json_set(ev, "type", cs_json_string(type && *type ? type : "Normal"));
	cs_json_set(ev, "count", cs_json_int(1));
	cs_json_set(ev, "firstTimestamp", cs_json_string(now));
	cs_json_set(ev, "lastTimestamp", cs_json_string(now));
	cs_json *src = cs_json_obj_ensure(ev, "source");
	cs_json_set(src, "component", cs_json_string(mi->name));
	if (mi->env && mi->env->node_name)
		cs_json_set(src, "host", cs_json_string(mi->env->node_name));
	cs_json_set(ev, "reportingComponent", cs_json_string(mi->name));
	cs_request rq = {.verb = CS_VERB_CREATE,
			 .resource = "events",
			 .ns = evns,
			 .body = (const cs_object *)ev};
	cs_modapi_call_async(m, &rq, ev_done, NULL);
	cs_json_free(ev);
}

void cs_modapi_events_free(cs_modinst *mi)
{
	free(mi->events);
	mi->events = NULL;
}
