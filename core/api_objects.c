/* Object verbs: get, list, create, update, patch, delete, deletecollection,
 * and the status and scale subresources. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <capstan/admission.h>

#include "admission.h"
#include "api.h"
#include "log.h"
#include "modadmit.h"
#include "offload.h"
#include "patch.h"
#include "selector.h"
#include "util.h"

#define KEYLEN 1024

/* ---- helpers ---- */

static void details(cs_status *st, const cs_type *t, const char *name)
{
	snprintf(st->kind, sizeof(st->kind), "%s", t->resource);
	snprintf(st->group, sizeof(st->group), "%s", t->group);
	snprintf(st->name, sizeof(st->name), "%s", name ? name : "");
}

/* "pods" or "deployments.apps", as Kubernetes names a resource in errors. */
static const char *qualified(const cs_type *t, char *buf, size_t n)
{
	if (t->group[0])
		snprintf(buf, n, "%s.%s", t->resource, t->group);
	else
		snprintf(buf, n, "%s", t->resource);
	return buf;
}

static int not_found(cs_status *st, const cs_type *t, const char *name)
{
	char q[128];
	cs_status_set(st, 404, "NotFound", "%s \"%s\" not found", qualified(t, q, sizeof(q)), name);
	details(st, t, name);
	return -1;
}

static int conflict(cs_status *st, const cs_type *t, const char *name)
{
	char q[128];
	cs_status_set(st, 409, "Conflict",
		      "Operation cannot be fulfilled on %s \"%s\": the object has been modified; "
		      "please apply your changes to the latest version and try again",
		      qualified(t, q, sizeof(q)), name);
	details(st, t, name);
	return -1;
}

static bool wants_table(const cs_req *r)
{
	return strstr(r->accept, "as=Table") != NULL;
}

static bool is_json_ctype(const char *ct)
{
	/* Some clients (kubectl 1.20's generators) send no Content-Type;
	 * Kubernetes reads those bodies as JSON. */
	if (!*ct)
		return true;
	return !strncasecmp(ct, "application/json", 16) &&
	       (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

static cs_json *parse_body(cs_req *r, cs_status *st)
{
	char err[256];
	if (!r->body || !r->body_len) {
		cs_status_set(st, 400, "BadRequest", "the request body is empty");
		return NULL;
	}
	cs_json *doc = cs_json_parse(r->body, r->body_len, err, sizeof(err));
	if (!doc) {
		cs_status_set(st, 400, "BadRequest", "the request body is not valid JSON: %s", err);
		return NULL;
	}
	return doc;
}

static uint64_t obj_rv(const cs_json *doc)
{
	uint64_t v = 0;
	cs_parse_u64(cs_json_str(cs_json_path(doc, "metadata", "resourceVersion", NULL)), &v);
	return v;
}

static void set_rv(cs_json *doc, uint64_t rev)
{
	char b[24];
	snprintf(b, sizeof(b), "%llu", (unsigned long long)rev);
	cs_json_set(cs_json_obj_ensure(doc, "metadata"), "resourceVersion", cs_json_string(b));
}

/* Checks apiVersion/kind of a body against the URL's type. */
static int check_kind(const cs_type *t, cs_json *doc, cs_status *st)
{
	if (!cs_json_is(doc, CS_JSON_OBJECT))
		return cs_status_set(st, 400, "BadRequest",
				     "the request body must be a JSON object (a %s)", t->kind);
	const char *av = cs_json_get_str(doc, "apiVersion");
	const char *k = cs_json_get_str(doc, "kind");
	if (!k)
		return cs_status_set(st, 400, "BadRequest", "Object 'Kind' is missing in the body");
	if (!av)
		return cs_status_set(st, 400, "BadRequest",
				     "Object 'apiVersion' is missing in the body");
	if (strcmp(k, t->kind) || strcmp(av, cs_type_api_version(t)))
		return cs_status_set(st, 400, "BadRequest",
				     "the body is a %s %s, but this URL serves %s %s", av, k,
				     cs_type_api_version(t), t->kind);
	cs_json *md = cs_json_get(doc, "metadata");
	if (md && !cs_json_is(md, CS_JSON_OBJECT))
		return cs_status_set(st, 400, "BadRequest", "metadata must be an object");
	if (!md)
		cs_json_set(doc, "metadata", cs_json_object());
	return 0;
}

static bool namespace_usable(cs_server *srv, const char *ns, cs_status *st)
{
	char key[KEYLEN];
	cs_key(key, sizeof(key), cs_type_find("", "v1", "namespaces"), NULL, ns);
	cs_obj *o = cs_store_get_latest(srv->store, key);
	if (!o) {
		cs_status_set(st, 404, "NotFound", "namespaces \"%s\" not found", ns);
		snprintf(st->kind, sizeof(st->kind), "namespaces");
		snprintf(st->name, sizeof(st->name), "%s", ns);
		return false;
	}
	if (strstr(o->json, "\"deletionTimestamp\"") &&
	    cs_json_path(cs_obj_doc(o), "metadata", "deletionTimestamp", NULL)) {
		cs_status_set(st, 403, "Forbidden",
			      "unable to create new content in namespace %s because it is being "
			      "terminated",
			      ns);
		return false;
	}
	return true;
}

/* ---- write completion ---- */

enum reply_mode { REPLY_OBJECT, REPLY_SCALE, REPLY_DELETED_STATUS, REPLY_MULTI, REPLY_BOUND };

struct multi {
	cs_req *r;
	int pending;
	cs_json *items; /* deleted objects for deletecollection */
	const cs_type *t;
};

struct wctx {
	cs_req *r;
	const cs_type *t;
	int code;
	enum reply_mode mode;
	char *json;
	size_t len;
	struct multi *m;
};

static cs_json *scale_of(const cs_json *obj);

static void multi_done(struct multi *m)
{
	if (--m->pending > 0)
		return;
	cs_json *list = cs_json_object();
	cs_json_set(list, "kind", cs_json_string(m->t->list_kind));
	cs_json_set(list, "apiVersion", cs_json_string(cs_type_api_version(m->t)));
	cs_json_set(list, "metadata", cs_json_object());
	cs_json_set(list, "items", m->items);
	cs_reply_json(m->r, 200, list);
	cs_req_release(m->r);
	free(m);
}

static void write_done(void *arg, int err, uint64_t rev)
{
	struct wctx *w = arg;
	(void)rev;
	if (w->m) {
		if (!err && w->json) {
			char e[128];
			cs_json *d = cs_json_parse(w->json, w->len, e, sizeof(e));
			if (d)
				cs_json_push(w->m->items, d);
		}
		multi_done(w->m);
	} else if (w->r) {
		if (err) {
			cs_reply_error(w->r, 500, "InternalError", "store write failed: %s",
				       strerror(-err));
		} else if (w->mode == REPLY_BOUND) {
			/* As Kubernetes: a Binding answers with a success Status. */
			static const char ok[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
						 "\"metadata\":{},\"status\":\"Success\","
						 "\"code\":201}";
			cs_reply_raw(w->r, 201, "application/json", ok, sizeof(ok) - 1);
		} else if (w->mode == REPLY_SCALE) {
			char e[128];
			cs_json *d = cs_json_parse(w->json, w->len, e, sizeof(e));
			cs_reply_json(w->r, w->code, scale_of(d));
			cs_json_free(d);
		} else {
			cs_reply_raw(w->r, w->code, "application/json", w->json, w->len);
		}
		cs_req_release(w->r);
	}
	free(w->json);
	free(w);
}

/* Serialise doc at the next revision and queue it. Takes doc. */
static int store_write(cs_server *srv, cs_req *r, const cs_type *t, const char *key, cs_json *doc,
		       uint64_t expect, bool del, int code, enum reply_mode mode, struct multi *m,
		       cs_status *st)
{
	uint64_t rev = cs_store_next_rev(srv->store);
	set_rv(doc, rev);
	struct wctx *w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	w->r = r;
	w->t = t;
	w->code = code;
	w->mode = mode;
	w->m = m;
	w->json = cs_json_dump(doc, false, &w->len);
	/* The store keeps doc as the new version's parse. */
	int rc = del ? cs_store_delete_doc(srv->store, key, w->json, w->len, doc, rev, expect,
					   write_done, w)
		     : cs_store_put_doc(srv->store, key, w->json, w->len, doc, rev, expect,
					write_done, w);
	if (rc < 0) {
		free(w->json);
		free(w);
		const char *name = strrchr(key, '/') + 1;
		if (rc == -EEXIST) {
			char q[128];
			cs_status_set(st, 409, "AlreadyExists", "%s \"%s\" already exists",
				      qualified(t, q, sizeof(q)), name);
			details(st, t, name);
			return -1;
		}
		if (rc == -ENOENT)
			return not_found(st, t, name);
		if (rc == -ESTALE)
			return conflict(st, t, name);
		return cs_status_set(st, 500, "InternalError", "store refused the write of %s: %s",
				     key, strerror(-rc));
	}
	if (r)
		r->pending = true;
	if (m)
		m->pending++;
	return 0;
}

/* ---- create ---- */

static const char *server_fields[] = {"uid",
				      "resourceVersion",
				      "creationTimestamp",
				      "deletionTimestamp",
				      "deletionGracePeriodSeconds",
				      "generation",
				      "managedFields",
				      "selfLink"};

static bool dry_run(const cs_req *r)
{
	const char *d = cs_req_query(r, "dryRun");
	return d && !strcmp(d, "All");
}

/* Prepares a new object (metadata, defaults, validation).  On success the
 * object's final name is in md.name. */
static int prepare_create(cs_server *srv, const cs_type *t, const char *ns, cs_json *doc,
			  cs_status *st)
{
	cs_json *md = cs_json_get(doc, "metadata");
	const char *bns = cs_json_get_str(md, "namespace");
	if (t->namespaced) {
		if (bns && ns && strcmp(bns, ns))
			return cs_status_set(st, 400, "BadRequest",
					     "the namespace of the provided object (%s) does not "
					     "match the namespace sent on the request (%s)",
					     bns, ns);
		if (!ns)
			ns = bns;
		if (!ns)
			return cs_status_set(st, 400, "BadRequest",
					     "a namespace is required to create a %s", t->kind);
		cs_json_set(md, "namespace", cs_json_string(ns));
		if (!namespace_usable(srv, ns, st))
			return -1;
	} else if (bns) {
		cs_json_del(md, "namespace");
	}
	for (size_t i = 0; i < sizeof(server_fields) / sizeof(*server_fields); i++)
		cs_json_del(md, server_fields[i]);
	/* Status is written by controllers through /status, never by the
	 * creator (defaulting may then set e.g. a pod's initial phase). */
	if (t->subresources & CS_SUB_STATUS)
		cs_json_del(doc, "status");
	const char *name = cs_json_get_str(md, "name");
	const char *gen = cs_json_get_str(md, "generateName");
	if ((!name || !*name) && gen && *gen) {
		char sfx[8];
		cs_random_suffix(sfx, 5);
		/* As Kubernetes: the base is cut so the name fits 63. */
		cs_json_set(md, "name", cs_json_stringf("%.58s%s", gen, sfx));
	} else if (!name || !*name) {
		cs_status_set(st, 422, "Invalid",
			      "%s \"\" is invalid: metadata.name: Required value: name or "
			      "generateName is required",
			      t->kind);
		cs_status_cause(st, "FieldValueRequired", "metadata.name",
				"Required value: name or generateName is required");
		snprintf(st->kind, sizeof(st->kind), "%s", t->kind);
		return -1;
	}
	/* uid first: defaulting derives Job selectors from it. */
	char uid[37], ts[32];
	cs_uuid(uid);
	cs_rfc3339_now(ts);
	cs_json_set(md, "uid", cs_json_string(uid));
	cs_json_set(md, "creationTimestamp", cs_json_string(ts));
	cs_type_default(t, doc);
	return cs_admit_mutate(srv, t, NULL, doc, NULL, st);
}

/* After validation and module admission: the rest of a new object. */
static int finish_create(cs_server *srv, const cs_type *t, cs_json *doc, cs_status *st)
{
	if (cs_admit_validate(srv, t, doc, NULL, st) < 0)
		return -1;
	if (t->has_spec)
		cs_json_set(cs_json_get(doc, "metadata"), "generation", cs_json_int(1));
	return 0;
}

/* ---- validation and module admission ----
 *
 * A create or update, once defaulted and through built-in mutating
 * admission, is validated and, when admission modules want it, handed to
 * them on an offload thread (mutate, validate the object, validate); the
 * request waits meanwhile and `finish` completes it on the loop thread.
 * Without modules all of it happens at once. */

struct admit_job;
typedef int (*admit_finish_fn)(struct admit_job *j, cs_status *st);

struct admit_job {
	cs_req *r;
	const cs_type *t;
	cs_admit_call call; /* its strings point into the fields below */
	char resource[160], sub[32], ns[256], name[256], key[KEYLEN];
	cs_json *doc;       /* owned */
	const cs_json *old; /* update: the stored object */
	cs_json *old_copy;  /* ... copied for the offload thread */
	cs_json *vold;      /* update: what validation compares with (owned) */
	bool vold_view;     /* ... a bind_view() over old, not a tree */
	cs_obj *cur;        /* update: referenced */
	enum reply_mode mode;
	admit_finish_fn finish;
	cs_status st; /* offload thread's verdict */
	int rc;
};

static struct admit_job *job_new(cs_req *r, const cs_type *t, const char *sub, unsigned op,
				 cs_json *doc)
{
	struct admit_job *j = calloc(1, sizeof(*j));
	if (!j)
		abort();
	j->r = r;
	j->t = t;
	j->doc = doc;
	const cs_json *md = cs_json_get(doc, "metadata");
	if (t->group[0])
		snprintf(j->resource, sizeof(j->resource), "%s.%s", t->resource, t->group);
	else
		snprintf(j->resource, sizeof(j->resource), "%s", t->resource);
	snprintf(j->sub, sizeof(j->sub), "%s", sub ? sub : "");
	snprintf(j->ns, sizeof(j->ns), "%s", cs_json_get_str(md, "namespace") ?: "");
	snprintf(j->name, sizeof(j->name), "%s", cs_json_get_str(md, "name") ?: "");
	j->call = (cs_admit_call){.op = op,
				  .type = t,
				  .resource = j->resource,
				  .sub = sub ? j->sub : NULL,
				  .ns = t->namespaced ? j->ns : NULL,
				  .name = j->name,
				  .dry_run = dry_run(r)};
	return j;
}

/* old with spec.nodeName set to a copy of node, for validating a binding:
 * fresh nodes for the object and its spec whose other members are old's own
 * (keys and values borrowed), so binding does not copy the whole pod.  NULL
 * when old has no spec object to overlay.  Read-only; view_free() frees. */
static cs_json *bind_view(const cs_json *old, const cs_json *node)
{
	const cs_json *spec = cs_json_get(old, "spec");
	if (!cs_json_is(old, CS_JSON_OBJECT) || !cs_json_is(spec, CS_JSON_OBJECT) || !node)
		return NULL;
	cs_json *sv = cs_json_object();
	sv->u.obj.cap = spec->u.obj.len + 1;
	sv->u.obj.keys = malloc(sv->u.obj.cap * sizeof(char *));
	sv->u.obj.vals = malloc(sv->u.obj.cap * sizeof(cs_json *));
	cs_json *v = cs_json_object();
	v->u.obj.cap = old->u.obj.len;
	v->u.obj.keys = malloc(v->u.obj.cap * sizeof(char *));
	v->u.obj.vals = malloc(v->u.obj.cap * sizeof(cs_json *));
	if (!sv->u.obj.keys || !sv->u.obj.vals || !v->u.obj.keys || !v->u.obj.vals)
		abort();
	/* As cs_json_set: nodeName replaced in place, or appended. */
	static char nodename[] = "nodeName";
	bool set = false;
	for (size_t i = 0; i < spec->u.obj.len; i++) {
		bool here = !strcmp(spec->u.obj.keys[i], nodename);
		sv->u.obj.keys[i] = here ? nodename : spec->u.obj.keys[i];
		sv->u.obj.vals[i] = here ? cs_json_clone(node) : spec->u.obj.vals[i];
		set = set || here;
	}
	sv->u.obj.len = spec->u.obj.len;
	if (!set) {
		sv->u.obj.keys[sv->u.obj.len] = nodename;
		sv->u.obj.vals[sv->u.obj.len++] = cs_json_clone(node);
	}
	for (size_t i = 0; i < old->u.obj.len; i++) {
		v->u.obj.keys[i] = old->u.obj.keys[i];
		v->u.obj.vals[i] = old->u.obj.vals[i] == spec ? sv : old->u.obj.vals[i];
	}
	v->u.obj.len = old->u.obj.len;
	return v;
}

static void view_free(cs_json *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->u.obj.len; i++) {
		cs_json *sv = v->u.obj.vals[i];
		if (strcmp(v->u.obj.keys[i], "spec"))
			continue;
		for (size_t k = 0; k < sv->u.obj.len; k++)
			if (!strcmp(sv->u.obj.keys[k], "nodeName"))
				cs_json_free(sv->u.obj.vals[k]);
		free(sv->u.obj.keys);
		free(sv->u.obj.vals);
		free(sv);
	}
	free(v->u.obj.keys);
	free(v->u.obj.vals);
	free(v);
}

static void job_free(struct admit_job *j)
{
	cs_json_free(j->doc);
	cs_json_free(j->old_copy);
	if (j->vold_view)
		view_free(j->vold);
	else
		cs_json_free(j->vold);
	if (j->cur)
		cs_obj_unref(j->cur);
	free(j);
}

/* Offload thread: the module chain around validation. */
static void admit_work(void *arg)
{
	struct admit_job *j = arg;
	cs_modadmit *a = j->r->srv->admit;
	const cs_json *vold = j->vold ? j->vold : j->old;
	j->rc = cs_modadmit_run(a, &j->call, CS_ADMIT_MUTATE, j->doc, &j->st);
	if (!j->rc) {
		/* Identity is the API server's, not a module's to change. */
		const cs_json *md = cs_json_get(j->doc, "metadata");
		const char *name = cs_json_get_str(md, "name");
		const char *ns = cs_json_get_str(md, "namespace");
		if (!name || strcmp(name, j->name) || strcmp(ns ? ns : "", j->ns))
			j->rc = cs_status_set(&j->st, 500, "InternalError",
					      "an admission module changed the name or namespace "
					      "of %s \"%s\"",
					      j->resource, j->name);
	}
	if (!j->rc)
		j->rc = cs_type_validate_sub(j->t, j->doc, vold, j->call.sub, &j->st);
	if (!j->rc)
		j->rc = cs_modadmit_run(a, &j->call, CS_ADMIT_VALIDATE, j->doc, &j->st);
}

/* Loop thread: reply with the verdict, or finish the write. */
static void admit_done(void *arg)
{
	struct admit_job *j = arg;
	cs_req *r = j->r;
	r->pending = false;
	cs_status st = {0};
	int rc = j->rc ? -1 : j->finish(j, &st);
	if (rc < 0)
		cs_reply_status(r, j->rc ? &j->st : &st);
	if (!r->pending)
		cs_req_release(r);
	job_free(j);
}

/* Validate j->doc (and run the admission modules), then finish.  Returns
 * 0 when replied or queued, -1 with st set. */
static int admit(struct admit_job *j, cs_status *st)
{
	cs_req *r = j->r;
	if (!r->skip_module_admission && cs_modadmit_wants(r->srv->admit, &j->call)) {
		/* The stored object parses lazily on this thread only. */
		if (j->old) {
			j->old_copy = cs_json_clone(j->old);
			j->old = j->call.old = j->old_copy;
		}
		if (j->vold_view) {
			/* ... and a view borrows from that parse. */
			cs_json *copy = cs_json_clone(j->vold);
			view_free(j->vold);
			j->vold = copy;
			j->vold_view = false;
		}
		r->pending = true;
		cs_offload_submit(r->srv->offload, admit_work, admit_done, j);
		return 0;
	}
	int rc = cs_type_validate_sub(j->t, j->doc, j->vold ? j->vold : j->old, j->call.sub, st);
	if (!rc)
		rc = j->finish(j, st);
	job_free(j);
	return rc;
}

static int create_admitted(struct admit_job *j, cs_status *st);

static int do_create(cs_req *r, const cs_target *tg, cs_status *st)
{
	cs_json *doc = parse_body(r, st);
	if (!doc)
		return -1;
	if (check_kind(tg->type, doc, st) < 0 ||
	    prepare_create(r->srv, tg->type, tg->ns, doc, st) < 0) {
		cs_json_free(doc);
		return -1;
	}
	struct admit_job *j = job_new(r, tg->type, NULL, CS_ADMIT_CREATE, doc);
	j->finish = create_admitted;
	return admit(j, st);
}

static int create_admitted(struct admit_job *j, cs_status *st)
{
	cs_req *r = j->r;
	if (finish_create(r->srv, j->t, j->doc, st) < 0)
		return -1;
	char key[KEYLEN];
	cs_key(key, sizeof(key), j->t, j->t->namespaced ? j->ns : NULL, j->name);
	if (dry_run(r)) {
		if (cs_store_get_latest(r->srv->store, key)) {
			char q[128];
			cs_status_set(st, 409, "AlreadyExists", "%s \"%s\" already exists",
				      qualified(j->t, q, sizeof(q)), j->name);
			return -1;
		}
		cs_reply_json(r, 201, j->doc);
		j->doc = NULL;
		return 0;
	}
	cs_json *doc = j->doc;
	j->doc = NULL;
	return store_write(r->srv, r, j->t, key, doc, 0, false, 201, REPLY_OBJECT, NULL, st);
}

/* ---- update / patch / status / scale ---- */

static bool spec_changed(const cs_json *a, const cs_json *b)
{
	return !cs_json_equal(cs_json_get(a, "spec"), cs_json_get(b, "spec"));
}

static void remove_rv(cs_json *doc)
{
	cs_json_del(cs_json_get(doc, "metadata"), "resourceVersion");
}

/* Whether doc is old with (only) its status replaced, key order included,
 * i.e. what the stored object with doc's status put in its place (or
 * removed) serialises to. */
static bool same_but_status(const cs_json *doc, const cs_json *old)
{
	if (!cs_json_is(doc, CS_JSON_OBJECT) || !cs_json_is(old, CS_JSON_OBJECT))
		return false;
	size_t n = doc->u.obj.len, m = old->u.obj.len, i = 0, j = 0;
	ssize_t ds = -1, os = -1;
	for (;;) {
		if (i < n && !strcmp(doc->u.obj.keys[i], "status"))
			ds = (ssize_t)i++;
		if (j < m && !strcmp(old->u.obj.keys[j], "status"))
			os = (ssize_t)j++;
		if (i == n || j == m)
			break;
		if (strcmp(doc->u.obj.keys[i], old->u.obj.keys[j]) ||
		    !cs_json_identical(doc->u.obj.vals[i], old->u.obj.vals[j]))
			return false;
		i++;
		j++;
	}
	if (i != n || j != m)
		return false;
	if (ds < 0)
		return true; /* the stored object without its status */
	if (os < 0)
		return ds == (ssize_t)n - 1; /* a new status goes last */
	return ds == os;
}

/* Writes `doc` as the new version of `cur`.  sub: NULL (main resource),
 * "status" or "scale".  Takes doc. */
static int update_admitted(struct admit_job *j, cs_status *st);

static int commit_update(cs_req *r, const cs_target *tg, const char *key, cs_obj *cur, cs_json *doc,
			 enum reply_mode mode, cs_status *st)
{
	const cs_type *t = tg->type;
	const cs_json *old = cs_obj_doc(cur);
	cs_json *md = cs_json_get(doc, "metadata");
	const char *bname = cs_json_get_str(md, "name");
	if (bname && strcmp(bname, tg->name)) {
		cs_json_free(doc);
		return cs_status_set(
			st, 400, "BadRequest",
			"the name of the object (%s) does not match the name on the URL "
			"(%s)",
			bname, tg->name);
	}
	uint64_t want = obj_rv(doc);
	if (cs_json_path(doc, "metadata", "resourceVersion", NULL) && want != cur->rev) {
		cs_json_free(doc);
		return conflict(st, t, tg->name);
	}
	const cs_json *omd = cs_json_get(old, "metadata");
	/* Fields the server owns are carried over whatever the client sent. */
	static const char *keep[] = {"name",
				     "namespace",
				     "uid",
				     "creationTimestamp",
				     "deletionTimestamp",
				     "deletionGracePeriodSeconds",
				     "generation"};
	for (size_t i = 0; i < sizeof(keep) / sizeof(*keep); i++) {
		cs_json *v = cs_json_get(omd, keep[i]);
		if (v)
			cs_json_set(md, keep[i], cs_json_clone(v));
		else
			cs_json_del(md, keep[i]);
	}
	bool status_sub = tg->sub && !strcmp(tg->sub, "status");
	bool binding = tg->sub && !strcmp(tg->sub, "binding");
	if (t->subresources & CS_SUB_FINALIZE) {
		/* spec.finalizers of a namespace is the finalize subresource's
		 * to change, and only it changes there (Kubernetes'
		 * NamespaceStrategy.PrepareForUpdate, and finalize's own
		 * strategy narrowed to the finalizers). */
		bool finalize = tg->sub && !strcmp(tg->sub, "finalize");
		const cs_json *from = finalize ? doc : old;
		cs_json *fins = cs_json_path(from, "spec", "finalizers", NULL);
		fins = fins ? cs_json_clone(fins) : NULL;
		if (finalize) {
			cs_json_free(doc);
			doc = cs_json_clone(old);
			md = cs_json_get(doc, "metadata");
		}
		if (fins)
			cs_json_set(cs_json_obj_ensure(doc, "spec"), "finalizers", fins);
		else
			cs_json_del(cs_json_get(doc, "spec"), "finalizers");
	}
	if (binding) {
		/* spec.nodeName and the PodScheduled condition, set by do_bind. */
	} else if (status_sub && same_but_status(doc, old)) {
		/* The stored object with the new status already: what status
		 * writers send (the copy below would build the same tree). */
	} else if (status_sub) {
		/* Only status changes through /status. */
		cs_json *newstatus = cs_json_take(doc, "status");
		cs_json *base = cs_json_clone(old);
		if (newstatus)
			cs_json_set(base, "status", newstatus);
		else
			cs_json_del(base, "status");
		cs_json_free(doc);
		doc = base;
		md = cs_json_get(doc, "metadata");
	} else if (t->subresources & CS_SUB_STATUS) {
		/* ... and never through the main resource. */
		cs_json *os = cs_json_get(old, "status");
		if (os)
			cs_json_set(doc, "status", cs_json_clone(os));
		else
			cs_json_del(doc, "status");
	}
	cs_type_default(t, doc);
	if (cs_admit_mutate(r->srv, t, tg->sub, doc, old, st) < 0) {
		cs_json_free(doc);
		return -1;
	}
	/* A binding is the one write that may set a pod's nodeName: validate
	 * it as an update from the pod with that node. */
	cs_json *vold = NULL;
	bool view = false;
	if (binding) {
		const cs_json *node = cs_json_path(doc, "spec", "nodeName", NULL);
		vold = bind_view(old, node);
		view = vold != NULL;
		if (!vold) {
			vold = cs_json_clone(old);
			cs_json_set(cs_json_obj_ensure(vold, "spec"), "nodeName",
				    cs_json_clone(node));
		}
	}
	struct admit_job *j = job_new(r, t, tg->sub, CS_ADMIT_UPDATE, doc);
	j->finish = update_admitted;
	j->mode = mode;
	j->cur = cs_obj_ref(cur);
	j->old = j->call.old = old;
	j->vold = vold;
	j->vold_view = view;
	snprintf(j->key, sizeof(j->key), "%s", key);
	return admit(j, st);
}

static int update_admitted(struct admit_job *j, cs_status *st)
{
	cs_req *r = j->r;
	const cs_type *t = j->t;
	cs_obj *cur = j->cur;
	const cs_json *old = j->old;
	const cs_json *omd = cs_json_get(old, "metadata");
	enum reply_mode mode = j->mode;
	const char *key = j->key;
	cs_json *doc = j->doc;
	j->doc = NULL;
	cs_json *md = cs_json_get(doc, "metadata");
	if (cs_admit_validate(r->srv, t, doc, old, st) < 0) {
		cs_json_free(doc);
		return -1;
	}
	if (t->has_spec && spec_changed(old, doc))
		cs_json_set(md, "generation",
			    cs_json_int(cs_json_as_int(cs_json_get(omd, "generation"), 0) + 1));

	/* An object being deleted goes away with its last finalizer. */
	bool deleting = cs_json_get(md, "deletionTimestamp") != NULL;
	bool finalized = cs_json_len(cs_json_get(md, "finalizers")) == 0;
	if (!strcmp(t->resource, "namespaces"))
		finalized = finalized &&
			    cs_json_len(cs_json_path(doc, "spec", "finalizers", NULL)) == 0;

	set_rv(doc, cur->rev);
	if (cs_json_equal(doc, old)) {
		/* No-op updates do not create a revision, as in Kubernetes. */
		if (mode == REPLY_SCALE) {
			cs_reply_json(r, 200, scale_of(doc));
			cs_json_free(doc);
		} else {
			cs_json_free(doc);
			cs_reply_raw(r, 200, "application/json", cur->json, cur->len);
		}
		return 0;
	}
	if (dry_run(r)) {
		cs_reply_json(r, 200, mode == REPLY_SCALE ? scale_of(doc) : cs_json_clone(doc));
		cs_json_free(doc);
		return 0;
	}
	return store_write(r->srv, r, t, key, doc, cur->rev, deleting && finalized, 200, mode, NULL,
			   st);
}

static cs_json *scale_of(const cs_json *obj)
{
	const cs_json *md = cs_json_get(obj, "metadata");
	cs_json *s = cs_json_object();
	cs_json_set(s, "kind", cs_json_string("Scale"));
	cs_json_set(s, "apiVersion", cs_json_string("autoscaling/v1"));
	cs_json *m = cs_json_object();
	static const char *copy[] = {"name", "namespace", "uid", "resourceVersion",
				     "creationTimestamp"};
	for (size_t i = 0; i < sizeof(copy) / sizeof(*copy); i++) {
		cs_json *v = cs_json_get(md, copy[i]);
		if (v)
			cs_json_set(m, copy[i], cs_json_clone(v));
	}
	cs_json_set(s, "metadata", m);
	cs_json *spec = cs_json_object();
	cs_json_set(spec, "replicas",
		    cs_json_int(cs_json_as_int(cs_json_path(obj, "spec", "replicas", NULL), 1)));
	cs_json_set(s, "spec", spec);
	cs_json *status = cs_json_object();
	cs_json_set(status, "replicas",
		    cs_json_int(cs_json_as_int(cs_json_path(obj, "status", "replicas", NULL), 0)));
	/* status.selector is the label query form of spec.selector.matchLabels. */
	const cs_json *ml = cs_json_path(obj, "spec", "selector", "matchLabels", NULL);
	if (ml && cs_json_len(ml)) {
		size_t cap = 256, len = 0;
		char *sel = calloc(1, cap);
		for (size_t i = 0; i < ml->u.obj.len; i++) {
			const char *v = cs_json_str(ml->u.obj.vals[i]);
			size_t need = strlen(ml->u.obj.keys[i]) + (v ? strlen(v) : 0) + 3;
			if (len + need >= cap) {
				cap = (len + need) * 2;
				sel = realloc(sel, cap);
			}
			len += (size_t)snprintf(sel + len, cap - len, "%s%s=%s", i ? "," : "",
						ml->u.obj.keys[i], v ? v : "");
		}
		cs_json_set(status, "selector", cs_json_string(sel));
		free(sel);
	}
	cs_json_set(s, "status", status);
	return s;
}

/* Body of a PUT/PATCH to /scale → new object with spec.replicas set. */
static cs_json *apply_scale(const cs_json *old, const cs_json *scale, uint64_t cur_rev,
			    cs_status *st)
{
	const cs_json *rep = cs_json_path(scale, "spec", "replicas", NULL);
	if (!cs_json_is(rep, CS_JSON_NUMBER) || !rep->u.num.is_int || rep->u.num.i < 0) {
		cs_status_set(st, 422, "Invalid",
			      "Scale is invalid: spec.replicas: Invalid value: must be a "
			      "non-negative integer");
		cs_status_cause(st, "FieldValueInvalid", "spec.replicas",
				"Invalid value: must be a non-negative integer");
		return NULL;
	}
	uint64_t want = obj_rv(scale);
	if (want && want != cur_rev) {
		cs_status_set(st, 409, "Conflict",
			      "Operation cannot be fulfilled: the object has been modified; please "
			      "apply your changes to the latest version and try again");
		return NULL;
	}
	cs_json *doc = cs_json_clone(old);
	cs_json_set(cs_json_obj_ensure(doc, "spec"), "replicas", cs_json_int(rep->u.num.i));
	remove_rv(doc);
	return doc;
}

static int patch_doc(cs_req *r, const cs_type *t, cs_json **target, cs_status *st)
{
	char err[256];
	const char *ct = r->content_type;
	bool known = !strncasecmp(ct, "application/merge-patch+json", 28) ||
		     !strncasecmp(ct, "application/strategic-merge-patch+json", 38) ||
		     !strncasecmp(ct, "application/json-patch+json", 27);
	if (!known)
		return cs_status_set(st, 415, "UnsupportedMediaType",
				     "the body of the request was in an unknown format - accepted "
				     "media types include: application/json-patch+json, "
				     "application/merge-patch+json, "
				     "application/strategic-merge-patch+json");
	if (!r->body_len)
		return cs_status_set(st, 400, "BadRequest", "the patch body is empty");
	cs_json *p = cs_json_parse(r->body, r->body_len, err, sizeof(err));
	if (!p)
		return cs_status_set(st, 400, "BadRequest", "the patch is not valid JSON: %s", err);
	int rc;
	if (!strncasecmp(ct, "application/merge-patch+json", 28))
		rc = cs_patch_merge(target, p, st);
	else if (!strncasecmp(ct, "application/strategic-merge-patch+json", 38))
		rc = cs_patch_strategic(target, p, t, st);
	else
		rc = cs_patch_json(target, p, st);
	cs_json_free(p);
	return rc;
}

static int do_update(cs_req *r, const cs_target *tg, bool patch, cs_status *st)
{
	char key[KEYLEN];
	cs_key(key, sizeof(key), tg->type, tg->ns, tg->name);
	cs_obj *cur = cs_store_get_latest(r->srv->store, key);
	if (!cur)
		return not_found(st, tg->type, tg->name);
	if (!patch && !is_json_ctype(r->content_type))
		return cs_status_set(st, 415, "UnsupportedMediaType",
				     "the body of the request was in an unknown format - accepted "
				     "media types include: application/json");
	const cs_json *old = cs_obj_doc(cur);
	bool scale = tg->sub && !strcmp(tg->sub, "scale");
	cs_json *doc;
	if (scale) {
		cs_json *sc = patch ? scale_of(old) : parse_body(r, st);
		if (!sc)
			return -1;
		if (patch && patch_doc(r, tg->type, &sc, st) < 0) {
			cs_json_free(sc);
			return -1;
		}
		doc = apply_scale(old, sc, cur->rev, st);
		cs_json_free(sc);
		if (!doc)
			return -1;
		return commit_update(r, tg, key, cur, doc, REPLY_SCALE, st);
	}
	if (patch) {
		doc = cs_json_clone(old);
		remove_rv(doc);
		if (patch_doc(r, tg->type, &doc, st) < 0) {
			cs_json_free(doc);
			return -1;
		}
	} else {
		doc = parse_body(r, st);
		if (!doc)
			return -1;
	}
	if (check_kind(tg->type, doc, st) < 0) {
		cs_json_free(doc);
		return -1;
	}
	return commit_update(r, tg, key, cur, doc, REPLY_OBJECT, st);
}

/* ---- delete ---- */

static bool protected_ns(const char *name)
{
	return !strcmp(name, "default") || !strcmp(name, "kube-system") ||
	       !strcmp(name, "kube-public");
}

/* Kubernetes' default garbage-collection policy of a resource: batch/v1
 * Jobs orphan their pods unless told otherwise (for compatibility with
 * clients of old versions), everything else deletes them in the
 * background. */
static bool orphans_by_default(const cs_type *t)
{
	return !strcmp(t->group, "batch") && !strcmp(t->resource, "jobs");
}

static bool has_finalizer(const cs_json *md, const char *f)
{
	const cs_json *fins = cs_json_get(md, "finalizers");
	for (size_t i = 0; i < cs_json_len(fins); i++)
		if (!strcmp(cs_json_str(cs_json_at(fins, i)) ?: "", f))
			return true;
	return false;
}

/* The garbage collector's finalizers for a delete, as Kubernetes'
 * deletionFinalizersForGarbageCollection: "orphan" when dependents are to
 * be orphaned, "foregroundDeletion" when they are to go first, neither for
 * background deletion.  An explicit option overrides a finalizer already
 * there, which overrides the resource's default.  Returns true when the
 * finalizers of md changed. */
static bool gc_finalizers(const cs_type *t, cs_json *md, const cs_json *opts)
{
	const char *policy = cs_json_get_str(opts, "propagationPolicy");
	const cs_json *od = cs_json_get(opts, "orphanDependents");
	bool had_orphan = has_finalizer(md, "orphan");
	bool had_fg = has_finalizer(md, "foregroundDeletion");
	bool orphan, fg;
	if (cs_json_is(od, CS_JSON_BOOL)) {
		orphan = cs_json_as_bool(od, false);
		fg = false;
	} else if (policy) {
		orphan = !strcmp(policy, "Orphan");
		fg = !strcmp(policy, "Foreground");
	} else if (had_orphan || had_fg) {
		orphan = had_orphan;
		fg = had_fg && !had_orphan;
	} else {
		orphan = orphans_by_default(t);
		fg = false;
	}
	if (orphan == had_orphan && fg == had_fg)
		return false;
	cs_json *f = cs_json_array();
	const cs_json *old = cs_json_get(md, "finalizers");
	for (size_t i = 0; i < cs_json_len(old); i++) {
		const char *s = cs_json_str(cs_json_at(old, i)) ?: "";
		if (strcmp(s, "orphan") && strcmp(s, "foregroundDeletion"))
			cs_json_push(f, cs_json_clone(cs_json_at(old, i)));
	}
	if (orphan)
		cs_json_push(f, cs_json_string("orphan"));
	if (fg)
		cs_json_push(f, cs_json_string("foregroundDeletion"));
	if (cs_json_len(f))
		cs_json_set(md, "finalizers", f);
	else {
		cs_json_free(f);
		cs_json_del(md, "finalizers");
	}
	return true;
}

/* Deletes or marks for deletion one object. m: deletecollection batch. */
static int delete_one(cs_server *srv, cs_req *r, const cs_type *t, const char *key, cs_obj *cur,
		      const cs_json *opts, struct multi *m, cs_status *st)
{
	const cs_json *old = cs_obj_doc(cur);
	const char *name = cs_json_path(old, "metadata", "name", NULL)
				   ? cs_json_str(cs_json_path(old, "metadata", "name", NULL))
				   : "";
	const cs_json *pre = cs_json_get(opts, "preconditions");
	const char *puid = cs_json_get_str(pre, "uid");
	const char *prv = cs_json_get_str(pre, "resourceVersion");
	if (puid && strcmp(puid, cs_json_str(cs_json_path(old, "metadata", "uid", NULL)))) {
		char q[128];
		cs_status_set(
			st, 409, "Conflict",
			"Operation cannot be fulfilled on %s \"%s\": Precondition failed: UID "
			"in precondition: %s, UID in object meta: %s",
			qualified(t, q, sizeof(q)), name, puid,
			cs_json_str(cs_json_path(old, "metadata", "uid", NULL)));
		details(st, t, name);
		return -1;
	}
	uint64_t want;
	if (prv && (!cs_parse_u64(prv, &want) || want != cur->rev))
		return conflict(st, t, name);
	if (!strcmp(t->resource, "namespaces") && protected_ns(name)) {
		cs_status_set(st, 403, "Forbidden",
			      "namespace \"%s\" is forbidden: this namespace "
			      "may not be deleted",
			      name);
		details(st, t, name);
		return -1;
	}
	const char *policy = cs_json_get_str(opts, "propagationPolicy");
	if (policy && strcmp(policy, "Orphan") && strcmp(policy, "Background") &&
	    strcmp(policy, "Foreground")) {
		cs_status_set(st, 422, "Invalid",
			      "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: "
			      "Unsupported value: \"%s\": supported values: \"Foreground\", "
			      "\"Background\", \"Orphan\"",
			      policy);
		return -1;
	}
	const cs_json *orphan_opt = cs_json_get(opts, "orphanDependents");
	if (orphan_opt && policy) {
		cs_status_set(st, 422, "Invalid",
			      "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: "
			      "Invalid value: \"%s\": orphanDependents and deletionPropagation "
			      "cannot be both set",
			      policy);
		return -1;
	}
	cs_json *doc = cs_json_clone(old);
	cs_json *md = cs_json_obj_ensure(doc, "metadata");
	bool is_ns = !strcmp(t->resource, "namespaces");
	bool fin_changed = !is_ns && gc_finalizers(t, md, opts);
	bool has_fin = cs_json_len(cs_json_get(md, "finalizers")) > 0;
	/* A namespace waits for the finalizers of its spec (the namespace
	 * controller's "kubernetes" empties it of content); one without any
	 * is deleted at once, as Kubernetes' namespace storage does. */
	if (is_ns && cs_json_len(cs_json_path(doc, "spec", "finalizers", NULL)) > 0)
		has_fin = true;
	if (has_fin) {
		if (cs_json_get(md, "deletionTimestamp") && !fin_changed) {
			/* Already being deleted: report the current state. */
			cs_json_free(doc);
			if (m)
				return 0;
			cs_reply_raw(r, 202, "application/json", cur->json, cur->len);
			return 0;
		}
		if (!cs_json_get(md, "deletionTimestamp")) {
			char ts[32];
			cs_rfc3339_now(ts);
			cs_json_set(md, "deletionTimestamp", cs_json_string(ts));
			cs_json_set(md, "deletionGracePeriodSeconds", cs_json_int(0));
		}
		if (is_ns)
			cs_json_set(cs_json_obj_ensure(doc, "status"), "phase",
				    cs_json_string("Terminating"));
		if (r && !m && dry_run(r)) {
			cs_reply_json(r, 202, doc);
			return 0;
		}
		return store_write(srv, m ? NULL : r, t, key, doc, cur->rev, false, 202,
				   REPLY_OBJECT, m, st);
	}
	if (r && !m && dry_run(r)) {
		cs_reply_json(r, 200, doc);
		return 0;
	}
	return store_write(srv, m ? NULL : r, t, key, doc, cur->rev, true, 200, REPLY_OBJECT, m,
			   st);
}

static cs_json *delete_options(cs_req *r, cs_status *st, bool *bad)
{
	*bad = false;
	if (!r->body_len)
		return NULL;
	char err[256];
	cs_json *o = cs_json_parse(r->body, r->body_len, err, sizeof(err));
	if (!o || !cs_json_is(o, CS_JSON_OBJECT)) {
		cs_json_free(o);
		*bad = true;
		cs_status_set(st, 400, "BadRequest", "DeleteOptions body is not a JSON object%s%s",
			      o ? "" : ": ", o ? "" : err);
		return NULL;
	}
	return o;
}

/* DeleteOptions given as query parameters (kubectl's --cascade sends
 * propagationPolicy so) override the body's. */
static cs_json *query_delete_options(cs_req *r, cs_json *opts)
{
	const char *pp = cs_req_query(r, "propagationPolicy");
	const char *od = cs_req_query(r, "orphanDependents");
	if ((pp || od) && !opts)
		opts = cs_json_object();
	if (pp)
		cs_json_set(opts, "propagationPolicy", cs_json_string(pp));
	if (od)
		cs_json_set(opts, "orphanDependents", cs_json_bool(!strcmp(od, "true")));
	return opts;
}

static int do_delete(cs_req *r, const cs_target *tg, cs_status *st)
{
	bool bad;
	cs_json *opts = delete_options(r, st, &bad);
	if (bad)
		return -1;
	opts = query_delete_options(r, opts);
	char key[KEYLEN];
	cs_key(key, sizeof(key), tg->type, tg->ns, tg->name);
	cs_obj *cur = cs_store_get_latest(r->srv->store, key);
	int rc = cur ? delete_one(r->srv, r, tg->type, key, cur, opts, NULL, st)
		     : not_found(st, tg->type, tg->name);
	cs_json_free(opts);
	return rc;
}

/* ---- list ---- */

struct list_ctx {
	cs_req *r;
	cs_selector *ls, *fs;
	long limit;
	long count;
	char last[KEYLEN];
	bool more;
	/* raw output (JSON) or parsed items (Table / deletecollection) */
	char *buf;
	size_t len, cap;
	cs_json *items;
	bool collect;
	const cs_json *del_opts;
	const cs_type *t;
	struct multi *m;
	cs_status *st;
	int err;
};

static void buf_add(struct list_ctx *c, const char *s, size_t n)
{
	if (c->len + n + 1 > c->cap) {
		c->cap = (c->len + n + 1) * 2;
		c->buf = realloc(c->buf, c->cap);
		if (!c->buf)
			abort();
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

static bool matches(struct list_ctx *c, cs_obj *o, cs_json **parsed)
{
	*parsed = NULL;
	if (cs_selector_empty(c->ls) && cs_selector_empty(c->fs))
		return true;
	char err[128];
	cs_json *d = cs_json_parse(o->json, o->len, err, sizeof(err));
	if (!d)
		return false;
	bool ok = cs_label_selector_match(c->ls, cs_json_path(d, "metadata", "labels", NULL)) &&
		  cs_field_selector_match(c->fs, d);
	if (ok)
		*parsed = d;
	else
		cs_json_free(d);
	return ok;
}

static bool list_visit(void *arg, const char *key, cs_obj *o)
{
	struct list_ctx *c = arg;
	if (c->limit > 0 && c->count >= c->limit) {
		c->more = true;
		return false;
	}
	cs_json *d;
	if (!matches(c, o, &d))
		return true;
	if (c->m) {
		cs_json_free(d);
		if (delete_one(c->r->srv, NULL, c->t, key, o, c->del_opts, c->m, c->st) < 0 &&
		    c->st->code != 403) {
			c->err = -1;
			return false;
		}
		return true;
	}
	if (c->collect) {
		if (!d) {
			char err[128];
			d = cs_json_parse(o->json, o->len, err, sizeof(err));
		}
		if (d)
			cs_json_push(c->items, d);
	} else {
		cs_json_free(d);
		if (c->count)
			buf_add(c, ",", 1);
		buf_add(c, o->json, o->len);
	}
	c->count++;
	snprintf(c->last, sizeof(c->last), "%s", key);
	return true;
}

static int parse_selectors(cs_req *r, const cs_type *t, struct list_ctx *c, cs_status *st)
{
	c->ls = cs_label_selector_parse(cs_req_query(r, "labelSelector"), st);
	if (!c->ls)
		return -1;
	c->fs = cs_field_selector_parse(cs_req_query(r, "fieldSelector"), t, st);
	if (!c->fs)
		return -1;
	return 0;
}

static int do_list(cs_req *r, const cs_target *tg, cs_status *st)
{
	struct list_ctx c = {.r = r, .t = tg->type, .st = st};
	int rc = -1;
	if (parse_selectors(r, tg->type, &c, st) < 0)
		goto out;
	const char *lim = cs_req_query(r, "limit");
	if (lim && *lim) {
		uint64_t v;
		if (!cs_parse_u64(lim, &v)) {
			cs_status_set(st, 400, "BadRequest",
				      "limit \"%s\" is not a non-negative "
				      "integer",
				      lim);
			goto out;
		}
		c.limit = v > 1000000000 ? 1000000000 : (long)v;
	}
	char prefix[KEYLEN];
	cs_key_prefix(prefix, sizeof(prefix), tg->type, tg->ns);
	const char *cont = cs_req_query(r, "continue");
	char *after = NULL;
	if (cont && *cont) {
		unsigned char *dec;
		size_t dl;
		if (cs_base64_decode(cont, strlen(cont), &dec, &dl) < 0 || dl < 2 ||
		    strncmp((char *)dec, prefix, strlen(prefix) < dl ? strlen(prefix) : dl)) {
			if (cs_base64_decode(cont, strlen(cont), &dec, &dl) == 0)
				free(dec);
			cs_status_set(st, 400, "BadRequest",
				      "continue token is not valid for this list");
			goto out;
		}
		after = strndup((char *)dec, dl);
		free(dec);
	}
	uint64_t rev = cs_store_rev(r->srv->store);
	bool table = wants_table(r);
	const char *inc = table ? cs_req_include_object(r, st) : NULL;
	if (table && !inc) {
		free(after);
		goto out;
	}
	c.collect = table;
	if (table)
		c.items = cs_json_array();
	char head[512];
	int hn = snprintf(head, sizeof(head),
			  "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{"
			  "\"resourceVersion\":\"%llu\"",
			  tg->type->list_kind, cs_type_api_version(tg->type),
			  (unsigned long long)rev);
	if (!table)
		buf_add(&c, "", 0);
	cs_store_scan(r->srv->store, prefix, after, list_visit, &c);
	free(after);
	char *tok = NULL;
	if (c.more)
		tok = cs_base64_encode((unsigned char *)c.last, strlen(c.last));
	if (table) {
		char rvs[24];
		snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)rev);
		cs_json *tbl = cs_table_build(tg->type, c.items, inc, rvs, tok);
		cs_reply_json(r, 200, tbl);
	} else {
		size_t total = (size_t)hn + c.len + 64 + (tok ? strlen(tok) + 16 : 0);
		char *out = malloc(total);
		if (!out)
			abort();
		size_t n = (size_t)hn;
		memcpy(out, head, n);
		if (tok)
			n += (size_t)snprintf(out + n, total - n, ",\"continue\":\"%s\"", tok);
		n += (size_t)snprintf(out + n, total - n, "},\"items\":[");
		memcpy(out + n, c.buf ? c.buf : "", c.len);
		n += c.len;
		n += (size_t)snprintf(out + n, total - n, "]}");
		cs_reply_raw(r, 200, "application/json", out, n);
		free(out);
	}
	free(tok);
	rc = 0;
out:
	cs_selector_free(c.ls);
	cs_selector_free(c.fs);
	cs_json_free(c.items);
	free(c.buf);
	return rc;
}

static int do_deletecollection(cs_req *r, const cs_target *tg, cs_status *st)
{
	bool bad;
	cs_json *opts = delete_options(r, st, &bad);
	if (bad)
		return -1;
	opts = query_delete_options(r, opts);
	struct list_ctx c = {.r = r, .t = tg->type, .st = st, .del_opts = opts};
	int rc = -1;
	if (parse_selectors(r, tg->type, &c, st) < 0)
		goto out;
	struct multi *m = calloc(1, sizeof(*m));
	if (!m)
		abort();
	m->r = r;
	m->t = tg->type;
	m->items = cs_json_array();
	m->pending = 1; /* held until the scan is done */
	c.m = m;
	char prefix[KEYLEN];
	cs_key_prefix(prefix, sizeof(prefix), tg->type, tg->ns);
	cs_store_scan(r->srv->store, prefix, NULL, list_visit, &c);
	r->pending = true;
	multi_done(m);
	rc = 0;
out:
	cs_selector_free(c.ls);
	cs_selector_free(c.fs);
	cs_json_free(opts);
	return rc;
}

/* ---- get ---- */

static int do_get(cs_req *r, const cs_target *tg, cs_status *st)
{
	char key[KEYLEN];
	cs_key(key, sizeof(key), tg->type, tg->ns, tg->name);
	cs_obj *o = cs_store_get(r->srv->store, key);
	if (!o)
		return not_found(st, tg->type, tg->name);
	if (tg->sub && !strcmp(tg->sub, "scale")) {
		cs_reply_json(r, 200, scale_of(cs_obj_doc(o)));
		return 0;
	}
	if (wants_table(r)) {
		const char *inc = cs_req_include_object(r, st);
		if (!inc)
			return -1;
		char err[128], rvs[24];
		cs_json *items = cs_json_array();
		cs_json_push(items, cs_json_parse(o->json, o->len, err, sizeof(err)));
		snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)o->rev);
		cs_json *tbl = cs_table_build(tg->type, items, inc, rvs, NULL);
		cs_json_free(items);
		cs_reply_json(r, 200, tbl);
		return 0;
	}
	cs_reply_raw(r, 200, "application/json", o->json, o->len);
	return 0;
}

static bool is_watch(const cs_req *r)
{
	const char *w = cs_req_query(r, "watch");
	return w && (!strcmp(w, "1") || !strcasecmp(w, "true"));
}

/* POST pods/NAME/binding: assign a pod to a node, once (the scheduler's
 * write). */
static int do_bind(cs_req *r, const cs_target *tg, cs_status *st)
{
	cs_json *b = parse_body(r, st);
	if (!b)
		return -1;
	const char *kind = cs_json_get_str(b, "kind");
	const char *bname = cs_json_str(cs_json_path(b, "metadata", "name", NULL));
	const char *node = cs_json_str(cs_json_path(b, "target", "name", NULL));
	const char *tkind = cs_json_str(cs_json_path(b, "target", "kind", NULL));
	int rc = 0;
	if (kind && strcmp(kind, "Binding"))
		rc = cs_status_set(st, 400, "BadRequest", "expected a Binding, got kind \"%s\"",
				   kind);
	else if (bname && strcmp(bname, tg->name))
		rc = cs_status_set(st, 400, "BadRequest",
				   "the name of the Binding (%s) does not match the pod on the URL "
				   "(%s)",
				   bname, tg->name);
	else if (!node || !*node || (tkind && strcmp(tkind, "Node"))) {
		cs_status_set(st, 422, "Invalid",
			      "Binding \"%s\" is invalid: target.name: Required "
			      "value: a Node name",
			      tg->name);
		cs_status_cause(st, "FieldValueRequired", "target.name", "Required value");
		rc = -1;
	}
	if (rc < 0) {
		cs_json_free(b);
		return -1;
	}
	char key[1024];
	cs_key(key, sizeof(key), tg->type, tg->ns, tg->name);
	cs_obj *cur = cs_store_get_latest(r->srv->store, key);
	if (!cur) {
		cs_json_free(b);
		return not_found(st, tg->type, tg->name);
	}
	cs_json *doc = cs_json_clone(cs_obj_doc(cur));
	const char *has = cs_json_str(cs_json_path(doc, "spec", "nodeName", NULL));
	if (has && *has) {
		cs_status_set(st, 409, "Conflict", "pod %s is already assigned to node \"%s\"",
			      tg->name, has);
		details(st, tg->type, tg->name);
		cs_json_free(doc);
		cs_json_free(b);
		return -1;
	}
	if (cs_json_path(doc, "metadata", "deletionTimestamp", NULL)) {
		cs_status_set(st, 409, "Conflict", "pod %s is being deleted, cannot be assigned",
			      tg->name);
		cs_json_free(doc);
		cs_json_free(b);
		return -1;
	}
	cs_json_set(cs_json_obj_ensure(doc, "spec"), "nodeName", cs_json_string(node));
	/* Annotations of the Binding are copied, as Kubernetes does. */
	const cs_json *ann = cs_json_path(b, "metadata", "annotations", NULL);
	for (size_t i = 0; i < cs_json_len(ann); i++)
		cs_json_set(cs_json_obj_ensure(cs_json_get(doc, "metadata"), "annotations"),
			    ann->u.obj.keys[i], cs_json_clone(ann->u.obj.vals[i]));
	cs_json *conds = cs_json_get(cs_json_obj_ensure(doc, "status"), "conditions");
	if (!cs_json_is(conds, CS_JSON_ARRAY)) {
		conds = cs_json_array();
		cs_json_set(cs_json_get(doc, "status"), "conditions", conds);
	}
	cs_json *c = NULL;
	for (size_t i = 0; i < cs_json_len(conds); i++)
		if (!strcmp(cs_json_get_str(cs_json_at(conds, i), "type") ?: "", "PodScheduled"))
			c = cs_json_at(conds, i);
	if (!c) {
		c = cs_json_object();
		cs_json_push(conds, c);
	}
	char now[32];
	cs_rfc3339_now(now);
	cs_json_set(c, "type", cs_json_string("PodScheduled"));
	cs_json_set(c, "status", cs_json_string("True"));
	cs_json_set(c, "lastProbeTime", cs_json_null());
	cs_json_set(c, "lastTransitionTime", cs_json_string(now));
	cs_json_del(c, "reason");
	cs_json_del(c, "message");
	cs_json_free(b);
	return commit_update(r, tg, key, cur, doc, REPLY_BOUND, st);
}

void cs_api_objects(cs_req *r, const cs_target *tg)
{
	cs_status st = {0};
	int rc = 0;
	r->resource = tg->type->resource;
	/* finalize serves a PUT and nothing else, as in Kubernetes. */
	if (tg->sub && !strcmp(tg->sub, "finalize") && r->method != CS_PUT) {
		r->verb = "other";
		cs_status_set(&st, 405, "MethodNotAllowed",
			      "the server does not allow this method on the requested resource");
		cs_reply_status(r, &st);
		return;
	}
	switch (r->method) {
	case CS_GET:
		if (is_watch(r)) {
			r->verb = "watch";
			cs_watch_start(r, tg->type, tg->ns, tg->name);
			return;
		}
		r->verb = tg->name ? "get" : "list";
		rc = tg->name ? do_get(r, tg, &st) : do_list(r, tg, &st);
		break;
	case CS_POST:
		r->verb = "create";
		if (tg->sub && !strcmp(tg->sub, "binding") && tg->name)
			rc = do_bind(r, tg, &st);
		else if (tg->name || tg->sub)
			rc = cs_status_set(&st, 405, "MethodNotAllowed",
					   "the server does not allow this method on the requested "
					   "resource");
		else if (!is_json_ctype(r->content_type))
			rc = cs_status_set(&st, 415, "UnsupportedMediaType",
					   "the body of the request was in an unknown format - "
					   "accepted media types include: application/json");
		else
			rc = do_create(r, tg, &st);
		break;
	case CS_PUT:
	case CS_PATCH:
		r->verb = r->method == CS_PUT ? "update" : "patch";
		if (!tg->name)
			rc = cs_status_set(&st, 405, "MethodNotAllowed",
					   "the server does not allow this method on the requested "
					   "resource");
		else
			rc = do_update(r, tg, r->method == CS_PATCH, &st);
		break;
	case CS_DELETE:
		r->verb = tg->name ? "delete" : "deletecollection";
		if (tg->sub)
			rc = cs_status_set(&st, 405, "MethodNotAllowed",
					   "the server does not allow this method on the requested "
					   "resource");
		else
			rc = tg->name ? do_delete(r, tg, &st) : do_deletecollection(r, tg, &st);
		break;
	default:
		r->verb = "other";
		rc = cs_status_set(
			&st, 405, "MethodNotAllowed",
			"the server does not allow this method on the requested resource");
	}
	if (rc < 0)
		cs_reply_status(r, &st);
}

/* ---- namespaces: bootstrap ---- */

/* Creates an object directly (bootstrap); returns -1 with err. */
static int create_internal(cs_server *srv, const cs_type *t, cs_json *doc, char *err, size_t errlen)
{
	cs_status st = {0};
	if (prepare_create(srv, t, NULL, doc, &st) < 0 || cs_type_validate(t, doc, NULL, &st) < 0 ||
	    finish_create(srv, t, doc, &st) < 0) {
		snprintf(err, errlen, "%s", st.message);
		cs_json_free(doc);
		return -1;
	}
	char key[KEYLEN];
	cs_json *md = cs_json_get(doc, "metadata");
	cs_key(key, sizeof(key), t, cs_json_get_str(md, "namespace"), cs_json_get_str(md, "name"));
	if (cs_store_get_latest(srv->store, key)) {
		cs_json_free(doc);
		return 0;
	}
	if (store_write(srv, NULL, t, key, doc, 0, false, 201, REPLY_OBJECT, NULL, &st) < 0) {
		snprintf(err, errlen, "%s", st.message);
		return -1;
	}
	return 0;
}

int cs_bootstrap(cs_server *srv, char *err, size_t errlen)
{
	static const char *names[] = {"default", "kube-system", "kube-public", "kube-node-lease"};
	const cs_type *nst = cs_type_find("", "v1", "namespaces");
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		cs_json *ns = cs_json_object();
		cs_json_set(ns, "apiVersion", cs_json_string("v1"));
		cs_json_set(ns, "kind", cs_json_string("Namespace"));
		cs_json *md = cs_json_obj_ensure(ns, "metadata");
		cs_json_set(md, "name", cs_json_string(names[i]));
		if (create_internal(srv, nst, ns, err, errlen) < 0)
			return -1;
	}
	for (size_t i = 0; cs_bootstrap_objects[i]; i++) {
		const char *text = cs_bootstrap_objects[i];
		cs_json *doc = cs_json_parse(text, strlen(text), err, errlen);
		if (!doc)
			return -1;
		const cs_type *t = cs_type_by_kind(cs_json_get_str(doc, "apiVersion"),
						   cs_json_get_str(doc, "kind"));
		if (!t) {
			snprintf(err, errlen, "bootstrap object %zu: no such kind", i);
			cs_json_free(doc);
			return -1;
		}
		if (create_internal(srv, t, doc, err, errlen) < 0)
			return -1;
	}
	/* Serve nothing until the bootstrap objects are durable. */
	while (cs_store_rev(srv->store) + 1 < cs_store_next_rev(srv->store)) {
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
		cs_store_dispatch(srv->store);
	}
	return 0;
}
