/* The kinds an ownerReference can name and how to reach their objects:
 * what the API's discovery says it serves (cs_host.discover), read once
 * at start.  An owner of a kind the API does not serve cannot be looked
 * up: its dependents are left alone (Kubernetes' garbage collector does
 * the same for a kind its discovery does not know). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gc.h"

/* Written in start, before any informer or worker runs; read-only after. */
static gc_kind *kinds;
static size_t nkinds;

static char *dup_str(const char *s)
{
	return strdup(s ? s : "");
}

void gc_kinds_free(void)
{
	for (size_t i = 0; i < nkinds; i++) {
		free((char *)kinds[i].group);
		free((char *)kinds[i].version);
		free((char *)kinds[i].kind);
		free((char *)kinds[i].resource);
	}
	free(kinds);
	kinds = NULL;
	nkinds = 0;
}

int gc_kinds_load(cs_mod *m)
{
	const cs_host *h = m->host;
	const cs_object *all = NULL;
	cs_error err;
	if (h->discover(m, &all, &err)) {
		h->log(m, CS_LOG_ERROR, "cannot discover the API's resources: %s", err.message);
		return -1;
	}
	gc_kinds_free();
	size_t n = h->obj_len(all);
	kinds = calloc(n ? n : 1, sizeof(*kinds));
	int rc = kinds ? 0 : -1;
	for (size_t i = 0; !rc && i < n; i++) {
		const cs_object *e = h->obj_at(all, i);
		const char *group = h->obj_str(e, "group");
		const char *res = h->obj_str(e, "resource");
		char full[320];
		snprintf(full, sizeof(full), "%s%s%s", res ? res : "", group && *group ? "." : "",
			 group ? group : "");
		gc_kind *k = &kinds[nkinds++];
		k->group = dup_str(group);
		k->version = dup_str(h->obj_str(e, "version"));
		k->kind = dup_str(h->obj_str(e, "kind"));
		k->resource = dup_str(full);
		k->namespaced = h->obj_bool(e, "namespaced", false);
		if (!k->group || !k->version || !k->kind || !k->resource)
			rc = -1;
	}
	h->obj_free(all);
	if (rc)
		h->log(m, CS_LOG_ERROR, "out of memory reading the API's resources");
	return rc;
}

#define NKINDS nkinds

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
