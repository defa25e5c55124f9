/* A fixed pool of threads with one queue in and one completion list out;
 * the completion list is drained on the loop thread, which a finished job
 * wakes. */
#include "offload.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

struct job {
	struct job *next;
	cs_offload_fn work, done;
	void *arg;
};

struct cs_offload {
	cs_server *srv;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail; /* queued */
	struct job *finished;    /* done callbacks due (LIFO; reversed on dispatch) */
	size_t busy;             /* submitted, done not yet run */
	bool stop;
	pthread_t *threads;
	unsigned nthreads;
};

static void *worker(void *arg)
{
	cs_offload *o = arg;
	pthread_mutex_lock(&o->mu);
	for (;;) {
		while (!o->head && !o->stop)
			pthread_cond_wait(&o->cv, &o->mu);
		struct job *j = o->head;
		if (!j)
			break; /* stopping and nothing left */
		o->head = j->next;
		if (!o->head)
			o->tail = NULL;
		pthread_mutex_unlock(&o->mu);
		j->work(j->arg);
		pthread_mutex_lock(&o->mu);
		j->next = o->finished;
		o->finished = j;
		pthread_mutex_unlock(&o->mu);
		cs_server_wake(o->srv);
		pthread_mutex_lock(&o->mu);
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

cs_offload *cs_offload_new(cs_server *srv, unsigned threads, char *err, size_t errlen)
{
	cs_offload *o = calloc(1, sizeof(*o));
	if (!o)
		abort();
	o->srv = srv;
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	o->threads = calloc(threads ? threads : 1, sizeof(*o->threads));
	if (!o->threads)
		abort();
	for (unsigned i = 0; i < threads; i++) {
		int rc = pthread_create(&o->threads[i], NULL, worker, o);
		if (rc) {
			snprintf(err, errlen, "cannot start offload thread %u: %s", i,
				 strerror(rc));
			break;
		}
		o->nthreads++;
	}
	if (!o->nthreads) {
		cs_offload_free(o);
		return NULL;
	}
	return o;
}

void cs_offload_submit(cs_offload *o, cs_offload_fn work, cs_offload_fn done, void *arg)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		abort();
	j->work = work;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&o->mu);
	if (o->tail)
		o->tail->next = j;
	else
		o->head = j;
	o->tail = j;
	o->busy++;
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

void cs_offload_dispatch(cs_offload *o)
{
	if (!o)
		return;
	pthread_mutex_lock(&o->mu);
	struct job *list = o->finished;
	o->finished = NULL;
	pthread_mutex_unlock(&o->mu);
	/* Oldest first. */
	struct job *rev = NULL;
	while (list) {
		struct job *n = list->next;
		list->next = rev;
		rev = list;
		list = n;
	}
	size_t ran = 0;
	while (rev) {
		struct job *n = rev->next;
		rev->done(rev->arg);
		free(rev);
		ran++;
		rev = n;
	}
	if (ran) {
		pthread_mutex_lock(&o->mu);
		o->busy -= ran;
		pthread_mutex_unlock(&o->mu);
	}
}

size_t cs_offload_busy(cs_offload *o)
{
	if (!o)
		return 0;
	pthread_mutex_lock(&o->mu);
	size_t n = o->busy;
	pthread_mutex_unlock(&o->mu);
	return n;
}

void cs_offload_free(cs_offload *o)
{
	if (!o)
		return;
	pthread_mutex_lock(&o->mu);
	o->stop = true;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	for (unsigned i = 0; i < o->nthreads; i++)
		pthread_join(o->threads[i], NULL);
	/* The caller is the loop thread, its loop ended: complete what
	 * finished meanwhile so that nothing is left waiting. */
	cs_offload_dispatch(o);
	free(o->threads);
	pthread_cond_destroy(&o->cv);
	pthread_mutex_destroy(&o->mu);
	free(o);
}
