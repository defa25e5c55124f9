/* The API server: HTTP transport on the libwebsockets event loop, and the
 * request/response model the handlers use. */
#ifndef CS_API_H
#define CS_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "json.h"
#include "status.h"
#include "store.h"
#include "types.h"

#define CS_MAX_BODY (3u << 20) /* 3 MiB, as the Kubernetes API server */

enum cs_method { CS_GET, CS_POST, CS_PUT, CS_PATCH, CS_DELETE, CS_OTHER };

typedef struct cs_server cs_server;
typedef struct cs_watch cs_watch;

/* Where an in-process request (no socket: modules in this process) sends
 * its response.  Called on the loop thread; the server calls release once
 * per submitted item, after its last call. */
typedef struct cs_sink {
	void (*reply)(struct cs_sink *s, int code, const char *body, size_t len);
	void (*chunk)(struct cs_sink *s, const char *data, size_t len); /* streams */
	void (*end)(struct cs_sink *s);                                 /* streams */
	/* Optional: watch events with their objects parsed instead of as
	 * lines through chunk (the sink takes every obj). */
	void (*events)(struct cs_sink *s, cs_client_event *ev, size_t n);
	void (*release)(struct cs_sink *s);
	struct cs_req *r; /* loop thread only */
} cs_sink;

typedef struct cs_req {
	struct lws *wsi; /* NULL once the client has gone */
	cs_server *srv;
	enum cs_method method;
	char path[1024];
	size_t nq;
	char *qk[32], *qv[32]; /* decoded query parameters */
	char accept[512];
	char content_type[128];
	char *body;
	size_t body_len, body_cap;
	bool body_too_large;

	/* response: head + body in one buffer with LWS_PRE headroom */
	char *out; /* malloc'd, data starts at out + LWS_PRE */
	size_t out_len, out_off;
	bool replied, pending; /* pending: waiting for the store */
	bool finished;         /* transaction completed */
	bool ending;           /* stream terminator queued, not yet sent */
	int code;

	cs_watch *watch; /* set for streaming watch responses */

	cs_sink *sink; /* in-process request: no wsi, responses go here */
	/* Made from an admission module's callback: no module admission
	 * (sdk/include/capstan/admission.h). */
	bool skip_module_admission;
	bool iwant;           /* in the server's internal writable list */
	bool cancelled;       /* the in-process client ended the stream */
	struct cs_req *inext; /* that list */

	/* metrics labels */
	uint64_t t0_ns;
	const char *verb;
	const char *resource;
} cs_req;

/* Query parameter or NULL. */
const char *cs_req_query(const cs_req *r, const char *key);
/* includeObject for Table responses: "Metadata" when absent; NULL with st
 * set to 400 when it is not one of None, Metadata, Object. */
const char *cs_req_include_object(const cs_req *r, cs_status *st);
/* A store write for r completed: free r if its client has gone. */
void cs_req_release(cs_req *r);
/* No idle timeout for this connection (watch streams). */
void cs_req_no_timeout(cs_req *r);

/* Replies; each may be called once per request.  They take ownership of
 * the body. */
void cs_reply_json(cs_req *r, int code, cs_json *body);
void cs_reply_raw(cs_req *r, int code, const char *ctype, const char *body, size_t len);
void cs_reply_status(cs_req *r, const cs_status *st);
void cs_reply_error(cs_req *r, int code, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Streaming (watch): send the head now, then chunks; the transport calls
 * cs_watch_writable() whenever the socket can take more. */
void cs_reply_stream_begin(cs_req *r, int code, const char *ctype);
/* Queue one chunk (copied).  Returns false if the peer is gone.  Does not
 * schedule a write: see cs_req_want_write() and cs_req_send_now(). */
bool cs_stream_write(cs_req *r, const char *data, size_t len);
/* Whether the stream takes watch events parsed (an in-process sink with
 * events), and handing them over: the chunks queued before go first; the
 * sink takes every obj. */
bool cs_stream_takes_events(const cs_req *r);
void cs_stream_events(cs_req *r, cs_client_event *ev, size_t n);
/* Write what is queued right away (loop thread, outside the writable
 * callback); lws buffers what the socket does not take. */
void cs_req_send_now(cs_req *r);
/* True while the socket has not taken earlier output (lws holds it). */
bool cs_req_blocked(const cs_req *r);
/* Bytes queued and not yet written to the socket. */
size_t cs_stream_backlog(const cs_req *r);
void cs_stream_end(cs_req *r);
void cs_req_want_write(cs_req *r);

/* ---- implemented by the handler files ---- */

/* Route and handle one complete request (api_router.c). */
void cs_api_dispatch(cs_req *r);

/* Watch plumbing (api_watch.c). */
void cs_watch_start(cs_req *r, const cs_type *t, const char *ns, const char *name);
void cs_watch_on_event(cs_server *srv, cs_event *ev);
/* Queue the next events (or initial state) when the socket has drained. */
void cs_watch_writable(cs_req *r);
/* True if the watch has events or initial state left to send; false marks
 * it idle, to be woken by the next fan-out. */
bool cs_watch_more(cs_req *r);
/* After a dispatched batch: push new events to idle watchers directly. */
void cs_watch_fanout(cs_server *srv);
/* End every watch stream (shutdown); returns how many were open. */
size_t cs_watch_close_all(cs_server *srv);
/* Streams ended but not yet flushed to their clients. */
size_t cs_pending_output(cs_server *srv);
void cs_watch_closed(cs_req *r);
void cs_watch_tick(cs_server *srv); /* timeouts and bookmarks, ~1/s */
size_t cs_watch_count(cs_server *srv);

/* Object handlers (api_objects.c). */
/* Create the built-in namespaces and wait until they are durable. */
int cs_bootstrap(cs_server *srv, char *err, size_t errlen);
typedef struct cs_target {
	const cs_type *type;
	const char *ns;   /* NULL for cluster scope or all namespaces */
	const char *name; /* NULL for collections */
	const char *sub;  /* "status", "scale" or NULL */
} cs_target;
void cs_api_objects(cs_req *r, const cs_target *t);

/* Discovery, health, version, openapi (api_discovery.c).  Returns true if
 * handled. */
bool cs_api_discovery(cs_req *r);

/* Metrics (metrics.c). */
void cs_metrics_observe(const char *verb, const char *resource, int code, uint64_t ns);
char *cs_metrics_render(cs_server *srv, size_t *len);

/* Server-wide state. */
struct cs_server {
	cs_store *store;
	struct lws_context *ctx;
	char listen[256];
	int port;
	cs_watch *watches; /* intrusive list */
	size_t nwatches;
	bool fanout_pending; /* events arrived since the last fan-out */
	volatile int stop;
	uint64_t started_ns;

	/* In-process requests from module threads (cs_server_submit). */
	struct cs_ireq *iq_head, *iq_tail; /* guarded by iq_lock */
	void *iq_lock;                     /* pthread_mutex_t */
	cs_req *iwrit;                     /* in-process streams to service */
	bool serving;                      /* the loop runs: submits are served */
	/* Hooks for the process around the server (main.c), all called on
	 * the loop thread and never blocking: */
	void (*on_ready)(cs_server *srv);  /* the API serves */
	void (*on_reload)(cs_server *srv); /* SIGHUP */
	void (*on_stop)(cs_server *srv);   /* stop requested; serve until
					    * stop_done is set */
	/* Extra /healthz checks: 0 ok, else -1; one line per check in buf.
	 * ready: for /readyz, which also waits for the modules' informers
	 * to have listed (Kubernetes' informer-sync check). */
	int (*health)(cs_server *srv, bool ready, char *buf, size_t n);
	void *hook_arg;
	/* Admission modules (core/modadmit.h), set before cs_server_run; NULL:
	 * none.  Their calls run on the offload threads. */
	struct cs_modadmit *admit;
	struct cs_offload *offload;
	volatile int stop_done;
	volatile int reload; /* SIGHUP seen */
};

/* Submit an in-process request from any thread.  path has no query;
 * query is "k=v&k2=v2" (URL-encoded) or NULL.  body (malloc'd, may be
 * NULL) is taken over.  If the server is not serving, sink->reply gets
 * 503 at once (on the calling thread). */
void cs_server_submit(cs_server *srv, enum cs_method m, const char *path, const char *query,
		      const char *ctype, char *body, size_t len, cs_sink *sink);
/* Wake the loop (any thread), e.g. after setting stop or stop_done. */
void cs_server_wake(cs_server *srv);
/* End the stream behind sink (any thread); release follows. */
void cs_server_cancel(cs_server *srv, cs_sink *sink);

/* Store key for an object ("core/pods/ns/name") and collection prefixes. */
void cs_key(char *buf, size_t n, const cs_type *t, const char *ns, const char *name);
void cs_key_prefix(char *buf, size_t n, const cs_type *t, const char *ns);

int cs_server_run(cs_server *srv, const char *listen, cs_store_opts *sopts, const char *data_dir,
		  char *err, size_t errlen);
uint64_t cs_now_ns(void);

#endif
