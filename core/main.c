/* capstand: the capstan daemon. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "api.h"
#include "client.h"
#include "config.h"
#include "log.h"
#include "module.h"
#include "notify.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: capstand [OPTIONS]\n"
		"Run the capstan daemon: object store, Kubernetes-compatible API, modules.\n\n"
		"  -c, --config FILE      configuration file (default: none, built-in defaults)\n"
		"      --role ROLE        server, agent or all (overrides the file)\n"
		"      --data-dir DIR     where the store and modules keep their data\n"
		"      --listen HOST:PORT API address (loopback only until TLS exists)\n"
		"      --server URL       agent role: the API server, e.g. http://127.0.0.1:6443\n"
		"      --node-name NAME   agent role: this node's name (default: the hostname)\n"
		"      --hollow-nodes N   agent or all role: serve N simulated nodes hollow-0 ..\n"
		"                         hollow-<N-1> (4 CPUs, 32Gi, 110 pods each) whose pods\n"
		"                         run in the rt-hollow runtime (loaded for them)\n"
		"      --log-level LEVEL  error, warn, info or debug\n"
		"      --module-path DIRS where module files are (colon-separated)\n"
		"      --dev-modules      also trust module files owned by the current user\n"
		"                         (development only: make run)\n"
		"      --list-modules     list the modules in the module path and exit\n"
		"      --check-config     validate the configuration, including every enabled\n"
		"                         module's options, and exit (0 ok, 1 error)\n"
		"      --version          print the version and exit\n"
		"  -h, --help             this text\n");
}

/* ---- the control thread: module start, reload and stop run here, off
 * the API loop (modules call the API synchronously while they start). ---- */

enum { CMD_START = 1, CMD_RELOAD = 2, CMD_STOP = 4 };

static struct control {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned cmds;
	cs_server *srv;
	cs_modhost *mods;
	const char *conf;
	char *data_override, *path_override;
	int exit_code;
	/* the node agent (roles agent and all) */
	bool run_agent;
	cs_agent_opts agent_opts;
	cs_agent *agent;
} ctl = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void command(unsigned c)
{
	pthread_mutex_lock(&ctl.mu);
	ctl.cmds |= c;
	pthread_cond_signal(&ctl.cv);
	pthread_mutex_unlock(&ctl.mu);
}

static void on_ready(cs_server *srv)
{
	(void)srv;
	command(CMD_START);
}

static void on_reload(cs_server *srv)
{
	(void)srv;
	command(CMD_RELOAD);
}

static void on_stop(cs_server *srv)
{
	(void)srv;
	command(CMD_STOP);
}

static int health(cs_server *srv, bool ready, char *buf, size_t n)
{
	(void)srv;
	return cs_modhost_health(ctl.mods, ready, buf, n);
}

/* --hollow-nodes: rt-hollow runs the hollow nodes' pods whatever the
 * file says (its options from the file still apply), and is required. */
static void force_hollow(cs_config *cfg)
{
	for (size_t i = 0; i < cfg->nmodules; i++)
		if (!strcmp(cfg->modules[i].name, "rt-hollow")) {
			cfg->modules[i].enabled = cfg->modules[i].required = true;
			return;
		}
	cs_module_conf *m = realloc(cfg->modules, (cfg->nmodules + 1) * sizeof(*m));
	if (!m)
		abort();
	cfg->modules = m;
	m[cfg->nmodules++] =
		(cs_module_conf){.name = strdup("rt-hollow"), .enabled = true, .required = true};
}

/* Start the node agent once the modules run.  Without a runtime module
 * and without --hollow-nodes there is no node to serve: the process runs
 * modules only.  -1 when it cannot start. */
static int agent_start(void)
{
	if (!ctl.run_agent)
		return 0;
	if (!ctl.agent_opts.hollow && !cs_agent_runtime_name(ctl.mods)) {
		cs_log(ctl.srv ? CS_LOG_DEBUG : CS_LOG_WARN,
		       "node agent: no container runtime module is enabled: node %s is not "
		       "registered (running modules only)",
		       ctl.agent_opts.node_name);
		return 0;
	}
	char err[1024];
	if (cs_agent_start(&ctl.agent, &ctl.agent_opts, err, sizeof(err)) < 0) {
		cs_log(CS_LOG_ERROR, "%s", err);
		return -1;
	}
	return 0;
}

static void agent_stop(void)
{
	cs_agent_stop(ctl.agent);
	ctl.agent = NULL;
}

static void reload(void)
{
	cs_notify("RELOADING=1");
	cs_config cfg;
	char err[1024];
	cs_log(CS_LOG_INFO, "SIGHUP: re-reading %s", ctl.conf ? ctl.conf : "(no file)");
	if (cs_config_load(&cfg, ctl.conf, err, sizeof(err)) < 0) {
		cs_log(CS_LOG_ERROR, "reload: %s; keeping the running configuration", err);
		cs_notify("READY=1");
		return;
	}
	if (ctl.path_override)
		cs_config_set(&cfg.module_path, ctl.path_override);
	if (ctl.agent_opts.hollow)
		force_hollow(&cfg);
	/* The agent calls the runtime module, which the reload may replace:
	 * it stops first and adopts its pods again afterwards. */
	bool had_agent = ctl.agent != NULL;
	agent_stop();
	if (cs_modhost_reload(ctl.mods, &cfg, err, sizeof(err)) < 0)
		cs_log(CS_LOG_ERROR, "reload: %s; keeping the running modules", err);
	else
		cs_log(CS_LOG_INFO, "reload: modules updated");
	if ((had_agent || ctl.run_agent) && agent_start() < 0)
		cs_log(CS_LOG_ERROR, "reload: the node agent did not start again");
	cs_config_free(&cfg);
	cs_notify("READY=1");
}

static void *control_main(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&ctl.mu);
		while (!ctl.cmds)
			pthread_cond_wait(&ctl.cv, &ctl.mu);
		unsigned c = ctl.cmds;
		ctl.cmds = 0;
		pthread_mutex_unlock(&ctl.mu);
		if (c & CMD_STOP) {
			cs_notify("STOPPING=1");
			agent_stop();
			cs_modhost_stop(ctl.mods);
			if (ctl.srv) {
				ctl.srv->stop_done = 1;
				cs_server_wake(ctl.srv);
			}
			return NULL;
		}
		if (c & CMD_START) {
			char err[1024];
			if (cs_modhost_start(ctl.mods, err, sizeof(err)) < 0 ||
			    (agent_start() < 0 &&
			     snprintf(err, sizeof(err), "the node agent cannot start") > 0)) {
				cs_log(CS_LOG_ERROR, "%s: stopping", err);
				ctl.exit_code = 1;
				if (ctl.srv) {
					ctl.srv->stop = 1;
					cs_server_wake(ctl.srv);
				} else {
					kill(getpid(), SIGTERM);
				}
				continue;
			}
			cs_notify("READY=1");
		}
		if (c & CMD_RELOAD)
			reload();
	}
}

/* ---- agent role: modules only, the API is remote ---- */

static int run_agent(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_t th;
	if (pthread_create(&th, NULL, control_main, NULL)) {
		fprintf(stderr, "capstand: cannot start the control thread\n");
		return 1;
	}
	command(CMD_START);
	for (;;) {
		int sig;
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIGHUP) {
			command(CMD_RELOAD);
			continue;
		}
		cs_log(CS_LOG_INFO, "stop requested");
		command(CMD_STOP);
		break;
	}
	pthread_join(th, NULL);
	return ctl.exit_code;
}

static void list_modules(cs_modhost *mods)
{
	static cs_modinfo info[512];
	size_t n = cs_modhost_list(mods, true, info, 512);
	printf("%-24s %-11s %-10s %-5s %-9s %s\n", "NAME", "KIND", "VERSION", "ABI", "STATE",
	       "FILE");
	for (size_t i = 0; i < n; i++) {
		const cs_modinfo *m = &info[i];
		char abi[16];
		snprintf(abi, sizeof(abi), "%u.%u", m->abi_major, m->abi_minor);
		const char *state = cs_modstate_name(m->state);
		if (m->state == CS_MOD_LOADED)
			state = m->required ? "enabled*" : "enabled";
		printf("%-24s %-11s %-10s %-5s %-9s %s\n", m->name, m->kind,
		       m->version[0] ? m->version : "-", m->version[0] ? abi : "-", state,
		       m->file[0] ? m->file : "-");
		if (m->error[0])
			printf("  error: %s\n", m->error);
		static const char *types[] = {"", "bool", "int", "float", "string", "list"};
		for (const cs_option *o = m->options; o && o->name; o++)
			printf("  option %-20s %-6s default %-14s %s\n", o->name,
			       o->type <= CS_OPT_STRING_LIST ? types[o->type] : "?",
			       o->def && *o->def ? o->def : "-", o->doc ? o->doc : "");
	}
	if (!n)
		printf("(no modules)\n");
}

int main(int argc, char **argv)
{
	enum {
		O_ROLE = 256,
		O_DATA,
		O_LISTEN,
		O_LOG,
		O_CHECK,
		O_VERSION,
		O_MODPATH,
		O_DEVMOD,
		O_LIST,
		O_SERVER,
		O_NODE,
		O_HOLLOW,
	};
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"role", required_argument, NULL, O_ROLE},
		{"data-dir", required_argument, NULL, O_DATA},
		{"listen", required_argument, NULL, O_LISTEN},
		{"log-level", required_argument, NULL, O_LOG},
		{"check-config", no_argument, NULL, O_CHECK},
		{"version", no_argument, NULL, O_VERSION},
		{"module-path", required_argument, NULL, O_MODPATH},
		{"dev-modules", no_argument, NULL, O_DEVMOD},
		{"list-modules", no_argument, NULL, O_LIST},
		{"server", required_argument, NULL, O_SERVER},
		{"node-name", required_argument, NULL, O_NODE},
		{"hollow-nodes", required_argument, NULL, O_HOLLOW},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *conf = NULL, *role = NULL, *data = NULL, *listen = NULL, *level = NULL;
	const char *modpath = NULL, *server = NULL, *node = NULL, *hollow_arg = NULL;
	bool check = false, dev = false, list = false;
	int c;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case O_ROLE: role = optarg; break;
		case O_DATA: data = optarg; break;
		case O_LISTEN: listen = optarg; break;
		case O_LOG: level = optarg; break;
		case O_CHECK: check = true; break;
		case O_VERSION: printf("capstand %s\n", CS_VERSION); return 0;
		case O_MODPATH: modpath = optarg; break;
		case O_DEVMOD: dev = true; break;
		case O_LIST: list = true; break;
		case O_SERVER: server = optarg; break;
		case O_NODE: node = optarg; break;
		case O_HOLLOW: hollow_arg = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "capstand: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	unsigned hollow = 0;
	char err[1024];
	if (hollow_arg && cs_agent_parse_hollow(hollow_arg, &hollow, err, sizeof(err)) < 0) {
		fprintf(stderr, "capstand: %s\n", err);
		return 2;
	}
	cs_config cfg;
	if (cs_config_load(&cfg, conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "capstand: %s\n", err);
		return 1;
	}
	if (role)
		cs_config_set(&cfg.role, role);
	if (data)
		cs_config_set(&cfg.data_dir, data);
	if (listen)
		cs_config_set(&cfg.listen, listen);
	if (level)
		cs_config_set(&cfg.log_level, level);
	if (modpath)
		cs_config_set(&cfg.module_path, modpath);
	if (cs_config_validate(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "capstand: %s\n", err);
		cs_config_free(&cfg);
		return 1;
	}
	cs_log_set_level((enum cs_log_level)cs_log_parse_level(cfg.log_level));
	bool agent = !strcmp(cfg.role, "agent");
	if (hollow && !strcmp(cfg.role, "server")) {
		fprintf(stderr, "capstand: --hollow-nodes needs role \"agent\" or \"all\" (the "
				"role is \"server\")\n");
		cs_config_free(&cfg);
		return 2;
	}
	if (hollow && node) {
		fprintf(stderr,
			"capstand: --hollow-nodes and --node-name exclude each other (hollow "
			"nodes are named hollow-0 .. hollow-%u)\n",
			hollow - 1);
		cs_config_free(&cfg);
		return 2;
	}
	if (hollow)
		force_hollow(&cfg);
	if (agent && !server && !check && !list) {
		fprintf(stderr, "capstand: role \"agent\" needs --server URL (the API server it "
				"registers with)\n");
		cs_config_free(&cfg);
		return 1;
	}
	char host[256] = "";
	if (!node) {
		gethostname(host, sizeof(host) - 1);
		node = host;
	}
	/* The store holds Secrets: nothing it creates is for other users. */
	umask(077);
	cs_server srv;
	memset(&srv, 0, sizeof(srv));
	cs_client *api = check || list ? NULL
			 : agent       ? cs_client_http(server)
				       : cs_client_local(&srv);
	cs_modenv env = {.role = agent ? "agent" : "server",
			 .node_name = agent && !hollow ? node : NULL,
			 .data_dir = cfg.data_dir,
			 .dev_trust = dev,
			 .api = api};
	cs_modhost *mods;
	cs_modhost_new(&mods, &env);
	ctl.mods = mods;
	ctl.conf = conf;
	ctl.path_override = modpath ? strdup(modpath) : NULL;
	ctl.run_agent = strcmp(cfg.role, "server") != 0;
	ctl.agent_opts = (cs_agent_opts){.api = api,
					 .mods = mods,
					 .node_name = node,
					 .hollow = hollow,
					 .data_dir = cfg.data_dir};
	int rc = 0;
	if (list) {
		/* Configured modules are opened (and checked) by configure. */
		if (cs_modhost_configure(mods, &cfg, err, sizeof(err)) < 0)
			fprintf(stderr, "capstand: %s\n", err);
		list_modules(mods);
		goto out;
	}
	if (cs_modhost_configure(mods, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "capstand: %s\n", err);
		rc = 1;
		goto out;
	}
	if (check) {
		printf("capstand: configuration %s is valid\n",
		       conf ? conf : "(built-in defaults)");
		goto out;
	}
	if (cs_modhost_init(mods, err, sizeof(err)) < 0) {
		fprintf(stderr, "capstand: %s\n", err);
		rc = 1;
		goto out;
	}
	if (agent) {
		rc = run_agent();
		goto out;
	}
	ctl.srv = &srv;
	srv.on_ready = on_ready;
	srv.on_reload = on_reload;
	srv.on_stop = on_stop;
	srv.health = health;
	srv.admit = cs_modhost_admission(mods);
	pthread_t th;
	if (pthread_create(&th, NULL, control_main, NULL)) {
		fprintf(stderr, "capstand: cannot start the control thread\n");
		rc = 1;
		goto out;
	}
	cs_store_opts so = {.sync = cfg.store_sync, .history = (size_t)cfg.watch_history};
	if (cs_server_run(&srv, cfg.listen, &so, cfg.data_dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "capstand: %s\n", err);
		rc = 1;
		command(CMD_STOP);
	}
	pthread_join(th, NULL);
	if (ctl.exit_code)
		rc = ctl.exit_code;
out:
	cs_modhost_free(mods);
	if (api)
		api->ops->free(api);
	free(ctl.path_override);
	cs_config_free(&cfg);
	return rc;
}
