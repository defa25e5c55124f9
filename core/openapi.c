/* OpenAPI documents for the type table: v2 (JSON and the gnostic protobuf
 * kubectl downloads) and v3 (index plus one document per group version).
 *
 * kubectl walks these schemas in two places.  Client-side validation (v2)
 * rejects unknown fields of any definition that lists properties.  apply and
 * edit compute strategic merge patches from them (v3 in kubectl 1.24+, the
 * v2 protobuf before), and fail over to compiled-in types with a warning as
 * soon as a field they look up is missing.  So the specs are modelled as the
 * Kubernetes API types are, with their patch strategies and merge keys, and
 * every modelled definition lists all of its fields; what is not modelled
 * (status, a few deprecated volume plugins) is an open object.
 *
 * fieldValidation is not advertised: kubectl then validates client side
 * instead of relying on server-side field validation, which we lack.
 *
 * Everything is generated once and handed out as copies. */
#include "types.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#ifndef CS_VERSION
#define CS_VERSION "0.0.0"
#endif

/* ---- schema tables ---- */

/* One property of a definition.
 *
 * type: "s" string, "i" int32, "l" int64, "n" double, "b" boolean, "t" date-time
 * string, "B" base64 string, "o" open object (any fields, none checked),
 * "@Name" a reference to the definition Name (short name, see def_prefixes),
 * "[" followed by a type: an array of it, "{" followed by a type: a map from
 * strings to it.
 *
 * patch: "strategy" or "strategy:mergeKey", the x-kubernetes-patch-strategy
 * and -patch-merge-key kubectl's strategic merge reads (from the v3 document
 * in kubectl 1.24+, from the v2 protobuf before).
 *
 * list: "atomic", "set" or "map:key1,key2": x-kubernetes-list-type and
 * -list-map-keys on arrays, x-kubernetes-map-type on maps. */
typedef struct {
	const char *name, *type, *patch, *list, *desc;
} prop;

/* A named object definition.  kubectl validation rejects unknown fields of a
 * definition that lists properties, so props is either every field of the
 * Kubernetes type or NULL, which makes an open object. */
typedef struct {
	const char *name; /* short name */
	const char *desc;
	const char *required; /* space-separated field names, NULL for none */
	bool atomic;          /* x-kubernetes-map-type: atomic */
	const prop *props;
} def;

/* Short definition names: a group prefix, or none for the core group. */
static const struct {
	const char *prefix, *full;
} def_prefixes[] = {
	{"meta.", "io.k8s.apimachinery.pkg.apis.meta.v1."},
	{"resource.", "io.k8s.apimachinery.pkg.api.resource."},
	{"intstr.", "io.k8s.apimachinery.pkg.util.intstr."},
	{"autoscaling.", "io.k8s.api.autoscaling.v1."},
	{"apps.", "io.k8s.api.apps.v1."},
	{"batch.", "io.k8s.api.batch.v1."},
	{"coordination.", "io.k8s.api.coordination.v1."},
	{"", "io.k8s.api.core.v1."},
};

#define META           "io.k8s.apimachinery.pkg.apis.meta.v1."
#define OBJECT_META    META "ObjectMeta"
#define LIST_META      META "ListMeta"
#define STATUS_DEF     META "Status"
#define DELETE_OPTIONS META "DeleteOptions"
#define WATCH_EVENT    META "WatchEvent"
#define PATCH_DEF      META "Patch"
#define SCALE_DEF      "io.k8s.api.autoscaling.v1.Scale"
#define QUANTITY       "io.k8s.apimachinery.pkg.api.resource.Quantity"
#define INT_OR_STRING  "io.k8s.apimachinery.pkg.util.intstr.IntOrString"

#define API_VERSION_PROP                                                                           \
	{                                                                                          \
		"apiVersion", "s", NULL, NULL,                                                     \
			"APIVersion defines the versioned schema of this representation of an "    \
			"object."                                                                  \
	}
#define KIND_PROP                                                                                  \
	{                                                                                          \
		"kind", "s", NULL, NULL,                                                           \
			"Kind is a string value representing the REST resource this object "       \
			"represents."                                                              \
	}
#define END_PROPS                                                                                  \
	{                                                                                          \
		NULL, NULL, NULL, NULL, NULL                                                       \
	}

/* Definitions that are not kinds: apimachinery's, then the Kubernetes API
 * types the kinds' specs are made of.  Status objects stay open: clients
 * never send them, so neither validation nor patching walks into them. */
/* Container and EphemeralContainer share every field but targetContainerName. */
#define CONTAINER_PROPS                                                                            \
	{"name", "s", NULL, NULL,                                                                  \
	 "Name of the container specified as a DNS_LABEL. Each "                                   \
	 "container in a pod must have a unique name (DNS_LABEL). Cannot be updated."},            \
		{"image", "s", NULL, NULL, "Container image name."},                               \
		{"command", "[s", NULL, NULL,                                                      \
		 "Entrypoint array. Not executed within a shell. The "                             \
		 "container image's ENTRYPOINT is used if this is not provided."},                 \
		{"args", "[s", NULL, NULL,                                                         \
		 "Arguments to the entrypoint. The container image's CMD "                         \
		 "is used if this is not provided."},                                              \
		{"workingDir", "s", NULL, NULL,                                                    \
		 "Container's working directory. If not specified, "                               \
		 "the container runtime's default will be used."},                                 \
		{"ports", "[@ContainerPort", "merge:containerPort", "map:containerPort,protocol",  \
		 "List of ports to expose from the container."},                                   \
		{"envFrom", "[@EnvFromSource", NULL, NULL,                                         \
		 "List of sources to populate "                                                    \
		 "environment variables in the container."},                                       \
		{"env", "[@EnvVar", "merge:name", "map:name",                                      \
		 "List of environment variables to "                                               \
		 "set in the container. Cannot be updated."},                                      \
		{"resources", "@ResourceRequirements", NULL, NULL,                                 \
		 "Compute Resources required by "                                                  \
		 "this container."},                                                               \
		{"resizePolicy", "[@ContainerResizePolicy", NULL, NULL,                            \
		 "Resources resize policy "                                                        \
		 "for the container."},                                                            \
		{"restartPolicy", "s", NULL, NULL,                                                 \
		 "RestartPolicy defines the restart behavior of "                                  \
		 "individual containers in a pod. Only \"Always\" is allowed, for init "           \
		 "containers."},                                                                   \
		{"volumeMounts", "[@VolumeMount", "merge:mountPath", "map:mountPath",              \
		 "Pod volumes "                                                                    \
		 "to mount into the container's filesystem. Cannot be updated."},                  \
		{"volumeDevices", "[@VolumeDevice", "merge:devicePath", "map:devicePath",          \
		 "volumeDevices is the list of block devices to be used by the container."},       \
		{"livenessProbe", "@Probe", NULL, NULL,                                            \
		 "Periodic probe of container liveness. "                                          \
		 "Container will be restarted if the probe fails."},                               \
		{"readinessProbe", "@Probe", NULL, NULL,                                           \
		 "Periodic probe of container service "                                            \
		 "readiness. Container will be removed from service endpoints if the probe "       \
		 "fails."},                                                                        \
		{"startupProbe", "@Probe", NULL, NULL,                                             \
		 "StartupProbe indicates that the Pod has "                                        \
		 "successfully initialized. If specified, no other probes are executed until "     \
		 "this "                                                                           \
		 "completes successfully."},                                                       \
		{"lifecycle", "@Lifecycle", NULL, NULL,                                            \
		 "Actions that the management system should "                                      \
		 "take in response to container lifecycle events."},                               \
		{"terminationMessagePath", "s", NULL, NULL,                                        \
		 "Path at which the file to which the "                                            \
		 "container's termination message will be written is mounted into the "            \
		 "container's "                                                                    \
		 "filesystem. Defaults to /dev/termination-log."},                                 \
		{"terminationMessagePolicy", "s", NULL, NULL,                                      \
		 "Indicate how the termination "                                                   \
		 "message should be populated: File or FallbackToLogsOnError. Defaults to File."}, \
		{"imagePullPolicy", "s", NULL, NULL,                                               \
		 "Image pull policy. One of Always, Never, "                                       \
		 "IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent "  \
		 "otherwise."},                                                                    \
		{"securityContext", "@SecurityContext", NULL, NULL,                                \
		 "SecurityContext defines the "                                                    \
		 "security options the container should be run with."},                            \
		{"stdin", "b", NULL, NULL,                                                         \
		 "Whether this container should allocate a buffer for "                            \
		 "stdin in the container runtime."},                                               \
		{"stdinOnce", "b", NULL, NULL,                                                     \
		 "Whether the container runtime should close the "                                 \
		 "stdin channel after it has been opened by a single attach."},                    \
	{                                                                                          \
		"tty", "b", NULL, NULL,                                                            \
			"Whether this container should allocate a TTY for itself, "                \
			"also requires 'stdin' to be true."                                        \
	}

static const def type_defs[] = {
	{"meta.ObjectMeta", "ObjectMeta is metadata that all persisted resources must have.", NULL,
	 false,
	 (const prop[]){{"annotations", "{s", NULL, NULL,
			 "Annotations is an unstructured key value map "
			 "stored with a resource that may be set by external tools."},
			{"creationTimestamp", "t", NULL, NULL,
			 "CreationTimestamp is a timestamp "
			 "representing the server time when this object was created."},
			{"deletionGracePeriodSeconds", "l", NULL, NULL,
			 "Number of seconds allowed for "
			 "this object to gracefully terminate before it will be removed."},
			{"deletionTimestamp", "t", NULL, NULL,
			 "DeletionTimestamp is RFC 3339 date and "
			 "time at which this resource will be deleted."},
			{"finalizers", "[s", "merge", "set",
			 "Must be empty before the object is deleted "
			 "from the registry."},
			{"generateName", "s", NULL, NULL,
			 "GenerateName is an optional prefix, used by the "
			 "server, to generate a unique name ONLY IF the Name field has not been "
			 "provided."},
			{"generation", "l", NULL, NULL,
			 "A sequence number representing a specific "
			 "generation of the desired state."},
			{"labels", "{s", NULL, NULL,
			 "Map of string keys and values that can be used to "
			 "organize and categorize (scope and select) objects."},
			{"managedFields", "[@meta.ManagedFieldsEntry", NULL, NULL,
			 "ManagedFields maps "
			 "workflow-id and version to the set of fields that are managed by that "
			 "workflow."},
			{"name", "s", NULL, NULL, "Name must be unique within a namespace."},
			{"namespace", "s", NULL, NULL,
			 "Namespace defines the space within which each name "
			 "must be unique."},
			{"ownerReferences", "[@meta.OwnerReference", "merge:uid", "map:uid",
			 "List of "
			 "objects depended by this object."},
			{"resourceVersion", "s", NULL, NULL,
			 "An opaque value that represents the internal "
			 "version of this object."},
			{"selfLink", "s", NULL, NULL,
			 "Deprecated: selfLink is a legacy read-only field "
			 "that is no longer populated by the system."},
			{"uid", "s", NULL, NULL,
			 "UID is the unique in time and space value for this "
			 "object."},
			END_PROPS}},
	{"meta.ListMeta", "ListMeta describes metadata that synthetic resources must have.", NULL,
	 false,
	 (const prop[]){{"continue", "s", NULL, NULL,
			 "continue may be set if the user set a limit on the "
			 "number of items returned."},
			{"remainingItemCount", "l", NULL, NULL,
			 "The number of subsequent items in the "
			 "list which are not included in this list response."},
			{"resourceVersion", "s", NULL, NULL,
			 "String that identifies the server's internal "
			 "version of this object."},
			{"selfLink", "s", NULL, NULL,
			 "Deprecated: selfLink is a legacy read-only field "
			 "that is no longer populated by the system."},
			END_PROPS}},
	{"meta.Status", "Status is a return value for calls that don't return other objects.", NULL,
	 false,
	 (const prop[]){API_VERSION_PROP,
			{"code", "i", NULL, NULL,
			 "Suggested HTTP return code for this status, 0 if not "
			 "set."},
			{"details", "o", NULL, NULL, "Extended data associated with the reason."},
			KIND_PROP,
			{"message", "s", NULL, NULL,
			 "A human-readable description of the status of this "
			 "operation."},
			{"metadata", "@meta.ListMeta", NULL, NULL, "Standard list metadata."},
			{"reason", "s", NULL, NULL,
			 "A machine-readable description of why this operation "
			 "is in the \"Failure\" status."},
			{"status", "s", NULL, NULL,
			 "Status of the operation. One of: \"Success\" or "
			 "\"Failure\"."},
			END_PROPS}},
	{"meta.DeleteOptions", "DeleteOptions may be provided when deleting an API object.", NULL,
	 false,
	 (const prop[]){API_VERSION_PROP,
			{"dryRun", "[s", NULL, NULL,
			 "When present, indicates that modifications should "
			 "not be persisted."},
			{"gracePeriodSeconds", "l", NULL, NULL,
			 "The duration in seconds before the object "
			 "should be deleted."},
			KIND_PROP,
			{"orphanDependents", "b", NULL, NULL,
			 "Deprecated: please use the "
			 "PropagationPolicy."},
			{"preconditions", "o", NULL, NULL,
			 "Must be fulfilled before a deletion is carried "
			 "out."},
			{"propagationPolicy", "s", NULL, NULL,
			 "Whether and how garbage collection will be "
			 "performed."},
			END_PROPS}},
	{"meta.WatchEvent", "Event represents a single event to a watched resource.", "type object",
	 false,
	 (const prop[]){
		 {"object", "o", NULL, NULL,
		  "Object is the object the event is about: the new "
		  "state for ADDED and MODIFIED, the state before deletion for DELETED, a Status "
		  "for ERROR."},
		 {"type", "s", NULL, NULL, "ADDED, MODIFIED, DELETED, ERROR or BOOKMARK."},
		 END_PROPS}},
	{"meta.Patch",
	 "Patch is provided to give a concrete name and type to the Kubernetes "
	 "PATCH request body.",
	 NULL, false, NULL},
	{"autoscaling.Scale", "Scale represents a scaling request for a resource.", NULL, false,
	 (const prop[]){API_VERSION_PROP,
			KIND_PROP,
			{"metadata", "@meta.ObjectMeta", NULL, NULL, "Standard object metadata."},
			{"spec", "o", NULL, NULL, "spec defines the behavior of the scale."},
			{"status", "o", NULL, NULL, "status is the current status of the scale."},
			END_PROPS}},

	/* The Kubernetes API types as of v1.33: every field, in declaration order,
	 * with embedded structs (VolumeSource, ProbeHandler, ...) inlined as
	 * their JSON is.  Field descriptions, where given, paraphrase Kubernetes'. */
	{"PodTemplateSpec",
	 "PodTemplateSpec describes the data a pod should have when created "
	 "from a template.",
	 NULL, false,
	 (const prop[]){{"metadata", "@meta.ObjectMeta", NULL, NULL, "Standard object's metadata."},
			{"spec", "@PodSpec", NULL, NULL,
			 "Specification of the desired behavior of the "
			 "pod."},
			END_PROPS}},
	{"PodSpec", "PodSpec is a description of a pod.", "containers", false,
	 (const prop[]){
		 {"volumes", "[@Volume", "merge,retainKeys:name", "map:name",
		  "List of volumes that "
		  "can be mounted by containers belonging to the pod."},
		 {"initContainers", "[@Container", "merge:name", "map:name",
		  "List of "
		  "initialization containers belonging to the pod, run in order before the app "
		  "containers start."},
		 {"containers", "[@Container", "merge:name", "map:name",
		  "List of containers "
		  "belonging to the pod. There must be at least one container in a Pod."},
		 {"ephemeralContainers", "[@EphemeralContainer", "merge:name", "map:name",
		  "List of "
		  "ephemeral containers run in this pod, added by the ephemeralcontainers "
		  "subresource."},
		 {"restartPolicy", "s", NULL, NULL,
		  "Restart policy for all containers within the "
		  "pod. One of Always, OnFailure, Never. Default to Always."},
		 {"terminationGracePeriodSeconds", "l", NULL, NULL,
		  "Optional duration in seconds "
		  "the pod needs to terminate gracefully. Defaults to 30 seconds."},
		 {"activeDeadlineSeconds", "l", NULL, NULL,
		  "Optional duration in seconds the pod "
		  "may be active on the node relative to StartTime before the system actively "
		  "tries "
		  "to mark it failed and kill associated containers."},
		 {"dnsPolicy", "s", NULL, NULL,
		  "Set DNS policy for the pod. Defaults to "
		  "\"ClusterFirst\". Valid values are 'ClusterFirstWithHostNet', 'ClusterFirst', "
		  "'Default' or 'None'."},
		 {"nodeSelector", "{s", NULL, "atomic",
		  "NodeSelector is a selector which must be "
		  "true for the pod to fit on a node: a map of label keys and values the node's "
		  "labels must match."},
		 {"serviceAccountName", "s", NULL, NULL,
		  "ServiceAccountName is the name of the "
		  "ServiceAccount to use to run this pod."},
		 {"serviceAccount", "s", NULL, NULL,
		  "DeprecatedServiceAccount is a deprecated "
		  "alias for ServiceAccountName."},
		 {"automountServiceAccountToken", "b", NULL, NULL,
		  "AutomountServiceAccountToken "
		  "indicates whether a service account token should be automatically mounted."},
		 {"nodeName", "s", NULL, NULL,
		  "NodeName indicates in which node this pod is "
		  "scheduled."},
		 {"hostNetwork", "b", NULL, NULL,
		  "Host networking requested for this pod. Use the "
		  "host's network namespace. Default to false."},
		 {"hostPID", "b", NULL, NULL,
		  "Use the host's pid namespace. Optional: Default to "
		  "false."},
		 {"hostIPC", "b", NULL, NULL,
		  "Use the host's ipc namespace. Optional: Default to "
		  "false."},
		 {"shareProcessNamespace", "b", NULL, NULL,
		  "Share a single process namespace "
		  "between all of the containers in a pod."},
		 {"securityContext", "@PodSecurityContext", NULL, NULL,
		  "SecurityContext holds "
		  "pod-level security attributes and common container settings."},
		 {"imagePullSecrets", "[@LocalObjectReference", "merge:name", "map:name",
		  "ImagePullSecrets is an optional list of references to secrets in the same "
		  "namespace to use for pulling any of the images used by this PodSpec."},
		 {"hostname", "s", NULL, NULL,
		  "Specifies the hostname of the Pod. If not "
		  "specified, the pod's hostname will be set to a system-defined value."},
		 {"subdomain", "s", NULL, NULL,
		  "If specified, the fully qualified Pod hostname "
		  "will be \"<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>\"."},
		 {"affinity", "@Affinity", NULL, NULL,
		  "If specified, the pod's scheduling "
		  "constraints."},
		 {"schedulerName", "s", NULL, NULL,
		  "If specified, the pod will be dispatched by "
		  "specified scheduler."},
		 {"tolerations", "[@Toleration", NULL, NULL,
		  "If specified, the pod's tolerations."},
		 {"hostAliases", "[@HostAlias", "merge:ip", "map:ip",
		  "HostAliases is an optional "
		  "list of hosts and IPs that will be injected into the pod's hosts file if "
		  "specified."},
		 {"priorityClassName", "s", NULL, NULL,
		  "If specified, indicates the pod's "
		  "priority."},
		 {"priority", "i", NULL, NULL,
		  "The priority value. Various system components use "
		  "this field to find the priority of the pod."},
		 {"dnsConfig", "@PodDNSConfig", NULL, NULL,
		  "Specifies the DNS parameters of a "
		  "pod."},
		 {"readinessGates", "[@PodReadinessGate", NULL, NULL,
		  "If specified, all readiness "
		  "gates will be evaluated for pod readiness."},
		 {"runtimeClassName", "s", NULL, NULL,
		  "RuntimeClassName refers to a RuntimeClass "
		  "object in the node.k8s.io group, which should be used to run this pod."},
		 {"enableServiceLinks", "b", NULL, NULL,
		  "EnableServiceLinks indicates whether "
		  "information about services should be injected into pod's environment variables. "
		  "Optional: Defaults to true."},
		 {"preemptionPolicy", "s", NULL, NULL,
		  "PreemptionPolicy is the Policy for "
		  "preempting pods with lower priority. One of Never, PreemptLowerPriority."},
		 {"overhead", "{@resource.Quantity", NULL, NULL,
		  "Overhead represents the resource "
		  "overhead associated with running a pod for a given RuntimeClass."},
		 {"topologySpreadConstraints", "[@TopologySpreadConstraint", "merge:topologyKey",
		  "map:topologyKey,whenUnsatisfiable",
		  "TopologySpreadConstraints describes how a "
		  "group of pods ought to spread across topology domains."},
		 {"setHostnameAsFQDN", "b", NULL, NULL,
		  "If true the pod's hostname will be "
		  "configured as the pod's FQDN, rather than the leaf name (the default)."},
		 {"os", "@PodOS", NULL, NULL, "Specifies the OS of the containers in the pod."},
		 {"hostUsers", "b", NULL, NULL,
		  "Use the host's user namespace. Optional: Default "
		  "to true."},
		 {"schedulingGates", "[@PodSchedulingGate", "merge:name", "map:name",
		  "SchedulingGates is an opaque list of values that if specified will block "
		  "scheduling the pod."},
		 {"resourceClaims", "[@PodResourceClaim", "merge,retainKeys:name", "map:name",
		  "ResourceClaims defines which ResourceClaims must be allocated and reserved "
		  "before the Pod is allowed to start."},
		 {"resources", "@ResourceRequirements", NULL, NULL,
		  "Resources is the total amount "
		  "of CPU and Memory resources required by all containers in the pod."},
		 END_PROPS}},
	{"Volume",
	 "Volume represents a named volume in a pod that may be accessed by any "
	 "container in the pod.",
	 "name", false,
	 (const prop[]){
		 {"name", "s", NULL, NULL,
		  "Volume's name. Must be a DNS_LABEL and unique within "
		  "the pod."},
		 {"hostPath", "@HostPathVolumeSource", NULL, NULL, NULL},
		 {"emptyDir", "@EmptyDirVolumeSource", NULL, NULL, NULL},
		 {"gcePersistentDisk", "o", NULL, NULL,
		  "GCEPersistentDisk represents a GCE Disk "
		  "resource that is attached to a kubelet's host machine and then exposed to the "
		  "pod (deprecated)."},
		 {"awsElasticBlockStore", "o", NULL, NULL,
		  "AWSElasticBlockStore represents an AWS "
		  "Disk resource that is attached to a kubelet's host machine and then exposed to "
		  "the pod (deprecated)."},
		 {"gitRepo", "o", NULL, NULL,
		  "GitRepo represents a git repository at a particular "
		  "revision (deprecated)."},
		 {"secret", "@SecretVolumeSource", NULL, NULL, NULL},
		 {"nfs", "@NFSVolumeSource", NULL, NULL, NULL},
		 {"iscsi", "o", NULL, NULL,
		  "ISCSI represents an ISCSI Disk resource that is "
		  "attached to a kubelet's host machine and then exposed to the pod."},
		 {"glusterfs", "o", NULL, NULL,
		  "Glusterfs represents a Glusterfs mount on the host "
		  "that shares a pod's lifetime (deprecated)."},
		 {"persistentVolumeClaim", "@PersistentVolumeClaimVolumeSource", NULL, NULL, NULL},
		 {"rbd", "o", NULL, NULL,
		  "RBD represents a Rados Block Device mount on the host "
		  "that shares a pod's lifetime (deprecated)."},
		 {"flexVolume", "o", NULL, NULL,
		  "FlexVolume represents a generic volume resource "
		  "that is provisioned/attached using an exec based plugin (deprecated)."},
		 {"cinder", "o", NULL, NULL,
		  "Cinder represents a cinder volume attached and "
		  "mounted on kubelets host machine (deprecated)."},
		 {"cephfs", "o", NULL, NULL,
		  "CephFS represents a Ceph FS mount on the host that "
		  "shares a pod's lifetime (deprecated)."},
		 {"flocker", "o", NULL, NULL,
		  "Flocker represents a Flocker volume attached to a "
		  "kubelet's host machine (deprecated)."},
		 {"downwardAPI", "@DownwardAPIVolumeSource", NULL, NULL, NULL},
		 {"fc", "o", NULL, NULL,
		  "FC represents a Fibre Channel resource that is attached "
		  "to a kubelet's host machine and then exposed to the pod."},
		 {"azureFile", "o", NULL, NULL,
		  "AzureFile represents an Azure File Service mount "
		  "on the host and bind mount to the pod (deprecated)."},
		 {"configMap", "@ConfigMapVolumeSource", NULL, NULL, NULL},
		 {"vsphereVolume", "o", NULL, NULL,
		  "VsphereVolume represents a vSphere volume "
		  "attached and mounted on kubelets host machine (deprecated)."},
		 {"quobyte", "o", NULL, NULL,
		  "Quobyte represents a Quobyte mount on the host that "
		  "shares a pod's lifetime (deprecated)."},
		 {"azureDisk", "o", NULL, NULL,
		  "AzureDisk represents an Azure Data Disk mount on "
		  "the host and bind mount to the pod (deprecated)."},
		 {"photonPersistentDisk", "o", NULL, NULL,
		  "PhotonPersistentDisk represents a "
		  "PhotonController persistent disk attached and mounted on kubelets host machine "
		  "(deprecated)."},
		 {"projected", "@ProjectedVolumeSource", NULL, NULL, NULL},
		 {"portworxVolume", "o", NULL, NULL,
		  "PortworxVolume represents a portworx volume "
		  "attached and mounted on kubelets host machine (deprecated)."},
		 {"scaleIO", "o", NULL, NULL,
		  "ScaleIO represents a ScaleIO persistent volume "
		  "attached and mounted on Kubernetes nodes (deprecated)."},
		 {"storageos", "o", NULL, NULL,
		  "StorageOS represents a StorageOS volume attached "
		  "and mounted on Kubernetes nodes (deprecated)."},
		 {"csi", "@CSIVolumeSource", NULL, NULL, NULL},
		 {"ephemeral", "@EphemeralVolumeSource", NULL, NULL, NULL},
		 {"image", "@ImageVolumeSource", NULL, NULL, NULL},
		 END_PROPS}},
	{"HostPathVolumeSource", "Represents a host path mapped into a pod.", "path", false,
	 (const prop[]){
		 {"path", "s", NULL, NULL, NULL}, {"type", "s", NULL, NULL, NULL}, END_PROPS}},
	{"EmptyDirVolumeSource", "Represents an empty directory for a pod.", NULL, false,
	 (const prop[]){{"medium", "s", NULL, NULL, NULL},
			{"sizeLimit", "@resource.Quantity", NULL, NULL, NULL},
			END_PROPS}},
	{"SecretVolumeSource", "Adapts a Secret into a volume: its data keys become files.", NULL,
	 false,
	 (const prop[]){{"secretName", "s", NULL, NULL, NULL},
			{"items", "[@KeyToPath", NULL, NULL, NULL},
			{"defaultMode", "i", NULL, NULL, NULL},
			{"optional", "b", NULL, NULL, NULL},
			END_PROPS}},
	{"KeyToPath", "Maps a string key to a path within a volume.", "key path", false,
	 (const prop[]){{"key", "s", NULL, NULL, NULL},
			{"path", "s", NULL, NULL, NULL},
			{"mode", "i", NULL, NULL, NULL},
			END_PROPS}},
	{"NFSVolumeSource", "Represents an NFS mount that lasts the lifetime of a pod.",
	 "server path", false,
	 (const prop[]){{"server", "s", NULL, NULL, NULL},
			{"path", "s", NULL, NULL, NULL},
			{"readOnly", "b", NULL, NULL, NULL},
			END_PROPS}},
	{"PersistentVolumeClaimVolumeSource",
	 "References the user's PersistentVolumeClaim in the "
	 "same namespace.",
	 "claimName", false,
	 (const prop[]){{"claimName", "s", NULL, NULL, NULL},
			{"readOnly", "b", NULL, NULL, NULL},
			END_PROPS}},
	{"DownwardAPIVolumeSource",
	 "DownwardAPIVolumeSource represents a volume containing "
	 "downward API info.",
	 NULL, false,
	 (const prop[]){{"items", "[@DownwardAPIVolumeFile", NULL, NULL, NULL},
			{"defaultMode", "i", NULL, NULL, NULL},
			END_PROPS}},
	{"DownwardAPIVolumeFile",
	 "DownwardAPIVolumeFile represents information to create the file "
	 "containing the pod field.",
	 "path", false,
	 (const prop[]){{"path", "s", NULL, NULL, NULL},
			{"fieldRef", "@ObjectFieldSelector", NULL, NULL, NULL},
			{"resourceFieldRef", "@ResourceFieldSelector", NULL, NULL, NULL},
			{"mode", "i", NULL, NULL, NULL},
			END_PROPS}},
	{"ObjectFieldSelector", "ObjectFieldSelector selects an APIVersioned field of an object.",
	 "fieldPath", true,
	 (const prop[]){{"apiVersion", "s", NULL, NULL, NULL},
			{"fieldPath", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"ResourceFieldSelector",
	 "ResourceFieldSelector represents container resources (cpu, "
	 "memory) and their output format.",
	 "resource", true,
	 (const prop[]){{"containerName", "s", NULL, NULL, NULL},
			{"resource", "s", NULL, NULL, NULL},
			{"divisor", "@resource.Quantity", NULL, NULL, NULL},
			END_PROPS}},
	{"ConfigMapVolumeSource", "Adapts a ConfigMap into a volume: its data keys become files.",
	 NULL, false,
	 (const prop[]){{"name", "s", NULL, NULL, NULL},
			{"items", "[@KeyToPath", NULL, NULL, NULL},
			{"defaultMode", "i", NULL, NULL, NULL},
			{"optional", "b", NULL, NULL, NULL},
			END_PROPS}},
	{"ProjectedVolumeSource", "Represents a projected volume source.", NULL, false,
	 (const prop[]){{"sources", "[@VolumeProjection", NULL, NULL, NULL},
			{"defaultMode", "i", NULL, NULL, NULL},
			END_PROPS}},
	{"VolumeProjection",
	 "Projection that may be projected along with other supported volume "
	 "types. Exactly one of these fields must be set.",
	 NULL, false,
	 (const prop[]){{"secret", "@SecretProjection", NULL, NULL, NULL},
			{"downwardAPI", "@DownwardAPIProjection", NULL, NULL, NULL},
			{"configMap", "@ConfigMapProjection", NULL, NULL, NULL},
			{"serviceAccountToken", "@ServiceAccountTokenProjection", NULL, NULL, NULL},
			{"clusterTrustBundle", "@ClusterTrustBundleProjection", NULL, NULL, NULL},
			END_PROPS}},
	{"SecretProjection", "Adapts a secret into a projected volume.", NULL, false,
	 (const prop[]){{"name", "s", NULL, NULL, NULL},
			{"items", "[@KeyToPath", NULL, NULL, NULL},
			{"optional", "b", NULL, NULL, NULL},
			END_PROPS}},
	{"DownwardAPIProjection",
	 "Represents downward API info for projecting into a projected "
	 "volume.",
	 NULL, false,
	 (const prop[]){{"items", "[@DownwardAPIVolumeFile", NULL, NULL, NULL}, END_PROPS}},
	{"ConfigMapProjection", "Adapts a ConfigMap into a projected volume.", NULL, false,
	 (const prop[]){{"name", "s", NULL, NULL, NULL},
			{"items", "[@KeyToPath", NULL, NULL, NULL},
			{"optional", "b", NULL, NULL, NULL},
			END_PROPS}},
	{"ServiceAccountTokenProjection",
	 "ServiceAccountTokenProjection represents a projected "
	 "service account token volume.",
	 "path", false,
	 (const prop[]){{"audience", "s", NULL, NULL, NULL},
			{"expirationSeconds", "l", NULL, NULL, NULL},
			{"path", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"ClusterTrustBundleProjection",
	 "ClusterTrustBundleProjection describes how to select a "
	 "set of ClusterTrustBundle objects and project their contents into the pod filesystem.",
	 "path", false,
	 (const prop[]){{"name", "s", NULL, NULL, NULL},
			{"signerName", "s", NULL, NULL, NULL},
			{"labelSelector", "@meta.LabelSelector", NULL, NULL, NULL},
			{"optional", "b", NULL, NULL, NULL},
			{"path", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"meta.LabelSelector",
	 "A label selector is a label query over a set of resources. The "
	 "result of matchLabels and matchExpressions are ANDed. An empty label selector matches "
	 "all objects. A null label selector matches no objects.",
	 NULL, true,
	 (const prop[]){
		 {"matchLabels", "{s", NULL, NULL,
		  "matchLabels is a map of {key,value} pairs. A "
		  "single {key,value} in the matchLabels map is equivalent to an element of "
		  "matchExpressions, whose key field is \"key\", the operator is \"In\", and the "
		  "values array contains only \"value\". The requirements are ANDed."},
		 {"matchExpressions", "[@meta.LabelSelectorRequirement", NULL, NULL,
		  "matchExpressions is a list of label selector requirements. The requirements are "
		  "ANDed."},
		 END_PROPS}},
	{"meta.LabelSelectorRequirement",
	 "A label selector requirement is a selector that "
	 "contains values, a key, and an operator that relates the key and values.",
	 "key operator", false,
	 (const prop[]){
		 {"key", "s", NULL, NULL, "key is the label key that the selector applies to."},
		 {"operator", "s", NULL, NULL,
		  "operator represents a key's relationship to a set "
		  "of values. Valid operators are In, NotIn, Exists and DoesNotExist."},
		 {"values", "[s", NULL, NULL,
		  "values is an array of string values. If the operator "
		  "is In or NotIn, the values array must be non-empty. If the operator is Exists "
		  "or "
		  "DoesNotExist, the values array must be empty."},
		 END_PROPS}},
	{"CSIVolumeSource",
	 "Represents a source location of a volume to mount, managed by an "
	 "external CSI driver.",
	 "driver", false,
	 (const prop[]){{"driver", "s", NULL, NULL, NULL},
			{"readOnly", "b", NULL, NULL, NULL},
			{"fsType", "s", NULL, NULL, NULL},
			{"volumeAttributes", "{s", NULL, NULL, NULL},
			{"nodePublishSecretRef", "@LocalObjectReference", NULL, NULL, NULL},
			END_PROPS}},
	{"LocalObjectReference",
	 "LocalObjectReference contains enough information to let you "
	 "locate the referenced object inside the same namespace.",
	 NULL, true, (const prop[]){{"name", "s", NULL, NULL, NULL}, END_PROPS}},
	{"EphemeralVolumeSource",
	 "Represents an ephemeral volume that is handled by a normal "
	 "storage driver.",
	 NULL, false,
	 (const prop[]){{"volumeClaimTemplate", "@PersistentVolumeClaimTemplate", NULL, NULL, NULL},
			END_PROPS}},
	{"PersistentVolumeClaimTemplate",
	 "PersistentVolumeClaimTemplate is used to produce "
	 "PersistentVolumeClaim objects as part of an EphemeralVolumeSource.",
	 "spec", false,
	 (const prop[]){{"metadata", "@meta.ObjectMeta", NULL, NULL, NULL},
			{"spec", "@PersistentVolumeClaimSpec", NULL, NULL, NULL},
			END_PROPS}},
	{"PersistentVolumeClaimSpec",
	 "PersistentVolumeClaimSpec describes the common attributes "
	 "of storage devices and allows a Source for provider-specific attributes.",
	 NULL, false,
	 (const prop[]){{"accessModes", "[s", NULL, NULL,
			 "accessModes contains the desired access modes "
			 "the volume should have."},
			{"selector", "@meta.LabelSelector", NULL, NULL, NULL},
			{"resources", "@VolumeResourceRequirements", NULL, NULL,
			 "resources represents the "
			 "minimum resources the volume should have."},
			{"volumeName", "s", NULL, NULL,
			 "volumeName is the binding reference to the "
			 "PersistentVolume backing this claim."},
			{"storageClassName", "s", NULL, NULL,
			 "storageClassName is the name of the "
			 "StorageClass required by the claim."},
			{"volumeMode", "s", NULL, NULL, NULL},
			{"dataSource", "@TypedLocalObjectReference", NULL, NULL, NULL},
			{"dataSourceRef", "@TypedObjectReference", NULL, NULL, NULL},
			{"volumeAttributesClassName", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"VolumeResourceRequirements",
	 "VolumeResourceRequirements describes the storage resource "
	 "requirements for a volume.",
	 NULL, false,
	 (const prop[]){{"limits", "{@resource.Quantity", NULL, NULL, NULL},
			{"requests", "{@resource.Quantity", NULL, NULL, NULL},
			END_PROPS}},
	{"TypedLocalObjectReference",
	 "TypedLocalObjectReference contains enough information to "
	 "let you locate the typed referenced object inside the same namespace.",
	 "kind name", true,
	 (const prop[]){{"apiGroup", "s", NULL, NULL, NULL},
			{"kind", "s", NULL, NULL, NULL},
			{"name", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"TypedObjectReference",
	 "TypedObjectReference contains enough information to let you "
	 "locate the typed referenced object.",
	 "kind name", false,
	 (const prop[]){{"apiGroup", "s", NULL, NULL, NULL},
			{"kind", "s", NULL, NULL, NULL},
			{"name", "s", NULL, NULL, NULL},
			{"namespace", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"ImageVolumeSource",
	 "ImageVolumeSource represents an OCI object (a container image or "
	 "artifact) mounted as a volume.",
	 NULL, false,
	 (const prop[]){{"reference", "s", NULL, NULL, NULL},
			{"pullPolicy", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"Container", "A single application container that you want to run within a pod.", "name",
	 false, (const prop[]){CONTAINER_PROPS, END_PROPS}},
	{"ContainerPort", "ContainerPort represents a network port in a single container.",
	 "containerPort", false,
	 (const prop[]){{"name", "s", NULL, NULL,
			 "If specified, this must be an IANA_SVC_NAME and unique "
			 "within the pod. Each named port in a pod must have a unique name."},
			{"hostPort", "i", NULL, NULL, "Number of port to expose on the host."},
			{"containerPort", "i", NULL, NULL,
			 "Number of port to expose on the pod's IP "
			 "address. This must be a valid port number, 0 < x < 65536."},
			{"protocol", "s", NULL, NULL,
			 "Protocol for port. Must be UDP, TCP, or SCTP. "
			 "Defaults to \"TCP\"."},
			{"hostIP", "s", NULL, NULL, "What host IP to bind the external port to."},
			END_PROPS}},
	{"EnvFromSource", "EnvFromSource represents the source of a set of ConfigMaps or Secrets.",
	 NULL, false,
	 (const prop[]){{"prefix", "s", NULL, NULL, NULL},
			{"configMapRef", "@ConfigMapEnvSource", NULL, NULL, NULL},
			{"secretRef", "@SecretEnvSource", NULL, NULL, NULL},
			END_PROPS}},
	{"ConfigMapEnvSource",
	 "ConfigMapEnvSource selects a ConfigMap to populate the environment "
	 "variables with.",
	 NULL, false,
	 (const prop[]){
		 {"name", "s", NULL, NULL, NULL}, {"optional", "b", NULL, NULL, NULL}, END_PROPS}},
	{"SecretEnvSource",
	 "SecretEnvSource selects a Secret to populate the environment "
	 "variables with.",
	 NULL, false,
	 (const prop[]){
		 {"name", "s", NULL, NULL, NULL}, {"optional", "b", NULL, NULL, NULL}, END_PROPS}},
	{"EnvVar", "EnvVar represents an environment variable present in a Container.", "name",
	 false,
	 (const prop[]){
		 {"name", "s", NULL, NULL, "Name of the environment variable."},
		 {"value", "s", NULL, NULL,
		  "Variable references $(VAR_NAME) are expanded using the "
		  "previously defined environment variables in the container and any service "
		  "environment variables. Defaults to \"\"."},
		 {"valueFrom", "@EnvVarSource", NULL, NULL,
		  "Source for the environment variable's "
		  "value. Cannot be used if value is not empty."},
		 END_PROPS}},
	{"EnvVarSource", "EnvVarSource represents a source for the value of an EnvVar.", NULL,
	 false,
	 (const prop[]){{"fieldRef", "@ObjectFieldSelector", NULL, NULL, NULL},
			{"resourceFieldRef", "@ResourceFieldSelector", NULL, NULL, NULL},
			{"configMapKeyRef", "@ConfigMapKeySelector", NULL, NULL, NULL},
			{"secretKeyRef", "@SecretKeySelector", NULL, NULL, NULL},
			END_PROPS}},
	{"ConfigMapKeySelector", "Selects a key from a ConfigMap.", "key", true,
	 (const prop[]){{"name", "s", NULL, NULL, NULL},
			{"key", "s", NULL, NULL, NULL},
			{"optional", "b", NULL, NULL, NULL},
			END_PROPS}},
	{"SecretKeySelector", "SecretKeySelector selects a key of a Secret.", "key", true,
	 (const prop[]){{"name", "s", NULL, NULL, NULL},
			{"key", "s", NULL, NULL, NULL},
			{"optional", "b", NULL, NULL, NULL},
			END_PROPS}},
	{"ResourceRequirements",
	 "ResourceRequirements describes the compute resource "
	 "requirements.",
	 NULL, false,
	 (const prop[]){
		 {"limits", "{@resource.Quantity", NULL, NULL,
		  "Limits describes the maximum amount "
		  "of compute resources allowed."},
		 {"requests", "{@resource.Quantity", NULL, NULL,
		  "Requests describes the minimum "
		  "amount of compute resources required."},
		 {"claims", "[@ResourceClaim", NULL, "map:name",
		  "Claims lists the names of "
		  "resources, defined in spec.resourceClaims, that are used by this container."},
		 END_PROPS}},
	{"ResourceClaim", "ResourceClaim references one entry in PodSpec.ResourceClaims.", "name",
	 false,
	 (const prop[]){
		 {"name", "s", NULL, NULL, NULL}, {"request", "s", NULL, NULL, NULL}, END_PROPS}},
	{"ContainerResizePolicy",
	 "ContainerResizePolicy represents resource resize policy for the "
	 "container.",
	 "resourceName restartPolicy", false,
	 (const prop[]){{"resourceName", "s", NULL, NULL, NULL},
			{"restartPolicy", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"VolumeMount", "VolumeMount describes a mounting of a Volume within a container.",
	 "name mountPath", false,
	 (const prop[]){{"name", "s", NULL, NULL, "This must match the Name of a Volume."},
			{"readOnly", "b", NULL, NULL,
			 "Mounted read-only if true, read-write otherwise "
			 "(false or unspecified). Defaults to false."},
			{"recursiveReadOnly", "s", NULL, NULL, NULL},
			{"mountPath", "s", NULL, NULL,
			 "Path within the container at which the volume "
			 "should be mounted. Must not contain ':'."},
			{"subPath", "s", NULL, NULL,
			 "Path within the volume from which the container's "
			 "volume should be mounted. Defaults to \"\" (volume's root)."},
			{"mountPropagation", "s", NULL, NULL, NULL},
			{"subPathExpr", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"VolumeDevice",
	 "volumeDevice describes a mapping of a raw block device within a "
	 "container.",
	 "name devicePath", false,
	 (const prop[]){{"name", "s", NULL, NULL, NULL},
			{"devicePath", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"Probe",
	 "Probe describes a health check to be performed against a container to determine "
	 "whether it is alive or ready to receive traffic.",
	 NULL, false,
	 (const prop[]){
		 {"exec", "@ExecAction", NULL, NULL,
		  "Exec specifies a command to execute in the "
		  "container."},
		 {"httpGet", "@HTTPGetAction", NULL, NULL,
		  "HTTPGet specifies an HTTP GET request "
		  "to perform."},
		 {"tcpSocket", "@TCPSocketAction", NULL, NULL,
		  "TCPSocket specifies a connection to "
		  "a TCP port."},
		 {"grpc", "@GRPCAction", NULL, NULL, "GRPC specifies a GRPC HealthCheckRequest."},
		 {"initialDelaySeconds", "i", NULL, NULL,
		  "Number of seconds after the container "
		  "has started before liveness probes are initiated."},
		 {"timeoutSeconds", "i", NULL, NULL,
		  "Number of seconds after which the probe times "
		  "out. Defaults to 1 second."},
		 {"periodSeconds", "i", NULL, NULL,
		  "How often (in seconds) to perform the probe. "
		  "Default to 10 seconds."},
		 {"successThreshold", "i", NULL, NULL,
		  "Minimum consecutive successes for the probe "
		  "to be considered successful after having failed. Defaults to 1."},
		 {"failureThreshold", "i", NULL, NULL,
		  "Minimum consecutive failures for the probe "
		  "to be considered failed after having succeeded. Defaults to 3."},
		 {"terminationGracePeriodSeconds", "l", NULL, NULL, NULL},
		 END_PROPS}},
	{"ExecAction", "ExecAction describes a \"run in container\" action.", NULL, false,
	 (const prop[]){{"command", "[s", NULL, NULL, NULL}, END_PROPS}},
	{"HTTPGetAction", "HTTPGetAction describes an action based on HTTP Get requests.", "port",
	 false,
	 (const prop[]){{"path", "s", NULL, NULL, NULL},
			{"port", "@intstr.IntOrString", NULL, NULL,
			 "Name or number of the port to access "
			 "on the container. Number must be in the range 1 to 65535."},
			{"host", "s", NULL, NULL, NULL},
			{"scheme", "s", NULL, NULL, NULL},
			{"httpHeaders", "[@HTTPHeader", NULL, NULL, NULL},
			END_PROPS}},
	{"HTTPHeader", "HTTPHeader describes a custom header to be used in HTTP probes.",
	 "name value", false,
	 (const prop[]){
		 {"name", "s", NULL, NULL, NULL}, {"value", "s", NULL, NULL, NULL}, END_PROPS}},
	{"TCPSocketAction", "TCPSocketAction describes an action based on opening a socket.",
	 "port", false,
	 (const prop[]){{"port", "@intstr.IntOrString", NULL, NULL,
			 "Number or name of the port to access "
			 "on the container. Number must be in the range 1 to 65535."},
			{"host", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"GRPCAction", "GRPCAction specifies an action involving a GRPC service.", "port", false,
	 (const prop[]){
		 {"port", "i", NULL, NULL, NULL}, {"service", "s", NULL, NULL, NULL}, END_PROPS}},
	{"Lifecycle",
	 "Lifecycle describes actions that the management system should take in "
	 "response to container lifecycle events.",
	 NULL, false,
	 (const prop[]){{"postStart", "@LifecycleHandler", NULL, NULL, NULL},
			{"preStop", "@LifecycleHandler", NULL, NULL, NULL},
			{"stopSignal", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"LifecycleHandler",
	 "LifecycleHandler defines a specific action that should be taken in a "
	 "lifecycle hook. One and only one of the fields, except TCPSocket, must be specified.",
	 NULL, false,
	 (const prop[]){{"exec", "@ExecAction", NULL, NULL, NULL},
			{"httpGet", "@HTTPGetAction", NULL, NULL, NULL},
			{"tcpSocket", "@TCPSocketAction", NULL, NULL, NULL},
			{"sleep", "@SleepAction", NULL, NULL, NULL},
			END_PROPS}},
	{"SleepAction", "SleepAction describes a \"sleep\" action.", "seconds", false,
	 (const prop[]){{"seconds", "l", NULL, NULL, NULL}, END_PROPS}},
	{"SecurityContext",
	 "SecurityContext holds security configuration that will be applied to "
	 "a container.",
	 NULL, false,
	 (const prop[]){{"capabilities", "@Capabilities", NULL, NULL, NULL},
			{"privileged", "b", NULL, NULL, NULL},
			{"seLinuxOptions", "@SELinuxOptions", NULL, NULL, NULL},
			{"windowsOptions", "@WindowsSecurityContextOptions", NULL, NULL, NULL},
			{"runAsUser", "l", NULL, NULL, NULL},
			{"runAsGroup", "l", NULL, NULL, NULL},
			{"runAsNonRoot", "b", NULL, NULL, NULL},
			{"readOnlyRootFilesystem", "b", NULL, NULL, NULL},
			{"allowPrivilegeEscalation", "b", NULL, NULL, NULL},
			{"procMount", "s", NULL, NULL, NULL},
			{"seccompProfile", "@SeccompProfile", NULL, NULL, NULL},
			{"appArmorProfile", "@AppArmorProfile", NULL, NULL, NULL},
			END_PROPS}},
	{"Capabilities", "Adds and removes POSIX capabilities from running containers.", NULL,
	 false,
	 (const prop[]){
		 {"add", "[s", NULL, NULL, NULL}, {"drop", "[s", NULL, NULL, NULL}, END_PROPS}},
	{"SELinuxOptions", "SELinuxOptions are the labels to be applied to the container.", NULL,
	 false,
	 (const prop[]){{"user", "s", NULL, NULL, NULL},
			{"role", "s", NULL, NULL, NULL},
			{"type", "s", NULL, NULL, NULL},
			{"level", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"WindowsSecurityContextOptions",
	 "WindowsSecurityContextOptions contain Windows-specific "
	 "options and credentials.",
	 NULL, false,
	 (const prop[]){{"gmsaCredentialSpecName", "s", NULL, NULL, NULL},
			{"gmsaCredentialSpec", "s", NULL, NULL, NULL},
			{"runAsUserName", "s", NULL, NULL, NULL},
			{"hostProcess", "b", NULL, NULL, NULL},
			END_PROPS}},
	{"SeccompProfile",
	 "SeccompProfile defines a pod/container's seccomp profile settings. "
	 "Only one profile source may be set.",
	 "type", false,
	 (const prop[]){{"type", "s", NULL, NULL, NULL},
			{"localhostProfile", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"AppArmorProfile", "AppArmorProfile defines a pod or container's AppArmor settings.",
	 "type", false,
	 (const prop[]){{"type", "s", NULL, NULL, NULL},
			{"localhostProfile", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"EphemeralContainer",
	 "An EphemeralContainer is a temporary container that you may add to "
	 "an existing Pod for user-initiated activities such as debugging.",
	 "name", false,
	 (const prop[]){
		 CONTAINER_PROPS, {"targetContainerName", "s", NULL, NULL, NULL}, END_PROPS}},
	{"PodSecurityContext",
	 "PodSecurityContext holds pod-level security attributes and common "
	 "container settings.",
	 NULL, false,
	 (const prop[]){{"seLinuxOptions", "@SELinuxOptions", NULL, NULL, NULL},
			{"windowsOptions", "@WindowsSecurityContextOptions", NULL, NULL, NULL},
			{"runAsUser", "l", NULL, NULL, NULL},
			{"runAsGroup", "l", NULL, NULL, NULL},
			{"runAsNonRoot", "b", NULL, NULL, NULL},
			{"supplementalGroups", "[l", NULL, NULL, NULL},
			{"supplementalGroupsPolicy", "s", NULL, NULL, NULL},
			{"fsGroup", "l", NULL, NULL, NULL},
			{"sysctls", "[@Sysctl", NULL, NULL, NULL},
			{"fsGroupChangePolicy", "s", NULL, NULL, NULL},
			{"seccompProfile", "@SeccompProfile", NULL, NULL, NULL},
			{"appArmorProfile", "@AppArmorProfile", NULL, NULL, NULL},
			{"seLinuxChangePolicy", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"Sysctl", "Sysctl defines a kernel parameter to be set.", "name value", false,
	 (const prop[]){
		 {"name", "s", NULL, NULL, NULL}, {"value", "s", NULL, NULL, NULL}, END_PROPS}},
	{"Affinity", "Affinity is a group of affinity scheduling rules.", NULL, false,
	 (const prop[]){{"nodeAffinity", "@NodeAffinity", NULL, NULL, NULL},
			{"podAffinity", "@PodAffinity", NULL, NULL, NULL},
			{"podAntiAffinity", "@PodAntiAffinity", NULL, NULL, NULL},
			END_PROPS}},
	{"NodeAffinity", "Node affinity is a group of node affinity scheduling rules.", NULL, false,
	 (const prop[]){{"requiredDuringSchedulingIgnoredDuringExecution", "@NodeSelector", NULL,
			 NULL, NULL},
			{"preferredDuringSchedulingIgnoredDuringExecution",
			 "[@PreferredSchedulingTerm", NULL, NULL, NULL},
			END_PROPS}},
	{"NodeSelector",
	 "A node selector represents the union of the results of one or more label "
	 "queries over a set of nodes; that is, it represents the OR of the selectors represented "
	 "by the node selector terms.",
	 "nodeSelectorTerms", true,
	 (const prop[]){{"nodeSelectorTerms", "[@NodeSelectorTerm", NULL, NULL, NULL}, END_PROPS}},
	{"NodeSelectorTerm",
	 "A null or empty node selector term matches no objects. The "
	 "requirements of them are ANDed.",
	 NULL, true,
	 (const prop[]){{"matchExpressions", "[@NodeSelectorRequirement", NULL, NULL, NULL},
			{"matchFields", "[@NodeSelectorRequirement", NULL, NULL, NULL},
			END_PROPS}},
	{"NodeSelectorRequirement",
	 "A node selector requirement is a selector that contains "
	 "values, a key, and an operator that relates the key and values.",
	 "key operator", false,
	 (const prop[]){{"key", "s", NULL, NULL, NULL},
			{"operator", "s", NULL, NULL, NULL},
			{"values", "[s", NULL, NULL, NULL},
			END_PROPS}},
	{"PreferredSchedulingTerm",
	 "An empty preferred scheduling term matches all objects with "
	 "implicit weight 0 (i.e. it's a no-op).",
	 "weight preference", false,
	 (const prop[]){{"weight", "i", NULL, NULL, NULL},
			{"preference", "@NodeSelectorTerm", NULL, NULL, NULL},
			END_PROPS}},
	{"PodAffinity", "Pod affinity is a group of inter pod affinity scheduling rules.", NULL,
	 false,
	 (const prop[]){{"requiredDuringSchedulingIgnoredDuringExecution", "[@PodAffinityTerm",
			 NULL, NULL, NULL},
			{"preferredDuringSchedulingIgnoredDuringExecution",
			 "[@WeightedPodAffinityTerm", NULL, NULL, NULL},
			END_PROPS}},
	{"PodAffinityTerm",
	 "Defines a set of pods (namely those matching the labelSelector "
	 "relative to the given namespace(s)) that this pod should be co-located (affinity) or not "
	 "co-located (anti-affinity) with.",
	 "topologyKey", false,
	 (const prop[]){{"labelSelector", "@meta.LabelSelector", NULL, NULL, NULL},
			{"namespaces", "[s", NULL, NULL, NULL},
			{"topologyKey", "s", NULL, NULL, NULL},
			{"namespaceSelector", "@meta.LabelSelector", NULL, NULL, NULL},
			{"matchLabelKeys", "[s", NULL, NULL, NULL},
			{"mismatchLabelKeys", "[s", NULL, NULL, NULL},
			END_PROPS}},
	{"WeightedPodAffinityTerm",
	 "The weights of all of the matched WeightedPodAffinityTerm "
	 "fields are added per-node to find the most preferred node(s).",
	 "weight podAffinityTerm", false,
	 (const prop[]){{"weight", "i", NULL, NULL, NULL},
			{"podAffinityTerm", "@PodAffinityTerm", NULL, NULL, NULL},
			END_PROPS}},
	{"PodAntiAffinity",
	 "Pod anti affinity is a group of inter pod anti affinity scheduling "
	 "rules.",
	 NULL, false,
	 (const prop[]){{"requiredDuringSchedulingIgnoredDuringExecution", "[@PodAffinityTerm",
			 NULL, NULL, NULL},
			{"preferredDuringSchedulingIgnoredDuringExecution",
			 "[@WeightedPodAffinityTerm", NULL, NULL, NULL},
			END_PROPS}},
	{"Toleration",
	 "The pod this Toleration is attached to tolerates any taint that matches "
	 "the triple <key,value,effect> using the matching operator <operator>.",
	 NULL, false,
	 (const prop[]){{"key", "s", NULL, NULL, NULL},
			{"operator", "s", NULL, NULL, NULL},
			{"value", "s", NULL, NULL, NULL},
			{"effect", "s", NULL, NULL, NULL},
			{"tolerationSeconds", "l", NULL, NULL, NULL},
			END_PROPS}},
	{"HostAlias",
	 "HostAlias holds the mapping between IP and hostnames that will be injected "
	 "as an entry in the pod's hosts file.",
	 "ip", false,
	 (const prop[]){
		 {"ip", "s", NULL, NULL, NULL}, {"hostnames", "[s", NULL, NULL, NULL}, END_PROPS}},
	{"PodDNSConfig",
	 "PodDNSConfig defines the DNS parameters of a pod in addition to those "
	 "generated from DNSPolicy.",
	 NULL, false,
	 (const prop[]){{"nameservers", "[s", NULL, NULL, NULL},
			{"searches", "[s", NULL, NULL, NULL},
			{"options", "[@PodDNSConfigOption", NULL, NULL, NULL},
			END_PROPS}},
	{"PodDNSConfigOption", "PodDNSConfigOption defines DNS resolver options of a pod.", NULL,
	 false,
	 (const prop[]){
		 {"name", "s", NULL, NULL, NULL}, {"value", "s", NULL, NULL, NULL}, END_PROPS}},
	{"PodReadinessGate", "PodReadinessGate contains the reference to a pod condition.",
	 "conditionType", false,
	 (const prop[]){{"conditionType", "s", NULL, NULL, NULL}, END_PROPS}},
	{"TopologySpreadConstraint",
	 "TopologySpreadConstraint specifies how to spread matching "
	 "pods among the given topology.",
	 "maxSkew topologyKey whenUnsatisfiable", false,
	 (const prop[]){{"maxSkew", "i", NULL, NULL, NULL},
			{"topologyKey", "s", NULL, NULL, NULL},
			{"whenUnsatisfiable", "s", NULL, NULL, NULL},
			{"labelSelector", "@meta.LabelSelector", NULL, NULL, NULL},
			{"minDomains", "i", NULL, NULL, NULL},
			{"nodeAffinityPolicy", "s", NULL, NULL, NULL},
			{"nodeTaintsPolicy", "s", NULL, NULL, NULL},
			{"matchLabelKeys", "[s", NULL, NULL, NULL},
			END_PROPS}},
	{"PodOS", "PodOS defines the OS parameters of a pod.", "name", false,
	 (const prop[]){{"name", "s", NULL, NULL, NULL}, END_PROPS}},
	{"PodSchedulingGate", "PodSchedulingGate is associated to a Pod to guard its scheduling.",
	 "name", false, (const prop[]){{"name", "s", NULL, NULL, NULL}, END_PROPS}},
	{"PodResourceClaim",
	 "PodResourceClaim references exactly one ResourceClaim, either "
	 "directly or by naming a ResourceClaimTemplate.",
	 "name", false,
	 (const prop[]){{"name", "s", NULL, NULL, NULL},
			{"resourceClaimName", "s", NULL, NULL, NULL},
			{"resourceClaimTemplateName", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"ServiceSpec", "ServiceSpec describes the attributes that a user creates on a service.",
	 NULL, false,
	 (const prop[]){
		 {"ports", "[@ServicePort", "merge:port", "map:port,protocol",
		  "The list of ports "
		  "that are exposed by this service."},
		 {"selector", "{s", NULL, "atomic",
		  "Route service traffic to pods with label keys "
		  "and values matching this selector."},
		 {"clusterIP", "s", NULL, NULL,
		  "clusterIP is the IP address of the service and is "
		  "usually assigned randomly."},
		 {"clusterIPs", "[s", NULL, NULL,
		  "ClusterIPs is a list of IP addresses assigned to "
		  "this service, and are usually assigned randomly."},
		 {"type", "s", NULL, NULL,
		  "type determines how the Service is exposed. Defaults to "
		  "ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and "
		  "LoadBalancer."},
		 {"externalIPs", "[s", NULL, NULL,
		  "externalIPs is a list of IP addresses for which "
		  "nodes in the cluster will also accept traffic for this service."},
		 {"sessionAffinity", "s", NULL, NULL,
		  "Supports \"ClientIP\" and \"None\". Used to "
		  "maintain session affinity. Defaults to None."},
		 {"loadBalancerIP", "s", NULL, NULL, NULL},
		 {"loadBalancerSourceRanges", "[s", NULL, NULL, NULL},
		 {"externalName", "s", NULL, NULL,
		  "externalName is the external reference that "
		  "discovery mechanisms will return as an alias for this service (e.g. a DNS CNAME "
		  "record)."},
		 {"externalTrafficPolicy", "s", NULL, NULL,
		  "externalTrafficPolicy describes how "
		  "nodes distribute service traffic they receive on one of the externally-facing "
		  "addresses."},
		 {"healthCheckNodePort", "i", NULL, NULL, NULL},
		 {"publishNotReadyAddresses", "b", NULL, NULL, NULL},
		 {"sessionAffinityConfig", "@SessionAffinityConfig", NULL, NULL, NULL},
		 {"ipFamilies", "[s", NULL, NULL, NULL},
		 {"ipFamilyPolicy", "s", NULL, NULL, NULL},
		 {"allocateLoadBalancerNodePorts", "b", NULL, NULL, NULL},
		 {"loadBalancerClass", "s", NULL, NULL, NULL},
		 {"internalTrafficPolicy", "s", NULL, NULL,
		  "InternalTrafficPolicy describes how "
		  "nodes distribute service traffic they receive on the ClusterIP."},
		 {"trafficDistribution", "s", NULL, NULL, NULL},
		 END_PROPS}},
	{"ServicePort", "ServicePort contains information on service's port.", "port", false,
	 (const prop[]){
		 {"name", "s", NULL, NULL,
		  "The name of this port within the service. This must be "
		  "a DNS_LABEL."},
		 {"protocol", "s", NULL, NULL,
		  "The IP protocol for this port. Supports \"TCP\", "
		  "\"UDP\", and \"SCTP\". Default is TCP."},
		 {"appProtocol", "s", NULL, NULL, "The application protocol for this port."},
		 {"port", "i", NULL, NULL, "The port that will be exposed by this service."},
		 {"targetPort", "@intstr.IntOrString", NULL, NULL,
		  "Number or name of the port to "
		  "access on the pods targeted by the service. Defaults to the value of the 'port' "
		  "field."},
		 {"nodePort", "i", NULL, NULL,
		  "The port on each node on which this service is "
		  "exposed when type is NodePort or LoadBalancer."},
		 END_PROPS}},
	{"SessionAffinityConfig",
	 "SessionAffinityConfig represents the configurations of session "
	 "affinity.",
	 NULL, false, (const prop[]){{"clientIP", "@ClientIPConfig", NULL, NULL, NULL}, END_PROPS}},
	{"ClientIPConfig",
	 "ClientIPConfig represents the configurations of Client IP based "
	 "session affinity.",
	 NULL, false, (const prop[]){{"timeoutSeconds", "i", NULL, NULL, NULL}, END_PROPS}},
	{"apps.DeploymentSpec",
	 "DeploymentSpec is the specification of the desired behavior of "
	 "the Deployment.",
	 "selector template", false,
	 (const prop[]){
		 {"replicas", "i", NULL, NULL, "Number of desired pods. Defaults to 1."},
		 {"selector", "@meta.LabelSelector", NULL, NULL,
		  "Label selector for pods. Existing "
		  "ReplicaSets whose pods are selected by this will be the ones affected by this "
		  "deployment. It must match the pod template's labels."},
		 {"template", "@PodTemplateSpec", NULL, NULL,
		  "Template describes the pods that "
		  "will be created."},
		 {"strategy", "@apps.DeploymentStrategy", "retainKeys", NULL,
		  "The deployment "
		  "strategy to use to replace existing pods with new ones."},
		 {"minReadySeconds", "i", NULL, NULL,
		  "Minimum number of seconds for which a newly "
		  "created pod should be ready without any of its container crashing, for it to be "
		  "considered available. Defaults to 0."},
		 {"revisionHistoryLimit", "i", NULL, NULL,
		  "The number of old ReplicaSets to retain "
		  "to allow rollback. Defaults to 10."},
		 {"paused", "b", NULL, NULL, "Indicates that the deployment is paused."},
		 {"progressDeadlineSeconds", "i", NULL, NULL,
		  "The maximum time in seconds for a "
		  "deployment to make progress before it is considered to be failed. Defaults to "
		  "600s."},
		 END_PROPS}},
	{"apps.DeploymentStrategy",
	 "DeploymentStrategy describes how to replace existing pods "
	 "with new ones.",
	 NULL, false,
	 (const prop[]){{"type", "s", NULL, NULL,
			 "Type of deployment. Can be \"Recreate\" or "
			 "\"RollingUpdate\". Default is RollingUpdate."},
			{"rollingUpdate", "@apps.RollingUpdateDeployment", NULL, NULL,
			 "Rolling update "
			 "config params. Present only if DeploymentStrategyType = RollingUpdate."},
			END_PROPS}},
	{"apps.RollingUpdateDeployment", "Spec to control the desired behavior of rolling update.",
	 NULL, false,
	 (const prop[]){
		 {"maxUnavailable", "@intstr.IntOrString", NULL, NULL,
		  "The maximum number of pods "
		  "that can be unavailable during the update. Value can be an absolute number (ex: "
		  "5) or a percentage of desired pods (ex: 10%). Defaults to 25%."},
		 {"maxSurge", "@intstr.IntOrString", NULL, NULL,
		  "The maximum number of pods that "
		  "can be scheduled above the desired number of pods. Value can be an absolute "
		  "number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%."},
		 END_PROPS}},
	{"apps.ReplicaSetSpec", "ReplicaSetSpec is the specification of a ReplicaSet.", "selector",
	 false,
	 (const prop[]){
		 {"replicas", "i", NULL, NULL,
		  "Replicas is the number of desired pods. Defaults to "
		  "1."},
		 {"minReadySeconds", "i", NULL, NULL, NULL},
		 {"selector", "@meta.LabelSelector", NULL, NULL,
		  "Selector is a label query over "
		  "pods that should match the replica count."},
		 {"template", "@PodTemplateSpec", NULL, NULL,
		  "Template is the object that "
		  "describes the pod that will be created if insufficient replicas are detected."},
		 END_PROPS}},
	{"apps.DaemonSetSpec", "DaemonSetSpec is the specification of a daemon set.",
	 "selector template", false,
	 (const prop[]){
		 {"selector", "@meta.LabelSelector", NULL, NULL,
		  "A label query over pods that are "
		  "managed by the daemon set. It must match the pod template's labels."},
		 {"template", "@PodTemplateSpec", NULL, NULL,
		  "An object that describes the pod "
		  "that will be created on every node that matches the template's node selector."},
		 {"updateStrategy", "@apps.DaemonSetUpdateStrategy", NULL, NULL,
		  "An update "
		  "strategy to replace existing DaemonSet pods with new pods."},
		 {"minReadySeconds", "i", NULL, NULL, NULL},
		 {"revisionHistoryLimit", "i", NULL, NULL, NULL},
		 END_PROPS}},
	{"apps.DaemonSetUpdateStrategy",
	 "DaemonSetUpdateStrategy is a struct used to control the "
	 "update strategy for a DaemonSet.",
	 NULL, false,
	 (const prop[]){{"type", "s", NULL, NULL, NULL},
			{"rollingUpdate", "@apps.RollingUpdateDaemonSet", NULL, NULL, NULL},
			END_PROPS}},
	{"apps.RollingUpdateDaemonSet",
	 "Spec to control the desired behavior of daemon set "
	 "rolling update.",
	 NULL, false,
	 (const prop[]){{"maxUnavailable", "@intstr.IntOrString", NULL, NULL, NULL},
			{"maxSurge", "@intstr.IntOrString", NULL, NULL, NULL},
			END_PROPS}},
	{"apps.StatefulSetSpec", "A StatefulSetSpec is the specification of a StatefulSet.",
	 "selector template", false,
	 (const prop[]){
		 {"replicas", "i", NULL, NULL,
		  "replicas is the desired number of replicas of the "
		  "given Template. Defaults to 1."},
		 {"selector", "@meta.LabelSelector", NULL, NULL,
		  "selector is a label query over "
		  "pods that should match the replica count. It must match the pod template's "
		  "labels."},
		 {"template", "@PodTemplateSpec", NULL, NULL,
		  "template is the object that "
		  "describes the pod that will be created if insufficient replicas are detected."},
		 {"volumeClaimTemplates", "[@PersistentVolumeClaim", NULL, NULL,
		  "volumeClaimTemplates is a list of claims that pods are allowed to reference; "
		  "every claim is instantiated once per pod."},
		 {"serviceName", "s", NULL, NULL,
		  "serviceName is the name of the service that "
		  "governs this StatefulSet."},
		 {"podManagementPolicy", "s", NULL, NULL,
		  "podManagementPolicy controls how pods "
		  "are created during initial scale up, when replacing pods on nodes, or when "
		  "scaling down. OrderedReady (default) or Parallel."},
		 {"updateStrategy", "@apps.StatefulSetUpdateStrategy", NULL, NULL,
		  "updateStrategy "
		  "indicates the StatefulSetUpdateStrategy that will be employed to update Pods in "
		  "the StatefulSet when a revision is made to Template."},
		 {"revisionHistoryLimit", "i", NULL, NULL, NULL},
		 {"minReadySeconds", "i", NULL, NULL, NULL},
		 {"persistentVolumeClaimRetentionPolicy",
		  "@apps.StatefulSetPersistentVolumeClaimRetentionPolicy", NULL, NULL, NULL},
		 {"ordinals", "@apps.StatefulSetOrdinals", NULL, NULL, NULL},
		 END_PROPS}},
	{"apps.StatefulSetUpdateStrategy",
	 "StatefulSetUpdateStrategy indicates the strategy that "
	 "the StatefulSet controller will use to perform updates.",
	 NULL, false,
	 (const prop[]){
		 {"type", "s", NULL, NULL, NULL},
		 {"rollingUpdate", "@apps.RollingUpdateStatefulSetStrategy", NULL, NULL, NULL},
		 END_PROPS}},
	{"apps.RollingUpdateStatefulSetStrategy",
	 "RollingUpdateStatefulSetStrategy is used to "
	 "communicate parameter for RollingUpdateStatefulSetStrategyType.",
	 NULL, false,
	 (const prop[]){{"partition", "i", NULL, NULL, NULL},
			{"maxUnavailable", "@intstr.IntOrString", NULL, NULL, NULL},
			END_PROPS}},
	{"apps.StatefulSetPersistentVolumeClaimRetentionPolicy",
	 "StatefulSetPersistentVolumeClaimRetentionPolicy describes the policy used for PVCs "
	 "created from the StatefulSet VolumeClaimTemplates.",
	 NULL, false,
	 (const prop[]){{"whenDeleted", "s", NULL, NULL, NULL},
			{"whenScaled", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"apps.StatefulSetOrdinals",
	 "StatefulSetOrdinals describes the policy used for replica "
	 "ordinal assignment in this StatefulSet.",
	 NULL, false, (const prop[]){{"start", "i", NULL, NULL, NULL}, END_PROPS}},
	{"batch.JobSpec", "JobSpec describes how the job execution will look like.", "template",
	 false,
	 (const prop[]){
		 {"parallelism", "i", NULL, NULL,
		  "Specifies the maximum desired number of pods the "
		  "job should run at any given time."},
		 {"completions", "i", NULL, NULL,
		  "Specifies the desired number of successfully "
		  "finished pods the job should be run with."},
		 {"activeDeadlineSeconds", "l", NULL, NULL,
		  "Specifies the duration in seconds "
		  "relative to the startTime that the job may be continuously active before the "
		  "system tries to terminate it."},
		 {"podFailurePolicy", "@batch.PodFailurePolicy", NULL, NULL, NULL},
		 {"successPolicy", "@batch.SuccessPolicy", NULL, NULL, NULL},
		 {"backoffLimit", "i", NULL, NULL,
		  "Specifies the number of retries before marking "
		  "this job failed. Defaults to 6."},
		 {"backoffLimitPerIndex", "i", NULL, NULL, NULL},
		 {"maxFailedIndexes", "i", NULL, NULL, NULL},
		 {"selector", "@meta.LabelSelector", NULL, NULL,
		  "A label query over pods that "
		  "should match the pod count. Normally, the system sets this field for you."},
		 {"manualSelector", "b", NULL, NULL,
		  "manualSelector controls generation of pod "
		  "labels and pod selectors. Leave unset unless you are certain what you are "
		  "doing."},
		 {"template", "@PodTemplateSpec", NULL, NULL,
		  "Describes the pod that will be "
		  "created when executing a job. The only allowed restartPolicy values are "
		  "\"Never\" or \"OnFailure\"."},
		 {"ttlSecondsAfterFinished", "i", NULL, NULL,
		  "ttlSecondsAfterFinished limits the "
		  "lifetime of a Job that has finished execution (either Complete or Failed)."},
		 {"completionMode", "s", NULL, NULL,
		  "completionMode specifies how Pod completions "
		  "are tracked. It can be NonIndexed (default) or Indexed."},
		 {"suspend", "b", NULL, NULL,
		  "suspend specifies whether the Job controller should "
		  "create Pods or not. Defaults to false."},
		 {"podReplacementPolicy", "s", NULL, NULL, NULL},
		 {"managedBy", "s", NULL, NULL, NULL},
		 END_PROPS}},
	{"batch.PodFailurePolicy",
	 "PodFailurePolicy describes how failed pods influence the "
	 "backoffLimit.",
	 "rules", false,
	 (const prop[]){{"rules", "[@batch.PodFailurePolicyRule", NULL, NULL, NULL}, END_PROPS}},
	{"batch.PodFailurePolicyRule",
	 "PodFailurePolicyRule describes how a pod failure is "
	 "handled when the requirements are met.",
	 "action", false,
	 (const prop[]){
		 {"action", "s", NULL, NULL, NULL},
		 {"onExitCodes", "@batch.PodFailurePolicyOnExitCodesRequirement", NULL, NULL, NULL},
		 {"onPodConditions", "[@batch.PodFailurePolicyOnPodConditionsPattern", NULL, NULL,
		  NULL},
		 END_PROPS}},
	{"batch.PodFailurePolicyOnExitCodesRequirement",
	 "PodFailurePolicyOnExitCodesRequirement "
	 "describes the requirement for handling a failed pod based on its container exit codes.",
	 "operator values", false,
	 (const prop[]){{"containerName", "s", NULL, NULL, NULL},
			{"operator", "s", NULL, NULL, NULL},
			{"values", "[i", NULL, NULL, NULL},
			END_PROPS}},
	{"batch.PodFailurePolicyOnPodConditionsPattern",
	 "PodFailurePolicyOnPodConditionsPattern "
	 "describes a pattern for matching an actual pod condition type.",
	 "type", false,
	 (const prop[]){
		 {"type", "s", NULL, NULL, NULL}, {"status", "s", NULL, NULL, NULL}, END_PROPS}},
	{"batch.SuccessPolicy",
	 "SuccessPolicy describes when a Job can be declared as succeeded "
	 "based on the success of some indexes.",
	 "rules", false,
	 (const prop[]){{"rules", "[@batch.SuccessPolicyRule", NULL, NULL, NULL}, END_PROPS}},
	{"batch.SuccessPolicyRule",
	 "SuccessPolicyRule describes rule for declaring a Job as "
	 "succeeded.",
	 NULL, false,
	 (const prop[]){{"succeededIndexes", "s", NULL, NULL, NULL},
			{"succeededCount", "i", NULL, NULL, NULL},
			END_PROPS}},
	{"batch.CronJobSpec",
	 "CronJobSpec describes how the job execution will look like and when "
	 "it will actually run.",
	 "schedule jobTemplate", false,
	 (const prop[]){{"schedule", "s", NULL, NULL,
			 "The schedule in Cron format, see "
			 "https://en.wikipedia.org/wiki/Cron."},
			{"timeZone", "s", NULL, NULL,
			 "The time zone name for the given schedule, see "
			 "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."},
			{"startingDeadlineSeconds", "l", NULL, NULL,
			 "Optional deadline in seconds for "
			 "starting the job if it misses scheduled time for any reason."},
			{"concurrencyPolicy", "s", NULL, NULL,
			 "Specifies how to treat concurrent "
			 "executions of a Job: Allow (default), Forbid or Replace."},
			{"suspend", "b", NULL, NULL,
			 "This flag tells the controller to suspend subsequent "
			 "executions. Defaults to false."},
			{"jobTemplate", "@batch.JobTemplateSpec", NULL, NULL,
			 "Specifies the job that will "
			 "be created when executing a CronJob."},
			{"successfulJobsHistoryLimit", "i", NULL, NULL,
			 "The number of successful finished "
			 "jobs to retain. Defaults to 3."},
			{"failedJobsHistoryLimit", "i", NULL, NULL,
			 "The number of failed finished jobs to "
			 "retain. Defaults to 1."},
			END_PROPS}},
	{"batch.JobTemplateSpec",
	 "JobTemplateSpec describes the data a Job should have when "
	 "created from a template.",
	 NULL, false,
	 (const prop[]){{"metadata", "@meta.ObjectMeta", NULL, NULL,
			 "Standard object's metadata of the "
			 "jobs created from this template."},
			{"spec", "@batch.JobSpec", NULL, NULL,
			 "Specification of the desired behavior of "
			 "the job."},
			END_PROPS}},
	{"NamespaceSpec", "NamespaceSpec describes the attributes on a Namespace.", NULL, false,
	 (const prop[]){{"finalizers", "[s", NULL, NULL, NULL}, END_PROPS}},
	{"NodeSpec", "NodeSpec describes the attributes that a node is created with.", NULL, false,
	 (const prop[]){
		 {"podCIDR", "s", NULL, NULL, NULL},
		 {"podCIDRs", "[s", "merge", "set", NULL},
		 {"providerID", "s", NULL, NULL, NULL},
		 {"unschedulable", "b", NULL, NULL, NULL},
		 {"taints", "[@Taint", NULL, NULL, NULL},
		 {"configSource", "o", NULL, NULL,
		  "Deprecated: previously used to specify the "
		  "source of the node's configuration for the DynamicKubeletConfig feature."},
		 {"externalID", "s", NULL, NULL, NULL},
		 END_PROPS}},
	{"Taint",
	 "The node this Taint is attached to has the \"effect\" on any pod that does not "
	 "tolerate the Taint.",
	 "key effect", false,
	 (const prop[]){{"key", "s", NULL, NULL, NULL},
			{"value", "s", NULL, NULL, NULL},
			{"effect", "s", NULL, NULL, NULL},
			{"timeAdded", "t", NULL, NULL, NULL},
			END_PROPS}},
	{"PersistentVolumeSpec",
	 "PersistentVolumeSpec is the specification of a persistent "
	 "volume.",
	 NULL, false,
	 (const prop[]){
		 {"capacity", "{@resource.Quantity", NULL, NULL, NULL},
		 {"gcePersistentDisk", "o", NULL, NULL,
		  "GCEPersistentDisk represents a GCE Disk "
		  "resource that is attached to a kubelet's host machine and then exposed to the "
		  "pod (deprecated)."},
		 {"awsElasticBlockStore", "o", NULL, NULL,
		  "AWSElasticBlockStore represents an AWS "
		  "Disk resource that is attached to a kubelet's host machine and then exposed to "
		  "the pod (deprecated)."},
		 {"hostPath", "@HostPathVolumeSource", NULL, NULL, NULL},
		 {"glusterfs", "o", NULL, NULL,
		  "Glusterfs represents a Glusterfs volume that is "
		  "attached to a host and exposed to the pod (deprecated)."},
		 {"nfs", "@NFSVolumeSource", NULL, NULL, NULL},
		 {"rbd", "o", NULL, NULL,
		  "RBD represents a Rados Block Device mount on the host "
		  "that shares a pod's lifetime (deprecated)."},
		 {"iscsi", "o", NULL, NULL,
		  "ISCSI represents an ISCSI Disk resource that is "
		  "attached to a kubelet's host machine and then exposed to the pod."},
		 {"cinder", "o", NULL, NULL,
		  "Cinder represents a cinder volume attached and "
		  "mounted on kubelets host machine (deprecated)."},
		 {"cephfs", "o", NULL, NULL,
		  "CephFS represents a Ceph FS mount on the host that "
		  "shares a pod's lifetime (deprecated)."},
		 {"fc", "o", NULL, NULL,
		  "FC represents a Fibre Channel resource that is attached "
		  "to a kubelet's host machine and then exposed to the pod."},
		 {"flocker", "o", NULL, NULL,
		  "Flocker represents a Flocker volume attached to a "
		  "kubelet's host machine (deprecated)."},
		 {"flexVolume", "o", NULL, NULL,
		  "FlexVolume represents a generic volume resource "
		  "that is provisioned/attached using an exec based plugin (deprecated)."},
		 {"azureFile", "o", NULL, NULL,
		  "AzureFile represents an Azure File Service mount "
		  "on the host and bind mount to the pod (deprecated)."},
		 {"vsphereVolume", "o", NULL, NULL,
		  "VsphereVolume represents a vSphere volume "
		  "attached and mounted on kubelets host machine (deprecated)."},
		 {"quobyte", "o", NULL, NULL,
		  "Quobyte represents a Quobyte mount on the host that "
		  "shares a pod's lifetime (deprecated)."},
		 {"azureDisk", "o", NULL, NULL,
		  "AzureDisk represents an Azure Data Disk mount on "
		  "the host and bind mount to the pod (deprecated)."},
		 {"photonPersistentDisk", "o", NULL, NULL,
		  "PhotonPersistentDisk represents a "
		  "PhotonController persistent disk attached and mounted on kubelets host machine "
		  "(deprecated)."},
		 {"portworxVolume", "o", NULL, NULL,
		  "PortworxVolume represents a portworx volume "
		  "attached and mounted on kubelets host machine (deprecated)."},
		 {"scaleIO", "o", NULL, NULL,
		  "ScaleIO represents a ScaleIO persistent volume "
		  "attached and mounted on Kubernetes nodes (deprecated)."},
		 {"local", "@LocalVolumeSource", NULL, NULL, NULL},
		 {"storageos", "o", NULL, NULL,
		  "StorageOS represents a StorageOS volume attached "
		  "and mounted on Kubernetes nodes (deprecated)."},
		 {"csi", "@CSIPersistentVolumeSource", NULL, NULL, NULL},
		 {"accessModes", "[s", NULL, NULL, NULL},
		 {"claimRef", "@ObjectReference", NULL, NULL, NULL},
		 {"persistentVolumeReclaimPolicy", "s", NULL, NULL, NULL},
		 {"storageClassName", "s", NULL, NULL, NULL},
		 {"mountOptions", "[s", NULL, NULL, NULL},
		 {"volumeMode", "s", NULL, NULL, NULL},
		 {"nodeAffinity", "@VolumeNodeAffinity", NULL, NULL, NULL},
		 {"volumeAttributesClassName", "s", NULL, NULL, NULL},
		 END_PROPS}},
	{"LocalVolumeSource", "Local represents directly-attached storage with node affinity.",
	 "path", false,
	 (const prop[]){
		 {"path", "s", NULL, NULL, NULL}, {"fsType", "s", NULL, NULL, NULL}, END_PROPS}},
	{"CSIPersistentVolumeSource",
	 "Represents storage that is managed by an external CSI "
	 "volume driver.",
	 "driver volumeHandle", false,
	 (const prop[]){{"driver", "s", NULL, NULL, NULL},
			{"volumeHandle", "s", NULL, NULL, NULL},
			{"readOnly", "b", NULL, NULL, NULL},
			{"fsType", "s", NULL, NULL, NULL},
			{"volumeAttributes", "{s", NULL, NULL, NULL},
			{"controllerPublishSecretRef", "@SecretReference", NULL, NULL, NULL},
			{"nodeStageSecretRef", "@SecretReference", NULL, NULL, NULL},
			{"nodePublishSecretRef", "@SecretReference", NULL, NULL, NULL},
			{"controllerExpandSecretRef", "@SecretReference", NULL, NULL, NULL},
			{"nodeExpandSecretRef", "@SecretReference", NULL, NULL, NULL},
			END_PROPS}},
	{"SecretReference",
	 "SecretReference represents a Secret Reference. It has enough "
	 "information to retrieve secret in any namespace.",
	 NULL, false,
	 (const prop[]){
		 {"name", "s", NULL, NULL, NULL}, {"namespace", "s", NULL, NULL, NULL}, END_PROPS}},
	{"ObjectReference",
	 "ObjectReference contains enough information to let you inspect or "
	 "modify the referred object.",
	 NULL, true,
	 (const prop[]){{"kind", "s", NULL, NULL, NULL},
			{"namespace", "s", NULL, NULL, NULL},
			{"name", "s", NULL, NULL, NULL},
			{"uid", "s", NULL, NULL, NULL},
			{"apiVersion", "s", NULL, NULL, NULL},
			{"resourceVersion", "s", NULL, NULL, NULL},
			{"fieldPath", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"VolumeNodeAffinity",
	 "VolumeNodeAffinity defines constraints that limit what nodes this "
	 "volume can be accessed from.",
	 NULL, false, (const prop[]){{"required", "@NodeSelector", NULL, NULL, NULL}, END_PROPS}},
	{"coordination.LeaseSpec", "LeaseSpec is a specification of a Lease.", NULL, false,
	 (const prop[]){{"holderIdentity", "s", NULL, NULL, NULL},
			{"leaseDurationSeconds", "i", NULL, NULL, NULL},
			{"acquireTime", "t", NULL, NULL, NULL},
			{"renewTime", "t", NULL, NULL, NULL},
			{"leaseTransitions", "i", NULL, NULL, NULL},
			{"strategy", "s", NULL, NULL, NULL},
			{"preferredHolder", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"TopologySelectorTerm",
	 "A topology selector term represents the result of label queries. "
	 "The requirements of them are ANDed.",
	 NULL, true,
	 (const prop[]){
		 {"matchLabelExpressions", "[@TopologySelectorLabelRequirement", NULL, NULL, NULL},
		 END_PROPS}},
	{"TopologySelectorLabelRequirement",
	 "A topology selector requirement is a selector that "
	 "matches a given label.",
	 "key values", false,
	 (const prop[]){
		 {"key", "s", NULL, NULL, NULL}, {"values", "[s", NULL, NULL, NULL}, END_PROPS}},
	{"meta.OwnerReference",
	 "OwnerReference contains enough information to let you identify an "
	 "owning object.",
	 "apiVersion kind name uid", false,
	 (const prop[]){{"apiVersion", "s", NULL, NULL, NULL},
			{"kind", "s", NULL, NULL, NULL},
			{"name", "s", NULL, NULL, NULL},
			{"uid", "s", NULL, NULL, NULL},
			{"controller", "b", NULL, NULL, NULL},
			{"blockOwnerDeletion", "b", NULL, NULL, NULL},
			END_PROPS}},
	{"meta.ManagedFieldsEntry",
	 "ManagedFieldsEntry is a workflow-id, a FieldSet and the group "
	 "version of the resource that the fieldset applies to.",
	 NULL, false,
	 (const prop[]){{"manager", "s", NULL, NULL, NULL},
			{"operation", "s", NULL, NULL, NULL},
			{"apiVersion", "s", NULL, NULL, NULL},
			{"time", "t", NULL, NULL, NULL},
			{"fieldsType", "s", NULL, NULL, NULL},
			{"fieldsV1", "o", NULL, NULL, NULL},
			{"subresource", "s", NULL, NULL, NULL},
			END_PROPS}},
	{"ResourceQuotaSpec",
	 "ResourceQuotaSpec defines the desired hard limits to enforce for Quota.", NULL, false,
	 (const prop[]){{"hard", "{@resource.Quantity", NULL, NULL,
			 "hard is the set of desired hard limits for each named resource."},
			{"scopes", "[s", NULL, "atomic",
			 "A collection of filters that must match each object tracked by a "
			 "quota."},
			{"scopeSelector", "@ScopeSelector", NULL, NULL,
			 "scopeSelector is also a collection of filters like scopes that must "
			 "match each object tracked by a quota."},
			END_PROPS}},
	{"ScopeSelector",
	 "A scope selector represents the AND of the selectors represented by the "
	 "scoped-resource selector requirements.",
	 NULL, true,
	 (const prop[]){{"matchExpressions", "[@ScopedResourceSelectorRequirement", NULL, "atomic",
			 "A list of scope selector requirements by scope of the resources."},
			END_PROPS}},
	{"ScopedResourceSelectorRequirement",
	 "A scoped-resource selector requirement is a selector that contains values, a scope "
	 "name, and an operator that relates the scope name and values.",
	 "scopeName operator", false,
	 (const prop[]){{"scopeName", "s", NULL, NULL,
			 "The name of the scope that the selector applies to."},
			{"operator", "s", NULL, NULL,
			 "Represents a scope's relationship to a set of values."},
			{"values", "[s", NULL, "atomic", "An array of string values."},
			END_PROPS}},
	{"LimitRangeSpec",
	 "LimitRangeSpec defines a min/max usage limit for resources that match on kind.", "limits",
	 false,
	 (const prop[]){{"limits", "[@LimitRangeItem", NULL, "atomic",
			 "Limits is the list of LimitRangeItem objects that are enforced."},
			END_PROPS}},
	{"LimitRangeItem",
	 "LimitRangeItem defines a min/max usage limit for any resource that matches on kind.",
	 "type", false,
	 (const prop[]){{"type", "s", NULL, NULL, "Type of resource that this limit applies to."},
			{"max", "{@resource.Quantity", NULL, NULL,
			 "Max usage constraints on this kind by resource name."},
			{"min", "{@resource.Quantity", NULL, NULL,
			 "Min usage constraints on this kind by resource name."},
			{"default", "{@resource.Quantity", NULL, NULL,
			 "Default resource requirement limit value by resource name if "
			 "resource limit is omitted."},
			{"defaultRequest", "{@resource.Quantity", NULL, NULL,
			 "DefaultRequest is the default resource requirement request value by "
			 "resource name if resource request is omitted."},
			{"maxLimitRequestRatio", "{@resource.Quantity", NULL, NULL,
			 "MaxLimitRequestRatio if specified, the named resource must have a "
			 "request and limit that are both non-zero where limit divided by "
			 "request is less than or equal to the enumerated value."},
			END_PROPS}},
};

typedef struct {
	const char *kind;
	const char *desc;
	const prop *props; /* besides apiVersion, kind and metadata */
	const char *required;
} kind_schema;

#define SPEC_STATUS(spec, what)                                                                    \
	(const prop[])                                                                             \
	{                                                                                          \
		{"spec", spec, NULL, NULL, "Spec defines the desired behavior of the " what "."},  \
			{"status", "o", NULL, NULL,                                                \
			 "Status is the most recently observed status of the " what "."},          \
			END_PROPS                                                                  \
	}

static const kind_schema kind_schemas[] = {
	{"Namespace", "Namespace provides a scope for Names.",
	 SPEC_STATUS("@NamespaceSpec", "namespace"), NULL},
	{"Pod", "Pod is a collection of containers that can run on a host.",
	 SPEC_STATUS("@PodSpec", "pod"), NULL},
	{"Node", "Node is a worker node in the cluster.", SPEC_STATUS("@NodeSpec", "node"), NULL},
	{"Service",
	 "Service is a named abstraction of software service (for example, mysql) "
	 "consisting of local port that the proxy listens on, and the selector that "
	 "determines which pods will answer requests sent through the proxy.",
	 SPEC_STATUS("@ServiceSpec", "service"), NULL},
	{"Endpoints", "Endpoints is a collection of endpoints that implement the actual service.",
	 (const prop[]){{"subsets", "[o", NULL, NULL,
			 "The set of all endpoints is the union of all "
			 "subsets."},
			END_PROPS},
	 NULL},
	{"ConfigMap", "ConfigMap holds configuration data for pods to consume.",
	 (const prop[]){{"binaryData", "{B", NULL, NULL,
			 "BinaryData contains the binary data (base64 "
			 "encoded values)."},
			{"data", "{s", NULL, NULL, "Data contains the configuration data."},
			{"immutable", "b", NULL, NULL,
			 "Immutable, if set to true, ensures that data "
			 "stored in the ConfigMap cannot be updated."},
			END_PROPS},
	 NULL},
	{"Secret", "Secret holds secret data of a certain type.",
	 (const prop[]){{"data", "{B", NULL, NULL,
			 "Data contains the secret data (base64 encoded "
			 "values)."},
			{"immutable", "b", NULL, NULL,
			 "Immutable, if set to true, ensures that data "
			 "stored in the Secret cannot be updated."},
			{"stringData", "{s", NULL, NULL,
			 "stringData allows specifying non-binary secret "
			 "data in string form; it is merged into the data field on write."},
			{"type", "s", NULL, NULL,
			 "Used to facilitate programmatic handling of secret "
			 "data."},
			END_PROPS},
	 NULL},
	{"Event", "Event is a report of an event somewhere in the cluster.",
	 (const prop[]){
		 {"action", "s", NULL, NULL,
		  "What action was taken/failed regarding to the "
		  "Regarding object."},
		 {"count", "i", NULL, NULL, "The number of times this event has occurred."},
		 {"eventTime", "t", NULL, NULL, "Time when this Event was first observed."},
		 {"firstTimestamp", "t", NULL, NULL,
		  "The time at which the event was first "
		  "recorded."},
		 {"involvedObject", "@ObjectReference", NULL, NULL,
		  "The object that this event is "
		  "about."},
		 {"lastTimestamp", "t", NULL, NULL,
		  "The time at which the most recent occurrence "
		  "of this event was recorded."},
		 {"message", "s", NULL, NULL,
		  "A human-readable description of the status of this "
		  "operation."},
		 {"reason", "s", NULL, NULL,
		  "A short, machine understandable string for the "
		  "transition."},
		 {"related", "@ObjectReference", NULL, NULL,
		  "Optional secondary object for more "
		  "complex actions."},
		 {"reportingComponent", "s", NULL, NULL,
		  "Name of the controller that emitted this "
		  "Event."},
		 {"reportingInstance", "s", NULL, NULL, "ID of the controller instance."},
		 {"series", "o", NULL, NULL, "Data about the Event series this event represents."},
		 {"source", "o", NULL, NULL, "The component reporting this event."},
		 {"type", "s", NULL, NULL, "Type of this event (Normal, Warning)."},
		 END_PROPS},
	 "metadata involvedObject"},
	{"ServiceAccount",
	 "ServiceAccount binds together a name, a principal that can be "
	 "authenticated, and a set of secrets.",
	 (const prop[]){{"automountServiceAccountToken", "b", NULL, NULL,
			 "Whether pods running as this "
			 "service account should have an API token automatically mounted."},
			{"imagePullSecrets", "[@LocalObjectReference", NULL, NULL,
			 "References to secrets "
			 "for pulling the images of pods that reference this ServiceAccount."},
			{"secrets", "[@ObjectReference", "merge:name", NULL,
			 "Secrets that pods running "
			 "using this ServiceAccount may use."},
			END_PROPS},
	 NULL},
	{"PersistentVolume",
	 "PersistentVolume is a storage resource provisioned by an "
	 "administrator.",
	 SPEC_STATUS("@PersistentVolumeSpec", "persistent volume"), NULL},
	{"PersistentVolumeClaim",
	 "PersistentVolumeClaim is a user's request for and claim to a "
	 "persistent volume.",
	 SPEC_STATUS("@PersistentVolumeClaimSpec", "persistent volume claim"), NULL},
	{"Deployment", "Deployment enables declarative updates for Pods and ReplicaSets.",
	 SPEC_STATUS("@apps.DeploymentSpec", "Deployment"), NULL},
	{"ReplicaSet",
	 "ReplicaSet ensures that a specified number of pod replicas are running "
	 "at any given time.",
	 SPEC_STATUS("@apps.ReplicaSetSpec", "ReplicaSet"), NULL},
	{"DaemonSet", "DaemonSet represents the configuration of a daemon set.",
	 SPEC_STATUS("@apps.DaemonSetSpec", "DaemonSet"), NULL},
	{"StatefulSet", "StatefulSet represents a set of pods with consistent identities.",
	 SPEC_STATUS("@apps.StatefulSetSpec", "StatefulSet"), NULL},
	{"Job", "Job represents the configuration of a single job.",
	 SPEC_STATUS("@batch.JobSpec", "job"), NULL},
	{"CronJob", "CronJob represents the configuration of a single cron job.",
	 SPEC_STATUS("@batch.CronJobSpec", "cron job"), NULL},
	{"StorageClass",
	 "StorageClass describes the parameters for a class of storage for which "
	 "PersistentVolumes can be dynamically provisioned.",
	 (const prop[]){{"allowVolumeExpansion", "b", NULL, NULL,
			 "Shows whether the storage class allow "
			 "volume expand."},
			{"allowedTopologies", "[@TopologySelectorTerm", NULL, NULL,
			 "Restrict the node "
			 "topologies where volumes can be dynamically provisioned."},
			{"mountOptions", "[s", NULL, NULL,
			 "Mount options for dynamically provisioned "
			 "PersistentVolumes."},
			{"parameters", "{s", NULL, NULL,
			 "Parameters for the provisioner that should "
			 "create volumes of this storage class."},
			{"provisioner", "s", NULL, NULL,
			 "Provisioner indicates the type of the "
			 "provisioner."},
			{"reclaimPolicy", "s", NULL, NULL,
			 "The reclaim policy of dynamically provisioned "
			 "volumes."},
			{"volumeBindingMode", "s", NULL, NULL,
			 "When volumes should be provisioned and "
			 "bound."},
			END_PROPS},
	 "provisioner"},
	{"Lease", "Lease defines a lease concept.",
	 (const prop[]){
		 {"spec", "@coordination.LeaseSpec", NULL, NULL, "Specification of the Lease."},
		 END_PROPS},
	 NULL},
	{"ResourceQuota", "ResourceQuota sets aggregate quota restrictions enforced per namespace",
	 SPEC_STATUS("@ResourceQuotaSpec", "quota"), NULL},
	{"LimitRange",
	 "LimitRange sets resource usage limits for each kind of resource in a Namespace.",
	 (const prop[]){
		 {"spec", "@LimitRangeSpec", NULL, NULL, "Spec defines the limits enforced."},
		 END_PROPS},
	 NULL},
	{"ControllerRevision", "ControllerRevision implements an immutable snapshot of state data.",
	 (const prop[]){
		 {"data", "o", NULL, NULL, "Data is the serialized representation of the state."},
		 {"revision", "l", NULL, NULL,
		  "Revision indicates the revision of the state represented by Data."},
		 END_PROPS},
	 "revision"},
	{"PriorityClass",
	 "PriorityClass defines mapping from a priority class name to the priority integer value.",
	 (const prop[]){{"value", "i", NULL, NULL,
			 "value represents the integer value of this priority class."},
			{"globalDefault", "b", NULL, NULL,
			 "globalDefault specifies whether this PriorityClass should be "
			 "considered as the default priority for pods that do not have any "
			 "priority class."},
			{"description", "s", NULL, NULL,
			 "description is an arbitrary string that usually provides guidelines "
			 "on when this priority class should be used."},
			{"preemptionPolicy", "s", NULL, NULL,
			 "preemptionPolicy is the Policy for preempting pods with lower "
			 "priority. One of Never, PreemptLowerPriority."},
			END_PROPS},
	 "value"},
};

/* A kind the table above does not know keeps spec and status when it has
 * them, as open objects; otherwise its definition lists no properties, which
 * kubectl treats as "anything goes" rather than rejecting every field. */
static const kind_schema fallback_spec = {NULL, NULL, SPEC_STATUS("o", "object"), NULL};
static const kind_schema fallback_open = {NULL, NULL, NULL, NULL};

/* ---- naming ---- */

/* "apps" for apps, "storage" for storage.k8s.io, "core" for the core group. */
static void group_short(const cs_type *t, char *buf, size_t len)
{
	const char *g = t->group[0] ? t->group : "core";
	size_t n = strcspn(g, ".");
	snprintf(buf, len, "%.*s", (int)n, g);
}

static void def_name(const cs_type *t, bool list, char *buf, size_t len)
{
	char g[64];
	group_short(t, g, sizeof(g));
	snprintf(buf, len, "io.k8s.api.%s.%s.%s", g, t->version, list ? t->list_kind : t->kind);
}

/* Operation id infix as Kubernetes spells it: "CoreV1", "StorageV1". */
static void gv_camel(const cs_type *t, char *buf, size_t len)
{
	char g[64];
	group_short(t, g, sizeof(g));
	g[0] = (char)(g[0] >= 'a' && g[0] <= 'z' ? g[0] - 'a' + 'A' : g[0]);
	char v[32];
	snprintf(v, sizeof(v), "%s", t->version);
	v[0] = (char)(v[0] >= 'a' && v[0] <= 'z' ? v[0] - 'a' + 'A' : v[0]);
	snprintf(buf, len, "%s%s", g, v);
}

/* "api/v1" or "apis/apps/v1": the v3 index key and URL path prefix. */
static void gv_path(const cs_type *t, char *buf, size_t len)
{
	if (t->group[0])
		snprintf(buf, len, "apis/%s/%s", t->group, t->version);
	else
		snprintf(buf, len, "api/%s", t->version);
}

static bool same_gv(const cs_type *a, const cs_type *b)
{
	return !strcmp(a->group, b->group) && !strcmp(a->version, b->version);
}

/* ---- JSON construction helpers ---- */

static cs_json *str(const char *s)
{
	return cs_json_string(s);
}

static cs_json *ref(const char *def)
{
	cs_json *r = cs_json_object();
	cs_json_set(r, "$ref", cs_json_stringf("#/definitions/%s", def));
	return r;
}

static cs_json *typed(const char *type, const char *format, const char *desc)
{
	cs_json *s = cs_json_object();
	if (desc)
		cs_json_set(s, "description", str(desc));
	cs_json_set(s, "type", str(type));
	if (format)
		cs_json_set(s, "format", str(format));
	return s;
}

/* "apps.DeploymentSpec" -> "io.k8s.api.apps.v1.DeploymentSpec". */
static void def_full(const char *name, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(def_prefixes) / sizeof(def_prefixes[0]); i++) {
		size_t n = strlen(def_prefixes[i].prefix);
		if (!strncmp(name, def_prefixes[i].prefix, n)) {
			snprintf(buf, len, "%s%s", def_prefixes[i].full, name + n);
			return;
		}
	}
	abort(); /* unreachable: the core group's prefix is empty */
}

/* Splits "a,b" into a JSON array of strings. */
static cs_json *split_list(const char *s)
{
	cs_json *a = cs_json_array();
	while (*s) {
		size_t n = strcspn(s, ", ");
		if (n)
			cs_json_push(a, cs_json_stringn(s, n));
		s += n + (s[n] != '\0');
	}
	return a;
}

static cs_json *type_schema(const char *type, const char *desc)
{
	char full[192];
	cs_json *s;
	switch (type[0]) {
	case 's': return typed("string", NULL, desc);
	case 'i': return typed("integer", "int32", desc);
	case 'l': return typed("integer", "int64", desc);
	case 'n': return typed("number", "double", desc);
	case 'b': return typed("boolean", NULL, desc);
	case 't': return typed("string", "date-time", desc);
	case 'B': return typed("string", "byte", desc);
	case 'o': return typed("object", NULL, desc);
	case '@':
		/* A $ref schema must not carry a type: kubectl rejects the model. */
		def_full(type + 1, full, sizeof(full));
		s = ref(full);
		if (desc)
			cs_json_set(s, "description", str(desc));
		return s;
	case '[':
		s = typed("array", NULL, desc);
		cs_json_set(s, "items", type_schema(type + 1, NULL));
		return s;
	case '{':
		s = typed("object", NULL, desc);
		cs_json_set(s, "additionalProperties", type_schema(type + 1, NULL));
		return s;
	}
	abort(); /* a typo in the tables above */
}

static cs_json *prop_schema(const prop *p)
{
	cs_json *s = type_schema(p->type, p->desc);
	if (p->list) {
		bool array = p->type[0] == '[';
		bool map = !strncmp(p->list, "map:", 4);
		if (map && array)
			cs_json_set(s, "x-kubernetes-list-map-keys", split_list(p->list + 4));
		cs_json_set(s, array ? "x-kubernetes-list-type" : "x-kubernetes-map-type",
			    str(map ? "map" : p->list));
	}
	if (p->patch) {
		const char *colon = strchr(p->patch, ':');
		if (colon)
			cs_json_set(s, "x-kubernetes-patch-merge-key", str(colon + 1));
		size_t n = colon ? (size_t)(colon - p->patch) : strlen(p->patch);
		cs_json_set(s, "x-kubernetes-patch-strategy", cs_json_stringn(p->patch, n));
	}
	return s;
}

static void add_props(cs_json *props, const prop *p)
{
	for (; p && p->name; p++)
		cs_json_set(props, p->name, prop_schema(p));
}

static void set_required(cs_json *schema, const char *required)
{
	if (required && *required)
		cs_json_set(schema, "required", split_list(required));
}

static cs_json *def_schema(const def *d)
{
	cs_json *s = typed("object", NULL, d->desc);
	if (d->props) {
		cs_json *props = cs_json_object();
		add_props(props, d->props);
		cs_json_set(s, "properties", props);
	}
	set_required(s, d->required);
	if (d->atomic)
		cs_json_set(s, "x-kubernetes-map-type", str("atomic"));
	return s;
}

static cs_json *gvk(const char *group, const char *version, const char *kind)
{
	cs_json *o = cs_json_object();
	cs_json_set(o, "group", str(group));
	cs_json_set(o, "kind", str(kind));
	cs_json_set(o, "version", str(version));
	return o;
}

static cs_json *gvk_list(const char *group, const char *version, const char *kind)
{
	cs_json *a = cs_json_array();
	cs_json_push(a, gvk(group, version, kind));
	return a;
}

static const prop api_version_prop = API_VERSION_PROP;
static const prop kind_prop = KIND_PROP;

static const kind_schema *schema_for(const cs_type *t)
{
	for (size_t i = 0; i < sizeof(kind_schemas) / sizeof(kind_schemas[0]); i++)
		if (!strcmp(kind_schemas[i].kind, t->kind))
			return &kind_schemas[i];
	return t->has_spec ? &fallback_spec : &fallback_open;
}

static cs_json *kind_def(const cs_type *t)
{
	const kind_schema *ks = schema_for(t);
	cs_json *d = cs_json_object();
	cs_json_set(d, "description",
		    ks->desc ? str(ks->desc) : cs_json_stringf("%s objects.", t->kind));
	cs_json_set(d, "type", str("object"));
	if (ks->props) {
		static const prop md = {"metadata", "@meta.ObjectMeta", NULL, NULL,
					"Standard object's metadata."};
		cs_json *props = cs_json_object();
		cs_json_set(props, "apiVersion", prop_schema(&api_version_prop));
		cs_json_set(props, "kind", prop_schema(&kind_prop));
		cs_json_set(props, "metadata", prop_schema(&md));
		add_props(props, ks->props);
		cs_json_set(d, "properties", props);
	}
	set_required(d, ks->required);
	cs_json_set(d, "x-kubernetes-group-version-kind", gvk_list(t->group, t->version, t->kind));
	return d;
}

static cs_json *list_def(const cs_type *t)
{
	char item[160];
	def_name(t, false, item, sizeof(item));
	cs_json *d = cs_json_object();
	cs_json_set(d, "description",
		    cs_json_stringf("%s is a list of %s.", t->list_kind, t->kind));
	cs_json_set(d, "type", str("object"));
	set_required(d, "items");
	cs_json *props = cs_json_object();
	cs_json_set(props, "apiVersion", prop_schema(&api_version_prop));
	cs_json *items = cs_json_object();
	cs_json_set(items, "description", cs_json_stringf("List of %s objects.", t->kind));
	cs_json_set(items, "type", str("array"));
	cs_json_set(items, "items", ref(item));
	cs_json_set(props, "items", items);
	cs_json_set(props, "kind", prop_schema(&kind_prop));
	static const prop md = {"metadata", "@meta.ListMeta", NULL, NULL,
				"Standard list metadata."};
	cs_json_set(props, "metadata", prop_schema(&md));
	cs_json_set(d, "properties", props);
	cs_json_set(d, "x-kubernetes-group-version-kind",
		    gvk_list(t->group, t->version, t->list_kind));
	return d;
}

/* DeleteOptions and WatchEvent carry one group-version-kind per served
 * group version, as Kubernetes publishes them. */
static cs_json *per_gv_gvks(const char *kind)
{
	cs_json *a = cs_json_array();
	for (size_t i = 0; i < cs_types_count; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = same_gv(&cs_types[i], &cs_types[j]);
		if (!seen)
			cs_json_push(a, gvk(cs_types[i].group, cs_types[i].version, kind));
	}
	return a;
}

static bool any_scale(const cs_type *gv_of)
{
	for (size_t i = 0; i < cs_types_count; i++)
		if ((cs_types[i].subresources & CS_SUB_SCALE) &&
		    (!gv_of || same_gv(gv_of, &cs_types[i])))
			return true;
	return false;
}

/* Every definition of the table, the scalar types Kubernetes names
 * (Quantity, IntOrString), and the group-version-kinds of the meta kinds. */
static void add_definitions(cs_json *out)
{
	char name[192];
	for (size_t i = 0; i < sizeof(type_defs) / sizeof(type_defs[0]); i++) {
		def_full(type_defs[i].name, name, sizeof(name));
		if (!strcmp(name, SCALE_DEF) && !any_scale(NULL))
			continue;
		cs_json_set(out, name, def_schema(&type_defs[i]));
	}
	cs_json_set(cs_json_get(out, STATUS_DEF), "x-kubernetes-group-version-kind",
		    gvk_list("", "v1", "Status"));
	cs_json_set(cs_json_get(out, DELETE_OPTIONS), "x-kubernetes-group-version-kind",
		    per_gv_gvks("DeleteOptions"));
	cs_json_set(cs_json_get(out, WATCH_EVENT), "x-kubernetes-group-version-kind",
		    per_gv_gvks("WatchEvent"));
	if (cs_json_get(out, SCALE_DEF))
		cs_json_set(cs_json_get(out, SCALE_DEF), "x-kubernetes-group-version-kind",
			    gvk_list("autoscaling", "v1", "Scale"));

	/* A string in v2, where kubectl's validation accepts any scalar for a
	 * string; the v3 documents say integer or string (see v3_scalars). */
	cs_json_set(out, QUANTITY,
		    typed("string", NULL,
			  "Quantity is a fixed-point representation of a number, "
			  "such as 100m, 1.5, 2Gi or 1e3."));
	cs_json *ios = typed("string", "int-or-string",
			     "IntOrString is a type that can hold an int32 or a string.");
	cs_json_set(ios, "x-kubernetes-int-or-string", cs_json_bool(true));
	cs_json_set(out, INT_OR_STRING, ios);
}

/* ---- paths ---- */

enum {
	Q_ALLOW_BOOKMARKS = 1 << 0,
	Q_CONTINUE = 1 << 1,
	Q_DRY_RUN = 1 << 2,
	Q_FIELD_MANAGER = 1 << 3,
	Q_FIELD_SELECTOR = 1 << 4,
	Q_FORCE = 1 << 5,
	Q_GRACE = 1 << 6,
	Q_LABEL_SELECTOR = 1 << 7,
	Q_LIMIT = 1 << 8,
	Q_ORPHAN = 1 << 9,
	Q_PROPAGATION = 1 << 10,
	Q_RV = 1 << 11,
	Q_RV_MATCH = 1 << 12,
	Q_TIMEOUT = 1 << 13,
	Q_WATCH = 1 << 14,
};

#define Q_LIST                                                                                     \
	(Q_ALLOW_BOOKMARKS | Q_CONTINUE | Q_FIELD_SELECTOR | Q_LABEL_SELECTOR | Q_LIMIT | Q_RV |   \
	 Q_RV_MATCH | Q_TIMEOUT | Q_WATCH)
#define Q_DELETE_COLLECTION                                                                        \
	(Q_CONTINUE | Q_DRY_RUN | Q_FIELD_SELECTOR | Q_GRACE | Q_LABEL_SELECTOR | Q_LIMIT |        \
	 Q_ORPHAN | Q_PROPAGATION | Q_RV | Q_RV_MATCH | Q_TIMEOUT)
#define Q_WRITE  (Q_DRY_RUN | Q_FIELD_MANAGER)
#define Q_PATCH  (Q_DRY_RUN | Q_FIELD_MANAGER | Q_FORCE)
#define Q_DELETE (Q_DRY_RUN | Q_GRACE | Q_ORPHAN | Q_PROPAGATION)

/* Alphabetical, as Kubernetes lists them.  No fieldValidation: see the top. */
static const struct {
	unsigned bit;
	const char *name, *type, *desc;
} query_params[] = {
	{Q_ALLOW_BOOKMARKS, "allowWatchBookmarks", "boolean",
	 "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."},
	{Q_CONTINUE, "continue", "string",
	 "The continue option should be set when retrieving more results from the server."},
	{Q_DRY_RUN, "dryRun", "string",
	 "When present, indicates that modifications should not be persisted. Valid values are: "
	 "- All: all dry run stages will be processed"},
	{Q_FIELD_MANAGER, "fieldManager", "string",
	 "fieldManager is a name associated with the actor or entity that is making these "
	 "changes."},
	{Q_FIELD_SELECTOR, "fieldSelector", "string",
	 "A selector to restrict the list of returned objects by their fields. Defaults to "
	 "everything."},
	{Q_FORCE, "force", "boolean",
	 "Force is going to \"force\" Apply requests. Must be unset for non-apply patch "
	 "requests."},
	{Q_GRACE, "gracePeriodSeconds", "integer",
	 "The duration in seconds before the object should be deleted."},
	{Q_LABEL_SELECTOR, "labelSelector", "string",
	 "A selector to restrict the list of returned objects by their labels. Defaults to "
	 "everything."},
	{Q_LIMIT, "limit", "integer",
	 "limit is a maximum number of responses to return for a list "
	 "call."},
	{Q_ORPHAN, "orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy."},
	{Q_PROPAGATION, "propagationPolicy", "string",
	 "Whether and how garbage collection will be performed: Orphan, Background or "
	 "Foreground."},
	{Q_RV, "resourceVersion", "string",
	 "resourceVersion sets a constraint on what resource versions a request may be served "
	 "from."},
	{Q_RV_MATCH, "resourceVersionMatch", "string",
	 "resourceVersionMatch determines how resourceVersion is applied to list calls."},
	{Q_TIMEOUT, "timeoutSeconds", "integer",
	 "Timeout for the list/watch call, regardless of any activity or inactivity."},
	{Q_WATCH, "watch", "boolean",
	 "Watch for changes to the described resources and return them as a stream of add, "
	 "update, and remove notifications."},
};

static cs_json *param(const char *name, const char *in, const char *type, const char *desc,
		      bool required)
{
	cs_json *p = cs_json_object();
	cs_json_set(p, "uniqueItems", cs_json_bool(true));
	cs_json_set(p, "type", str(type));
	cs_json_set(p, "description", str(desc));
	cs_json_set(p, "name", str(name));
	cs_json_set(p, "in", str(in));
	if (required)
		cs_json_set(p, "required", cs_json_bool(true));
	return p;
}

static cs_json *body_param(const char *def, bool required)
{
	cs_json *p = cs_json_object();
	cs_json_set(p, "name", str("body"));
	cs_json_set(p, "in", str("body"));
	if (required)
		cs_json_set(p, "required", cs_json_bool(true));
	cs_json_set(p, "schema", ref(def));
	return p;
}

static cs_json *params(cs_json *body, unsigned mask)
{
	cs_json *a = cs_json_array();
	if (body)
		cs_json_push(a, body);
	for (size_t i = 0; i < sizeof(query_params) / sizeof(query_params[0]); i++)
		if (mask & query_params[i].bit)
			cs_json_push(a, param(query_params[i].name, "query", query_params[i].type,
					      query_params[i].desc, false));
	return a;
}

static cs_json *strings(const char *const *v)
{
	cs_json *a = cs_json_array();
	for (; *v; v++)
		cs_json_push(a, str(*v));
	return a;
}

static const char *const consumes_any[] = {"*/*", NULL};
static const char *const consumes_patch[] = {
	"application/json-patch+json", "application/merge-patch+json",
	"application/strategic-merge-patch+json", "application/apply-patch+yaml", NULL};
static const char *const produces_json[] = {"application/json", NULL};
static const char *const produces_watch[] = {"application/json", "application/json;stream=watch",
					     NULL};

/* codes: "200", "201", ... each answered with def ("" for no schema). */
static cs_json *responses(const char *def, const char *codes)
{
	cs_json *r = cs_json_object();
	for (const char *c = codes; *c; c += 3) {
		char code[4] = {c[0], c[1], c[2], 0};
		cs_json *resp = cs_json_object();
		cs_json_set(resp, "description",
			    str(!strcmp(code, "200")   ? "OK"
				: !strcmp(code, "201") ? "Created"
						       : "Accepted"));
		cs_json_set(resp, "schema", ref(def));
		cs_json_set(r, code, resp);
	}
	cs_json *unauth = cs_json_object();
	cs_json_set(unauth, "description", str("Unauthorized"));
	cs_json_set(r, "401", unauth);
	return r;
}

typedef struct {
	const cs_type *t;
	char camel[96], tag[128], def[192], list_def[192];
	const char *ns; /* "Namespaced" or "" */
} op_ctx;

static cs_json *operation(const op_ctx *o, const char *action, const char *desc,
			  const char *const *consumes, const char *const *produces, const char *id,
			  cs_json *ps, cs_json *resp, bool scale)
{
	const cs_type *t = o->t;
	cs_json *op = cs_json_object();
	cs_json_set(op, "description", str(desc));
	cs_json_set(op, "consumes", strings(consumes));
	cs_json_set(op, "produces", strings(produces));
	cs_json *tags = cs_json_array();
	cs_json_push(tags, str(o->tag));
	cs_json_set(op, "tags", tags);
	cs_json_set(op, "operationId", str(id));
	cs_json_set(op, "parameters", ps);
	cs_json_set(op, "responses", resp);
	cs_json_set(op, "x-kubernetes-action", str(action));
	cs_json_set(op, "x-kubernetes-group-version-kind",
		    scale ? gvk("autoscaling", "v1", "Scale") : gvk(t->group, t->version, t->kind));
	return op;
}

/* Path item with its path-level parameters (name, namespace, pretty). */
static cs_json *path_item(cs_json *paths, const char *path, bool with_name, bool with_ns)
{
	cs_json *item = cs_json_object();
	cs_json *ps = cs_json_array();
	if (with_name)
		cs_json_push(ps, param("name", "path", "string", "name of the object", true));
	if (with_ns)
		cs_json_push(ps, param("namespace", "path", "string",
				       "object name and auth scope, such as for teams and projects",
				       true));
	cs_json_push(ps, param("pretty", "query", "string",
			       "If 'true', then the output is pretty printed.", false));
	cs_json_set(item, "parameters", ps);
	cs_json_set(paths, path, item);
	return item;
}

static void add_status_like(cs_json *paths, const op_ctx *o, const char *base, const char *sub,
			    const char *Sub, bool scale)
{
	const cs_type *t = o->t;
	const char *def = scale ? SCALE_DEF : o->def;
	char path[384], id[256], desc[256];
	snprintf(path, sizeof(path), "%s/%s", base, sub);
	cs_json *item = path_item(paths, path, true, t->namespaced);

	snprintf(id, sizeof(id), "read%s%s%s%s", o->camel, o->ns, t->kind, Sub);
	snprintf(desc, sizeof(desc), "read %s of the specified %s", sub, t->kind);
	cs_json_set(item, "get",
		    operation(o, "get", desc, consumes_any, produces_json, id, params(NULL, 0),
			      responses(def, "200"), scale));
	snprintf(id, sizeof(id), "replace%s%s%s%s", o->camel, o->ns, t->kind, Sub);
	snprintf(desc, sizeof(desc), "replace %s of the specified %s", sub, t->kind);
	cs_json_set(item, "put",
		    operation(o, "put", desc, consumes_any, produces_json, id,
			      params(body_param(def, true), Q_WRITE), responses(def, "200201"),
			      scale));
	snprintf(id, sizeof(id), "patch%s%s%s%s", o->camel, o->ns, t->kind, Sub);
	snprintf(desc, sizeof(desc), "partially update %s of the specified %s", sub, t->kind);
	cs_json_set(item, "patch",
		    operation(o, "patch", desc, consumes_patch, produces_json, id,
			      params(body_param(PATCH_DEF, true), Q_PATCH),
			      responses(def, "200201"), scale));
}

/* namespaces/{name}/finalize: a PUT of the object, nothing else. */
static void add_finalize(cs_json *paths, const op_ctx *o, const char *base)
{
	const cs_type *t = o->t;
	char path[384], id[256], desc[256];
	snprintf(path, sizeof(path), "%s/finalize", base);
	cs_json *item = path_item(paths, path, true, t->namespaced);
	snprintf(id, sizeof(id), "replace%s%s%sFinalize", o->camel, o->ns, t->kind);
	snprintf(desc, sizeof(desc), "replace finalize of the specified %s", t->kind);
	cs_json_set(item, "put",
		    operation(o, "put", desc, consumes_any, produces_json, id,
			      params(body_param(o->def, true), Q_WRITE),
			      responses(o->def, "200201"), false));
}

static void add_type_paths(cs_json *paths, const cs_type *t)
{
	op_ctx o = {.t = t, .ns = t->namespaced ? "Namespaced" : ""};
	gv_camel(t, o.camel, sizeof(o.camel));
	char g[64];
	group_short(t, g, sizeof(g));
	snprintf(o.tag, sizeof(o.tag), "%s_%s", g, t->version);
	def_name(t, false, o.def, sizeof(o.def));
	def_name(t, true, o.list_def, sizeof(o.list_def));

	char prefix[160], coll[320], item_path[352], id[256], desc[512];
	if (t->group[0])
		snprintf(prefix, sizeof(prefix), "/apis/%s/%s", t->group, t->version);
	else
		snprintf(prefix, sizeof(prefix), "/api/%s", t->version);
	const char *ns_seg = t->namespaced ? "/namespaces/{namespace}" : "";
	snprintf(coll, sizeof(coll), "%s%s/%s", prefix, ns_seg, t->resource);
	snprintf(item_path, sizeof(item_path), "%s/{name}", coll);

	cs_json *c = path_item(paths, coll, false, t->namespaced);
	snprintf(id, sizeof(id), "list%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "list or watch objects of kind %s", t->kind);
	cs_json_set(c, "get",
		    operation(&o, "list", desc, consumes_any, produces_watch, id,
			      params(NULL, Q_LIST), responses(o.list_def, "200"), false));
	snprintf(id, sizeof(id), "create%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "create a %s", t->kind);
	cs_json_set(c, "post",
		    operation(&o, "post", desc, consumes_any, produces_json, id,
			      params(body_param(o.def, true), Q_WRITE),
			      responses(o.def, "200201202"), false));
	snprintf(id, sizeof(id), "delete%sCollection%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "delete collection of %s", t->kind);
	cs_json_set(c, "delete",
		    operation(&o, "deletecollection", desc, consumes_any, produces_json, id,
			      params(body_param(DELETE_OPTIONS, false), Q_DELETE_COLLECTION),
			      responses(STATUS_DEF, "200"), false));

	cs_json *it = path_item(paths, item_path, true, t->namespaced);
	snprintf(id, sizeof(id), "read%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "read the specified %s", t->kind);
	cs_json_set(it, "get",
		    operation(&o, "get", desc, consumes_any, produces_json, id, params(NULL, 0),
			      responses(o.def, "200"), false));
	snprintf(id, sizeof(id), "replace%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "replace the specified %s", t->kind);
	cs_json_set(it, "put",
		    operation(&o, "put", desc, consumes_any, produces_json, id,
			      params(body_param(o.def, true), Q_WRITE), responses(o.def, "200201"),
			      false));
	snprintf(id, sizeof(id), "patch%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "partially update the specified %s", t->kind);
	cs_json_set(it, "patch",
		    operation(&o, "patch", desc, consumes_patch, produces_json, id,
			      params(body_param(PATCH_DEF, true), Q_PATCH),
			      responses(o.def, "200201"), false));
	snprintf(id, sizeof(id), "delete%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "delete a %s", t->kind);
	cs_json_set(it, "delete",
		    operation(&o, "delete", desc, consumes_any, produces_json, id,
			      params(body_param(DELETE_OPTIONS, false), Q_DELETE),
			      responses(STATUS_DEF, "200202"), false));

	if (t->subresources & CS_SUB_STATUS)
		add_status_like(paths, &o, item_path, "status", "Status", false);
	if (t->subresources & CS_SUB_SCALE)
		add_status_like(paths, &o, item_path, "scale", "Scale", true);
	if (t->subresources & CS_SUB_FINALIZE)
		add_finalize(paths, &o, item_path);

	if (t->namespaced) {
		char all[320];
		snprintf(all, sizeof(all), "%s/%s", prefix, t->resource);
		cs_json *a = path_item(paths, all, false, false);
		snprintf(id, sizeof(id), "list%s%sForAllNamespaces", o.camel, t->kind);
		snprintf(desc, sizeof(desc), "list or watch objects of kind %s", t->kind);
		cs_json_set(a, "get",
			    operation(&o, "list", desc, consumes_any, produces_watch, id,
				      params(NULL, Q_LIST), responses(o.list_def, "200"), false));
		snprintf(all, sizeof(all), "%s/watch/%s", prefix, t->resource);
		a = path_item(paths, all, false, false);
		snprintf(id, sizeof(id), "watch%s%sListForAllNamespaces", o.camel, t->kind);
		snprintf(desc, sizeof(desc),
			 "watch individual changes to a list of %s. deprecated: use the 'watch' "
			 "parameter with a list operation instead.",
			 t->kind);
		cs_json_set(a, "get",
			    operation(&o, "watchlist", desc, consumes_any, produces_watch, id,
				      params(NULL, Q_LIST), responses(WATCH_EVENT, "200"), false));
	}

	char w[384];
	snprintf(w, sizeof(w), "%s/watch%s/%s", prefix, ns_seg, t->resource);
	cs_json *wl = path_item(paths, w, false, t->namespaced);
	snprintf(id, sizeof(id), "watch%s%s%sList", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc),
		 "watch individual changes to a list of %s. deprecated: use the 'watch' parameter "
		 "with a list operation instead.",
		 t->kind);
	cs_json_set(wl, "get",
		    operation(&o, "watchlist", desc, consumes_any, produces_watch, id,
			      params(NULL, Q_LIST), responses(WATCH_EVENT, "200"), false));
	snprintf(w, sizeof(w), "%s/watch%s/%s/{name}", prefix, ns_seg, t->resource);
	cs_json *wi = path_item(paths, w, true, t->namespaced);
	snprintf(id, sizeof(id), "watch%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc),
		 "watch changes to an object of kind %s. deprecated: use the "
		 "'watch' parameter with a list operation instead, filtered to "
		 "a single item with the 'fieldSelector' parameter.",
		 t->kind);
	cs_json_set(wi, "get",
		    operation(&o, "watch", desc, consumes_any, produces_watch, id,
			      params(NULL, Q_LIST), responses(WATCH_EVENT, "200"), false));
}

static cs_json *info(void)
{
	cs_json *i = cs_json_object();
	cs_json_set(i, "title", str("capstan"));
	cs_json_set(i, "version", str(CS_VERSION));
	return i;
}

static cs_json *build_v2(void)
{
	cs_json *doc = cs_json_object();
	cs_json_set(doc, "swagger", str("2.0"));
	cs_json_set(doc, "info", info());
	cs_json *paths = cs_json_object();
	for (size_t i = 0; i < cs_types_count; i++)
		add_type_paths(paths, &cs_types[i]);
	cs_json_set(doc, "paths", paths);
	cs_json *defs = cs_json_object();
	add_definitions(defs);
	for (size_t i = 0; i < cs_types_count; i++) {
		char name[160];
		def_name(&cs_types[i], false, name, sizeof(name));
		cs_json_set(defs, name, kind_def(&cs_types[i]));
		def_name(&cs_types[i], true, name, sizeof(name));
		cs_json_set(defs, name, list_def(&cs_types[i]));
	}
	cs_json_set(doc, "definitions", defs);
	return doc;
}

/* ---- OpenAPI v3 ---- */

/* Points v2 $refs at v3 components.  OpenAPI 3.0 ignores the siblings of a
 * $ref, so a reference that carries a description or patch extensions is
 * wrapped in allOf, as Kubernetes publishes it: kubectl explain then shows
 * the field's description, and strategic merge still finds the extensions
 * on the property itself. */
static void rewrite_refs(cs_json *v)
{
	static const char from[] = "#/definitions/";
	if (cs_json_is(v, CS_JSON_ARRAY)) {
		for (size_t i = 0; i < cs_json_len(v); i++)
			rewrite_refs(cs_json_at(v, i));
		return;
	}
	if (!cs_json_is(v, CS_JSON_OBJECT))
		return;
	const char *s = cs_json_get_str(v, "$ref");
	if (s && !strncmp(s, from, sizeof(from) - 1)) {
		cs_json *target = cs_json_object();
		cs_json_set(target, "$ref",
			    cs_json_stringf("#/components/schemas/%s", s + sizeof(from) - 1));
		cs_json_del(v, "$ref");
		if (cs_json_len(v)) {
			cs_json *all_of = cs_json_array();
			cs_json_push(all_of, target);
			cs_json_set(v, "allOf", all_of);
		} else {
			cs_json_set(v, "$ref", cs_json_take(target, "$ref"));
			cs_json_free(target);
		}
		return;
	}
	for (size_t i = 0; i < v->u.obj.len; i++)
		rewrite_refs(v->u.obj.vals[i]);
}

static cs_json *v3_param(const cs_json *p)
{
	cs_json *o = cs_json_object();
	static const char *const copy[] = {"name", "in", "description", "required", NULL};
	for (const char *const *k = copy; *k; k++)
		if (cs_json_get(p, *k))
			cs_json_set(o, *k, cs_json_clone(cs_json_get(p, *k)));
	cs_json *schema = cs_json_object();
	cs_json_set(schema, "type", cs_json_clone(cs_json_get(p, "type")));
	if (cs_json_get(p, "uniqueItems"))
		cs_json_set(schema, "uniqueItems", cs_json_clone(cs_json_get(p, "uniqueItems")));
	cs_json_set(o, "schema", schema);
	return o;
}

/* {media: {"schema": schema}} for every media type in types. */
static cs_json *content(const cs_json *types, const cs_json *schema)
{
	cs_json *c = cs_json_object();
	for (size_t i = 0; i < cs_json_len(types); i++) {
		cs_json *m = cs_json_object();
		cs_json_set(m, "schema", cs_json_clone(schema));
		cs_json_set(c, cs_json_str(cs_json_at(types, i)), m);
	}
	return c;
}

static cs_json *v3_operation(const cs_json *op)
{
	cs_json *o = cs_json_object();
	static const char *const copy[] = {"tags", "description", "operationId", NULL};
	for (const char *const *k = copy; *k; k++)
		if (cs_json_get(op, *k))
			cs_json_set(o, *k, cs_json_clone(cs_json_get(op, *k)));
	const cs_json *ps = cs_json_get(op, "parameters");
	cs_json *out = cs_json_array();
	for (size_t i = 0; i < cs_json_len(ps); i++) {
		const cs_json *p = cs_json_at(ps, i);
		if (!strcmp(cs_json_get_str(p, "in"), "body")) {
			cs_json *rb = cs_json_object();
			cs_json_set(rb, "content",
				    content(cs_json_get(op, "consumes"), cs_json_get(p, "schema")));
			bool req = cs_json_as_bool(cs_json_get(p, "required"), false);
			cs_json_set(rb, "required", cs_json_bool(req));
			cs_json_set(o, "requestBody", rb);
		} else {
			cs_json_push(out, v3_param(p));
		}
	}
	cs_json_set(o, "parameters", out);
	const cs_json *rs = cs_json_get(op, "responses");
	cs_json *resp = cs_json_object();
	for (size_t i = 0; i < cs_json_len(rs); i++) {
		const cs_json *r = rs->u.obj.vals[i];
		cs_json *n = cs_json_object();
		cs_json_set(n, "description", cs_json_clone(cs_json_get(r, "description")));
		if (cs_json_get(r, "schema"))
			cs_json_set(n, "content",
				    content(cs_json_get(op, "produces"), cs_json_get(r, "schema")));
		cs_json_set(resp, rs->u.obj.keys[i], n);
	}
	cs_json_set(o, "responses", resp);
	for (size_t i = 0; i < op->u.obj.len; i++)
		if (!strncmp(op->u.obj.keys[i], "x-", 2))
			cs_json_set(o, op->u.obj.keys[i], cs_json_clone(op->u.obj.vals[i]));
	return o;
}

static cs_json *v3_paths(const cs_json *v2_paths)
{
	cs_json *out = cs_json_object();
	for (size_t i = 0; i < cs_json_len(v2_paths); i++) {
		const cs_json *item = v2_paths->u.obj.vals[i];
		cs_json *n = cs_json_object();
		for (size_t j = 0; j < item->u.obj.len; j++) {
			const char *k = item->u.obj.keys[j];
			const cs_json *v = item->u.obj.vals[j];
			if (!strcmp(k, "parameters")) {
				cs_json *ps = cs_json_array();
				for (size_t p = 0; p < cs_json_len(v); p++)
					cs_json_push(ps, v3_param(cs_json_at(v, p)));
				cs_json_set(n, k, ps);
			} else {
				cs_json_set(n, k, v3_operation(v));
			}
		}
		cs_json_set(out, v2_paths->u.obj.keys[i], n);
	}
	rewrite_refs(out);
	return out;
}

/* Copies the v2 definition name into schemas together with everything it
 * references: a group version's document has to resolve all of its $refs
 * (kubectl looks the core types up from the apps document, for example). */
static void add_v3_schema(cs_json *schemas, const cs_json *v2_defs, const char *name);

static void add_v3_refs(cs_json *schemas, const cs_json *v2_defs, const cs_json *v)
{
	static const char from[] = "#/definitions/";
	if (cs_json_is(v, CS_JSON_ARRAY)) {
		for (size_t i = 0; i < cs_json_len(v); i++)
			add_v3_refs(schemas, v2_defs, cs_json_at(v, i));
	} else if (cs_json_is(v, CS_JSON_OBJECT)) {
		for (size_t i = 0; i < v->u.obj.len; i++) {
			const char *s = cs_json_str(v->u.obj.vals[i]);
			if (!strcmp(v->u.obj.keys[i], "$ref") && s &&
			    !strncmp(s, from, sizeof(from) - 1))
				add_v3_schema(schemas, v2_defs, s + sizeof(from) - 1);
			else
				add_v3_refs(schemas, v2_defs, v->u.obj.vals[i]);
		}
	}
}

static void add_v3_schema(cs_json *schemas, const cs_json *v2_defs, const char *name)
{
	const cs_json *d = cs_json_get(v2_defs, name);
	if (!d || cs_json_get(schemas, name))
		return;
	cs_json_set(schemas, name, cs_json_clone(d));
	add_v3_refs(schemas, v2_defs, d);
}

/* v3 spells the scalar unions as Kubernetes does: oneOf the JSON types a
 * value may have.  kubectl explain reads them from here. */
static void v3_scalars(cs_json *schemas)
{
	static const struct {
		const char *def, *a, *b;
	} unions[] = {{QUANTITY, "string", "number"}, {INT_OR_STRING, "integer", "string"}};
	for (size_t i = 0; i < sizeof(unions) / sizeof(unions[0]); i++) {
		cs_json *d = cs_json_get(schemas, unions[i].def);
		if (!d)
			continue;
		cs_json_del(d, "type");
		cs_json *one_of = cs_json_array();
		cs_json_push(one_of, typed(unions[i].a, NULL, NULL));
		cs_json_push(one_of, typed(unions[i].b, NULL, NULL));
		cs_json_set(d, "oneOf", one_of);
	}
}

static cs_json *build_v3_doc(const cs_type *gv, const cs_json *v2_defs)
{
	cs_json *v2_paths = cs_json_object();
	cs_json *schemas = cs_json_object();
	static const char *const meta[] = {OBJECT_META, LIST_META, STATUS_DEF, DELETE_OPTIONS,
					   WATCH_EVENT, PATCH_DEF, NULL};
	for (const char *const *m = meta; *m; m++)
		add_v3_schema(schemas, v2_defs, *m);
	if (any_scale(gv))
		add_v3_schema(schemas, v2_defs, SCALE_DEF);
	for (size_t i = 0; i < cs_types_count; i++) {
		const cs_type *t = &cs_types[i];
		if (!same_gv(t, gv))
			continue;
		add_type_paths(v2_paths, t);
		char name[160];
		def_name(t, false, name, sizeof(name));
		add_v3_schema(schemas, v2_defs, name);
		def_name(t, true, name, sizeof(name));
		add_v3_schema(schemas, v2_defs, name);
	}
	rewrite_refs(schemas);
	v3_scalars(schemas);

	cs_json *doc = cs_json_object();
	cs_json_set(doc, "openapi", str("3.0.0"));
	cs_json_set(doc, "info", info());
	cs_json_set(doc, "paths", v3_paths(v2_paths));
	cs_json_free(v2_paths);
	cs_json *comp = cs_json_object();
	cs_json_set(comp, "schemas", schemas);
	cs_json_set(doc, "components", comp);
	return doc;
}

/* FNV-1a: the hash only has to change when the document does, so that
 * clients caching by URL fetch the new one. */
static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- gnostic openapi_v2.Document protobuf ---- */

typedef struct {
	unsigned char *b;
	size_t len, cap;
} pb;

enum { WT_VARINT = 0, WT_LEN = 2 };

static void pb_raw(pb *p, const void *d, size_t n)
{
	if (p->len + n > p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		while (cap < p->len + n)
			cap *= 2;
		unsigned char *nb = realloc(p->b, cap);
		if (!nb)
			abort();
		p->b = nb;
		p->cap = cap;
	}
	if (n)
		memcpy(p->b + p->len, d, n);
	p->len += n;
}

static void pb_varint(pb *p, uint64_t v)
{
	unsigned char buf[10];
	size_t n = 0;
	do {
		buf[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			buf[n] |= 0x80;
		n++;
	} while (v);
	pb_raw(p, buf, n);
}

static void pb_key(pb *p, unsigned field, unsigned wt)
{
	pb_varint(p, (uint64_t)field << 3 | wt);
}

static void pb_bytes(pb *p, unsigned field, const void *d, size_t n)
{
	pb_key(p, field, WT_LEN);
	pb_varint(p, n);
	pb_raw(p, d, n);
}

static void pb_string(pb *p, unsigned field, const char *s)
{
	pb_bytes(p, field, s, strlen(s));
}

/* Appends sub as an embedded message and releases it. */
static void pb_sub(pb *p, unsigned field, pb *sub)
{
	pb_bytes(p, field, sub->b, sub->len);
	free(sub->b);
	*sub = (pb){0};
}

typedef struct {
	char err[256];
} enc;

static int enc_fail(enc *e, const char *what, const char *key)
{
	if (!e->err[0])
		snprintf(e->err, sizeof(e->err), "%s: cannot encode key \"%s\"", what, key);
	return -1;
}

/* YAML text for an extension value (the Any.yaml field): scalars, maps and
 * lists, as gnostic stores them and kubectl reads them back. */
static void yaml_scalar(pb *y, const cs_json *v)
{
	char num[32];
	if (v->type == CS_JSON_BOOL) {
		pb_raw(y, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
		return;
	}
	if (v->type == CS_JSON_NULL) {
		pb_raw(y, "null", 4);
		return;
	}
	if (v->type == CS_JSON_NUMBER) {
		snprintf(num, sizeof(num), "%s", v->u.num.text);
		pb_raw(y, num, strlen(num));
		return;
	}
	const char *s = v->u.str.s;
	bool plain = s[0] && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'));
	for (const char *c = s; plain && *c; c++)
		plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			(*c >= '0' && *c <= '9') || strchr(".-_/", *c);
	static const char *const words[] = {"true", "false", "yes", "no", "on",
					    "off",  "null",  "y",   "n",  NULL};
	for (const char *const *w = words; plain && *w; w++)
		plain = strcasecmp(s, *w) != 0;
	if (plain && v->u.str.len == strlen(s)) {
		pb_raw(y, s, v->u.str.len);
		return;
	}
	pb_raw(y, "\"", 1);
	for (size_t i = 0; i < v->u.str.len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			pb_raw(y, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			pb_raw(y, esc, 4);
		} else {
			pb_raw(y, &s[i], 1);
		}
	}
	pb_raw(y, "\"", 1);
}

static bool is_container(const cs_json *v)
{
	return (v->type == CS_JSON_OBJECT || v->type == CS_JSON_ARRAY) && cs_json_len(v);
}

static void yaml_indent(pb *y, int n)
{
	for (int i = 0; i < n; i++)
		pb_raw(y, " ", 1);
}

/* Emits v at indent; the first line's indentation is already written when
 * inline is set (the first key of a map that is a list item). */
static void yaml_node(pb *y, const cs_json *v, int indent, bool inline_first)
{
	if (!is_container(v)) {
		if (v->type == CS_JSON_OBJECT)
			pb_raw(y, "{}", 2);
		else if (v->type == CS_JSON_ARRAY)
			pb_raw(y, "[]", 2);
		else
			yaml_scalar(y, v);
		pb_raw(y, "\n", 1);
		return;
	}
	size_t n = cs_json_len(v);
	for (size_t i = 0; i < n; i++) {
		if (i || !inline_first)
			yaml_indent(y, indent);
		if (v->type == CS_JSON_ARRAY) {
			const cs_json *item = cs_json_at(v, i);
			pb_raw(y, "- ", 2);
			if (item->type == CS_JSON_OBJECT && is_container(item)) {
				yaml_node(y, item, indent + 2, true);
			} else if (is_container(item)) {
				pb_raw(y, "\n", 1);
				yaml_node(y, item, indent + 2, false);
			} else {
				yaml_node(y, item, indent + 2, true);
			}
		} else {
			cs_json key = {.type = CS_JSON_STRING};
			key.u.str.s = v->u.obj.keys[i];
			key.u.str.len = strlen(key.u.str.s);
			yaml_scalar(y, &key);
			pb_raw(y, ":", 1);
			const cs_json *val = v->u.obj.vals[i];
			if (is_container(val)) {
				pb_raw(y, "\n", 1);
				yaml_node(y, val, val->type == CS_JSON_ARRAY ? indent : indent + 2,
					  false);
			} else {
				pb_raw(y, " ", 1);
				yaml_node(y, val, indent + 2, true);
			}
		}
	}
}

/* NamedAny{name, Any{yaml}}: how gnostic keeps vendor extensions. */
static void enc_named_any(pb *p, unsigned field, const char *name, const cs_json *v)
{
	pb yaml = {0}, any = {0}, named = {0};
	yaml_node(&yaml, v, 0, false);
	pb_bytes(&any, 2, yaml.b, yaml.len);
	free(yaml.b);
	pb_string(&named, 1, name);
	pb_sub(&named, 2, &any);
	pb_sub(p, field, &named);
}

typedef struct {
	const char *key;
	unsigned field;
	char kind; /* 's' string, 'b' bool, 'S' repeated string */
} fmap;

/* Handles keys the map does not cover: 1 done, 0 unknown, -1 error. */
typedef int (*enc_extra)(enc *e, pb *p, const char *key, const cs_json *v);

static int enc_object(enc *e, pb *p, const char *what, const cs_json *o, const fmap *map,
		      unsigned ext_field, enc_extra extra)
{
	if (!cs_json_is(o, CS_JSON_OBJECT))
		return enc_fail(e, what, "(not an object)");
	for (size_t i = 0; i < o->u.obj.len; i++) {
		const char *k = o->u.obj.keys[i];
		const cs_json *v = o->u.obj.vals[i];
		const fmap *m = map;
		while (m && m->key && strcmp(m->key, k))
			m++;
		if (m && m->key) {
			if (m->kind == 's' && v->type == CS_JSON_STRING) {
				pb_bytes(p, m->field, v->u.str.s, v->u.str.len);
			} else if (m->kind == 'b' && v->type == CS_JSON_BOOL) {
				pb_key(p, m->field, WT_VARINT);
				pb_varint(p, v->u.b);
			} else if (m->kind == 'S' && v->type == CS_JSON_ARRAY) {
				for (size_t j = 0; j < cs_json_len(v); j++) {
					const char *s = cs_json_str(cs_json_at(v, j));
					if (!s)
						return enc_fail(e, what, k);
					pb_string(p, m->field, s);
				}
			} else {
				return enc_fail(e, what, k);
			}
			continue;
		}
		if (ext_field && !strncmp(k, "x-", 2)) {
			enc_named_any(p, ext_field, k, v);
			continue;
		}
		int r = extra ? extra(e, p, k, v) : 0;
		if (r < 0)
			return -1;
		if (r == 0)
			return enc_fail(e, what, k);
	}
	return 0;
}

static int enc_schema(enc *e, pb *p, const cs_json *s);

static int enc_schema_sub(enc *e, pb *p, unsigned field, const cs_json *s)
{
	pb sub = {0};
	if (enc_schema(e, &sub, s) < 0) {
		free(sub.b);
		return -1;
	}
	pb_sub(p, field, &sub);
	return 0;
}

static int schema_extra(enc *e, pb *p, const char *k, const cs_json *v)
{
	pb sub = {0};
	if (!strcmp(k, "type")) { /* TypeItem */
		if (v->type == CS_JSON_STRING) {
			pb_string(&sub, 1, v->u.str.s);
		} else {
			for (size_t i = 0; i < cs_json_len(v); i++)
				if (cs_json_str(cs_json_at(v, i)))
					pb_string(&sub, 1, cs_json_str(cs_json_at(v, i)));
		}
		pb_sub(p, 22, &sub);
		return 1;
	}
	if (!strcmp(k, "additionalProperties")) { /* AdditionalPropertiesItem */
		if (v->type == CS_JSON_BOOL) {
			pb_key(&sub, 2, WT_VARINT);
			pb_varint(&sub, v->u.b);
		} else if (enc_schema_sub(e, &sub, 1, v) < 0) {
			free(sub.b);
			return -1;
		}
		pb_sub(p, 21, &sub);
		return 1;
	}
	if (!strcmp(k, "items")) { /* ItemsItem */
		size_t n = v->type == CS_JSON_ARRAY ? cs_json_len(v) : 1;
		for (size_t i = 0; i < n; i++) {
			const cs_json *item = v->type == CS_JSON_ARRAY ? cs_json_at(v, i) : v;
			if (enc_schema_sub(e, &sub, 1, item) < 0) {
				free(sub.b);
				return -1;
			}
		}
		pb_sub(p, 23, &sub);
		return 1;
	}
	if (!strcmp(k, "allOf")) {
		for (size_t i = 0; i < cs_json_len(v); i++)
			if (enc_schema_sub(e, p, 24, cs_json_at(v, i)) < 0)
				return -1;
		return 1;
	}
	if (!strcmp(k, "properties")) { /* Properties{repeated NamedSchema} */
		for (size_t i = 0; i < cs_json_len(v); i++) {
			pb named = {0};
			pb_string(&named, 1, v->u.obj.keys[i]);
			if (enc_schema_sub(e, &named, 2, v->u.obj.vals[i]) < 0) {
				free(named.b);
				free(sub.b);
				return -1;
			}
			pb_sub(&sub, 1, &named);
		}
		pb_sub(p, 25, &sub);
		return 1;
	}
	return 0;
}

static int enc_schema(enc *e, pb *p, const cs_json *s)
{
	static const fmap map[] = {
		{"$ref", 1, 's'},         {"format", 2, 's'},
		{"title", 3, 's'},        {"description", 4, 's'},
		{"uniqueItems", 16, 'b'}, {"required", 19, 'S'},
		{"readOnly", 27, 'b'},    {NULL, 0, 0},
	};
	return enc_object(e, p, "Schema", s, map, 31, schema_extra);
}

static int body_extra(enc *e, pb *p, const char *k, const cs_json *v)
{
	if (strcmp(k, "schema"))
		return 0;
	return enc_schema_sub(e, p, 5, v) < 0 ? -1 : 1;
}

/* ParametersItem{Parameter{BodyParameter | NonBodyParameter{query | path}}} */
static int enc_parameter(enc *e, pb *p, unsigned field, const cs_json *prm)
{
	static const fmap body_map[] = {{"description", 1, 's'},
					{"name", 2, 's'},
					{"in", 3, 's'},
					{"required", 4, 'b'},
					{NULL, 0, 0}};
	static const fmap query_map[] = {{"required", 1, 'b'},
					 {"in", 2, 's'},
					 {"description", 3, 's'},
					 {"name", 4, 's'},
					 {"allowEmptyValue", 5, 'b'},
					 {"type", 6, 's'},
					 {"format", 7, 's'},
					 {"uniqueItems", 20, 'b'},
					 {NULL, 0, 0}};
	static const fmap path_map[] = {{"required", 1, 'b'},     {"in", 2, 's'},
					{"description", 3, 's'},  {"name", 4, 's'},
					{"type", 5, 's'},         {"format", 6, 's'},
					{"uniqueItems", 19, 'b'}, {NULL, 0, 0}};
	const char *in = cs_json_get_str(prm, "in");
	pb sub = {0}, parameter = {0}, item = {0};
	int r;
	if (in && !strcmp(in, "body")) {
		r = enc_object(e, &sub, "BodyParameter", prm, body_map, 6, body_extra);
		if (r == 0)
			pb_sub(&parameter, 1, &sub);
	} else if (in && (!strcmp(in, "query") || !strcmp(in, "path"))) {
		bool q = !strcmp(in, "query");
		pb nonbody = {0};
		r = enc_object(e, &sub, q ? "QueryParameterSubSchema" : "PathParameterSubSchema",
			       prm, q ? query_map : path_map, q ? 23 : 22, NULL);
		if (r == 0) {
			pb_sub(&nonbody, q ? 3 : 4, &sub);
			pb_sub(&parameter, 2, &nonbody);
		}
	} else {
		r = enc_fail(e, "Parameter", in ? in : "(no \"in\")");
	}
	if (r < 0) {
		free(sub.b);
		free(parameter.b);
		return -1;
	}
	pb_sub(&item, 1, &parameter);
	pb_sub(p, field, &item);
	return 0;
}

static int enc_parameters(enc *e, pb *p, unsigned field, const cs_json *arr)
{
	if (!cs_json_is(arr, CS_JSON_ARRAY))
		return enc_fail(e, "parameters", "(not an array)");
	for (size_t i = 0; i < cs_json_len(arr); i++)
		if (enc_parameter(e, p, field, cs_json_at(arr, i)) < 0)
			return -1;
	return 0;
}

static int response_extra(enc *e, pb *p, const char *k, const cs_json *v)
{
	if (strcmp(k, "schema"))
		return 0;
	pb item = {0};
	if (enc_schema_sub(e, &item, 1, v) < 0) { /* SchemaItem.schema */
		free(item.b);
		return -1;
	}
	pb_sub(p, 2, &item);
	return 1;
}

/* Responses{repeated NamedResponseValue{name, ResponseValue{Response}}} */
static int enc_responses(enc *e, pb *p, const cs_json *rs)
{
	static const fmap map[] = {{"description", 1, 's'}, {NULL, 0, 0}};
	if (!cs_json_is(rs, CS_JSON_OBJECT))
		return enc_fail(e, "Responses", "(not an object)");
	for (size_t i = 0; i < rs->u.obj.len; i++) {
		const char *code = rs->u.obj.keys[i];
		if (!strncmp(code, "x-", 2)) {
			enc_named_any(p, 2, code, rs->u.obj.vals[i]);
			continue;
		}
		pb resp = {0}, value = {0}, named = {0};
		if (enc_object(e, &resp, "Response", rs->u.obj.vals[i], map, 5, response_extra) <
		    0) {
			free(resp.b);
			return -1;
		}
		pb_sub(&value, 1, &resp);
		pb_string(&named, 1, code);
		pb_sub(&named, 2, &value);
		pb_sub(p, 1, &named);
	}
	return 0;
}

static int operation_extra(enc *e, pb *p, const char *k, const cs_json *v)
{
	if (!strcmp(k, "parameters"))
		return enc_parameters(e, p, 8, v) < 0 ? -1 : 1;
	if (!strcmp(k, "responses")) {
		pb sub = {0};
		if (enc_responses(e, &sub, v) < 0) {
			free(sub.b);
			return -1;
		}
		pb_sub(p, 9, &sub);
		return 1;
	}
	return 0;
}

static int path_item_extra(enc *e, pb *p, const char *k, const cs_json *v)
{
	static const char *const methods[] = {"get",     "put",  "post",  "delete",
					      "options", "head", "patch", NULL};
	static const fmap op_map[] = {
		{"tags", 1, 'S'},        {"summary", 2, 's'},     {"description", 3, 's'},
		{"operationId", 5, 's'}, {"produces", 6, 'S'},    {"consumes", 7, 'S'},
		{"schemes", 10, 'S'},    {"deprecated", 11, 'b'}, {NULL, 0, 0}};
	if (!strcmp(k, "parameters"))
		return enc_parameters(e, p, 9, v) < 0 ? -1 : 1;
	for (unsigned i = 0; methods[i]; i++) {
		if (strcmp(methods[i], k))
			continue;
		pb op = {0};
		if (enc_object(e, &op, "Operation", v, op_map, 13, operation_extra) < 0) {
			free(op.b);
			return -1;
		}
		pb_sub(p, 2 + i, &op); /* PathItem: get = 2 ... patch = 8 */
		return 1;
	}
	return 0;
}

static int document_extra(enc *e, pb *p, const char *k, const cs_json *v)
{
	static const fmap info_map[] = {
		{"title", 1, 's'}, {"version", 2, 's'}, {"description", 3, 's'}, {NULL, 0, 0}};
	static const fmap path_item_map[] = {{"$ref", 1, 's'}, {NULL, 0, 0}};
	pb sub = {0};
	int r = 0;
	if (!strcmp(k, "info")) {
		r = enc_object(e, &sub, "Info", v, info_map, 7, NULL);
		if (r == 0)
			pb_sub(p, 2, &sub);
	} else if (!strcmp(k, "paths")) { /* Paths{x- = 1, repeated NamedPathItem = 2} */
		for (size_t i = 0; r == 0 && i < cs_json_len(v); i++) {
			const char *path = v->u.obj.keys[i];
			if (!strncmp(path, "x-", 2)) {
				enc_named_any(&sub, 1, path, v->u.obj.vals[i]);
				continue;
			}
			pb item = {0}, named = {0};
			r = enc_object(e, &item, "PathItem", v->u.obj.vals[i], path_item_map, 10,
				       path_item_extra);
			if (r < 0) {
				free(item.b);
				break;
			}
			pb_string(&named, 1, path);
			pb_sub(&named, 2, &item);
			pb_sub(&sub, 2, &named);
		}
		if (r == 0)
			pb_sub(p, 8, &sub);
	} else if (!strcmp(k, "definitions")) { /* Definitions{repeated NamedSchema} */
		for (size_t i = 0; r == 0 && i < cs_json_len(v); i++) {
			pb named = {0};
			pb_string(&named, 1, v->u.obj.keys[i]);
			r = enc_schema_sub(e, &named, 2, v->u.obj.vals[i]);
			if (r < 0) {
				free(named.b);
				break;
			}
			pb_sub(&sub, 1, &named);
		}
		if (r == 0)
			pb_sub(p, 9, &sub);
	} else {
		return 0;
	}
	if (r < 0) {
		free(sub.b);
		return -1;
	}
	return 1;
}

static unsigned char *encode_document(const cs_json *doc, size_t *len, char *err, size_t errlen)
{
	static const fmap map[] = {{"swagger", 1, 's'}, {"host", 3, 's'},     {"basePath", 4, 's'},
				   {"schemes", 5, 'S'}, {"consumes", 6, 'S'}, {"produces", 7, 'S'},
				   {NULL, 0, 0}};
	enc e = {{0}};
	pb p = {0};
	if (enc_object(&e, &p, "Document", doc, map, 16, document_extra) < 0) {
		snprintf(err, errlen, "%s", e.err);
		free(p.b);
		return NULL;
	}
	*len = p.len;
	return p.b ? p.b : calloc(1, 1);
}

/* ---- cache ---- */

static struct {
	cs_json *v2;
	unsigned char *proto;
	size_t proto_len;
	cs_json *v3_index;
	size_t ngv;
	char **gv_paths;
	cs_json **gv_docs;
} cache;

static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void build_cache(void)
{
	cache.v2 = build_v2();
	char err[256];
	cache.proto = encode_document(cache.v2, &cache.proto_len, err, sizeof(err));
	if (!cache.proto)
		cs_log(CS_LOG_ERROR, "openapi: v2 protobuf document not available: %s", err);

	cache.gv_paths = calloc(cs_types_count, sizeof(char *));
	cache.gv_docs = calloc(cs_types_count, sizeof(cs_json *));
	if (!cache.gv_paths || !cache.gv_docs)
		abort();
	cache.v3_index = cs_json_object();
	cs_json *idx = cs_json_object();
	const cs_json *defs = cs_json_get(cache.v2, "definitions");
	for (size_t i = 0; i < cs_types_count; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = same_gv(&cs_types[i], &cs_types[j]);
		if (seen)
			continue;
		char path[160];
		gv_path(&cs_types[i], path, sizeof(path));
		cs_json *doc = build_v3_doc(&cs_types[i], defs);
		size_t n;
		char *text = cs_json_dump(doc, false, &n);
		cs_json *entry = cs_json_object();
		cs_json_set(entry, "serverRelativeURL",
			    cs_json_stringf("/openapi/v3/%s?hash=%016llX", path,
					    (unsigned long long)fnv1a(text, n)));
		free(text);
		cs_json_set(idx, path, entry);
		cache.gv_paths[cache.ngv] = strdup(path);
		if (!cache.gv_paths[cache.ngv])
			abort();
		cache.gv_docs[cache.ngv++] = doc;
	}
	cs_json_set(cache.v3_index, "paths", idx);
}

cs_json *cs_openapi_v2_json(void)
{
	pthread_once(&cache_once, build_cache);
	return cs_json_clone(cache.v2);
}

unsigned char *cs_openapi_v2_proto(size_t *len)
{
	pthread_once(&cache_once, build_cache);
	if (!cache.proto)
		return NULL;
	unsigned char *out = malloc(cache.proto_len ? cache.proto_len : 1);
	if (!out)
		return NULL;
	memcpy(out, cache.proto, cache.proto_len);
	*len = cache.proto_len;
	return out;
}

cs_json *cs_openapi_v3_index(void)
{
	pthread_once(&cache_once, build_cache);
	return cs_json_clone(cache.v3_index);
}

cs_json *cs_openapi_v3_doc(const char *gv_path)
{
	pthread_once(&cache_once, build_cache);
	if (!gv_path)
		return NULL;
	for (size_t i = 0; i < cache.ngv; i++)
		if (!strcmp(cache.gv_paths[i], gv_path))
			return cs_json_clone(cache.gv_docs[i]);
	return NULL;
}
