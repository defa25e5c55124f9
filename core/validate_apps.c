/* Workload validation: apps/v1 Deployment, ReplicaSet, DaemonSet,
 * StatefulSet and batch/v1 Job, CronJob, after Kubernetes'
 * pkg/apis/apps/validation and pkg/apis/batch/validation. */
#include "validate_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cron.h"
#include "selector.h"

static void nonneg_field(cs_vctx *v, const cs_json *o, const char *parent, const char *key)
{
	int64_t n;
	char p[CS_VPATH];
	if (cs_v_int(v, o, parent, key, &n))
		cs_v_nonneg(v, cs_vpath(p, "%s.%s", parent, key), n);
}

/* IntOrString prints bare through its String() method. */
static void intstr_text(const cs_json *x, char *buf, size_t cap)
{
	if (cs_json_is(x, CS_JSON_STRING))
		snprintf(buf, cap, "%s", x->u.str.s);
	else
		snprintf(buf, cap, "%lld", (long long)cs_json_as_int(x, 0));
}

/* Value of an int-or-percent ("25%" -> 25, 3 -> 3; a non-numeric string
 * reads 0 as Go's IntValue() does); *percent tells which. */
static long intstr_value(const cs_json *x, bool *percent)
{
	*percent = false;
	if (cs_json_is(x, CS_JSON_STRING)) {
		const char *s = x->u.str.s;
		size_t n = strlen(s);
		*percent = n > 1 && s[n - 1] == '%';
		return strtol(s, NULL, 10);
	}
	return (long)cs_json_as_int(x, 0);
}

static void v_int_or_percent(cs_vctx *v, const cs_json *x, const char *field)
{
	char t[128];
	if (!x || x->type == CS_JSON_NULL)
		return;
	if (cs_json_is(x, CS_JSON_STRING)) {
		const char *s = x->u.str.s;
		size_t n = strlen(s);
		bool ok = n > 1 && s[n - 1] == '%';
		for (size_t i = 0; ok && i + 1 < n; i++)
			ok = isdigit((unsigned char)s[i]);
		if (!ok) {
			intstr_text(x, t, sizeof(t));
			cs_v_invalid_raw(v, field, t,
					 "a valid percent string must be a numeric string "
					 "followed by an ending '%' (e.g. '1%',  or '93%', "
					 "regex used for validation is '[0-9]+%')");
		}
	} else if (cs_json_is(x, CS_JSON_NUMBER) && x->u.num.is_int) {
		cs_v_nonneg(v, field, x->u.num.i);
	} else {
		cs_v_type(v, field, x, "integer or string");
	}
}

static void v_max_unavailable_surge(cs_vctx *v, const cs_json *ru, const char *p)
{
	char mu[CS_VPATH], ms[CS_VPATH], t[128];
	const cs_json *u = cs_json_get(ru, "maxUnavailable"), *s = cs_json_get(ru, "maxSurge");
	cs_vpath(mu, "%s.maxUnavailable", p);
	cs_vpath(ms, "%s.maxSurge", p);
	v_int_or_percent(v, u, mu);
	v_int_or_percent(v, s, ms);
	bool pu, ps;
	long uv = intstr_value(u, &pu), sv = intstr_value(s, &ps);
	if (uv == 0 && sv == 0) {
		intstr_text(u, t, sizeof(t));
		cs_v_invalid_raw(v, mu, t, "may not be 0 when `maxSurge` is 0");
	}
	if (pu && uv > 100) {
		intstr_text(u, t, sizeof(t));
		cs_v_invalid_raw(v, mu, t, "must not be greater than 100%");
	}
}

/* A DaemonSet either surges or leaves pods unavailable, never both, and
 * neither beyond 100% (Kubernetes' ValidateRollingUpdateDaemonSet; the
 * Deployment rule above allows both and any surge). */
static void v_rolling_update_daemonset(cs_vctx *v, const cs_json *ru, const char *p)
{
	char mu[CS_VPATH], ms[CS_VPATH], t[128];
	const cs_json *u = cs_json_get(ru, "maxUnavailable"), *s = cs_json_get(ru, "maxSurge");
	cs_vpath(mu, "%s.maxUnavailable", p);
	cs_vpath(ms, "%s.maxSurge", p);
	v_int_or_percent(v, u, mu);
	v_int_or_percent(v, s, ms);
	bool pu, ps;
	long uv = intstr_value(u, &pu), sv = intstr_value(s, &ps);
	if (pu && uv > 100) {
		intstr_text(u, t, sizeof(t));
		cs_v_invalid_raw(v, mu, t, "must not be greater than 100%");
	}
	if (ps && sv > 100) {
		intstr_text(s, t, sizeof(t));
		cs_v_invalid_raw(v, ms, t, "must not be greater than 100%");
	}
	if (uv != 0 && sv != 0) {
		intstr_text(s, t, sizeof(t));
		cs_v_invalid_raw(v, ms, t, "may not be set when maxUnavailable is non-zero");
	} else if (uv == 0 && sv == 0) {
		cs_v_required(v, mu, "cannot be 0 when maxSurge is 0");
	}
}

/* spec.selector + spec.template of the apps/v1 controllers. */
static cs_selector *v_selector(cs_vctx *v, const cs_json *spec, const char *what)
{
	if (!cs_v_present(spec, "selector")) {
		cs_v_required(v, "spec.selector", "");
		return NULL;
	}
	const cs_json *sj = cs_json_get(spec, "selector");
	cs_selector *sel = cs_v_selector(v, sj, "spec.selector");
	if (sel && cs_selector_empty(sel)) {
		char *g = cs_v_go_selector(sj);
		char d[64];
		snprintf(d, sizeof(d), "empty selector is invalid for %s", what);
		cs_v_invalid_raw(v, "spec.selector", g, d);
		free(g);
	}
	return sel;
}

static void v_selector_matches(cs_vctx *v, const cs_selector *sel, const cs_json *tmpl,
			       const char *tpath)
{
	const cs_json *labels = cs_json_path(tmpl, "metadata", "labels", NULL);
	if (!sel || cs_selector_empty(sel) || cs_label_selector_match(sel, labels))
		return;
	char p[CS_VPATH];
	char *g = cs_v_go_labels(labels);
	cs_v_invalid_raw(v, cs_vpath(p, "%s.metadata.labels", tpath), g,
			 "`selector` does not match template `labels`");
	free(g);
}

/* Template of a long-running controller: restartPolicy Always, no deadline. */
static void v_daemon_template(cs_vctx *v, const cs_json *tmpl, const char *deadline_msg,
			      bool deadline_forbidden)
{
	const cs_json *tspec = cs_json_get(tmpl, "spec");
	const char *rp = cs_json_get_str(tspec, "restartPolicy");
	static const char *const always[] = {"Always", NULL};
	if (rp && strcmp(rp, "Always"))
		cs_v_unsupported(v, "spec.template.spec.restartPolicy", rp, always);
	const cs_json *ad = cs_json_get(tspec, "activeDeadlineSeconds");
	if (ad && ad->type != CS_JSON_NULL) {
		if (deadline_forbidden)
			cs_v_forbidden(v, "spec.template.spec.activeDeadlineSeconds", deadline_msg);
		else
			cs_v_invalid(v, "spec.template.spec.activeDeadlineSeconds", ad,
				     deadline_msg);
	}
}

static void v_immutable_selector(cs_vctx *v, const cs_json *spec, const cs_json *old)
{
	const cs_json *os = cs_json_path(old, "spec", "selector", NULL);
	const cs_json *ns = cs_json_get(spec, "selector");
	if (!os || cs_json_equal(os, ns))
		return;
	char *g = ns ? cs_v_go_selector(ns) : strdup("null");
	cs_v_invalid_raw(v, "spec.selector", g, "field is immutable");
	free(g);
}

/* Deployment and ReplicaSet share these rules (and, as in Kubernetes, the
 * wording "for deployment" and "in ReplicaSet"). */
static void v_replicaset_like(cs_vctx *v, const cs_json *spec, const cs_json *old)
{
	nonneg_field(v, spec, "spec", "replicas");
	nonneg_field(v, spec, "spec", "minReadySeconds");
	cs_selector *sel = v_selector(v, spec, "deployment");
	const cs_json *tmpl = cs_v_obj(v, spec, "spec", "template");
	if (!tmpl) {
		cs_v_required(v, "spec.template", "");
	} else {
		v_selector_matches(v, sel, tmpl, "spec.template");
		cs_v_pod_template(v, tmpl, "spec.template", NULL);
		v_daemon_template(v, tmpl, "activeDeadlineSeconds in ReplicaSet is not Supported",
				  true);
	}
	if (sel)
		cs_selector_free(sel);
	if (old)
		v_immutable_selector(v, spec, old);
}

static void v_deployment(cs_vctx *v, const cs_json *spec, const cs_json *old)
{
	v_replicaset_like(v, spec, old);
	nonneg_field(v, spec, "spec", "revisionHistoryLimit");
	int64_t pds, mrs = 0;
	cs_v_int(v, spec, "spec", "minReadySeconds", &mrs);
	if (cs_v_int(v, spec, "spec", "progressDeadlineSeconds", &pds)) {
		cs_v_nonneg(v, "spec.progressDeadlineSeconds", pds);
		if (pds <= mrs)
			cs_v_invalid_i(v, "spec.progressDeadlineSeconds", pds,
				       "must be greater than minReadySeconds");
	}
	bool paused;
	cs_v_bool(v, spec, "spec", "paused", &paused);
	const cs_json *st = cs_v_obj(v, spec, "spec", "strategy");
	if (!st)
		return;
	static const char *const types[] = {"Recreate", "RollingUpdate", NULL};
	const char *type = cs_v_str(v, st, "spec.strategy", "type");
	const cs_json *ru = cs_v_obj(v, st, "spec.strategy", "rollingUpdate");
	if (type && !strcmp(type, "Recreate")) {
		if (ru)
			cs_v_forbidden(v, "spec.strategy.rollingUpdate",
				       "may not be specified when strategy `type` is 'Recreate'");
	} else if (type && !strcmp(type, "RollingUpdate")) {
		if (!ru)
			cs_v_required(v, "spec.strategy.rollingUpdate",
				      "this should be defaulted and never be nil");
		else
			v_max_unavailable_surge(v, ru, "spec.strategy.rollingUpdate");
	} else if (type) {
		cs_v_unsupported(v, "spec.strategy.type", type, types);
	} else if (!cs_v_present(st, "type")) {
		cs_v_required(v, "spec.strategy.type", "");
	}
}

static void v_daemonset(cs_vctx *v, const cs_json *spec, const cs_json *old)
{
	cs_selector *sel = v_selector(v, spec, "daemonset");
	const cs_json *tmpl = cs_v_obj(v, spec, "spec", "template");
	if (!tmpl) {
		cs_v_required(v, "spec.template", "");
	} else {
		v_selector_matches(v, sel, tmpl, "spec.template");
		cs_v_pod_template(v, tmpl, "spec.template", NULL);
		v_daemon_template(v, tmpl, "activeDeadlineSeconds must be nil for daemons", false);
	}
	if (sel)
		cs_selector_free(sel);
	nonneg_field(v, spec, "spec", "minReadySeconds");
	nonneg_field(v, spec, "spec", "revisionHistoryLimit");
	const cs_json *us = cs_v_obj(v, spec, "spec", "updateStrategy");
	if (us) {
		static const char *const types[] = {"RollingUpdate", "OnDelete", NULL};
		const char *type = cs_v_str(v, us, "spec.updateStrategy", "type");
		const cs_json *ru = cs_v_obj(v, us, "spec.updateStrategy", "rollingUpdate");
		if (type && !strcmp(type, "RollingUpdate")) {
			if (!ru)
				cs_v_required(v, "spec.updateStrategy.rollingUpdate", "");
			else
				v_rolling_update_daemonset(v, ru,
							   "spec.updateStrategy.rollingUpdate");
		} else if (!type || strcmp(type, "OnDelete")) {
			cs_v_unsupported(v, "spec.updateStrategy.type", type ? type : "", types);
		}
	}
	if (old)
		v_immutable_selector(v, spec, old);
}

static void v_statefulset(cs_vctx *v, const cs_json *spec, const cs_json *old)
{
	const char *pmp = cs_v_str(v, spec, "spec", "podManagementPolicy");
	if (!pmp || !*pmp) {
		if (!cs_v_present(spec, "podManagementPolicy") || pmp)
			cs_v_required(v, "spec.podManagementPolicy", "");
	} else if (strcmp(pmp, "OrderedReady") && strcmp(pmp, "Parallel")) {
		cs_v_invalid_s(v, "spec.podManagementPolicy", pmp,
			       "must be 'OrderedReady' or 'Parallel'");
	}
	const cs_json *us = cs_v_obj(v, spec, "spec", "updateStrategy");
	const char *type = us ? cs_v_str(v, us, "spec.updateStrategy", "type") : NULL;
	const cs_json *ru = us ? cs_v_obj(v, us, "spec.updateStrategy", "rollingUpdate") : NULL;
	if (!type || !*type) {
		cs_v_required(v, "spec.updateStrategy", "");
	} else if (!strcmp(type, "OnDelete")) {
		if (ru)
			cs_v_invalid(v, "spec.updateStrategy.rollingUpdate", ru,
				     "only allowed for updateStrategy 'RollingUpdate'");
	} else if (!strcmp(type, "RollingUpdate")) {
		if (ru) {
			nonneg_field(v, ru, "spec.updateStrategy.rollingUpdate", "partition");
			const cs_json *mu = cs_json_get(ru, "maxUnavailable");
			bool pct;
			char t[128];
			v_int_or_percent(v, mu, "spec.updateStrategy.rollingUpdate.maxUnavailable");
			if (mu && mu->type != CS_JSON_NULL && intstr_value(mu, &pct) == 0) {
				intstr_text(mu, t, sizeof(t));
				cs_v_invalid_raw(v,
						 "spec.updateStrategy.rollingUpdate.maxUnavailable",
						 t, "must be greater than 0");
			}
		}
	} else {
		cs_v_invalid(v, "spec.updateStrategy", us, "must be 'RollingUpdate' or 'OnDelete'");
	}
	nonneg_field(v, spec, "spec", "replicas");
	nonneg_field(v, spec, "spec", "minReadySeconds");
	nonneg_field(v, spec, "spec", "revisionHistoryLimit");
	const char *svc = cs_v_str(v, spec, "spec", "serviceName");
	const char *msg;
	if (svc && *svc && (msg = cs_check_dns1035_label(svc)))
		cs_v_invalid_s(v, "spec.serviceName", svc, msg);
	const cs_json *claims = cs_v_arr(v, spec, "spec", "volumeClaimTemplates");
	char p[CS_VPATH], q[CS_VPATH];
	for (size_t i = 0; i < cs_json_len(claims); i++) {
		const cs_json *c = cs_json_at(claims, i);
		cs_vpath(p, "spec.volumeClaimTemplates[%zu]", i);
		if (!cs_json_is(c, CS_JSON_OBJECT)) {
			cs_v_type(v, p, c, "object");
			continue;
		}
		const char *cn = cs_json_get_str(cs_json_get(c, "metadata"), "name");
		cs_vpath(q, "%s.metadata.name", p);
		if (!cn || !*cn)
			cs_v_required(v, q, "name or generateName is required");
		else if ((msg = cs_check_dns1123_subdomain(cn)))
			cs_v_invalid_s(v, q, cn, msg);
		cs_v_labels(v, cs_json_path(c, "metadata", "labels", NULL),
			    cs_vpath(q, "%s.metadata.labels", p));
		cs_v_pvc_spec(v, cs_v_obj(v, c, p, "spec"), cs_vpath(q, "%s.spec", p));
	}
	cs_selector *sel = v_selector(v, spec, "statefulset");
	const cs_json *tmpl = cs_v_obj(v, spec, "spec", "template");
	if (!tmpl) {
		cs_v_required(v, "spec.template", "");
	} else {
		v_selector_matches(v, sel, tmpl, "spec.template");
		cs_v_pod_template(v, tmpl, "spec.template", claims);
		v_daemon_template(v, tmpl, "must not be specified", false);
	}
	if (sel)
		cs_selector_free(sel);
	if (!old)
		return;
	v_immutable_selector(v, spec, old);
	const cs_json *ospec = cs_json_get(old, "spec");
	cs_json *a = cs_json_clone(spec), *b = cs_json_clone(ospec);
	static const char *const mutable[] = {"replicas",
					      "ordinals",
					      "template",
					      "updateStrategy",
					      "revisionHistoryLimit",
					      "persistentVolumeClaimRetentionPolicy",
					      "minReadySeconds",
					      "selector",
					      NULL};
	for (size_t i = 0; mutable[i]; i++) {
		cs_json_del(a, mutable[i]);
		cs_json_del(b, mutable[i]);
	}
	if (!cs_json_equal(a, b))
		cs_v_forbidden(v, "spec",
			       "updates to statefulset spec for fields other than "
			       "'replicas', 'ordinals', 'template', 'updateStrategy', "
			       "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' "
			       "and 'minReadySeconds' are forbidden");
	cs_json_free(a);
	cs_json_free(b);
}

/* ---- batch ---- */

#define LEGACY_UID_LABEL "controller-uid"
#define UID_LABEL        "batch.kubernetes.io/controller-uid"

/* JobSpec at path; tmpl_only: inside a CronJob's jobTemplate, where the
 * selector is always generated later. */
static void v_job_spec(cs_vctx *v, const cs_json *spec, const char *path, const char *uid,
		       bool in_cronjob)
{
	char p[CS_VPATH], tp[CS_VPATH];
	static const char *const nonneg[] = {"parallelism",
					     "completions",
					     "activeDeadlineSeconds",
					     "backoffLimit",
					     "ttlSecondsAfterFinished",
					     NULL};
	for (size_t i = 0; nonneg[i]; i++)
		nonneg_field(v, spec, path, nonneg[i]);
	static const char *const modes[] = {"NonIndexed", "Indexed", NULL};
	const char *mode = cs_v_str(v, spec, path, "completionMode");
	if (mode && !cs_v_one_of(mode, modes))
		cs_v_unsupported(v, cs_vpath(p, "%s.completionMode", path), mode, modes);
	if (mode && !strcmp(mode, "Indexed") && !cs_v_present(spec, "completions"))
		cs_v_required(v, cs_vpath(p, "%s.completions", path),
			      "when completion mode is Indexed");
	bool manual = false, b;
	cs_v_bool(v, spec, path, "manualSelector", &manual);
	cs_v_bool(v, spec, path, "suspend", &b);
	const cs_json *sj = cs_json_get(spec, "selector");
	cs_selector *sel = NULL;
	cs_vpath(p, "%s.selector", path);
	if (in_cronjob) {
		if (sj && sj->type != CS_JSON_NULL && !manual)
			cs_v_invalid(v, p, sj, "`selector` will be auto-generated");
	} else if (!sj || sj->type == CS_JSON_NULL) {
		/* Without a uid the selector could not be generated yet. */
		if (manual || uid)
			cs_v_required(v, p, "");
	}
	if (sj && sj->type != CS_JSON_NULL && !(in_cronjob && !manual))
		sel = cs_v_selector(v, sj, p);
	const cs_json *tmpl = cs_v_obj(v, spec, path, "template");
	cs_vpath(tp, "%s.template", path);
	if (!tmpl) {
		cs_v_required(v, tp, "");
	} else {
		v_selector_matches(v, sel, tmpl, tp);
		cs_v_pod_template(v, tmpl, tp, NULL);
		const char *rp = cs_json_get_str(cs_json_get(tmpl, "spec"), "restartPolicy");
		if (!rp || (strcmp(rp, "OnFailure") && strcmp(rp, "Never")))
			cs_v_required(v, cs_vpath(p, "%s.spec.restartPolicy", tp),
				      "valid values: \"OnFailure\", \"Never\"");
	}
	if (sel)
		cs_selector_free(sel);
	/* A generated selector relies on these labels being on the pods. */
	if (!in_cronjob && !manual && uid && sj && sj->type != CS_JSON_NULL && tmpl) {
		const cs_json *labels = cs_json_path(tmpl, "metadata", "labels", NULL);
		static const char *const keys[] = {LEGACY_UID_LABEL, UID_LABEL};
		for (size_t i = 0; i < 2; i++) {
			const char *have = cs_json_get_str(labels, keys[i]);
			cs_vpath(p, "%s.metadata.labels[%s]", tp, keys[i]);
			if (!have) {
				cs_v_required(v, p, uid);
			} else if (strcmp(have, uid)) {
				char *g = cs_v_go_labels(labels), d[128];
				snprintf(d, sizeof(d), "must be '%s'", uid);
				cs_v_invalid_raw(v, p, g, d);
				free(g);
			}
		}
	}
}

static void v_job(cs_vctx *v, const cs_json *obj, const cs_json *spec, const cs_json *old)
{
	const char *uid = cs_json_get_str(cs_json_get(obj, "metadata"), "uid");
	if (uid && !*uid)
		uid = NULL;
	v_job_spec(v, spec, "spec", uid, false);
	if (!old)
		return;
	const cs_json *ospec = cs_json_get(old, "spec");
	/* A selector generated only now (the uid was not known at create)
	 * also adds labels to the template: not a user change. */
	if (!cs_v_present(ospec, "selector"))
		return;
	static const char *const fixed[] = {"selector",       "template",         "completions",
					    "completionMode", "podFailurePolicy", NULL};
	char p[CS_VPATH];
	for (size_t i = 0; fixed[i]; i++) {
		const cs_json *o = cs_json_get(ospec, fixed[i]), *n = cs_json_get(spec, fixed[i]);
		if (!o || o->type == CS_JSON_NULL || cs_json_equal(o, n))
			continue;
		cs_vpath(p, "spec.%s", fixed[i]);
		if (!strcmp(fixed[i], "selector") && n) {
			char *g = cs_v_go_selector(n);
			cs_v_invalid_raw(v, p, g, "field is immutable");
			free(g);
		} else {
			cs_v_invalid(v, p, n, "field is immutable");
		}
	}
}

static void v_cronjob(cs_vctx *v, const cs_json *spec)
{
	const char *sched = cs_v_str(v, spec, "spec", "schedule");
	const char *tz = cs_v_str(v, spec, "spec", "timeZone");
	if (!sched || !*sched) {
		if (!cs_v_present(spec, "schedule") || sched)
			cs_v_required(v, "spec.schedule", "");
	} else {
		cs_cron c;
		char err[256];
		if (cs_cron_parse(sched, &c, err, sizeof(err)) < 0)
			cs_v_invalid_s(v, "spec.schedule", sched, err);
		if (strstr(sched, "TZ") && tz)
			cs_v_invalid_s(
				v, "spec.schedule", sched,
				"cannot use both timeZone field and TZ or CRON_TZ in schedule");
	}
	if (tz) {
		char d[160];
		if (!*tz)
			cs_v_invalid_s(v, "spec.timeZone", tz,
				       "timeZone must be nil or non-empty string");
		else if (!strcasecmp(tz, "Local"))
			cs_v_invalid_s(v, "spec.timeZone", tz,
				       "timeZone must be an explicit time zone "
				       "as defined in "
				       "https://www.iana.org/time-zones");
		else if (!cs_cron_zone_exists(tz) || strstr(tz, "..") || tz[0] == '-')
			cs_v_invalid_s(v, "spec.timeZone", tz,
				       (snprintf(d, sizeof(d), "unknown time zone %s", tz), d));
	}
	nonneg_field(v, spec, "spec", "startingDeadlineSeconds");
	nonneg_field(v, spec, "spec", "successfulJobsHistoryLimit");
	nonneg_field(v, spec, "spec", "failedJobsHistoryLimit");
	static const char *const policies[] = {"Allow", "Forbid", "Replace", NULL};
	cs_v_enum(v, spec, "spec", "concurrencyPolicy", policies, true);
	bool b;
	cs_v_bool(v, spec, "spec", "suspend", &b);
	const cs_json *jt = cs_v_obj(v, spec, "spec", "jobTemplate");
	if (!jt) {
		cs_v_required(v, "spec.jobTemplate.spec.template", "");
		return;
	}
	const cs_json *meta = cs_v_obj(v, jt, "spec.jobTemplate", "metadata");
	cs_v_labels(v, cs_json_get(meta, "labels"), "spec.jobTemplate.metadata.labels");
	cs_v_annotations(v, cs_json_get(meta, "annotations"),
			 "spec.jobTemplate.metadata.annotations");
	const cs_json *js = cs_v_obj(v, jt, "spec.jobTemplate", "spec");
	if (!js)
		cs_v_required(v, "spec.jobTemplate.spec.template", "");
	else
		v_job_spec(v, js, "spec.jobTemplate.spec", NULL, true);
}

void cs_v_workload(cs_vctx *v, const cs_type *t, const cs_json *obj, const cs_json *old)
{
	const char *k = t->kind;
	const cs_json *spec = cs_v_obj(v, obj, "", "spec");
	static const cs_json empty = {.type = CS_JSON_OBJECT};
	if (!spec)
		spec = &empty; /* every required field then reports itself */
	if (!strcmp(k, "Deployment"))
		v_deployment(v, spec, old);
	else if (!strcmp(k, "ReplicaSet"))
		v_replicaset_like(v, spec, old);
	else if (!strcmp(k, "DaemonSet"))
		v_daemonset(v, spec, old);
	else if (!strcmp(k, "StatefulSet"))
		v_statefulset(v, spec, old);
	else if (!strcmp(k, "Job"))
		v_job(v, obj, spec, old);
	else if (!strcmp(k, "CronJob"))
		v_cronjob(v, spec);
}
