/* The kinds an ownerReference can name and how to reach their objects.
 *
 * A module sees only the SDK, not the core's type table, so the kinds the
 * API serves are listed here.  An owner of a kind missing from this list
 * cannot be looked up: its dependents are left alone (Kubernetes' garbage
 * collector does the same for a kind its discovery does not know). */
#include <stdio.h>
#include <string.h>

#include "gc.h"

static const gc_kind kinds[] = {
	{"", "v1", "Namespace", "namespaces", false},
	{"", "v1", "Pod", "pods", true},
	{"", "v1", "Node", "nodes", false},
	{"", "v1", "Service", "services", true},
	{"", "v1", "Endpoints", "endpoints", true},
	{"", "v1", "ConfigMap", "configmaps", true},
	{"", "v1", "Secret", "secrets", true},
	{"", "v1", "Event", "events", true},
	{"", "v1", "ServiceAccount", "serviceaccounts", true},
	{"", "v1", "PersistentVolume", "persistentvolumes", false},
	{"", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true},
	{"", "v1", "ResourceQuota", "resourcequotas", true},
	{"", "v1", "LimitRange", "limitranges", true},
	{"apps", "v1", "Deployment", "deployments.apps", true},
	{"apps", "v1", "ReplicaSet", "replicasets.apps", true},
	{"apps", "v1", "DaemonSet", "daemonsets.apps", true},
	{"apps", "v1", "StatefulSet", "statefulsets.apps", true},
	{"apps", "v1", "ControllerRevision", "controllerrevisions.apps", true},
	{"batch", "v1", "Job", "jobs.batch", true},
	{"batch", "v1", "CronJob", "cronjobs.batch", true},
	{"storage.k8s.io", "v1", "StorageClass", "storageclasses.storage.k8s.io", false},
	{"coordination.k8s.io", "v1", "Lease", "leases.coordination.k8s.io", true},
	{"scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses.scheduling.k8s.io", false},
};

#define NKINDS (sizeof(kinds) / sizeof(*kinds))

const gc_kind *gc_kind_by_resource(const char *resource)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (!strcmp(kinds[i].resource, resource))
			return &kinds[i];
	return NULL;
}

const gc_kind *gc_kind_by_ref(const char *api_version, const char *kind)
{
	if (!api_version || !kind)
		return NULL;
	const char *slash = strchr(api_version, '/');
	size_t glen = slash ? (size_t)(slash - api_version) : 0;
	for (size_t i = 0; i < NKINDS; i++)
		if (!strcmp(kinds[i].kind, kind) && strlen(kinds[i].group) == glen &&
		    !strncmp(kinds[i].group, api_version, glen))
			return &kinds[i];
	return NULL;
}

const char *gc_kind_api_version(const gc_kind *k, char *buf, size_t n)
{
	if (*k->group)
		snprintf(buf, n, "%s/%s", k->group, k->version);
	else
		snprintf(buf, n, "%s", k->version);
	return buf;
}
