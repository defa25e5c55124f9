/* capstand: the capstan daemon. */
#include <getopt.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: capstand [OPTIONS]\n"
		"Run the capstan daemon: object store, Kubernetes-compatible API, modules.\n\n"
		"  -c, --config FILE      configuration file (default: none, built-in defaults)\n"
		"      --role ROLE        server, agent or all (overrides the file)\n"
		"      --data-dir DIR     where the store keeps its data\n"
		"      --listen HOST:PORT API address (loopback only until TLS exists)\n"
		"      --log-level LEVEL  error, warn, info or debug\n"
		"      --check-config     validate the configuration and exit (0 ok, 1 error)\n"
		"      --version          print the version and exit\n"
		"  -h, --help             this text\n");
}

int main(int argc, char **argv)
{
	enum { O_ROLE = 256, O_DATA, O_LISTEN, O_LOG, O_CHECK, O_VERSION };
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"role", required_argument, NULL, O_ROLE},
		{"data-dir", required_argument, NULL, O_DATA},
		{"listen", required_argument, NULL, O_LISTEN},
		{"log-level", required_argument, NULL, O_LOG},
		{"check-config", no_argument, NULL, O_CHECK},
		{"version", no_argument, NULL, O_VERSION},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *conf = NULL, *role = NULL, *data = NULL, *listen = NULL, *level = NULL;
	bool check = false;
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
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "capstand: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	cs_config cfg;
	char err[1024];
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
	if (cs_config_validate(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "capstand: %s\n", err);
		cs_config_free(&cfg);
		return 1;
	}
	if (check) {
		printf("capstand: configuration %s is valid\n",
		       conf ? conf : "(built-in defaults)");
		cs_config_free(&cfg);
		return 0;
	}
	cs_log_set_level((enum cs_log_level)cs_log_parse_level(cfg.log_level));
	/* The store holds Secrets: nothing it creates is for other users. */
	umask(077);
	if (!strcmp(cfg.role, "agent")) {
		fprintf(stderr, "capstand: role \"agent\" needs the node agent, which is not part "
				"of this build yet; use role \"server\" or \"all\"\n");
		cs_config_free(&cfg);
		return 1;
	}
	cs_server srv;
	memset(&srv, 0, sizeof(srv));
	cs_store_opts so = {.sync = cfg.store_sync, .history = (size_t)cfg.watch_history};
	int rc = cs_server_run(&srv, cfg.listen, &so, cfg.data_dir, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "capstand: %s\n", err);
	cs_config_free(&cfg);
	return rc < 0 ? 1 : 0;
}
