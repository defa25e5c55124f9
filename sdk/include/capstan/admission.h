/* capstan module ABI v1 (minor 1 and later): admission plugins.
 *
 * An admission module sees writes to the API before they are stored, as
 * Kubernetes' admission plugins and admission webhooks do.  Mutating
 * admission may change the object; validating admission allows or denies
 * it.  For every create and update (PUT and PATCH, of the resource or of a
 * subresource it names) the API server runs, in this order:
 *
 *   defaulting -> built-in admission -> mutate of every admission module
 *   -> validation of the object -> validate of every admission module
 *   -> the compare-and-swap write
 *
 * Modules are called in the order of their sections in capstan.conf; the
 * first that denies ends the request with its error.  A validating module
 * therefore only ever sees objects that passed validation, and sees them
 * as they will be stored (but for resourceVersion and generation).
 *
 * Threads: calls run on the API server's admission threads, several at
 * once (for different requests), never on the API event loop.  Callbacks
 * must be thread-safe; they should answer from the module's informer
 * caches.  They may call the API (host->call): such calls get defaulting,
 * validation and built-in admission, but no module admission, so that an
 * admission module cannot wait on itself.  While a request is in admission
 * it waits; other requests are served meanwhile.  A request that was
 * admitted can still fail afterwards (409 Conflict when the object changed
 * in between): side effects made during admission (such as usage charged
 * to a quota) must tolerate that, as in Kubernetes.
 *
 * Denying: return -1 after filling err with m->host->errorf.  err->code is
 * the HTTP status the client gets: 403 (reason "Forbidden") is the usual
 * answer, and its message is prefixed the way the Kubernetes API server
 * does: `pods "web-1" is forbidden: <message>`.  Other codes (422, 409,
 * 429, 500) are passed through with err->message as the Status message.
 * Returning -1 without a code (err->code 0) denies with 500
 * InternalError. */
#ifndef CAPSTAN_ADMISSION_H
#define CAPSTAN_ADMISSION_H

#include <capstan/module.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Operations, as a mask in cs_admission_ops.operations and one bit in
 * cs_admission_request.operation. */
enum cs_admission_op {
	CS_ADMIT_CREATE = 1u << 0,
	CS_ADMIT_UPDATE = 1u << 1, /* PUT and PATCH */
};

typedef struct cs_admission_request {
	size_t size; /* sizeof(cs_admission_request) in the running core */
	enum cs_admission_op operation;
	/* RESOURCE[.GROUP] as kubectl spells it: "pods", "deployments.apps". */
	const char *resource;
	const char *subresource; /* NULL, or "status", "scale", "binding" */
	const char *ns;          /* namespace; NULL for cluster-scoped objects */
	const char *name;        /* final name (generateName already applied) */
	/* UPDATE: the stored object the update replaces (borrowed); NULL on
	 * CREATE. */
	const cs_object *old;
	/* dryRun=All: nothing will be stored; make no lasting side effects. */
	bool dry_run;
} cs_admission_request;

typedef struct cs_admission_ops {
	size_t size; /* sizeof(cs_admission_ops) */
	/* What the module admits: NULL-terminated RESOURCE[.GROUP] entries
	 * ("pods", "persistentvolumeclaims", "deployments.apps"), each
	 * optionally with "/SUBRESOURCE" ("pods/status"); a bare resource
	 * does not cover its subresources.  "*" is every resource without a
	 * subresource.  The host reads the list from start on, so a module
	 * may fill it in init (from its options). */
	const char *const *resources;
	/* Mask of enum cs_admission_op. */
	uint32_t operations;
	/* Mutating admission, or NULL.  obj is the object to be stored,
	 * writable by this call (obj_set, obj_remove, obj_patch); the host
	 * owns it.  Return 0 to go on, -1 to deny. */
	int (*mutate)(cs_mod *m, const cs_admission_request *req, cs_object *obj, cs_error *err);
	/* Validating admission, or NULL.  obj is the final, valid object
	 * (borrowed).  Return 0 to allow, -1 to deny. */
	int (*validate)(cs_mod *m, const cs_admission_request *req, const cs_object *obj,
			cs_error *err);
} cs_admission_ops;

#ifdef __cplusplus
}
#endif

#endif
