/* The kinds capstan serves.  Order matters only for discovery output. */
#include "types.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define T(g, v, res, sing, k, ns, sub, spec, ...)                                                  \
	{                                                                                          \
		.group = g, .version = v, .resource = res, .singular = sing, .kind = k,            \
		.list_kind = k "List", .namespaced = ns, .subresources = sub, .has_spec = spec,    \
		.short_names = {__VA_ARGS__},                                                      \
	}

const cs_type cs_types[] = {
	T("", "v1", "namespaces", "namespace", "Namespace", false, CS_SUB_STATUS | CS_SUB_FINALIZE,
	  true, "ns"),
	T("", "v1", "pods", "pod", "Pod", true, CS_SUB_STATUS, true, "po"),
	T("", "v1", "nodes", "node", "Node", false, CS_SUB_STATUS, true, "no"),
	T("", "v1", "services", "service", "Service", true, CS_SUB_STATUS, true, "svc"),
	T("", "v1", "endpoints", "endpoints", "Endpoints", true, 0, false, "ep"),
	T("", "v1", "configmaps", "configmap", "ConfigMap", true, 0, false, "cm"),
	T("", "v1", "secrets", "secret", "Secret", true, 0, false, NULL),
	T("", "v1", "events", "event", "Event", true, 0, false, "ev"),
	T("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, 0, false, "sa"),
	T("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false,
	  CS_SUB_STATUS, true, "pv"),
	T("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim",
	  true, CS_SUB_STATUS, true, "pvc"),
	T("", "v1", "resourcequotas", "resourcequota", "ResourceQuota", true, CS_SUB_STATUS, true,
	  "quota"),
	T("", "v1", "limitranges", "limitrange", "LimitRange", true, 0, true, "limits"),
	T("apps", "v1", "deployments", "deployment", "Deployment", true,
	  CS_SUB_STATUS | CS_SUB_SCALE, true, "deploy"),
	T("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true,
	  CS_SUB_STATUS | CS_SUB_SCALE, true, "rs"),
	T("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, CS_SUB_STATUS, true, "ds"),
	T("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true,
	  CS_SUB_STATUS | CS_SUB_SCALE, true, "sts"),
	T("apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", true, 0,
	  false, NULL),
	T("batch", "v1", "jobs", "job", "Job", true, CS_SUB_STATUS, true, NULL),
	T("batch", "v1", "cronjobs", "cronjob", "CronJob", true, CS_SUB_STATUS, true, "cj"),
	T("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false, 0, false,
	  "sc"),
	T("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, 0, true, NULL),
	T("scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", false, 0,
	  false, "pc"),
};

const size_t cs_types_count = sizeof(cs_types) / sizeof(cs_types[0]);

const char *cs_type_api_version(const cs_type *t)
{
	static char buf[sizeof(cs_types) / sizeof(cs_types[0])][96];
	size_t i = (size_t)(t - cs_types);
	if (i >= cs_types_count)
		return t->version;
	if (!buf[i][0]) {
		if (t->group[0])
			snprintf(buf[i], sizeof(buf[i]), "%s/%s", t->group, t->version);
		else
			snprintf(buf[i], sizeof(buf[i]), "%s", t->version);
	}
	return buf[i];
}

const cs_type *cs_type_find(const char *group, const char *version, const char *resource)
{
	for (size_t i = 0; i < cs_types_count; i++) {
		const cs_type *t = &cs_types[i];
		if (!strcmp(t->group, group) && !strcmp(t->version, version) &&
		    !strcmp(t->resource, resource))
			return t;
	}
	return NULL;
}

const cs_type *cs_type_by_kind(const char *api_version, const char *kind)
{
	if (!api_version || !kind)
		return NULL;
	for (size_t i = 0; i < cs_types_count; i++) {
		const cs_type *t = &cs_types[i];
		if (!strcmp(t->kind, kind) && !strcmp(cs_type_api_version(t), api_version))
			return t;
	}
	return NULL;
}

const cs_type *cs_type_resolve(const char *name)
{
	char base[128];
	const char *group = NULL;
	snprintf(base, sizeof(base), "%s", name);
	char *dot = strchr(base, '.');
	if (dot) {
		*dot = '\0';
		group = dot + 1;
	}
	for (size_t i = 0; i < cs_types_count; i++) {
		const cs_type *t = &cs_types[i];
		if (group && strcasecmp(t->group, group) != 0)
			continue;
		if (!strcasecmp(t->resource, base) || !strcasecmp(t->singular, base) ||
		    !strcasecmp(t->kind, base))
			return t;
		for (size_t j = 0; j < 4 && t->short_names[j]; j++)
			if (!strcasecmp(t->short_names[j], base))
				return t;
	}
	return NULL;
}
