/* The type table: every kind the API serves is one row here.  Adding a kind
 * is a table entry; validation, defaulting, table columns and OpenAPI
 * schemas are looked up by the row, never by a new code path in the API. */
#ifndef CS_TYPES_H
#define CS_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "status.h"

enum {
	CS_SUB_STATUS = 1 << 0,
	CS_SUB_SCALE = 1 << 1,
	/* namespaces/finalize: PUT replaces spec.finalizers, nothing else */
	CS_SUB_FINALIZE = 1 << 2,
};

typedef struct cs_type {
	const char *group;     /* "" for the core group */
	const char *version;   /* "v1" */
	const char *resource;  /* plural, "pods" */
	const char *singular;  /* "pod" */
	const char *kind;      /* "Pod" */
	const char *list_kind; /* "PodList" */
	bool namespaced;
	const char *short_names[4]; /* NULL-terminated */
	unsigned subresources;      /* CS_SUB_* */
	/* For the scale subresource: where replicas live in spec and status,
	 * and the selector. */
	bool has_spec; /* spec changes bump metadata.generation */
} cs_type;

extern const cs_type cs_types[];
extern const size_t cs_types_count;

/* "apps/v1" for a group, "v1" for core. Static buffer per type. */
const char *cs_type_api_version(const cs_type *t);
const cs_type *cs_type_find(const char *group, const char *version, const char *resource);
/* Find by apiVersion ("apps/v1" or "v1") and kind ("Deployment"). */
const cs_type *cs_type_by_kind(const char *api_version, const char *kind);
/* Resolve what a CLI user types: plural, singular, short name or kind,
 * case-insensitive, optionally "resource.group". */
const cs_type *cs_type_resolve(const char *name);

/* ---- Implemented in core/validate.c ---- */

/* Fill defaults the way the Kubernetes API server does for the fields the
 * orchestrator acts on (e.g. pod restartPolicy Always, container
 * imagePullPolicy, terminationMessagePath, deployment strategy, replicas 1,
 * service type ClusterIP, ...). Called on create and update before
 * validation. */
void cs_type_default(const cs_type *t, cs_json *obj);

/* Validate obj (old is the stored object on update, NULL on create).
 * Returns 0, or -1 with st set to 422 Invalid and one cause per violation:
 * st->reason "Invalid", st->kind = t->kind, st->name = object name,
 * message like Kubernetes': `Pod "x" is invalid: spec.containers[0].image:
 * Required value`. */
int cs_type_validate(const cs_type *t, const cs_json *obj, const cs_json *old, cs_status *st);
/* The same for a write through subresource sub (NULL: the main resource).
 * A pod's status write or binding does not validate the spec again when it
 * is the stored one (as Kubernetes' pod status and binding strategies). */
int cs_type_validate_sub(const cs_type *t, const cs_json *obj, const cs_json *old, const char *sub,
			 cs_status *st);

/* ---- Implemented in core/table.c ---- */

/* Build a meta.k8s.io/v1 Table for a list of objects (items: JSON array of
 * full objects) with the columns Kubernetes shows for t's kind
 * (kubectl get), rows carrying PartialObjectMetadata per includeObject
 * ("None", "Metadata" (default) or "Object"). resource_version and cont
 * go into the Table's metadata. */
cs_json *cs_table_build(const cs_type *t, const cs_json *items, const char *include_object,
			const char *resource_version, const char *cont);

/* Kubernetes' short human duration ("5s", "3m2s", "2d3h"; "<invalid>" for
 * negative), as in the AGE column.  Writes into buf, returns buf. */
const char *cs_human_duration(int64_t secs, char *buf, size_t len);

/* ---- Implemented in core/openapi.c ---- */

/* OpenAPI v2 document as JSON (for Accept: application/json). */
cs_json *cs_openapi_v2_json(void);
/* Same document encoded as the gnostic openapi_v2.Document protobuf, which
 * kubectl requests (application/com.github.proto-openapi.spec.v2@v1.0+protobuf).
 * Returns malloc'd bytes, length in *len. */
unsigned char *cs_openapi_v2_proto(size_t *len);
/* OpenAPI v3 discovery index: {"paths":{"api/v1":{"serverRelativeURL":...}}} */
cs_json *cs_openapi_v3_index(void);
/* OpenAPI v3 document for one group version ("api/v1", "apis/apps/v1"), NULL
 * if unknown. */
cs_json *cs_openapi_v3_doc(const char *gv_path);

#endif
