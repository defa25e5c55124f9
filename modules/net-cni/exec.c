/* net-cni plugin execution: posix_spawn (no shell), configuration on
 * stdin, result on stdout, diagnostics on stderr, and a deadline after
 * which the plugin and everything it started (IPAM plugins) are killed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cni.h"

#define OUT_MAX (4 << 20)

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

typedef struct sink {
	int fd;
	char *buf;
	size_t len;
} sink;

/* Read what is there: 0 after reading some, 1 at EOF, 2 when nothing is
 * there now, -1 on error. */
static int drain(sink *s)
{
	char tmp[16384];
	ssize_t n = read(s->fd, tmp, sizeof(tmp));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 2 : -1;
	if (n == 0)
		return 1;
	if (s->len + (size_t)n > OUT_MAX) {
		errno = EFBIG;
		return -1;
	}
	char *b = realloc(s->buf, s->len + (size_t)n + 1);
	if (!b)
		return -1;
	memcpy(b + s->len, tmp, (size_t)n);
	s->buf = b;
	s->len += (size_t)n;
	b[s->len] = '\0';
	return 0;
}

static int spawn(cni_run *r, int in, int out, int err, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	/* Nothing of the daemon's leaks into the plugin. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	/* Its own process group, so a timeout kills the IPAM plugin it
	 * started too; default signal dispositions and an empty mask,
	 * whatever the daemon's threads use. */
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	char *const argv[] = {(char *)r->path, NULL};
	int rc = posix_spawn(pid, r->path, &fa, &at, argv, r->envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc) {
		errno = rc;
		return -1;
	}
	return 0;
}

int cni_exec(cni_run *r)
{
	/* stdin is a socket so a plugin that exits without reading it makes
	 * send() fail with EPIPE instead of raising SIGPIPE in the daemon. */
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
	pid_t pid = -1;
	int rc = -1, saved = 0;
	sink so = {.fd = -1}, se = {.fd = -1};
	r->out = r->errout = NULL;
	r->out_len = 0;
	r->status = 0;
	r->timed_out = false;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 ||
	    pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    spawn(r, in[1], out[1], err[1], &pid) < 0)
		goto out;
	close(in[1]), close(out[1]), close(err[1]);
	in[1] = out[1] = err[1] = -1;
	so.fd = out[0];
	se.fd = err[0];
	fcntl(in[0], F_SETFL, O_NONBLOCK);
	size_t sent = 0;
	if (!r->input_len)
		shutdown(in[0], SHUT_WR);
	int64_t deadline = r->timeout_s > 0 ? now_ms() + r->timeout_s * 1000 : INT64_MAX;
	bool out_open = true, err_open = true, in_open = r->input_len > 0;
	while (out_open || err_open) {
		struct pollfd p[3] = {
			{.fd = out_open ? so.fd : -1, .events = POLLIN},
			{.fd = err_open ? se.fd : -1, .events = POLLIN},
			{.fd = in_open ? in[0] : -1, .events = POLLOUT},
		};
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			r->timed_out = true;
			break;
		}
		int n = poll(p, 3, left > 100 ? 100 : (int)left);
		if (n < 0 && errno != EINTR)
			goto out;
		if (n == 0 && waitpid(pid, &r->status, WNOHANG) == pid) {
			/* Exited while something it started still holds its
			 * output open: what it wrote is in the pipes already. */
			pid = -1;
			fcntl(so.fd, F_SETFL, O_NONBLOCK);
			fcntl(se.fd, F_SETFL, O_NONBLOCK);
			while (out_open && drain(&so) == 0)
				;
			while (err_open && drain(&se) == 0)
				;
			break;
		}
		if (n <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			int d = drain(i ? &se : &so);
			if (d < 0)
				goto out;
			if (d == 1)
				*(i ? &err_open : &out_open) = false;
		}
		if (in_open && p[2].revents) {
			ssize_t w = send(in[0], r->input + sent, r->input_len - sent, MSG_NOSIGNAL);
			if (w > 0)
				sent += (size_t)w;
			/* A plugin may exit without reading all of stdin; its
			 * exit status then tells what happened. */
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == r->input_len) {
				shutdown(in[0], SHUT_WR);
				in_open = false;
			}
		}
	}
	/* Output is closed: the plugin is exiting.  Wait for it, still
	 * within the deadline (a plugin may close stdout and hang). */
	while (pid > 0 && !r->timed_out) {
		pid_t w = waitpid(pid, &r->status, WNOHANG);
		if (w == pid) {
			pid = -1;
			break;
		}
		if (w < 0 && errno != EINTR)
			goto out;
		if (now_ms() >= deadline)
			r->timed_out = true;
		else
			usleep(2000);
	}
	rc = 0;
out:
	saved = errno;
	if (pid > 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	r->out = so.buf;
	r->out_len = so.len;
	r->errout = se.buf;
	errno = saved;
	return rc;
}

void cni_run_free(cni_run *r)
{
	free(r->out);
	free(r->errout);
	r->out = r->errout = NULL;
}
