/* capctl version: the client's version, and the server's from /version. */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "api.h"
#include "capctl.h"
#include "printer.h"

static cs_json *client_version(void)
{
	cs_json *v = cs_json_object();
	char major[16] = "0", minor[16] = "0";
	sscanf(CS_VERSION, "%15[0-9].%15[0-9]", major, minor);
	cs_json_set(v, "major", cs_json_string(major));
	cs_json_set(v, "minor", cs_json_string(minor));
	cs_json_set(v, "gitVersion", cs_json_string("v" CS_VERSION));
	struct utsname u;
	const char *arch = "unknown";
	if (uname(&u) == 0)
		arch = !strcmp(u.machine, "x86_64")    ? "amd64"
		       : !strcmp(u.machine, "aarch64") ? "arm64"
						       : u.machine;
	cs_json_set(v, "platform", cs_json_stringf("linux/%s", arch));
	return v;
}

int cs_ctl_cmd_version(cs_ctl *c)
{
	cs_ctl_out o;
	char err[512];
	if (cs_ctl_out_parse(c->o.output, CS_OUT_JSON | CS_OUT_YAML, &o, err, sizeof(err)) < 0)
		return cs_ctl_fail("%s", err);
	if (c->nargs) {
		cs_ctl_out_free(&o);
		return cs_ctl_fail("unexpected argument \"%s\"", c->args[0]);
	}
	cs_json *all = cs_json_object();
	cs_json *client = client_version();
	cs_json_set(all, "clientVersion", client);
	int rc = 0;
	cs_ctl_resp r = {0};
	if (!c->o.client_only) {
		if (cs_ctl_call(c, "GET", "/version", NULL, NULL, NULL, &r) < 0) {
			rc = 1;
		} else if (!cs_ctl_ok(&r) || !cs_json_is(r.obj, CS_JSON_OBJECT)) {
			cs_ctl_print_error(&r);
			rc = 1;
		} else {
			cs_json_set(all, "serverVersion", r.obj);
			r.obj = NULL;
		}
		cs_ctl_resp_free(&r);
	}
	if (o.fmt == CS_OUT_TABLE) {
		/* The client line comes first even when the server is away. */
		fprintf(c->out, "Client Version: %s\n", cs_json_get_str(client, "gitVersion"));
		const char *sv =
			cs_json_str(cs_json_path(all, "serverVersion", "gitVersion", NULL));
		if (sv)
			fprintf(c->out, "Server Version: %s\n", sv);
	} else {
		rc |= cs_ctl_print_obj(c->out, all, &o) ? 1 : 0;
	}
	cs_json_free(all);
	cs_ctl_out_free(&o);
	return rc;
}
