/* The API as module hosts reach it: raw HTTP requests and watch streams,
 * independent of where the server is.  Two transports implement it:
 *   client_local.c  the server in this process (no socket, same handlers)
 *   client_http.c   a remote server over HTTP (libcurl), for agents.
 * Callbacks run on a transport thread (the API loop for local, a curl
 * thread for HTTP): they must be short and must not block. */
#ifndef CS_CLIENT_H
#define CS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

/* Response: code 0 means the server could not be reached (err text in
 * body).  body is malloc'd and owned by the callee. */
typedef void (*cs_client_done_fn)(void *arg, int code, char *body, size_t len);
/* One chunk of a stream (not aligned to lines). */
typedef void (*cs_client_data_fn)(void *arg, const char *data, size_t len);
/* The stream ended: code 200 after a normal end, else the failure (and
 * its body). */
typedef void (*cs_client_end_fn)(void *arg, int code, const char *body, size_t len);

/* A watch event handed over parsed (the local transport's stream_events):
 * obj is a shared tree (json.h) with one reference, the callee's. */
typedef struct cs_client_event {
	const char *type; /* "ADDED", "MODIFIED" or "DELETED" (static) */
	cs_json *obj;
} cs_client_event;
/* Events in stream order; the callee takes every obj (also when it drops
 * them), not the array. */
typedef void (*cs_client_events_fn)(void *arg, cs_client_event *ev, size_t n);

typedef struct cs_client cs_client;
typedef struct cs_client_stream cs_client_stream;

struct cs_client_ops {
	/* method: "GET", "POST", ...; path_query: "/api/v1/pods?limit=5". */
	void (*request)(cs_client *c, const char *method, const char *path_query, const char *ctype,
			const char *body, size_t len, cs_client_done_fn done, void *arg);
	/* A streaming GET (watch).  Returns NULL when it cannot start (end is
	 * not called then). */
	cs_client_stream *(*stream)(cs_client *c, const char *path_query, cs_client_data_fn data,
				    cs_client_end_fn end, void *arg);
	/* Optional (NULL where not offered: HTTP): stream, with the events
	 * that carry an object handed over parsed through events -- the
	 * server's own parse, shared, no text in between -- and the other
	 * lines (BOOKMARK, ERROR) through data, all in stream order. */
	cs_client_stream *(*stream_events)(cs_client *c, const char *path_query,
					   cs_client_data_fn data, cs_client_events_fn events,
					   cs_client_end_fn end, void *arg);
	/* When it returns, no data/events/end call is running or will be
	 * made. */
	void (*stream_cancel)(cs_client_stream *s);
	void (*free)(cs_client *c);
};

struct cs_client {
	const struct cs_client_ops *ops;
};

/* The in-process server (api.h). */
struct cs_server;
cs_client *cs_client_local(struct cs_server *srv);
/* A remote server: base "http://127.0.0.1:6443". */
cs_client *cs_client_http(const char *base);

/* Synchronous request on top of ops->request.  Returns the code (0: not
 * reached); *body owned by the caller. */
int cs_client_call(cs_client *c, const char *method, const char *path_query, const char *ctype,
		   const char *body, size_t len, char **out, size_t *outlen);

#endif
