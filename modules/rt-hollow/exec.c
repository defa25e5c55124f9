/* rt-hollow exec and logs.  Nothing runs, so an exec succeeds without
 * output, unless exec-echo is set: then it prints its argv and records it
 * as a line of the container's log, which gives tests something to read
 * back through container_logs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hollow.h"

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

void hollow_log_append(hollow *hw, hollow_container *c, const char *stream, const char *line)
{
	if (!c->log && !(c->log = calloc(HOLLOW_LOG_LINES, sizeof(*c->log))))
		return; /* out of memory: the line is lost, the exec still ran */
	int64_t now = hollow_now();
	time_t secs = (time_t)(now / 1000000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	char *text;
	/* CRI log format: RFC 3339 nano timestamp, stream, F(ull) tag. */
	if (asprintf(&text, "%s.%09lldZ %s F %s\n", stamp, (long long)(now % 1000000000), stream,
		     line) < 0)
		return;
	char **slot = &c->log[c->log_seq % HOLLOW_LOG_LINES];
	free(*slot);
	*slot = text;
	c->log_seq++;
	pthread_cond_broadcast(&hw->changed);
}

int hollow_exec(cs_mod *m, const char *id, const char *const *argv, int stdin_fd, int stdout_fd,
		int stderr_fd, bool tty, int64_t timeout_s, int *exit_code, cs_error *err)
{
	/* No process reads stdin, writes stderr, needs a terminal or can
	 * overrun a timeout. */
	(void)stdin_fd, (void)stderr_fd, (void)tty, (void)timeout_s;
	static const char verb[] = "exec";
	const cs_host *h = m->host;
	hollow *hw = hollow_of(m);
	if (!argv || !argv[0] || !*argv[0])
		return h->errorf(err, CS_INVALID, "Invalid", "%s in container %s: empty command",
				 verb, id ? id : "(null)");
	char *line = NULL;
	if (hw->exec_echo) {
		size_t len = 1;
		for (size_t i = 0; argv[i]; i++)
			len += strlen(argv[i]) + 1;
		if (!(line = malloc(len)))
			return h->errorf(err, 500, "InternalError", "%s: out of memory", verb);
		char *p = line;
		for (size_t i = 0; argv[i]; i++)
			p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
	}
	pthread_mutex_lock(&hw->mu);
	hollow_container *c = hollow_container_find(hw, id);
	enum hollow_state s = c ? hollow_container_state(c, hollow_now()) : H_EXITED;
	int rc = 0;
	if (!c)
		rc = h->errorf(err, CS_NOT_FOUND, "NotFound", "%s: container %s not found", verb,
			       id ? id : "(null)");
	else if (s != H_RUNNING)
		rc = h->errorf(err, CS_CONFLICT, "Conflict",
			       "%s in container %s: container is %s, not running", verb, id,
			       hollow_state_name(s));
	else if (line)
		hollow_log_append(hw, c, "stdout", line);
	pthread_mutex_unlock(&hw->mu);
	if (!rc && line && stdout_fd >= 0) {
		size_t len = strlen(line);
		line[len] = '\n';
		if (write_all(stdout_fd, line, len + 1) < 0)
			rc = h->errorf(err, 500, "InternalError",
				       "%s in container %s: cannot write stdout: %s", verb, id,
				       strerror(errno));
	}
	free(line);
	if (!rc && exit_code)
		*exit_code = 0;
	return rc;
}

/* Copy log lines [*from, c->log_seq) (those still kept) out of c.  Caller
 * holds mu. */
static char *take_lines(hollow_container *c, uint64_t *from, size_t *len)
{
	uint64_t first = c->log_seq > HOLLOW_LOG_LINES ? c->log_seq - HOLLOW_LOG_LINES : 0;
	if (*from < first)
		*from = first;
	size_t n = 0;
	for (uint64_t i = *from; i < c->log_seq; i++)
		n += strlen(c->log[i % HOLLOW_LOG_LINES]);
	char *buf = malloc(n + 1);
	if (!buf)
		return NULL;
	char *p = buf;
	for (uint64_t i = *from; i < c->log_seq; i++)
		p = stpcpy(p, c->log[i % HOLLOW_LOG_LINES]);
	*len = n;
	*from = c->log_seq;
	return buf;
}

static bool reader_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = 0};
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

int hollow_container_logs(cs_mod *m, const char *id, int out_fd, int64_t tail_lines, bool follow,
			  cs_error *err)
{
	static const char verb[] = "container logs";
	const cs_host *h = m->host;
	hollow *hw = hollow_of(m);
	pthread_mutex_lock(&hw->mu);
	hollow_container *c = hollow_container_find(hw, id);
	if (!c) {
		pthread_mutex_unlock(&hw->mu);
		return h->errorf(err, CS_NOT_FOUND, "NotFound", "%s: container %s not found", verb,
				 id ? id : "(null)");
	}
	uint64_t from = 0;
	if (tail_lines >= 0 && (uint64_t)tail_lines < c->log_seq)
		from = c->log_seq - (uint64_t)tail_lines;
	for (;;) {
		size_t len = 0;
		char *buf = take_lines(c, &from, &len);
		bool running = c->state == H_RUNNING;
		pthread_mutex_unlock(&hw->mu);
		if (!buf)
			return h->errorf(err, 500, "InternalError", "%s of %s: out of memory", verb,
					 id);
		int wrc = write_all(out_fd, buf, len);
		int werr = errno;
		free(buf);
		if (wrc < 0)
			return h->errorf(err, 500, "InternalError", "%s of %s: cannot write: %s",
					 verb, id, strerror(werr));
		if (!follow || !running || reader_gone(out_fd))
			return 0;
		/* Wake on new lines or a stop; the timeout notices a reader
		 * that went away while nothing happened. */
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += 200000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&hw->mu);
		if (c == hollow_container_find(hw, id) && c->log_seq == from &&
		    c->state == H_RUNNING)
			pthread_cond_timedwait(&hw->changed, &hw->mu, &t);
		/* Removed while we followed: what was written is all there is. */
		if (c != hollow_container_find(hw, id)) {
			pthread_mutex_unlock(&hw->mu);
			return 0;
		}
	}
}
