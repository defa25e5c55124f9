/* A minimal HTTP/1.1 client connection for the load generator: one request in flight per
 * keep-alive connection (no pipelining), non-blocking socket driven by the caller's epoll
 * loop, incremental response parser for Content-Length and chunked bodies.  A streaming
 * connection (watch) hands every complete body line to a callback as it arrives.
 *
 * Header-only: see bench_stats.h for why. */
#ifndef CS_BENCH_HTTP_H
#define CS_BENCH_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum bh_state {
	BH_IDLE,
	BH_HEAD,
	BH_BODY,
	BH_BODY_EOF,
	BH_CHUNK_SIZE,
	BH_CHUNK_DATA,
	BH_CHUNK_CRLF,
	BH_TRAILER,
	BH_DONE
};

typedef struct bh_conn bh_conn;
/* A complete body line (without its '\n') of a streaming response; now is when the
 * caller learned the socket was readable. */
typedef void (*bh_line_fn)(bh_conn *c, const char *line, size_t len, uint64_t now);

struct bh_conn {
	int fd;
	int id;
	bool pollout; /* EPOLLOUT currently registered */
	char *out;
	size_t out_len, out_off, out_cap;
	char *in;
	size_t in_len, in_off, in_cap;
	char *body;
	size_t body_len, body_cap;
	enum bh_state state;
	int status;
	bool head_done; /* status line and headers of the current response parsed */
	bool chunked, has_len, close_after;
	unsigned long long remain;
	bool stream_lines;
	bool rx_stamp; /* lines get the kernel's receive time (bh_stamp_rx) */
	bool drained;  /* the last bh_read found the socket empty (EAGAIN) */
	bh_line_fn on_line;
	uint64_t sent_ns;
	char err[160];
	void *user; /* phase state */
	long count; /* phase counter (e.g. events seen) */
};

static void bh_seterr(bh_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bh_seterr(bh_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

static void *bh_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q) {
		fprintf(stderr, "loadgen: out of memory growing a buffer to %zu bytes\n", n);
		exit(1);
	}
	return q;
}

static void bh_reserve(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	size_t n = *cap ? *cap : 4096;

	while (n < need)
		n *= 2;
	*buf = bh_xrealloc(*buf, n);
	*cap = n;
}

/* Blocking connect (loopback completes at once unless the accept queue is full), then
 * non-blocking with Nagle off so small requests leave immediately. */
static int bh_connect(const char *host, int port, char *err, size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "address \"%s\" is not an IPv4 address", host);
		return -1;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "connect %s:%d: %s", host, port, strerror(errno));
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void bh_init(bh_conn *c, int fd, int id)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->id = id;
}

static void bh_release(bh_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->out);
	free(c->in);
	free(c->body);
	c->out = c->in = c->body = NULL;
	c->out_cap = c->in_cap = c->body_cap = 0;
}

/* Queues one request with a body of content type ctype and resets the response parser;
 * sent_ns is stamped by bh_flush. */
static void bh_request_ct(bh_conn *c, const char *method, const char *hostport, const char *path,
			  const char *ctype, const char *body, size_t blen)
{
	char head[1024];
	int hl;

	if (body)
		hl = snprintf(head, sizeof(head),
			      "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n"
			      "Accept: application/json\r\nContent-Length: %zu\r\n\r\n",
			      method, path, hostport, ctype, blen);
	else
		hl = snprintf(head, sizeof(head),
			      "%s %s HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\n\r\n",
			      method, path, hostport);
	if (hl < 0 || (size_t)hl >= sizeof(head)) {
		fprintf(stderr, "loadgen: request line for %s too long\n", path);
		exit(1);
	}
	bh_reserve(&c->out, &c->out_cap, (size_t)hl + blen);
	memcpy(c->out, head, (size_t)hl);
	if (blen)
		memcpy(c->out + hl, body, blen);
	c->out_len = (size_t)hl + blen;
	c->out_off = 0;
	c->state = BH_HEAD;
	c->status = 0;
	c->head_done = c->chunked = c->has_len = c->close_after = false;
	c->body_len = 0;
	c->sent_ns = 0;
}

/* Queues one request with a JSON body (or none). */
static void bh_request(bh_conn *c, const char *method, const char *hostport, const char *path,
		       const char *body, size_t blen)
{
	bh_request_ct(c, method, hostport, path, "application/json", body, blen);
}

/* Writes what the socket takes; 0 when all is out or the rest must wait for EPOLLOUT. */
static int bh_flush(bh_conn *c)
{
	while (c->out_off < c->out_len) {
		if (c->out_off == 0 && c->sent_ns == 0)
			c->sent_ns = bs_now_ns();
		ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			bh_seterr(c, "write: %s", strerror(errno));
			return -1;
		}
		c->out_off += (size_t)w;
	}
	return 0;
}

static bool bh_out_pending(const bh_conn *c)
{
	return c->out_off < c->out_len;
}

static void bh_body_append(bh_conn *c, const char *p, size_t n, uint64_t now)
{
	bh_reserve(&c->body, &c->body_cap, c->body_len + n + 1);
	memcpy(c->body + c->body_len, p, n);
	c->body_len += n;
	c->body[c->body_len] = '\0';
	if (!c->stream_lines)
		return;
	size_t start = 0;
	char *nl;

	while ((nl = memchr(c->body + start, '\n', c->body_len - start))) {
		size_t len = (size_t)(nl - (c->body + start));

		if (len)
			c->on_line(c, c->body + start, len, now);
		start += len + 1;
	}
	if (start) {
		memmove(c->body, c->body + start, c->body_len - start);
		c->body_len -= start;
		c->body[c->body_len] = '\0';
	}
}

static bool bh_header_is(const char *line, size_t len, const char *name, const char **val)
{
	size_t nl = strlen(name);

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return false;
	*val = line + nl + 1;
	while (**val == ' ' || **val == '\t')
		(*val)++;
	return true;
}

/* Status line and headers in [p, p+len) (without the blank line). */
static int bh_parse_head(bh_conn *c, const char *p, size_t len)
{
	if (len < 12 || strncmp(p, "HTTP/1.", 7) != 0) {
		bh_seterr(c, "bad status line \"%.40s\"", p);
		return -1;
	}
	c->status = atoi(p + 9);
	const char *end = p + len, *line = memchr(p, '\n', len);

	while (line && line + 1 < end) {
		line++;
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		size_t ll = (size_t)((eol ? eol : end) - line);
		const char *v;

		if (ll && line[ll - 1] == '\r')
			ll--;
		if (bh_header_is(line, ll, "Content-Length", &v)) {
			c->has_len = true;
			c->remain = strtoull(v, NULL, 10);
		} else if (bh_header_is(line, ll, "Transfer-Encoding", &v)) {
			c->chunked = memmem(v, ll - (size_t)(v - line), "chunked", 7) != NULL;
		} else if (bh_header_is(line, ll, "Connection", &v)) {
			c->close_after = strncasecmp(v, "close", 5) == 0;
		}
		line = eol;
	}
	c->head_done = true;
	if (c->chunked)
		c->state = BH_CHUNK_SIZE;
	else if (c->status == 204 || c->status == 304 || (c->has_len && c->remain == 0))
		c->state = BH_DONE;
	else if (c->has_len)
		c->state = BH_BODY;
	else
		c->state = BH_BODY_EOF;
	return 0;
}

/* Consumes buffered input; 1 when the response is complete, 0 for more, -1 on error. */
static int bh_parse(bh_conn *c, uint64_t now)
{
	for (;;) {
		char *p = c->in + c->in_off;
		size_t avail = c->in_len - c->in_off;
		char *eol;

		switch (c->state) {
		case BH_IDLE:
			if (avail) {
				bh_seterr(c, "%zu unexpected bytes with no request in flight",
					  avail);
				return -1;
			}
			return 0;
		case BH_HEAD: {
			char *end = memmem(p, avail, "\r\n\r\n", 4);

			if (!end)
				return 0;
			if (bh_parse_head(c, p, (size_t)(end - p)) < 0)
				return -1;
			c->in_off += (size_t)(end - p) + 4;
			break;
		}
		case BH_BODY:
		case BH_CHUNK_DATA: {
			size_t n = avail < c->remain ? avail : (size_t)c->remain;

			if (!n)
				return 0;
			bh_body_append(c, p, n, now);
			c->in_off += n;
			c->remain -= n;
			if (!c->remain)
				c->state = c->state == BH_BODY ? BH_DONE : BH_CHUNK_CRLF;
			break;
		}
		case BH_BODY_EOF:
			if (!avail)
				return 0;
			bh_body_append(c, p, avail, now);
			c->in_off += avail;
			break;
		case BH_CHUNK_SIZE:
			if (!(eol = memmem(p, avail, "\r\n", 2)))
				return 0;
			c->remain = strtoull(p, NULL, 16);
			c->in_off += (size_t)(eol - p) + 2;
			c->state = c->remain ? BH_CHUNK_DATA : BH_TRAILER;
			break;
		case BH_CHUNK_CRLF:
			if (avail < 2)
				return 0;
			if (p[0] != '\r' || p[1] != '\n') {
				bh_seterr(c, "chunk not followed by CRLF");
				return -1;
			}
			c->in_off += 2;
			c->state = BH_CHUNK_SIZE;
			break;
		case BH_TRAILER:
			if (!(eol = memmem(p, avail, "\r\n", 2)))
				return 0;
			c->in_off += (size_t)(eol - p) + 2;
			if (eol == p)
				c->state = BH_DONE;
			break;
		case BH_DONE: c->state = BH_IDLE; return 1;
		}
	}
}

/* Asks the kernel to stamp every segment with its arrival time (CLOCK_REALTIME), so a
 * streaming reader's latency does not include the time it spent reading other sockets. */
static int bh_stamp_rx(bh_conn *c)
{
	int one = 1;

	if (setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0) {
		bh_seterr(c, "SO_TIMESTAMPNS: %s", strerror(errno));
		return -1;
	}
	c->rx_stamp = true;
	return 0;
}

static ssize_t bh_recv_stamped(bh_conn *c, void *buf, size_t len, uint64_t *now)
{
	char ctl[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	ssize_t r = recvmsg(c->fd, &mh, 0);

	for (struct cmsghdr *cm = r > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm;
	     cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			*now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		}
	}
	return r;
}

/* One read (level-triggered epoll calls again if more is waiting), then parse; now is
 * handed to line callbacks unless the kernel's receive stamp replaces it.
 * 1: response complete (c->status, c->body), 0: need more, -1: error in c->err. */
static int bh_read(bh_conn *c, uint64_t now)
{
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
	else if (c->in_off > c->in_cap / 2) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	bh_reserve(&c->in, &c->in_cap, c->in_len + 65536);
	size_t room = c->in_cap - c->in_len;
	ssize_t r = c->rx_stamp ? bh_recv_stamped(c, c->in + c->in_len, room, &now)
				: read(c->fd, c->in + c->in_len, room);

	c->drained = r < 0 && errno == EAGAIN;
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		bh_seterr(c, "read: %s", strerror(errno));
		return -1;
	}
	if (r == 0) {
		if (c->state == BH_BODY_EOF) {
			c->state = BH_IDLE;
			return 1;
		}
		bh_seterr(c, "server closed the connection%s",
			  c->state == BH_IDLE ? " while idle" : " mid-response");
		return -1;
	}
	c->in_len += (size_t)r;
	return bh_parse(c, now);
}

#endif
