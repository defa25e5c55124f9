/* Zones and the rate at which their nodes get NoExecute taints, as
 * Kubernetes' node lifecycle controller computes them: a zone whose nodes
 * are mostly not ready is more likely cut off from the control plane than
 * broken, so evicting from it slows down or stops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

/* Label values by key: label keys hold '.' and '/', which paths escape. */
static const char *label(const cs_host *h, const cs_object *node, const char *key)
{
	const cs_object *labels = h->obj_get(node, "metadata.labels");
	for (size_t i = 0; i < h->obj_len(labels) && h->obj_type(labels) == CS_OBJ_MAP; i++)
		if (!strcmp(h->obj_key_at(labels, i), key))
			return h->obj_str(h->obj_at(labels, i), NULL);
	return NULL;
}

void nl_zone_key(const cs_host *h, const cs_object *node, char *buf, size_t n)
{
	const char *region = label(h, node, "topology.kubernetes.io/region");
	const char *zone = label(h, node, "topology.kubernetes.io/zone");
	if (!region)
		region = label(h, node, "failure-domain.beta.kubernetes.io/region");
	if (!zone)
		zone = label(h, node, "failure-domain.beta.kubernetes.io/zone");
	if (!region && !zone)
		snprintf(buf, n, "%s", "");
	else
		snprintf(buf, n, "%s:%s", region ? region : "", zone ? zone : "");
}

char nl_ready_status(const cs_host *h, const cs_object *node)
{
	const cs_object *conds = h->obj_get(node, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++) {
		const cs_object *c = h->obj_at(conds, i);
		const char *type = h->obj_str(c, "type");
		if (!type || strcmp(type, "Ready"))
			continue;
		const char *s = h->obj_str(c, "status");
		return !s ? 'U' : !strcmp(s, "True") ? 'T' : !strcmp(s, "False") ? 'F' : 'U';
	}
	return 0;
}

struct count {
	const cs_host *h;
	nl_map *ready, *notready; /* zone -> (void *)(uintptr_t)count */
	bool oom;
};

static void bump(struct count *c, nl_map *map, const char *zone)
{
	uintptr_t n = (uintptr_t)nl_map_get(map, zone);
	if (n)
		nl_map_take(map, zone);
	if (nl_map_put(map, zone, (void *)(n + 1)) < 0)
		c->oom = true;
}

static bool count_visit(void *arg, const cs_object *node)
{
	struct count *c = arg;
	char zone[256];
	nl_zone_key(c->h, node, zone, sizeof(zone));
	/* Every zone is in `ready`, with a count of 0 or more (+1). */
	if (!nl_map_get(c->ready, zone) && nl_map_put(c->ready, zone, (void *)1) < 0)
		c->oom = true;
	if (nl_ready_status(c->h, node) == 'T')
		bump(c, c->ready, zone);
	else
		bump(c, c->notready, zone);
	return !c->oom;
}

struct apply {
	cs_mod *m;
	nl_ctrl *nl;
	nl_map *ready, *notready;
	bool all_full, any;
	bool oom;
};

static const char *state_name(enum nl_zone_state s)
{
	return s == ZONE_NORMAL    ? "Normal"
	       : s == ZONE_PARTIAL ? "PartialDisruption"
				   : "FullDisruption";
}

static bool apply_visit(void *arg, const char *key, void *val)
{
	struct apply *a = arg;
	nl_ctrl *nl = a->nl;
	uintptr_t ready = (uintptr_t)val - 1, notready = (uintptr_t)nl_map_get(a->notready, key);
	/* ComputeZoneState */
	enum nl_zone_state st = ZONE_NORMAL;
	if (!ready && notready)
		st = ZONE_FULL;
	else if (notready > 2 &&
		 (double)notready / (double)(notready + ready) >= nl->unhealthy_threshold)
		st = ZONE_PARTIAL;
	a->any = true;
	a->all_full = a->all_full && st == ZONE_FULL;
	nl_zone *z = nl_map_get(&nl->zones, key);
	if (!z) {
		if (!(z = calloc(1, sizeof(*z))) || nl_map_put(&nl->zones, key, z) < 0) {
			free(z);
			a->oom = true;
			return false;
		}
		z->tokens = 1;
		z->last_ms = nl_mono_ms();
		z->rate = -1; /* set below */
		z->state = st;
	} else if (z->state != st) {
		a->m->host->log(a->m, CS_LOG_INFO, "zone \"%s\" is now in state %s", key,
				state_name(st));
		z->state = st;
	}
	z->seen = true;
	/* setLimiterInZone: a partly disrupted zone evicts at the secondary
	 * rate when large, not at all when small; a fully disrupted one at
	 * the normal rate (unless every zone is: see all_disrupted). */
	size_t size = ready + notready;
	double rate = st == ZONE_PARTIAL
			      ? ((int64_t)size > nl->large_cluster ? nl->secondary_rate : 0)
			      : nl->rate;
	if (rate != z->rate) {
		/* SwapLimiter: the tokens earned at the old rate are kept (a
		 * bucket of burst 1: full, or as empty as the old one was). */
		uint64_t now = nl_mono_ms();
		if (z->rate > 0)
			z->tokens += (double)(now - z->last_ms) * z->rate / 1000.0;
		if (z->tokens > 1)
			z->tokens = 1;
		z->last_ms = now;
		z->rate = rate;
	}
	return false;
}

static bool drop_unseen(void *arg, const char *key, void *val)
{
	(void)arg;
	(void)key;
	nl_zone *z = val;
	if (z->seen) {
		z->seen = false;
		return false;
	}
	free(z);
	return true;
}

void nl_zones_update(cs_mod *m)
{
	const cs_host *h = m->host;
	nl_ctrl *nl = nl_of(m);
	nl_map ready, notready;
	if (nl_map_init(&ready) < 0 || nl_map_init(&notready) < 0) {
		nl_map_free(&ready, NULL);
		h->log(m, CS_LOG_ERROR, "out of memory computing zone states");
		return;
	}
	struct count c = {h, &ready, &notready, false};
	h->cache_each(nl->nodes, NULL, NULL, count_visit, &c);
	if (c.oom) {
		h->log(m, CS_LOG_ERROR, "out of memory computing zone states");
	} else {
		pthread_mutex_lock(&nl->mu);
		struct apply a = {m, nl, &ready, &notready, true, false, false};
		nl_map_filter(&ready, apply_visit, &a);
		nl_map_filter(&nl->zones, drop_unseen, NULL);
		bool all = a.any && a.all_full && !a.oom;
		if (all != nl->all_disrupted)
			h->log(m, CS_LOG_INFO, "%s",
			       all ? "Controller detected that all Nodes are not-Ready. Entering "
				     "master disruption mode."
				   : "Controller detected that some Nodes are Ready. Exiting "
				     "master "
				     "disruption mode.");
		nl->all_disrupted = all;
		nl->zones_ms = nl_mono_ms();
		pthread_mutex_unlock(&nl->mu);
	}
	nl_map_free(&ready, NULL);
	nl_map_free(&notready, NULL);
}

uint32_t nl_zone_take(cs_mod *m, const char *zone)
{
	nl_ctrl *nl = nl_of(m);
	uint32_t wait = 0;
	uint64_t now = nl_mono_ms();
	pthread_mutex_lock(&nl->mu);
	nl_zone *z = nl_map_get(&nl->zones, zone);
	if (!z) {
		/* A node the monitor has not counted yet: its zone's first
		 * pass decides its rate. */
		wait = nl->period_ms;
	} else if (z->rate <= 0) {
		wait = nl->period_ms; /* evictions stopped in this zone */
	} else {
		z->tokens += (double)(now - z->last_ms) * z->rate / 1000.0;
		if (z->tokens > 1)
			z->tokens = 1; /* burst 1, as Kubernetes' limiter */
		z->last_ms = now;
		if (z->tokens >= 1) {
			z->tokens -= 1;
		} else {
			double ms = (1 - z->tokens) / z->rate * 1000.0 + 1;
			wait = ms > 3600000 ? 3600000 : (uint32_t)ms;
		}
	}
	pthread_mutex_unlock(&nl->mu);
	return wait;
}
