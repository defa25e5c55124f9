#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliutil.h"

struct cs_ctl_http {
	CURL *curl;
	char *base;
	char *auth_header;
	long timeout_ms;
	char errbuf[CURL_ERROR_SIZE];
};

struct stream_ctx {
	CURL *curl;
	cs_ctl_http_resp *r;
	cs_ctl_sb body; /* whole body for plain requests and non-2xx streams */
	cs_ctl_sb line; /* partial line of a stream */
	cs_ctl_line_fn fn;
	void *arg;
	int stopped;
};

cs_ctl_http *cs_ctl_http_new(const cs_ctl_http_conf *conf)
{
	static bool inited;
	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = true;
	}
	cs_ctl_http *h = cs_ctl_xmalloc(sizeof(*h));
	memset(h, 0, sizeof(*h));
	h->curl = curl_easy_init();
	if (!h->curl)
		abort();
	const char *s = conf->server;
	h->base = strstr(s, "://") ? cs_ctl_xstrdup(s) : cs_ctl_xasprintf("http://%s", s);
	size_t n = strlen(h->base);
	while (n > 0 && h->base[n - 1] == '/')
		h->base[--n] = '\0';
	if (conf->token && *conf->token)
		h->auth_header = cs_ctl_xasprintf("Authorization: Bearer %s", conf->token);
	h->timeout_ms = conf->timeout_ms;

	CURL *c = h->curl;
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "capctl/" CS_VERSION);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	/* capctl talks to one API server; a proxy from the environment would
	 * only get in the way of loopback clusters. */
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (conf->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, conf->ca_file);
	if (conf->cert_file)
		curl_easy_setopt(c, CURLOPT_SSLCERT, conf->cert_file);
	if (conf->key_file)
		curl_easy_setopt(c, CURLOPT_SSLKEY, conf->key_file);
	if (conf->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return h;
}

void cs_ctl_http_free(cs_ctl_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h->base);
	free(h->auth_header);
	free(h);
}

const char *cs_ctl_http_base(const cs_ctl_http *h)
{
	return h->base;
}

void cs_ctl_http_resp_free(cs_ctl_http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct stream_ctx *s = arg;
	size_t n = size * nmemb;
	long code = 0;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	if (!s->fn || code < 200 || code > 299) {
		cs_ctl_sb_addn(&s->body, data, n);
		return n;
	}
	for (size_t i = 0; i < n; i++) {
		if (data[i] != '\n') {
			cs_ctl_sb_addc(&s->line, data[i]);
			continue;
		}
		if (s->line.len && s->fn(s->line.s, s->line.len, s->arg)) {
			s->stopped = 1;
			return 0; /* makes curl abort the transfer */
		}
		s->line.len = 0;
	}
	return n;
}

static void transport_error(cs_ctl_http *h, CURLcode rc, char *err, size_t errlen)
{
	long os_errno = 0;
	curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &os_errno);
	const char *why = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		if (os_errno)
			why = strerror((int)os_errno);
		/* fall through */
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		snprintf(err, errlen, "cannot connect to capstan API at %s: %s", h->base, why);
		break;
	default:
		snprintf(err, errlen, "request to capstan API at %s failed: %s", h->base, why);
		break;
	}
}

static int perform(cs_ctl_http *h, const char *method, const char *path, const char *accept,
		   const char *content_type, const char *body, size_t body_len,
		   struct stream_ctx *s, long timeout_ms, char *err, size_t errlen)
{
	CURL *c = h->curl;
	char *url = cs_ctl_xasprintf("%s%s", h->base, path);
	struct curl_slist *hdrs = NULL;
	char *accept_h = cs_ctl_xasprintf("Accept: %s", accept ? accept : "application/json");
	hdrs = curl_slist_append(hdrs, accept_h);
	char *ctype_h = NULL;
	if (body) {
		ctype_h = cs_ctl_xasprintf("Content-Type: %s",
					   content_type ? content_type : "application/json");
		hdrs = curl_slist_append(hdrs, ctype_h);
	}
	/* No "Expect: 100-continue" round trip for large bodies. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (h->auth_header)
		hdrs = curl_slist_append(hdrs, h->auth_header);

	h->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
	if (!strcmp(method, "GET")) {
		/* CURLOPT_HTTPGET above */
	} else if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		if (body) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		}
	}
	CURLcode rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	free(url);
	free(accept_h);
	free(ctype_h);

	s->r->code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s->r->code);
	if (rc == CURLE_WRITE_ERROR && s->stopped)
		rc = CURLE_OK;
	if (rc != CURLE_OK) {
		transport_error(h, rc, err, errlen);
		return -1;
	}
	return 0;
}

int cs_ctl_http_request(cs_ctl_http *h, const char *method, const char *path, const char *accept,
			const char *content_type, const char *body, size_t body_len,
			cs_ctl_http_resp *r, char *err, size_t errlen)
{
	struct stream_ctx s = {.curl = h->curl, .r = r};
	memset(r, 0, sizeof(*r));
	int rc = perform(h, method, path, accept, content_type, body, body_len, &s, h->timeout_ms,
			 err, errlen);
	r->len = s.body.len;
	r->body = cs_ctl_sb_take(&s.body);
	return rc;
}

int cs_ctl_http_stream(cs_ctl_http *h, const char *path, const char *accept, cs_ctl_line_fn fn,
		       void *arg, cs_ctl_http_resp *r, char *err, size_t errlen)
{
	struct stream_ctx s = {.curl = h->curl, .r = r, .fn = fn, .arg = arg};
	memset(r, 0, sizeof(*r));
	int rc = perform(h, "GET", path, accept, NULL, NULL, 0, &s, 0, err, errlen);
	/* A last line without its newline still counts. */
	if (rc == 0 && !s.stopped && s.line.len && r->code >= 200 && r->code <= 299)
		s.stopped = fn(s.line.s, s.line.len, arg) ? 1 : 0;
	cs_ctl_sb_free(&s.line);
	r->len = s.body.len;
	r->body = cs_ctl_sb_take(&s.body);
	if (rc < 0)
		return -1;
	return s.stopped;
}
