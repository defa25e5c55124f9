/* Pod spec validation (also used for every pod template), following
 * Kubernetes' ValidatePodSpec and ValidatePodUpdate. */
#include "validate_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quantity.h"
#include "selector.h"

#define one_of cs_v_one_of
#define v_enum cs_v_enum

static void v_name(cs_vctx *v, const cs_json *o, const char *parent, const char *key,
		   const char *(*check)(const char *))
{
	char p[CS_VPATH];
	const char *s = cs_v_str(v, o, parent, key);
	const char *msg;
	if (s && *s && (msg = check(s)))
		cs_v_invalid_s(v, cs_vpath(p, "%s.%s", parent, key), s, msg);
}

static void v_string_array(cs_vctx *v, const cs_json *o, const char *parent, const char *key)
{
	const cs_json *a = cs_v_arr(v, o, parent, key);
	char p[CS_VPATH];
	for (size_t i = 0; i < cs_json_len(a); i++)
		if (!cs_json_is(cs_json_at(a, i), CS_JSON_STRING))
			cs_v_type(v, cs_vpath(p, "%s.%s[%zu]", parent, key, i), cs_json_at(a, i),
				  "string");
}

/* Array of objects: calls fn for each element, reporting non-objects. */
typedef void (*elem_fn)(cs_vctx *v, const cs_json *e, const char *path, size_t i, void *ctx);

static void each_obj(cs_vctx *v, const cs_json *o, const char *parent, const char *key, elem_fn fn,
		     void *ctx)
{
	const cs_json *a = cs_v_arr(v, o, parent, key);
	char p[CS_VPATH];
	for (size_t i = 0; i < cs_json_len(a); i++) {
		const cs_json *e = cs_json_at(a, i);
		cs_vpath(p, "%s.%s[%zu]", parent, key, i);
		if (cs_json_is(e, CS_JSON_OBJECT))
			fn(v, e, p, i, ctx);
		else
			cs_v_type(v, p, e, "object");
	}
}

/* ---- volumes ---- */

static const char *const volume_sources[] = {"hostPath",
					     "emptyDir",
					     "gcePersistentDisk",
					     "awsElasticBlockStore",
					     "gitRepo",
					     "secret",
					     "nfs",
					     "iscsi",
					     "glusterfs",
					     "persistentVolumeClaim",
					     "rbd",
					     "flexVolume",
					     "cinder",
					     "cephfs",
					     "flocker",
					     "downwardAPI",
					     "fc",
					     "azureFile",
					     "configMap",
					     "vsphereVolume",
					     "quobyte",
					     "azureDisk",
					     "photonPersistentDisk",
					     "projected",
					     "portworxVolume",
					     "scaleIO",
					     "storageos",
					     "csi",
					     "ephemeral",
					     "image",
					     NULL};

#define FILE_MODE_MSG "must be a number between 0 and 0777 (octal), both inclusive"

static void v_mode(cs_vctx *v, const cs_json *o, const char *parent, const char *key)
{
	int64_t m;
	char p[CS_VPATH];
	if (cs_v_int(v, o, parent, key, &m) && (m < 0 || m > 0777))
		cs_v_invalid_i(v, cs_vpath(p, "%s.%s", parent, key), m, FILE_MODE_MSG);
}

/* validateLocalDescendingPath: relative, no ".." element. */
static void v_relative_path(cs_vctx *v, const char *field, const char *s)
{
	if (s[0] == '/')
		cs_v_invalid_s(v, field, s, "must be a relative path");
	const char *p = s;
	for (;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && !strncmp(p, "..", 2)) {
			cs_v_invalid_s(v, field, s, "must not contain '..'");
			break;
		}
		if (!e)
			break;
		p = e + 1;
	}
}

static void v_key_to_path(cs_vctx *v, const cs_json *kp, const char *p, size_t i, void *ctx)
{
	(void)i;
	(void)ctx;
	char q[CS_VPATH];
	const char *key = cs_v_str(v, kp, p, "key");
	if (!key || !*key)
		cs_v_required(v, cs_vpath(q, "%s.key", p), "");
	const char *path = cs_v_str(v, kp, p, "path");
	cs_vpath(q, "%s.path", p);
	if (!path || !*path) {
		cs_v_required(v, q, "");
	} else {
		v_relative_path(v, q, path);
		if (!strncmp(path, "..", 2))
			cs_v_invalid_s(v, q, path, "must not start with '..'");
	}
	v_mode(v, kp, p, "mode");
}

static void v_required_str(cs_vctx *v, const cs_json *o, const char *parent, const char *key)
{
	char p[CS_VPATH];
	const char *s = cs_v_str(v, o, parent, key);
	if ((!s || !*s) && !(cs_v_present(o, key) && !s))
		cs_v_required(v, cs_vpath(p, "%s.%s", parent, key), "");
}

static void v_volume_source(cs_vctx *v, const char *src, const cs_json *s, const char *p)
{
	char q[CS_VPATH];
	if (!strcmp(src, "hostPath")) {
		static const char *const types[] = {
			"",     "BlockDevice",  "CharDevice", "Directory", "DirectoryOrCreate",
			"File", "FileOrCreate", "Socket",     NULL};
		v_required_str(v, s, p, "path");
		const char *t = cs_v_str(v, s, p, "type");
		if (t && !one_of(t, types))
			cs_v_unsupported(v, cs_vpath(q, "%s.type", p), t, types);
	} else if (!strcmp(src, "emptyDir")) {
		const char *m = cs_v_str(v, s, p, "medium");
		if (m && *m && strcmp(m, "Memory") && strncmp(m, "HugePages", 9)) {
			static const char *const media[] = {"", "Memory", "HugePages", NULL};
			cs_v_unsupported(v, cs_vpath(q, "%s.medium", p), m, media);
		}
		long double lim;
		const cs_json *sl = cs_json_get(s, "sizeLimit");
		if (cs_v_quantity(v, sl, cs_vpath(q, "%s.sizeLimit", p), &lim) && lim < 0)
			cs_v_invalid(v, q, sl, "must be greater than or equal to 0");
	} else if (!strcmp(src, "secret") || !strcmp(src, "configMap")) {
		bool secret = !strcmp(src, "secret");
		if (secret)
			v_required_str(v, s, p, "secretName");
		else
			v_required_str(v, s, p, "name");
		v_mode(v, s, p, "defaultMode");
		each_obj(v, s, p, "items", v_key_to_path, NULL);
		bool b;
		cs_v_bool(v, s, p, "optional", &b);
	} else if (!strcmp(src, "persistentVolumeClaim")) {
		v_required_str(v, s, p, "claimName");
		bool b;
		cs_v_bool(v, s, p, "readOnly", &b);
	} else if (!strcmp(src, "nfs")) {
		v_required_str(v, s, p, "server");
		const char *path = cs_v_str(v, s, p, "path");
		cs_vpath(q, "%s.path", p);
		if (!path || !*path)
			cs_v_required(v, q, "");
		else if (path[0] != '/')
			cs_v_invalid_s(v, q, path, "must be an absolute path");
	} else if (!strcmp(src, "csi")) {
		v_required_str(v, s, p, "driver");
	} else if (!strcmp(src, "downwardAPI") || !strcmp(src, "projected")) {
		v_mode(v, s, p, "defaultMode");
	}
}

/* Collects volume names into *names (a JSON object used as a set). */
static void v_volume(cs_vctx *v, const cs_json *vol, const char *p, size_t i, void *ctx)
{
	cs_json *names = ctx;
	char q[CS_VPATH];
	const char *name = cs_v_str(v, vol, p, "name");
	const char *msg;
	cs_vpath(q, "%s.name", p);
	if (!name || !*name) {
		cs_v_required(v, q, "");
	} else if ((msg = cs_check_dns1123_label(name))) {
		cs_v_invalid_s(v, q, name, msg);
	} else if (cs_json_get(names, name)) {
		cs_v_duplicate_s(v, q, name);
	}
	if (name && *name)
		cs_json_set(names, name, cs_json_bool(true));
	(void)i;
	size_t n = 0;
	for (size_t k = 0; volume_sources[k]; k++) {
		const char *src = volume_sources[k];
		if (!cs_v_present(vol, src))
			continue;
		if (++n > 1) {
			cs_v_forbidden(v, cs_vpath(q, "%s.%s", p, src),
				       "may not specify more than 1 volume type");
			continue;
		}
		const cs_json *s = cs_v_obj(v, vol, p, src);
		if (s)
			v_volume_source(v, src, s, cs_vpath(q, "%s.%s", p, src));
	}
	if (!n)
		cs_v_required(v, p, "must specify a volume type");
}

/* ---- containers ---- */

static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};

struct ctr_ctx {
	const cs_json *volumes; /* name set */
	bool host_network;
	cs_json *port_names;  /* per container */
	cs_json *mount_paths; /* per container */
};

static void v_container_port(cs_vctx *v, const cs_json *port, const char *p, size_t i, void *ctx)
{
	struct ctr_ctx *c = ctx;
	char q[CS_VPATH];
	(void)i;
	const char *name = cs_v_str(v, port, p, "name");
	if (name && *name) {
		size_t before = v->len;
		cs_v_port_name(v, cs_vpath(q, "%s.name", p), name);
		if (v->len == before && cs_json_get(c->port_names, name))
			cs_v_duplicate_s(v, q, name);
		else if (v->len == before)
			cs_json_set(c->port_names, name, cs_json_bool(true));
	}
	int64_t cp = 0, hp = 0;
	cs_vpath(q, "%s.containerPort", p);
	if (!cs_v_int(v, port, p, "containerPort", &cp) || cp == 0) {
		if (!cs_v_present(port, "containerPort") || cp == 0)
			cs_v_required(v, q, "");
	} else {
		cs_v_port_num(v, q, cp);
	}
	if (cs_v_int(v, port, p, "hostPort", &hp) && hp != 0)
		cs_v_port_num(v, cs_vpath(q, "%s.hostPort", p), hp);
	v_enum(v, port, p, "protocol", protocols, true);
	const char *hip = cs_v_str(v, port, p, "hostIP");
	if (hip && *hip && !cs_v_is_ip(hip))
		cs_v_invalid_s(v, cs_vpath(q, "%s.hostIP", p), hip, "must be a valid IP address");
	if (c->host_network && cp && hp != cp)
		cs_v_invalid_i(v, cs_vpath(q, "%s.containerPort", p), cp,
			       "must match `hostPort` when `hostNetwork` is true");
}

/* Env fieldRef paths, as Kubernetes lists them in its error message; the
 * first two are only valid with a ['key'] subscript, the rest as they are. */
static const char *const fieldref_paths[] = {
	"metadata.annotations", "metadata.labels", "metadata.name",           "metadata.namespace",
	"metadata.uid",         "spec.nodeName",   "spec.serviceAccountName", "status.hostIP",
	"status.hostIPs",       "status.podIP",    "status.podIPs",           NULL};

static bool valid_fieldref_path(const char *s)
{
	if (one_of(s, fieldref_paths + 2))
		return true;
	/* metadata.labels['key'] / metadata.annotations['key'] */
	const char *rest = NULL;
	if (!strncmp(s, "metadata.labels['", 17))
		rest = s + 17;
	else if (!strncmp(s, "metadata.annotations['", 22))
		rest = s + 22;
	if (!rest)
		return false;
	size_t n = strlen(rest);
	if (n < 3 || strcmp(rest + n - 2, "']"))
		return false;
	char *key = strndup(rest, n - 2);
	if (!key)
		abort();
	bool ok = !cs_check_label_key(key);
	free(key);
	return ok;
}

static void v_key_selector(cs_vctx *v, const cs_json *sel, const char *p)
{
	char q[CS_VPATH];
	v_required_str(v, sel, p, "name");
	const char *key = cs_v_str(v, sel, p, "key");
	const char *msg;
	cs_vpath(q, "%s.key", p);
	if (!key || !*key)
		cs_v_required(v, q, "");
	else if ((msg = cs_check_config_key(key)))
		cs_v_invalid_s(v, q, key, msg);
}

static void v_env(cs_vctx *v, const cs_json *ev, const char *p, size_t i, void *ctx)
{
	(void)i;
	(void)ctx;
	char q[CS_VPATH], r[CS_VPATH];
	const char *name = cs_v_str(v, ev, p, "name");
	const char *msg;
	cs_vpath(q, "%s.name", p);
	if (!name || !*name)
		cs_v_required(v, q, "");
	else if ((msg = cs_check_env_var_name(name)))
		cs_v_invalid_s(v, q, name, msg);
	const char *value = cs_v_str(v, ev, p, "value");
	const cs_json *from = cs_v_obj(v, ev, p, "valueFrom");
	if (!from)
		return;
	cs_vpath(q, "%s.valueFrom", p);
	static const char *const srcs[] = {"fieldRef", "resourceFieldRef", "configMapKeyRef",
					   "secretKeyRef", NULL};
	size_t n = 0;
	for (size_t k = 0; srcs[k]; k++) {
		const cs_json *s = cs_v_obj(v, from, q, srcs[k]);
		if (!s)
			continue;
		n++;
		cs_vpath(r, "%s.%s", q, srcs[k]);
		if (k == 0) {
			const char *fp = cs_v_str(v, s, r, "fieldPath");
			char f[CS_VPATH];
			cs_vpath(f, "%s.fieldPath", r);
			if (!fp || !*fp)
				cs_v_required(v, f, "");
			else if (!valid_fieldref_path(fp))
				cs_v_unsupported(v, f, fp, fieldref_paths);
			v_required_str(v, s, r, "apiVersion");
		} else if (k == 1) {
			static const char *const res[] = {"limits.cpu",
							  "limits.ephemeral-storage",
							  "limits.memory",
							  "requests.cpu",
							  "requests.ephemeral-storage",
							  "requests.memory",
							  NULL};
			const char *rs = cs_v_str(v, s, r, "resource");
			char f[CS_VPATH];
			cs_vpath(f, "%s.resource", r);
			if (!rs || !*rs)
				cs_v_required(v, f, "");
			else if (!one_of(rs, res) && strncmp(rs, "limits.hugepages-", 17) &&
				 strncmp(rs, "requests.hugepages-", 19))
				cs_v_unsupported(v, f, rs, res);
		} else {
			v_key_selector(v, s, r);
		}
	}
	if (n == 0)
		cs_v_invalid_s(v, q, "",
			       "must specify one of: `fieldRef`, `resourceFieldRef`, "
			       "`configMapKeyRef` or `secretKeyRef`");
	else if (value && *value)
		cs_v_invalid_s(v, q, "", "may not be specified when `value` is not empty");
	else if (n > 1)
		cs_v_invalid_s(v, q, "", "may not have more than one field specified at a time");
}

static void v_env_from(cs_vctx *v, const cs_json *ef, const char *p, size_t i, void *ctx)
{
	(void)i;
	(void)ctx;
	char q[CS_VPATH];
	const char *prefix = cs_v_str(v, ef, p, "prefix");
	const char *msg;
	if (prefix && *prefix && (msg = cs_check_env_var_name(prefix)))
		cs_v_invalid_s(v, cs_vpath(q, "%s.prefix", p), prefix, msg);
	const cs_json *cm = cs_v_obj(v, ef, p, "configMapRef");
	const cs_json *sec = cs_v_obj(v, ef, p, "secretRef");
	if (cm)
		v_required_str(v, cm, cs_vpath(q, "%s.configMapRef", p), "name");
	if (sec)
		v_required_str(v, sec, cs_vpath(q, "%s.secretRef", p), "name");
	if (!cm && !sec)
		cs_v_invalid_s(v, p, "", "must specify one of: `configMapRef` or `secretRef`");
	else if (cm && sec)
		cs_v_invalid_s(v, p, "", "may not have more than one field specified at a time");
}

static void v_mount(cs_vctx *v, const cs_json *m, const char *p, size_t i, void *ctx)
{
	struct ctr_ctx *c = ctx;
	char q[CS_VPATH];
	(void)i;
	const char *name = cs_v_str(v, m, p, "name");
	cs_vpath(q, "%s.name", p);
	if (!name || !*name)
		cs_v_required(v, q, "");
	else if (!cs_json_get(c->volumes, name))
		cs_v_not_found_s(v, q, name);
	const char *mp = cs_v_str(v, m, p, "mountPath");
	cs_vpath(q, "%s.mountPath", p);
	if (!mp || !*mp) {
		cs_v_required(v, q, "");
	} else if (cs_json_get(c->mount_paths, mp)) {
		cs_v_invalid_s(v, q, mp, "must be unique");
	} else {
		cs_json_set(c->mount_paths, mp, cs_json_bool(true));
	}
	const char *sub = cs_v_str(v, m, p, "subPath");
	if (sub && *sub)
		v_relative_path(v, cs_vpath(q, "%s.subPath", p), sub);
	bool ro;
	cs_v_bool(v, m, p, "readOnly", &ro);
	static const char *const props[] = {"Bidirectional", "HostToContainer", "None", NULL};
	const char *prop = cs_v_str(v, m, p, "mountPropagation");
	if (prop && !one_of(prop, props))
		cs_v_unsupported(v, cs_vpath(q, "%s.mountPropagation", p), prop, props);
}

/* A probe or lifecycle hook: exactly one handler. */
static void v_handler(cs_vctx *v, const cs_json *h, const char *p, bool lifecycle)
{
	static const char *const probe_handlers[] = {"exec", "httpGet", "tcpSocket", "grpc", NULL};
	static const char *const hook_handlers[] = {"exec", "httpGet", "tcpSocket", "sleep", NULL};
	const char *const *handlers = lifecycle ? hook_handlers : probe_handlers;
	char q[CS_VPATH], r[CS_VPATH];
	size_t n = 0;
	for (size_t k = 0; handlers[k]; k++) {
		const char *hn = handlers[k];
		if (!cs_v_present(h, hn))
			continue;
		cs_vpath(q, "%s.%s", p, hn);
		if (n++) {
			cs_v_forbidden(v, q, "may not specify more than 1 handler type");
			continue;
		}
		const cs_json *a = cs_v_obj(v, h, p, hn);
		if (!a)
			continue;
		if (!strcmp(hn, "exec")) {
			if (!cs_json_len(cs_json_get(a, "command")))
				cs_v_required(v, cs_vpath(r, "%s.command", q), "");
			v_string_array(v, a, q, "command");
		} else if (!strcmp(hn, "httpGet")) {
			static const char *const schemes[] = {"HTTP", "HTTPS", NULL};
			v_required_str(v, a, q, "path");
			cs_v_port_num_or_name(v, cs_vpath(r, "%s.port", q), cs_json_get(a, "port"));
			if (!cs_v_present(a, "port"))
				cs_v_invalid_i(v, r, 0, "must be between 1 and 65535, inclusive");
			v_enum(v, a, q, "scheme", schemes, true);
		} else if (!strcmp(hn, "tcpSocket")) {
			cs_v_port_num_or_name(v, cs_vpath(r, "%s.port", q), cs_json_get(a, "port"));
			if (!cs_v_present(a, "port"))
				cs_v_invalid_i(v, r, 0, "must be between 1 and 65535, inclusive");
		} else if (!strcmp(hn, "grpc")) {
			int64_t port = 0;
			cs_v_int(v, a, q, "port", &port);
			cs_v_port_num(v, cs_vpath(r, "%s.port", q), port);
		} else if (!strcmp(hn, "sleep")) {
			int64_t s = 0;
			if (cs_v_int(v, a, q, "seconds", &s))
				cs_v_nonneg(v, cs_vpath(r, "%s.seconds", q), s);
		}
	}
	if (!n)
		cs_v_required(v, p, "must specify a handler type");
}

static void v_probe(cs_vctx *v, const cs_json *c, const char *cp, const char *key)
{
	const cs_json *probe = cs_v_obj(v, c, cp, key);
	if (!probe)
		return;
	char p[CS_VPATH], q[CS_VPATH];
	cs_vpath(p, "%s.%s", cp, key);
	v_handler(v, probe, p, false);
	static const char *const nonneg[] = {"initialDelaySeconds", "timeoutSeconds",
					     "periodSeconds",       "successThreshold",
					     "failureThreshold",    NULL};
	int64_t n;
	for (size_t i = 0; nonneg[i]; i++)
		if (cs_v_int(v, probe, p, nonneg[i], &n))
			cs_v_nonneg(v, cs_vpath(q, "%s.%s", p, nonneg[i]), n);
	if (strcmp(key, "readinessProbe") && cs_v_int(v, probe, p, "successThreshold", &n) &&
	    n != 1)
		cs_v_invalid_i(v, cs_vpath(q, "%s.successThreshold", p), n, "must be 1");
	if (cs_v_int(v, probe, p, "terminationGracePeriodSeconds", &n) && n <= 0)
		cs_v_invalid_i(v, cs_vpath(q, "%s.terminationGracePeriodSeconds", p), n,
			       "must be greater than 0");
}

/* Extended resources (outside kubernetes.io) and hugepages cannot be
 * overcommitted: request must equal limit. */
static bool overcommit_allowed(const char *name)
{
	const char *slash = strchr(name, '/');
	bool native = !slash || !strncmp(name, "kubernetes.io/", 14) ||
		      (slash - name > 15 && !strncmp(slash - 15, ".kubernetes.io", 14));
	return native && strncmp(name, "hugepages-", 10);
}

static void v_resource_name(cs_vctx *v, const char *field, const char *name)
{
	const char *msg = cs_check_label_key(name);
	if (msg) {
		cs_v_invalid_s(v, field, name, msg);
		return;
	}
	if (strchr(name, '/'))
		return;
	static const char *const std[] = {"cpu", "memory", "ephemeral-storage", NULL};
	if (!one_of(name, std) && strncmp(name, "hugepages-", 10))
		cs_v_invalid_s(v, field, name,
			       "must be a standard resource type or fully qualified");
}

void cs_v_resources(cs_vctx *v, const cs_json *res, const char *p)
{
	char lp[CS_VPATH], rp[CS_VPATH], q[CS_VPATH];
	cs_vpath(lp, "%s.limits", p);
	cs_vpath(rp, "%s.requests", p);
	const cs_json *lim = cs_v_obj(v, res, p, "limits");
	const cs_json *req = cs_v_obj(v, res, p, "requests");
	long double val;
	for (size_t i = 0; i < cs_json_len(lim); i++) {
		const char *name = lim->u.obj.keys[i];
		cs_vpath(q, "%s[%s]", lp, name);
		v_resource_name(v, q, name);
		if (cs_v_quantity(v, lim->u.obj.vals[i], q, &val) && val < 0)
			cs_v_invalid(v, q, lim->u.obj.vals[i],
				     "must be greater than or equal to 0");
	}
	for (size_t i = 0; i < cs_json_len(req); i++) {
		const char *name = req->u.obj.keys[i];
		const cs_json *rq = req->u.obj.vals[i];
		cs_vpath(q, "%s[%s]", rp, name);
		v_resource_name(v, q, name);
		if (!cs_v_quantity(v, rq, q, &val))
			continue;
		if (val < 0)
			cs_v_invalid(v, q, rq, "must be greater than or equal to 0");
		const cs_json *lq = cs_json_get(lim, name);
		long double l;
		const char *ltext = cs_json_is(lq, CS_JSON_STRING)   ? lq->u.str.s
				    : cs_json_is(lq, CS_JSON_NUMBER) ? lq->u.num.text
								     : NULL;
		const char *rtext = cs_json_is(rq, CS_JSON_STRING) ? rq->u.str.s : rq->u.num.text;
		char d[256];
		if (ltext && !cs_quantity_parse(ltext, &l)) {
			if (val != l && !overcommit_allowed(name)) {
				snprintf(d, sizeof(d), "must be equal to %s limit of %s", name,
					 ltext);
				cs_v_invalid_s(v, rp, rtext, d);
			} else if (val > l) {
				snprintf(d, sizeof(d),
					 "must be less than or equal to %s limit of %s", name,
					 ltext);
				cs_v_invalid_s(v, rp, rtext, d);
			}
		} else if (!lq && !overcommit_allowed(name)) {
			cs_v_required(v, lp, "Limit must be set for non overcommitable resources");
		}
	}
}

static void v_container(cs_vctx *v, const cs_json *c, const char *p, struct ctr_ctx *cc, bool init)
{
	char q[CS_VPATH];
	const char *image = cs_v_str(v, c, p, "image");
	cs_vpath(q, "%s.image", p);
	if (!image || !*image) {
		if (!cs_v_present(c, "image") || image)
			cs_v_required(v, q, "");
	} else {
		size_t n = strlen(image);
		if (strchr(" \t\n\r", image[0]) || strchr(" \t\n\r", image[n - 1]))
			cs_v_invalid_s(v, q, image, "must not have leading or trailing whitespace");
	}
	v_string_array(v, c, p, "command");
	v_string_array(v, c, p, "args");
	cs_v_str(v, c, p, "workingDir");
	cs_json *names = cs_json_object(), *paths = cs_json_object();
	cc->port_names = names;
	cc->mount_paths = paths;
	each_obj(v, c, p, "ports", v_container_port, cc);
	each_obj(v, c, p, "env", v_env, NULL);
	each_obj(v, c, p, "envFrom", v_env_from, NULL);
	each_obj(v, c, p, "volumeMounts", v_mount, cc);
	cs_json_free(names);
	cs_json_free(paths);
	const cs_json *res = cs_v_obj(v, c, p, "resources");
	if (res)
		cs_v_resources(v, res, cs_vpath(q, "%s.resources", p));

	static const char *const pull[] = {"Always", "IfNotPresent", "Never", NULL};
	v_enum(v, c, p, "imagePullPolicy", pull, true);
	const char *tmp = cs_v_str(v, c, p, "terminationMessagePolicy");
	cs_vpath(q, "%s.terminationMessagePolicy", p);
	if (!tmp || !*tmp) {
		if (!cs_v_present(c, "terminationMessagePolicy") || tmp)
			cs_v_required(v, q, "");
	} else if (strcmp(tmp, "File") && strcmp(tmp, "FallbackToLogsOnError")) {
		cs_v_invalid_s(v, q, tmp, "must be 'File' or 'FallbackToLogsOnError'");
	}
	cs_v_str(v, c, p, "terminationMessagePath");
	bool b;
	cs_v_bool(v, c, p, "stdin", &b);
	cs_v_bool(v, c, p, "tty", &b);
	cs_v_obj(v, c, p, "securityContext");

	const char *rp = cs_v_str(v, c, p, "restartPolicy");
	bool sidecar = init && rp && !strcmp(rp, "Always");
	if (rp && init && !sidecar) {
		static const char *const always[] = {"Always", NULL};
		cs_v_unsupported(v, cs_vpath(q, "%s.restartPolicy", p), rp, always);
	} else if (rp && !init) {
		cs_v_forbidden(v, cs_vpath(q, "%s.restartPolicy", p),
			       "may not be set for non-init containers");
	}
	static const char *const probes[] = {"livenessProbe", "readinessProbe", "startupProbe"};
	for (size_t i = 0; i < 3; i++) {
		if (init && !sidecar && cs_v_present(c, probes[i]))
			cs_v_forbidden(
				v, cs_vpath(q, "%s.%s", p, probes[i]),
				"may not be set for init containers without restartPolicy=Always");
		else
			v_probe(v, c, p, probes[i]);
	}
	const cs_json *lc = cs_v_obj(v, c, p, "lifecycle");
	if (lc && init && !sidecar) {
		cs_v_forbidden(v, cs_vpath(q, "%s.lifecycle", p),
			       "may not be set for init containers without restartPolicy=Always");
	} else if (lc) {
		static const char *const hooks[] = {"postStart", "preStop"};
		for (size_t i = 0; i < 2; i++) {
			char lp[CS_VPATH];
			cs_vpath(lp, "%s.lifecycle", p);
			const cs_json *h = cs_v_obj(v, lc, lp, hooks[i]);
			if (h)
				v_handler(v, h, cs_vpath(q, "%s.%s", lp, hooks[i]), true);
		}
	}
}

/* Containers and init containers share one name space. */
static void v_containers(cs_vctx *v, const cs_json *spec, const char *path, const char *key,
			 struct ctr_ctx *cc, cs_json *names)
{
	const cs_json *a = cs_v_arr(v, spec, path, key);
	bool init = !strcmp(key, "initContainers");
	char p[CS_VPATH], q[CS_VPATH];
	if (!init && !cs_json_len(a) && !(cs_v_present(spec, key) && !a))
		cs_v_required(v, cs_vpath(p, "%s.%s", path, key), "");
	for (size_t i = 0; i < cs_json_len(a); i++) {
		const cs_json *c = cs_json_at(a, i);
		cs_vpath(p, "%s.%s[%zu]", path, key, i);
		if (!cs_json_is(c, CS_JSON_OBJECT)) {
			cs_v_type(v, p, c, "object");
			continue;
		}
		const char *name = cs_v_str(v, c, p, "name");
		const char *msg;
		cs_vpath(q, "%s.name", p);
		if (!name || !*name) {
			cs_v_required(v, q, "");
		} else if ((msg = cs_check_dns1123_label(name))) {
			cs_v_invalid_s(v, q, name, msg);
		} else if (cs_json_get(names, name)) {
			cs_v_duplicate_s(v, q, name);
		} else {
			cs_json_set(names, name, cs_json_bool(true));
		}
		v_container(v, c, p, cc, init);
	}
}

/* ---- scheduling constraints ---- */

void cs_v_tolerations(cs_vctx *v, const cs_json *tols, const char *path)
{
	static const char *const ops[] = {"Equal", "Exists", NULL};
	static const char *const effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};
	char p[CS_VPATH], q[CS_VPATH];
	for (size_t i = 0; i < cs_json_len(tols); i++) {
		const cs_json *t = cs_json_at(tols, i);
		cs_vpath(p, "%s[%zu]", path, i);
		if (!cs_json_is(t, CS_JSON_OBJECT)) {
			cs_v_type(v, p, t, "object");
			continue;
		}
		const char *key = cs_v_str(v, t, p, "key");
		const char *op = cs_v_str(v, t, p, "operator");
		const char *val = cs_v_str(v, t, p, "value");
		const char *eff = cs_v_str(v, t, p, "effect");
		const char *msg;
		int64_t secs;
		bool has_secs = cs_v_int(v, t, p, "tolerationSeconds", &secs);
		if (!op)
			op = "";
		if (key && *key && (msg = cs_check_label_key(key)))
			cs_v_invalid_s(v, cs_vpath(q, "%s.key", p), key, msg);
		cs_vpath(q, "%s.operator", p);
		if ((!key || !*key) && strcmp(op, "Exists"))
			cs_v_invalid_s(v, q, op,
				       "operator must be Exists when `key` is empty, which "
				       "means \"match all values and all keys\"");
		if (has_secs && (!eff || strcmp(eff, "NoExecute")))
			cs_v_invalid_s(
				v, cs_vpath(q, "%s.effect", p), eff ? eff : "",
				"effect must be 'NoExecute' when `tolerationSeconds` is set");
		cs_vpath(q, "%s.operator", p);
		if (!*op || !strcmp(op, "Equal")) {
			if (val && (msg = cs_check_label_value(val)))
				cs_v_invalid_s(v, q, val, msg);
		} else if (!strcmp(op, "Exists")) {
			if (val && *val)
				cs_v_invalid(v, q, t,
					     "value must be empty when `operator` is 'Exists'");
		} else {
			cs_v_unsupported(v, q, op, ops);
		}
		if (eff && *eff && !one_of(eff, effects))
			cs_v_unsupported(v, cs_vpath(q, "%s.effect", p), eff, effects);
	}
}

static void v_node_selector_requirement(cs_vctx *v, const cs_json *r, const char *p, size_t i,
					void *ctx)
{
	(void)i;
	(void)ctx;
	static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist",
					  "Gt", "Lt",    NULL};
	char q[CS_VPATH];
	const char *key = cs_v_str(v, r, p, "key");
	const char *op = cs_v_str(v, r, p, "operator");
	const cs_json *vals = cs_v_arr(v, r, p, "values");
	const char *msg;
	cs_vpath(q, "%s.key", p);
	if (!key || !*key)
		cs_v_invalid_s(v, q, key ? key : "", "name part must be non-empty");
	else if ((msg = cs_check_label_key(key)))
		cs_v_invalid_s(v, q, key, msg);
	cs_vpath(q, "%s.values", p);
	size_t n = cs_json_len(vals);
	if (!op || !*op) {
		cs_v_required(v, cs_vpath(q, "%s.operator", p), "");
	} else if (!strcmp(op, "In") || !strcmp(op, "NotIn")) {
		if (!n)
			cs_v_required(v, q, "must be specified when `operator` is 'In' or 'NotIn'");
	} else if (!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist")) {
		if (n)
			cs_v_forbidden(v, q,
				       "may not be specified when `operator` is 'Exists' or "
				       "'DoesNotExist'");
	} else if (!strcmp(op, "Gt") || !strcmp(op, "Lt")) {
		const char *s = cs_json_str(cs_json_at(vals, 0));
		char *end = NULL;
		if (n != 1)
			cs_v_required(v, q,
				      "must be specified single value when `operator` is 'Lt' "
				      "or 'Gt'");
		else if (!s || !*s || (strtoll(s, &end, 10), *end))
			cs_v_invalid(v, cs_vpath(q, "%s.values[0]", p), cs_json_at(vals, 0),
				     "must be an integer");
	} else {
		cs_v_unsupported(v, cs_vpath(q, "%s.operator", p), op, ops);
	}
	for (size_t k = 0; k < n; k++)
		if (!cs_json_is(cs_json_at(vals, k), CS_JSON_STRING))
			cs_v_type(v, cs_vpath(q, "%s.values[%zu]", p, k), cs_json_at(vals, k),
				  "string");
}

static void v_node_selector_term(cs_vctx *v, const cs_json *t, const char *p, size_t i, void *ctx)
{
	(void)i;
	(void)ctx;
	each_obj(v, t, p, "matchExpressions", v_node_selector_requirement, NULL);
	each_obj(v, t, p, "matchFields", v_node_selector_requirement, NULL);
}

static void v_preferred_node_term(cs_vctx *v, const cs_json *t, const char *p, size_t i, void *ctx)
{
	(void)i;
	(void)ctx;
	char q[CS_VPATH];
	int64_t w = 0;
	cs_v_int(v, t, p, "weight", &w);
	if (w < 1 || w > 100)
		cs_v_invalid_i(v, cs_vpath(q, "%s.weight", p), w, "must be in the range 1-100");
	const cs_json *pref = cs_v_obj(v, t, p, "preference");
	if (pref)
		v_node_selector_term(v, pref, cs_vpath(q, "%s.preference", p), 0, NULL);
}

static void v_pod_affinity_term(cs_vctx *v, const cs_json *t, const char *p, size_t i, void *ctx)
{
	(void)i;
	(void)ctx;
	char q[CS_VPATH];
	const char *tk = cs_v_str(v, t, p, "topologyKey");
	const char *msg;
	cs_vpath(q, "%s.topologyKey", p);
	if (!tk || !*tk)
		cs_v_required(v, q, "can not be empty");
	else if ((msg = cs_check_label_key(tk)))
		cs_v_invalid_s(v, q, tk, msg);
	static const char *const sels[] = {"labelSelector", "namespaceSelector"};
	for (size_t k = 0; k < 2; k++) {
		if (!cs_v_present(t, sels[k]))
			continue;
		cs_selector *s =
			cs_v_selector(v, cs_json_get(t, sels[k]), cs_vpath(q, "%s.%s", p, sels[k]));
		if (s)
			cs_selector_free(s);
	}
	v_string_array(v, t, p, "namespaces");
}

static void v_weighted_pod_term(cs_vctx *v, const cs_json *t, const char *p, size_t i, void *ctx)
{
	(void)i;
	(void)ctx;
	char q[CS_VPATH];
	int64_t w = 0;
	cs_v_int(v, t, p, "weight", &w);
	if (w < 1 || w > 100)
		cs_v_invalid_i(v, cs_vpath(q, "%s.weight", p), w, "must be in the range 1-100");
	const cs_json *term = cs_v_obj(v, t, p, "podAffinityTerm");
	if (term)
		v_pod_affinity_term(v, term, cs_vpath(q, "%s.podAffinityTerm", p), 0, NULL);
	else
		cs_v_required(v, cs_vpath(q, "%s.podAffinityTerm.topologyKey", p),
			      "can not be empty");
}

static void v_affinity(cs_vctx *v, const cs_json *aff, const char *p)
{
	char q[CS_VPATH], r[CS_VPATH];
	const cs_json *na = cs_v_obj(v, aff, p, "nodeAffinity");
	if (na) {
		cs_vpath(q, "%s.nodeAffinity", p);
		const cs_json *req =
			cs_v_obj(v, na, q, "requiredDuringSchedulingIgnoredDuringExecution");
		if (req) {
			cs_vpath(r, "%s.requiredDuringSchedulingIgnoredDuringExecution", q);
			const cs_json *terms = cs_json_get(req, "nodeSelectorTerms");
			if (!cs_json_len(terms)) {
				char t[CS_VPATH];
				cs_v_required(v, cs_vpath(t, "%s.nodeSelectorTerms", r),
					      "must have at least one node selector term");
			}
			each_obj(v, req, r, "nodeSelectorTerms", v_node_selector_term, NULL);
		}
		each_obj(v, na, q, "preferredDuringSchedulingIgnoredDuringExecution",
			 v_preferred_node_term, NULL);
	}
	static const char *const kinds[] = {"podAffinity", "podAntiAffinity"};
	for (size_t k = 0; k < 2; k++) {
		const cs_json *pa = cs_v_obj(v, aff, p, kinds[k]);
		if (!pa)
			continue;
		cs_vpath(q, "%s.%s", p, kinds[k]);
		each_obj(v, pa, q, "requiredDuringSchedulingIgnoredDuringExecution",
			 v_pod_affinity_term, NULL);
		each_obj(v, pa, q, "preferredDuringSchedulingIgnoredDuringExecution",
			 v_weighted_pod_term, NULL);
	}
}

static void v_spread(cs_vctx *v, const cs_json *c, const char *p, size_t i, void *ctx)
{
	(void)i;
	(void)ctx;
	static const char *const when[] = {"DoNotSchedule", "ScheduleAnyway", NULL};
	char q[CS_VPATH];
	int64_t skew = 0;
	cs_v_int(v, c, p, "maxSkew", &skew);
	if (skew <= 0)
		cs_v_invalid_i(v, cs_vpath(q, "%s.maxSkew", p), skew, "must be greater than zero");
	const char *tk = cs_v_str(v, c, p, "topologyKey");
	const char *msg;
	cs_vpath(q, "%s.topologyKey", p);
	if (!tk || !*tk)
		cs_v_required(v, q, "can not be empty");
	else if ((msg = cs_check_label_key(tk)))
		cs_v_invalid_s(v, q, tk, msg);
	v_enum(v, c, p, "whenUnsatisfiable", when, true);
	if (cs_v_present(c, "labelSelector")) {
		cs_selector *s = cs_v_selector(v, cs_json_get(c, "labelSelector"),
					       cs_vpath(q, "%s.labelSelector", p));
		if (s)
			cs_selector_free(s);
	}
}

static void v_dns_config(cs_vctx *v, const cs_json *spec, const char *path, bool none)
{
	char p[CS_VPATH], q[CS_VPATH];
	cs_vpath(p, "%s.dnsConfig", path);
	const cs_json *cfg = cs_v_obj(v, spec, path, "dnsConfig");
	if (none && !cfg) {
		cs_v_required(v, p, "must provide `dnsConfig` when `dnsPolicy` is None");
		return;
	}
	if (!cfg)
		return;
	const cs_json *ns = cs_v_arr(v, cfg, p, "nameservers");
	if (none && !cs_json_len(ns))
		cs_v_required(v, cs_vpath(q, "%s.nameservers", p),
			      "must provide at least one DNS nameserver when `dnsPolicy` is None");
	if (cs_json_len(ns) > 3)
		cs_v_invalid(v, cs_vpath(q, "%s.nameservers", p), ns,
			     "must not have more than 3 nameservers");
	for (size_t i = 0; i < cs_json_len(ns); i++) {
		const char *ip = cs_json_str(cs_json_at(ns, i));
		cs_vpath(q, "%s.nameservers[%zu]", p, i);
		if (!ip)
			cs_v_type(v, q, cs_json_at(ns, i), "string");
		else if (!cs_v_is_ip(ip))
			cs_v_invalid_s(v, q, ip, "must be valid IP address");
	}
	v_string_array(v, cfg, p, "searches");
	const cs_json *opts = cs_v_arr(v, cfg, p, "options");
	for (size_t i = 0; i < cs_json_len(opts); i++) {
		const cs_json *o = cs_json_at(opts, i);
		cs_vpath(q, "%s.options[%zu]", p, i);
		const char *name = cs_json_is(o, CS_JSON_OBJECT) ? cs_v_str(v, o, q, "name") : NULL;
		if (!name || !*name)
			cs_v_required(v, cs_vpath(q, "%s.options[%zu].name", p, i),
				      "Option.Name must not be empty");
	}
}

void cs_v_pod_spec(cs_vctx *v, const cs_json *spec, const char *path, const cs_json *claims)
{
	char p[CS_VPATH];
	if (!spec) {
		cs_v_required(v, cs_vpath(p, "%s.containers", path), "");
		return;
	}
	cs_json *vols = cs_json_object(), *names = cs_json_object();
	each_obj(v, spec, path, "volumes", v_volume, vols);
	for (size_t i = 0; i < cs_json_len(claims); i++) {
		const char *cn =
			cs_json_get_str(cs_json_get(cs_json_at(claims, i), "metadata"), "name");
		if (cn)
			cs_json_set(vols, cn, cs_json_bool(true));
	}
	bool hostnet = false;
	cs_v_bool(v, spec, path, "hostNetwork", &hostnet);
	struct ctr_ctx cc = {.volumes = vols, .host_network = hostnet};
	v_containers(v, spec, path, "containers", &cc, names);
	v_containers(v, spec, path, "initContainers", &cc, names);
	cs_json_free(vols);
	cs_json_free(names);

	static const char *const restart[] = {"Always", "OnFailure", "Never", NULL};
	static const char *const dns[] = {"ClusterFirstWithHostNet", "ClusterFirst", "Default",
					  "None", NULL};
	v_enum(v, spec, path, "restartPolicy", restart, true);
	v_enum(v, spec, path, "dnsPolicy", dns, true);
	const char *dp = cs_json_get_str(spec, "dnsPolicy");
	v_dns_config(v, spec, path, dp && !strcmp(dp, "None"));
	cs_v_labels(v, cs_v_obj(v, spec, path, "nodeSelector"),
		    cs_vpath(p, "%s.nodeSelector", path));
	v_name(v, spec, path, "serviceAccountName", cs_check_dns1123_subdomain);
	v_name(v, spec, path, "serviceAccount", cs_check_dns1123_subdomain);
	v_name(v, spec, path, "nodeName", cs_check_dns1123_subdomain);
	v_name(v, spec, path, "hostname", cs_check_dns1123_label);
	v_name(v, spec, path, "subdomain", cs_check_dns1123_label);
	v_name(v, spec, path, "schedulerName", cs_check_dns1123_subdomain);
	v_name(v, spec, path, "priorityClassName", cs_check_dns1123_subdomain);
	bool b;
	cs_v_bool(v, spec, path, "hostPID", &b);
	cs_v_bool(v, spec, path, "hostIPC", &b);
	cs_v_bool(v, spec, path, "automountServiceAccountToken", &b);
	cs_v_obj(v, spec, path, "securityContext");
	const cs_json *tols = cs_v_arr(v, spec, path, "tolerations");
	cs_v_tolerations(v, tols, cs_vpath(p, "%s.tolerations", path));
	const cs_json *aff = cs_v_obj(v, spec, path, "affinity");
	if (aff)
		v_affinity(v, aff, cs_vpath(p, "%s.affinity", path));
	each_obj(v, spec, path, "topologySpreadConstraints", v_spread, NULL);
	const cs_json *ips = cs_v_arr(v, spec, path, "imagePullSecrets");
	for (size_t i = 0; i < cs_json_len(ips); i++)
		if (!cs_json_is(cs_json_at(ips, i), CS_JSON_OBJECT))
			cs_v_type(v, cs_vpath(p, "%s.imagePullSecrets[%zu]", path, i),
				  cs_json_at(ips, i), "object");
	int64_t n;
	if (cs_v_int(v, spec, path, "activeDeadlineSeconds", &n) && (n < 1 || n > 2147483647))
		cs_v_invalid_i(v, cs_vpath(p, "%s.activeDeadlineSeconds", path), n,
			       "must be between 1 and 2147483647, inclusive");
	if (cs_v_int(v, spec, path, "terminationGracePeriodSeconds", &n))
		cs_v_nonneg(v, cs_vpath(p, "%s.terminationGracePeriodSeconds", path), n);
	cs_v_int(v, spec, path, "priority", &n); /* set by admission; type only */
}

void cs_v_pod_template(cs_vctx *v, const cs_json *tmpl, const char *path, const cs_json *claims)
{
	char p[CS_VPATH];
	if (!tmpl) {
		cs_v_required(v, path, "");
		return;
	}
	const cs_json *meta = cs_v_obj(v, tmpl, path, "metadata");
	cs_v_labels(v, cs_json_get(meta, "labels"), cs_vpath(p, "%s.metadata.labels", path));
	cs_v_annotations(v, cs_json_get(meta, "annotations"),
			 cs_vpath(p, "%s.metadata.annotations", path));
	cs_v_pod_spec(v, cs_v_obj(v, tmpl, path, "spec"), cs_vpath(p, "%s.spec", path), claims);
}

/* ---- update ---- */

static bool toleration_in(const cs_json *t, const cs_json *list)
{
	for (size_t i = 0; i < cs_json_len(list); i++)
		if (cs_json_equal(t, cs_json_at(list, i)))
			return true;
	return false;
}

/* Overwrite the image of each container in `to` with the one at the same
 * index in `from`, so a changed image does not count as a spec change. */
static void copy_images(cs_json *to, const cs_json *from, const char *key)
{
	const cs_json *a = cs_json_get(from, key);
	cs_json *b = cs_json_get(to, key);
	if (cs_json_len(a) != cs_json_len(b))
		return;
	for (size_t i = 0; i < cs_json_len(a); i++) {
		const cs_json *img = cs_json_get(cs_json_at(a, i), "image");
		cs_json *c = cs_json_at(b, i);
		if (cs_json_is(c, CS_JSON_OBJECT) && img)
			cs_json_set(c, "image", cs_json_clone(img));
	}
}

void cs_v_pod_update(cs_vctx *v, const cs_json *spec, const cs_json *old_spec)
{
	if (!cs_json_is(old_spec, CS_JSON_OBJECT))
		return;
	int64_t nd = 0, od = 0;
	bool has_nd = cs_json_is(cs_json_get(spec, "activeDeadlineSeconds"), CS_JSON_NUMBER);
	bool has_od = cs_json_is(cs_json_get(old_spec, "activeDeadlineSeconds"), CS_JSON_NUMBER);
	nd = cs_json_as_int(cs_json_get(spec, "activeDeadlineSeconds"), 0);
	od = cs_json_as_int(cs_json_get(old_spec, "activeDeadlineSeconds"), 0);
	if (has_od && !has_nd)
		cs_v_invalid_raw(v, "spec.activeDeadlineSeconds", "null",
				 "must not update from a positive integer to nil value");
	else if (has_od && has_nd && nd > od)
		cs_v_invalid_i(v, "spec.activeDeadlineSeconds", nd,
			       "must be less than or equal to previous value");

	/* An unchanged spec (every status update, every binding) passes what
	 * follows by construction: spare the copy. */
	if (cs_json_equal(spec, old_spec))
		return;
	/* Munge the mutable fields of the new spec back to the old values and
	 * require what is left to be equal, as ValidatePodUpdate does. */
	cs_json *m = cs_json_clone(spec);
	copy_images(m, old_spec, "containers");
	copy_images(m, old_spec, "initContainers");
	cs_json_del(m, "activeDeadlineSeconds");
	const cs_json *oad = cs_json_get(old_spec, "activeDeadlineSeconds");
	if (oad)
		cs_json_set(m, "activeDeadlineSeconds", cs_json_clone(oad));
	/* Tolerations may only be added to. */
	const cs_json *ot = cs_json_get(old_spec, "tolerations");
	const cs_json *nt = cs_json_get(spec, "tolerations");
	bool superset = true;
	for (size_t i = 0; i < cs_json_len(ot); i++)
		superset = superset && toleration_in(cs_json_at(ot, i), nt);
	if (superset) {
		cs_json_del(m, "tolerations");
		if (ot)
			cs_json_set(m, "tolerations", cs_json_clone(ot));
	}
	/* A negative grace period may be raised to 1. */
	const cs_json *og = cs_json_get(old_spec, "terminationGracePeriodSeconds");
	if (cs_json_as_int(og, 0) < 0 &&
	    cs_json_as_int(cs_json_get(spec, "terminationGracePeriodSeconds"), 0) == 1)
		cs_json_set(m, "terminationGracePeriodSeconds", cs_json_clone(og));
	if (!cs_json_equal(m, old_spec))
		cs_v_forbidden(
			v, "spec",
			"pod updates may not change fields other than "
			"`spec.containers[*].image`,`spec.initContainers[*].image`,"
			"`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
			"existing tolerations),`spec.terminationGracePeriodSeconds` (allow it "
			"to be set to 1 if it was previously negative)");
	cs_json_free(m);
}
