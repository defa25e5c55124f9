/* Expectations of the Job controller, as client-go's and the job
 * controller's finalizerExpectations: what this process wrote and the
 * informers have not shown yet.  A cache that lags the API must neither
 * cause extra pods nor count a finished pod twice. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "job.h"

typedef struct strv {
	char **v;
	double *t; /* per item: when it was added, or a time attached to it */
	bool *flag;
	size_t n, cap;
} strv;

typedef struct entry {
	char *uid;
	strv pods;    /* names created (flag true) or deleted (false) */
	strv unfin;   /* pod uids whose finalizer was removed */
	strv fails;   /* pod uids first seen failed at t */
	char rv[32];  /* our last status write, "" none */
	double since; /* oldest unobserved create/delete */
	struct entry *next;
} entry;

struct job_expect {
	pthread_mutex_t mu;
	entry *head;
};

static bool strv_add(strv *s, const char *v, double t, bool flag)
{
	if (s->n == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 8;
		char **nv = realloc(s->v, c * sizeof(*nv));
		if (!nv)
			return false;
		s->v = nv;
		double *nt = realloc(s->t, c * sizeof(*nt));
		if (!nt)
			return false;
		s->t = nt;
		bool *nf = realloc(s->flag, c * sizeof(*nf));
		if (!nf)
			return false;
		s->flag = nf;
		s->cap = c;
	}
	if (!(s->v[s->n] = strdup(v)))
		return false;
	s->t[s->n] = t;
	s->flag[s->n++] = flag;
	return true;
}

static void strv_del(strv *s, size_t i)
{
	free(s->v[i]);
	s->n--;
	s->v[i] = s->v[s->n];
	s->t[i] = s->t[s->n];
	s->flag[i] = s->flag[s->n];
}

static ssize_t strv_find(const strv *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], v))
			return (ssize_t)i;
	return -1;
}

static void strv_free(strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->t);
	free(s->flag);
}

static void entry_free(entry *e)
{
	strv_free(&e->pods);
	strv_free(&e->unfin);
	strv_free(&e->fails);
	free(e->uid);
	free(e);
}

job_expect *job_expect_new(void)
{
	job_expect *e = calloc(1, sizeof(*e));
	if (e)
		pthread_mutex_init(&e->mu, NULL);
	return e;
}

void job_expect_free(job_expect *e)
{
	if (!e)
		return;
	for (entry *x = e->head, *n; x; x = n) {
		n = x->next;
		entry_free(x);
	}
	pthread_mutex_destroy(&e->mu);
	free(e);
}

/* Under e->mu. */
static entry *find(job_expect *e, const char *uid, bool create)
{
	for (entry *x = e->head; x; x = x->next)
		if (!strcmp(x->uid, uid))
			return x;
	if (!create)
		return NULL;
	entry *x = calloc(1, sizeof(*x));
	if (!x || !(x->uid = strdup(uid))) {
		free(x);
		return NULL;
	}
	x->next = e->head;
	e->head = x;
	return x;
}

/* Out of memory leaves an expectation unrecorded: at worst one extra
 * wake-up acts on a lagging cache, as without expectations. */
void job_expect_pod(job_expect *e, const char *uid, const char *pod, bool created)
{
	pthread_mutex_lock(&e->mu);
	entry *x = find(e, uid, true);
	if (x) {
		if (!x->pods.n)
			x->since = ck_now();
		strv_add(&x->pods, pod, 0, created);
	}
	pthread_mutex_unlock(&e->mu);
}

void job_expect_unfinalized(job_expect *e, const char *uid, const char *pod_uid)
{
	pthread_mutex_lock(&e->mu);
	entry *x = find(e, uid, true);
	if (x && strv_find(&x->unfin, pod_uid) < 0)
		strv_add(&x->unfin, pod_uid, 0, false);
	pthread_mutex_unlock(&e->mu);
}

bool job_expect_is_unfinalized(job_expect *e, const char *uid, const char *pod_uid)
{
	pthread_mutex_lock(&e->mu);
	entry *x = find(e, uid, false);
	bool r = x && strv_find(&x->unfin, pod_uid) >= 0;
	pthread_mutex_unlock(&e->mu);
	return r;
}

void job_expect_status(job_expect *e, const char *uid, const char *rv)
{
	pthread_mutex_lock(&e->mu);
	entry *x = find(e, uid, true);
	if (x)
		snprintf(x->rv, sizeof(x->rv), "%s", rv ? rv : "");
	pthread_mutex_unlock(&e->mu);
}

/* resourceVersions of this API are decimal revisions; anything else is
 * treated as current (no guard). */
static bool rv_older(const char *cached, const char *written)
{
	char *e1, *e2;
	unsigned long long a = strtoull(cached ? cached : "", &e1, 10);
	unsigned long long b = strtoull(written, &e2, 10);
	if (!cached || !*cached || *e1 || !*written || *e2)
		return false;
	return a < b;
}

bool job_expect_satisfied(job_expect *e, const char *uid, const char *rv, job_pod_state_fn fn,
			  void *arg, uint32_t *wait_ms)
{
	pthread_mutex_lock(&e->mu);
	entry *x = find(e, uid, false);
	bool ok = true;
	*wait_ms = 0;
	if (x) {
		for (size_t i = 0; i < x->pods.n;) {
			int st = fn(arg, x->pods.v[i], NULL);
			bool seen = x->pods.flag[i] ? st >= 1 : st != 1;
			if (seen)
				strv_del(&x->pods, i);
			else
				i++;
		}
		for (size_t i = 0; i < x->unfin.n;) {
			if (fn(arg, NULL, x->unfin.v[i]) != -1)
				strv_del(&x->unfin, i);
			else
				i++;
		}
		for (size_t i = 0; i < x->fails.n;) {
			if (fn(arg, NULL, x->fails.v[i]) == 0)
				strv_del(&x->fails, i);
			else
				i++;
		}
		double age = ck_now() - x->since;
		if (x->pods.n && age < JOB_EXPECT_TIMEOUT_S) {
			ok = false;
			*wait_ms = (uint32_t)((JOB_EXPECT_TIMEOUT_S - age) * 1000) + 1;
		} else if (x->pods.n) {
			for (size_t i = x->pods.n; i > 0; i--)
				strv_del(&x->pods, i - 1);
		}
		if (x->rv[0] && rv_older(rv, x->rv)) {
			ok = false;
			*wait_ms = 100;
		} else {
			x->rv[0] = '\0';
		}
	}
	pthread_mutex_unlock(&e->mu);
	return ok;
}

double job_expect_failed_at(job_expect *e, const char *uid, const char *pod_uid, double now)
{
	pthread_mutex_lock(&e->mu);
	entry *x = find(e, uid, true);
	double t = now;
	if (x) {
		ssize_t i = strv_find(&x->fails, pod_uid);
		if (i >= 0)
			t = x->fails.t[i];
		else
			strv_add(&x->fails, pod_uid, now, false);
	}
	pthread_mutex_unlock(&e->mu);
	return t;
}

void job_expect_forget(job_expect *e, const char *uid)
{
	pthread_mutex_lock(&e->mu);
	for (entry **p = &e->head; *p; p = &(*p)->next) {
		if (!strcmp((*p)->uid, uid)) {
			entry *x = *p;
			*p = x->next;
			entry_free(x);
			break;
		}
	}
	pthread_mutex_unlock(&e->mu);
}

bool job_expect_stale(job_expect *e, const char *uid, const char *rv)
{
	pthread_mutex_lock(&e->mu);
	entry *x = find(e, uid, false);
	bool stale = x && x->rv[0] && rv_older(rv, x->rv);
	pthread_mutex_unlock(&e->mu);
	return stale;
}
