/* capstan module ABI v1: storage provisioners.
 *
 * The verbs of the Container Storage Interface (CSI) that a single-binary
 * orchestrator needs: the controller side (create, delete, expand a
 * volume) and the node side (publish a volume at a path for a pod,
 * unpublish it).  A StorageClass whose `provisioner` equals the module's
 * `provisioner` string is served by this module.
 *
 * Volumes are identified by the volume id the module returns from
 * create_volume (at most CS_VOLUME_ID_MAX - 1 bytes), recorded in the
 * PersistentVolume (spec.csi.volumeHandle).  create_volume must be
 * idempotent by name: a second call with the same name and capacity returns
 * the same volume.  delete_volume and node_unpublish of something that is
 * not there succeed.  Calls may come from several threads: a provisioner
 * must be thread-safe.  Every verb returns 0 or -1 with *err filled. */
#ifndef CAPSTAN_STORAGE_H
#define CAPSTAN_STORAGE_H

#include <capstan/module.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CS_VOLUME_ID_MAX 256

typedef struct cs_volume_request {
	size_t size;      /* sizeof(cs_volume_request) */
	const char *name; /* unique, from the PVC: "pvc-<uid>" */
	int64_t capacity_bytes;
	/* StorageClass.parameters (a map of strings) or NULL */
	const cs_object *parameters;
	/* PersistentVolumeClaim.spec.accessModes values, NULL-terminated */
	const char *const *access_modes;
} cs_volume_request;

typedef struct cs_storage_ops {
	size_t size;             /* sizeof(cs_storage_ops) */
	const char *provisioner; /* "capstan.io/hostpath" */

	/* *capacity receives the size actually provisioned (>= requested);
	 * *context (owned, may stay NULL): a map of strings passed back to
	 * node_publish (CSI volume_context). */
	int (*create_volume)(cs_mod *m, const cs_volume_request *req, char id[CS_VOLUME_ID_MAX],
			     int64_t *capacity, cs_object **context, cs_error *err);
	int (*delete_volume)(cs_mod *m, const char *id, cs_error *err);
	/* Grow to at least capacity_bytes; *capacity receives the new size. */
	int (*expand_volume)(cs_mod *m, const char *id, int64_t capacity_bytes, int64_t *capacity,
			     cs_error *err);
	/* Make the volume available at target_path (created by the caller as
	 * an empty directory); readonly as the pod's mount says. */
	int (*node_publish)(cs_mod *m, const char *id, const char *target_path, bool readonly,
			    const cs_object *context, cs_error *err);
	int (*node_unpublish)(cs_mod *m, const char *id, const char *target_path, cs_error *err);
} cs_storage_ops;

#ifdef __cplusplus
}
#endif

#endif
