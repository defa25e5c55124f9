/* Maps Kubernetes API paths onto the type table. */
#include <stdio.h>
#include <string.h>

#include "api.h"

#define MAX_SEGS 12

static size_t split(char *path, char **segs)
{
	size_t n = 0;
	for (char *tok = strtok(path, "/"); tok && n < MAX_SEGS; tok = strtok(NULL, "/"))
		segs[n++] = tok;
	return n;
}

static bool valid_segment(const char *s)
{
	/* Names never contain these; refuse before they reach store keys. */
	return s && *s && strcmp(s, ".") && strcmp(s, "..") && !strpbrk(s, "/\\");
}

void cs_api_dispatch(cs_req *r)
{
	if (cs_api_discovery(r))
		return;

	char path[sizeof(r->path)];
	snprintf(path, sizeof(path), "%s", r->path);
	char *segs[MAX_SEGS];
	size_t n = split(path, segs);
	const char *group, *version;
	size_t i;
	if (n >= 2 && !strcmp(segs[0], "api")) {
		group = "";
		version = segs[1];
		i = 2;
	} else if (n >= 3 && !strcmp(segs[0], "apis")) {
		group = segs[1];
		version = segs[2];
		i = 3;
	} else {
		cs_reply_error(r, 404, "NotFound",
			       "the server could not find the requested resource");
		return;
	}
	char **rest = segs + i;
	size_t rn = n - i;
	/* Legacy /api/v1/watch/... paths. */
	bool legacy_watch = false;
	if (rn && !strcmp(rest[0], "watch")) {
		legacy_watch = true;
		rest++;
		rn--;
	}
	cs_target tg = {0};
	if (rn >= 3 && !strcmp(rest[0], "namespaces") &&
	    !(rn == 3 && (!strcmp(rest[2], "status") || !strcmp(rest[2], "finalize")))) {
		tg.ns = rest[1];
		tg.type = cs_type_find(group, version, rest[2]);
		if (tg.type && !tg.type->namespaced)
			tg.type = NULL;
		tg.name = rn >= 4 ? rest[3] : NULL;
		tg.sub = rn >= 5 ? rest[4] : NULL;
		if (rn > 5)
			tg.type = NULL;
		if (!valid_segment(tg.ns))
			tg.type = NULL;
	} else if (rn >= 1) {
		tg.type = cs_type_find(group, version, rest[0]);
		tg.name = rn >= 2 ? rest[1] : NULL;
		tg.sub = rn >= 3 ? rest[2] : NULL;
		if (rn > 3)
			tg.type = NULL;
		/* A namespaced kind addressed without a namespace is only a
		 * collection (list across all namespaces). */
		if (tg.type && tg.type->namespaced && tg.name)
			tg.type = NULL;
	}
	if (!tg.type || (tg.name && !valid_segment(tg.name))) {
		cs_reply_error(r, 404, "NotFound",
			       "the server could not find the requested resource");
		return;
	}
	if (tg.sub) {
		bool ok = (!strcmp(tg.sub, "status") && (tg.type->subresources & CS_SUB_STATUS)) ||
			  (!strcmp(tg.sub, "scale") && (tg.type->subresources & CS_SUB_SCALE)) ||
			  (!strcmp(tg.sub, "finalize") &&
			   (tg.type->subresources & CS_SUB_FINALIZE)) ||
			  (!strcmp(tg.sub, "binding") && !strcmp(tg.type->resource, "pods") &&
			   r->method == CS_POST);
		if (!ok) {
			cs_reply_error(r, 404, "NotFound",
				       "the server could not find the requested resource");
			return;
		}
	}
	if (legacy_watch) {
		if (r->nq < 32) {
			r->qk[r->nq] = strdup("watch");
			r->qv[r->nq] = strdup("true");
			r->nq++;
		}
	}
	cs_api_objects(r, &tg);
}
