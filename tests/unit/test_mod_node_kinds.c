/* The node-side modules (rt-hollow, net-cni, storage-hostpath), loaded
 * through the real module host from a capstan.conf, driven through their
 * ops tables.  The .so files come from <build>/modules beside this test's
 * <build>/tests directory. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include <capstan/network.h>
#include <capstan/runtime.h>
#include <capstan/storage.h>

#include "config.h"
#include "module.h"

extern char **environ;

static char tmp[PATH_MAX];    /* this run's scratch directory */
static char moddir[PATH_MAX]; /* <build>/modules */
static int nconf;             /* numbering of configuration files */

/* ---- helpers ---- */

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *read_file(const char *path)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void path_of(char *out, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void path_of(char *out, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(out, PATH_MAX, f, ap);
	va_end(ap);
}

/* Run a command without a shell; its stdout (and stderr) in out. */
static int run(char *out, size_t n, const char *arg0, ...)
{
	const char *argv[16];
	size_t argc = 0;
	va_list ap;
	va_start(ap, arg0);
	for (const char *a = arg0; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	int p[2];
	assert_int_equal(pipe(p), 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	size_t len = 0;
	ssize_t r;
	char sink[4096];
	while ((r = read(p[0], out && len < n - 1 ? out + len : sink,
			 out && len < n - 1 ? n - 1 - len : sizeof(sink))) > 0)
		if (out && len < n - 1)
			len += (size_t)r;
	close(p[0]);
	if (out)
		out[len] = '\0';
	if (rc)
		return -1;
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- a module host from a configuration text ---- */

typedef struct th {
	cs_config cfg;
	cs_modhost *h;
	cs_mod *m;
	const cs_host *host;
	const void *ops;
	char conf[PATH_MAX];
} th;

static cs_modenv env = {.role = "agent", .node_name = "n1", .dev_trust = true};

/* Load `module "<name>" { enabled = true <body> }` through the loader:
 * configure, init, start.  Returns -1 with err at the first failing step
 * (t must still go through th_down). */
static int th_try(th *t, const char *name, const char *body, char *err, size_t n)
{
	memset(t, 0, sizeof(*t));
	path_of(t->conf, "%s/capstan-%d.conf", tmp, ++nconf);
	char text[3 * PATH_MAX];
	fmt(text, sizeof(text),
	    "# test configuration\n"
	    "module-path = \"%s\"\n"
	    "module \"%s\" {\n"
	    "\tenabled = true\n"
	    "\t%s\n"
	    "}\n",
	    moddir, name, body);
	write_file(t->conf, text, 0600);
	env.data_dir = tmp;
	if (cs_config_load(&t->cfg, t->conf, err, n) < 0)
		return -1;
	assert_int_equal(cs_modhost_new(&t->h, &env), 0);
	if (cs_modhost_configure(t->h, &t->cfg, err, n) < 0 || cs_modhost_init(t->h, err, n) < 0 ||
	    cs_modhost_start(t->h, err, n) < 0)
		return -1;
	const cs_module *d = cs_modhost_find(t->h, name, &t->m);
	if (!d) {
		fmt(err, n, "module %s is not running (see the log above)", name);
		return -1;
	}
	t->host = t->m->host;
	t->ops = d->ops;
	return 0;
}

static void th_up(th *t, const char *name, const char *body)
{
	char err[1024] = "";
	if (th_try(t, name, body, err, sizeof(err)) < 0)
		fail_msg("loading %s from %s: %s", name, t->conf, err);
}

static void th_down(th *t)
{
	if (t->h)
		cs_modhost_free(t->h);
	cs_config_free(&t->cfg);
	memset(t, 0, sizeof(*t));
}

static cs_object *J(th *t, const char *json)
{
	cs_error e = {0};
	cs_object *o = t->host->obj_parse(json, strlen(json), &e);
	if (!o)
		fail_msg("bad test JSON (%s): %s", e.message, json);
	return o;
}

static const char *S(th *t, const cs_object *o, const char *path)
{
	const char *s = t->host->obj_str(o, path);
	return s ? s : "(none)";
}

static int setup(void **state)
{
	(void)state;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0'; /* <build>/tests */
	*strrchr(self, '/') = '\0'; /* <build> */
	path_of(moddir, "%s/modules", self);
	static const char *const need[] = {"rt-hollow", "net-cni", "storage-hostpath"};
	for (size_t i = 0; i < 3; i++) {
		char so[PATH_MAX];
		path_of(so, "%s/%s.so", moddir, need[i]);
		if (!exists(so)) {
			fprintf(stderr, "missing %s: build the modules first (make all)\n", so);
			return -1;
		}
	}
	fmt(tmp, sizeof(tmp), "/tmp/cs-modnode-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static char netns_name[64]; /* set while the bridge test's namespace exists */
static char bridge[16];     /* the bridge it makes, unique per run */

/* Whatever a failed test left behind: bind mounts under tmp, the network
 * namespace and the bridge, then the files. */
static int teardown(void **state)
{
	(void)state;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[8192], mp[PATH_MAX];
	size_t n = strlen(tmp);
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && !strncmp(mp, tmp, n) &&
		    mp[n] == '/')
			umount2(mp, MNT_DETACH);
	if (f)
		fclose(f);
	if (netns_name[0]) {
		run(NULL, 0, "ip", "netns", "del", netns_name, NULL);
		run(NULL, 0, "ip", "link", "del", bridge, NULL);
	}
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	return 0;
}

/* ================= rt-hollow ================= */

#define RT(t) ((const cs_runtime_ops *)(t)->ops)

static const char sandbox_json[] =
	"{\"metadata\": {\"name\": \"web-0\", \"namespace\": \"default\", \"uid\": \"u-%d\","
	" \"attempt\": 0}, \"logDirectory\": \"/var/log/pods/u\", \"labels\": {\"app\": \"web\"},"
	" \"linux\": {\"securityContext\": {\"namespaceOptions\": {\"network\": \"POD\"}}}}";

static void sandbox(th *t, int n, char id[CS_RUNTIME_ID_MAX])
{
	char text[512];
	fmt(text, sizeof(text), sandbox_json, n);
	cs_object *cfg = J(t, text);
	cs_error e = {0};
	if (RT(t)->run_pod_sandbox(t->m, cfg, id, &e))
		fail_msg("run_pod_sandbox: %s", e.message);
	t->host->obj_free(cfg);
}

static int container(th *t, const char *sb, const char *name, int attempt,
		     char id[CS_RUNTIME_ID_MAX], cs_error *e)
{
	char text[512];
	fmt(text, sizeof(text),
	    "{\"metadata\": {\"name\": \"%s\", \"attempt\": %d}, \"image\": {\"image\": "
	    "\"nginx\"}, \"logPath\": \"%s/0.log\", \"labels\": {\"c\": \"%s\"}}",
	    name, attempt, name, name);
	cs_object *cfg = J(t, text);
	int rc = RT(t)->create_container(t->m, sb, cfg, NULL, id, e);
	t->host->obj_free(cfg);
	return rc;
}

static cs_object *cstatus(th *t, const char *id)
{
	cs_object *st = NULL;
	cs_error e = {0};
	if (RT(t)->container_status(t->m, id, &st, &e))
		fail_msg("container_status %s: %s", id, e.message);
	return st;
}

static void expect_state(th *t, const char *id, const char *state)
{
	cs_object *st = cstatus(t, id);
	assert_string_equal(S(t, st, "state"), state);
	t->host->obj_free(st);
}

static void pull(th *t, const char *image)
{
	cs_error e = {0};
	char *ref = NULL;
	if (RT(t)->pull_image(t->m, image, NULL, &ref, &e))
		fail_msg("pull_image %s: %s", image, e.message);
	free(ref);
}

/* Read what is in a pipe without blocking. */
static char *drain_pipe(int fd)
{
	static char buf[8192];
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	fcntl(fd, F_SETFL, fl);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_hollow_lifecycle(void **state)
{
	(void)state;
	th t;
	th_up(&t, "rt-hollow", "exec-echo = true");
	const cs_runtime_ops *rt = RT(&t);
	const cs_host *h = t.host;
	cs_error e = {0};
	assert_string_equal(rt->runtime_name, "hollow");
	assert_true(CS_OPS_HAS(cs_runtime_ops, rt, remove_image));

	/* images: a stable fake digest, tag defaulting to latest */
	char *ref = NULL, *ref2 = NULL;
	assert_int_equal(rt->pull_image(t.m, "nginx", NULL, &ref, &e), 0);
	assert_int_equal(rt->pull_image(t.m, "nginx:latest", NULL, &ref2, &e), 0);
	assert_string_equal(ref, ref2);
	assert_int_equal(strncmp(ref, "nginx@sha256:", 13), 0);
	assert_int_equal(strlen(ref), 13 + 64);
	cs_object *ist = NULL;
	assert_int_equal(rt->image_status(t.m, "nginx:latest", &ist, &e), 0);
	assert_non_null(ist);
	assert_string_equal(S(&t, ist, "repoTags[0]"), "nginx:latest");
	assert_string_equal(S(&t, ist, "repoDigests[0]"), ref);
	char image_id[128];
	fmt(image_id, sizeof(image_id), "%s", S(&t, ist, "id"));
	assert_int_equal(strncmp(image_id, "sha256:", 7), 0);
	h->obj_free(ist);
	/* by image id too, as kubelet asks with imageRef */
	assert_int_equal(rt->image_status(t.m, image_id, &ist, &e), 0);
	assert_non_null(ist);
	h->obj_free(ist);
	free(ref);
	free(ref2);

	/* sandbox */
	char sb[CS_RUNTIME_ID_MAX], c1[CS_RUNTIME_ID_MAX];
	sandbox(&t, 1, sb);
	assert_int_equal(strlen(sb), 64);
	assert_int_equal(strspn(sb, "0123456789abcdef"), 64);
	cs_object *sst = NULL;
	assert_int_equal(rt->pod_sandbox_status(t.m, sb, &sst, &e), 0);
	assert_string_equal(S(&t, sst, "id"), sb);
	assert_string_equal(S(&t, sst, "state"), "SANDBOX_READY");
	assert_string_equal(S(&t, sst, "metadata.name"), "web-0");
	assert_string_equal(S(&t, sst, "labels.app"), "web");
	assert_string_equal(S(&t, sst, "linux.namespaces.options.network"), "POD");
	assert_true(h->obj_int(sst, "createdAt", 0) > 1600000000000000000LL);
	h->obj_free(sst);

	/* container: created -> running -> exited -> removed */
	assert_int_equal(container(&t, sb, "app", 0, c1, &e), 0);
	assert_int_not_equal(strcmp(c1, sb), 0);
	cs_object *st = cstatus(&t, c1);
	assert_string_equal(S(&t, st, "state"), "CONTAINER_CREATED");
	assert_string_equal(S(&t, st, "podSandboxId"), sb);
	assert_string_equal(S(&t, st, "image.image"), "nginx");
	assert_string_equal(S(&t, st, "imageRef"), image_id);
	assert_string_equal(S(&t, st, "logPath"), "/var/log/pods/u/app/0.log");
	assert_string_equal(S(&t, st, "labels.c"), "app");
	assert_int_equal(h->obj_int(st, "startedAt", -1), 0);
	int64_t created = h->obj_int(st, "createdAt", 0);
	assert_true(created > 0);
	h->obj_free(st);

	assert_int_equal(rt->start_container(t.m, c1, &e), 0);
	st = cstatus(&t, c1);
	assert_string_equal(S(&t, st, "state"), "CONTAINER_RUNNING");
	int64_t started = h->obj_int(st, "startedAt", 0);
	assert_true(started >= created);
	assert_int_equal(h->obj_int(st, "finishedAt", -1), 0);
	h->obj_free(st);

	/* exec with exec-echo: argv on stdout and in the log */
	int p[2];
	assert_int_equal(pipe(p), 0);
	const char *argv1[] = {"echo", "one", NULL}, *argv2[] = {"two", NULL},
		   *argv3[] = {"three", "3", NULL};
	int code = -1;
	assert_int_equal(rt->exec(t.m, c1, argv1, -1, p[1], -1, false, 5, &code, &e), 0);
	assert_int_equal(code, 0);
	assert_string_equal(drain_pipe(p[0]), "echo one\n");
	assert_int_equal(rt->exec(t.m, c1, argv2, -1, -1, -1, false, 0, &code, &e), 0);
	assert_int_equal(rt->exec(t.m, c1, argv3, -1, -1, -1, true, 0, NULL, &e), 0);
	const char *empty[] = {NULL};
	assert_int_equal(rt->exec(t.m, c1, empty, -1, -1, -1, false, 0, &code, &e), -1);
	assert_int_equal(e.code, CS_INVALID);

	/* logs: CRI format, tail */
	assert_int_equal(rt->container_logs(t.m, c1, p[1], -1, false, &e), 0);
	char *all = drain_pipe(p[0]);
	char *l2 = strchr(all, '\n') + 1;
	assert_int_equal(strlen(all) - strlen(l2),
			 strlen("2006-01-02T15:04:05.000000000Z stdout F echo one\n"));
	assert_true(all[4] == '-' && all[10] == 'T' && all[19] == '.' && all[29] == 'Z');
	assert_int_equal(strncmp(all + 30, " stdout F echo one\n", 19), 0);
	assert_non_null(strstr(l2, " stdout F two\n"));
	assert_non_null(strstr(l2, " stdout F three 3\n"));
	assert_int_equal(rt->container_logs(t.m, c1, p[1], 2, false, &e), 0);
	char *tail = drain_pipe(p[0]);
	assert_null(strstr(tail, "echo one"));
	assert_non_null(strstr(tail, "F two\n"));
	assert_non_null(strstr(tail, "F three 3\n"));
	assert_int_equal(rt->container_logs(t.m, c1, p[1], 0, false, &e), 0);
	assert_string_equal(drain_pipe(p[0]), "");

	/* stop: exited with the configured exit code (0), idempotent */
	assert_int_equal(rt->stop_container(t.m, c1, 10, &e), 0);
	st = cstatus(&t, c1);
	assert_string_equal(S(&t, st, "state"), "CONTAINER_EXITED");
	assert_int_equal(h->obj_int(st, "exitCode", -1), 0);
	assert_string_equal(S(&t, st, "reason"), "Completed");
	assert_true(h->obj_int(st, "finishedAt", 0) >= started);
	assert_int_equal(h->obj_int(st, "startedAt", 0), started);
	h->obj_free(st);
	assert_int_equal(rt->stop_container(t.m, c1, 0, &e), 0);
	expect_state(&t, c1, "CONTAINER_EXITED");
	/* following the log of an exited container returns at once */
	assert_int_equal(rt->container_logs(t.m, c1, p[1], 1, true, &e), 0);
	assert_non_null(strstr(drain_pipe(p[0]), "F three 3\n"));

	/* the same name again is refused while the old one exists; a new
	 * attempt is fine, as kubelet restarts containers */
	char c2[CS_RUNTIME_ID_MAX];
	assert_int_equal(container(&t, sb, "app", 0, c2, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);
	assert_non_null(strstr(e.message, "app"));
	assert_int_equal(container(&t, sb, "app", 1, c2, &e), 0);
	assert_int_equal(rt->remove_container(t.m, c1, &e), 0);
	assert_int_equal(rt->container_status(t.m, c1, &st, &e), -1);
	assert_int_equal(e.code, CS_NOT_FOUND);
	assert_int_equal(container(&t, sb, "app", 0, c1, &e), 0); /* name free again */

	/* stopping the sandbox stops its containers and refuses new ones */
	assert_int_equal(rt->start_container(t.m, c2, &e), 0);
	assert_int_equal(rt->stop_pod_sandbox(t.m, sb, &e), 0);
	assert_int_equal(rt->stop_pod_sandbox(t.m, sb, &e), 0);
	assert_int_equal(rt->pod_sandbox_status(t.m, sb, &sst, &e), 0);
	assert_string_equal(S(&t, sst, "state"), "SANDBOX_NOTREADY");
	h->obj_free(sst);
	expect_state(&t, c2, "CONTAINER_EXITED");
	expect_state(&t, c1, "CONTAINER_CREATED"); /* never started: stays created */
	char c3[CS_RUNTIME_ID_MAX];
	assert_int_equal(container(&t, sb, "late", 0, c3, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);
	assert_int_equal(rt->start_container(t.m, c1, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);
	assert_non_null(strstr(e.message, "not ready"));

	/* removing the sandbox removes its containers */
	assert_int_equal(rt->remove_pod_sandbox(t.m, sb, &e), 0);
	assert_int_equal(rt->container_status(t.m, c2, &st, &e), -1);
	assert_int_equal(e.code, CS_NOT_FOUND);
	cs_object *list = NULL;
	assert_int_equal(rt->list_containers(t.m, NULL, &list, &e), 0);
	assert_int_equal(h->obj_len(list), 0);
	h->obj_free(list);
	assert_int_equal(rt->list_pod_sandboxes(t.m, &list, &e), 0);
	assert_int_equal(h->obj_len(list), 0);
	h->obj_free(list);

	/* images go away; removing again is fine (CRI) */
	assert_int_equal(rt->remove_image(t.m, "nginx", &e), 0);
	assert_int_equal(rt->image_status(t.m, "nginx", &ist, &e), 0);
	assert_null(ist);
	assert_int_equal(rt->remove_image(t.m, "nginx", &e), 0);
	close(p[0]);
	close(p[1]);
	th_down(&t);
}

static void test_hollow_errors(void **state)
{
	(void)state;
	th t;
	th_up(&t, "rt-hollow", "");
	const cs_runtime_ops *rt = RT(&t);
	const cs_host *h = t.host;
	cs_error e;
	const char *bogus = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	cs_object *o = NULL;
	const char *argv[] = {"true", NULL};
	int code;

#define NOT_FOUND(call)                                                                            \
	do {                                                                                       \
		memset(&e, 0, sizeof(e));                                                          \
		assert_int_equal((call), -1);                                                      \
		assert_int_equal(e.code, CS_NOT_FOUND);                                            \
		assert_non_null(strstr(e.message, bogus));                                         \
	} while (0)
	NOT_FOUND(rt->stop_pod_sandbox(t.m, bogus, &e));
	NOT_FOUND(rt->remove_pod_sandbox(t.m, bogus, &e));
	NOT_FOUND(rt->pod_sandbox_status(t.m, bogus, &o, &e));
	NOT_FOUND(rt->start_container(t.m, bogus, &e));
	NOT_FOUND(rt->stop_container(t.m, bogus, 0, &e));
	NOT_FOUND(rt->remove_container(t.m, bogus, &e));
	NOT_FOUND(rt->container_status(t.m, bogus, &o, &e));
	NOT_FOUND(rt->exec(t.m, bogus, argv, -1, -1, -1, false, 0, &code, &e));
	NOT_FOUND(rt->container_logs(t.m, bogus, 1, -1, false, &e));
	char id[CS_RUNTIME_ID_MAX];
	NOT_FOUND(container(&t, bogus, "x", 0, id, &e));
	assert_null(o);

	/* bad configurations */
	cs_object *cfg = J(&t, "{\"metadata\": {\"name\": \"x\"}}");
	assert_int_equal(rt->run_pod_sandbox(t.m, cfg, id, &e), -1);
	assert_int_equal(e.code, CS_INVALID);
	assert_non_null(strstr(e.message, "metadata.uid"));
	assert_int_equal(rt->run_pod_sandbox(t.m, NULL, id, &e), -1);
	assert_int_equal(e.code, CS_INVALID);
	h->obj_free(cfg);
	char sb[CS_RUNTIME_ID_MAX], sb2[CS_RUNTIME_ID_MAX];
	sandbox(&t, 7, sb);
	/* the same pod (name, namespace, uid, attempt) twice */
	char text[512];
	fmt(text, sizeof(text), sandbox_json, 7);
	cfg = J(&t, text);
	assert_int_equal(rt->run_pod_sandbox(t.m, cfg, sb2, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);
	assert_non_null(strstr(e.message, "default/web-0"));
	h->obj_free(cfg);

	cfg = J(&t, "{\"metadata\": {\"name\": \"noimage\"}}");
	assert_int_equal(rt->create_container(t.m, sb, cfg, NULL, id, &e), -1);
	assert_int_equal(e.code, CS_INVALID);
	assert_non_null(strstr(e.message, "image.image"));
	h->obj_free(cfg);
	cfg = J(&t, "{\"image\": {\"image\": \"nginx\"}}");
	assert_int_equal(rt->create_container(t.m, sb, cfg, NULL, id, &e), -1);
	assert_int_equal(e.code, CS_INVALID);
	assert_non_null(strstr(e.message, "metadata.name"));
	h->obj_free(cfg);
	/* an image that was never pulled */
	assert_int_equal(container(&t, sb, "c", 0, id, &e), -1);
	assert_int_equal(e.code, CS_NOT_FOUND);
	assert_non_null(strstr(e.message, "pull it first"));
	char *ref = (char *)"untouched";
	assert_int_equal(rt->pull_image(t.m, "", NULL, &ref, &e), -1);
	assert_int_equal(e.code, CS_INVALID);
	assert_int_equal(rt->pull_image(t.m, "bad image", NULL, &ref, &e), -1);
	assert_string_equal(ref, "untouched");
	assert_int_equal(rt->image_status(t.m, NULL, &o, &e), -1);
	assert_int_equal(e.code, CS_INVALID);

	/* invalid transitions */
	pull(&t, "nginx");
	assert_int_equal(container(&t, sb, "c", 0, id, &e), 0);
	assert_int_equal(rt->exec(t.m, id, argv, -1, -1, -1, false, 0, &code, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);
	assert_non_null(strstr(e.message, "CONTAINER_CREATED"));
	assert_int_equal(rt->start_container(t.m, id, &e), 0);
	assert_int_equal(rt->start_container(t.m, id, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);
	assert_non_null(strstr(e.message, "CONTAINER_RUNNING"));
	assert_int_equal(rt->stop_container(t.m, id, 0, &e), 0);
	assert_int_equal(rt->start_container(t.m, id, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);
	assert_non_null(strstr(e.message, "CONTAINER_EXITED"));
	assert_int_equal(rt->exec(t.m, id, argv, -1, -1, -1, false, 0, &code, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);

	/* removing a running container stops it first (CRI), then it is gone */
	char id2[CS_RUNTIME_ID_MAX];
	assert_int_equal(container(&t, sb, "d", 0, id2, &e), 0);
	assert_int_equal(rt->start_container(t.m, id2, &e), 0);
	assert_int_equal(rt->remove_container(t.m, id2, &e), 0);
	assert_int_equal(rt->remove_container(t.m, id2, &e), -1);
	assert_int_equal(e.code, CS_NOT_FOUND);
	/* a ready sandbox with a running container can be removed at once */
	assert_int_equal(container(&t, sb, "d", 0, id2, &e), 0);
	assert_int_equal(rt->start_container(t.m, id2, &e), 0);
	assert_int_equal(rt->remove_pod_sandbox(t.m, sb, &e), 0);
	assert_int_equal(rt->container_status(t.m, id2, &o, &e), -1);
	assert_int_equal(rt->container_status(t.m, id, &o, &e), -1);
	assert_int_equal(rt->remove_pod_sandbox(t.m, sb, &e), -1);
	assert_int_equal(e.code, CS_NOT_FOUND);
	th_down(&t);
}

static bool list_has(th *t, const cs_object *list, const char *id)
{
	for (size_t i = 0; i < t->host->obj_len(list); i++)
		if (!strcmp(S(t, t->host->obj_at(list, i), "id"), id))
			return true;
	return false;
}

static void test_hollow_lists(void **state)
{
	(void)state;
	th t;
	th_up(&t, "rt-hollow", "");
	const cs_runtime_ops *rt = RT(&t);
	const cs_host *h = t.host;
	cs_error e;
	pull(&t, "nginx");
	char sa[CS_RUNTIME_ID_MAX], sb[CS_RUNTIME_ID_MAX], ca[3][CS_RUNTIME_ID_MAX],
		cb[2][CS_RUNTIME_ID_MAX];
	sandbox(&t, 1, sa);
	sandbox(&t, 2, sb);
	for (int i = 0; i < 3; i++) {
		char name[8];
		fmt(name, sizeof(name), "a%d", i);
		assert_int_equal(container(&t, sa, name, 0, ca[i], &e), 0);
	}
	for (int i = 0; i < 2; i++) {
		char name[8];
		fmt(name, sizeof(name), "b%d", i);
		assert_int_equal(container(&t, sb, name, 0, cb[i], &e), 0);
	}
	assert_int_equal(rt->start_container(t.m, ca[1], &e), 0);
	cs_object *l = NULL;
	assert_int_equal(rt->list_containers(t.m, sa, &l, &e), 0);
	assert_int_equal(h->obj_len(l), 3);
	for (int i = 0; i < 3; i++)
		assert_true(list_has(&t, l, ca[i]));
	for (size_t i = 0; i < 3; i++) {
		const cs_object *c = h->obj_at(l, i);
		assert_string_equal(S(&t, c, "podSandboxId"), sa);
		assert_string_equal(S(&t, c, "state"), !strcmp(S(&t, c, "id"), ca[1])
							       ? "CONTAINER_RUNNING"
							       : "CONTAINER_CREATED");
		assert_int_equal(S(&t, c, "labels.c")[0], 'a');
		assert_int_equal(S(&t, c, "metadata.name")[0], 'a');
	}
	h->obj_free(l);
	assert_int_equal(rt->list_containers(t.m, sb, &l, &e), 0);
	assert_int_equal(h->obj_len(l), 2);
	assert_true(list_has(&t, l, cb[0]) && list_has(&t, l, cb[1]));
	h->obj_free(l);
	assert_int_equal(rt->list_containers(t.m, "nope", &l, &e), 0);
	assert_int_equal(h->obj_len(l), 0);
	h->obj_free(l);
	assert_int_equal(rt->list_containers(t.m, NULL, &l, &e), 0);
	assert_int_equal(h->obj_len(l), 5);
	h->obj_free(l);
	assert_int_equal(rt->list_pod_sandboxes(t.m, &l, &e), 0);
	assert_int_equal(h->obj_len(l), 2);
	assert_true(list_has(&t, l, sa) && list_has(&t, l, sb));
	assert_string_equal(S(&t, h->obj_at(l, 0), "state"), "SANDBOX_READY");
	assert_string_equal(S(&t, h->obj_at(l, 1), "labels.app"), "web");
	h->obj_free(l);
	assert_int_equal(rt->remove_pod_sandbox(t.m, sa, &e), 0);
	assert_int_equal(rt->list_containers(t.m, NULL, &l, &e), 0);
	assert_int_equal(h->obj_len(l), 2);
	h->obj_free(l);
	/* fini frees what is left (sandbox b); ASan checks it */
	th_down(&t);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_hollow_start_delay(void **state)
{
	(void)state;
	th t;
	th_up(&t, "rt-hollow", "start-delay-ms = 300\n\texit-code = 137");
	const cs_runtime_ops *rt = RT(&t);
	const cs_host *h = t.host;
	cs_error e;
	pull(&t, "busybox:1.36");
	char sb[CS_RUNTIME_ID_MAX], c[CS_RUNTIME_ID_MAX], c2[CS_RUNTIME_ID_MAX];
	sandbox(&t, 1, sb);
	cs_object *cfg = J(&t, "{\"metadata\": {\"name\": \"s\"}, \"image\": {\"image\": "
			       "\"busybox:1.36\"}}");
	assert_int_equal(rt->create_container(t.m, sb, cfg, NULL, c, &e), 0);
	h->obj_free(cfg);
	int64_t t0 = mono_ms();
	assert_int_equal(rt->start_container(t.m, c, &e), 0);
	cs_object *st = cstatus(&t, c);
	/* starting: still created, no startedAt, no exec */
	assert_string_equal(S(&t, st, "state"), "CONTAINER_CREATED");
	assert_int_equal(h->obj_int(st, "startedAt", -1), 0);
	h->obj_free(st);
	const char *argv[] = {"true", NULL};
	int code;
	assert_int_equal(rt->exec(t.m, c, argv, -1, -1, -1, false, 0, &code, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);
	/* a second start while starting is refused too */
	assert_int_equal(rt->start_container(t.m, c, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);
	assert_non_null(strstr(e.message, "starting"));
	if (mono_ms() - t0 < 250)
		expect_state(&t, c, "CONTAINER_CREATED");
	usleep(350000);
	st = cstatus(&t, c);
	assert_string_equal(S(&t, st, "state"), "CONTAINER_RUNNING");
	int64_t started = h->obj_int(st, "startedAt", 0);
	int64_t created = h->obj_int(st, "createdAt", 0);
	/* startedAt says when it became running: about 300 ms after start */
	assert_true(started - created >= 300000000LL);
	h->obj_free(st);
	assert_int_equal(rt->exec(t.m, c, argv, -1, -1, -1, false, 0, &code, &e), 0);
	assert_int_equal(rt->stop_container(t.m, c, 0, &e), 0);
	st = cstatus(&t, c);
	assert_int_equal(h->obj_int(st, "exitCode", 0), 137);
	assert_string_equal(S(&t, st, "reason"), "Error");
	h->obj_free(st);

	/* stopped while still starting: exited, having run for no time */
	assert_int_equal(container(&t, sb, "q", 0, c2, &e), -1); /* nginx not pulled */
	cfg = J(&t, "{\"metadata\": {\"name\": \"q\"}, \"image\": {\"image\": \"busybox:1.36\"}}");
	assert_int_equal(rt->create_container(t.m, sb, cfg, NULL, c2, &e), 0);
	h->obj_free(cfg);
	assert_int_equal(rt->start_container(t.m, c2, &e), 0);
	assert_int_equal(rt->stop_container(t.m, c2, 0, &e), 0);
	st = cstatus(&t, c2);
	assert_string_equal(S(&t, st, "state"), "CONTAINER_EXITED");
	assert_int_equal(h->obj_int(st, "startedAt", 0), h->obj_int(st, "finishedAt", 1));
	h->obj_free(st);
	th_down(&t);

	/* option values the module refuses: init fails, named in the error */
	char err[1024] = "";
	assert_int_equal(
		th_try(&t, "rt-hollow", "required = true\n\tstart-delay-ms = -5", err, sizeof(err)),
		-1);
	assert_non_null(strstr(err, "rt-hollow"));
	th_down(&t);
}

typedef struct worker {
	th *t;
	int n;
	atomic_int *failures;
	char why[512];
} worker;

static void *churn(void *arg)
{
	worker *w = arg;
	th *t = w->t;
	const cs_runtime_ops *rt = RT(t);
	cs_error e = {0};
	char sb[CS_RUNTIME_ID_MAX];
	char text[512];
	fmt(text, sizeof(text), sandbox_json, 100 + w->n);
	cs_object *cfg = J(t, text);
	int rc = rt->run_pod_sandbox(t->m, cfg, sb, &e);
	t->host->obj_free(cfg);
	for (int i = 0; i < 1000 && !rc; i++) {
		char id[CS_RUNTIME_ID_MAX], name[16];
		fmt(name, sizeof(name), "c%d", i);
		cs_object *st = NULL;
		rc = container(t, sb, name, 0, id, &e) || rt->start_container(t->m, id, &e) ||
		     rt->container_status(t->m, id, &st, &e);
		if (!rc && strcmp(S(t, st, "state"), "CONTAINER_RUNNING"))
			rc = t->host->errorf(&e, 0, "", "%s is %s", id, S(t, st, "state"));
		t->host->obj_free(st);
		rc = rc || rt->stop_container(t->m, id, 0, &e) ||
		     rt->remove_container(t->m, id, &e);
	}
	rc = rc || rt->stop_pod_sandbox(t->m, sb, &e) || rt->remove_pod_sandbox(t->m, sb, &e);
	if (rc) {
		atomic_fetch_add(w->failures, 1);
		fmt(w->why, sizeof(w->why), "%s", e.message);
	}
	return NULL;
}

static void test_hollow_concurrent(void **state)
{
	(void)state;
	th t;
	th_up(&t, "rt-hollow", "");
	pull(&t, "nginx");
	pthread_t th[8];
	worker w[8];
	atomic_int failures = 0;
	for (int i = 0; i < 8; i++) {
		w[i] = (worker){.t = &t, .n = i, .failures = &failures};
		assert_int_equal(pthread_create(&th[i], NULL, churn, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		if (w[i].why[0])
			print_error("worker %d: %s\n", i, w[i].why);
	}
	assert_int_equal(failures, 0);
	cs_object *l = NULL;
	cs_error e;
	assert_int_equal(RT(&t)->list_containers(t.m, NULL, &l, &e), 0);
	assert_int_equal(t.host->obj_len(l), 0);
	t.host->obj_free(l);
	assert_int_equal(RT(&t)->list_pod_sandboxes(t.m, &l, &e), 0);
	assert_int_equal(t.host->obj_len(l), 0);
	t.host->obj_free(l);
	th_down(&t);
}

typedef struct follower {
	th *t;
	const char *id;
	int fd, rc;
	cs_error e;
} follower;

static void *follow(void *arg)
{
	follower *f = arg;
	f->rc = RT(f->t)->container_logs(f->t->m, f->id, f->fd, -1, true, &f->e);
	return NULL;
}

static void test_hollow_logs_follow(void **state)
{
	(void)state;
	th t;
	th_up(&t, "rt-hollow", "exec-echo = true");
	const cs_runtime_ops *rt = RT(&t);
	cs_error e;
	pull(&t, "nginx");
	char sb[CS_RUNTIME_ID_MAX], c[CS_RUNTIME_ID_MAX];
	sandbox(&t, 1, sb);
	assert_int_equal(container(&t, sb, "f", 0, c, &e), 0);
	assert_int_equal(rt->start_container(t.m, c, &e), 0);
	const char *before[] = {"before", NULL}, *during[] = {"during", "follow", NULL};
	assert_int_equal(rt->exec(t.m, c, before, -1, -1, -1, false, 0, NULL, &e), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	follower f = {.t = &t, .id = c, .fd = p[1], .rc = -2};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, follow, &f), 0);
	usleep(100000);
	assert_int_equal(f.rc, -2); /* still following */
	assert_int_equal(rt->exec(t.m, c, during, -1, -1, -1, false, 0, NULL, &e), 0);
	usleep(100000);
	assert_int_equal(rt->stop_container(t.m, c, 0, &e), 0);
	pthread_join(th, NULL);
	assert_int_equal(f.rc, 0);
	char *out = drain_pipe(p[0]);
	assert_non_null(strstr(out, "F before\n"));
	assert_non_null(strstr(out, "F during follow\n"));
	assert_true(strstr(out, "before") < strstr(out, "during"));

	/* a reader that goes away ends a follow too */
	char c2[CS_RUNTIME_ID_MAX];
	assert_int_equal(container(&t, sb, "g", 0, c2, &e), 0);
	assert_int_equal(rt->start_container(t.m, c2, &e), 0);
	close(p[0]);
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ign, &old);
	f = (follower){.t = &t, .id = c2, .fd = p[1], .rc = -2};
	assert_int_equal(pthread_create(&th, NULL, follow, &f), 0);
	pthread_join(th, NULL);
	sigaction(SIGPIPE, &old, NULL);
	assert_int_equal(f.rc, 0);
	close(p[1]);
	th_down(&t);
}

/* ================= net-cni ================= */

#define NET(t) ((const cs_network_ops *)(t)->ops)

static char fakebin[PATH_MAX], recdir[PATH_MAX];

/* Plugins as shell scripts (the driver itself never uses a shell): they
 * record what they were given and answer like CNI plugins do. */
static void fake_plugins(void)
{
	path_of(fakebin, "%s/fakebin", tmp);
	path_of(recdir, "%s/rec", tmp);
	mkdir(fakebin, 0755);
	mkdir(recdir, 0755);
	char text[2 * PATH_MAX], p[PATH_MAX];
	fmt(text, sizeof(text),
	    "#!/bin/sh\n"
	    "n=${0##*/}\n"
	    "d=%s\n"
	    "cat > \"$d/$n.$CNI_COMMAND.in\"\n"
	    "env > \"$d/$n.$CNI_COMMAND.env\"\n"
	    "echo \"$CNI_COMMAND $n\" >> \"$d/order\"\n"
	    "if [ \"$CNI_COMMAND\" = ADD ]; then\n"
	    "  case $n in reca) ip=10.9.0.1;; *) ip=10.9.0.2;; esac\n"
	    "  printf '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"%%s/24\"}]}' \"$ip\"\n"
	    "fi\n",
	    recdir);
	path_of(p, "%s/reca", fakebin);
	write_file(p, text, 0755);
	path_of(p, "%s/recb", fakebin);
	write_file(p, text, 0755);
	path_of(p, "%s/failer", fakebin);
	write_file(p,
		   "#!/bin/sh\ncat >/dev/null\nprintf '{\"cniVersion\":\"1.0.0\",\"code\":11,"
		   "\"msg\":\"busy\",\"details\":\"come back later\"}'\nexit 1\n",
		   0755);
	path_of(p, "%s/crasher", fakebin);
	write_file(p, "#!/bin/sh\necho 'boom: the bridge melted' >&2\nexit 2\n", 0755);
	path_of(p, "%s/garbage", fakebin);
	write_file(p, "#!/bin/sh\ncat >/dev/null\necho not-json\n", 0755);
	path_of(p, "%s/noread", fakebin);
	write_file(p, "#!/bin/sh\nexit 0\n", 0755);
	path_of(p, "%s/lingerer", fakebin);
	write_file(p,
		   "#!/bin/sh\ncat >/dev/null\nsleep 3 &\nprintf '{\"cniVersion\":\"1.0.0\","
		   "\"ips\":[{\"address\":\"10.9.9.9/24\"}]}'\n",
		   0755);
	path_of(p, "%s/sleeper", fakebin);
	write_file(p, "#!/bin/sh\nsleep 30\n", 0755);
	path_of(p, "%s/order", recdir);
	unlink(p);
}

static cs_net_attachment attach(const char *cid, const char *netns, const char *ifname,
				const cs_object *rtc)
{
	return (cs_net_attachment){.size = sizeof(cs_net_attachment),
				   .container_id = cid,
				   .netns = netns,
				   .ifname = ifname,
				   .pod_namespace = "default",
				   .pod_name = "web-0",
				   .pod_uid = "uid-1",
				   .runtime_config = rtc};
}

static cs_object *rec_in(th *t, const char *plugin, const char *cmd)
{
	char p[PATH_MAX];
	path_of(p, "%s/%s.%s.in", recdir, plugin, cmd);
	char *text = read_file(p);
	if (!text)
		fail_msg("plugin %s got no %s", plugin, cmd);
	return J(t, text);
}

static void test_cni_fake_plugins(void **state)
{
	(void)state;
	fake_plugins();
	char body[1024], cache[PATH_MAX];
	path_of(cache, "%s/cnicache", tmp);
	fmt(body, sizeof(body), "bin-dir = \"%s\"\n\tcache-dir = \"%s\"\n\ttimeout-seconds = 1",
	    fakebin, cache);
	th t;
	th_up(&t, "net-cni", body);
	const cs_network_ops *net = NET(&t);
	const cs_host *h = t.host;
	assert_string_equal(net->cni_version, "1.0.0");
	cs_error e = {0};
	cs_object *conf = J(&t, "{\"cniVersion\": \"1.0.0\", \"name\": \"recnet\", \"plugins\": ["
				"{\"type\": \"reca\", \"capabilities\": {\"portMappings\": true,"
				" \"io.kubernetes.cri.pod-annotations\": true, \"mac\": false}},"
				"{\"type\": \"recb\", \"keep\": \"me\"}]}");
	cs_object *rtc = J(&t, "{\"portMappings\": [{\"hostPort\": 8080, \"containerPort\": 80,"
			       " \"protocol\": \"tcp\"}], \"bandwidth\": {\"ingressRate\": 1},"
			       " \"mac\": \"00:11:22:33:44:55\","
			       " \"io.kubernetes.cri.pod-annotations\": {\"a\": \"b\"}}");
	cs_net_attachment a = attach("cid1", "/run/netns/fake", "eth0", rtc);

	/* ADD: in order, each result the next one's prevResult */
	cs_object *res = NULL;
	if (net->add(t.m, &a, conf, &res, &e))
		fail_msg("ADD: %s", e.message);
	assert_string_equal(S(&t, res, "ips[0].address"), "10.9.0.2/24");
	cs_object *in = rec_in(&t, "reca", "ADD");
	assert_string_equal(S(&t, in, "name"), "recnet");
	assert_string_equal(S(&t, in, "cniVersion"), "1.0.0");
	assert_null(h->obj_get(in, "prevResult"));
	/* runtimeConfig: declared and provided capabilities only */
	assert_int_equal(h->obj_int(in, "runtimeConfig.portMappings[0].hostPort", 0), 8080);
	assert_string_equal(S(&t, in, "runtimeConfig.io\\.kubernetes\\.cri\\.pod-annotations.a"),
			    "b");
	assert_null(h->obj_get(in, "runtimeConfig.bandwidth"));
	assert_null(h->obj_get(in, "runtimeConfig.mac"));
	h->obj_free(in);
	in = rec_in(&t, "recb", "ADD");
	assert_string_equal(S(&t, in, "prevResult.ips[0].address"), "10.9.0.1/24");
	assert_string_equal(S(&t, in, "keep"), "me");
	assert_string_equal(S(&t, in, "name"), "recnet");
	assert_null(h->obj_get(in, "runtimeConfig"));
	h->obj_free(in);
	char p[PATH_MAX];
	path_of(p, "%s/recb.ADD.env", recdir);
	char *envtext = read_file(p);
	assert_non_null(strstr(envtext, "CNI_COMMAND=ADD\n"));
	assert_non_null(strstr(envtext, "CNI_CONTAINERID=cid1\n"));
	assert_non_null(strstr(envtext, "CNI_NETNS=/run/netns/fake\n"));
	assert_non_null(strstr(envtext, "CNI_IFNAME=eth0\n"));
	assert_non_null(strstr(envtext, "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;"
					"K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=cid1;"
					"K8S_POD_UID=uid-1\n"));
	char want[PATH_MAX + 16];
	fmt(want, sizeof(want), "CNI_PATH=%s\n", fakebin);
	assert_non_null(strstr(envtext, want));
	/* the cache holds the final result */
	path_of(p, "%s/results/recnet-cid1-eth0", cache);
	assert_true(exists(p));
	assert_non_null(strstr(read_file(p), "10.9.0.2/24"));

	/* ADD of an existing attachment fails */
	cs_object *res2 = NULL;
	assert_int_equal(net->add(t.m, &a, conf, &res2, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);
	assert_null(res2);

	/* CHECK in order with the cached result */
	assert_int_equal(net->check(t.m, &a, conf, NULL, &e), 0);
	in = rec_in(&t, "reca", "CHECK");
	assert_string_equal(S(&t, in, "prevResult.ips[0].address"), "10.9.0.2/24");
	h->obj_free(in);

	/* DEL in reverse, prevResult from the cache; then the cache is gone */
	assert_int_equal(net->del(t.m, &a, conf, NULL, &e), 0);
	in = rec_in(&t, "reca", "DEL");
	assert_string_equal(S(&t, in, "prevResult.ips[0].address"), "10.9.0.2/24");
	h->obj_free(in);
	assert_false(exists(p));
	path_of(p, "%s/order", recdir);
	assert_string_equal(read_file(p), "ADD reca\nADD recb\nCHECK reca\nCHECK recb\n"
					  "DEL recb\nDEL reca\n");
	/* a prev_result from the caller wins over (missing) cache */
	cs_object *prev = J(&t, "{\"cniVersion\": \"1.0.0\", \"ips\": [{\"address\": "
				"\"10.7.7.7/24\"}]}");
	assert_int_equal(net->del(t.m, &a, conf, prev, &e), 0);
	in = rec_in(&t, "recb", "DEL");
	assert_string_equal(S(&t, in, "prevResult.ips[0].address"), "10.7.7.7/24");
	h->obj_free(in);
	assert_int_equal(net->check(t.m, &a, conf, prev, &e), 0);
	h->obj_free(prev);
	/* CHECK without any ADD result */
	assert_int_equal(net->check(t.m, &a, conf, NULL, &e), -1);
	assert_int_equal(e.code, CS_NOT_FOUND);
	h->obj_free(res);

	/* a single plugin configuration of an old version: no CHECK, no
	 * prevResult on DEL */
	cs_object *old = J(&t, "{\"cniVersion\": \"0.3.1\", \"name\": \"single\", \"type\": "
			       "\"reca\"}");
	assert_int_equal(net->add(t.m, &a, old, &res, &e), 0);
	assert_string_equal(S(&t, res, "ips[0].address"), "10.9.0.1/24");
	h->obj_free(res);
	assert_int_equal(net->check(t.m, &a, old, NULL, &e), -1);
	assert_int_equal(e.code, CS_INVALID);
	assert_non_null(strstr(e.message, "0.4.0"));
	assert_int_equal(net->del(t.m, &a, old, NULL, &e), 0);
	in = rec_in(&t, "reca", "DEL");
	assert_null(h->obj_get(in, "prevResult"));
	assert_string_equal(S(&t, in, "cniVersion"), "0.3.1");
	h->obj_free(in);
	h->obj_free(old);

	/* disableCheck: CHECK succeeds without running anything */
	cs_object *nochk = J(&t, "{\"cniVersion\": \"1.0.0\", \"name\": \"nochk\", "
				 "\"disableCheck\": true, \"plugins\": [{\"type\": \"failer\"}]}");
	assert_int_equal(net->check(t.m, &a, nochk, NULL, &e), 0);
	h->obj_free(nochk);

#define ADD_FAILS(json, code_, ...)                                                                \
	do {                                                                                       \
		cs_object *c_ = J(&t, json);                                                       \
		cs_object *r_ = NULL;                                                              \
		memset(&e, 0, sizeof(e));                                                          \
		assert_int_equal(net->add(t.m, &a, c_, &r_, &e), -1);                              \
		assert_null(r_);                                                                   \
		assert_int_equal(e.code, code_);                                                   \
		const char *w_[] = {__VA_ARGS__, NULL};                                            \
		for (size_t i_ = 0; w_[i_]; i_++)                                                  \
			if (!strstr(e.message, w_[i_]))                                            \
				fail_msg("\"%s\" not in: %s", w_[i_], e.message);                  \
		h->obj_free(c_);                                                                   \
	} while (0)
	/* CNI error object: code mapped, msg and details shown */
	ADD_FAILS("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"type\": "
		  "\"failer\"}]}",
		  CS_UNAVAILABLE, "plugin failer failed", "busy", "come back later",
		  "CNI error 11");
	/* no error object: exit status and stderr */
	ADD_FAILS("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"type\": "
		  "\"crasher\"}]}",
		  500, "plugin crasher exited with status 2", "boom: the bridge melted");
	ADD_FAILS("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"type\": "
		  "\"garbage\"}]}",
		  500, "plugin garbage returned no result object");
	ADD_FAILS("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"type\": "
		  "\"no-such-plugin\"}]}",
		  500, "plugin no-such-plugin not found in", fakebin);
	ADD_FAILS("{\"cniVersion\": \"1.0.0\", \"name\": \"bad/name\", \"type\": \"reca\"}",
		  CS_INVALID, "name");
	ADD_FAILS("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"type\": "
		  "\"../reca\"}]}",
		  CS_INVALID, "type");
	ADD_FAILS("{\"name\": \"n\", \"type\": \"reca\"}", CS_INVALID, "cniVersion");
	ADD_FAILS("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": []}", CS_INVALID,
		  "plugins");
	/* a plugin that exits without reading a large stdin: no SIGPIPE */
	char *big = malloc(300000);
	int off = sprintf(big, "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": "
			       "[{\"type\": \"noread\", \"pad\": \"");
	memset(big + off, 'x', 250000);
	strcpy(big + off + 250000, "\"}]}");
	ADD_FAILS(big, 500, "plugin noread returned no result object");
	free(big);
	/* the timeout kills the plugin (and its children) */
	int64_t t0 = mono_ms();
	ADD_FAILS("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"type\": "
		  "\"sleeper\"}]}",
		  504, "plugin sleeper did not finish within 1s");
	assert_true(mono_ms() - t0 < 5000);
	/* a plugin that exits while its child still holds stdout open */
	cs_object *ling = J(&t, "{\"cniVersion\": \"1.0.0\", \"name\": \"ling\", \"plugins\": "
				"[{\"type\": \"lingerer\"}]}");
	t0 = mono_ms();
	if (net->add(t.m, &a, ling, &res, &e))
		fail_msg("ADD lingerer: %s", e.message);
	assert_true(mono_ms() - t0 < 900); /* well within timeout-seconds = 1 */
	assert_string_equal(S(&t, res, "ips[0].address"), "10.9.9.9/24");
	h->obj_free(res);
	assert_int_equal(net->del(t.m, &a, ling, NULL, &e), 0);
	h->obj_free(ling);
	/* a failed ADD is undone: the plugins that ran get a DEL */
	path_of(p, "%s/order", recdir);
	unlink(p);
	ADD_FAILS("{\"cniVersion\": \"1.0.0\", \"name\": \"undo\", \"plugins\": [{\"type\": "
		  "\"reca\"}, {\"type\": \"failer\"}]}",
		  CS_UNAVAILABLE, "failer");
	assert_string_equal(read_file(p), "ADD reca\nDEL reca\n");
	path_of(p, "%s/results/undo-cid1-eth0", cache);
	assert_false(exists(p));

	/* bad attachments */
	cs_net_attachment bad = attach("a/b", "/run/netns/fake", "eth0", NULL);
	assert_int_equal(net->add(t.m, &bad, conf, &res, &e), -1);
	assert_int_equal(e.code, CS_INVALID);
	bad = attach("cid2", NULL, "eth0", NULL);
	assert_int_equal(net->add(t.m, &bad, conf, &res, &e), -1);
	assert_int_equal(e.code, CS_INVALID);
	assert_non_null(strstr(e.message, "namespace"));
	assert_int_equal(net->add(t.m, NULL, conf, &res, &e), -1);
	bad = attach("cid2", "/run/netns/fake", "eth0", NULL);
	bad.pod_name = "web;K8S_POD_NAMESPACE=kube-system";
	assert_int_equal(net->add(t.m, &bad, conf, &res, &e), -1);
	assert_int_equal(e.code, CS_INVALID);
	assert_non_null(strstr(e.message, "CNI_ARGS"));
	/* a corrupt cache does not block DEL (nor, once DEL removed it, ADD) */
	path_of(p, "%s/results/recnet-cid3-eth0", cache);
	write_file(p, "{garbage", 0600);
	bad = attach("cid3", "/run/netns/fake", "eth0", NULL);
	assert_int_equal(net->add(t.m, &bad, conf, &res, &e), -1);
	assert_non_null(strstr(e.message, "corrupt"));
	assert_int_equal(net->del(t.m, &bad, conf, NULL, &e), 0);
	assert_false(exists(p));
	assert_int_equal(net->add(t.m, &bad, conf, &res, &e), 0);
	h->obj_free(res);
	assert_int_equal(net->del(t.m, &bad, conf, NULL, &e), 0);
	/* DEL needs no namespace (it may be gone) */
	assert_int_equal(net->del(t.m, &bad, conf, NULL, &e), 0);
	h->obj_free(conf);
	h->obj_free(rtc);
	th_down(&t);

	/* a bin-dir that does not exist: ADD says where it looked */
	fmt(body, sizeof(body), "bin-dir = \"%s/nonexistent\"", tmp);
	th_up(&t, "net-cni", body);
	conf = J(&t, "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"reca\"}");
	a = attach("cid1", "/run/netns/fake", "eth0", NULL);
	assert_int_equal(NET(&t)->add(t.m, &a, conf, &res, &e), -1);
	assert_non_null(strstr(e.message, "plugin reca not found in"));
	assert_non_null(strstr(e.message, "/nonexistent"));
	t.host->obj_free(conf);
	/* default cache-dir: under the module's state directory */
	path_of(p, "%s/modules/net-cni/cache/results", tmp);
	assert_true(exists(p));
	th_down(&t);
}

static void test_cni_conf_dir(void **state)
{
	(void)state;
	fake_plugins();
	char dir[PATH_MAX], p[PATH_MAX], body[1024];
	path_of(dir, "%s/netd-fake", tmp);
	mkdir(dir, 0755);
	path_of(p, "%s/00-broken.conflist", dir);
	write_file(p, "{not json", 0644);
	path_of(p, "%s/05-a.conf", dir);
	write_file(p, "{\"cniVersion\": \"1.0.0\", \"name\": \"anet\", \"type\": \"reca\"}", 0644);
	path_of(p, "%s/10-b.conflist", dir);
	write_file(p,
		   "{\"cniVersion\": \"1.0.0\", \"name\": \"bnet\", \"plugins\": [{\"type\": "
		   "\"recb\"}]}",
		   0644);
	path_of(p, "%s/README", dir);
	write_file(p, "not a configuration", 0644);
	cs_net_attachment a = attach("cid9", "/run/netns/fake", "eth1", NULL);
	cs_error e;
	cs_object *res = NULL;
	th t;

	/* default: the lexically first usable file */
	fmt(body, sizeof(body), "bin-dir = \"%s\"\n\tconf-dir = \"%s\"", fakebin, dir);
	th_up(&t, "net-cni", body);
	if (NET(&t)->add(t.m, &a, NULL, &res, &e))
		fail_msg("ADD: %s", e.message);
	assert_string_equal(S(&t, res, "ips[0].address"), "10.9.0.1/24");
	t.host->obj_free(res);
	path_of(p, "%s/modules/net-cni/cache/results/anet-cid9-eth1", tmp);
	assert_true(exists(p));
	assert_int_equal(NET(&t)->del(t.m, &a, NULL, NULL, &e), 0);
	assert_false(exists(p));
	th_down(&t);

	/* by name */
	fmt(body, sizeof(body), "bin-dir = \"%s\"\n\tconf-dir = \"%s\"\n\tnetwork = \"bnet\"",
	    fakebin, dir);
	th_up(&t, "net-cni", body);
	assert_int_equal(NET(&t)->add(t.m, &a, NULL, &res, &e), 0);
	assert_string_equal(S(&t, res, "ips[0].address"), "10.9.0.2/24");
	t.host->obj_free(res);
	assert_int_equal(NET(&t)->del(t.m, &a, NULL, NULL, &e), 0);
	th_down(&t);

	/* a name that is not there: says so, and mentions the broken file */
	fmt(body, sizeof(body), "bin-dir = \"%s\"\n\tconf-dir = \"%s\"\n\tnetwork = \"cnet\"",
	    fakebin, dir);
	th_up(&t, "net-cni", body);
	assert_int_equal(NET(&t)->add(t.m, &a, NULL, &res, &e), -1);
	assert_int_equal(e.code, CS_NOT_FOUND);
	assert_non_null(strstr(e.message, "no network named cnet"));
	assert_non_null(strstr(e.message, "00-broken.conflist"));
	th_down(&t);

	/* no directory at all */
	fmt(body, sizeof(body), "conf-dir = \"%s/none\"", tmp);
	th_up(&t, "net-cni", body);
	assert_int_equal(NET(&t)->add(t.m, &a, NULL, &res, &e), -1);
	assert_non_null(strstr(e.message, "/none"));
	th_down(&t);

	/* an option value of the wrong type: the loader names file and line */
	char err[1024] = "";
	assert_int_equal(th_try(&t, "net-cni", "timeout-seconds = \"x\"", err, sizeof(err)), -1);
	char where[PATH_MAX + 8];
	fmt(where, sizeof(where), "%s:", t.conf);
	if (!strstr(err, where) || !strstr(err, "timeout-seconds"))
		fail_msg("no FILE:LINE naming timeout-seconds in: %s", err);
	const char *line = strstr(err, where) + strlen(where);
	assert_true(*line >= '1' && *line <= '9');
	th_down(&t);
	/* and one the module refuses at init */
	assert_int_equal(
		th_try(&t, "net-cni", "required = true\n\ttimeout-seconds = 0", err, sizeof(err)),
		-1);
	assert_non_null(strstr(err, "net-cni"));
	th_down(&t);
}

typedef struct cni_worker {
	th *t;
	const cs_object *conf;
	int n;
	char why[512];
} cni_worker;

static void *cni_churn(void *arg)
{
	cni_worker *w = arg;
	const cs_network_ops *net = NET(w->t);
	cs_error e = {0};
	for (int i = 0; i < 5 && !w->why[0]; i++) {
		char cid[32];
		fmt(cid, sizeof(cid), "par-%d-%d", w->n, i);
		cs_net_attachment a = attach(cid, "/run/netns/fake", "eth0", NULL);
		cs_object *res = NULL;
		if (net->add(w->t->m, &a, w->conf, &res, &e) ||
		    net->check(w->t->m, &a, w->conf, NULL, &e) ||
		    net->del(w->t->m, &a, w->conf, NULL, &e))
			fmt(w->why, sizeof(w->why), "%s: %s", cid, e.message);
		else if (strcmp(S(w->t, res, "ips[0].address"), "10.9.0.2/24"))
			fmt(w->why, sizeof(w->why), "%s: result %s", cid,
			    S(w->t, res, "ips[0].address"));
		w->t->host->obj_free(res);
	}
	return NULL;
}

static void test_cni_concurrent(void **state)
{
	(void)state;
	fake_plugins();
	char body[1024], p[PATH_MAX];
	fmt(body, sizeof(body), "bin-dir = \"%s\"", fakebin);
	th t;
	th_up(&t, "net-cni", body);
	cs_object *conf = J(&t, "{\"cniVersion\": \"1.0.0\", \"name\": \"par\", \"plugins\": ["
				"{\"type\": \"reca\"}, {\"type\": \"recb\"}]}");
	pthread_t tid[8];
	cni_worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (cni_worker){.t = &t, .conf = conf, .n = i};
		assert_int_equal(pthread_create(&tid[i], NULL, cni_churn, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(tid[i], NULL);
		if (w[i].why[0])
			fail_msg("worker %d: %s", i, w[i].why);
	}
	/* every cycle left nothing behind */
	path_of(p, "%s/modules/net-cni/cache/results", tmp);
	assert_int_equal(run(body, sizeof(body), "ls", "-A", p, NULL), 0);
	assert_string_equal(body, "");
	t.host->obj_free(conf);
	th_down(&t);
}

/* Real plugins: bridge + host-local + tuning in a network namespace. */
static void test_cni_bridge(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: the bridge plugin needs root\n");
		skip();
	}
	if (access("/usr/lib/cni/bridge", X_OK) || access("/usr/lib/cni/host-local", X_OK) ||
	    access("/usr/lib/cni/tuning", X_OK)) {
		print_message("skipped: /usr/lib/cni/{bridge,host-local,tuning} missing "
			      "(apt-get install containernetworking-plugins)\n");
		skip();
	}
	char *ns = netns_name, nspath[128], out[8192], dir[PATH_MAX], p[PATH_MAX], body[2048];
	fmt(ns, sizeof(netns_name), "cstest-%d", (int)getpid());
	fmt(bridge, sizeof(bridge), "cst%d", (int)getpid() % 1000000);
	fmt(nspath, sizeof(nspath), "/run/netns/%s", ns);
	if (run(out, sizeof(out), "ip", "netns", "add", ns, NULL) != 0) {
		print_message("skipped: cannot create a network namespace: %s\n", out);
		ns[0] = '\0';
		skip();
	}
	path_of(dir, "%s/netd", tmp);
	mkdir(dir, 0755);
	char conf[2048];
	fmt(conf, sizeof(conf),
	    "{\"cniVersion\": \"1.0.0\", \"name\": \"cstest\", \"plugins\": ["
	    "{\"type\": \"bridge\", \"bridge\": \"%s\", \"isGateway\": true, "
	    "\"ipMasq\": false, \"ipam\": {\"type\": \"host-local\", \"ranges\": "
	    "[[{\"subnet\": \"10.244.77.0/24\"}]], \"dataDir\": \"%s/ipam\"}},"
	    "{\"type\": \"tuning\", \"capabilities\": {\"mac\": true}}]}",
	    bridge, tmp);
	path_of(p, "%s/10-cstest.conflist", dir);
	write_file(p, conf, 0644);
	fmt(body, sizeof(body), "conf-dir = \"%s\"\n\tcache-dir = \"%s/realcache\"", dir, tmp);
	th t;
	th_up(&t, "net-cni", body);
	const cs_network_ops *net = NET(&t);
	const cs_host *h = t.host;
	cs_object *rtc = J(&t, "{\"mac\": \"0a:58:0a:f4:4d:99\"}");
	cs_net_attachment a = attach("realcid", nspath, "eth0", rtc);
	cs_error e = {0};
	cs_object *res = NULL;
	int rc = net->add(t.m, &a, NULL, &res, &e);
	if (rc)
		print_error("ADD: %s\n", e.message);
	assert_int_equal(rc, 0);
	const char *addr = S(&t, res, "ips[0].address");
	assert_int_equal(strncmp(addr, "10.244.77.", 10), 0);
	char ip[64];
	fmt(ip, sizeof(ip), "%.*s", (int)strcspn(addr, "/"), addr);
	assert_int_equal(run(out, sizeof(out), "ip", "-n", ns, "addr", "show", "eth0", NULL), 0);
	assert_non_null(strstr(out, ip));
	/* runtimeConfig reached tuning (a declared capability) */
	assert_non_null(strstr(out, "0a:58:0a:f4:4d:99"));
	h->obj_free(res);
	path_of(p, "%s/realcache/results/cstest-realcid-eth0", tmp);
	assert_true(exists(p));

	rc = net->check(t.m, &a, NULL, NULL, &e);
	if (rc)
		print_error("CHECK: %s\n", e.message);
	assert_int_equal(rc, 0);
	assert_int_equal(net->del(t.m, &a, NULL, NULL, &e), 0);
	assert_int_not_equal(run(out, sizeof(out), "ip", "-n", ns, "link", "show", "eth0", NULL),
			     0);
	assert_false(exists(p));
	assert_int_equal(net->del(t.m, &a, NULL, NULL, &e), 0);

	/* a bogus plugin after bridge: the error names it, and the bridge's
	 * part is undone (no interface, no address kept) */
	fmt(conf, sizeof(conf),
	    "{\"cniVersion\": \"1.0.0\", \"name\": \"cstest2\", \"plugins\": ["
	    "{\"type\": \"bridge\", \"bridge\": \"%s\", \"ipam\": {\"type\": "
	    "\"host-local\", \"subnet\": \"10.244.78.0/24\", \"dataDir\": \"%s/ipam2\"}},"
	    " {\"type\": \"no-such-plugin\"}]}",
	    bridge, tmp);
	cs_object *bogus = J(&t, conf);
	cs_net_attachment a2 = attach("realcid2", nspath, "eth1", NULL);
	assert_int_equal(net->add(t.m, &a2, bogus, &res, &e), -1);
	assert_non_null(strstr(e.message, "no-such-plugin"));
	assert_non_null(strstr(e.message, "/usr/lib/cni"));
	assert_int_not_equal(run(out, sizeof(out), "ip", "-n", ns, "link", "show", "eth1", NULL),
			     0);
	path_of(p, "%s/ipam2/cstest2", tmp);
	assert_int_equal(run(out, sizeof(out), "ls", p, NULL), 0);
	assert_null(strstr(out, "10.244.78."));
	h->obj_free(bogus);
	/* a plugin's own CNI error comes through with its message */
	fmt(conf, sizeof(conf),
	    "{\"cniVersion\": \"1.0.0\", \"name\": \"cstest3\", \"plugins\": [{\"type\": "
	    "\"bridge\", \"bridge\": \"%s\", \"ipam\": {\"type\": \"host-local\", \"subnet\": "
	    "\"not-a-subnet\"}}]}",
	    bridge);
	bogus = J(&t, conf);
	assert_int_equal(net->add(t.m, &a2, bogus, &res, &e), -1);
	assert_non_null(strstr(e.message, "plugin bridge failed"));
	assert_non_null(strstr(e.message, "CNI error"));
	h->obj_free(bogus);
	h->obj_free(rtc);
	th_down(&t);

	assert_int_equal(run(out, sizeof(out), "ip", "netns", "del", ns, NULL), 0);
	assert_int_equal(run(out, sizeof(out), "ip", "link", "del", bridge, NULL), 0);
	ns[0] = '\0';
}

/* ================= storage-hostpath ================= */

#define ST(t) ((const cs_storage_ops *)(t)->ops)

static int create(th *t, const char *name, int64_t cap, char id[CS_VOLUME_ID_MAX], int64_t *got,
		  cs_error *e)
{
	cs_volume_request r = {.size = sizeof(r), .name = name, .capacity_bytes = cap};
	cs_object *ctx = NULL;
	int rc = ST(t)->create_volume(t->m, &r, id, got, &ctx, e);
	assert_null(ctx);
	return rc;
}

static int64_t recorded(th *t, const char *base, const char *id)
{
	char p[PATH_MAX];
	path_of(p, "%s/%s/volume.json", base, id);
	char *text = read_file(p);
	if (!text)
		return -1;
	cs_object *o = J(t, text);
	int64_t cap = t->host->obj_int(o, "capacityBytes", -1);
	t->host->obj_free(o);
	return cap;
}

static void test_hostpath(void **state)
{
	(void)state;
	char base[PATH_MAX], p[PATH_MAX], body[PATH_MAX + 64];
	path_of(base, "%s/vols", tmp);
	/* leftovers of an interrupted create are swept at init */
	path_of(p, "%s/.creating-pvc-x-123456", base);
	assert_int_equal(mkdir(base, 0700), 0);
	assert_int_equal(mkdir(p, 0700), 0);
	fmt(body, sizeof(body), "base-dir = \"%s\"", base);
	th t;
	th_up(&t, "storage-hostpath", body);
	const cs_storage_ops *sto = ST(&t);
	assert_string_equal(sto->provisioner, "capstan.io/hostpath");
	assert_false(exists(p));
	cs_error e = {0};
	char id[CS_VOLUME_ID_MAX];
	int64_t got = 0;

	/* create: idempotent by name, capacity recorded */
	if (create(&t, "pvc-1", 1 << 20, id, &got, &e))
		fail_msg("create: %s", e.message);
	assert_string_equal(id, "pvc-1");
	assert_int_equal(got, 1 << 20);
	assert_int_equal(recorded(&t, base, "pvc-1"), 1 << 20);
	path_of(p, "%s/pvc-1/data", base);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0777);
	assert_int_equal(create(&t, "pvc-1", 1 << 20, id, &got, &e), 0);
	assert_int_equal(got, 1 << 20);
	assert_int_equal(create(&t, "pvc-1", 1 << 19, id, &got, &e), 0);
	assert_int_equal(got, 1 << 20); /* compatible: at least as large */
	assert_int_equal(create(&t, "pvc-1", 2 << 20, id, &got, &e), -1);
	assert_int_equal(e.code, CS_CONFLICT);
	assert_non_null(strstr(e.message, "pvc-1"));

	/* names that could escape base-dir or clash with its own files */
	char longname[202];
	memset(longname, 'n', 201);
	longname[201] = '\0';
	const char *bad[] = {"", "a/b", "..", "x..y", ".hidden", "tab\there", longname};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		assert_int_equal(create(&t, bad[i], 1, id, &got, &e), -1);
		assert_int_equal(e.code, CS_INVALID);
		assert_int_equal(sto->delete_volume(t.m, bad[i], &e), -1);
		assert_int_equal(sto->expand_volume(t.m, bad[i], 1, &got, &e), -1);
	}
	assert_int_equal(create(&t, NULL, 1, id, &got, &e), -1);
	assert_int_equal(create(&t, "neg", -1, id, &got, &e), -1);
	assert_int_equal(e.code, CS_INVALID);
	longname[200] = '\0'; /* 200 characters is fine */
	assert_int_equal(create(&t, longname, 0, id, &got, &e), 0);
	assert_string_equal(id, longname);
	assert_int_equal(sto->delete_volume(t.m, longname, &e), 0);

	/* more than the filesystem has: refused unless overcommit */
	assert_int_equal(create(&t, "huge", INT64_MAX / 2, id, &got, &e), -1);
	assert_int_equal(e.code, 507);
	assert_non_null(strstr(e.message, "overcommit"));
	path_of(p, "%s/huge", base);
	assert_false(exists(p));

	/* expand: grows, never shrinks, checks space, 404 when unknown */
	assert_int_equal(sto->expand_volume(t.m, "pvc-1", 4 << 20, &got, &e), 0);
	assert_int_equal(got, 4 << 20);
	assert_int_equal(recorded(&t, base, "pvc-1"), 4 << 20);
	assert_int_equal(sto->expand_volume(t.m, "pvc-1", 1 << 20, &got, &e), 0);
	assert_int_equal(got, 4 << 20);
	assert_int_equal(recorded(&t, base, "pvc-1"), 4 << 20);
	assert_int_equal(sto->expand_volume(t.m, "pvc-1", INT64_MAX / 2, &got, &e), -1);
	assert_int_equal(e.code, 507);
	assert_int_equal(recorded(&t, base, "pvc-1"), 4 << 20);
	assert_int_equal(sto->expand_volume(t.m, "pvc-none", 1, &got, &e), -1);
	assert_int_equal(e.code, CS_NOT_FOUND);

	/* publish and unpublish (mounting needs root) */
	char target[PATH_MAX], target2[PATH_MAX], f[PATH_MAX];
	path_of(target, "%s/target", tmp);
	path_of(target2, "%s/target-ro", tmp);
	mkdir(target, 0755);
	mkdir(target2, 0755);
	assert_int_equal(sto->node_publish(t.m, "pvc-none", target, false, NULL, &e), -1);
	assert_int_equal(e.code, CS_NOT_FOUND);
	assert_int_equal(sto->node_publish(t.m, "pvc-1", "relative/path", false, NULL, &e), -1);
	assert_int_equal(e.code, CS_INVALID);
	path_of(p, "%s/missing-target", tmp);
	assert_int_equal(sto->node_publish(t.m, "pvc-1", p, false, NULL, &e), -1);
	assert_int_equal(e.code, CS_NOT_FOUND);
	/* unpublishing what was never published, or a path that is not there */
	assert_int_equal(sto->node_unpublish(t.m, "pvc-1", target, &e), 0);
	assert_int_equal(sto->node_unpublish(t.m, "pvc-1", p, &e), 0);
	if (geteuid() == 0) {
		if (sto->node_publish(t.m, "pvc-1", target, false, NULL, &e))
			fail_msg("publish: %s", e.message);
		path_of(f, "%s/hello", target);
		write_file(f, "through the mount", 0644);
		path_of(p, "%s/pvc-1/data/hello", base);
		assert_string_equal(read_file(p), "through the mount");
		/* again: idempotent; read-only on top: conflict */
		assert_int_equal(sto->node_publish(t.m, "pvc-1", target, false, NULL, &e), 0);
		assert_int_equal(sto->node_publish(t.m, "pvc-1", target, true, NULL, &e), -1);
		assert_int_equal(e.code, CS_CONFLICT);
		/* read-only publish */
		assert_int_equal(sto->node_publish(t.m, "pvc-1", target2, true, NULL, &e), 0);
		path_of(f, "%s/hello", target2);
		assert_string_equal(read_file(f), "through the mount");
		path_of(f, "%s/new", target2);
		assert_int_equal(open(f, O_WRONLY | O_CREAT, 0644), -1);
		assert_int_equal(errno, EROFS);
		/* another volume on a published target: conflict */
		assert_int_equal(create(&t, "pvc-2", 1, id, &got, &e), 0);
		assert_int_equal(sto->node_publish(t.m, "pvc-2", target, false, NULL, &e), -1);
		assert_int_equal(e.code, CS_CONFLICT);
		/* unpublish, twice */
		assert_int_equal(sto->node_unpublish(t.m, "pvc-1", target, &e), 0);
		assert_int_equal(sto->node_unpublish(t.m, "pvc-1", target, &e), 0);
		assert_int_equal(sto->node_unpublish(t.m, "pvc-1", target2, &e), 0);
		path_of(f, "%s/hello", target);
		assert_false(exists(f));
		path_of(f, "%s/hello", target2);
		assert_false(exists(f));
		assert_int_equal(sto->delete_volume(t.m, "pvc-2", &e), 0);
	} else {
		print_message("mount checks skipped: publishing needs root\n");
	}

	/* delete, twice */
	assert_int_equal(sto->delete_volume(t.m, "pvc-1", &e), 0);
	path_of(p, "%s/pvc-1", base);
	assert_false(exists(p));
	assert_int_equal(sto->delete_volume(t.m, "pvc-1", &e), 0);
	assert_int_equal(sto->expand_volume(t.m, "pvc-1", 1, &got, &e), -1);
	assert_int_equal(e.code, CS_NOT_FOUND);
	/* nothing left behind in base-dir */
	assert_int_equal(run(p, sizeof(p), "ls", "-A", base, NULL), 0);
	assert_string_equal(p, "");
	th_down(&t);

	/* overcommit: the free space is not checked */
	fmt(body, sizeof(body), "base-dir = \"%s\"\n\tovercommit = true", base);
	th_up(&t, "storage-hostpath", body);
	assert_int_equal(create(&t, "huge", INT64_MAX / 2, id, &got, &e), 0);
	assert_int_equal(got, INT64_MAX / 2);
	assert_int_equal(ST(&t)->delete_volume(t.m, "huge", &e), 0);
	th_down(&t);

	/* default base-dir: the module's state directory */
	th_up(&t, "storage-hostpath", "");
	assert_int_equal(create(&t, "pvc-d", 1, id, &got, &e), 0);
	path_of(p, "%s/modules/storage-hostpath/volumes/pvc-d/data", tmp);
	assert_true(exists(p));
	assert_int_equal(ST(&t)->delete_volume(t.m, "pvc-d", &e), 0);
	th_down(&t);
}

typedef struct vol_worker {
	th *t;
	int n;
	char why[512];
} vol_worker;

static void *vol_churn(void *arg)
{
	vol_worker *w = arg;
	const cs_storage_ops *sto = ST(w->t);
	cs_error e = {0};
	char id[CS_VOLUME_ID_MAX], name[32];
	int64_t got = 0;
	for (int i = 0; i < 50 && !w->why[0]; i++) {
		fmt(name, sizeof(name), "v-%d-%d", w->n, i);
		/* and one name every thread creates at once: one volume */
		if (create(w->t, "shared", 1 << 10, id, &got, &e) || strcmp(id, "shared") ||
		    create(w->t, name, 1 << 10, id, &got, &e) ||
		    sto->expand_volume(w->t->m, name, 2 << 10, &got, &e) || got != 2 << 10 ||
		    sto->delete_volume(w->t->m, name, &e))
			fmt(w->why, sizeof(w->why), "%s: %s", name, e.message);
	}
	return NULL;
}

static void test_hostpath_concurrent(void **state)
{
	(void)state;
	char base[PATH_MAX], body[PATH_MAX + 64], out[1024];
	path_of(base, "%s/vols-par", tmp);
	fmt(body, sizeof(body), "base-dir = \"%s\"", base);
	th t;
	th_up(&t, "storage-hostpath", body);
	pthread_t tid[8];
	vol_worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (vol_worker){.t = &t, .n = i};
		assert_int_equal(pthread_create(&tid[i], NULL, vol_churn, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(tid[i], NULL);
		if (w[i].why[0])
			fail_msg("worker %d: %s", i, w[i].why);
	}
	assert_int_equal(run(out, sizeof(out), "ls", "-A", base, NULL), 0);
	assert_string_equal(out, "shared\n");
	th_down(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hollow_lifecycle),
		cmocka_unit_test(test_hollow_errors),
		cmocka_unit_test(test_hollow_lists),
		cmocka_unit_test(test_hollow_start_delay),
		cmocka_unit_test(test_hollow_concurrent),
		cmocka_unit_test(test_hollow_logs_follow),
		cmocka_unit_test(test_cni_fake_plugins),
		cmocka_unit_test(test_cni_conf_dir),
		cmocka_unit_test(test_cni_concurrent),
		cmocka_unit_test(test_cni_bridge),
		cmocka_unit_test(test_hostpath),
		cmocka_unit_test(test_hostpath_concurrent),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
