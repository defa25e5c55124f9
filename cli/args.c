#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliutil.h"

#define OFF(f) offsetof(cs_ctl_opts, f)

/* Commands that read objects from -f. */
#define FILE_CMDS                                                                                  \
	(CS_CMD_GET | CS_CMD_DESCRIBE | CS_CMD_CREATE | CS_CMD_APPLY | CS_CMD_REPLACE |            \
	 CS_CMD_DELETE | CS_CMD_EDIT | CS_CMD_SCALE | CS_CMD_LABEL | CS_CMD_ANNOTATE |             \
	 CS_CMD_PATCH)
#define SELECTOR_CMDS                                                                              \
	(CS_CMD_GET | CS_CMD_DESCRIBE | CS_CMD_DELETE | CS_CMD_EDIT | CS_CMD_SCALE |               \
	 CS_CMD_LABEL | CS_CMD_ANNOTATE)
#define OUTPUT_CMDS                                                                                \
	(CS_CMD_GET | CS_CMD_CREATE | CS_CMD_APPLY | CS_CMD_REPLACE | CS_CMD_DELETE |              \
	 CS_CMD_EDIT | CS_CMD_SCALE | CS_CMD_LABEL | CS_CMD_ANNOTATE | CS_CMD_PATCH |              \
	 CS_CMD_VERSION | CS_CMD_API_RESOURCES)

const cs_ctl_flag cs_ctl_flags[] = {
	{"server", 's', CS_FLAG_STR, OFF(server), CS_CMD_ALL, "URL",
	 "API server URL (default $CAPSTAN_SERVER, else http://127.0.0.1:6443)"},
	{"namespace", 'n', CS_FLAG_STR, OFF(namespace), CS_CMD_ALL, "NS",
	 "namespace to work in (default $CAPSTAN_NAMESPACE, else \"default\")"},
	{"token", 0, CS_FLAG_STR, OFF(token), CS_CMD_ALL, "TOKEN",
	 "bearer token for the API server (default $CAPSTAN_TOKEN)"},
	{"certificate-authority", 0, CS_FLAG_STR, OFF(ca_file), CS_CMD_ALL, "FILE",
	 "CA bundle that signs the server's certificate"},
	{"client-certificate", 0, CS_FLAG_STR, OFF(cert_file), CS_CMD_ALL, "FILE",
	 "client certificate for TLS authentication"},
	{"client-key", 0, CS_FLAG_STR, OFF(key_file), CS_CMD_ALL, "FILE",
	 "key of the client certificate"},
	{"insecure-skip-tls-verify", 0, CS_FLAG_BOOL, OFF(insecure), CS_CMD_ALL, NULL,
	 "do not verify the server's certificate (insecure)"},
	{"request-timeout", 0, CS_FLAG_STR, OFF(request_timeout), CS_CMD_ALL, "DURATION",
	 "give up on a request after this long (e.g. 30s, 2m; 0 waits forever)"},
	{"help", 'h', CS_FLAG_BOOL, OFF(help), CS_CMD_ALL, NULL, "show help for the command"},

	{"all-namespaces", 'A', CS_FLAG_BOOL, OFF(all_namespaces),
	 CS_CMD_GET | CS_CMD_DESCRIBE | CS_CMD_DELETE, NULL,
	 "act on every namespace (ignores --namespace)"},
	{"selector", 'l', CS_FLAG_STR, OFF(selector), SELECTOR_CMDS, "SELECTOR",
	 "label selector, e.g. app=web,tier!=db,env in (a,b)"},
	{"field-selector", 0, CS_FLAG_STR, OFF(field_selector), CS_CMD_GET | CS_CMD_DELETE,
	 "SELECTOR", "field selector, e.g. status.phase=Running,spec.nodeName=n1"},
	{"all", 0, CS_FLAG_BOOL, OFF(all), CS_CMD_DELETE | CS_CMD_LABEL | CS_CMD_ANNOTATE, NULL,
	 "every object of the type in the namespace"},
	{"filename", 'f', CS_FLAG_STRS, OFF(filenames), FILE_CMDS, "FILE",
	 "manifest file, directory (its .yaml, .yml and .json files) or - for standard "
	 "input; repeatable"},
	{"recursive", 'R', CS_FLAG_BOOL, OFF(recursive), FILE_CMDS, NULL,
	 "descend into subdirectories of -f directories"},
	{"ignore-not-found", 0, CS_FLAG_BOOL, OFF(ignore_not_found), CS_CMD_GET | CS_CMD_DELETE,
	 NULL, "treat \"not found\" as success"},

	{"output", 'o', CS_FLAG_STR, OFF(output), OUTPUT_CMDS, "FORMAT",
	 "json, yaml, name, wide (get), jsonpath=TEMPLATE"},
	{"no-headers", 0, CS_FLAG_BOOL, OFF(no_headers), CS_CMD_GET | CS_CMD_API_RESOURCES, NULL,
	 "omit the header line of tables"},
	{"show-labels", 0, CS_FLAG_BOOL, OFF(show_labels), CS_CMD_GET, NULL, "add a LABELS column"},
	{"label-columns", 'L', CS_FLAG_STRS, OFF(label_columns), CS_CMD_GET, "KEY",
	 "add a column with the value of this label; repeatable or comma-separated"},
	{"chunk-size", 0, CS_FLAG_INT, OFF(chunk_size), CS_CMD_GET, "N",
	 "fetch lists in pages of N objects (0: one request)"},
	{"watch", 'w', CS_FLAG_BOOL, OFF(watch), CS_CMD_GET | CS_CMD_ROLLOUT, NULL,
	 "after listing, print changes as they happen (rollout status: wait until done; "
	 "default true there)"},
	{"watch-only", 0, CS_FLAG_BOOL, OFF(watch_only), CS_CMD_GET, NULL,
	 "print changes without listing first"},
	{"output-watch-events", 0, CS_FLAG_BOOL, OFF(output_watch_events), CS_CMD_GET, NULL,
	 "with --watch, add an EVENT column (ADDED, MODIFIED, DELETED)"},

	{"cascade", 0, CS_FLAG_STR, OFF(cascade), CS_CMD_DELETE, "MODE",
	 "dependents: background (default), foreground or orphan"},
	{"grace-period", 0, CS_FLAG_INT, OFF(grace_period), CS_CMD_DELETE, "SECONDS",
	 "seconds the object gets to terminate (-1: the object's default)"},
	{"now", 0, CS_FLAG_BOOL, OFF(now), CS_CMD_DELETE, NULL,
	 "terminate immediately (--grace-period=1)"},
	{"force", 0, CS_FLAG_BOOL, OFF(force), CS_CMD_DELETE, NULL,
	 "with --grace-period=0: remove at once, without waiting for the node"},
	{"wait", 0, CS_FLAG_BOOL, OFF(wait), CS_CMD_DELETE, NULL,
	 "wait until the objects are gone (default true; --wait=false to return at once)"},
	{"timeout", 0, CS_FLAG_STR, OFF(timeout), CS_CMD_DELETE | CS_CMD_ROLLOUT, "DURATION",
	 "how long --wait (delete) or rollout status waits (0: forever)"},

	{"replicas", 0, CS_FLAG_INT, OFF(replicas), CS_CMD_SCALE, "N", "new replica count"},
	{"current-replicas", 0, CS_FLAG_INT, OFF(current_replicas), CS_CMD_SCALE, "N",
	 "only scale when the replica count is N now"},
	{"resource-version", 0, CS_FLAG_STR, OFF(resource_version),
	 CS_CMD_SCALE | CS_CMD_LABEL | CS_CMD_ANNOTATE, "RV",
	 "only act when the object's resourceVersion is still RV"},
	{"overwrite", 0, CS_FLAG_BOOL, OFF(overwrite), CS_CMD_LABEL | CS_CMD_ANNOTATE, NULL,
	 "allow replacing existing values"},
	{"patch", 'p', CS_FLAG_STR, OFF(patch), CS_CMD_PATCH, "PATCH",
	 "the patch, as JSON or YAML"},
	{"type", 0, CS_FLAG_STR, OFF(patch_type), CS_CMD_PATCH, "TYPE",
	 "strategic (default), merge or json"},

	{"to-revision", 0, CS_FLAG_INT, OFF(to_revision), CS_CMD_ROLLOUT, "N",
	 "rollout undo: the revision to go back to (0: the previous one)"},
	{"revision", 0, CS_FLAG_INT, OFF(revision), CS_CMD_ROLLOUT, "N",
	 "rollout history: the details of this revision"},

	{"client", 0, CS_FLAG_BOOL, OFF(client_only), CS_CMD_VERSION, NULL,
	 "client version only; do not contact the server"},
	{"namespaced", 0, CS_FLAG_STR, OFF(namespaced), CS_CMD_API_RESOURCES, "BOOL",
	 "true: namespaced kinds only; false: cluster-scoped only"},
	{"api-group", 0, CS_FLAG_STR, OFF(api_group), CS_CMD_API_RESOURCES, "GROUP",
	 "only this API group (\"\" for the core group)"},
};

const size_t cs_ctl_nflags = sizeof(cs_ctl_flags) / sizeof(cs_ctl_flags[0]);

void cs_ctl_opts_init(cs_ctl_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->chunk_size = 500;
	o->grace_period = -1;
	o->wait = true;
	o->replicas = -1;
	o->current_replicas = -1;
}

static void strv_free(cs_ctl_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

void cs_ctl_opts_free(cs_ctl_opts *o)
{
	strv_free(&o->filenames);
	strv_free(&o->label_columns);
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True", NULL};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False", NULL};
	for (size_t i = 0; yes[i]; i++)
		if (!strcmp(s, yes[i]))
			return *out = true, 0;
	for (size_t i = 0; no[i]; i++)
		if (!strcmp(s, no[i]))
			return *out = false, 0;
	return -1;
}

static int set_flag(const cs_ctl_flag *f, cs_ctl_opts *o, const char *val, const char *spelled,
		    char *err, size_t errlen)
{
	void *dst = (char *)o + f->off;
	switch (f->type) {
	case CS_FLAG_BOOL:
		if (parse_bool(val, dst) < 0) {
			snprintf(err, errlen,
				 "invalid argument \"%s\" for \"%s\" flag: not a boolean", val,
				 spelled);
			return -1;
		}
		return 0;
	case CS_FLAG_STR: *(const char **)dst = val; return 0;
	case CS_FLAG_INT: {
		char *end;
		errno = 0;
		long v = strtol(val, &end, 10);
		if (!*val || *end || errno) {
			snprintf(err, errlen,
				 "invalid argument \"%s\" for \"%s\" flag: not an integer", val,
				 spelled);
			return -1;
		}
		*(long *)dst = v;
		return 0;
	}
	case CS_FLAG_STRS: {
		cs_ctl_strv *v = dst;
		const char *p = val;
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);
			if (n) {
				v->v = cs_ctl_xrealloc(v->v, (v->n + 1) * sizeof(*v->v));
				v->v[v->n] = strndup(p, n);
				if (!v->v[v->n++])
					abort();
			}
			if (!comma)
				break;
			p = comma + 1;
		}
		return 0;
	}
	}
	return -1;
}

static const cs_ctl_flag *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < cs_ctl_nflags; i++)
		if (strlen(cs_ctl_flags[i].name) == len &&
		    !strncmp(cs_ctl_flags[i].name, name, len))
			return &cs_ctl_flags[i];
	return NULL;
}

static const cs_ctl_flag *find_short(char c)
{
	for (size_t i = 0; i < cs_ctl_nflags; i++)
		if (cs_ctl_flags[i].shorthand == c)
			return &cs_ctl_flags[i];
	return NULL;
}

int cs_ctl_args_parse(int argc, char **argv, cs_ctl_opts *o, char ***pos, size_t *npos, bool *seen,
		      char *err, size_t errlen)
{
	*pos = cs_ctl_xmalloc((size_t)(argc > 0 ? argc : 1) * sizeof(**pos));
	*npos = 0;
	bool flags_done = false;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (flags_done || a[0] != '-' || !a[1]) {
			(*pos)[(*npos)++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			flags_done = true;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const cs_ctl_flag *f = find_long(name, len);
			if (!f) {
				snprintf(err, errlen, "unknown flag: --%.*s", (int)len, name);
				return -1;
			}
			seen[f - cs_ctl_flags] = true;
			const char *val = eq ? eq + 1 : NULL;
			if (!val && f->type == CS_FLAG_BOOL)
				val = "true";
			if (!val) {
				if (i + 1 >= argc) {
					snprintf(err, errlen, "flag needs an argument: --%s",
						 f->name);
					return -1;
				}
				val = argv[++i];
			}
			char spelled[80];
			snprintf(spelled, sizeof(spelled), "--%s", f->name);
			if (set_flag(f, o, val, spelled, err, errlen) < 0)
				return -1;
			continue;
		}
		/* One or more shorthands; only the last may take a value. */
		for (const char *p = a + 1; *p; p++) {
			const cs_ctl_flag *f = find_short(*p);
			if (!f) {
				snprintf(err, errlen, "unknown shorthand flag: '%c' in %s", *p, a);
				return -1;
			}
			seen[f - cs_ctl_flags] = true;
			char spelled[80];
			snprintf(spelled, sizeof(spelled), "-%c, --%s", f->shorthand, f->name);
			if (f->type == CS_FLAG_BOOL) {
				const char *val = "true";
				if (p[1] == '=') {
					val = p + 2;
					p += strlen(p) - 1;
				}
				if (set_flag(f, o, val, spelled, err, errlen) < 0)
					return -1;
				continue;
			}
			const char *val = p[1] == '=' ? p + 2 : p[1] ? p + 1 : NULL;
			if (!val) {
				if (i + 1 >= argc) {
					snprintf(err, errlen, "flag needs an argument: '%c' in %s",
						 *p, a);
					return -1;
				}
				val = argv[++i];
			}
			if (set_flag(f, o, val, spelled, err, errlen) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

int cs_ctl_args_check(const bool *seen, unsigned cmd, char *err, size_t errlen)
{
	for (size_t i = 0; i < cs_ctl_nflags; i++) {
		if (seen[i] && !(cs_ctl_flags[i].cmds & cmd)) {
			snprintf(err, errlen, "unknown flag: --%s", cs_ctl_flags[i].name);
			return -1;
		}
	}
	return 0;
}
