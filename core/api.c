/* HTTP transport: libwebsockets parses requests and runs the event loop;
 * responses are written as raw HTTP/1.1 bytes from a per-request queue, so
 * a whole small response leaves in one send() and watch streams can apply
 * back-pressure (the next events are produced only when the queue drains). */
#include "api.h"

#include <errno.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "modadmit.h"
#include "offload.h"

/* Bytes handed to one lws_write: big enough for throughput, small enough
 * that one huge LIST cannot starve other connections. */
#define WRITE_SLICE (256u << 10)
/* Oversized bodies up to this size are drained before the 413. */
#define CS_DRAIN_LIMIT (64u << 20)

struct pss {
	cs_req *req;
};

static cs_server *g_srv;

uint64_t cs_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

const char *cs_req_query(const cs_req *r, const char *key)
{
	for (size_t i = 0; i < r->nq; i++)
		if (!strcmp(r->qk[i], key))
			return r->qv[i];
	return NULL;
}

const char *cs_req_include_object(const cs_req *r, cs_status *st)
{
	const char *inc = cs_req_query(r, "includeObject");
	if (!inc || !*inc)
		return "Metadata";
	if (strcmp(inc, "None") && strcmp(inc, "Metadata") && strcmp(inc, "Object")) {
		cs_status_set(st, 400, "BadRequest",
			      "includeObject \"%s\" is not one of None, Metadata, Object", inc);
		return NULL;
	}
	return inc;
}

/* ---- output queue ---- */

static void out_reserve(cs_req *r, size_t more)
{
	size_t need = LWS_PRE + r->out_len + more + 16;
	size_t cap = r->out ? *(size_t *)(r->out) : 0;
	if (need <= cap)
		return;
	/* Drop what has been sent before growing. */
	if (r->out && r->out_off) {
		memmove(r->out + LWS_PRE, r->out + LWS_PRE + r->out_off, r->out_len - r->out_off);
		r->out_len -= r->out_off;
		r->out_off = 0;
		need = LWS_PRE + r->out_len + more + 16;
		if (need <= cap)
			return;
	}
	size_t ncap = cap ? cap * 2 : 4096;
	while (ncap < need)
		ncap *= 2;
	char *n = realloc(r->out, ncap);
	if (!n)
		abort();
	/* The capacity lives in the (otherwise unused) headroom. */
	*(size_t *)n = ncap;
	r->out = n;
}

static void out_append(cs_req *r, const char *data, size_t len)
{
	out_reserve(r, len);
	memcpy(r->out + LWS_PRE + r->out_len, data, len);
	r->out_len += len;
}

static void out_printf(cs_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(cs_req *r, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_append(r, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void cs_req_want_write(cs_req *r)
{
	if (r->wsi) {
		lws_callback_on_writable(r->wsi);
	} else if (r->sink && !r->iwant) {
		/* Serviced from the loop's wake-up, like a writable socket. */
		r->iwant = true;
		r->inext = r->srv->iwrit;
		r->srv->iwrit = r;
		lws_cancel_service(r->srv->ctx);
	}
}

static const char *reason_phrase(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Request Entity Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void out_str(cs_req *r, const char *s)
{
	out_append(r, s, strlen(s));
}

/* Decimal text of v, without printf: every response goes through here. */
static void out_u64(cs_req *r, unsigned long long v)
{
	char b[24];
	size_t i = sizeof(b);
	do
		b[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i);
	out_append(r, b + i, sizeof(b) - i);
}

static void head(cs_req *r, int code, const char *ctype, long long len)
{
	r->code = code;
	out_str(r, "HTTP/1.1 ");
	if (code < 0) {
		out_str(r, "-");
		code = -code;
	}
	out_u64(r, (unsigned long long)code);
	out_str(r, " ");
	out_str(r, reason_phrase(r->code));
	out_str(r, "\r\nContent-Type: ");
	out_str(r, ctype);
	out_str(r, "\r\nCache-Control: no-cache, private\r\n");
	if (len >= 0) {
		out_str(r, "Content-Length: ");
		out_u64(r, (unsigned long long)len);
		out_str(r, "\r\n");
	} else {
		out_str(r, "Transfer-Encoding: chunked\r\n");
	}
	if (r->body_too_large)
		out_str(r, "Connection: close\r\n");
	out_append(r, "\r\n", 2);
}

void cs_reply_raw(cs_req *r, int code, const char *ctype, const char *body, size_t len)
{
	if (r->replied)
		return;
	r->replied = true;
	if (r->sink) {
		r->code = code;
		cs_metrics_observe(r->verb ? r->verb : "other", r->resource ? r->resource : "",
				   code, cs_now_ns() - r->t0_ns);
		r->sink->reply(r->sink, code, body, len);
		return;
	}
	head(r, code, ctype, (long long)len);
	out_append(r, body, len);
	cs_req_want_write(r);
}

void cs_reply_json(cs_req *r, int code, cs_json *body)
{
	size_t len;
	char *s = cs_json_dump(body, false, &len);
	cs_json_free(body);
	cs_reply_raw(r, code, "application/json", s, len);
	free(s);
}

void cs_reply_status(cs_req *r, const cs_status *st)
{
	cs_reply_json(r, st->code ? st->code : 500, cs_status_json(st));
}

void cs_reply_error(cs_req *r, int code, const char *reason, const char *fmt, ...)
{
	cs_status st = {0};
	va_list ap;
	st.code = code;
	snprintf(st.reason, sizeof(st.reason), "%s", reason);
	va_start(ap, fmt);
	vsnprintf(st.message, sizeof(st.message), fmt, ap);
	va_end(ap);
	cs_reply_status(r, &st);
}

void cs_reply_stream_begin(cs_req *r, int code, const char *ctype)
{
	r->replied = true;
	if (r->sink) {
		r->code = code;
		cs_req_want_write(r);
		return;
	}
	head(r, code, ctype, -1);
	cs_req_want_write(r);
}

bool cs_stream_write(cs_req *r, const char *data, size_t len)
{
	if (!r->wsi && !r->sink)
		return false;
	if (!len)
		return true;
	if (r->sink) {
		out_append(r, data, len);
		return true;
	}
	out_printf(r, "%zx\r\n", len);
	out_append(r, data, len);
	out_append(r, "\r\n", 2);
	return true;
}

/* In-process streams: hand what is queued to the sink. */
static void sink_flush(cs_req *r)
{
	size_t avail = r->out_len - r->out_off;
	if (avail)
		r->sink->chunk(r->sink, r->out + LWS_PRE + r->out_off, avail);
	r->out_off = r->out_len = 0;
}

bool cs_stream_takes_events(const cs_req *r)
{
	return r->sink && r->sink->events;
}

void cs_stream_events(cs_req *r, cs_client_event *ev, size_t n)
{
	if (!n)
		return;
	sink_flush(r);
	r->sink->events(r->sink, ev, n);
}

bool cs_req_blocked(const cs_req *r)
{
	return r->wsi && lws_partial_buffered(r->wsi);
}

void cs_req_send_now(cs_req *r)
{
	size_t avail = r->out_len - r->out_off;
	if (r->sink) {
		sink_flush(r);
		return;
	}
	if (!r->wsi || !avail)
		return;
	/* lws keeps whatever the socket does not take and sends it when it
	 * can, so a direct write is safe on the service thread. */
	if (lws_write(r->wsi, (unsigned char *)r->out + LWS_PRE + r->out_off, avail,
		      LWS_WRITE_RAW) < (int)avail) {
		lws_set_timeout(r->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
		return;
	}
	r->out_off = r->out_len = 0;
}

size_t cs_stream_backlog(const cs_req *r)
{
	return r->out_len - r->out_off;
}

static size_t g_ending;

size_t cs_pending_output(cs_server *srv)
{
	(void)srv;
	return g_ending;
}

void cs_stream_end(cs_req *r)
{
	if (r->sink) {
		r->ending = true;
		r->watch = NULL;
		cs_req_want_write(r);
		return;
	}
	if (!r->ending) {
		r->ending = true;
		g_ending++;
	}
	out_append(r, "0\r\n\r\n", 5);
	r->watch = NULL;
	cs_req_want_write(r);
}

/* ---- request lifecycle ---- */

static void req_free(cs_req *r)
{
	if (!r)
		return;
	if (r->sink) {
		r->sink->r = NULL;
		r->sink->release(r->sink);
	} else if (r->ending) {
		g_ending--;
	}
	for (size_t i = 0; i < r->nq; i++) {
		free(r->qk[i]);
		free(r->qv[i]);
	}
	free(r->body);
	free(r->out);
	free(r);
}

static enum cs_method method_of(struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
		return CS_GET;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
		return CS_POST;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI))
		return CS_PUT;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_PATCH_URI))
		return CS_PATCH;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI))
		return CS_DELETE;
	return CS_OTHER;
}

static void copy_hdr(struct lws *wsi, char *dst, size_t n, enum lws_token_indexes tok)
{
	dst[0] = '\0';
	if (lws_hdr_total_length(wsi, tok) > 0 && lws_hdr_copy(wsi, dst, (int)n, tok) < 0)
		dst[0] = '\0';
}

static cs_req *req_begin(struct lws *wsi, const char *uri, size_t len)
{
	cs_req *r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->wsi = wsi;
	r->srv = g_srv;
	r->t0_ns = cs_now_ns();
	r->method = method_of(wsi);
	snprintf(r->path, sizeof(r->path), "%.*s", (int)len, uri);
	copy_hdr(wsi, r->accept, sizeof(r->accept), WSI_TOKEN_HTTP_ACCEPT);
	copy_hdr(wsi, r->content_type, sizeof(r->content_type), WSI_TOKEN_HTTP_CONTENT_TYPE);
	char frag[4096];
	for (int i = 0; r->nq < 32; i++) {
		int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n <= 0)
			break;
		char *eq = strchr(frag, '=');
		r->qk[r->nq] = strndup(frag, eq ? (size_t)(eq - frag) : strlen(frag));
		r->qv[r->nq] = strdup(eq ? eq + 1 : "");
		r->nq++;
	}
	return r;
}

static void run(cs_req *r)
{
	if (r->body_too_large) {
		cs_reply_error(r, 413, "RequestEntityTooLarge",
			       "the request body is larger than the %u byte limit", CS_MAX_BODY);
		return;
	}
	cs_api_dispatch(r);
}

/* Returns -1 to close the connection. */
static int on_writable(struct lws *wsi, struct pss *pss)
{
	cs_req *r = pss->req;
	if (!r)
		return 0;
	/* A watch produces its next events only once the last ones left. */
	if (r->watch && r->out_len == r->out_off)
		cs_watch_writable(r);
	size_t avail = r->out_len - r->out_off;
	if (avail) {
		size_t n = avail < WRITE_SLICE ? avail : WRITE_SLICE;
		if (lws_write(wsi, (unsigned char *)r->out + LWS_PRE + r->out_off, n,
			      LWS_WRITE_RAW) < (int)n)
			return -1;
		r->out_off += n;
		if (r->out_off == r->out_len)
			r->out_off = r->out_len = 0;
	}
	if (r->out_len) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (r->watch) {
		if (cs_watch_more(r))
			lws_callback_on_writable(wsi);
		return 0;
	}
	if (!r->replied)
		return 0;
	/* Whole response queued to the socket. */
	cs_metrics_observe(r->verb ? r->verb : "other", r->resource ? r->resource : "", r->code,
			   cs_now_ns() - r->t0_ns);
	bool close = r->body_too_large;
	pss->req = NULL;
	req_free(r);
	if (close)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- in-process requests (module threads in this process) ---- */

struct cs_ireq {
	struct cs_ireq *next;
	bool cancel;
	enum cs_method method;
	char *path, *query, *body;
	size_t len;
	char ctype[128];
	cs_sink *sink;
	bool skip_module_admission;
};

static void ireq_free(struct cs_ireq *q)
{
	free(q->path);
	free(q->query);
	free(q->body);
	free(q);
}

static const char unavailable[] =
	"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
	"\"message\":\"the API is not serving (starting or stopping)\",\"reason\":"
	"\"ServiceUnavailable\",\"code\":503}";

static void ireq_push(cs_server *srv, struct cs_ireq *q)
{
	pthread_mutex_lock(srv->iq_lock);
	if (!srv->serving) {
		pthread_mutex_unlock(srv->iq_lock);
		if (!q->cancel)
			q->sink->reply(q->sink, 503, unavailable, sizeof(unavailable) - 1);
		q->sink->release(q->sink);
		ireq_free(q);
		return;
	}
	if (srv->iq_tail)
		srv->iq_tail->next = q;
	else
		srv->iq_head = q;
	srv->iq_tail = q;
	pthread_mutex_unlock(srv->iq_lock);
	lws_cancel_service(srv->ctx);
}

void cs_server_submit(cs_server *srv, enum cs_method m, const char *path, const char *query,
		      const char *ctype, char *body, size_t len, cs_sink *sink)
{
	struct cs_ireq *q = calloc(1, sizeof(*q));
	if (!q)
		abort();
	q->method = m;
	q->path = strdup(path);
	q->query = query ? strdup(query) : NULL;
	q->body = body;
	q->len = len;
	snprintf(q->ctype, sizeof(q->ctype), "%s", ctype ? ctype : "");
	q->sink = sink;
	q->skip_module_admission = cs_modadmit_active;
	ireq_push(srv, q);
}

void cs_server_wake(cs_server *srv)
{
	if (srv->ctx)
		lws_cancel_service(srv->ctx);
}

void cs_server_cancel(cs_server *srv, cs_sink *sink)
{
	struct cs_ireq *q = calloc(1, sizeof(*q));
	if (!q)
		abort();
	q->cancel = true;
	q->sink = sink;
	q->skip_module_admission = cs_modadmit_active;
	ireq_push(srv, q);
}

static int unhex(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

static char *urldecode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	if (!out)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && unhex(s[i + 1]) >= 0 && unhex(s[i + 2]) >= 0) {
			*o++ = (char)(unhex(s[i + 1]) * 16 + unhex(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i] == '+' ? ' ' : s[i];
		}
	}
	*o = '\0';
	return out;
}

static cs_req *ireq_begin(cs_server *srv, struct cs_ireq *q)
{
	cs_req *r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->srv = srv;
	r->sink = q->sink;
	r->skip_module_admission = q->skip_module_admission;
	q->sink->r = r;
	r->t0_ns = cs_now_ns();
	r->method = q->method;
	snprintf(r->path, sizeof(r->path), "%s", q->path);
	snprintf(r->accept, sizeof(r->accept), "application/json");
	snprintf(r->content_type, sizeof(r->content_type), "%s", q->ctype);
	for (const char *p = q->query; p && *p && r->nq < 32;) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		r->qk[r->nq] = urldecode(p, eq ? (size_t)(eq - p) : n);
		r->qv[r->nq] = eq ? urldecode(eq + 1, n - (size_t)(eq + 1 - p)) : strdup("");
		r->nq++;
		p = amp ? amp + 1 : p + n;
	}
	if (q->len > CS_MAX_BODY) {
		r->body_too_large = true;
	} else if (q->body) {
		r->body = q->body;
		r->body_len = q->len;
		r->body_cap = q->len + 1;
		q->body = NULL;
	}
	return r;
}

/* Service in-process requests and streams; loop thread. */
static void internal_run(cs_server *srv)
{
	pthread_mutex_lock(srv->iq_lock);
	struct cs_ireq *q = srv->iq_head;
	srv->iq_head = srv->iq_tail = NULL;
	pthread_mutex_unlock(srv->iq_lock);
	while (q) {
		struct cs_ireq *next = q->next;
		if (q->cancel) {
			cs_req *r = q->sink->r;
			if (r && !r->pending) {
				if (r->watch)
					cs_watch_closed(r);
				r->watch = NULL;
				r->ending = true; /* freed below, without an end call */
				r->cancelled = true;
				r->replied = true;
				cs_req_want_write(r);
			}
			q->sink->release(q->sink);
		} else {
			cs_req *r = ireq_begin(srv, q);
			run(r);
			if (r->replied && !r->pending && !r->watch && !r->iwant)
				req_free(r);
		}
		ireq_free(q);
		q = next;
	}
	cs_req *list = srv->iwrit;
	srv->iwrit = NULL;
	while (list) {
		cs_req *r = list;
		list = r->inext;
		r->iwant = false;
		if (r->watch && r->out_len == r->out_off)
			cs_watch_writable(r);
		sink_flush(r);
		if (r->watch) {
			if (cs_watch_more(r))
				cs_req_want_write(r);
			continue;
		}
		if (r->ending) {
			if (r->sink->r == r && !r->cancelled)
				r->sink->end(r->sink);
			req_free(r);
		}
	}
}

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		   size_t len)
{
	struct pss *pss = user;
	/* lws reports some connections (e.g. ones it rejected while parsing
	 * the request line) without per-session data. */
	if (!pss && reason != LWS_CALLBACK_EVENT_WAIT_CANCELLED)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_HTTP: {
		if (pss->req) {
			/* lws started a new transaction on a connection whose
			 * previous one we still own: drop it. */
			if (pss->req->pending)
				pss->req->wsi = NULL;
			else
				req_free(pss->req);
		}
		cs_req *r = req_begin(wsi, in, len);
		pss->req = r;
		char cl[32];
		copy_hdr(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH);
		long long clen = cl[0] ? strtoll(cl, NULL, 10) : 0;
		if (clen > (long long)CS_MAX_BODY) {
			r->body_too_large = true;
			/* Read and drop a moderately oversized body so the client
			 * sees the 413 rather than a reset while still sending. */
			if (clen <= (long long)CS_DRAIN_LIMIT)
				return 0;
		}
		if (clen > 0 && !r->body_too_large) {
			r->body_cap = (size_t)clen + 1;
			r->body = malloc(r->body_cap);
			if (!r->body)
				abort();
			return 0; /* wait for LWS_CALLBACK_HTTP_BODY_COMPLETION */
		}
		run(r);
		return 0;
	}
	case LWS_CALLBACK_HTTP_BODY: {
		cs_req *r = pss->req;
		if (!r || r->body_too_large)
			return 0;
		if (r->body_len + len > CS_MAX_BODY) {
			r->body_too_large = true;
			return 0;
		}
		if (r->body_len + len + 1 > r->body_cap) {
			r->body_cap = (r->body_len + len + 1) * 2;
			r->body = realloc(r->body, r->body_cap);
			if (!r->body)
				abort();
		}
		memcpy(r->body + r->body_len, in, len);
		r->body_len += len;
		r->body[r->body_len] = '\0';
		return 0;
	}
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (pss->req && !pss->req->replied && !pss->req->pending)
			run(pss->req);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE: return on_writable(wsi, pss);
	case LWS_CALLBACK_CLOSED_HTTP:
		if (pss->req) {
			cs_req *r = pss->req;
			pss->req = NULL;
			if (r->watch)
				cs_watch_closed(r);
			r->wsi = NULL;
			/* A write in flight still owns r; its completion frees it. */
			if (!r->pending)
				req_free(r);
		}
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		cs_store_dispatch(g_srv->store);
		cs_offload_dispatch(g_srv->offload);
		cs_watch_fanout(g_srv);
		internal_run(g_srv);
		return 0;
	default: break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

void cs_req_release(cs_req *r)
{
	r->pending = false;
	/* An in-process stream lives on until it ends; anything else that has
	 * no socket is done. */
	if (!r->wsi && !(r->sink && r->watch))
		req_free(r);
}

static const struct lws_protocols protocols[] = {
	/* tx_packet_size: lws caps each send() at this (0: its 4 KiB service
	 * buffer, then it buffers the rest and sends it 4 KiB per turn of the
	 * loop, which starved watchers and large lists under load). */
	{"http", http_cb, sizeof(struct pss), 0, 0, NULL, WRITE_SLICE},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void wake(void *arg)
{
	cs_server *srv = arg;
	if (srv->ctx)
		lws_cancel_service(srv->ctx);
}

static void on_event(void *arg, cs_event *ev)
{
	cs_watch_on_event(arg, ev);
}

static lws_sorted_usec_list_t tick_sul;
static void tick(lws_sorted_usec_list_t *sul)
{
	cs_watch_tick(g_srv);
	lws_sul_schedule(g_srv->ctx, 0, sul, tick, LWS_US_PER_SEC);
}

static void on_signal(int sig)
{
	if (g_srv) {
		if (sig == SIGHUP)
			g_srv->reload = 1;
		else
			g_srv->stop = 1;
		if (g_srv->ctx)
			lws_cancel_service(g_srv->ctx);
	}
}

static void lws_logger(int level, const char *line)
{
	size_t n = strlen(line);
	while (n && line[n - 1] == '\n')
		n--;
	cs_log(level == LLL_ERR ? CS_LOG_ERROR : CS_LOG_WARN, "http: %.*s", (int)n, line);
}

void cs_key_prefix(char *buf, size_t n, const cs_type *t, const char *ns)
{
	if (t->namespaced && ns)
		snprintf(buf, n, "%s/%s/%s/", t->group[0] ? t->group : "core", t->resource, ns);
	else
		snprintf(buf, n, "%s/%s/", t->group[0] ? t->group : "core", t->resource);
}

void cs_key(char *buf, size_t n, const cs_type *t, const char *ns, const char *name)
{
	if (t->namespaced)
		snprintf(buf, n, "%s/%s/%s/%s", t->group[0] ? t->group : "core", t->resource,
			 ns ? ns : "", name);
	else
		snprintf(buf, n, "%s/%s/%s", t->group[0] ? t->group : "core", t->resource, name);
}

int cs_server_run(cs_server *srv, const char *listen, cs_store_opts *sopts, const char *data_dir,
		  char *err, size_t errlen)
{
	char host[256];
	int port;
	if (cs_listen_parse(listen, host, sizeof(host), &port, err, errlen) < 0)
		return -1;
	g_srv = srv;
	srv->started_ns = cs_now_ns();
	static pthread_mutex_t iq_lock = PTHREAD_MUTEX_INITIALIZER;
	srv->iq_lock = &iq_lock;
	snprintf(srv->listen, sizeof(srv->listen), "%s", listen);
	srv->port = port;

	/* Watches hold a socket each; 1024 descriptors is too few. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 1048576 ? 1048576 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	sopts->wake = wake;
	sopts->wake_arg = srv;
	sopts->on_event = on_event;
	sopts->event_arg = srv;
	if (cs_store_open(&srv->store, data_dir, sopts, err, errlen) < 0)
		return -1;

	lws_set_log_level(LLL_ERR, lws_logger);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = host;
	info.protocols = protocols;
	info.max_http_header_data = 16384;
	info.timeout_secs = 30;
	info.fd_limit_per_thread = 65536;
	if (!strchr(host, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	if (!strcmp(host, "localhost"))
		info.iface = "127.0.0.1";
	srv->ctx = lws_create_context(&info);
	if (!srv->ctx) {
		snprintf(err, errlen, "cannot listen on %s (address in use or not available)",
			 listen);
		cs_store_close(srv->store);
		srv->store = NULL;
		return -1;
	}
	if (cs_bootstrap(srv, err, errlen) < 0) {
		lws_context_destroy(srv->ctx);
		cs_store_close(srv->store);
		return -1;
	}
	/* Admission calls into modules may block (they may call the API):
	 * never on this loop.  Four threads let that many requests wait on
	 * modules at once while the loop serves the calls they make. */
	srv->offload = cs_offload_new(srv, 4, err, errlen);
	if (!srv->offload) {
		lws_context_destroy(srv->ctx);
		cs_store_close(srv->store);
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	lws_sul_schedule(srv->ctx, 0, &tick_sul, tick, LWS_US_PER_SEC);
	struct lws_vhost *vh = lws_get_vhost_by_name(srv->ctx, "default");
	if (vh && port == 0) {
		/* Port 0 asks the kernel for a free port: report the real one. */
		srv->port = lws_get_vhost_listen_port(vh);
		char hp[sizeof(srv->listen)];
		if (snprintf(hp, sizeof(hp), "%.200s:%d", host, srv->port) > 0)
			memcpy(srv->listen, hp, sizeof(hp));
	}
	cs_log(CS_LOG_INFO, "API serving on http://%s (store %s/store, revision %llu)", srv->listen,
	       data_dir, (unsigned long long)cs_store_rev(srv->store));
	pthread_mutex_lock(srv->iq_lock);
	srv->serving = true;
	pthread_mutex_unlock(srv->iq_lock);
	if (srv->on_ready)
		srv->on_ready(srv);
	bool stopping = false;
	for (;;) {
		if (srv->reload) {
			srv->reload = 0;
			if (srv->on_reload && !stopping)
				srv->on_reload(srv);
		}
		if (srv->stop && !stopping) {
			stopping = true;
			cs_log(CS_LOG_INFO, "stop requested");
			if (srv->on_stop)
				srv->on_stop(srv);
			else
				srv->stop_done = 1;
		}
		/* Modules stop while the API still serves them. */
		if (stopping && srv->stop_done)
			break;
		if (lws_service(srv->ctx, 0) < 0)
			break;
	}
	cs_log(CS_LOG_INFO, "shutting down");
	/* The modules' last words (stream cancellations as their informers
	 * stopped) may have arrived with stop_done, before the loop serviced
	 * them: a cancellation dropped below would leave its stream's request
	 * behind. */
	internal_run(srv);
	pthread_mutex_lock(srv->iq_lock);
	srv->serving = false;
	struct cs_ireq *left = srv->iq_head;
	srv->iq_head = srv->iq_tail = NULL;
	pthread_mutex_unlock(srv->iq_lock);
	while (left) {
		struct cs_ireq *next = left->next;
		if (!left->cancel)
			left->sink->reply(left->sink, 503, unavailable, sizeof(unavailable) - 1);
		left->sink->release(left->sink);
		ireq_free(left);
		left = next;
	}
	/* Requests in admission finish (modules were stopped first, so the
	 * chain is empty or short) before the threads go. */
	uint64_t until = cs_now_ns() + 5000000000ULL;
	while (cs_now_ns() < until && cs_offload_busy(srv->offload) > 0)
		if (lws_service(srv->ctx, 0) < 0)
			break;
	cs_offload_free(srv->offload);
	srv->offload = NULL;
	/* End open watch streams properly so clients see a complete response
	 * and reconnect, rather than a truncated one. */
	if (cs_watch_close_all(srv)) {
		uint64_t until = cs_now_ns() + 500000000ULL;
		while (cs_now_ns() < until && cs_watch_count(srv) + cs_pending_output(srv) > 0)
			if (lws_service(srv->ctx, 0) < 0)
				break;
		/* In-process streams end (and are freed) there, not on a socket. */
		internal_run(srv);
	}
	lws_context_destroy(srv->ctx);
	srv->ctx = NULL;
	cs_store_close(srv->store);
	srv->store = NULL;
	return 0;
}

void cs_req_no_timeout(cs_req *r)
{
	if (r->wsi)
		lws_set_timeout(r->wsi, NO_PENDING_TIMEOUT, 0);
}
