/* Expectations, as client-go's UIDTrackingControllerExpectations: per
 * object (by key), the creates still to be seen and the names of the pods whose
 * deletion is still to be seen.  Deletions are tracked by pod so that a pod
 * first seen terminating and then gone is counted once. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctrlkit.h"

struct ent {
	struct ent *next;
	char *key;
	int adds;
	char **dels; /* pod keys still expected to go */
	int ndels;
	double at; /* monotonic seconds when set */
};

#define NBUCKETS 256

struct ck_expect {
	pthread_mutex_t mu;
	struct ent *b[NBUCKETS];
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct ent **slot(ck_expect *e, const char *key)
{
	unsigned h = 2166136261u;
	for (const char *c = key; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	struct ent **pp = &e->b[h % NBUCKETS];
	while (*pp && strcmp((*pp)->key, key))
		pp = &(*pp)->next;
	return pp;
}

static void ent_clear(struct ent *x)
{
	for (int i = 0; i < x->ndels; i++)
		free(x->dels[i]);
	free(x->dels);
	x->dels = NULL;
	x->ndels = x->adds = 0;
}

static void ent_free(struct ent *x)
{
	ent_clear(x);
	free(x->key);
	free(x);
}

ck_expect *ck_expect_new(void)
{
	ck_expect *e = calloc(1, sizeof(*e));
	if (e)
		pthread_mutex_init(&e->mu, NULL);
	return e;
}

void ck_expect_free(ck_expect *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < NBUCKETS; i++)
		for (struct ent *x = e->b[i], *nx; x; x = nx) {
			nx = x->next;
			ent_free(x);
		}
	pthread_mutex_destroy(&e->mu);
	free(e);
}

/* The entry of key, reset (mu held).  Out of memory: none, and the
 * object then acts without waiting, as with no expectations at all
 * (Kubernetes' behaviour after a timeout). */
static struct ent *reset(ck_expect *e, const char *key)
{
	struct ent **pp = slot(e, key);
	if (!*pp) {
		struct ent *x = calloc(1, sizeof(*x));
		if (!x || !(x->key = strdup(key))) {
			free(x);
			return NULL;
		}
		*pp = x;
	}
	ent_clear(*pp);
	(*pp)->at = mono();
	return *pp;
}

void ck_expect_set(ck_expect *e, const char *key, int adds, const char *const *pods, int n)
{
	pthread_mutex_lock(&e->mu);
	struct ent *x = reset(e, key);
	if (x) {
		x->adds = adds;
		if (n > 0 && (x->dels = calloc((size_t)n, sizeof(*x->dels))))
			for (int i = 0; i < n; i++)
				if ((x->dels[x->ndels] = strdup(pods[i])))
					x->ndels++;
	}
	pthread_mutex_unlock(&e->mu);
}

void ck_expect_created(ck_expect *e, const char *key)
{
	pthread_mutex_lock(&e->mu);
	struct ent *x = *slot(e, key);
	if (x && x->adds > 0)
		x->adds--;
	pthread_mutex_unlock(&e->mu);
}

void ck_expect_deleted(ck_expect *e, const char *key, const char *pod)
{
	pthread_mutex_lock(&e->mu);
	struct ent *x = *slot(e, key);
	for (int i = 0; x && i < x->ndels; i++)
		if (!strcmp(x->dels[i], pod)) {
			free(x->dels[i]);
			x->dels[i] = x->dels[--x->ndels];
			break;
		}
	pthread_mutex_unlock(&e->mu);
}

bool ck_expect_satisfied(ck_expect *e, const char *key, uint32_t *wait_ms)
{
	pthread_mutex_lock(&e->mu);
	struct ent *x = *slot(e, key);
	bool ok = true;
	if (x && (x->adds > 0 || x->ndels > 0)) {
		double left = x->at + CK_EXPECT_TIMEOUT_S - mono();
		if (left > 0) {
			ok = false;
			*wait_ms = (uint32_t)(left * 1000) + 1;
		}
	}
	pthread_mutex_unlock(&e->mu);
	return ok;
}

void ck_expect_forget(ck_expect *e, const char *key)
{
	pthread_mutex_lock(&e->mu);
	struct ent **pp = slot(e, key), *x = *pp;
	if (x) {
		*pp = x->next;
		ent_free(x);
	}
	pthread_mutex_unlock(&e->mu);
}
