/* Backoff of failed daemon pods, as client-go's flowcontrol.Backoff that
 * Kubernetes' DaemonSet controller keys by "<ds uid>/<node>": a node whose
 * daemon keeps failing (a kubelet that rejects it) gets its pod replaced
 * after 1 s, 2 s, 4 s, ... up to 15 min, not in a hot loop.  An entry idle
 * for twice the maximum starts over.  Thread-safe: reconcile workers share
 * it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ds.h"

#define INITIAL_S 1.0
#define MAX_S     900.0

struct bent {
	struct bent *next;
	char *key;
	double delay, last; /* seconds; last: monotonic time of the last step */
};

struct ds_backoff {
	pthread_mutex_t mu;
	struct bent *head;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

ds_backoff *ds_backoff_new(void)
{
	ds_backoff *b = calloc(1, sizeof(*b));
	if (b)
		pthread_mutex_init(&b->mu, NULL);
	return b;
}

void ds_backoff_free(ds_backoff *b)
{
	if (!b)
		return;
	for (struct bent *e = b->head, *n; e; e = n) {
		n = e->next;
		free(e->key);
		free(e);
	}
	pthread_mutex_destroy(&b->mu);
	free(b);
}

static struct bent *find(ds_backoff *b, const char *key)
{
	for (struct bent *e = b->head; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

bool ds_backoff_active(ds_backoff *b, const char *key, uint32_t *left_ms)
{
	pthread_mutex_lock(&b->mu);
	struct bent *e = find(b, key);
	double left = e ? e->last + e->delay - mono() : 0;
	pthread_mutex_unlock(&b->mu);
	if (left <= 0)
		return false;
	*left_ms = (uint32_t)(left * 1000) + 1;
	return true;
}

void ds_backoff_next(ds_backoff *b, const char *key)
{
	double now = mono();
	pthread_mutex_lock(&b->mu);
	/* Entries idle for twice the maximum are of no use any more (their
	 * DaemonSet or node may be long gone): drop them, as client-go's GC. */
	for (struct bent **pp = &b->head; *pp;) {
		struct bent *x = *pp;
		if (now - x->last > 2 * MAX_S && strcmp(x->key, key)) {
			*pp = x->next;
			free(x->key);
			free(x);
		} else {
			pp = &x->next;
		}
	}
	struct bent *e = find(b, key);
	if (!e) {
		/* Out of memory: no backoff for this key, which only costs
		 * extra replacements. */
		if ((e = calloc(1, sizeof(*e))) && (e->key = strdup(key))) {
			e->next = b->head;
			b->head = e;
		} else {
			free(e);
			e = NULL;
		}
	} else if (now - e->last > 2 * MAX_S) {
		e->delay = 0;
	}
	if (e) {
		e->delay = e->delay <= 0 ? INITIAL_S : e->delay * 2 > MAX_S ? MAX_S : e->delay * 2;
		e->last = now;
	}
	pthread_mutex_unlock(&b->mu);
}
