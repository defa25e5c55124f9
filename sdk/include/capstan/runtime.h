/* capstan module ABI v1: container runtime backends.
 *
 * The verbs of the Kubernetes Container Runtime Interface (CRI), which the
 * node agent calls to run pods.  Configurations and statuses are objects
 * shaped like CRI's messages, with the field names of CRI's JSON mapping
 * (lowerCamelCase), so that a backend can be written from the CRI docs:
 *
 *   PodSandboxConfig: metadata {name, uid, namespace, attempt}, hostname,
 *     logDirectory, dnsConfig, portMappings, labels, annotations,
 *     linux {cgroupParent, securityContext {namespaceOptions, ...}}
 *   ContainerConfig: metadata {name, attempt}, image {image}, command,
 *     args, workingDir, envs [{key, value}], mounts [{containerPath,
 *     hostPath, readonly}], labels, annotations, logPath, stdin, tty,
 *     linux {resources, securityContext}
 *   PodSandboxStatus: id, metadata, state (SANDBOX_READY|SANDBOX_NOTREADY),
 *     createdAt (ns), network {ip, additionalIps}, linux {namespaces}
 *   ContainerStatus: id, metadata, state (CONTAINER_CREATED|RUNNING|
 *     EXITED|UNKNOWN), createdAt, startedAt, finishedAt (ns), exitCode,
 *     image, imageRef, reason, message, logPath
 *
 * Every verb returns 0 or -1 with *err filled (errorf).  Ids are
 * NUL-terminated strings of at most CS_RUNTIME_ID_MAX - 1 bytes chosen by
 * the backend.  The agent calls verbs from several worker threads at once
 * (for different pods, and status calls at any time): a backend must be
 * thread-safe.  A verb on an unknown id fails with err->code 404. */
#ifndef CAPSTAN_RUNTIME_H
#define CAPSTAN_RUNTIME_H

#include <capstan/module.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CS_RUNTIME_ID_MAX 128

typedef struct cs_runtime_ops {
	size_t size; /* sizeof(cs_runtime_ops) */
	/* Runtime name and version for Node.status.nodeInfo
	 * (containerRuntimeVersion: "<name>://<version>"). */
	const char *runtime_name;
	const char *runtime_version;

	/* Pod sandboxes: the shared namespaces, cgroup and network of a pod. */
	int (*run_pod_sandbox)(cs_mod *m, const cs_object *config, char id[CS_RUNTIME_ID_MAX],
			       cs_error *err);
	/* Stop every container of the sandbox and release its resources;
	 * idempotent. */
	int (*stop_pod_sandbox)(cs_mod *m, const char *id, cs_error *err);
	int (*remove_pod_sandbox)(cs_mod *m, const char *id, cs_error *err);
	/* *status: PodSandboxStatus (owned by the caller). */
	int (*pod_sandbox_status)(cs_mod *m, const char *id, cs_object **status, cs_error *err);
	/* *list: array of {id, metadata, state, createdAt, labels}. */
	int (*list_pod_sandboxes)(cs_mod *m, cs_object **list, cs_error *err);

	/* Containers inside a sandbox. */
	int (*create_container)(cs_mod *m, const char *sandbox_id, const cs_object *config,
				const cs_object *sandbox_config, char id[CS_RUNTIME_ID_MAX],
				cs_error *err);
	int (*start_container)(cs_mod *m, const char *id, cs_error *err);
	/* SIGTERM (or the image's stop signal), SIGKILL after timeout_s. */
	int (*stop_container)(cs_mod *m, const char *id, int64_t timeout_s, cs_error *err);
	int (*remove_container)(cs_mod *m, const char *id, cs_error *err);
	/* *status: ContainerStatus (owned). */
	int (*container_status)(cs_mod *m, const char *id, cs_object **status, cs_error *err);
	/* *list: array of {id, podSandboxId, metadata, state, createdAt,
	 * labels}; sandbox_id NULL for all. */
	int (*list_containers)(cs_mod *m, const char *sandbox_id, cs_object **list, cs_error *err);

	/* Run argv in the container with the given descriptors (-1: none);
	 * waits for it, up to timeout_s (0: no limit), and stores its exit
	 * status. */
	int (*exec)(cs_mod *m, const char *id, const char *const *argv, int stdin_fd, int stdout_fd,
		    int stderr_fd, bool tty, int64_t timeout_s, int *exit_code, cs_error *err);
	/* Copy the container's log (CRI log format lines in its logPath),
	 * the last tail_lines (-1: all), to out_fd; with follow, keep copying
	 * until the container exits or out_fd's reader goes away. */
	int (*container_logs)(cs_mod *m, const char *id, int out_fd, int64_t tail_lines,
			      bool follow, cs_error *err);

	/* Images. auth: {username, password} or {auth} or NULL.  *ref
	 * receives the image's digest reference (owned text). */
	int (*pull_image)(cs_mod *m, const char *image, const cs_object *auth, char **ref,
			  cs_error *err);
	/* *status: {id, repoTags, repoDigests, size} or NULL when absent. */
	int (*image_status)(cs_mod *m, const char *image, cs_object **status, cs_error *err);
	int (*remove_image)(cs_mod *m, const char *image, cs_error *err);
} cs_runtime_ops;

#ifdef __cplusplus
}
#endif

#endif
