/* Defaulting as the Kubernetes API server applies it on create and update
 * (each API group's v1 defaults.go, plus the status a create starts with),
 * for the fields the orchestrator acts on.  Values of the wrong JSON type
 * are left alone so that validation reports them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quantity.h"
#include "types.h"

/* Child object under key, created when absent or null; NULL when the
 * member holds something else. */
static cs_json *obj_at(cs_json *o, const char *key)
{
	if (!cs_json_is(o, CS_JSON_OBJECT))
		return NULL;
	cs_json *m = cs_json_get(o, key);
	if (!m || m->type == CS_JSON_NULL) {
		m = cs_json_object();
		cs_json_set(o, key, m);
	}
	return m->type == CS_JSON_OBJECT ? m : NULL;
}

static bool absent(const cs_json *o, const char *key)
{
	const cs_json *m = cs_json_get(o, key);
	return !m || m->type == CS_JSON_NULL;
}

static void def(cs_json *o, const char *key, cs_json *val)
{
	if (cs_json_is(o, CS_JSON_OBJECT) && absent(o, key))
		cs_json_set(o, key, val);
	else
		cs_json_free(val);
}

static void def_str(cs_json *o, const char *key, const char *s)
{
	const char *cur = cs_json_get_str(o, key);
	if (cur && !*cur)
		cs_json_del(o, key); /* "" means unset for Go string fields */
	def(o, key, cs_json_string(s));
}

static void def_int(cs_json *o, const char *key, int64_t i)
{
	def(o, key, cs_json_int(i));
}

static cs_json *arr(cs_json *o, const char *key)
{
	cs_json *a = cs_json_get(o, key);
	return cs_json_is(a, CS_JSON_ARRAY) ? a : NULL;
}

/* "latest" (explicit or implied) means Always pull; a digest without a tag
 * pins the image, so IfNotPresent. */
static const char *pull_policy(const char *image)
{
	const char *at = strchr(image, '@');
	size_t n = at ? (size_t)(at - image) : strlen(image);
	const char *slash = memrchr(image, '/', n);
	const char *name = slash ? slash + 1 : image;
	const char *colon = memchr(name, ':', n - (size_t)(name - image));
	if (colon)
		return strncmp(colon + 1, "latest", 6) || image + n != colon + 7 ? "IfNotPresent"
										 : "Always";
	return at ? "IfNotPresent" : "Always";
}

static void default_probe(cs_json *c, const char *key)
{
	cs_json *p = cs_json_get(c, key);
	if (!cs_json_is(p, CS_JSON_OBJECT))
		return;
	def_int(p, "timeoutSeconds", 1);
	def_int(p, "periodSeconds", 10);
	def_int(p, "successThreshold", 1);
	def_int(p, "failureThreshold", 3);
	cs_json *h = cs_json_get(p, "httpGet");
	if (cs_json_is(h, CS_JSON_OBJECT)) {
		def_str(h, "path", "/");
		def_str(h, "scheme", "HTTP");
	}
}

static void default_container(cs_json *c, bool host_network)
{
	if (!cs_json_is(c, CS_JSON_OBJECT))
		return;
	const char *image = cs_json_get_str(c, "image");
	def_str(c, "imagePullPolicy", image && *image ? pull_policy(image) : "IfNotPresent");
	def_str(c, "terminationMessagePath", "/dev/termination-log");
	def_str(c, "terminationMessagePolicy", "File");
	def(c, "resources", cs_json_object());
	cs_json *ports = arr(c, "ports");
	for (size_t i = 0; i < cs_json_len(ports); i++) {
		cs_json *p = cs_json_at(ports, i);
		if (!cs_json_is(p, CS_JSON_OBJECT))
			continue;
		def_str(p, "protocol", "TCP");
		const cs_json *cp = cs_json_get(p, "containerPort");
		if (host_network && cs_json_is(cp, CS_JSON_NUMBER) &&
		    !cs_json_as_int(cs_json_get(p, "hostPort"), 0)) {
			cs_json_del(p, "hostPort");
			cs_json_set(p, "hostPort", cs_json_clone(cp));
		}
	}
	cs_json *env = arr(c, "env");
	for (size_t i = 0; i < cs_json_len(env); i++) {
		cs_json *fr = cs_json_path(cs_json_at(env, i), "valueFrom", "fieldRef", NULL);
		if (cs_json_is(fr, CS_JSON_OBJECT))
			def_str(fr, "apiVersion", "v1");
	}
	default_probe(c, "livenessProbe");
	default_probe(c, "readinessProbe");
	default_probe(c, "startupProbe");
}

static void default_pod_spec(cs_json *spec)
{
	if (!cs_json_is(spec, CS_JSON_OBJECT))
		return;
	def_str(spec, "restartPolicy", "Always");
	def_int(spec, "terminationGracePeriodSeconds", 30);
	def_str(spec, "dnsPolicy", "ClusterFirst");
	def(spec, "securityContext", cs_json_object());
	def_str(spec, "schedulerName", "default-scheduler");
	def(spec, "enableServiceLinks", cs_json_bool(true));
	bool hostnet = cs_json_as_bool(cs_json_get(spec, "hostNetwork"), false);
	static const char *const lists[] = {"initContainers", "containers"};
	for (size_t l = 0; l < 2; l++) {
		cs_json *a = arr(spec, lists[l]);
		for (size_t i = 0; i < cs_json_len(a); i++)
			default_container(cs_json_at(a, i), hostnet);
	}
	cs_json *vols = arr(spec, "volumes");
	for (size_t i = 0; i < cs_json_len(vols); i++) {
		cs_json *v = cs_json_at(vols, i);
		static const char *const moded[] = {"secret", "configMap", "downwardAPI",
						    "projected"};
		for (size_t k = 0; k < 4; k++) {
			cs_json *s = cs_json_get(v, moded[k]);
			if (cs_json_is(s, CS_JSON_OBJECT))
				def_int(s, "defaultMode", 0644);
		}
		cs_json *hp = cs_json_get(v, "hostPath");
		if (cs_json_is(hp, CS_JSON_OBJECT))
			def_str(hp, "type", "");
	}
}

static void default_template(cs_json *tmpl)
{
	if (cs_json_is(tmpl, CS_JSON_OBJECT))
		default_pod_spec(cs_json_get(tmpl, "spec"));
}

/* A container with limits but no request for that resource requests its
 * limit (pods only; templates keep what the user wrote). */
static void default_requests(cs_json *spec)
{
	static const char *const lists[] = {"initContainers", "containers"};
	for (size_t l = 0; l < 2; l++) {
		cs_json *a = arr(spec, lists[l]);
		for (size_t i = 0; i < cs_json_len(a); i++) {
			cs_json *res = cs_json_get(cs_json_at(a, i), "resources");
			cs_json *lim = cs_json_get(res, "limits");
			if (!cs_json_is(lim, CS_JSON_OBJECT) || !lim->u.obj.len)
				continue;
			cs_json *req = obj_at(res, "requests");
			for (size_t k = 0; req && k < lim->u.obj.len; k++)
				def(req, lim->u.obj.keys[k], cs_json_clone(lim->u.obj.vals[k]));
		}
	}
}

static bool qty_equal(const cs_json *a, const cs_json *b)
{
	long double x, y;
	const char *sa = cs_json_is(a, CS_JSON_STRING)   ? a->u.str.s
			 : cs_json_is(a, CS_JSON_NUMBER) ? a->u.num.text
							 : NULL;
	const char *sb = cs_json_is(b, CS_JSON_STRING)   ? b->u.str.s
			 : cs_json_is(b, CS_JSON_NUMBER) ? b->u.num.text
							 : NULL;
	return sa && sb && !cs_quantity_parse(sa, &x) && !cs_quantity_parse(sb, &y) && x == y;
}

/* v1.PodQOSClass, as computed when a pod is created. */
static const char *qos_class(const cs_json *spec)
{
	bool any = false, guaranteed = true;
	static const char *const lists[] = {"initContainers", "containers"};
	for (size_t l = 0; l < 2; l++) {
		const cs_json *a = cs_json_get(spec, lists[l]);
		for (size_t i = 0; i < cs_json_len(a); i++) {
			const cs_json *res = cs_json_get(cs_json_at(a, i), "resources");
			const cs_json *req = cs_json_get(res, "requests");
			const cs_json *lim = cs_json_get(res, "limits");
			static const char *const rs[] = {"cpu", "memory"};
			for (size_t r = 0; r < 2; r++) {
				const cs_json *q = cs_json_get(req, rs[r]),
					      *m = cs_json_get(lim, rs[r]);
				if (q || m)
					any = true;
				if (!m || (q && !qty_equal(q, m)))
					guaranteed = false;
			}
		}
	}
	return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

static void default_pod(cs_json *obj)
{
	cs_json *spec = cs_json_get(obj, "spec");
	if (!cs_json_is(spec, CS_JSON_OBJECT))
		return;
	default_requests(spec);
	default_pod_spec(spec);
	if (absent(obj, "status")) {
		cs_json *st = cs_json_object();
		cs_json_set(st, "phase", cs_json_string("Pending"));
		cs_json_set(st, "qosClass", cs_json_string(qos_class(spec)));
		cs_json_set(obj, "status", st);
	}
}

static void default_rolling(cs_json *strategy, const char *type, cs_json *(*ru_default)(void))
{
	def_str(strategy, "type", type);
	const char *t = cs_json_get_str(strategy, "type");
	if (!t || strcmp(t, type))
		return;
	if (absent(strategy, "rollingUpdate"))
		cs_json_set(strategy, "rollingUpdate", ru_default());
}

static cs_json *deployment_ru(void)
{
	cs_json *ru = cs_json_object();
	cs_json_set(ru, "maxUnavailable", cs_json_string("25%"));
	cs_json_set(ru, "maxSurge", cs_json_string("25%"));
	return ru;
}

static cs_json *daemonset_ru(void)
{
	cs_json *ru = cs_json_object();
	cs_json_set(ru, "maxUnavailable", cs_json_int(1));
	cs_json_set(ru, "maxSurge", cs_json_int(0));
	return ru;
}

static cs_json *statefulset_ru(void)
{
	cs_json *ru = cs_json_object();
	cs_json_set(ru, "partition", cs_json_int(0));
	return ru;
}

static void default_deployment(cs_json *spec)
{
	def_int(spec, "replicas", 1);
	cs_json *st = obj_at(spec, "strategy");
	if (st) {
		default_rolling(st, "RollingUpdate", deployment_ru);
		cs_json *ru = cs_json_get(st, "rollingUpdate");
		if (cs_json_is(ru, CS_JSON_OBJECT)) {
			def(ru, "maxUnavailable", cs_json_string("25%"));
			def(ru, "maxSurge", cs_json_string("25%"));
		}
	}
	def_int(spec, "revisionHistoryLimit", 10);
	def_int(spec, "progressDeadlineSeconds", 600);
	default_template(cs_json_get(spec, "template"));
}

static void default_pvc_spec(cs_json *spec)
{
	if (cs_json_is(spec, CS_JSON_OBJECT))
		def_str(spec, "volumeMode", "Filesystem");
}

static void default_statefulset(cs_json *spec)
{
	def_int(spec, "replicas", 1);
	def_str(spec, "podManagementPolicy", "OrderedReady");
	cs_json *us = obj_at(spec, "updateStrategy");
	if (us)
		default_rolling(us, "RollingUpdate", statefulset_ru);
	def_int(spec, "revisionHistoryLimit", 10);
	cs_json *ret = obj_at(spec, "persistentVolumeClaimRetentionPolicy");
	if (ret) {
		def_str(ret, "whenDeleted", "Retain");
		def_str(ret, "whenScaled", "Retain");
	}
	cs_json *claims = arr(spec, "volumeClaimTemplates");
	for (size_t i = 0; i < cs_json_len(claims); i++) {
		cs_json *c = cs_json_at(claims, i);
		if (!cs_json_is(c, CS_JSON_OBJECT))
			continue;
		default_pvc_spec(cs_json_get(c, "spec"));
		cs_json *st = obj_at(c, "status");
		if (st)
			def_str(st, "phase", "Pending");
	}
	default_template(cs_json_get(spec, "template"));
}

static void default_daemonset(cs_json *spec)
{
	cs_json *us = obj_at(spec, "updateStrategy");
	if (us) {
		default_rolling(us, "RollingUpdate", daemonset_ru);
		cs_json *ru = cs_json_get(us, "rollingUpdate");
		if (cs_json_is(ru, CS_JSON_OBJECT)) {
			def_int(ru, "maxUnavailable", 1);
			def_int(ru, "maxSurge", 0);
		}
	}
	def_int(spec, "revisionHistoryLimit", 10);
	default_template(cs_json_get(spec, "template"));
}

#define LEGACY_UID_LABEL  "controller-uid"
#define UID_LABEL         "batch.kubernetes.io/controller-uid"
#define LEGACY_NAME_LABEL "job-name"
#define NAME_LABEL        "batch.kubernetes.io/job-name"

static void default_job(cs_json *obj, cs_json *spec)
{
	if (absent(spec, "completions") && absent(spec, "parallelism")) {
		cs_json_set(spec, "completions", cs_json_int(1));
		cs_json_set(spec, "parallelism", cs_json_int(1));
	}
	def_int(spec, "parallelism", 1);
	def_int(spec, "backoffLimit", 6);
	def_str(spec, "completionMode", "NonIndexed");
	def(spec, "suspend", cs_json_bool(false));
	cs_json *tmpl = cs_json_get(spec, "template");
	default_template(tmpl);
	cs_json *meta = cs_json_get(obj, "metadata");
	const cs_json *tl = cs_json_path(tmpl, "metadata", "labels", NULL);
	if (cs_json_is(tl, CS_JSON_OBJECT) && tl->u.obj.len && cs_json_is(meta, CS_JSON_OBJECT) &&
	    !cs_json_len(cs_json_get(meta, "labels")))
		cs_json_set(meta, "labels", cs_json_clone(tl));

	/* Selector generation needs the uid; without one it is left to a
	 * later write (the API server assigns uids). */
	const char *uid = cs_json_get_str(meta, "uid");
	const char *name = cs_json_get_str(meta, "name");
	if (cs_json_as_bool(cs_json_get(spec, "manualSelector"), false) || !uid || !*uid || !name ||
	    !cs_json_is(tmpl, CS_JSON_OBJECT))
		return;
	cs_json *labels = obj_at(obj_at(tmpl, "metadata"), "labels");
	if (labels) {
		def_str(labels, LEGACY_NAME_LABEL, name);
		def_str(labels, NAME_LABEL, name);
		def_str(labels, LEGACY_UID_LABEL, uid);
		def_str(labels, UID_LABEL, uid);
	}
	cs_json *ml = obj_at(obj_at(spec, "selector"), "matchLabels");
	if (ml)
		def_str(ml, UID_LABEL, uid);
}

static void default_cronjob(cs_json *spec)
{
	def_str(spec, "concurrencyPolicy", "Allow");
	def(spec, "suspend", cs_json_bool(false));
	def_int(spec, "successfulJobsHistoryLimit", 3);
	def_int(spec, "failedJobsHistoryLimit", 1);
	default_template(cs_json_path(spec, "jobTemplate", "spec", "template", NULL));
}

static void default_service(cs_json *spec)
{
	def_str(spec, "type", "ClusterIP");
	def_str(spec, "sessionAffinity", "None");
	const char *type = cs_json_get_str(spec, "type");
	const char *aff = cs_json_get_str(spec, "sessionAffinity");
	if (aff && !strcmp(aff, "ClientIP")) {
		cs_json *cip = obj_at(obj_at(spec, "sessionAffinityConfig"), "clientIP");
		if (cip)
			def_int(cip, "timeoutSeconds", 10800);
	}
	if (type && strcmp(type, "ExternalName"))
		def_str(spec, "internalTrafficPolicy", "Cluster");
	if (type && (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer")))
		def_str(spec, "externalTrafficPolicy", "Cluster");
	cs_json *ports = arr(spec, "ports");
	for (size_t i = 0; i < cs_json_len(ports); i++) {
		cs_json *p = cs_json_at(ports, i);
		if (!cs_json_is(p, CS_JSON_OBJECT))
			continue;
		def_str(p, "protocol", "TCP");
		const cs_json *tp = cs_json_get(p, "targetPort");
		const cs_json *port = cs_json_get(p, "port");
		bool unset = !tp || tp->type == CS_JSON_NULL ||
			     (cs_json_is(tp, CS_JSON_NUMBER) && cs_json_as_int(tp, 0) == 0) ||
			     (cs_json_is(tp, CS_JSON_STRING) && !tp->u.str.len);
		if (unset && cs_json_is(port, CS_JSON_NUMBER))
			cs_json_set(p, "targetPort", cs_json_clone(port));
	}
}

static char *base64(const char *s, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	if (!out)
		abort();
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* stringData is write-only: its entries replace data's, base64-encoded,
 * as the API server's conversion does.  Non-string values stay behind for
 * validation to report. */
static void merge_string_data(cs_json *obj)
{
	cs_json *sd = cs_json_get(obj, "stringData");
	if (!cs_json_is(sd, CS_JSON_OBJECT))
		return;
	cs_json *data = obj_at(obj, "data");
	if (!data)
		return;
	for (size_t i = 0; i < sd->u.obj.len;) {
		const cs_json *v = sd->u.obj.vals[i];
		if (!cs_json_is(v, CS_JSON_STRING)) {
			i++;
			continue;
		}
		char *enc = base64(v->u.str.s, v->u.str.len);
		cs_json_set(data, sd->u.obj.keys[i], cs_json_string(enc));
		free(enc);
		cs_json_del(sd, sd->u.obj.keys[i]);
	}
	if (!sd->u.obj.len)
		cs_json_del(obj, "stringData");
}

static void default_endpoints(cs_json *obj)
{
	cs_json *subsets = arr(obj, "subsets");
	for (size_t i = 0; i < cs_json_len(subsets); i++) {
		cs_json *ports = arr(cs_json_at(subsets, i), "ports");
		for (size_t j = 0; j < cs_json_len(ports); j++)
			if (cs_json_is(cs_json_at(ports, j), CS_JSON_OBJECT))
				def_str(cs_json_at(ports, j), "protocol", "TCP");
	}
}

/* SetDefaults_LimitRangeItem: a Container item's default limit falls back
 * to max, its default request to the default limit, then to min. */
static void default_limitrange(cs_json *spec)
{
	cs_json *items = arr(spec, "limits");
	for (size_t i = 0; i < cs_json_len(items); i++) {
		cs_json *it = cs_json_at(items, i);
		const char *type = cs_json_get_str(it, "type");
		if (!type || strcmp(type, "Container"))
			continue;
		cs_json *dl = obj_at(it, "default"), *dr = obj_at(it, "defaultRequest");
		const char *from[][2] = {{"max", "default"},
					 {"default", "defaultRequest"},
					 {"min", "defaultRequest"}};
		for (size_t f = 0; f < 3; f++) {
			const cs_json *src = cs_json_get(it, from[f][0]);
			cs_json *dst = !strcmp(from[f][1], "default") ? dl : dr;
			if (!cs_json_is(src, CS_JSON_OBJECT) || !dst)
				continue;
			for (size_t k = 0; k < cs_json_len(src); k++)
				def(dst, src->u.obj.keys[k], cs_json_clone(src->u.obj.vals[k]));
		}
		/* Empty maps stay unset, as omitempty drops them in Go. */
		if (dl && !cs_json_len(dl))
			cs_json_del(it, "default");
		if (dr && !cs_json_len(dr))
			cs_json_del(it, "defaultRequest");
	}
}

void cs_type_default(const cs_type *t, cs_json *obj)
{
	if (!cs_json_is(obj, CS_JSON_OBJECT))
		return;
	const char *k = t->kind;
	cs_json *spec = cs_json_get(obj, "spec");
	bool has_spec = cs_json_is(spec, CS_JSON_OBJECT);

	if (!strcmp(k, "Pod")) {
		default_pod(obj);
	} else if (!strcmp(k, "Namespace")) {
		/* The "kubernetes" finalizer is added once, when the namespace is
		 * created (no status yet); later writes may have removed it. */
		cs_json *s = absent(obj, "status") ? obj_at(obj, "spec") : NULL;
		if (s && absent(s, "finalizers")) {
			cs_json *f = cs_json_array();
			cs_json_push(f, cs_json_string("kubernetes"));
			cs_json_set(s, "finalizers", f);
		}
		cs_json *st = obj_at(obj, "status");
		if (st)
			def_str(st, "phase", "Active");
	} else if (!strcmp(k, "Service") && has_spec) {
		default_service(spec);
	} else if (!strcmp(k, "Endpoints")) {
		default_endpoints(obj);
	} else if (!strcmp(k, "Secret")) {
		def_str(obj, "type", "Opaque");
		merge_string_data(obj);
	} else if (!strcmp(k, "Node")) {
		cs_json *st = cs_json_get(obj, "status");
		const cs_json *cap = cs_json_get(st, "capacity");
		if (cs_json_is(cap, CS_JSON_OBJECT) && cs_json_is(st, CS_JSON_OBJECT))
			def(st, "allocatable", cs_json_clone(cap));
	} else if (!strcmp(k, "PersistentVolume")) {
		if (has_spec) {
			def_str(spec, "persistentVolumeReclaimPolicy", "Retain");
			def_str(spec, "volumeMode", "Filesystem");
		}
		cs_json *st = obj_at(obj, "status");
		if (st)
			def_str(st, "phase", "Pending");
	} else if (!strcmp(k, "PersistentVolumeClaim")) {
		default_pvc_spec(spec);
		cs_json *st = obj_at(obj, "status");
		if (st)
			def_str(st, "phase", "Pending");
	} else if (!strcmp(k, "StorageClass")) {
		def_str(obj, "reclaimPolicy", "Delete");
		def_str(obj, "volumeBindingMode", "Immediate");
	} else if (!strcmp(k, "PriorityClass")) {
		def_str(obj, "preemptionPolicy", "PreemptLowerPriority");
	} else if (!strcmp(k, "LimitRange") && has_spec) {
		default_limitrange(spec);
	} else if (!has_spec) {
		return;
	} else if (!strcmp(k, "Deployment")) {
		default_deployment(spec);
	} else if (!strcmp(k, "ReplicaSet")) {
		def_int(spec, "replicas", 1);
		default_template(cs_json_get(spec, "template"));
	} else if (!strcmp(k, "StatefulSet")) {
		default_statefulset(spec);
	} else if (!strcmp(k, "DaemonSet")) {
		default_daemonset(spec);
	} else if (!strcmp(k, "Job")) {
		default_job(obj, spec);
	} else if (!strcmp(k, "CronJob")) {
		default_cronjob(spec);
	}
}
