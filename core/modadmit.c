/* The chain of running admission modules and the calls into it.  Calls
 * come from the API server's offload threads and hold the chain's read
 * lock; a module leaves the chain under the write lock, so it is never
 * stopped while one of its callbacks runs. */
#include "modadmit.h"

#include <capstan/admission.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "modhost.h"

__thread bool cs_modadmit_active;

struct ent {
	cs_modinst *mi;
	const cs_admission_ops *ops;
};

struct cs_modadmit {
	pthread_rwlock_t lock;
	struct ent *v;
	size_t n, cap;
};

cs_modadmit *cs_modadmit_new(void)
{
	cs_modadmit *a = calloc(1, sizeof(*a));
	if (!a)
		abort();
	pthread_rwlock_init(&a->lock, NULL);
	return a;
}

void cs_modadmit_free(cs_modadmit *a)
{
	if (!a)
		return;
	pthread_rwlock_destroy(&a->lock);
	free(a->v);
	free(a);
}

void cs_modadmit_add(cs_modadmit *a, cs_modinst *mi)
{
	pthread_rwlock_wrlock(&a->lock);
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 4;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
		if (!a->v)
			abort();
	}
	a->v[a->n++] = (struct ent){mi, mi->desc->ops};
	pthread_rwlock_unlock(&a->lock);
}

void cs_modadmit_remove(cs_modadmit *a, cs_modinst *mi)
{
	pthread_rwlock_wrlock(&a->lock);
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].mi != mi)
			continue;
		memmove(&a->v[i], &a->v[i + 1], (a->n - i - 1) * sizeof(*a->v));
		a->n--;
		break;
	}
	pthread_rwlock_unlock(&a->lock);
}

/* Does one entry of the module's resource list cover the call? */
static bool covers(const char *entry, const cs_admit_call *c)
{
	const char *slash = strchr(entry, '/');
	size_t rlen = slash ? (size_t)(slash - entry) : strlen(entry);
	if (!slash && c->sub)
		return false;
	if (slash && (!c->sub || strcmp(slash + 1, c->sub)))
		return false;
	if (rlen == 1 && entry[0] == '*')
		return !slash;
	return strlen(c->resource) == rlen && !strncmp(entry, c->resource, rlen);
}

static bool applies(const struct ent *e, const cs_admit_call *c)
{
	if (!(e->ops->operations & c->op))
		return false;
	for (const char *const *r = e->ops->resources; *r; r++)
		if (covers(*r, c))
			return true;
	return false;
}

bool cs_modadmit_wants(cs_modadmit *a, const cs_admit_call *c)
{
	if (!a || cs_modadmit_active)
		return false;
	bool any = false;
	pthread_rwlock_rdlock(&a->lock);
	for (size_t i = 0; i < a->n && !any; i++)
		any = applies(&a->v[i], c) && (a->v[i].ops->mutate || a->v[i].ops->validate);
	pthread_rwlock_unlock(&a->lock);
	return any;
}

/* The module's error as the Status the client gets. */
static void denied(cs_status *st, const cs_modinst *mi, const cs_admit_call *c, const cs_error *err)
{
	const char *msg = err->message[0] ? err->message : "denied (no reason given)";
	if (err->code == 403 || err->code == 0) {
		cs_status_set(st, err->code ? 403 : 500, err->code ? "Forbidden" : "InternalError",
			      "%s \"%s\" is forbidden: %s", c->resource, c->name ? c->name : "",
			      msg);
	} else {
		cs_status_set(st, err->code < 400 || err->code > 599 ? 500 : err->code,
			      err->reason[0] ? err->reason : "Forbidden", "%s", msg);
	}
	snprintf(st->kind, sizeof(st->kind), "%s", c->type->resource);
	snprintf(st->group, sizeof(st->group), "%s", c->type->group);
	snprintf(st->name, sizeof(st->name), "%s", c->name ? c->name : "");
	cs_log(CS_LOG_DEBUG, "admission module %s denied %s %s/%s: %s", mi->name, c->resource,
	       c->ns ? c->ns : "", c->name ? c->name : "", msg);
}

int cs_modadmit_run(cs_modadmit *a, const cs_admit_call *c, enum cs_admit_phase phase, cs_json *doc,
		    cs_status *st)
{
	cs_admission_request req = {
		.size = sizeof(req),
		.operation = (enum cs_admission_op)c->op,
		.resource = c->resource,
		.subresource = c->sub,
		.ns = c->ns,
		.name = c->name,
		.old = (const cs_object *)c->old,
		.dry_run = c->dry_run,
	};
	int rc = 0;
	pthread_rwlock_rdlock(&a->lock);
	cs_modadmit_active = true;
	for (size_t i = 0; i < a->n && !rc; i++) {
		const struct ent *e = &a->v[i];
		if (!applies(e, c))
			continue;
		cs_error err = {0};
		if (phase == CS_ADMIT_MUTATE && e->ops->mutate)
			rc = e->ops->mutate(&e->mi->pub, &req, (cs_object *)doc, &err);
		else if (phase == CS_ADMIT_VALIDATE && e->ops->validate)
			rc = e->ops->validate(&e->mi->pub, &req, (const cs_object *)doc, &err);
		if (rc)
			denied(st, e->mi, c, &err);
	}
	cs_modadmit_active = false;
	pthread_rwlock_unlock(&a->lock);
	return rc ? -1 : 0;
}
