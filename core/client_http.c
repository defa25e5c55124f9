/* The API client for modules in an agent process: the same requests and
 * watch streams as client_local.c, over HTTP to a remote server (libcurl).
 * Requests are served by a small pool of threads, each keeping its own
 * connection alive; every stream has a thread of its own. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "log.h"

#define POOL 16

struct job {
	struct job *next;
	char method[8];
	char *pq, *ctype, *body;
	size_t len;
	cs_client_done_fn done;
	void *arg;
};

typedef struct http {
	cs_client base;
	char *base_url;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;
	bool stopping;
	pthread_t pool[POOL];
} http;

struct buf {
	char *p;
	size_t n, cap;
};

static size_t buf_write(char *data, size_t sz, size_t nm, void *arg)
{
	struct buf *b = arg;
	size_t n = sz * nm;
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

static void run_job(http *h, CURL *curl, struct job *j)
{
	char url[4096];
	snprintf(url, sizeof(url), "%s%s", h->base_url, j->pq);
	struct buf b = {0};
	struct curl_slist *hdr = NULL;
	char ct[160];
	hdr = curl_slist_append(hdr, "Accept: application/json");
	if (j->ctype) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", j->ctype);
		hdr = curl_slist_append(hdr, ct);
	}
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, j->method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
	if (j->body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, j->body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)j->len);
	}
	CURLcode rc = curl_easy_perform(curl);
	long code = 0;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	} else {
		free(b.p);
		b.p = NULL;
		if (asprintf(&b.p, "%s %s: %s", j->method, url, curl_easy_strerror(rc)) < 0)
			abort();
		b.n = strlen(b.p);
	}
	curl_slist_free_all(hdr);
	if (!b.p) {
		b.p = strdup("");
		if (!b.p)
			abort();
	}
	j->done(j->arg, (int)code, b.p, b.n);
}

static void *pool_main(void *arg)
{
	http *h = arg;
	CURL *curl = curl_easy_init();
	if (!curl)
		abort();
	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (!h->head && !h->stopping)
			pthread_cond_wait(&h->cv, &h->mu);
		if (!h->head)
			break;
		struct job *j = h->head;
		h->head = j->next;
		if (!h->head)
			h->tail = NULL;
		pthread_mutex_unlock(&h->mu);
		run_job(h, curl, j);
		free(j->pq);
		free(j->ctype);
		free(j->body);
		free(j);
		pthread_mutex_lock(&h->mu);
	}
	pthread_mutex_unlock(&h->mu);
	curl_easy_cleanup(curl);
	return NULL;
}

static void http_request(cs_client *c, const char *method, const char *pq, const char *ctype,
			 const char *body, size_t len, cs_client_done_fn done, void *arg)
{
	http *h = (http *)c;
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		abort();
	snprintf(j->method, sizeof(j->method), "%s", method);
	j->pq = strdup(pq);
	j->ctype = ctype ? strdup(ctype) : NULL;
	if (body) {
		j->body = malloc(len + 1);
		if (!j->body)
			abort();
		memcpy(j->body, body, len);
		j->body[len] = '\0';
		j->len = len;
	}
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&h->mu);
	if (h->tail)
		h->tail->next = j;
	else
		h->head = j;
	h->tail = j;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* ---- streams ---- */

struct cs_client_stream {
	http *h;
	char *url;
	CURLM *multi;
	atomic_bool cancelled;
	pthread_t thread;
	cs_client_data_fn data;
	cs_client_end_fn end;
	void *arg;
	struct buf err; /* body of a non-200 answer */
	long code;
};

static size_t stream_write(char *data, size_t sz, size_t nm, void *arg)
{
	cs_client_stream *s = arg;
	size_t n = sz * nm;
	if (atomic_load(&s->cancelled))
		return 0; /* aborts the transfer */
	if (s->code && s->code != 200)
		return buf_write(data, sz, nm, &s->err);
	s->data(s->arg, data, n);
	return n;
}

static size_t stream_header(char *data, size_t sz, size_t nm, void *arg)
{
	cs_client_stream *s = arg;
	int code;
	if (sz * nm > 9 && !strncmp(data, "HTTP/", 5) && sscanf(data, "HTTP/%*s %d", &code) == 1)
		s->code = code;
	return sz * nm;
}

static void *stream_main(void *arg)
{
	cs_client_stream *s = arg;
	CURL *curl = curl_easy_init();
	if (!curl)
		abort();
	struct curl_slist *hdr = curl_slist_append(NULL, "Accept: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, s->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, stream_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_multi_add_handle(s->multi, curl);
	int running = 1;
	CURLcode result = CURLE_OK;
	while (running && !atomic_load(&s->cancelled)) {
		if (curl_multi_perform(s->multi, &running) != CURLM_OK)
			break;
		if (running)
			curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
	}
	int left;
	CURLMsg *m;
	while ((m = curl_multi_info_read(s->multi, &left)))
		if (m->msg == CURLMSG_DONE)
			result = m->data.result;
	curl_multi_remove_handle(s->multi, curl);
	curl_easy_cleanup(curl);
	curl_slist_free_all(hdr);
	if (!atomic_load(&s->cancelled)) {
		if (result != CURLE_OK) {
			char msg[512];
			snprintf(msg, sizeof(msg), "watch %s: %s", s->url,
				 curl_easy_strerror(result));
			s->end(s->arg, 0, msg, strlen(msg));
		} else {
			s->end(s->arg, (int)(s->code ? s->code : 200), s->err.p ? s->err.p : "",
			       s->err.n);
		}
	}
	return NULL;
}

static cs_client_stream *http_stream(cs_client *c, const char *pq, cs_client_data_fn data,
				     cs_client_end_fn end, void *arg)
{
	http *h = (http *)c;
	cs_client_stream *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->h = h;
	if (asprintf(&s->url, "%s%s", h->base_url, pq) < 0)
		abort();
	s->multi = curl_multi_init();
	s->data = data;
	s->end = end;
	s->arg = arg;
	if (!s->multi || pthread_create(&s->thread, NULL, stream_main, s)) {
		cs_log(CS_LOG_ERROR, "watch %s: cannot start a stream thread", s->url);
		if (s->multi)
			curl_multi_cleanup(s->multi);
		free(s->url);
		free(s);
		return NULL;
	}
	return s;
}

static void http_stream_cancel(cs_client_stream *s)
{
	atomic_store(&s->cancelled, true);
	curl_multi_wakeup(s->multi);
	pthread_join(s->thread, NULL);
	curl_multi_cleanup(s->multi);
	free(s->err.p);
	free(s->url);
	free(s);
}

static void http_free(cs_client *c)
{
	http *h = (http *)c;
	pthread_mutex_lock(&h->mu);
	h->stopping = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	for (int i = 0; i < POOL; i++)
		pthread_join(h->pool[i], NULL);
	free(h->base_url);
	free(h);
}

static const struct cs_client_ops http_ops = {
	.request = http_request,
	.stream = http_stream,
	.stream_cancel = http_stream_cancel,
	.free = http_free,
};

static void global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

cs_client *cs_client_http(const char *base)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, global_init);
	http *h = calloc(1, sizeof(*h));
	if (!h)
		abort();
	h->base.ops = &http_ops;
	h->base_url = strdup(base);
	size_t n = strlen(h->base_url);
	while (n && h->base_url[n - 1] == '/')
		h->base_url[--n] = '\0';
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	for (int i = 0; i < POOL; i++)
		if (pthread_create(&h->pool[i], NULL, pool_main, h))
			abort();
	return &h->base;
}
