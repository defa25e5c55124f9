/* The API client for modules in the server process: requests go through
 * the same router and handlers as HTTP clients', without a socket. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "client.h"

typedef struct local {
	cs_client base;
	cs_server *srv;
} local;

static enum cs_method method_of(const char *m)
{
	if (!strcmp(m, "GET"))
		return CS_GET;
	if (!strcmp(m, "POST"))
		return CS_POST;
	if (!strcmp(m, "PUT"))
		return CS_PUT;
	if (!strcmp(m, "PATCH"))
		return CS_PATCH;
	if (!strcmp(m, "DELETE"))
		return CS_DELETE;
	return CS_OTHER;
}

/* Split "path?query" into the two parts the server takes. */
static void split(const char *pq, char **path, const char **query)
{
	const char *q = strchr(pq, '?');
	*path = q ? strndup(pq, (size_t)(q - pq)) : strdup(pq);
	*query = q ? q + 1 : NULL;
	if (!*path)
		abort();
}

/* ---- one-shot requests ---- */

struct call {
	cs_sink sink;
	cs_client_done_fn done;
	void *arg;
	bool replied;
};

static void call_reply(cs_sink *s, int code, const char *body, size_t len)
{
	struct call *c = (struct call *)s;
	char *copy = malloc(len + 1);
	if (!copy)
		abort();
	memcpy(copy, body, len);
	copy[len] = '\0';
	c->replied = true;
	c->done(c->arg, code, copy, len);
}

static void call_chunk(cs_sink *s, const char *d, size_t n)
{
	(void)s, (void)d, (void)n;
}

static void call_end(cs_sink *s)
{
	(void)s;
}

static void call_release(cs_sink *s)
{
	struct call *c = (struct call *)s;
	if (!c->replied) {
		/* The server dropped the request without an answer (its
		 * client side went away mid-write cannot happen here, but a
		 * stop can): never leave a caller waiting. */
		static const char msg[] = "request dropped by the server";
		char *b = strdup(msg);
		c->done(c->arg, 0, b, strlen(msg));
	}
	free(c);
}

static void local_request(cs_client *cl, const char *method, const char *pq, const char *ctype,
			  const char *body, size_t len, cs_client_done_fn done, void *arg)
{
	local *l = (local *)cl;
	struct call *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->sink = (cs_sink){
		.reply = call_reply, .chunk = call_chunk, .end = call_end, .release = call_release};
	c->done = done;
	c->arg = arg;
	char *path;
	const char *query;
	split(pq, &path, &query);
	char *b = NULL;
	if (body) {
		b = malloc(len + 1);
		if (!b)
			abort();
		memcpy(b, body, len);
		b[len] = '\0';
	}
	cs_server_submit(l->srv, method_of(method), path, query, ctype, b, len, &c->sink);
	free(path);
}

/* ---- streams ---- */

struct cs_client_stream {
	cs_sink sink;
	local *l;
	pthread_mutex_t mu; /* held around callbacks: cancel waits them out */
	bool cancelled, ended;
	atomic_int refs; /* the stream submit, a cancel in flight, the owner */
	cs_client_data_fn data;
	cs_client_events_fn events;
	cs_client_end_fn end;
	void *arg;
};

static void stream_unref(cs_client_stream *s)
{
	if (atomic_fetch_sub(&s->refs, 1) == 1) {
		pthread_mutex_destroy(&s->mu);
		free(s);
	}
}

static void stream_reply(cs_sink *sk, int code, const char *body, size_t len)
{
	cs_client_stream *s = (cs_client_stream *)sk;
	pthread_mutex_lock(&s->mu);
	if (!s->cancelled && !s->ended && code != 200) {
		/* Refused before streaming (bad selector, unknown type). */
		s->ended = true;
		s->end(s->arg, code, body, len);
	}
	pthread_mutex_unlock(&s->mu);
}

static void stream_chunk(cs_sink *sk, const char *data, size_t len)
{
	cs_client_stream *s = (cs_client_stream *)sk;
	pthread_mutex_lock(&s->mu);
	if (!s->cancelled && !s->ended)
		s->data(s->arg, data, len);
	pthread_mutex_unlock(&s->mu);
}

static void stream_events(cs_sink *sk, cs_client_event *ev, size_t n)
{
	cs_client_stream *s = (cs_client_stream *)sk;
	pthread_mutex_lock(&s->mu);
	bool live = !s->cancelled && !s->ended;
	if (live)
		s->events(s->arg, ev, n);
	pthread_mutex_unlock(&s->mu);
	if (!live)
		for (size_t i = 0; i < n; i++)
			cs_json_free(ev[i].obj);
}

static void stream_end(cs_sink *sk)
{
	cs_client_stream *s = (cs_client_stream *)sk;
	pthread_mutex_lock(&s->mu);
	if (!s->cancelled && !s->ended) {
		s->ended = true;
		s->end(s->arg, 200, "", 0);
	}
	pthread_mutex_unlock(&s->mu);
}

static void stream_release(cs_sink *sk)
{
	cs_client_stream *s = (cs_client_stream *)sk;
	pthread_mutex_lock(&s->mu);
	if (!s->cancelled && !s->ended) {
		/* Released without an end (server stopping). */
		s->ended = true;
		static const char msg[] = "stream dropped by the server";
		s->end(s->arg, 0, msg, sizeof(msg) - 1);
	}
	pthread_mutex_unlock(&s->mu);
	stream_unref(s);
}

static cs_client_stream *local_stream_events(cs_client *cl, const char *pq, cs_client_data_fn data,
					     cs_client_events_fn events, cs_client_end_fn end,
					     void *arg)
{
	local *l = (local *)cl;
	cs_client_stream *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->sink = (cs_sink){.reply = stream_reply,
			    .chunk = stream_chunk,
			    .end = stream_end,
			    .events = events ? stream_events : NULL,
			    .release = stream_release};
	s->l = l;
	pthread_mutex_init(&s->mu, NULL);
	atomic_init(&s->refs, 2);
	s->data = data;
	s->events = events;
	s->end = end;
	s->arg = arg;
	char *path;
	const char *query;
	split(pq, &path, &query);
	cs_server_submit(l->srv, CS_GET, path, query, NULL, NULL, 0, &s->sink);
	free(path);
	return s;
}

static cs_client_stream *local_stream(cs_client *cl, const char *pq, cs_client_data_fn data,
				      cs_client_end_fn end, void *arg)
{
	return local_stream_events(cl, pq, data, NULL, end, arg);
}

static void local_stream_cancel(cs_client_stream *s)
{
	pthread_mutex_lock(&s->mu);
	bool ended = s->ended;
	s->cancelled = true;
	pthread_mutex_unlock(&s->mu);
	if (!ended) {
		atomic_fetch_add(&s->refs, 1);
		cs_server_cancel(s->l->srv, &s->sink);
	}
	stream_unref(s);
}

static void local_free(cs_client *c)
{
	free(c);
}

static const struct cs_client_ops local_ops = {
	.request = local_request,
	.stream = local_stream,
	.stream_events = local_stream_events,
	.stream_cancel = local_stream_cancel,
	.free = local_free,
};

cs_client *cs_client_local(cs_server *srv)
{
	local *l = calloc(1, sizeof(*l));
	if (!l)
		abort();
	l->base.ops = &local_ops;
	l->srv = srv;
	return &l->base;
}

/* ---- synchronous calls (both transports) ---- */

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int code;
	char *body;
	size_t len;
};

static void wake_waiter(void *arg, int code, char *body, size_t len)
{
	struct waiter *w = arg;
	pthread_mutex_lock(&w->mu);
	w->code = code;
	w->body = body;
	w->len = len;
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int cs_client_call(cs_client *c, const char *method, const char *pq, const char *ctype,
		   const char *body, size_t len, char **out, size_t *outlen)
{
	struct waiter w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	c->ops->request(c, method, pq, ctype, body, len, wake_waiter, &w);
	pthread_mutex_lock(&w.mu);
	while (!w.done)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	if (out) {
		*out = w.body;
		if (outlen)
			*outlen = w.len;
	} else {
		free(w.body);
	}
	return w.code;
}
