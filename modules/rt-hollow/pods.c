/* rt-hollow sandboxes and containers: the CRI state machine in memory.
 *
 *   container: create -> CONTAINER_CREATED -start-> (start-delay-ms)
 *              CONTAINER_RUNNING -stop-> CONTAINER_EXITED -remove-> gone
 *   sandbox:   run -> SANDBOX_READY -stop-> SANDBOX_NOTREADY -remove-> gone
 *
 * Stopping or removing a sandbox stops or removes its containers, and
 * removing a running container stops it first, as CRI requires. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hollow.h"

static const char *const state_names[] = {
	[H_CREATED] = "CONTAINER_CREATED",
	[H_RUNNING] = "CONTAINER_RUNNING",
	[H_EXITED] = "CONTAINER_EXITED",
};

const char *hollow_state_name(enum hollow_state s)
{
	return state_names[s];
}

enum hollow_state hollow_container_state(const hollow_container *c, int64_t now)
{
	if (c->state == H_RUNNING && now < c->started_at)
		return H_CREATED;
	return c->state;
}

static hollow_sandbox *sandbox_find(hollow *hw, const char *id)
{
	ht_node *n = id ? ht_find(&hw->sandboxes, id) : NULL;
	return n ? ht_entry(n, hollow_sandbox, by_id) : NULL;
}

/* A container whose run-ms is over has exited, at exit_at. */
static void settle(hollow *hw, hollow_container *c, int64_t now)
{
	if (c->state != H_RUNNING || !c->exit_at || now < c->exit_at)
		return;
	c->state = H_EXITED;
	c->finished_at = c->exit_at;
	pthread_cond_broadcast(&hw->changed);
}

hollow_container *hollow_container_find(hollow *hw, const char *id)
{
	ht_node *n = id ? ht_find(&hw->containers, id) : NULL;
	hollow_container *c = n ? ht_entry(n, hollow_container, by_id) : NULL;
	if (c)
		settle(hw, c, hollow_now());
	return c;
}

static int no_sandbox(const cs_host *h, const char *id, const char *verb, cs_error *err)
{
	return h->errorf(err, CS_NOT_FOUND, "NotFound", "%s: pod sandbox %s not found", verb,
			 id ? id : "(null)");
}

static int no_container(const cs_host *h, const char *id, const char *verb, cs_error *err)
{
	return h->errorf(err, CS_NOT_FOUND, "NotFound", "%s: container %s not found", verb,
			 id ? id : "(null)");
}

static int oom(const cs_host *h, const char *verb, cs_error *err)
{
	return h->errorf(err, 500, "InternalError", "%s: out of memory", verb);
}

/* ---- containers ---- */

static void container_stop(hollow *hw, hollow_container *c, int64_t now)
{
	settle(hw, c, now);
	if (c->state != H_RUNNING)
		return;
	c->state = H_EXITED;
	c->finished_at = now;
	/* Stopped while still starting: it ran for no time at all. */
	if (c->started_at > now)
		c->started_at = now;
	c->exit_code = hw->exit_code;
	pthread_cond_broadcast(&hw->changed);
}

static void container_free(const cs_host *h, hollow_container *c)
{
	if (c->log)
		for (size_t i = 0; i < HOLLOW_LOG_LINES; i++)
			free(c->log[i]);
	free(c->log);
	free(c->name_key);
	free(c->image);
	free(c->image_ref);
	free(c->log_path);
	h->obj_free(c->metadata);
	h->obj_free(c->labels);
	h->obj_free(c->annotations);
	free(c);
}

static void container_remove(hollow *hw, hollow_container *c)
{
	container_stop(hw, c, hollow_now());
	ht_remove(&hw->containers, &c->by_id);
	ht_remove(&hw->names, &c->by_name);
	if (c->prev)
		c->prev->next = c->next;
	else
		c->sb->containers = c->next;
	if (c->next)
		c->next->prev = c->prev;
	container_free(hw->h, c);
}

static char *join_path(const char *dir, const char *file)
{
	char *p;
	if (!file || !*file)
		return NULL;
	if (!dir || !*dir || file[0] == '/')
		return strdup(file);
	return asprintf(&p, "%s/%s", dir, file) < 0 ? NULL : p;
}

int hollow_create_container(cs_mod *m, const char *sandbox_id, const cs_object *config,
			    const cs_object *sandbox_config, char id[CS_RUNTIME_ID_MAX],
			    cs_error *err)
{
	static const char verb[] = "create container";
	(void)sandbox_config; /* the sandbox's own record has what we need */
	const cs_host *h = m->host;
	hollow *hw = hollow_of(m);
	const char *name = config ? h->obj_str(config, "metadata.name") : NULL;
	const char *image = config ? h->obj_str(config, "image.image") : NULL;
	if (!name || !*name)
		return h->errorf(err, CS_INVALID, "Invalid",
				 "%s in sandbox %s: metadata.name is required", verb,
				 sandbox_id ? sandbox_id : "(null)");
	if (!image || !*image)
		return h->errorf(err, CS_INVALID, "Invalid", "%s %s: image.image is required", verb,
				 name);
	int64_t attempt = h->obj_int(config, "metadata.attempt", 0);

	hollow_container *c = calloc(1, sizeof(*c));
	if (!c || !(c->image = strdup(image)))
		goto nomem;
	c->metadata = hollow_keep(h, h->obj_get(config, "metadata"));
	c->labels = hollow_keep(h, h->obj_get(config, "labels"));
	c->annotations = hollow_keep(h, h->obj_get(config, "annotations"));

	const char *log_file = h->obj_str(config, "logPath");
	pthread_mutex_lock(&hw->mu);
	hollow_sandbox *sb = sandbox_find(hw, sandbox_id);
	const hollow_image *im = sb ? hollow_image_find(hw, image) : NULL;
	int rc = 0;
	if (!sb)
		rc = no_sandbox(h, sandbox_id, verb, err);
	else if (!sb->ready)
		rc = h->errorf(err, CS_CONFLICT, "Conflict",
			       "%s %s: pod sandbox %s is not ready (stopped)", verb, name,
			       sandbox_id);
	else if (!im)
		rc = h->errorf(err, CS_NOT_FOUND, "NotFound",
			       "%s %s: image %s is not present; pull it first", verb, name, image);
	else if (asprintf(&c->name_key, "c/%s/%s/%lld", sb->id, name, (long long)attempt) < 0) {
		c->name_key = NULL;
		rc = oom(h, verb, err);
	} else if (ht_find(&hw->names, c->name_key))
		rc = h->errorf(err, CS_CONFLICT, "AlreadyExists",
			       "%s: name %s (attempt %lld) is already used in pod sandbox %s", verb,
			       name, (long long)attempt, sb->id);
	else if (!(c->image_ref = strdup(im->id)))
		rc = oom(h, verb, err);
	/* CRI: logPath is relative to the sandbox's logDirectory. */
	else if (log_file && *log_file && !(c->log_path = join_path(sb->log_dir, log_file)))
		rc = oom(h, verb, err);
	if (!rc) {
		hollow_new_id(&hw->containers, c->id);
		if (ht_insert(&hw->containers, &c->by_id, c->id) < 0)
			rc = oom(h, verb, err);
		else if (ht_insert(&hw->names, &c->by_name, c->name_key) < 0) {
			ht_remove(&hw->containers, &c->by_id);
			rc = oom(h, verb, err);
		}
	}
	if (!rc) {
		c->sb = sb;
		c->state = H_CREATED;
		c->created_at = hollow_now();
		c->next = sb->containers;
		if (c->next)
			c->next->prev = c;
		sb->containers = c;
		memcpy(id, c->id, sizeof(c->id));
	}
	pthread_mutex_unlock(&hw->mu);
	if (rc)
		container_free(h, c);
	return rc;
nomem:
	if (c)
		container_free(h, c);
	return oom(h, verb, err);
}

int hollow_start_container(cs_mod *m, const char *id, cs_error *err)
{
	static const char verb[] = "start container";
	const cs_host *h = m->host;
	hollow *hw = hollow_of(m);
	pthread_mutex_lock(&hw->mu);
	hollow_container *c = hollow_container_find(hw, id);
	int rc = 0;
	int64_t now = hollow_now();
	if (!c)
		rc = no_container(h, id, verb, err);
	else if (c->state != H_CREATED)
		rc = h->errorf(err, CS_CONFLICT, "Conflict",
			       "%s %s: container is %s%s, only a CONTAINER_CREATED one can start",
			       verb, id, hollow_state_name(hollow_container_state(c, now)),
			       hollow_container_state(c, now) != c->state ? " (starting)" : "");
	else if (!c->sb->ready)
		rc = h->errorf(err, CS_CONFLICT, "Conflict",
			       "%s %s: pod sandbox %s is not ready (stopped)", verb, id, c->sb->id);
	else {
		c->state = H_RUNNING;
		c->started_at = now + hw->start_delay_ns;
		c->exit_code = hw->exit_code;
		c->exit_at = hw->run_ns ? c->started_at + hw->run_ns : 0;
	}
	pthread_mutex_unlock(&hw->mu);
	return rc;
}

int hollow_stop_container(cs_mod *m, const char *id, int64_t timeout_s, cs_error *err)
{
	/* Nothing runs, so nothing needs the grace period to shut down. */
	(void)timeout_s;
	hollow *hw = hollow_of(m);
	pthread_mutex_lock(&hw->mu);
	hollow_container *c = hollow_container_find(hw, id);
	int rc = 0;
	if (!c)
		rc = no_container(m->host, id, "stop container", err);
	else
		container_stop(hw, c, hollow_now()); /* CRI: stopping a stopped one is fine */
	pthread_mutex_unlock(&hw->mu);
	return rc;
}

int hollow_remove_container(cs_mod *m, const char *id, cs_error *err)
{
	hollow *hw = hollow_of(m);
	pthread_mutex_lock(&hw->mu);
	hollow_container *c = hollow_container_find(hw, id);
	if (c)
		container_remove(hw, c);
	pthread_mutex_unlock(&hw->mu);
	return c ? 0 : no_container(m->host, id, "remove container", err);
}

static void set_kept(const cs_host *h, cs_object *o, const char *key, const cs_object *v)
{
	h->obj_set(o, key, v ? h->obj_clone(v) : h->obj_new(CS_OBJ_MAP));
}

/* The fields list and status share. */
static cs_object *container_brief(const cs_host *h, const hollow_container *c, int64_t now)
{
	cs_object *o = h->obj_new(CS_OBJ_MAP);
	cs_object *image = h->obj_new(CS_OBJ_MAP);
	h->obj_set_str(image, "image", c->image);
	h->obj_set_str(o, "id", c->id);
	h->obj_set_str(o, "podSandboxId", c->sb->id);
	set_kept(h, o, "metadata", c->metadata);
	h->obj_set(o, "image", image);
	h->obj_set_str(o, "imageRef", c->image_ref);
	h->obj_set_str(o, "state", hollow_state_name(hollow_container_state(c, now)));
	h->obj_set_int(o, "createdAt", c->created_at);
	set_kept(h, o, "labels", c->labels);
	set_kept(h, o, "annotations", c->annotations);
	return o;
}

int hollow_container_status(cs_mod *m, const char *id, cs_object **status, cs_error *err)
{
	const cs_host *h = m->host;
	hollow *hw = hollow_of(m);
	*status = NULL;
	pthread_mutex_lock(&hw->mu);
	hollow_container *c = hollow_container_find(hw, id);
	if (c) {
		int64_t now = hollow_now();
		enum hollow_state s = hollow_container_state(c, now);
		cs_object *o = container_brief(h, c, now);
		h->obj_set_int(o, "startedAt", s == H_CREATED ? 0 : c->started_at);
		h->obj_set_int(o, "finishedAt", s == H_EXITED ? c->finished_at : 0);
		h->obj_set_int(o, "exitCode", s == H_EXITED ? c->exit_code : 0);
		h->obj_set_str(o, "reason",
			       s != H_EXITED  ? ""
			       : c->exit_code ? "Error"
					      : "Completed");
		h->obj_set_str(o, "message", "");
		h->obj_set_str(o, "logPath", c->log_path ? c->log_path : "");
		*status = o;
	}
	pthread_mutex_unlock(&hw->mu);
	return c ? 0 : no_container(h, id, "container status", err);
}

int hollow_list_containers(cs_mod *m, const char *sandbox_id, cs_object **list, cs_error *err)
{
	const cs_host *h = m->host;
	hollow *hw = hollow_of(m);
	*list = NULL;
	cs_object *a = h->obj_new(CS_OBJ_ARRAY);
	int64_t now = hollow_now();
	pthread_mutex_lock(&hw->mu);
	if (sandbox_id) {
		/* CRI filters: an unknown sandbox simply matches nothing. */
		hollow_sandbox *sb = sandbox_find(hw, sandbox_id);
		for (hollow_container *c = sb ? sb->containers : NULL; c; c = c->next) {
			settle(hw, c, now);
			h->obj_append(a, container_brief(h, c, now));
		}
	} else {
		size_t b = 0;
		for (ht_node *n = ht_next(&hw->containers, &b, NULL); n;
		     n = ht_next(&hw->containers, &b, n)) {
			hollow_container *c = ht_entry(n, hollow_container, by_id);
			settle(hw, c, now);
			h->obj_append(a, container_brief(h, c, now));
		}
	}
	pthread_mutex_unlock(&hw->mu);
	(void)err;
	*list = a;
	return 0;
}

/* ---- sandboxes ---- */

static void sandbox_free(const cs_host *h, hollow_sandbox *sb)
{
	free(sb->name_key);
	free(sb->log_dir);
	h->obj_free(sb->metadata);
	h->obj_free(sb->labels);
	h->obj_free(sb->annotations);
	h->obj_free(sb->ns_options);
	free(sb);
}

int hollow_run_pod_sandbox(cs_mod *m, const cs_object *config, char id[CS_RUNTIME_ID_MAX],
			   cs_error *err)
{
	static const char verb[] = "run pod sandbox";
	const cs_host *h = m->host;
	hollow *hw = hollow_of(m);
	const char *name = config ? h->obj_str(config, "metadata.name") : NULL;
	const char *ns = config ? h->obj_str(config, "metadata.namespace") : NULL;
	const char *uid = config ? h->obj_str(config, "metadata.uid") : NULL;
	if (!name || !*name || !ns || !*ns || !uid || !*uid)
		return h->errorf(err, CS_INVALID, "Invalid",
				 "%s: metadata.name, metadata.namespace and metadata.uid are "
				 "required (got %s/%s uid %s)",
				 verb, ns ? ns : "-", name ? name : "-", uid ? uid : "-");
	int64_t attempt = h->obj_int(config, "metadata.attempt", 0);
	const char *log_dir = h->obj_str(config, "logDirectory");

	hollow_sandbox *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return oom(h, verb, err);
	if (asprintf(&sb->name_key, "s/%s/%s/%s/%lld", ns, name, uid, (long long)attempt) < 0)
		sb->name_key = NULL;
	if (!sb->name_key || (log_dir && !(sb->log_dir = strdup(log_dir)))) {
		sandbox_free(h, sb);
		return oom(h, verb, err);
	}
	sb->metadata = hollow_keep(h, h->obj_get(config, "metadata"));
	sb->labels = hollow_keep(h, h->obj_get(config, "labels"));
	sb->annotations = hollow_keep(h, h->obj_get(config, "annotations"));
	sb->ns_options =
		hollow_keep(h, h->obj_get(config, "linux.securityContext.namespaceOptions"));

	pthread_mutex_lock(&hw->mu);
	int rc = 0;
	if (ht_find(&hw->names, sb->name_key))
		rc = h->errorf(err, CS_CONFLICT, "AlreadyExists",
			       "%s: %s/%s (uid %s, attempt %lld) already has a sandbox", verb, ns,
			       name, uid, (long long)attempt);
	else {
		hollow_new_id(&hw->sandboxes, sb->id);
		if (ht_insert(&hw->sandboxes, &sb->by_id, sb->id) < 0)
			rc = oom(h, verb, err);
		else if (ht_insert(&hw->names, &sb->by_name, sb->name_key) < 0) {
			ht_remove(&hw->sandboxes, &sb->by_id);
			rc = oom(h, verb, err);
		}
	}
	if (!rc) {
		sb->ready = true;
		sb->created_at = hollow_now();
		memcpy(id, sb->id, sizeof(sb->id));
	}
	pthread_mutex_unlock(&hw->mu);
	if (rc)
		sandbox_free(h, sb);
	return rc;
}

int hollow_stop_pod_sandbox(cs_mod *m, const char *id, cs_error *err)
{
	hollow *hw = hollow_of(m);
	pthread_mutex_lock(&hw->mu);
	hollow_sandbox *sb = sandbox_find(hw, id);
	if (sb) {
		int64_t now = hollow_now();
		for (hollow_container *c = sb->containers; c; c = c->next)
			container_stop(hw, c, now);
		sb->ready = false;
	}
	pthread_mutex_unlock(&hw->mu);
	return sb ? 0 : no_sandbox(m->host, id, "stop pod sandbox", err);
}

static void sandbox_remove(hollow *hw, hollow_sandbox *sb)
{
	while (sb->containers)
		container_remove(hw, sb->containers);
	ht_remove(&hw->sandboxes, &sb->by_id);
	ht_remove(&hw->names, &sb->by_name);
	sandbox_free(hw->h, sb);
}

int hollow_remove_pod_sandbox(cs_mod *m, const char *id, cs_error *err)
{
	hollow *hw = hollow_of(m);
	pthread_mutex_lock(&hw->mu);
	hollow_sandbox *sb = sandbox_find(hw, id);
	if (sb)
		sandbox_remove(hw, sb);
	pthread_mutex_unlock(&hw->mu);
	return sb ? 0 : no_sandbox(m->host, id, "remove pod sandbox", err);
}

static cs_object *sandbox_brief(const cs_host *h, const hollow_sandbox *sb)
{
	cs_object *o = h->obj_new(CS_OBJ_MAP);
	h->obj_set_str(o, "id", sb->id);
	set_kept(h, o, "metadata", sb->metadata);
	h->obj_set_str(o, "state", sb->ready ? "SANDBOX_READY" : "SANDBOX_NOTREADY");
	h->obj_set_int(o, "createdAt", sb->created_at);
	set_kept(h, o, "labels", sb->labels);
	set_kept(h, o, "annotations", sb->annotations);
	return o;
}

int hollow_pod_sandbox_status(cs_mod *m, const char *id, cs_object **status, cs_error *err)
{
	const cs_host *h = m->host;
	hollow *hw = hollow_of(m);
	*status = NULL;
	pthread_mutex_lock(&hw->mu);
	hollow_sandbox *sb = sandbox_find(hw, id);
	if (sb) {
		cs_object *o = sandbox_brief(h, sb);
		/* No network: addresses come from the network driver, if any. */
		h->obj_set(o, "network", h->obj_new(CS_OBJ_MAP));
		if (sb->ns_options)
			h->obj_set(o, "linux.namespaces.options", h->obj_clone(sb->ns_options));
		*status = o;
	}
	pthread_mutex_unlock(&hw->mu);
	return sb ? 0 : no_sandbox(h, id, "pod sandbox status", err);
}

int hollow_list_pod_sandboxes(cs_mod *m, cs_object **list, cs_error *err)
{
	const cs_host *h = m->host;
	hollow *hw = hollow_of(m);
	cs_object *a = h->obj_new(CS_OBJ_ARRAY);
	pthread_mutex_lock(&hw->mu);
	size_t b = 0;
	for (ht_node *n = ht_next(&hw->sandboxes, &b, NULL); n; n = ht_next(&hw->sandboxes, &b, n))
		h->obj_append(a, sandbox_brief(h, ht_entry(n, hollow_sandbox, by_id)));
	pthread_mutex_unlock(&hw->mu);
	(void)err;
	*list = a;
	return 0;
}

void hollow_pods_free(hollow *hw)
{
	size_t b = 0;
	ht_node *n = ht_next(&hw->sandboxes, &b, NULL);
	while (n) {
		/* Step first: removal unlinks n but leaves the rest of the
		 * chain and the bucket index valid. */
		ht_node *next = ht_next(&hw->sandboxes, &b, n);
		sandbox_remove(hw, ht_entry(n, hollow_sandbox, by_id));
		n = next;
	}
}
