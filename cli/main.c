/* capctl: command-line client for the capstan API, kubectl's way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "args.h"
#include "capctl.h"
#include "cliutil.h"
#include "http.h"

#define DEFAULT_SERVER "http://127.0.0.1:6443"

typedef struct cmd {
	const char *name;
	unsigned bit;
	cs_ctl_cmd_fn fn;
	const char *usage;
	const char *summary;
	const char *examples;
} cmd;

static const cmd cmds[] = {
	{"get", CS_CMD_GET, cs_ctl_cmd_get, "get TYPE[,TYPE...] [NAME...] | TYPE/NAME... | -f FILE",
	 "Display one or many objects",
	 "  capctl get pods\n"
	 "  capctl get deploy web -o yaml\n"
	 "  capctl get pods -A -l app=web -o wide\n"
	 "  capctl get pods --field-selector status.phase=Running -o name\n"
	 "  capctl get pods -w\n"
	 "  capctl get deploy web -o jsonpath='{.status.readyReplicas}'\n"},
	{"describe", CS_CMD_DESCRIBE, cs_ctl_cmd_describe,
	 "describe TYPE [NAME...] | TYPE/NAME... | -f FILE",
	 "Show details of objects and their events",
	 "  capctl describe pod web-7d4b9c\n"
	 "  capctl describe deploy -l app=web\n"},
	{"create", CS_CMD_CREATE, cs_ctl_cmd_create, "create -f FILE|DIR|- | create namespace NAME",
	 "Create objects from manifests",
	 "  capctl create -f web.yaml\n"
	 "  capctl create -f manifests/ -R\n"
	 "  cat web.json | capctl create -f -\n"
	 "  capctl create namespace staging\n"},
	{"apply", CS_CMD_APPLY, cs_ctl_cmd_apply, "apply -f FILE|DIR|-",
	 "Create or update objects to match manifests (client-side apply)",
	 "  capctl apply -f web.yaml\n"
	 "  capctl apply -f manifests/ -R\n"},
	{"replace", CS_CMD_REPLACE, cs_ctl_cmd_replace, "replace -f FILE|DIR|-",
	 "Replace objects with the manifests' content (PUT)",
	 "  capctl get deploy web -o yaml > web.yaml; vi web.yaml; capctl replace -f web.yaml\n"},
	{"delete", CS_CMD_DELETE, cs_ctl_cmd_delete,
	 "delete TYPE NAME... | TYPE/NAME... | TYPE -l SELECTOR | TYPE --all | -f FILE",
	 "Delete objects",
	 "  capctl delete pod web-7d4b9c\n"
	 "  capctl delete -f web.yaml\n"
	 "  capctl delete pods -l app=web\n"
	 "  capctl delete deploy --all -n staging --wait=false\n"},
	{"edit", CS_CMD_EDIT, cs_ctl_cmd_edit, "edit TYPE NAME | TYPE/NAME",
	 "Edit an object in $EDITOR and save it back",
	 "  capctl edit deploy web\n"
	 "  EDITOR=nano capctl edit cm settings -o json\n"},
	{"scale", CS_CMD_SCALE, cs_ctl_cmd_scale, "scale TYPE NAME... --replicas=N",
	 "Set the replica count of a deployment, replica set or stateful set",
	 "  capctl scale deploy web --replicas=3\n"
	 "  capctl scale deploy web --current-replicas=3 --replicas=5\n"},
	{"label", CS_CMD_LABEL, cs_ctl_cmd_label, "label TYPE NAME... KEY=VALUE... KEY-...",
	 "Add, change or remove labels",
	 "  capctl label pod web-7d4b9c tier=frontend\n"
	 "  capctl label pod web-7d4b9c tier=backend --overwrite\n"
	 "  capctl label pods --all tier-\n"},
	{"annotate", CS_CMD_ANNOTATE, cs_ctl_cmd_annotate,
	 "annotate TYPE NAME... KEY=VALUE... KEY-...", "Add, change or remove annotations",
	 "  capctl annotate deploy web owner=team-a\n"},
	{"patch", CS_CMD_PATCH, cs_ctl_cmd_patch, "patch TYPE NAME -p PATCH [--type TYPE]",
	 "Change fields of an object with a patch",
	 "  capctl patch deploy web -p '{\"spec\":{\"replicas\":2}}'\n"
	 "  capctl patch deploy web --type merge -p 'metadata: {labels: {a: b}}'\n"
	 "  capctl patch pod x --type json -p "
	 "'[{\"op\":\"remove\",\"path\":\"/metadata/labels/a\"}]'\n"},
	{"rollout", CS_CMD_ROLLOUT, cs_ctl_cmd_rollout,
	 "rollout status|history|undo|pause|resume|restart TYPE/NAME | TYPE NAME",
	 "Manage the rollout of a deployment",
	 "  capctl rollout status deployment/web --timeout=2m\n"
	 "  capctl rollout history deployment/web\n"
	 "  capctl rollout history deployment/web --revision=2\n"
	 "  capctl rollout undo deployment/web --to-revision=1\n"
	 "  capctl rollout pause deployment/web; capctl rollout resume deployment/web\n"
	 "  capctl rollout restart deployment/web\n"},
	{"version", CS_CMD_VERSION, cs_ctl_cmd_version, "version [--client]",
	 "Print the client and server versions", "  capctl version\n"},
	{"api-resources", CS_CMD_API_RESOURCES, cs_ctl_cmd_api_resources, "api-resources",
	 "List the object types the server serves",
	 "  capctl api-resources\n"
	 "  capctl api-resources --namespaced=false -o wide\n"},
	{"api-versions", CS_CMD_API_VERSIONS, cs_ctl_cmd_api_versions, "api-versions",
	 "List the API group versions the server serves", "  capctl api-versions\n"},
};

static const size_t ncmds = sizeof(cmds) / sizeof(cmds[0]);

static void flag_help(FILE *f, unsigned which, bool global)
{
	for (size_t i = 0; i < cs_ctl_nflags; i++) {
		const cs_ctl_flag *fl = &cs_ctl_flags[i];
		bool is_global = fl->cmds == CS_CMD_ALL;
		if (is_global != global || !(fl->cmds & which))
			continue;
		char left[96];
		if (fl->shorthand)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", fl->shorthand, fl->name,
				 fl->arg ? " " : "", fl->arg ? fl->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", fl->name, fl->arg ? " " : "",
				 fl->arg ? fl->arg : "");
		fprintf(f, "  %-36s %s\n", left, fl->help);
	}
}

static void main_help(FILE *f)
{
	fprintf(f, "capctl controls a capstan cluster through its Kubernetes-compatible API.\n\n"
		   "Usage: capctl COMMAND [ARGS] [FLAGS]\n\nCommands:\n");
	for (size_t i = 0; i < ncmds; i++)
		fprintf(f, "  %-15s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "  %-15s %s\n", "help", "Help about a command");
	fprintf(f, "\nGlobal flags:\n");
	flag_help(f, CS_CMD_ALL, true);
	fprintf(f, "\nRun 'capctl COMMAND --help' for a command's flags, or see capctl(1).\n");
}

static void cmd_help(FILE *f, const cmd *c)
{
	fprintf(f, "%s.\n\nUsage: capctl %s [FLAGS]\n\nExamples:\n%s", c->summary, c->usage,
		c->examples);
	fprintf(f, "\nFlags:\n");
	flag_help(f, c->bit, false);
	fprintf(f, "\nGlobal flags:\n");
	flag_help(f, c->bit, true);
}

static const cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ncmds; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static int unknown_cmd(const char *name)
{
	fprintf(stderr,
		"error: unknown command \"%s\" for \"capctl\"\n"
		"Run 'capctl --help' for usage.\n",
		name);
	return 1;
}

int main(int argc, char **argv)
{
	cs_ctl c = {.out = stdout};
	cs_ctl_opts_init(&c.o);
	bool *seen = calloc(cs_ctl_nflags, sizeof(*seen));
	char **pos = NULL;
	size_t npos = 0;
	char err[512];
	int rc = 1;
	if (!seen)
		abort();
	if (cs_ctl_args_parse(argc, argv, &c.o, &pos, &npos, seen, err, sizeof(err)) < 0) {
		fprintf(stderr, "error: %s\nSee 'capctl --help' for usage.\n", err);
		goto out;
	}
	if (!npos) {
		main_help(stdout);
		rc = 0;
		goto out;
	}
	if (!strcmp(pos[0], "help")) {
		const cmd *h = npos > 1 ? find_cmd(pos[1]) : NULL;
		if (npos > 1 && !h) {
			rc = unknown_cmd(pos[1]);
			goto out;
		}
		if (h)
			cmd_help(stdout, h);
		else
			main_help(stdout);
		rc = 0;
		goto out;
	}
	const cmd *cm = find_cmd(pos[0]);
	if (!cm) {
		rc = unknown_cmd(pos[0]);
		goto out;
	}
	if (c.o.help) {
		cmd_help(stdout, cm);
		rc = 0;
		goto out;
	}
	if (cs_ctl_args_check(seen, cm->bit, err, sizeof(err)) < 0) {
		fprintf(stderr, "error: %s\nSee 'capctl %s --help' for usage.\n", err, cm->name);
		goto out;
	}
	/* kubectl rollout status waits unless told --watch=false. */
	if (cm->bit == CS_CMD_ROLLOUT) {
		for (size_t i = 0; i < cs_ctl_nflags; i++)
			if (!strcmp(cs_ctl_flags[i].name, "watch") && !seen[i])
				c.o.watch = true;
	}
	c.cmd_name = cm->name;
	c.cmd = cm->bit;
	c.args = pos + 1;
	c.nargs = npos - 1;

	const char *env_ns = getenv("CAPSTAN_NAMESPACE");
	c.ns_explicit = c.o.namespace || (env_ns && *env_ns);
	c.namespace = c.o.namespace ? c.o.namespace : env_ns && *env_ns ? env_ns : "default";
	if (!*c.namespace) {
		fprintf(stderr, "error: the namespace may not be empty\n");
		goto out;
	}
	const char *server = c.o.server;
	if (!server || !*server)
		server = getenv("CAPSTAN_SERVER");
	if (!server || !*server)
		server = DEFAULT_SERVER;
	long timeout_ms = 0;
	if (c.o.request_timeout && cs_ctl_parse_duration(c.o.request_timeout, &timeout_ms) < 0) {
		fprintf(stderr, "error: invalid --request-timeout \"%s\": use e.g. 30s, 2m\n",
			c.o.request_timeout);
		goto out;
	}
	const char *token = c.o.token ? c.o.token : getenv("CAPSTAN_TOKEN");
	cs_ctl_http_conf hc = {
		.server = server,
		.token = token,
		.ca_file = c.o.ca_file,
		.cert_file = c.o.cert_file,
		.key_file = c.o.key_file,
		.insecure = c.o.insecure,
		.timeout_ms = timeout_ms,
	};
	c.http = cs_ctl_http_new(&hc);
	rc = cm->fn(&c) ? 1 : 0;
	cs_ctl_http_free(c.http);
out:
	free(pos);
	free(seen);
	cs_ctl_opts_free(&c.o);
	return rc;
}
