/* The HTTP side of capctl: one libcurl handle, reused so that a command's
 * requests share a keep-alive connection. */
#ifndef CS_CTL_HTTP_H
#define CS_CTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cs_ctl_http cs_ctl_http;

typedef struct cs_ctl_http_conf {
	const char *server; /* base URL; "host:port" means http:// */
	const char *token;  /* bearer token or NULL */
	const char *ca_file, *cert_file, *key_file;
	bool insecure;
	long timeout_ms; /* whole request, 0 = none (watches ignore it) */
} cs_ctl_http_conf;

typedef struct cs_ctl_http_resp {
	long code;  /* HTTP status */
	char *body; /* NUL-terminated, never NULL after a request */
	size_t len;
} cs_ctl_http_resp;

/* Called per newline-terminated line of a streamed body; non-zero stops. */
typedef int (*cs_ctl_line_fn)(const char *line, size_t len, void *arg);

cs_ctl_http *cs_ctl_http_new(const cs_ctl_http_conf *conf);
void cs_ctl_http_free(cs_ctl_http *h);
const char *cs_ctl_http_base(const cs_ctl_http *h);

/* One request; path includes the query.  Returns 0 once the server
 * answered (whatever the status), -1 when it could not be reached or the
 * exchange broke, with err set to e.g. "cannot connect to capstan API at
 * http://127.0.0.1:6443: Connection refused". */
int cs_ctl_http_request(cs_ctl_http *h, const char *method, const char *path, const char *accept,
			const char *content_type, const char *body, size_t body_len,
			cs_ctl_http_resp *r, char *err, size_t errlen);

/* GET with the body fed line by line to fn while it arrives (watches).
 * A non-2xx answer is collected into r->body instead.  Returns 0 when the
 * server ended the stream, 1 when fn asked to stop, -1 on transport
 * failure (err set). */
int cs_ctl_http_stream(cs_ctl_http *h, const char *path, const char *accept, cs_ctl_line_fn fn,
		       void *arg, cs_ctl_http_resp *r, char *err, size_t errlen);

void cs_ctl_http_resp_free(cs_ctl_http_resp *r);

#endif
