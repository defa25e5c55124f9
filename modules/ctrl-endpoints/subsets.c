/* The subsets of an Endpoints object as Kubernetes' endpoints.RepackSubsets
 * makes them: every (address, port, ready) the controller found is mapped
 * to the set of addresses behind each port, ports with the same set of
 * addresses share one subset, and addresses are sorted by IP then pod uid.
 * An address that is ready for a port counts as ready there even if it was
 * also seen not ready. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep.h"

typedef struct addr {
	cs_object *obj; /* owned */
	const char *ip, *uid;
} addr;

typedef struct tup {
	size_t a, p;
	bool ready;
} tup;

struct ep_build {
	const cs_host *h;
	addr *addrs;
	size_t naddrs, capaddrs;
	const cs_object **ports; /* borrowed; NULL: the no-port sentinel */
	size_t nports, capports;
	tup *tups;
	size_t ntups, captups;
};

static bool grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 16;
	void *a = realloc(*arr, c * size);
	if (!a)
		return false;
	*arr = a;
	*cap = c;
	return true;
}

ep_build *ep_build_new(const cs_host *h)
{
	ep_build *b = calloc(1, sizeof(*b));
	if (b)
		b->h = h;
	return b;
}

void ep_build_free(ep_build *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->naddrs; i++)
		b->h->obj_free(b->addrs[i].obj);
	free(b->addrs);
	free(b->ports);
	free(b->tups);
	free(b);
}

static bool same_port(const cs_host *h, const cs_object *a, const cs_object *b)
{
	if (!a || !b)
		return a == b;
	return h->obj_equal(a, b);
}

int ep_build_add(ep_build *b, cs_object *address, const cs_object *port, bool ready)
{
	const cs_host *h = b->h;
	const char *ip = h->obj_str(address, "ip") ?: "";
	const char *uid = h->obj_str(address, "targetRef.uid") ?: "";
	size_t a = 0, p = 0;
	/* The first address of a key is kept, as Kubernetes keeps it. */
	for (; a < b->naddrs; a++)
		if (!strcmp(b->addrs[a].ip, ip) && !strcmp(b->addrs[a].uid, uid))
			break;
	if (a == b->naddrs) {
		if (!grow((void **)&b->addrs, &b->capaddrs, b->naddrs, sizeof(*b->addrs))) {
			h->obj_free(address);
			return -1;
		}
		b->addrs[b->naddrs++] = (addr){address, ip, uid};
	} else {
		h->obj_free(address);
	}
	for (; p < b->nports; p++)
		if (same_port(h, b->ports[p], port))
			break;
	if (p == b->nports) {
		if (!grow((void **)&b->ports, &b->capports, b->nports, sizeof(*b->ports)))
			return -1;
		b->ports[b->nports++] = port;
	}
	if (!grow((void **)&b->tups, &b->captups, b->ntups, sizeof(*b->tups)))
		return -1;
	b->tups[b->ntups++] = (tup){a, p, ready};
	return 0;
}

/* LessEndpointAddress: IP bytes, then the target's uid. */
static int addr_cmp(const void *pa, const void *pb)
{
	const addr *a = *(const addr *const *)pa, *b = *(const addr *const *)pb;
	int c = strcmp(a->ip, b->ip);
	return c ? c : strcmp(a->uid, b->uid);
}

struct port_key {
	const cs_host *h;
	const cs_object *port;
};

static int port_cmp(const void *pa, const void *pb)
{
	const struct port_key *a = pa, *b = pb;
	const cs_host *h = a->h;
	int c = strcmp(h->obj_str(a->port, "name") ?: "", h->obj_str(b->port, "name") ?: "");
	if (c)
		return c;
	int64_t x = h->obj_int(a->port, "port", 0), y = h->obj_int(b->port, "port", 0);
	if (x != y)
		return x < y ? -1 : 1;
	return strcmp(h->obj_str(a->port, "protocol") ?: "", h->obj_str(b->port, "protocol") ?: "");
}

struct sub_key {
	char *json;
	cs_object *obj;
};

static int sub_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct sub_key *)pa)->json, ((const struct sub_key *)pb)->json);
}

/* One subset: the addresses of state row `row` (0 absent, 1 not ready,
 * 2 ready) in sorted order, and the ports of group g. */
static cs_object *subset(ep_build *b, const addr **sorted, const char *row,
			 const size_t *group_ports, size_t nports)
{
	const cs_host *h = b->h;
	cs_object *s = h->obj_new(CS_OBJ_MAP);
	cs_object *ready = h->obj_new(CS_OBJ_ARRAY), *nready = h->obj_new(CS_OBJ_ARRAY);
	cs_object *ports = h->obj_new(CS_OBJ_ARRAY);
	struct port_key *pk = calloc(nports + 1, sizeof(*pk));
	bool bad = !s || !ready || !nready || !ports || !pk;
	for (size_t i = 0; !bad && i < b->naddrs; i++) {
		size_t a = (size_t)(sorted[i] - b->addrs);
		if (row[a])
			bad = h->obj_append(row[a] == 2 ? ready : nready,
					    h->obj_clone(b->addrs[a].obj)) != 0;
	}
	size_t np = 0;
	for (size_t i = 0; !bad && i < nports; i++)
		if (b->ports[group_ports[i]])
			pk[np++] = (struct port_key){h, b->ports[group_ports[i]]};
	qsort(pk, np, sizeof(*pk), port_cmp);
	for (size_t i = 0; !bad && i < np; i++)
		bad = h->obj_append(ports, h->obj_clone(pk[i].port)) != 0;
	free(pk);
	if (!bad && h->obj_len(ready)) {
		bad = h->obj_set(s, "addresses", ready) != 0;
		ready = NULL;
	}
	if (!bad && h->obj_len(nready)) {
		bad = h->obj_set(s, "notReadyAddresses", nready) != 0;
		nready = NULL;
	}
	if (!bad && h->obj_len(ports)) {
		bad = h->obj_set(s, "ports", ports) != 0;
		ports = NULL;
	}
	h->obj_free(ready);
	h->obj_free(nready);
	h->obj_free(ports);
	if (bad) {
		h->obj_free(s);
		return NULL;
	}
	return s;
}

cs_object *ep_build_subsets(ep_build *b)
{
	const cs_host *h = b->h;
	size_t na = b->naddrs, np = b->nports;
	char *rows = calloc(np * na + 1, 1);
	const addr **sorted = calloc(na + 1, sizeof(*sorted));
	size_t *group_of = calloc(np + 1, sizeof(*group_of));
	size_t *gports = calloc(np + 1, sizeof(*gports));
	struct sub_key *subs = calloc(np + 1, sizeof(*subs));
	cs_object *out = h->obj_new(CS_OBJ_ARRAY);
	size_t ngroups = 0;
	bool bad = !rows || !sorted || !group_of || !gports || !subs || !out;
	if (bad)
		goto done;
	for (size_t i = 0; i < b->ntups; i++) {
		char *st = &rows[b->tups[i].p * na + b->tups[i].a];
		if (*st != 2)
			*st = b->tups[i].ready ? 2 : 1;
	}
	for (size_t i = 0; i < na; i++)
		sorted[i] = &b->addrs[i];
	qsort(sorted, na, sizeof(*sorted), addr_cmp);
	/* Ports whose rows are equal serve the same addresses: one subset. */
	size_t *leader = calloc(np + 1, sizeof(*leader));
	if (!leader) {
		bad = true;
		goto done;
	}
	for (size_t p = 0; p < np; p++) {
		size_t g = 0;
		for (; g < ngroups; g++)
			if (!memcmp(&rows[leader[g] * na], &rows[p * na], na))
				break;
		if (g == ngroups)
			leader[ngroups++] = p;
		group_of[p] = g;
	}
	for (size_t g = 0; !bad && g < ngroups; g++) {
		size_t n = 0;
		for (size_t p = 0; p < np; p++)
			if (group_of[p] == g)
				gports[n++] = p;
		subs[g].obj = subset(b, sorted, &rows[leader[g] * na], gports, n);
		subs[g].json = subs[g].obj ? h->obj_json(subs[g].obj, NULL) : NULL;
		bad = !subs[g].json;
	}
	free(leader);
	if (!bad) {
		/* Kubernetes orders subsets by a hash of their contents; the
		 * text is as stable an order and reads better. */
		qsort(subs, ngroups, sizeof(*subs), sub_cmp);
		for (size_t g = 0; !bad && g < ngroups; g++) {
			if (!h->obj_len(subs[g].obj))
				continue; /* no address at all */
			bad = h->obj_append(out, subs[g].obj) != 0;
			subs[g].obj = NULL;
		}
	}
done:
	for (size_t g = 0; subs && g < ngroups; g++) {
		h->obj_free(subs[g].obj);
		h->free(subs[g].json);
	}
	free(rows);
	free(sorted);
	free(group_of);
	free(gports);
	free(subs);
	if (bad) {
		h->obj_free(out);
		return NULL;
	}
	return out;
}

/* Keep the first n elements of subsets[i].key; drop the key when empty.
 * Paths from the array itself: handles inside it are read-only. */
static void keep_first(const cs_host *h, cs_object *subsets, size_t i, const char *key, size_t n)
{
	char path[96];
	snprintf(path, sizeof(path), "[%zu].%s", i, key);
	size_t len = h->obj_len(h->obj_get(subsets, path));
	for (; len > n; len--) {
		snprintf(path, sizeof(path), "[%zu].%s[%zu]", i, key, len - 1);
		h->obj_remove(subsets, path);
	}
	if (!len) {
		snprintf(path, sizeof(path), "[%zu].%s", i, key);
		h->obj_remove(subsets, path);
	}
}

bool ep_truncate(const cs_host *h, cs_object *subsets)
{
	size_t ready = 0, nready = 0, n = h->obj_len(subsets);
	for (size_t i = 0; i < n; i++) {
		ready += h->obj_len(h->obj_get(h->obj_at(subsets, i), "addresses"));
		nready += h->obj_len(h->obj_get(h->obj_at(subsets, i), "notReadyAddresses"));
	}
	if (ready + nready <= EP_MAX_CAPACITY)
		return false;
	/* Not-ready addresses go first; ready ones only when they alone are
	 * too many.  Each subset keeps its share, rounded up. */
	bool cut_ready = ready > EP_MAX_CAPACITY;
	const char *key = cut_ready ? "addresses" : "notReadyAddresses";
	size_t max = cut_ready ? EP_MAX_CAPACITY : EP_MAX_CAPACITY - ready;
	size_t total = cut_ready ? ready : nready;
	size_t room = max;
	for (size_t i = 0; i < n; i++) {
		size_t in = h->obj_len(h->obj_get(h->obj_at(subsets, i), key));
		size_t add = (in * max + total - 1) / total; /* the share, rounded up */
		if (add > room)
			add = room;
		keep_first(h, subsets, i, key, add);
		if (cut_ready)
			keep_first(h, subsets, i, "notReadyAddresses", 0);
		room -= add < in ? add : in;
	}
	/* A subset left without addresses is not valid. */
	for (size_t i = n; i-- > 0;) {
		const cs_object *s = h->obj_at(subsets, i);
		if (!h->obj_len(h->obj_get(s, "addresses")) &&
		    !h->obj_len(h->obj_get(s, "notReadyAddresses"))) {
			char path[32];
			snprintf(path, sizeof(path), "[%zu]", i);
			h->obj_remove(subsets, path);
		}
	}
	return true;
}
