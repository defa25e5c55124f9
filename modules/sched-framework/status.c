/* What the framework tells a pod's users: the PodScheduled condition and
 * Events, as kube-scheduler does.  Called from the scheduling thread and
 * (Scheduled) from the module thread; every write is asynchronous. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fw.h"

cs_object *fw_pod_ref(const cs_host *h, const cs_object *pod)
{
	/* Cached list items may lack apiVersion and kind, which Events need. */
	static const char *const copy[] = {"metadata.name", "metadata.namespace", "metadata.uid",
					   "metadata.resourceVersion"};
	cs_object *ref = h->obj_new(CS_OBJ_MAP);
	if (!ref || h->obj_set_str(ref, "apiVersion", "v1") || h->obj_set_str(ref, "kind", "Pod")) {
		h->obj_free(ref);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
		const char *v = h->obj_str(pod, copy[i]);
		if (v && h->obj_set_str(ref, copy[i], v)) {
			h->obj_free(ref);
			return NULL;
		}
	}
	return ref;
}

static void status_done(cs_mod *m, void *arg, int code, const cs_object *res, const cs_error *err)
{
	(void)arg, (void)res;
	/* 409: the pod changed since the cache saw it; the next attempt
	 * writes the condition again.  404: it is gone. */
	if (code)
		m->host->log(
			m, code == CS_CONFLICT || code == CS_NOT_FOUND ? CS_LOG_DEBUG : CS_LOG_WARN,
			"PodScheduled condition not written (%d): %s", code,
			err ? err->message : "");
}

static bool same_str(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* status.conditions with PodScheduled replaced (merge patches replace
 * lists whole), or NULL when the pod already says exactly this. */
static cs_object *conditions(const cs_host *h, const cs_object *pod, const char *msg)
{
	const cs_object *old = h->obj_get(pod, "status.conditions");
	const cs_object *prev = NULL;
	for (size_t i = 0; i < h->obj_len(old); i++)
		if (same_str(h->obj_str(h->obj_at(old, i), "type"), "PodScheduled"))
			prev = h->obj_at(old, i);
	bool was_false = same_str(h->obj_str(prev, "status"), "False");
	if (was_false && same_str(h->obj_str(prev, "reason"), "Unschedulable") &&
	    same_str(h->obj_str(prev, "message"), msg))
		return NULL;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	const char *since = was_false ? h->obj_str(prev, "lastTransitionTime") : NULL;
	cs_object *list = h->obj_new(CS_OBJ_ARRAY);
	cs_object *c = h->obj_new(CS_OBJ_MAP);
	bool ok = list && c;
	for (size_t i = 0; ok && i < h->obj_len(old); i++)
		if (h->obj_at(old, i) != prev)
			ok = h->obj_append(list, h->obj_clone(h->obj_at(old, i))) == 0;
	ok = ok && !h->obj_set_str(c, "type", "PodScheduled") &&
	     !h->obj_set_str(c, "status", "False") &&
	     !h->obj_set_str(c, "reason", "Unschedulable") && !h->obj_set_str(c, "message", msg) &&
	     !h->obj_set_str(c, "lastTransitionTime", since ? since : now);
	if (ok) {
		ok = h->obj_append(list, c) == 0;
		c = NULL;
	}
	h->obj_free(c);
	if (!ok) {
		h->obj_free(list);
		return NULL;
	}
	return list;
}

void fw_report_unschedulable(cs_mod *m, const cs_object *pod, const char *msg,
			     const char *nominated)
{
	const cs_host *h = m->host;
	const char *ns = h->obj_str(pod, "metadata.namespace");
	const char *name = h->obj_str(pod, "metadata.name");
	const char *rv = h->obj_str(pod, "metadata.resourceVersion");
	const char *had = h->obj_str(pod, "status.nominatedNodeName");
	cs_object *conds = conditions(h, pod, msg);
	/* "" clears a nomination the pod has (preemption found no node). */
	bool nominate =
		nominated && *nominated ? !same_str(had, nominated) : nominated && had && *had;
	if (conds || nominate) {
		/* The resourceVersion makes the patch fail rather than
		 * overwrite conditions written since the cache saw the pod. */
		cs_object *p = h->obj_new(CS_OBJ_MAP);
		bool ok = p != NULL;
		if (ok && rv)
			ok = !h->obj_set_str(p, "metadata.resourceVersion", rv);
		if (conds && ok)
			ok = !h->obj_set(p, "status.conditions", conds); /* takes conds */
		else
			h->obj_free(conds);
		if (ok && nominate)
			ok = *nominated ? !h->obj_set_str(p, "status.nominatedNodeName", nominated)
					: !h->obj_set(p, "status.nominatedNodeName",
						      h->obj_new(CS_OBJ_NULL));
		cs_request rq = {.verb = CS_VERB_PATCH,
				 .resource = "pods/status",
				 .ns = ns,
				 .name = name,
				 .patch_type = CS_PATCH_MERGE,
				 .body = p};
		int rc = ok ? h->call_async(m, &rq, status_done, NULL) : 0;
		if (!ok)
			h->log(m, CS_LOG_WARN, "pod %s/%s: cannot build its status: out of memory",
			       ns, name);
		else if (rc)
			h->log(m, CS_LOG_WARN, "pod %s/%s: cannot send its status (%d)", ns, name,
			       rc);
		h->obj_free(p);
	}
	cs_object *ref = fw_pod_ref(h, pod);
	if (ref)
		h->event(m, ref, "Warning", "FailedScheduling", "%s", msg);
	h->obj_free(ref);
}

void fw_report_scheduled(cs_mod *m, const cs_object *pod, const char *node)
{
	const cs_host *h = m->host;
	cs_object *ref = fw_pod_ref(h, pod);
	if (ref)
		h->event(m, ref, "Normal", "Scheduled", "Successfully assigned %s/%s to %s",
			 h->obj_str(pod, "metadata.namespace"), h->obj_str(pod, "metadata.name"),
			 node);
	h->obj_free(ref);
}
