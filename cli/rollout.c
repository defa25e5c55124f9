#include "rollout.h"

#include <stdlib.h>
#include <string.h>

#include "cliutil.h"

static const cs_json *condition(const cs_json *d, const char *type)
{
	const cs_json *conds = cs_json_path(d, "status", "conditions", NULL);
	for (size_t i = 0; i < cs_json_len(conds); i++) {
		const cs_json *c = cs_json_at(conds, i);
		const char *t = cs_json_get_str(c, "type");
		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

static long long num(const cs_json *o, const char *a, const char *b, long long fallback)
{
	return (long long)cs_json_as_int(cs_json_path(o, a, b, NULL), fallback);
}

static cs_ctl_rollout_state deployment_status(const cs_json *d, char *msg, size_t len)
{
	const char *name = cs_json_str(cs_json_path(d, "metadata", "name", NULL));
	name = name ? name : "";
	long long gen = num(d, "metadata", "generation", 0);
	long long observed = num(d, "status", "observedGeneration", 0);
	if (gen > observed) {
		snprintf(msg, len, "Waiting for deployment spec update to be observed...");
		return CS_ROLLOUT_WAITING;
	}
	const char *reason = cs_json_get_str(condition(d, "Progressing"), "reason");
	if (reason && !strcmp(reason, "ProgressDeadlineExceeded")) {
		snprintf(msg, len, "deployment \"%s\" exceeded its progress deadline", name);
		return CS_ROLLOUT_FAILED;
	}
	const cs_json *spec_replicas = cs_json_path(d, "spec", "replicas", NULL);
	long long updated = num(d, "status", "updatedReplicas", 0);
	long long replicas = num(d, "status", "replicas", 0);
	long long available = num(d, "status", "availableReplicas", 0);
	if (spec_replicas && updated < cs_json_as_int(spec_replicas, 0)) {
		snprintf(msg, len,
			 "Waiting for deployment \"%s\" rollout to finish: %lld out of %lld new "
			 "replicas have been updated...",
			 name, updated, (long long)cs_json_as_int(spec_replicas, 0));
		return CS_ROLLOUT_WAITING;
	}
	if (replicas > updated) {
		snprintf(msg, len,
			 "Waiting for deployment \"%s\" rollout to finish: %lld old replicas are "
			 "pending termination...",
			 name, replicas - updated);
		return CS_ROLLOUT_WAITING;
	}
	if (available < updated) {
		snprintf(msg, len,
			 "Waiting for deployment \"%s\" rollout to finish: %lld of %lld updated "
			 "replicas are available...",
			 name, available, updated);
		return CS_ROLLOUT_WAITING;
	}
	snprintf(msg, len, "deployment \"%s\" successfully rolled out", name);
	return CS_ROLLOUT_DONE;
}

/* kubectl's DaemonSetStatusViewer. */
static cs_ctl_rollout_state daemonset_status(const cs_json *d, char *msg, size_t len)
{
	const char *name = cs_json_str(cs_json_path(d, "metadata", "name", NULL));
	name = name ? name : "";
	const char *type = cs_json_str(cs_json_path(d, "spec", "updateStrategy", "type", NULL));
	if (!type || strcmp(type, "RollingUpdate")) {
		snprintf(msg, len,
			 "rollout status is only available for RollingUpdate strategy type");
		return CS_ROLLOUT_FAILED;
	}
	if (num(d, "metadata", "generation", 0) > num(d, "status", "observedGeneration", 0)) {
		snprintf(msg, len, "Waiting for daemon set spec update to be observed...");
		return CS_ROLLOUT_WAITING;
	}
	long long desired = num(d, "status", "desiredNumberScheduled", 0);
	long long updated = num(d, "status", "updatedNumberScheduled", 0);
	long long available = num(d, "status", "numberAvailable", 0);
	if (updated < desired) {
		snprintf(msg, len,
			 "Waiting for daemon set \"%s\" rollout to finish: %lld out of %lld new "
			 "pods "
			 "have been updated...",
			 name, updated, desired);
		return CS_ROLLOUT_WAITING;
	}
	if (available < desired) {
		snprintf(msg, len,
			 "Waiting for daemon set \"%s\" rollout to finish: %lld of %lld updated "
			 "pods "
			 "are available...",
			 name, available, desired);
		return CS_ROLLOUT_WAITING;
	}
	snprintf(msg, len, "daemon set \"%s\" successfully rolled out", name);
	return CS_ROLLOUT_DONE;
}

/* kubectl's StatefulSetStatusViewer. */
static cs_ctl_rollout_state statefulset_status(const cs_json *d, char *msg, size_t len)
{
	const cs_json *strategy = cs_json_path(d, "spec", "updateStrategy", NULL);
	const char *type = cs_json_get_str(strategy, "type");
	if (!type || strcmp(type, "RollingUpdate")) {
		snprintf(msg, len,
			 "rollout status is only available for RollingUpdate strategy type");
		return CS_ROLLOUT_FAILED;
	}
	long long observed = num(d, "status", "observedGeneration", 0);
	if (!observed || num(d, "metadata", "generation", 0) > observed) {
		snprintf(msg, len, "Waiting for statefulset spec update to be observed...");
		return CS_ROLLOUT_WAITING;
	}
	const cs_json *spec_replicas = cs_json_path(d, "spec", "replicas", NULL);
	long long replicas = cs_json_as_int(spec_replicas, 0);
	long long ready = num(d, "status", "readyReplicas", 0);
	long long updated = num(d, "status", "updatedReplicas", 0);
	if (spec_replicas && ready < replicas) {
		snprintf(msg, len, "Waiting for %lld pods to be ready...", replicas - ready);
		return CS_ROLLOUT_WAITING;
	}
	const cs_json *ru = cs_json_get(strategy, "rollingUpdate");
	if (ru) {
		const cs_json *partition = cs_json_get(ru, "partition");
		if (spec_replicas && partition &&
		    updated < replicas - cs_json_as_int(partition, 0)) {
			snprintf(msg, len,
				 "Waiting for partitioned roll out to finish: %lld out of %lld new "
				 "pods have been updated...",
				 updated, replicas - (long long)cs_json_as_int(partition, 0));
			return CS_ROLLOUT_WAITING;
		}
		snprintf(msg, len,
			 "partitioned roll out complete: %lld new pods have been updated...",
			 updated);
		return CS_ROLLOUT_DONE;
	}
	const char *cur = cs_json_str(cs_json_path(d, "status", "currentRevision", NULL));
	const char *upd = cs_json_str(cs_json_path(d, "status", "updateRevision", NULL));
	if (!cur || !upd || strcmp(cur, upd)) {
		snprintf(msg, len,
			 "waiting for statefulset rolling update to complete %lld pods at revision "
			 "%s...",
			 updated, upd ? upd : "");
		return CS_ROLLOUT_WAITING;
	}
	snprintf(msg, len, "statefulset rolling update complete %lld pods at revision %s...",
		 num(d, "status", "currentReplicas", 0), cur);
	return CS_ROLLOUT_DONE;
}

bool cs_ctl_rollout_has_status(const char *kind)
{
	return !strcmp(kind, "Deployment") || !strcmp(kind, "DaemonSet") ||
	       !strcmp(kind, "StatefulSet");
}

cs_ctl_rollout_state cs_ctl_rollout_status(const cs_json *d, char *msg, size_t len)
{
	const char *kind = cs_json_get_str(d, "kind");
	if (kind && !strcmp(kind, "DaemonSet"))
		return daemonset_status(d, msg, len);
	if (kind && !strcmp(kind, "StatefulSet"))
		return statefulset_status(d, msg, len);
	return deployment_status(d, msg, len);
}

long long cs_ctl_rs_revision(const cs_json *rs)
{
	const char *s = cs_json_get_str(cs_json_path(rs, "metadata", "annotations", NULL),
					CS_CTL_REVISION_ANN);
	char *end;
	if (!s || !*s)
		return -1;
	long long v = strtoll(s, &end, 10);
	return *end ? -1 : v;
}

cs_json *cs_ctl_owned_rss(const cs_json *d, const cs_json *rss)
{
	const char *uid = cs_json_str(cs_json_path(d, "metadata", "uid", NULL));
	cs_json *out = cs_json_array();
	for (size_t i = 0; uid && i < cs_json_len(rss); i++) {
		const cs_json *rs = cs_json_at(rss, i);
		const cs_json *refs = cs_json_path(rs, "metadata", "ownerReferences", NULL);
		for (size_t j = 0; j < cs_json_len(refs); j++) {
			const cs_json *r = cs_json_at(refs, j);
			const char *ruid = cs_json_get_str(r, "uid");
			if (cs_json_as_bool(cs_json_get(r, "controller"), false) && ruid &&
			    !strcmp(ruid, uid)) {
				cs_json_push(out, cs_json_clone(rs));
				break;
			}
		}
	}
	return out;
}

const cs_json *cs_ctl_revision_rs(const cs_json *owned, const char *name, long to_revision,
				  char *err, size_t errlen)
{
	const cs_json *latest = NULL, *previous = NULL;
	long long latest_rev = -1, previous_rev = -1;
	for (size_t i = 0; i < cs_json_len(owned); i++) {
		const cs_json *rs = cs_json_at(owned, i);
		long long v = cs_ctl_rs_revision(rs);
		if (v < 0)
			continue;
		if (to_revision > 0) {
			if (v == to_revision)
				return rs;
		} else if (latest_rev < v) {
			previous_rev = latest_rev, previous = latest;
			latest_rev = v, latest = rs;
		} else if (previous_rev < v) {
			previous_rev = v, previous = rs;
		}
	}
	if (to_revision > 0)
		snprintf(err, errlen, "unable to find specified revision %ld in history",
			 to_revision);
	else if (!previous)
		snprintf(err, errlen, "no rollout history found for deployment \"%s\"", name);
	return to_revision > 0 ? NULL : previous;
}

/* kubectl's annotationsToSkip: the deployment keeps its own. */
static bool skip_annotation(const char *k)
{
	static const char *const skip[] = {"kubectl.kubernetes.io/last-applied-configuration",
					   CS_CTL_REVISION_ANN,
					   "deployment.kubernetes.io/revision-history",
					   "deployment.kubernetes.io/desired-replicas",
					   "deployment.kubernetes.io/max-replicas",
					   "deprecated.deployment.rollback.to"};
	for (size_t i = 0; i < sizeof(skip) / sizeof(*skip); i++)
		if (!strcmp(k, skip[i]))
			return true;
	return false;
}

static cs_json *without_hash(const cs_json *tmpl)
{
	cs_json *t = cs_json_clone(tmpl);
	cs_json *labels = cs_json_path(t, "metadata", "labels", NULL);
	if (labels)
		cs_json_del(labels, CS_CTL_HASH_LABEL);
	return t;
}

static cs_json *op(const char *path, cs_json *value)
{
	cs_json *o = cs_json_object();
	cs_json_set(o, "op", cs_json_string("replace"));
	cs_json_set(o, "path", cs_json_string(path));
	cs_json_set(o, "value", value);
	return o;
}

cs_json *cs_ctl_undo_patch(const cs_json *d, const cs_json *rs, bool *skipped)
{
	cs_json *want = without_hash(cs_json_path(rs, "spec", "template", NULL));
	cs_json *have = without_hash(cs_json_path(d, "spec", "template", NULL));
	*skipped = cs_json_equal(want, have);
	cs_json_free(have);
	if (*skipped) {
		cs_json_free(want);
		return NULL;
	}
	cs_json *ann = cs_json_object();
	const cs_json *dann = cs_json_path(d, "metadata", "annotations", NULL);
	const cs_json *rann = cs_json_path(rs, "metadata", "annotations", NULL);
	for (size_t i = 0; cs_json_is(dann, CS_JSON_OBJECT) && i < dann->u.obj.len; i++)
		if (skip_annotation(dann->u.obj.keys[i]))
			cs_json_set(ann, dann->u.obj.keys[i], cs_json_clone(dann->u.obj.vals[i]));
	for (size_t i = 0; cs_json_is(rann, CS_JSON_OBJECT) && i < rann->u.obj.len; i++)
		if (!skip_annotation(rann->u.obj.keys[i]))
			cs_json_set(ann, rann->u.obj.keys[i], cs_json_clone(rann->u.obj.vals[i]));
	cs_json *patch = cs_json_array();
	cs_json_push(patch, op("/spec/template", want));
	cs_json_push(patch, op("/metadata/annotations", ann));
	return patch;
}

static int by_revision(const void *a, const void *b)
{
	long long ra = cs_ctl_rs_revision(*(const cs_json *const *)a);
	long long rb = cs_ctl_rs_revision(*(const cs_json *const *)b);
	return ra < rb ? -1 : ra > rb;
}

void cs_ctl_history_table(FILE *f, const cs_json *owned)
{
	size_t n = 0, cap = cs_json_len(owned);
	const cs_json **v = cs_ctl_xmalloc((cap ? cap : 1) * sizeof(*v));
	for (size_t i = 0; i < cap; i++)
		if (cs_ctl_rs_revision(cs_json_at(owned, i)) >= 0)
			v[n++] = cs_json_at(owned, i);
	qsort(v, n, sizeof(*v), by_revision);
	/* kubectl's tabwriter: the first column padded to its widest cell
	 * plus two spaces. */
	size_t w = strlen("REVISION");
	char buf[32];
	for (size_t i = 0; i < n; i++) {
		size_t l = (size_t)snprintf(buf, sizeof(buf), "%lld", cs_ctl_rs_revision(v[i]));
		if (l > w)
			w = l;
	}
	fprintf(f, "%-*s  %s\n", (int)w, "REVISION", "CHANGE-CAUSE");
	for (size_t i = 0; i < n; i++) {
		const char *cause = cs_json_get_str(
			cs_json_path(v[i], "metadata", "annotations", NULL), CS_CTL_CHANGE_CAUSE);
		snprintf(buf, sizeof(buf), "%lld", cs_ctl_rs_revision(v[i]));
		fprintf(f, "%-*s  %s\n", (int)w, buf, cause && *cause ? cause : "<none>");
	}
	free(v);
}

/* "Key:\tvalue" lines of one map, keys sorted, as describe prints them. */
static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void string_map(FILE *f, const char *label, const cs_json *m)
{
	size_t n = cs_json_is(m, CS_JSON_OBJECT) ? m->u.obj.len : 0;
	if (!n) {
		fprintf(f, "  %-13s<none>\n", label);
		return;
	}
	char **keys = cs_ctl_xmalloc(n * sizeof(*keys));
	for (size_t i = 0; i < n; i++)
		keys[i] = m->u.obj.keys[i];
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-13s%s=%s\n", i ? "" : label, keys[i],
			cs_json_get_str(m, keys[i]) ?: "");
	free(keys);
}

void cs_ctl_print_template(FILE *f, const cs_json *tmpl)
{
	fprintf(f, "Pod Template:\n");
	string_map(f, "Labels:", cs_json_path(tmpl, "metadata", "labels", NULL));
	string_map(f, "Annotations:", cs_json_path(tmpl, "metadata", "annotations", NULL));
	const cs_json *cs = cs_json_path(tmpl, "spec", "containers", NULL);
	fprintf(f, "  Containers:\n");
	for (size_t i = 0; i < cs_json_len(cs); i++) {
		const cs_json *c = cs_json_at(cs, i);
		fprintf(f, "   %s:\n", cs_json_get_str(c, "name") ?: "");
		fprintf(f, "    Image:\t%s\n", cs_json_get_str(c, "image") ?: "");
		const cs_json *ports = cs_json_get(c, "ports");
		if (!cs_json_len(ports))
			fprintf(f, "    Port:\t<none>\n");
		for (size_t j = 0; j < cs_json_len(ports); j++) {
			const cs_json *p = cs_json_at(ports, j);
			fprintf(f, "    Port:\t%lld/%s\n",
				(long long)cs_json_as_int(cs_json_get(p, "containerPort"), 0),
				cs_json_get_str(p, "protocol") ?: "TCP");
		}
		const cs_json *env = cs_json_get(c, "env");
		if (!cs_json_len(env))
			fprintf(f, "    Environment:\t<none>\n");
		else
			fprintf(f, "    Environment:\n");
		for (size_t j = 0; j < cs_json_len(env); j++) {
			const cs_json *e = cs_json_at(env, j);
			const char *v = cs_json_get_str(e, "value");
			fprintf(f, "      %s:\t%s\n", cs_json_get_str(e, "name") ?: "",
				v ? v : "<set from a source>");
		}
	}
	const cs_json *vols = cs_json_path(tmpl, "spec", "volumes", NULL);
	if (!cs_json_len(vols))
		fprintf(f, "  Volumes:\t<none>\n");
	else
		fprintf(f, "  Volumes:\n");
	for (size_t i = 0; i < cs_json_len(vols); i++)
		fprintf(f, "   %s\n", cs_json_get_str(cs_json_at(vols, i), "name") ?: "");
}
