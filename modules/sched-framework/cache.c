/* The scheduler's cache (Kubernetes' pkg/scheduler/backend/cache): every
 * node with its allocatable resources and the pods that occupy it, kept up
 * to date from events -- node informer callbacks on the module thread, pod
 * changes and the framework's own assumptions on the scheduling thread --
 * so that a cycle's snapshot copies only what changed (snapshot.c).
 *
 * Every change of a node (its object, a pod added, updated or removed)
 * gives it the next generation and moves it to the head of the
 * most-recently-updated list.  Everything here runs under fw->mu. */
#include <stdlib.h>
#include <string.h>

#include "fw.h"

static void touch(fw_cache *c, fw_cnode *n)
{
	n->gen = ++c->gen;
	if (c->mru == n)
		return;
	if (n->mprev)
		n->mprev->mnext = n->mnext;
	if (n->mnext)
		n->mnext->mprev = n->mprev;
	n->mprev = NULL;
	n->mnext = c->mru;
	if (c->mru)
		c->mru->mprev = n;
	c->mru = n;
}

static fw_cnode *get_node(fw_cache *c, const char *name)
{
	fw_cnode *n = fw_map_get(&c->nodes, name);
	if (n)
		return n;
	n = calloc(1, sizeof(*n));
	if (!n || !(n->name = strdup(name)) || fw_map_put(&c->nodes, name, n) < 0) {
		if (n)
			free(n->name);
		free(n);
		return NULL;
	}
	touch(c, n);
	return n;
}

/* A node with neither object nor pods is of no more use. */
static void drop_if_empty(fw_cache *c, fw_cnode *n)
{
	if (n->node || n->pods)
		return;
	fw_map_del(&c->nodes, n->name);
	if (n->mprev)
		n->mprev->mnext = n->mnext;
	else
		c->mru = n->mnext;
	if (n->mnext)
		n->mnext->mprev = n->mprev;
	fw_res_free(&n->alloc);
	free(n->name);
	free(n);
}

static void node_free(const cs_host *h, fw_cnode *n)
{
	h->obj_free(n->node);
	fw_nodeinfo_unref(h, n->info);
	fw_res_free(&n->alloc);
	free(n->name);
	free(n);
}

void fw_cache_node_set(cs_mod *m, struct fw *fw, const cs_object *obj)
{
	const cs_host *h = m->host;
	const char *name = h->obj_str(obj, "metadata.name");
	if (!name)
		return;
	/* Allocatable is what pods may use; a node that reports only its
	 * capacity offers all of it. */
	const cs_object *list = h->obj_get(obj, "status.allocatable");
	if (h->obj_len(list) == 0)
		list = h->obj_get(obj, "status.capacity");
	fw_res alloc = {0};
	size_t bad = 0;
	int rc = fw_res_add_list(h, &alloc, list, &bad);
	fw_nodeinfo *info = rc < 0 ? NULL : fw_nodeinfo_new(h, obj), *old = NULL;
	pthread_mutex_lock(&fw->mu);
	fw_cnode *n = !info ? NULL : get_node(&fw->cache, name);
	if (n) {
		if (!n->node)
			fw->cache.nodeset++;
		h->obj_free(n->node);
		n->node = h->obj_keep(obj);
		old = n->info;
		n->info = info;
		info = NULL;
		fw_res_free(&n->alloc);
		n->alloc = alloc;
		touch(&fw->cache, n);
	}
	pthread_mutex_unlock(&fw->mu);
	fw_nodeinfo_unref(h, old);
	fw_nodeinfo_unref(h, info);
	if (!n) {
		fw_res_free(&alloc);
		h->log(m, CS_LOG_ERROR, "scheduler cache: node %s: out of memory", name);
	}
}

void fw_cache_node_del(cs_mod *m, struct fw *fw, const cs_object *obj)
{
	const cs_host *h = m->host;
	const char *name = h->obj_str(obj, "metadata.name");
	if (!name)
		return;
	const cs_object *old = NULL;
	fw_nodeinfo *oldinfo = NULL;
	pthread_mutex_lock(&fw->mu);
	fw_cnode *n = fw_map_get(&fw->cache.nodes, name);
	if (n && n->node) {
		/* Its pods stay: they are still bound there, and count again
		 * should the node come back. */
		old = n->node;
		n->node = NULL;
		oldinfo = n->info;
		n->info = NULL;
		fw_res_free(&n->alloc);
		fw->cache.nodeset++;
		touch(&fw->cache, n);
		drop_if_empty(&fw->cache, n);
	}
	pthread_mutex_unlock(&fw->mu);
	h->obj_free(old);
	fw_nodeinfo_unref(h, oldinfo);
}

static void pod_free(const cs_host *h, fw_cpod *p)
{
	if (!p)
		return;
	h->obj_free(p->pod);
	fw_podinfo_unref(h, p->info);
	fw_res_free(&p->req);
	free(p->key);
	free(p->uid);
	free(p->node);
	free(p);
}

/* Take p off its node (it stays in the pods map). */
static void unlink_pod(fw_cache *c, fw_cpod *p)
{
	fw_cnode *n = fw_map_get(&c->nodes, p->node);
	if (!n)
		return;
	if (p->prev)
		p->prev->next = p->next;
	else
		n->pods = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
	n->npods--;
	touch(c, n);
	drop_if_empty(c, n);
}

static int link_pod(fw_cache *c, fw_cpod *p)
{
	fw_cnode *n = get_node(c, p->node);
	if (!n)
		return -1;
	p->prev = NULL;
	p->next = n->pods;
	if (n->pods)
		n->pods->prev = p;
	n->pods = p;
	n->npods++;
	touch(c, n);
	return 0;
}

/* Remove the pod of key from the cache; returned to be freed outside the
 * lock. */
static fw_cpod *remove_pod(fw_cache *c, const char *key)
{
	fw_cpod *p = fw_map_del(&c->pods, key);
	if (p)
		unlink_pod(c, p);
	return p;
}

static fw_cpod *new_pod(const cs_host *h, const char *key, const cs_object *pod, const char *node,
			bool assumed)
{
	const char *uid = h->obj_str(pod, "metadata.uid");
	fw_cpod *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pod = h->obj_keep(pod);
	p->assumed = assumed;
	p->affinity = fw_pod_affinity(h, pod);
	if (!(p->key = strdup(key)) || !(p->uid = strdup(uid ? uid : "")) ||
	    !(p->node = strdup(node)) || !(p->info = fw_podinfo_new(h, pod)) ||
	    fw_pod_requests(h, pod, &p->req) < 0) {
		pod_free(h, p);
		return NULL;
	}
	return p;
}

static bool terminal(const cs_host *h, const cs_object *pod)
{
	const char *phase = h->obj_str(pod, "status.phase");
	return phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
}

static void set_nominated(cs_mod *m, fw_cache *c, const char *key, const cs_object *pod)
{
	const cs_host *h = m->host;
	const cs_object *old = fw_map_del(&c->nominated, key);
	h->obj_free(old);
	if (pod && fw_map_put(&c->nominated, key, (void *)h->obj_keep(pod)) < 0) {
		h->obj_free(pod);
		h->log(m, CS_LOG_ERROR, "scheduler cache: pod %s: out of memory", key);
	}
}

void fw_cache_pod(cs_mod *m, struct fw *fw, const char *key, const cs_object *pod)
{
	const cs_host *h = m->host;
	const char *node = pod ? h->obj_str(pod, "spec.nodeName") : NULL;
	const char *uid = pod ? h->obj_str(pod, "metadata.uid") : NULL;
	bool bound = node && *node && !terminal(h, pod);
	/* A pending pod nominated for a node takes room there in the cycles
	 * of the pods of its priority or lower; one being deleted will not
	 * come to use it. */
	const char *nom = pod && !(node && *node) && !terminal(h, pod)
				  ? h->obj_str(pod, "status.nominatedNodeName")
				  : NULL;
	bool nominated = nom && *nom && !h->obj_get(pod, "metadata.deletionTimestamp");
	fw_cpod *drop = NULL, *add = NULL;
	if (bound && !(add = new_pod(h, key, pod, node, false)))
		h->log(m, CS_LOG_ERROR, "scheduler cache: pod %s: out of memory", key);
	pthread_mutex_lock(&fw->mu);
	fw_cache *c = &fw->cache;
	set_nominated(m, c, key, nominated ? pod : NULL);
	fw_cpod *p = fw_map_get(&c->pods, key);
	/* An assumed pod stays until the cache shows it bound (or gone, or
	 * replaced by another pod of that name): its binding is on the way. */
	bool keep = p && p->assumed && !bound && pod && uid && !strcmp(p->uid, uid) &&
		    !terminal(h, pod);
	if (p && !keep) {
		drop = remove_pod(c, key);
		if (drop->assumed)
			fw_assumed_free(fw_map_del(&fw->assumed, drop->uid));
	}
	if (add && !keep) {
		if (fw_map_put(&c->pods, key, add) < 0 || link_pod(c, add) < 0) {
			fw_map_del(&c->pods, key);
			h->log(m, CS_LOG_ERROR, "scheduler cache: pod %s: out of memory", key);
			pod_free(h, add);
		}
		add = NULL;
	}
	pthread_mutex_unlock(&fw->mu);
	pod_free(h, drop);
	pod_free(h, add);
}

int fw_cache_assume_locked(const cs_host *h, struct fw *fw, const char *key, const cs_object *pod,
			   const char *node)
{
	fw_cache *c = &fw->cache;
	fw_cpod *p = new_pod(h, key, pod, node, true);
	if (!p)
		return -1;
	fw_cpod *old = remove_pod(c, key);
	if (fw_map_put(&c->pods, key, p) < 0 || link_pod(c, p) < 0) {
		fw_map_del(&c->pods, key);
		pod_free(h, p);
		pod_free(h, old);
		return -1;
	}
	pod_free(h, old);
	return 0;
}

void fw_cache_forget_locked(const cs_host *h, struct fw *fw, const char *key, const char *uid)
{
	fw_cpod *p = fw_map_get(&fw->cache.pods, key);
	if (p && p->assumed && uid && !strcmp(p->uid, uid))
		pod_free(h, remove_pod(&fw->cache, key));
}

static void free_cpod(void *h, const char *key, void *v)
{
	(void)key;
	pod_free(h, v);
}

static void free_cnode(void *h, const char *key, void *v)
{
	(void)key;
	node_free(h, v);
}

static void free_obj(void *h, const char *key, void *v)
{
	(void)key;
	((const cs_host *)h)->obj_free(v);
}

void fw_cache_free(const cs_host *h, fw_cache *c)
{
	/* fini: no other thread runs. */
	fw_map_each(&c->pods, free_cpod, (void *)h);
	fw_map_each(&c->nodes, free_cnode, (void *)h);
	fw_map_each(&c->nominated, free_obj, (void *)h);
	fw_map_clear(&c->pods, NULL);
	fw_map_clear(&c->nodes, NULL);
	fw_map_clear(&c->nominated, NULL);
	c->mru = NULL;
}

void fw_assumed_free(void *val)
{
	struct fw_assumed *a = val;
	if (a)
		free(a->node);
	free(a);
}
