/* The module loader (core/module.c) and module options (core/config.c pass
 * 2), driven through the real API with the purpose-built modules of
 * tests/unit/testmods, built into <build>/testmods beside this test's
 * <build>/tests.  The modules report their lifecycle and the option values
 * they read in files of their state directory (testmods/testmod.h). */
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include <capstan/admission.h>
#include <capstan/controller.h>
#include <capstan/scheduler.h>

#include "config.h"
#include "json.h"
#include "modadmit.h"
#include "modhost.h"
#include "module.h"

static char tmp[PATH_MAX];    /* this run's scratch directory */
static char moddir[PATH_MAX]; /* <build>/testmods */
static int seq;               /* numbering of files and directories */

/* ---- helpers ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* A file's text (a fresh copy, freed at the end of the test), or NULL. */
static char *owned[256];
static size_t nowned;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	int c;
	while ((c = getc(f)) != EOF)
		putc(c, mem);
	fclose(f);
	fclose(mem);
	assert_true(nowned < sizeof(owned) / sizeof(owned[0]));
	return owned[nowned++] = buf;
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(in >= 0 && out >= 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	assert_int_equal(fchmod(out, mode), 0);
	close(in);
	close(out);
}

/* True when text has the whole line `line`. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; p && (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		const char *h_ = (hay), *n_ = (needle);                                            \
		if (!h_ || !strstr(h_, n_))                                                        \
			fail_msg("expected \"%s\" in \"%s\"", n_, h_ ? h_ : "(null)");             \
	} while (0)

#define assert_prefix(s, prefix)                                                                   \
	do {                                                                                       \
		const char *s_ = (s), *p_ = (prefix);                                              \
		if (!s_ || strncmp(s_, p_, strlen(p_)))                                            \
			fail_msg("expected \"%s\" to start with \"%s\"", s_ ? s_ : "(null)", p_);  \
	} while (0)

/* ---- hosts from configuration texts ---- */

typedef struct th {
	cs_config cfg;
	bool loaded;
	cs_modhost *h;
	cs_modenv env;
	char conf[PATH_MAX];
	char data[PATH_MAX];
	char err[1024];
} th;

static th hosts[32];
static size_t nhosts;

/* Write a configuration: module-path on line 1, then body (so body line N
 * is file line N + 1).  dir NULL: the test modules. */
static void write_conf(char out[PATH_MAX], const char *dir, const char *body)
{
	char text[8192];
	fmt(out, PATH_MAX, "%s/capstan-%d.conf", tmp, ++seq);
	fmt(text, sizeof(text), "module-path = \"%s\"\n%s", dir ? dir : moddir, body);
	write_file(out, text);
}

/* A host (not configured yet) for body, with a fresh data directory. */
static th *host_in(const char *dir, const char *body, bool dev_trust)
{
	assert_true(nhosts < sizeof(hosts) / sizeof(hosts[0]));
	th *t = &hosts[nhosts++];
	memset(t, 0, sizeof(*t));
	fmt(t->data, sizeof(t->data), "%s/data-%d", tmp, ++seq);
	write_conf(t->conf, dir, body);
	if (cs_config_load(&t->cfg, t->conf, t->err, sizeof(t->err)) < 0)
		fail_msg("loading %s: %s", t->conf, t->err);
	t->loaded = true;
	t->env = (cs_modenv){.role = "server", .data_dir = t->data, .dev_trust = dev_trust};
	assert_int_equal(cs_modhost_new(&t->h, &t->env), 0);
	return t;
}

/* Module files are owned by whoever built them: root trusts them as they
 * are, anyone else needs the development trust. */
static th *host(const char *body)
{
	return host_in(NULL, body, geteuid() != 0);
}

static int configure(th *t)
{
	t->err[0] = '\0';
	return cs_modhost_configure(t->h, &t->cfg, t->err, sizeof(t->err));
}

static void must(th *t, int rc, const char *step)
{
	if (rc != 0)
		fail_msg("%s of %s failed: %s", step, t->conf, t->err);
}

/* configure, init and start; every step must succeed. */
static th *up(const char *body)
{
	th *t = host(body);
	must(t, configure(t), "configure");
	must(t, cs_modhost_init(t->h, t->err, sizeof(t->err)), "init");
	must(t, cs_modhost_start(t->h, t->err, sizeof(t->err)), "start");
	return t;
}

/* Reload t with a new configuration text; the configuration is freed
 * right after, as capstand does. */
static int reload_in(th *t, const char *dir, const char *body)
{
	char path[PATH_MAX];
	write_conf(path, dir, body);
	cs_config c;
	if (cs_config_load(&c, path, t->err, sizeof(t->err)) < 0)
		fail_msg("loading %s: %s", path, t->err);
	int rc = cs_modhost_reload(t->h, &c, t->err, sizeof(t->err));
	cs_config_free(&c);
	return rc;
}

static int reload(th *t, const char *body)
{
	return reload_in(t, NULL, body);
}

static const cs_modinfo *info(th *t, const char *name)
{
	static cs_modinfo list[64];
	size_t n = cs_modhost_list(t->h, false, list, 64);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].name, name))
			return &list[i];
	return NULL;
}

static const char *mstate(th *t, const char *name)
{
	const cs_modinfo *i = info(t, name);
	return i ? cs_modstate_name(i->state) : "(not listed)";
}

static const char *error_of(th *t, const char *name)
{
	const cs_modinfo *i = info(t, name);
	return i ? i->error : "(not listed)";
}

/* <data>/modules/<module>/<file>, or NULL. */
static char *state_file(th *t, const char *module, const char *file)
{
	char path[PATH_MAX];
	fmt(path, sizeof(path), "%s/modules/%s/%s", t->data, module, file);
	return slurp(path);
}

static int health(th *t, char *buf, size_t n)
{
	return cs_modhost_health(t->h, false, buf, n);
}

static cs_mod *instance(th *t, const char *name)
{
	cs_mod *m = NULL;
	return cs_modhost_find(t->h, name, &m) ? m : NULL;
}

static void emit(void *arg, const char *text, size_t len)
{
	fwrite(text, 1, len, arg);
}

/* Every module metric in the Prometheus text format. */
static char *metrics(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	cs_modmetrics_render(emit, f);
	fclose(f);
	assert_true(nowned < sizeof(owned) / sizeof(owned[0]));
	return owned[nowned++] = buf;
}

/* Wait until <module>/<file> has line (a worker thread writes it). */
static bool wait_line(th *t, const char *module, const char *file, const char *line)
{
	for (int i = 0; i < 500; i++) {
		char *text = state_file(t, module, file);
		if (has_line(text, line))
			return true;
		if (text) /* keep the pool small while polling */
			free(owned[--nowned]);
		sleep_ms(10);
	}
	return false;
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
	fmt(moddir, sizeof(moddir), "%s/testmods", self);
	char so[PATH_MAX];
	fmt(so, sizeof(so), "%s/good-ctrl.so", moddir);
	if (access(so, R_OK)) {
		fprintf(stderr, "missing %s: the Makefile builds tests/unit/testmods first\n", so);
		return -1;
	}
	fmt(tmp, sizeof(tmp), "/tmp/cs-module-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* After every test, also a failed one: stop and free what it made. */
static int cleanup(void **state)
{
	(void)state;
	while (nhosts) {
		th *t = &hosts[--nhosts];
		cs_modhost_free(t->h);
		if (t->loaded)
			cs_config_free(&t->cfg);
		memset(t, 0, sizeof(*t));
	}
	while (nowned)
		free(owned[--nowned]);
	return 0;
}

static const char good_ctrl[] = "module \"good-ctrl\" {\n"
				"\tenabled = true\n"
				"}\n";

/* ---- a good module: lifecycle, defaults, behaviour ---- */

static void test_lifecycle_and_defaults(void **state)
{
	(void)state;
	/* Initialised, not started: alive, not ready. */
	th *t0 = host(good_ctrl);
	must(t0, configure(t0), "configure");
	must(t0, cs_modhost_init(t0->h, t0->err, sizeof(t0->err)), "init");
	char b0[4096];
	assert_int_equal(health(t0, b0, sizeof(b0)), 0);
	assert_int_equal(cs_modhost_health(t0->h, true, b0, sizeof(b0)), -1);
	assert_string_equal(b0, "[-]modules starting\n[+]module good-ctrl ok\n[-]informer-sync "
				"module good-ctrl: 1 informer(s) not synced yet (configmaps)\n");
	cs_modhost_stop(t0->h);

	th *t = up(good_ctrl);
	const cs_modinfo *i = info(t, "good-ctrl");
	assert_non_null(i);
	char file[PATH_MAX];
	fmt(file, sizeof(file), "%s/good-ctrl.so", moddir);
	assert_string_equal(i->file, file);
	assert_string_equal(i->kind, "controller");
	assert_string_equal(i->version, "1.2.3");
	assert_int_equal(i->abi_major, CS_ABI_MAJOR);
	assert_int_equal(i->abi_minor, CS_ABI_MINOR);
	assert_true(i->enabled);
	assert_false(i->required);
	assert_int_equal(i->state, CS_MOD_RUNNING);
	assert_string_equal(i->error, "");
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\nstart\n");

	/* its state directory: <data-dir>/modules/<name>, private */
	char dir[PATH_MAX];
	struct stat st;
	fmt(dir, sizeof(dir), "%s/modules/good-ctrl", t->data);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* every declared default, as the module read it */
	char *opts = state_file(t, "good-ctrl", "options");
	assert_string_equal(opts, "annotate=true\n"
				  "retry-ms=42\n"
				  "ratio=0.5\n"
				  "label=seen\n"
				  "namespaces#=2\n"
				  "namespaces[0]=default\n"
				  "namespaces[1]=kube-system\n");
	assert_true(has_line(metrics(), "testmod_ratio{module=\"good-ctrl\"} 0.5"));
	assert_true(has_line(metrics(), "testmod_reconciles_total{module=\"good-ctrl\"} 0"));

	/* behaviour: keys through the host-made queue reach reconcile; the
	 * namespace list decides; without an API the cache is empty */
	cs_mod *m = instance(t, "good-ctrl");
	assert_non_null(m);
	assert_non_null(m->host->controller_informer(m, "configmaps"));
	assert_null(m->host->controller_informer(m, "secrets"));
	cs_controller_enqueue(m, "default/a", 0);
	cs_controller_enqueue(m, "other/b", 0);
	assert_true(wait_line(t, "good-ctrl", "reconciled", "default/a gone"));
	assert_true(wait_line(t, "good-ctrl", "reconciled", "other/b skipped"));
	assert_true(has_line(metrics(), "testmod_reconciles_total{module=\"good-ctrl\"} 2"));

	char buf[4096];
	assert_int_equal(health(t, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "[+]module good-ctrl ok\n");
	/* Not ready: its informer cannot list without an API (/readyz, not
	 * /healthz, waits for the caches admission and reconciles read). */
	assert_int_equal(cs_modhost_health(t->h, true, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "[+]module good-ctrl ok\n[-]informer-sync module good-ctrl: 1 "
				 "informer(s) not synced yet (configmaps)\n");

	/* stop: stop then fini, once; the instance and its metrics go */
	cs_modhost_stop(t->h);
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\nstart\nstop\nfini\n");
	assert_string_equal(mstate(t, "good-ctrl"), "stopped");
	assert_null(instance(t, "good-ctrl"));
	assert_null(strstr(metrics(), "module=\"good-ctrl\""));
	cs_modhost_stop(t->h);
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\nstart\nstop\nfini\n");
}

/* Without start (the API never served), stop is not called, fini is. */
static void test_free_before_start(void **state)
{
	(void)state;
	th *t = host(good_ctrl);
	must(t, configure(t), "configure");
	assert_string_equal(mstate(t, "good-ctrl"), "loaded");
	assert_null(state_file(t, "good-ctrl", "lifecycle"));
	must(t, cs_modhost_init(t->h, t->err, sizeof(t->err)), "init");
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\n");
	cs_modhost_stop(t->h);
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\nfini\n");
}

static void test_options_set(void **state)
{
	(void)state;
	th *t = up("module \"good-ctrl\" {\n"
		   "\tenabled = true\n"
		   "\tannotate = false\n"
		   "\tretry-ms = -7\n"
		   "\tratio = 2.25\n"
		   "\tlabel = \"two words, \\\"quoted\\\"\"\n"
		   "\tnamespaces = {\"one\", \"two words\", \"\", \"kube-system\"}\n"
		   "}\n");
	assert_string_equal(state_file(t, "good-ctrl", "options"), "annotate=false\n"
								   "retry-ms=-7\n"
								   "ratio=2.25\n"
								   "label=two words, \"quoted\"\n"
								   "namespaces#=4\n"
								   "namespaces[0]=one\n"
								   "namespaces[1]=two words\n"
								   "namespaces[2]=\n"
								   "namespaces[3]=kube-system\n");
	assert_true(has_line(metrics(), "testmod_ratio{module=\"good-ctrl\"} 2.25"));
	cs_mod *m = instance(t, "good-ctrl");
	cs_controller_enqueue(m, "default/x", 0);
	cs_controller_enqueue(m, "two words/y", 0);
	assert_true(wait_line(t, "good-ctrl", "reconciled", "default/x skipped"));
	assert_true(wait_line(t, "good-ctrl", "reconciled", "two words/y gone"));

	/* an empty list is empty, not the default */
	t = up("module \"good-ctrl\" {\n\tnamespaces = {}\n}\n");
	assert_string_equal(mstate(t, "good-ctrl"), "running");
	assert_true(has_line(state_file(t, "good-ctrl", "options"), "namespaces#=0"));
}

/* "FILE:LINE: ..." at the option's own line, naming the module and the
 * option, in that order. */
static void assert_option_error(th *t, int line, const char *module, const char *option)
{
	char want[PATH_MAX + 16];
	fmt(want, sizeof(want), "%s:%d: ", t->conf, line);
	assert_prefix(t->err, want);
	const char *m = strstr(t->err, module);
	if (!m || !strstr(m, option))
		fail_msg("expected module %s, then option %s in \"%s\"", module, option, t->err);
}

/* The admin's typo. */
static void test_option_unknown(void **state)
{
	(void)state;
	th *t = host("module \"good-ctrl\" {\n"
		     "\tenabled = true\n"
		     "\tretyr-ms = 3\n"
		     "\tlabel = \"x\"\n"
		     "}\n");
	assert_int_equal(configure(t), -1);
	assert_option_error(t, 4, "good-ctrl", "retyr-ms");

	/* also when the module declares no options at all */
	t = host("module \"fail-start\" {\n"
		 "\tenabled = true\n"
		 "\tverbose = true\n"
		 "}\n");
	assert_int_equal(configure(t), -1);
	assert_option_error(t, 4, "fail-start", "verbose");

	/* in a later section of several */
	t = host("module \"sched-test\" {\n\tlabel = {\"a\"}\n}\n"
		 "module \"good-ctrl\" {\n"
		 "\tlabel = \"x\"\n"
		 "\tannotate = true\n"
		 "\tnamespace = {\"a\"}\n"
		 "}\n");
	assert_int_equal(configure(t), -1);
	assert_option_error(t, 8, "good-ctrl", "namespace");
}

static void mistyped(const char *option_line, const char *option)
{
	char body[512];
	fmt(body, sizeof(body),
	    "module \"good-ctrl\" {\n"
	    "\tenabled = true\n"
	    "\tlabel = \"fine\"\n"
	    "%s\n"
	    "}\n",
	    option_line);
	th *t = host(body);
	assert_int_equal(configure(t), -1);
	if (option) {
		assert_option_error(t, 5, "good-ctrl", option);
	} else { /* libconfuse's syntax errors name neither */
		char want[PATH_MAX + 16];
		fmt(want, sizeof(want), "%s:5: ", t->conf);
		assert_prefix(t->err, want);
	}
}

static void test_option_mistyped(void **state)
{
	(void)state;
	mistyped("\tretry-ms = \"x\"", "retry-ms");
	mistyped("\tretry-ms = 1.5", "retry-ms");
	mistyped("\tannotate = 5", "annotate");
	mistyped("\tratio = \"abc\"", "ratio");
	mistyped("\tretry-ms = {1, 2}", NULL);
	mistyped("\tlabel = {\"a\", \"b\"}", NULL);
}

/* An option of another loaded module is no option of this one. */
static void test_option_of_another_module(void **state)
{
	(void)state;
	th *t = host("module \"sched-test\" {\n"
		     "\tprefer = {\"n1\"}\n"
		     "}\n"
		     "module \"good-ctrl\" {\n"
		     "\tprefer = {\"n1\"}\n"
		     "}\n");
	assert_int_equal(configure(t), -1);
	assert_option_error(t, 6, "good-ctrl", "prefer");

	t = host("module \"good-ctrl\" {\n"
		 "\tretry-ms = 5\n"
		 "}\n"
		 "module \"sched-test\" {\n"
		 "\tretry-ms = 5\n"
		 "\tlabel = {\"x\"}\n"
		 "}\n");
	assert_int_equal(configure(t), -1);
	assert_option_error(t, 6, "sched-test", "retry-ms");
}

/* good-ctrl's `label` is a string, sched-test's a list: each section is
 * read with its own module's type. */
static void test_option_types_differ_between_modules(void **state)
{
	(void)state;
	th *t = up("module \"good-ctrl\" {\n"
		   "\tlabel = \"mine\"\n"
		   "}\n"
		   "module \"sched-test\" {\n"
		   "\tlabel = {\"zone\", \"rack\"}\n"
		   "}\n");
	assert_true(has_line(state_file(t, "good-ctrl", "options"), "label=mine"));
	char *s = state_file(t, "sched-test", "options");
	assert_true(has_line(s, "label#=2"));
	assert_true(has_line(s, "label[0]=zone"));
	assert_true(has_line(s, "label[1]=rack"));
	/* defaults still apply to the one that does not set it */
	t = up("module \"good-ctrl\" { }\n"
	       "module \"sched-test\" {\n"
	       "\tlabel = {\"zone\"}\n"
	       "}\n");
	assert_true(has_line(state_file(t, "good-ctrl", "options"), "label=seen"));
	t = host("module \"sched-test\" { }\n"
		 "module \"good-ctrl\" {\n"
		 "\tretry-ms = 3\n"
		 "}\n");
	must(t, configure(t), "configure");
	/* and a wrong type is still an error at its line */
	t = host("module \"sched-test\" { }\n"
		 "module \"good-ctrl\" {\n"
		 "\tlabel = {\"a\", \"b\"}\n"
		 "}\n");
	assert_int_equal(configure(t), -1);
	assert_option_error(t, 4, "good-ctrl", "label");
	/* an unquoted scalar is a string here as anywhere */
	t = up("module \"sched-test\" { }\n"
	       "module \"good-ctrl\" {\n"
	       "\tlabel = 12\n"
	       "}\n");
	assert_true(has_line(state_file(t, "good-ctrl", "options"), "label=12"));
}

/* ---- modules the loader refuses ---- */

struct refusal {
	const char *name;
	char why[256]; /* in the error after "module NAME" and the file */
};

/* Optional: recorded as failed, the rest goes on; required: configure
 * fails with "required module NAME ...". */
static void check_refused(const struct refusal *r)
{
	char body[512], file[PATH_MAX], buf[8192], line[2048];
	fmt(file, sizeof(file), "%s/%s.so", moddir, r->name);
	fmt(body, sizeof(body), "module \"%s\" { }\n%s", r->name, good_ctrl);
	th *t = host(body);
	must(t, configure(t), "configure");
	const cs_modinfo *i = info(t, r->name);
	assert_non_null(i);
	if (i->state != CS_MOD_FAILED)
		fail_msg("%s: state %s, not failed", r->name, cs_modstate_name(i->state));
	char who[128];
	fmt(who, sizeof(who), "module %s", r->name);
	/* the file, or where it was looked for */
	const char *where = access(file, F_OK) ? moddir : file;
	assert_prefix(i->error, who);
	assert_contains(i->error, where);
	assert_contains(i->error, r->why);
	must(t, cs_modhost_init(t->h, t->err, sizeof(t->err)), "init");
	must(t, cs_modhost_start(t->h, t->err, sizeof(t->err)), "start");
	assert_string_equal(mstate(t, "good-ctrl"), "running");
	assert_string_equal(mstate(t, r->name), "failed");
	assert_null(instance(t, r->name));
	assert_int_equal(health(t, buf, sizeof(buf)), 0);
	fmt(line, sizeof(line), "[+]module %s failed (optional): %s", r->name,
	    error_of(t, r->name));
	assert_true(has_line(buf, line));
	assert_true(has_line(buf, "[+]module good-ctrl ok"));

	fmt(body, sizeof(body), "%smodule \"%s\" {\n\trequired = true\n}\n", good_ctrl, r->name);
	t = host(body);
	assert_int_equal(configure(t), -1);
	fmt(who, sizeof(who), "required module %s", r->name);
	assert_prefix(t->err, who);
	assert_contains(t->err, where);
	assert_contains(t->err, r->why);
	assert_int_equal(health(t, buf, sizeof(buf)), -1);
	fmt(line, sizeof(line), "[-]module %s failed: %s", r->name, error_of(t, r->name));
	assert_true(has_line(buf, line));
}

static void test_refused_descriptors(void **state)
{
	(void)state;
	struct refusal r[] = {
		{"no-symbol", "does not export the symbol capstan_module"},
		{"wrong-major", ""},
		{"newer-minor", ""},
		{"bad-magic", "bad magic 0x4d4f4f42"},
		{"name-mismatch", "calls itself \"other-name\""},
		{"bad-kind", "unknown module kind 99"},
		{"small-desc", "descriptor too small"},
		{"small-ops", "controller ops table missing or too small"},
		{"ctrl-no-reconcile", "a controller needs a primary resource and reconcile"},
		{"admit-bad", "an admission module needs resources, operations"},
		{"absent", "no file absent.so in the module path"},
	};
	/* Both versions, whatever they are when this runs. */
	fmt(r[1].why, sizeof(r[1].why),
	    "was built for module ABI %u.%u; this capstand provides ABI %u.%u", CS_ABI_MAJOR + 1,
	    CS_ABI_MINOR, CS_ABI_MAJOR, CS_ABI_MINOR);
	fmt(r[2].why, sizeof(r[2].why), "needs module ABI %u.%u,", CS_ABI_MAJOR, CS_ABI_MINOR + 1);
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		check_refused(&r[i]);
		cleanup(NULL);
	}
	/* newer-minor also names the ABI this core provides */
	th *t = host("module \"newer-minor\" { }\n");
	must(t, configure(t), "configure");
	char want[64];
	fmt(want, sizeof(want), "it provides ABI %u.%u", CS_ABI_MAJOR, CS_ABI_MINOR);
	assert_contains(error_of(t, "newer-minor"), want);
	/* today's numbers, as admins will read them */
	if (CS_ABI_MAJOR == 1 && CS_ABI_MINOR == 0) {
		assert_contains(error_of(t, "newer-minor"), "needs module ABI 1.1");
		t = host("module \"wrong-major\" { }\n");
		must(t, configure(t), "configure");
		assert_contains(error_of(t, "wrong-major"),
				"built for module ABI 2.0; this capstand provides ABI 1.0");
	}
}

/* The option table is part of the descriptor: a bad one is the module's
 * bug, reported like any other refusal (not as the admin's). */
static void test_refused_bad_default(void **state)
{
	(void)state;
	struct refusal r = {"bad-default", "default \"abc\" of option \"retries\""};
	check_refused(&r);
}

static void test_refused_reserved_option(void **state)
{
	(void)state;
	struct refusal r = {"reserved-opt", "option \"enabled\""};
	check_refused(&r);
}

/* ---- failing lifecycles ---- */

static void test_init_failure(void **state)
{
	(void)state;
	char file[PATH_MAX], buf[8192], line[2048];
	fmt(file, sizeof(file), "%s/fail-init.so", moddir);
	th *t = host("module \"fail-init\" { }\n"
		     "module \"good-ctrl\" { }\n");
	must(t, configure(t), "configure");
	must(t, cs_modhost_init(t->h, t->err, sizeof(t->err)), "init");
	must(t, cs_modhost_start(t->h, t->err, sizeof(t->err)), "start");
	assert_string_equal(mstate(t, "fail-init"), "failed");
	assert_string_equal(mstate(t, "good-ctrl"), "running");
	char want[PATH_MAX + 64];
	fmt(want, sizeof(want), "module fail-init (%s): init failed", file);
	assert_prefix(error_of(t, "fail-init"), want);
	/* never started, never stopped */
	assert_string_equal(state_file(t, "fail-init", "lifecycle") ?: "", "init\n");
	assert_int_equal(health(t, buf, sizeof(buf)), 0);
	fmt(line, sizeof(line), "[+]module fail-init failed (optional): %s",
	    error_of(t, "fail-init"));
	assert_true(has_line(buf, line));
	assert_true(has_line(buf, "[+]module good-ctrl ok"));
	cs_modhost_stop(t->h);
	assert_string_equal(state_file(t, "fail-init", "lifecycle") ?: "", "init\n");
	assert_string_equal(mstate(t, "fail-init"), "failed");

	t = host("module \"good-ctrl\" { }\n"
		 "module \"fail-init\" {\n\trequired = true\n}\n");
	must(t, configure(t), "configure");
	assert_int_equal(cs_modhost_init(t->h, t->err, sizeof(t->err)), -1);
	fmt(want, sizeof(want), "required module fail-init (%s): init failed", file);
	assert_prefix(t->err, want);
	assert_int_equal(health(t, buf, sizeof(buf)), -1);
	assert_true(has_line(buf, "[+]module good-ctrl ok"));
	fmt(line, sizeof(line), "[-]module fail-init failed: %s", error_of(t, "fail-init"));
	assert_true(has_line(buf, line));

	/* the host cannot wire a controller of an unknown resource */
	t = host("module \"bad-primary\" { }\n");
	must(t, configure(t), "configure");
	must(t, cs_modhost_init(t->h, t->err, sizeof(t->err)), "init");
	assert_string_equal(mstate(t, "bad-primary"), "failed");
	assert_contains(error_of(t, "bad-primary"), "module bad-primary (");
	assert_contains(error_of(t, "bad-primary"), "primary resource \"nosuchthings\" is unknown");
	assert_null(state_file(t, "bad-primary", "lifecycle"));
}

static void test_start_failure(void **state)
{
	(void)state;
	char file[PATH_MAX], buf[8192], want[PATH_MAX + 64];
	fmt(file, sizeof(file), "%s/fail-start.so", moddir);
	th *t = up("module \"fail-start\" { }\n"
		   "module \"good-ctrl\" { }\n");
	assert_string_equal(mstate(t, "fail-start"), "failed");
	assert_string_equal(mstate(t, "good-ctrl"), "running");
	fmt(want, sizeof(want), "module fail-start (%s): start failed", file);
	assert_prefix(error_of(t, "fail-start"), want);
	/* init succeeded, so fini frees; stop belongs to started modules */
	assert_string_equal(state_file(t, "fail-start", "lifecycle"), "init\nstart\nfini\n");
	assert_int_equal(health(t, buf, sizeof(buf)), 0);
	assert_contains(buf, "[+]module fail-start failed (optional): ");

	t = host("module \"fail-start\" {\n\trequired = true\n}\n"
		 "module \"good-ctrl\" { }\n");
	must(t, configure(t), "configure");
	must(t, cs_modhost_init(t->h, t->err, sizeof(t->err)), "init");
	assert_int_equal(cs_modhost_start(t->h, t->err, sizeof(t->err)), -1);
	fmt(want, sizeof(want), "required module fail-start (%s): start failed", file);
	assert_prefix(t->err, want);
	assert_int_equal(health(t, buf, sizeof(buf)), -1);
	assert_contains(buf, "[-]module fail-start failed: module fail-start (");
	/* start stopped at the failure: good-ctrl after it was never
	 * started, so it is not stopped either, only finished */
	cs_modhost_stop(t->h);
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\nfini\n");
}

/* ---- trust: ownership and permissions of module files ---- */

/* A directory with a copy of good-ctrl.so of the given mode. */
static void module_copy(char dir[PATH_MAX], mode_t mode, char file[PATH_MAX])
{
	char src[PATH_MAX];
	fmt(dir, PATH_MAX, "%s/mods-%d", tmp, ++seq);
	assert_int_equal(mkdir(dir, 0755), 0);
	fmt(src, sizeof(src), "%s/good-ctrl.so", moddir);
	fmt(file, PATH_MAX, "%s/good-ctrl.so", dir);
	copy_file(src, file, mode);
}

static void refused_copy(const char *dir, bool dev, const char *why)
{
	th *t = host_in(dir, good_ctrl, dev);
	must(t, configure(t), "configure");
	assert_string_equal(mstate(t, "good-ctrl"), "failed");
	char want[PATH_MAX + 64];
	fmt(want, sizeof(want), "module good-ctrl: refusing %s/good-ctrl.so: ", dir);
	assert_prefix(error_of(t, "good-ctrl"), want);
	assert_contains(error_of(t, "good-ctrl"), why);
}

static void loaded_copy(const char *dir, bool dev)
{
	th *t = host_in(dir, good_ctrl, dev);
	must(t, configure(t), "configure");
	if (strcmp(mstate(t, "good-ctrl"), "loaded"))
		fail_msg("%s/good-ctrl.so not loaded: %s", dir, error_of(t, "good-ctrl"));
}

static void test_trust(void **state)
{
	(void)state;
	char dir[PATH_MAX], file[PATH_MAX], why[128];
	bool root = geteuid() == 0;
	module_copy(dir, 0644, file);
	loaded_copy(dir, !root);
	if (root) {
		/* root's files need no development trust */
		loaded_copy(dir, false);
		assert_int_equal(chown(file, 65534, 65534), 0);
		refused_copy(dir, false, "owned by uid 65534, not root");
		/* development trust covers the user running capstand only */
		refused_copy(dir, true, "owned by uid 65534, not root");
	} else {
		fmt(why, sizeof(why), "owned by uid %u, not root", (unsigned)geteuid());
		refused_copy(dir, false, why);
		assert_contains(error_of(&hosts[nhosts - 1], "good-ctrl"), "--dev-modules");
	}

	/* writable by others than the owner: never, whoever owns it */
	module_copy(dir, 0664, file);
	refused_copy(dir, !root, "writable by its group (mode 0664)");
	refused_copy(dir, true, "writable by its group (mode 0664)");
	module_copy(dir, 0646, file);
	refused_copy(dir, !root, "writable by others (mode 0646)");
	module_copy(dir, 0666, file);
	refused_copy(dir, true, "writable by others (mode 0666)");
	/* read-only for everyone but the owner is fine */
	module_copy(dir, 0500, file);
	loaded_copy(dir, !root);

	/* a directory is not a module file */
	fmt(dir, sizeof(dir), "%s/mods-%d", tmp, ++seq);
	fmt(file, sizeof(file), "%s/good-ctrl.so", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(file, 0755), 0);
	th *t = host_in(dir, good_ctrl, !root);
	must(t, configure(t), "configure");
	assert_string_equal(mstate(t, "good-ctrl"), "failed");
	assert_contains(error_of(t, "good-ctrl"), "is not a regular file");

	/* a refused required module stops configuration */
	module_copy(dir, 0664, file);
	t = host_in(dir, "module \"good-ctrl\" {\n\trequired = true\n}\n", true);
	assert_int_equal(configure(t), -1);
	assert_prefix(t->err, "required module good-ctrl: refusing ");
	assert_contains(t->err, "writable by its group");
}

/* A file that became unsafe while its module ran: a reload refuses it and
 * stops the module. */
static void test_trust_rechecked_on_reload(void **state)
{
	(void)state;
	char dir[PATH_MAX], file[PATH_MAX];
	bool dev = geteuid() != 0;
	module_copy(dir, 0644, file);
	th *t = host_in(dir, good_ctrl, dev);
	must(t, configure(t), "configure");
	must(t, cs_modhost_init(t->h, t->err, sizeof(t->err)), "init");
	must(t, cs_modhost_start(t->h, t->err, sizeof(t->err)), "start");
	assert_string_equal(mstate(t, "good-ctrl"), "running");
	assert_int_equal(chmod(file, 0664), 0);
	assert_int_equal(reload_in(t, dir, good_ctrl), 0);
	assert_string_equal(mstate(t, "good-ctrl"), "failed");
	assert_contains(error_of(t, "good-ctrl"), "writable by its group (mode 0664)");
	assert_null(instance(t, "good-ctrl"));
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\nstart\nstop\nfini\n");
	/* fixed: the next reload loads it again */
	assert_int_equal(chmod(file, 0644), 0);
	assert_int_equal(reload_in(t, dir, good_ctrl), 0);
	assert_string_equal(mstate(t, "good-ctrl"), "running");
}

/* In a child running as `nobody`: the file of nobody is refused without
 * the development trust and loaded with it.  Exit status 0 when so. */
static int dev_trust_as_nobody(const char *conf)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 10;
	cs_config c;
	char err[1024];
	if (cs_config_load(&c, conf, err, sizeof(err)) < 0)
		return 11;
	for (int dev = 0; dev < 2; dev++) {
		cs_modenv env = {.role = "server", .data_dir = "/nonexistent", .dev_trust = dev};
		cs_modhost *h;
		cs_modinfo i;
		if (cs_modhost_new(&h, &env) || cs_modhost_configure(h, &c, err, sizeof(err)) ||
		    cs_modhost_list(h, false, &i, 1) != 1)
			return 12;
		bool ok = dev ? i.state == CS_MOD_LOADED
			      : i.state == CS_MOD_FAILED &&
					  strstr(i.error, "owned by uid 65534, not root (");
		cs_modhost_free(h);
		if (!ok) {
			fprintf(stderr, "as nobody, dev_trust %d: %s %s\n", dev,
				cs_modstate_name(i.state), i.error);
			return 13 + dev;
		}
	}
	cs_config_free(&c);
	return 0;
}

static void test_dev_trust_is_for_the_running_user(void **state)
{
	(void)state;
	if (geteuid() != 0) { /* test_trust covered it as this user */
		skip();
		return;
	}
	char dir[PATH_MAX], file[PATH_MAX], conf[PATH_MAX];
	module_copy(dir, 0644, file);
	assert_int_equal(chown(file, 65534, 65534), 0);
	write_conf(conf, dir, good_ctrl);
	assert_int_equal(chmod(tmp, 0755), 0);
	assert_int_equal(chmod(conf, 0644), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(dev_trust_as_nobody(conf)); /* no cmocka in the child */
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(chmod(tmp, 0700), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- listing the module path ---- */

static void test_list_module_path(void **state)
{
	(void)state;
	th *t = host("module \"sched-test\" {\n\tenabled = false\n}\n"
		     "module \"fail-init\" { }\n");
	must(t, configure(t), "configure");
	static cs_modinfo list[64];
	size_t n = cs_modhost_list(t->h, true, list, 64);
	/* configured ones first, in configuration order */
	assert_true(n >= 2);
	assert_string_equal(list[0].name, "sched-test");
	assert_int_equal(list[0].state, CS_MOD_DISABLED);
	assert_false(list[0].enabled);
	assert_string_equal(list[0].kind, "scheduler"); /* described from its file */
	assert_string_equal(list[1].name, "fail-init");
	assert_int_equal(list[1].state, CS_MOD_LOADED);
	/* a listing loads nothing for good */
	assert_null(instance(t, "good-ctrl"));
	assert_string_equal(mstate(t, "fail-init"), "loaded");
	/* without scan_path only the configured ones */
	static cs_modinfo few[64];
	assert_int_equal(cs_modhost_list(t->h, false, few, 64), 2);
	/* and never more than asked for */
	assert_int_equal(cs_modhost_list(t->h, true, few, 3), 3);
	/* then every .so of the path, once (the descriptor's option table
	 * is checked too: bad-default and reserved-opt cannot load) */
	static const struct {
		const char *name;
		enum cs_modstate state;
		const char *kind;
	} want[] = {
		{"good-ctrl", CS_MOD_AVAILABLE, "controller"},
		{"fail-start", CS_MOD_AVAILABLE, "scheduler"},
		{"bad-primary", CS_MOD_AVAILABLE, "controller"},
		{"no-symbol", CS_MOD_FAILED, NULL},
		{"wrong-major", CS_MOD_FAILED, NULL},
		{"newer-minor", CS_MOD_FAILED, NULL},
		{"bad-magic", CS_MOD_FAILED, NULL},
		{"name-mismatch", CS_MOD_FAILED, NULL},
		{"bad-kind", CS_MOD_FAILED, NULL},
		{"small-desc", CS_MOD_FAILED, NULL},
		{"small-ops", CS_MOD_FAILED, NULL},
		{"ctrl-no-reconcile", CS_MOD_FAILED, NULL},
		{"bad-default", CS_MOD_FAILED, NULL},
		{"reserved-opt", CS_MOD_FAILED, NULL},
	};
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		const cs_modinfo *m = NULL;
		size_t seen = 0;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(list[i].name, want[w].name)) {
				m = &list[i];
				seen++;
			}
		if (seen != 1)
			fail_msg("%s listed %zu times", want[w].name, seen);
		char file[PATH_MAX], who[128];
		fmt(file, sizeof(file), "%s/%s.so", moddir, want[w].name);
		assert_string_equal(m->file, file);
		if (m->state != want[w].state)
			fail_msg("%s: state %s, want %s (%s)", m->name, cs_modstate_name(m->state),
				 cs_modstate_name(want[w].state), m->error);
		if (want[w].kind) {
			assert_string_equal(m->kind, want[w].kind);
			assert_int_equal(m->abi_major, CS_ABI_MAJOR);
			assert_string_equal(m->error, "");
			if (!strcmp(m->name, "good-ctrl")) { /* its declared options */
				assert_non_null(m->options);
				assert_string_equal(m->options[1].name, "retry-ms");
				assert_string_equal(m->options[1].def, "42");
			}
		} else {
			fmt(who, sizeof(who), "module %s", m->name);
			assert_prefix(m->error, who);
			assert_contains(m->error, file);
		}
	}
}

/* ---- a scheduler plugin, and finding modules of a kind ---- */

static void test_scheduler_plugin(void **state)
{
	(void)state;
	th *t = up("module \"good-ctrl\" { }\n"
		   "module \"sched-test\" {\n"
		   "\tlabel = {\"topology.kubernetes.io/zone\"}\n"
		   "\tprefer = {\"n2\"}\n"
		   "}\n");
	cs_mod *m = instance(t, "sched-test");
	assert_non_null(m);
	const cs_host *h = m->host;
	cs_mod *inst = NULL;
	const cs_module *d = h->module_at(m, CS_KIND_SCHEDULER, 0, &inst);
	assert_non_null(d);
	assert_string_equal(d->name, "sched-test");
	assert_ptr_equal(inst, m);
	assert_null(h->module_at(m, CS_KIND_SCHEDULER, 1, &inst));
	d = h->module_at(m, CS_KIND_CONTROLLER, 0, &inst);
	assert_non_null(d);
	assert_string_equal(d->name, "good-ctrl");
	assert_ptr_equal(inst, instance(t, "good-ctrl"));
	assert_null(h->module_at(m, CS_KIND_RUNTIME, 0, &inst));

	const cs_scheduler_ops *ops = cs_modhost_find(t->h, "sched-test", NULL)->ops;
	assert_true(CS_OPS_HAS(cs_scheduler_ops, ops, score));
	assert_false(CS_OPS_HAS(cs_scheduler_ops, ops, bind));
	const char *j1 = "{\"metadata\": {\"name\": \"n1\", \"labels\": "
			 "{\"topology.kubernetes.io/zone\": \"a\"}}}";
	const char *j2 = "{\"metadata\": {\"name\": \"n2\", \"labels\": {\"zone\": \"a\"}}}";
	cs_object *o1 = h->obj_parse(j1, strlen(j1), NULL);
	cs_object *o2 = h->obj_parse(j2, strlen(j2), NULL);
	assert_true(o1 && o2);
	cs_sched_node n1 = {.size = sizeof(n1), .node = o1, .name = "n1"};
	cs_sched_node n2 = {.size = sizeof(n2), .node = o2, .name = "n2"};
	cs_sched_pod pod = {.size = sizeof(pod), .ns = "default", .name = "p"};
	cs_sched_ctx c = {.size = sizeof(c), .weight = 1};
	assert_int_equal(ops->filter(m, &c, &pod, &n1), CS_SCHED_OK);
	assert_int_equal(ops->filter(m, &c, &pod, &n2), CS_SCHED_UNSCHEDULABLE);
	assert_string_equal(c.reason, "node(s) lacked label topology.kubernetes.io/zone");
	int64_t s1 = -1, s2 = -1;
	assert_int_equal(ops->score(m, &c, &pod, &n1, &s1), CS_SCHED_OK);
	assert_int_equal(ops->score(m, &c, &pod, &n2, &s2), CS_SCHED_OK);
	assert_int_equal(s1, 0);
	assert_int_equal(s2, CS_SCHED_MAX_SCORE);
	assert_true(has_line(metrics(), "testmod_filter_calls_total{module=\"sched-test\"} 2"));
	h->obj_free(o1);
	h->obj_free(o2);
}

/* ---- admission modules ---- */

static cs_json *parse_json(const char *text)
{
	char err[128];
	cs_json *j = cs_json_parse(text, strlen(text), err, sizeof(err));
	if (!j)
		fail_msg("bad test JSON (%s): %s", err, text);
	return j;
}

static void test_admission_module(void **state)
{
	(void)state;
	th *t = up("module \"admit-test\" { }\n");
	cs_modadmit *a = cs_modhost_admission(t->h);
	cs_admit_call c = {.op = CS_ADMIT_CREATE,
			   .type = cs_type_find("", "v1", "configmaps"),
			   .resource = "configmaps",
			   .ns = "default",
			   .name = "cm"};
	assert_true(cs_modadmit_wants(a, &c));
	/* A bare resource does not cover its subresources, and the other
	 * way round. */
	c.sub = "status";
	assert_false(cs_modadmit_wants(a, &c));
	c.resource = "pods";
	assert_true(cs_modadmit_wants(a, &c));
	c.sub = NULL;
	assert_false(cs_modadmit_wants(a, &c));
	c.resource = "configmaps";

	cs_status st = {0};
	cs_json *doc = parse_json("{\"metadata\":{\"name\":\"cm\",\"namespace\":\"default\"},"
				  "\"data\":{\"k\":\"v\"}}");
	assert_int_equal(cs_modadmit_run(a, &c, CS_ADMIT_MUTATE, doc, &st), 0);
	assert_string_equal(cs_json_str(cs_json_path(doc, "metadata", "labels", "admitted", NULL)),
			    "yes");
	assert_int_equal(cs_modadmit_run(a, &c, CS_ADMIT_VALIDATE, doc, &st), 0);
	cs_json_set(cs_json_get(doc, "data"), "deny", cs_json_string("not today"));
	assert_int_equal(cs_modadmit_run(a, &c, CS_ADMIT_VALIDATE, doc, &st), -1);
	assert_int_equal(st.code, 403);
	assert_string_equal(st.reason, "Forbidden");
	assert_string_equal(st.message, "configmaps \"cm\" is forbidden: not today (create cm)");
	cs_json_del(cs_json_get(doc, "data"), "deny");
	cs_json_set(cs_json_get(doc, "data"), "status", cs_json_string("429"));
	memset(&st, 0, sizeof(st));
	assert_int_equal(cs_modadmit_run(a, &c, CS_ADMIT_VALIDATE, doc, &st), -1);
	assert_int_equal(st.code, 429);
	assert_string_equal(st.message, "come back later");
	cs_json_free(doc);
	assert_true(has_line(metrics(), "testmod_admission_calls_total{module=\"admit-test\"} 4"));

	/* Calls made from inside an admission callback skip module
	 * admission. */
	cs_modadmit_active = true;
	assert_false(cs_modadmit_wants(a, &c));
	cs_modadmit_active = false;

	/* A stopped module leaves the chain. */
	cs_modhost_stop(t->h);
	assert_false(cs_modadmit_wants(a, &c));
	assert_string_equal(info(t, "admit-test")->kind, "admission");
}

/* ---- reload ---- */

static bool mapped(const char *file)
{
	char real[PATH_MAX];
	char *maps = slurp("/proc/self/maps");
	return maps && realpath(file, real) && strstr(maps, real);
}

static void test_reload_switches_modules(void **state)
{
	(void)state;
	char file[PATH_MAX], buf[4096];
	fmt(file, sizeof(file), "%s/good-ctrl.so", moddir);
	th *t = up("module \"good-ctrl\" { }\n"
		   "module \"sched-test\" {\n\tenabled = false\n}\n");
	assert_string_equal(mstate(t, "sched-test"), "disabled");
	assert_true(mapped(file));
	assert_int_equal(reload(t, "module \"good-ctrl\" {\n\tenabled = false\n}\n"
				   "module \"sched-test\" { }\n"),
			 0);
	/* the disabled one ran stop and fini, and is gone */
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\nstart\nstop\nfini\n");
	assert_string_equal(mstate(t, "good-ctrl"), "disabled");
	assert_null(instance(t, "good-ctrl"));
	assert_null(strstr(metrics(), "module=\"good-ctrl\""));
	assert_false(mapped(file));
	/* the enabled one runs: init, and start since the host is started */
	assert_string_equal(mstate(t, "sched-test"), "running");
	assert_non_null(instance(t, "sched-test"));
	assert_string_equal(state_file(t, "sched-test", "lifecycle"), "init\nstart\n");
	assert_true(has_line(metrics(), "testmod_filter_calls_total{module=\"sched-test\"} 0"));
	assert_int_equal(health(t, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "[+]module sched-test ok\n");

	/* removed from the configuration altogether: stopped and forgotten */
	assert_int_equal(reload(t, "module \"good-ctrl\" { }\n"), 0);
	assert_string_equal(state_file(t, "sched-test", "lifecycle"), "init\nstart\nstop\nfini\n");
	assert_null(info(t, "sched-test"));
	assert_string_equal(mstate(t, "good-ctrl"), "running");
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"),
			    "init\nstart\nstop\nfini\ninit\nstart\n");

	cs_modhost_stop(t->h);
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"),
			    "init\nstart\nstop\nfini\ninit\nstart\nstop\nfini\n");
}

/* Before start (capstand reloads only once it serves, but the host must
 * not start what was never meant to run yet). */
static void test_reload_before_start(void **state)
{
	(void)state;
	th *t = host("module \"good-ctrl\" { }\n");
	must(t, configure(t), "configure");
	must(t, cs_modhost_init(t->h, t->err, sizeof(t->err)), "init");
	assert_int_equal(reload(t, "module \"good-ctrl\" { }\nmodule \"sched-test\" { }\n"), 0);
	assert_string_equal(state_file(t, "sched-test", "lifecycle"), "init\n");
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\n");
	must(t, cs_modhost_start(t->h, t->err, sizeof(t->err)), "start");
	assert_string_equal(state_file(t, "sched-test", "lifecycle"), "init\nstart\n");
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\nstart\n");
}

static void test_reload_invalid_changes_nothing(void **state)
{
	(void)state;
	th *t = up("module \"good-ctrl\" {\n\tretry-ms = 5\n}\n");
	cs_mod *before = instance(t, "good-ctrl");
	static const char *const bad[] = {
		/* a typo in a module option */
		"module \"good-ctrl\" {\n\tretry-ms = 6\n\tlabl = \"x\"\n}\n"
		"module \"sched-test\" { }\n",
		/* a mistyped value */
		"module \"good-ctrl\" {\n\tretry-ms = \"soon\"\n}\nmodule \"sched-test\" { }\n",
		/* an option of a module that declares none */
		"module \"good-ctrl\" {\n\tenabled = false\n}\n"
		"module \"fail-start\" {\n\tretries = 1\n}\n",
		/* a required module that cannot load */
		"module \"good-ctrl\" {\n\tenabled = false\n}\n"
		"module \"wrong-major\" {\n\trequired = true\n}\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (reload(t, bad[i]) != -1)
			fail_msg("reload with\n%s\nsucceeded", bad[i]);
		assert_true(t->err[0] != '\0');
		assert_string_equal(mstate(t, "good-ctrl"), "running");
		assert_ptr_equal(instance(t, "good-ctrl"), before);
		assert_null(info(t, "sched-test"));
		assert_null(info(t, "wrong-major"));
		assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\nstart\n");
		assert_true(has_line(state_file(t, "good-ctrl", "options"), "retry-ms=5"));
		assert_null(state_file(t, "sched-test", "lifecycle"));
	}
	assert_contains(t->err, "required module wrong-major");
	/* and it still works */
	cs_controller_enqueue(before, "kube-system/c", 0);
	assert_true(wait_line(t, "good-ctrl", "reconciled", "kube-system/c gone"));
}

static void test_reload_changed_options_restart(void **state)
{
	(void)state;
	th *t = up("module \"good-ctrl\" {\n\tretry-ms = 5\n}\n"
		   "module \"sched-test\" {\n\tprefer = {\"a\"}\n}\n");
	cs_mod *sched = instance(t, "sched-test");
	/* the same values written differently: nothing restarts */
	assert_int_equal(
		reload(t, "# reordered\n"
			  "module \"sched-test\" {\n\tprefer = {\"a\"}\n\tenabled = true\n}\n"
			  "module \"good-ctrl\" {\n\tretry-ms = 0x5\n\tlabel = \"seen\"\n}\n"),
		0);
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\nstart\n");
	assert_string_equal(state_file(t, "sched-test", "lifecycle"), "init\nstart\n");
	assert_ptr_equal(instance(t, "sched-test"), sched);

	/* good-ctrl's options change: it restarts with the new values; the
	 * unchanged sched-test keeps running untouched */
	assert_int_equal(reload(t, "module \"good-ctrl\" {\n"
				   "\tretry-ms = 7\n"
				   "\tnamespaces = {\"x\"}\n"
				   "}\n"
				   "module \"sched-test\" {\n\tprefer = {\"a\"}\n}\n"),
			 0);
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"),
			    "init\nstart\nstop\nfini\ninit\nstart\n");
	char *opts = state_file(t, "good-ctrl", "options");
	assert_true(has_line(opts, "retry-ms=7"));
	assert_true(has_line(opts, "namespaces#=1"));
	assert_true(has_line(opts, "namespaces[0]=x"));
	assert_string_equal(mstate(t, "good-ctrl"), "running");
	cs_controller_enqueue(instance(t, "good-ctrl"), "default/q", 0);
	assert_true(wait_line(t, "good-ctrl", "reconciled", "default/q skipped"));
	assert_string_equal(state_file(t, "sched-test", "lifecycle"), "init\nstart\n");
	assert_ptr_equal(instance(t, "sched-test"), sched);
	/* its metrics were made anew, not doubled */
	char *mt = metrics();
	assert_true(has_line(mt, "testmod_reconciles_total{module=\"good-ctrl\"} 1"));
	const char *first = strstr(mt, "testmod_ratio{module=\"good-ctrl\"}");
	assert_non_null(first);
	assert_null(strstr(first + 1, "testmod_ratio{module=\"good-ctrl\"}"));

	/* required alone changes: still one running instance */
	assert_int_equal(reload(t, "module \"good-ctrl\" {\n"
				   "\tretry-ms = 7\n"
				   "\tnamespaces = {\"x\"}\n"
				   "\trequired = true\n"
				   "}\n"
				   "module \"sched-test\" {\n\tprefer = {\"a\"}\n}\n"),
			 0);
	assert_string_equal(mstate(t, "good-ctrl"), "running");
	assert_true(info(t, "good-ctrl")->required);
}

/* A module that failed is tried again on reload; the others are left be. */
static void test_reload_retries_failed(void **state)
{
	(void)state;
	char buf[4096];
	th *t = up("module \"fail-init\" { }\nmodule \"good-ctrl\" { }\n");
	assert_string_equal(mstate(t, "fail-init"), "failed");
	assert_int_equal(reload(t, "module \"fail-init\" { }\nmodule \"good-ctrl\" { }\n"), 0);
	assert_string_equal(mstate(t, "fail-init"), "failed");
	assert_string_equal(state_file(t, "fail-init", "lifecycle"), "init\ninit\n");
	assert_string_equal(state_file(t, "good-ctrl", "lifecycle"), "init\nstart\n");
	assert_int_equal(health(t, buf, sizeof(buf)), 0);
	assert_contains(buf, "[+]module fail-init failed (optional): module fail-init (");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_lifecycle_and_defaults, cleanup),
		cmocka_unit_test_teardown(test_free_before_start, cleanup),
		cmocka_unit_test_teardown(test_options_set, cleanup),
		cmocka_unit_test_teardown(test_option_unknown, cleanup),
		cmocka_unit_test_teardown(test_option_mistyped, cleanup),
		cmocka_unit_test_teardown(test_option_of_another_module, cleanup),
		cmocka_unit_test_teardown(test_option_types_differ_between_modules, cleanup),
		cmocka_unit_test_teardown(test_refused_descriptors, cleanup),
		cmocka_unit_test_teardown(test_refused_bad_default, cleanup),
		cmocka_unit_test_teardown(test_refused_reserved_option, cleanup),
		cmocka_unit_test_teardown(test_init_failure, cleanup),
		cmocka_unit_test_teardown(test_start_failure, cleanup),
		cmocka_unit_test_teardown(test_trust, cleanup),
		cmocka_unit_test_teardown(test_trust_rechecked_on_reload, cleanup),
		cmocka_unit_test_teardown(test_dev_trust_is_for_the_running_user, cleanup),
		cmocka_unit_test_teardown(test_list_module_path, cleanup),
		cmocka_unit_test_teardown(test_scheduler_plugin, cleanup),
		cmocka_unit_test_teardown(test_admission_module, cleanup),
		cmocka_unit_test_teardown(test_reload_switches_modules, cleanup),
		cmocka_unit_test_teardown(test_reload_before_start, cleanup),
		cmocka_unit_test_teardown(test_reload_invalid_changes_nothing, cleanup),
		cmocka_unit_test_teardown(test_reload_changed_options_restart, cleanup),
		cmocka_unit_test_teardown(test_reload_retries_failed, cleanup),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
