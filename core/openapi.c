/* OpenAPI documents for the type table: v2 (JSON and the gnostic protobuf
 * kubectl downloads) and v3 (index plus one document per group version).
 *
 * The schemas are deliberately loose: every kind lists its real top-level
 * fields, but spec, status and other nested values are open objects.  kubectl
 * validates manifests against the v2 document client side and rejects unknown
 * fields of any definition that lists properties, so a partial nested schema
 * would reject valid manifests; an open object accepts them while the
 * top-level field names and types are still checked.
 *
 * fieldValidation is not advertised: kubectl then validates client side
 * instead of relying on server-side field validation, which we lack.
 *
 * Everything is generated once and handed out as copies. */
#include "types.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#ifndef CS_VERSION
#define CS_VERSION "0.0.0"
#endif

#define META "io.k8s.apimachinery.pkg.apis.meta.v1."
#define OBJECT_META META "ObjectMeta"
#define LIST_META META "ListMeta"
#define STATUS_DEF META "Status"
#define DELETE_OPTIONS META "DeleteOptions"
#define WATCH_EVENT META "WatchEvent"
#define PATCH_DEF META "Patch"
#define SCALE_DEF "io.k8s.api.autoscaling.v1.Scale"

/* ---- schema tables ---- */

/* Field types: s string, i int32, l int64, b boolean, t date-time string,
 * o open object, m map of string, y map of base64 string, A array of open
 * objects, S array of strings, r ObjectMeta, L ListMeta. */
typedef struct {
	const char *name;
	char type;
	const char *desc;
} field;

typedef struct {
	const char *kind;
	const char *desc;
	field fields[16];
	const char *required[3];
} kind_schema;

#define SPEC_STATUS(what)                                                                         \
	{{"spec", 'o', "Spec defines the desired behavior of the " what "."},                     \
	 {"status", 'o', "Status is the most recently observed status of the " what "."}}

static const kind_schema kind_schemas[] = {
	{"Namespace", "Namespace provides a scope for Names.", SPEC_STATUS("namespace"), {NULL}},
	{"Pod", "Pod is a collection of containers that can run on a host.", SPEC_STATUS("pod"),
	 {NULL}},
	{"Node", "Node is a worker node in the cluster.", SPEC_STATUS("node"), {NULL}},
	{"Service", "Service is a named abstraction of software service (for example, mysql) "
		    "consisting of local port that the proxy listens on, and the selector that "
		    "determines which pods will answer requests sent through the proxy.",
	 SPEC_STATUS("service"), {NULL}},
	{"Endpoints", "Endpoints is a collection of endpoints that implement the actual service.",
	 {{"subsets", 'A', "The set of all endpoints is the union of all subsets."}},
	 {NULL}},
	{"ConfigMap", "ConfigMap holds configuration data for pods to consume.",
	 {{"binaryData", 'y', "BinaryData contains the binary data (base64 encoded values)."},
	  {"data", 'm', "Data contains the configuration data."},
	  {"immutable", 'b', "Immutable, if set to true, ensures that data stored in the "
			     "ConfigMap cannot be updated."}},
	 {NULL}},
	{"Secret", "Secret holds secret data of a certain type.",
	 {{"data", 'y', "Data contains the secret data (base64 encoded values)."},
	  {"immutable", 'b', "Immutable, if set to true, ensures that data stored in the Secret "
			     "cannot be updated."},
	  {"stringData", 'm', "stringData allows specifying non-binary secret data in string "
			      "form; it is merged into the data field on write."},
	  {"type", 's', "Used to facilitate programmatic handling of secret data."}},
	 {NULL}},
	{"Event", "Event is a report of an event somewhere in the cluster.",
	 {{"action", 's', "What action was taken/failed regarding to the Regarding object."},
	  {"count", 'i', "The number of times this event has occurred."},
	  {"eventTime", 't', "Time when this Event was first observed."},
	  {"firstTimestamp", 't', "The time at which the event was first recorded."},
	  {"involvedObject", 'o', "The object that this event is about."},
	  {"lastTimestamp", 't', "The time at which the most recent occurrence of this event was "
				 "recorded."},
	  {"message", 's', "A human-readable description of the status of this operation."},
	  {"reason", 's', "A short, machine understandable string for the transition."},
	  {"related", 'o', "Optional secondary object for more complex actions."},
	  {"reportingComponent", 's', "Name of the controller that emitted this Event."},
	  {"reportingInstance", 's', "ID of the controller instance."},
	  {"series", 'o', "Data about the Event series this event represents."},
	  {"source", 'o', "The component reporting this event."},
	  {"type", 's', "Type of this event (Normal, Warning)."}},
	 {"metadata", "involvedObject", NULL}},
	{"ServiceAccount", "ServiceAccount binds together a name, a principal that can be "
			   "authenticated, and a set of secrets.",
	 {{"automountServiceAccountToken", 'b', "Whether pods running as this service account "
						"should have an API token automatically "
						"mounted."},
	  {"imagePullSecrets", 'A', "References to secrets for pulling the images of pods that "
				    "reference this ServiceAccount."},
	  {"secrets", 'A', "Secrets that pods running using this ServiceAccount may use."}},
	 {NULL}},
	{"PersistentVolume", "PersistentVolume is a storage resource provisioned by an "
			     "administrator.",
	 SPEC_STATUS("persistent volume"), {NULL}},
	{"PersistentVolumeClaim", "PersistentVolumeClaim is a user's request for and claim to a "
				  "persistent volume.",
	 SPEC_STATUS("persistent volume claim"), {NULL}},
	{"Deployment", "Deployment enables declarative updates for Pods and ReplicaSets.",
	 SPEC_STATUS("Deployment"), {NULL}},
	{"ReplicaSet", "ReplicaSet ensures that a specified number of pod replicas are running "
		       "at any given time.",
	 SPEC_STATUS("ReplicaSet"), {NULL}},
	{"DaemonSet", "DaemonSet represents the configuration of a daemon set.",
	 SPEC_STATUS("DaemonSet"), {NULL}},
	{"StatefulSet", "StatefulSet represents a set of pods with consistent identities.",
	 SPEC_STATUS("StatefulSet"), {NULL}},
	{"Job", "Job represents the configuration of a single job.", SPEC_STATUS("job"), {NULL}},
	{"CronJob", "CronJob represents the configuration of a single cron job.",
	 SPEC_STATUS("cron job"), {NULL}},
	{"StorageClass", "StorageClass describes the parameters for a class of storage for which "
			 "PersistentVolumes can be dynamically provisioned.",
	 {{"allowVolumeExpansion", 'b', "Shows whether the storage class allow volume expand."},
	  {"allowedTopologies", 'A', "Restrict the node topologies where volumes can be "
				     "dynamically provisioned."},
	  {"mountOptions", 'S', "Mount options for dynamically provisioned PersistentVolumes."},
	  {"parameters", 'm', "Parameters for the provisioner that should create volumes of "
			      "this storage class."},
	  {"provisioner", 's', "Provisioner indicates the type of the provisioner."},
	  {"reclaimPolicy", 's', "The reclaim policy of dynamically provisioned volumes."},
	  {"volumeBindingMode", 's', "When volumes should be provisioned and bound."}},
	 {"provisioner", NULL}},
	{"Lease", "Lease defines a lease concept.",
	 {{"spec", 'o', "Specification of the Lease."}},
	 {NULL}},
};

/* A kind the table above does not know keeps spec and status when it has
 * them; otherwise its definition lists no properties, which kubectl treats
 * as "anything goes" rather than rejecting every field. */
static const kind_schema fallback_spec = {NULL, NULL, SPEC_STATUS("object"), {NULL}};
static const kind_schema fallback_open = {NULL, NULL, {{NULL, 0, NULL}}, {NULL}};

static const field object_meta_fields[] = {
	{"annotations", 'm', "Annotations is an unstructured key value map stored with a "
			     "resource that may be set by external tools."},
	{"creationTimestamp", 't', "CreationTimestamp is a timestamp representing the server "
				   "time when this object was created."},
	{"deletionGracePeriodSeconds", 'l', "Number of seconds allowed for this object to "
					    "gracefully terminate before it will be removed."},
	{"deletionTimestamp", 't', "DeletionTimestamp is RFC 3339 date and time at which this "
				   "resource will be deleted."},
	{"finalizers", 'S', "Must be empty before the object is deleted from the registry."},
	{"generateName", 's', "GenerateName is an optional prefix, used by the server, to "
			      "generate a unique name ONLY IF the Name field has not been "
			      "provided."},
	{"generation", 'l', "A sequence number representing a specific generation of the "
			    "desired state."},
	{"labels", 'm', "Map of string keys and values that can be used to organize and "
			"categorize (scope and select) objects."},
	{"managedFields", 'A', "ManagedFields maps workflow-id and version to the set of fields "
			       "that are managed by that workflow."},
	{"name", 's', "Name must be unique within a namespace."},
	{"namespace", 's', "Namespace defines the space within which each name must be unique."},
	{"ownerReferences", 'A', "List of objects depended by this object."},
	{"resourceVersion", 's', "An opaque value that represents the internal version of this "
				 "object."},
	{"selfLink", 's', "Deprecated: selfLink is a legacy read-only field that is no longer "
			  "populated by the system."},
	{"uid", 's', "UID is the unique in time and space value for this object."},
	{NULL, 0, NULL},
};

static const field list_meta_fields[] = {
	{"continue", 's', "continue may be set if the user set a limit on the number of items "
			  "returned."},
	{"remainingItemCount", 'l', "The number of subsequent items in the list which are not "
				    "included in this list response."},
	{"resourceVersion", 's', "String that identifies the server's internal version of this "
				 "object."},
	{"selfLink", 's', "Deprecated: selfLink is a legacy read-only field that is no longer "
			  "populated by the system."},
	{NULL, 0, NULL},
};

static const field status_fields[] = {
	{"apiVersion", 's', "APIVersion defines the versioned schema of this representation of "
			    "an object."},
	{"code", 'i', "Suggested HTTP return code for this status, 0 if not set."},
	{"details", 'o', "Extended data associated with the reason."},
	{"kind", 's', "Kind is a string value representing the REST resource this object "
		      "represents."},
	{"message", 's', "A human-readable description of the status of this operation."},
	{"metadata", 'L', "Standard list metadata."},
	{"reason", 's', "A machine-readable description of why this operation is in the "
			"\"Failure\" status."},
	{"status", 's', "Status of the operation. One of: \"Success\" or \"Failure\"."},
	{NULL, 0, NULL},
};

static const field delete_options_fields[] = {
	{"apiVersion", 's', "APIVersion defines the versioned schema of this representation of "
			    "an object."},
	{"dryRun", 'S', "When present, indicates that modifications should not be persisted."},
	{"gracePeriodSeconds", 'l', "The duration in seconds before the object should be "
				    "deleted."},
	{"kind", 's', "Kind is a string value representing the REST resource this object "
		      "represents."},
	{"orphanDependents", 'b', "Deprecated: please use the PropagationPolicy."},
	{"preconditions", 'o', "Must be fulfilled before a deletion is carried out."},
	{"propagationPolicy", 's', "Whether and how garbage collection will be performed."},
	{NULL, 0, NULL},
};

static const field watch_event_fields[] = {
	{"object", 'o', "Object is the object the event is about: the new state for ADDED and "
			"MODIFIED, the state before deletion for DELETED, a Status for ERROR."},
	{"type", 's', "ADDED, MODIFIED, DELETED, ERROR or BOOKMARK."},
	{NULL, 0, NULL},
};

static const field scale_fields[] = {
	{"apiVersion", 's', "APIVersion defines the versioned schema of this representation of "
			    "an object."},
	{"kind", 's', "Kind is a string value representing the REST resource this object "
		      "represents."},
	{"metadata", 'r', "Standard object metadata."},
	{"spec", 'o', "spec defines the behavior of the scale."},
	{"status", 'o', "status is the current status of the scale."},
	{NULL, 0, NULL},
};

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

static cs_json *str(const char *s) { return cs_json_string(s); }

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

static cs_json *field_schema(const field *f)
{
	cs_json *s, *items;
	switch (f->type) {
	case 's':
		return typed("string", NULL, f->desc);
	case 'i':
		return typed("integer", "int32", f->desc);
	case 'l':
		return typed("integer", "int64", f->desc);
	case 'b':
		return typed("boolean", NULL, f->desc);
	case 't':
		return typed("string", "date-time", f->desc);
	case 'o':
		return typed("object", NULL, f->desc);
	case 'm':
	case 'y':
		s = typed("object", NULL, f->desc);
		cs_json_set(s, "additionalProperties",
			    typed("string", f->type == 'y' ? "byte" : NULL, NULL));
		return s;
	case 'A':
	case 'S':
		s = typed("array", NULL, f->desc);
		items = f->type == 'A' ? typed("object", NULL, NULL) : typed("string", NULL, NULL);
		cs_json_set(s, "items", items);
		return s;
	case 'r':
	case 'L':
		s = ref(f->type == 'r' ? OBJECT_META : LIST_META);
		cs_json_set(s, "description", str(f->desc));
		return s;
	}
	abort(); /* a typo in the tables above */
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

static void add_fields(cs_json *props, const field *fields)
{
	for (const field *f = fields; f->name; f++)
		cs_json_set(props, f->name, field_schema(f));
}

static cs_json *object_def(const char *desc, const field *fields, cs_json *gvks)
{
	cs_json *d = cs_json_object();
	cs_json_set(d, "description", str(desc));
	cs_json_set(d, "type", str("object"));
	cs_json *props = cs_json_object();
	add_fields(props, fields);
	cs_json_set(d, "properties", props);
	if (gvks)
		cs_json_set(d, "x-kubernetes-group-version-kind", gvks);
	return d;
}

static const field api_version_field = {
	"apiVersion", 's',
	"APIVersion defines the versioned schema of this representation of an object."};
static const field kind_field = {
	"kind", 's', "Kind is a string value representing the REST resource this object "
		     "represents."};

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
	cs_json_set(d, "description", ks->desc ? str(ks->desc)
					       : cs_json_stringf("%s objects.", t->kind));
	cs_json_set(d, "type", str("object"));
	if (ks->fields[0].name) {
		static const field md = {"metadata", 'r', "Standard object's metadata."};
		cs_json *props = cs_json_object();
		cs_json_set(props, "apiVersion", field_schema(&api_version_field));
		cs_json_set(props, "kind", field_schema(&kind_field));
		cs_json_set(props, "metadata", field_schema(&md));
		add_fields(props, ks->fields);
		cs_json_set(d, "properties", props);
	}
	if (ks->required[0]) {
		cs_json *req = cs_json_array();
		for (size_t i = 0; i < 3 && ks->required[i]; i++)
			cs_json_push(req, str(ks->required[i]));
		cs_json_set(d, "required", req);
	}
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
	cs_json *req = cs_json_array();
	cs_json_push(req, str("items"));
	cs_json_set(d, "required", req);
	cs_json *props = cs_json_object();
	cs_json_set(props, "apiVersion", field_schema(&api_version_field));
	cs_json *items = cs_json_object();
	cs_json_set(items, "description", cs_json_stringf("List of %s objects.", t->kind));
	cs_json_set(items, "type", str("array"));
	cs_json_set(items, "items", ref(item));
	cs_json_set(props, "items", items);
	cs_json_set(props, "kind", field_schema(&kind_field));
	static const field md = {"metadata", 'L', "Standard list metadata."};
	cs_json_set(props, "metadata", field_schema(&md));
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

static void add_meta_definitions(cs_json *defs)
{
	cs_json_set(defs, OBJECT_META,
		    object_def("ObjectMeta is metadata that all persisted resources must have.",
			       object_meta_fields, NULL));
	cs_json_set(defs, LIST_META,
		    object_def("ListMeta describes metadata that synthetic resources must have.",
			       list_meta_fields, NULL));
	cs_json_set(defs, STATUS_DEF,
		    object_def("Status is a return value for calls that don't return other "
			       "objects.",
			       status_fields, gvk_list("", "v1", "Status")));
	cs_json_set(defs, DELETE_OPTIONS,
		    object_def("DeleteOptions may be provided when deleting an API object.",
			       delete_options_fields, per_gv_gvks("DeleteOptions")));
	cs_json *we = object_def("Event represents a single event to a watched resource.",
				 watch_event_fields, per_gv_gvks("WatchEvent"));
	cs_json *req = cs_json_array();
	cs_json_push(req, str("type"));
	cs_json_push(req, str("object"));
	cs_json_set(we, "required", req);
	cs_json_set(defs, WATCH_EVENT, we);
	cs_json_set(defs, PATCH_DEF,
		    typed("object", NULL, "Patch is provided to give a concrete name and type to "
					  "the Kubernetes PATCH request body."));
	if (any_scale(NULL))
		cs_json_set(defs, SCALE_DEF,
			    object_def("Scale represents a scaling request for a resource.",
				       scale_fields, gvk_list("autoscaling", "v1", "Scale")));
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

#define Q_LIST                                                                                    \
	(Q_ALLOW_BOOKMARKS | Q_CONTINUE | Q_FIELD_SELECTOR | Q_LABEL_SELECTOR | Q_LIMIT | Q_RV |  \
	 Q_RV_MATCH | Q_TIMEOUT | Q_WATCH)
#define Q_DELETE_COLLECTION                                                                       \
	(Q_CONTINUE | Q_DRY_RUN | Q_FIELD_SELECTOR | Q_GRACE | Q_LABEL_SELECTOR | Q_LIMIT |       \
	 Q_ORPHAN | Q_PROPAGATION | Q_RV | Q_RV_MATCH | Q_TIMEOUT)
#define Q_WRITE (Q_DRY_RUN | Q_FIELD_MANAGER)
#define Q_PATCH (Q_DRY_RUN | Q_FIELD_MANAGER | Q_FORCE)
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
	{Q_LIMIT, "limit", "integer", "limit is a maximum number of responses to return for a list "
				      "call."},
	{Q_ORPHAN, "orphanDependents", "boolean",
	 "Deprecated: please use the PropagationPolicy."},
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
static const char *const produces_watch[] = {"application/json",
					     "application/json;stream=watch", NULL};

/* codes: "200", "201", ... each answered with def ("" for no schema). */
static cs_json *responses(const char *def, const char *codes)
{
	cs_json *r = cs_json_object();
	for (const char *c = codes; *c; c += 3) {
		char code[4] = {c[0], c[1], c[2], 0};
		cs_json *resp = cs_json_object();
		cs_json_set(resp, "description", str(!strcmp(code, "200")   ? "OK"
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
	cs_json_set(item, "get", operation(o, "get", desc, consumes_any, produces_json, id,
					   params(NULL, 0), responses(def, "200"), scale));
	snprintf(id, sizeof(id), "replace%s%s%s%s", o->camel, o->ns, t->kind, Sub);
	snprintf(desc, sizeof(desc), "replace %s of the specified %s", sub, t->kind);
	cs_json_set(item, "put", operation(o, "put", desc, consumes_any, produces_json, id,
					   params(body_param(def, true), Q_WRITE),
					   responses(def, "200201"), scale));
	snprintf(id, sizeof(id), "patch%s%s%s%s", o->camel, o->ns, t->kind, Sub);
	snprintf(desc, sizeof(desc), "partially update %s of the specified %s", sub, t->kind);
	cs_json_set(item, "patch", operation(o, "patch", desc, consumes_patch, produces_json, id,
					     params(body_param(PATCH_DEF, true), Q_PATCH),
					     responses(def, "200201"), scale));
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
	cs_json_set(c, "get", operation(&o, "list", desc, consumes_any, produces_watch, id,
					params(NULL, Q_LIST), responses(o.list_def, "200"), false));
	snprintf(id, sizeof(id), "create%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "create a %s", t->kind);
	cs_json_set(c, "post", operation(&o, "post", desc, consumes_any, produces_json, id,
					 params(body_param(o.def, true), Q_WRITE),
					 responses(o.def, "200201202"), false));
	snprintf(id, sizeof(id), "delete%sCollection%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "delete collection of %s", t->kind);
	cs_json_set(c, "delete", operation(&o, "deletecollection", desc, consumes_any,
					   produces_json, id,
					   params(body_param(DELETE_OPTIONS, false),
						  Q_DELETE_COLLECTION),
					   responses(STATUS_DEF, "200"), false));

	cs_json *it = path_item(paths, item_path, true, t->namespaced);
	snprintf(id, sizeof(id), "read%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "read the specified %s", t->kind);
	cs_json_set(it, "get", operation(&o, "get", desc, consumes_any, produces_json, id,
					 params(NULL, 0), responses(o.def, "200"), false));
	snprintf(id, sizeof(id), "replace%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "replace the specified %s", t->kind);
	cs_json_set(it, "put", operation(&o, "put", desc, consumes_any, produces_json, id,
					 params(body_param(o.def, true), Q_WRITE),
					 responses(o.def, "200201"), false));
	snprintf(id, sizeof(id), "patch%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "partially update the specified %s", t->kind);
	cs_json_set(it, "patch", operation(&o, "patch", desc, consumes_patch, produces_json, id,
					   params(body_param(PATCH_DEF, true), Q_PATCH),
					   responses(o.def, "200201"), false));
	snprintf(id, sizeof(id), "delete%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "delete a %s", t->kind);
	cs_json_set(it, "delete", operation(&o, "delete", desc, consumes_any, produces_json, id,
					    params(body_param(DELETE_OPTIONS, false), Q_DELETE),
					    responses(STATUS_DEF, "200202"), false));

	if (t->subresources & CS_SUB_STATUS)
		add_status_like(paths, &o, item_path, "status", "Status", false);
	if (t->subresources & CS_SUB_SCALE)
		add_status_like(paths, &o, item_path, "scale", "Scale", true);

	if (t->namespaced) {
		char all[320];
		snprintf(all, sizeof(all), "%s/%s", prefix, t->resource);
		cs_json *a = path_item(paths, all, false, false);
		snprintf(id, sizeof(id), "list%s%sForAllNamespaces", o.camel, t->kind);
		snprintf(desc, sizeof(desc), "list or watch objects of kind %s", t->kind);
		cs_json_set(a, "get", operation(&o, "list", desc, consumes_any, produces_watch, id,
						params(NULL, Q_LIST), responses(o.list_def, "200"),
						false));
		snprintf(all, sizeof(all), "%s/watch/%s", prefix, t->resource);
		a = path_item(paths, all, false, false);
		snprintf(id, sizeof(id), "watch%s%sListForAllNamespaces", o.camel, t->kind);
		snprintf(desc, sizeof(desc),
			 "watch individual changes to a list of %s. deprecated: use the 'watch' "
			 "parameter with a list operation instead.",
			 t->kind);
		cs_json_set(a, "get", operation(&o, "watchlist", desc, consumes_any, produces_watch,
						id, params(NULL, Q_LIST),
						responses(WATCH_EVENT, "200"), false));
	}

	char w[384];
	snprintf(w, sizeof(w), "%s/watch%s/%s", prefix, ns_seg, t->resource);
	cs_json *wl = path_item(paths, w, false, t->namespaced);
	snprintf(id, sizeof(id), "watch%s%s%sList", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc),
		 "watch individual changes to a list of %s. deprecated: use the 'watch' parameter "
		 "with a list operation instead.",
		 t->kind);
	cs_json_set(wl, "get", operation(&o, "watchlist", desc, consumes_any, produces_watch, id,
					 params(NULL, Q_LIST), responses(WATCH_EVENT, "200"),
					 false));
	snprintf(w, sizeof(w), "%s/watch%s/%s/{name}", prefix, ns_seg, t->resource);
	cs_json *wi = path_item(paths, w, true, t->namespaced);
	snprintf(id, sizeof(id), "watch%s%s%s", o.camel, o.ns, t->kind);
	snprintf(desc, sizeof(desc), "watch changes to an object of kind %s. deprecated: use the "
				     "'watch' parameter with a list operation instead, filtered to "
				     "a single item with the 'fieldSelector' parameter.", t->kind);
	cs_json_set(wi, "get", operation(&o, "watch", desc, consumes_any, produces_watch, id,
					 params(NULL, Q_LIST), responses(WATCH_EVENT, "200"),
					 false));
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
	add_meta_definitions(defs);
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

static void rewrite_refs(cs_json *v)
{
	static const char from[] = "#/definitions/";
	if (cs_json_is(v, CS_JSON_ARRAY)) {
		for (size_t i = 0; i < cs_json_len(v); i++)
			rewrite_refs(cs_json_at(v, i));
	} else if (cs_json_is(v, CS_JSON_OBJECT)) {
		for (size_t i = 0; i < v->u.obj.len; i++) {
			const char *s = cs_json_str(v->u.obj.vals[i]);
			if (!strcmp(v->u.obj.keys[i], "$ref") && s &&
			    !strncmp(s, from, sizeof(from) - 1)) {
				cs_json *n = cs_json_stringf("#/components/schemas/%s",
							     s + sizeof(from) - 1);
				cs_json_free(v->u.obj.vals[i]);
				v->u.obj.vals[i] = n;
			} else {
				rewrite_refs(v->u.obj.vals[i]);
			}
		}
	}
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
			cs_json_set(rb, "content", content(cs_json_get(op, "consumes"),
							   cs_json_get(p, "schema")));
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
			cs_json_set(n, "content", content(cs_json_get(op, "produces"),
							  cs_json_get(r, "schema")));
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

static cs_json *build_v3_doc(const cs_type *gv, const cs_json *v2_defs)
{
	cs_json *v2_paths = cs_json_object();
	cs_json *schemas = cs_json_object();
	static const char *const meta[] = {OBJECT_META,    LIST_META,   STATUS_DEF,
					   DELETE_OPTIONS, WATCH_EVENT, PATCH_DEF, NULL};
	for (const char *const *m = meta; *m; m++)
		cs_json_set(schemas, *m, cs_json_clone(cs_json_get(v2_defs, *m)));
	if (any_scale(gv))
		cs_json_set(schemas, SCALE_DEF, cs_json_clone(cs_json_get(v2_defs, SCALE_DEF)));
	for (size_t i = 0; i < cs_types_count; i++) {
		const cs_type *t = &cs_types[i];
		if (!same_gv(t, gv))
			continue;
		add_type_paths(v2_paths, t);
		char name[160];
		def_name(t, false, name, sizeof(name));
		cs_json_set(schemas, name, cs_json_clone(cs_json_get(v2_defs, name)));
		def_name(t, true, name, sizeof(name));
		cs_json_set(schemas, name, cs_json_clone(cs_json_get(v2_defs, name)));
	}
	rewrite_refs(schemas);

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

static void pb_key(pb *p, unsigned field, unsigned wt) { pb_varint(p, (uint64_t)field << 3 | wt); }

static void pb_bytes(pb *p, unsigned field, const void *d, size_t n)
{
	pb_key(p, field, WT_LEN);
	pb_varint(p, n);
	pb_raw(p, d, n);
}

static void pb_string(pb *p, unsigned field, const char *s) { pb_bytes(p, field, s, strlen(s)); }

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
	static const char *const words[] = {"true", "false", "yes", "no", "on", "off",
					    "null", "y", "n", NULL};
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
		{"$ref", 1, 's'},         {"format", 2, 's'},    {"title", 3, 's'},
		{"description", 4, 's'},  {"uniqueItems", 16, 'b'}, {"required", 19, 'S'},
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
	static const fmap body_map[] = {
		{"description", 1, 's'}, {"name", 2, 's'}, {"in", 3, 's'}, {"required", 4, 'b'},
		{NULL, 0, 0}};
	static const fmap query_map[] = {
		{"required", 1, 'b'}, {"in", 2, 's'},          {"description", 3, 's'},
		{"name", 4, 's'},     {"allowEmptyValue", 5, 'b'}, {"type", 6, 's'},
		{"format", 7, 's'},   {"uniqueItems", 20, 'b'}, {NULL, 0, 0}};
	static const fmap path_map[] = {
		{"required", 1, 'b'}, {"in", 2, 's'},    {"description", 3, 's'},
		{"name", 4, 's'},     {"type", 5, 's'},  {"format", 6, 's'},
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
	static const char *const methods[] = {"get", "put", "post", "delete", "options", "head",
					      "patch", NULL};
	static const fmap op_map[] = {
		{"tags", 1, 'S'},     {"summary", 2, 's'},  {"description", 3, 's'},
		{"operationId", 5, 's'}, {"produces", 6, 'S'}, {"consumes", 7, 'S'},
		{"schemes", 10, 'S'}, {"deprecated", 11, 'b'}, {NULL, 0, 0}};
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
	static const fmap map[] = {
		{"swagger", 1, 's'},  {"host", 3, 's'},     {"basePath", 4, 's'},
		{"schemes", 5, 'S'},  {"consumes", 6, 'S'}, {"produces", 7, 'S'},
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
