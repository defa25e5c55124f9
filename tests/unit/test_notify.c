/* cs_notify: the datagram reaches $NOTIFY_SOCKET; an unset or broken socket is harmless. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "notify.h"

static char path[108];

static int bind_socket(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(path, sizeof(path), "/tmp/cs-notify-test.%d", (int)getpid());
	unlink(path);
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void recv_state(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = 0;
	assert_string_equal(buf, want);
}

static void sends_each_state(void **state)
{
	(void)state;
	int fd = bind_socket();
	setenv("NOTIFY_SOCKET", path, 1);
	cs_notify("READY=1");
	cs_notify("RELOADING=1");
	cs_notify("STOPPING=1");
	/* The environment is kept, so every later state still arrives. */
	assert_string_equal(getenv("NOTIFY_SOCKET"), path);
	recv_state(fd, "READY=1");
	recv_state(fd, "RELOADING=1");
	recv_state(fd, "STOPPING=1");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(path);
}

static void unset_socket_sends_nothing(void **state)
{
	(void)state;
	int fd = bind_socket();
	unsetenv("NOTIFY_SOCKET");
	cs_notify("READY=1");
	char buf[16];
	assert_true(recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0);
	close(fd);
	unlink(path);
}

/* Runs cs_notify(state) with stderr captured; returns what was logged. */
static char *notify_logged(const char *state)
{
	static char log[512];
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved = dup(2);
	dup2(fileno(tmp), 2);
	cs_notify(state);
	dup2(saved, 2);
	close(saved);
	size_t n = (size_t)pread(fileno(tmp), log, sizeof(log) - 1, 0);
	log[n] = 0;
	fclose(tmp);
	return log;
}

static void broken_socket_is_logged_not_fatal(void **state)
{
	(void)state;
	setenv("NOTIFY_SOCKET", "/nonexistent/capstan/notify", 1);
	const char *log = notify_logged("READY=1");
	assert_non_null(strstr(log, "cannot send \"READY=1\""));
	assert_non_null(strstr(log, "/nonexistent/capstan/notify"));
	/* sd_notify accepts only absolute paths and abstract ("@") names. */
	setenv("NOTIFY_SOCKET", "relative-path", 1);
	log = notify_logged("STOPPING=1");
	assert_non_null(strstr(log, "relative-path: Invalid argument"));
	unsetenv("NOTIFY_SOCKET");
	assert_string_equal(notify_logged("READY=1"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sends_each_state),
		cmocka_unit_test(unset_socket_sends_nothing),
		cmocka_unit_test(broken_socket_is_logged_not_fatal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
