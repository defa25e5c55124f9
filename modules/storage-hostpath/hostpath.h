/* storage-hostpath: shared state of the directory-backed provisioner.
 *
 * Layout under base-dir, one directory per volume:
 *   <id>/volume.json  {"name", "capacityBytes", "createdAt"}
 *   <id>/data/        what node_publish bind-mounts for the pod
 * The metadata sits beside the data, not in it, so a pod cannot alter the
 * accounting of its own volume. */
#ifndef HOSTPATH_H
#define HOSTPATH_H

#include <capstan/storage.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HP_NAME_MAX 200

typedef struct hostpath {
	cs_mod *m;
	const cs_host *h;
	pthread_mutex_t mu; /* every verb: they touch shared directories */
	char *base;
	bool overcommit;
} hostpath;

static inline hostpath *hostpath_of(cs_mod *m)
{
	return m->host->data(m);
}

/* A volume id is a single, harmless path component. */
int hp_check_id(const cs_host *h, const char *what, const char *id, cs_error *err);

/* mount.c */
int hp_node_publish(cs_mod *m, const char *id, const char *target_path, bool readonly,
		    const cs_object *context, cs_error *err);
int hp_node_unpublish(cs_mod *m, const char *id, const char *target_path, cs_error *err);

#endif
