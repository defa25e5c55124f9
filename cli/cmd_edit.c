/* capctl edit: the object as YAML (or -o json) in $EDITOR; a changed
 * result is PUT back with the resourceVersion it was read at, so a
 * concurrent change is a conflict rather than lost. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"
#include "capctl.h"
#include "printer.h"
#include "yamlconv.h"

static const char header[] =
	"# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
	"# and an empty file will abort the edit. If an error occurs while saving, this\n"
	"# file is kept and its path printed.\n"
	"#\n";

static int run_editor(const char *path)
{
	const char *editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	/* EDITOR may carry arguments ("code --wait"): let the shell split it. */
	char *cmd = cs_ctl_xasprintf("%s \"$1\"", editor);
	pid_t pid = fork();
	if (pid < 0) {
		free(cmd);
		return cs_ctl_fail("cannot start the editor: %s", strerror(errno));
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	free(cmd);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cs_ctl_fail("waiting for the editor: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cs_ctl_fail("there was a problem with the editor \"%s\" (exit status %d)",
				   editor, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

static int write_temp(const char *text, bool json, char **path)
{
	const char *dir = getenv("TMPDIR");
	*path = cs_ctl_xasprintf("%s/capctl-edit-XXXXXX%s", dir && *dir ? dir : "/tmp",
				 json ? ".json" : ".yaml");
	int fd = mkstemps(*path, 5); /* ".yaml" and ".json" */
	if (fd < 0)
		return cs_ctl_fail("cannot create a temporary file %s: %s", *path, strerror(errno));
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return cs_ctl_fail("cannot write %s: %s", *path, strerror(errno));
		}
		off += (size_t)n;
	}
	if (close(fd) < 0)
		return cs_ctl_fail("cannot write %s: %s", *path, strerror(errno));
	return 0;
}

static bool same_str(const cs_json *a, const cs_json *b, const char *k1, const char *k2)
{
	const char *x = k2 ? cs_json_str(cs_json_path(a, k1, k2, NULL)) : cs_json_get_str(a, k1);
	const char *y = k2 ? cs_json_str(cs_json_path(b, k1, k2, NULL)) : cs_json_get_str(b, k1);
	return x && y && !strcmp(x, y);
}

static int kept(const char *path)
{
	fprintf(stderr, "A copy of your changes has been stored to \"%s\"\n", path);
	return 1;
}

static int edit_one(cs_ctl *c, const cs_type *t, const cs_json *orig, bool json, cs_ctl_out *o)
{
	char err[512];
	char *text;
	if (json) {
		cs_ctl_out jo = {.fmt = CS_OUT_JSON};
		char *buf = NULL;
		size_t blen = 0;
		FILE *mem = open_memstream(&buf, &blen);
		if (!mem)
			abort();
		cs_ctl_print_obj(mem, orig, &jo);
		fclose(mem);
		text = buf;
	} else {
		char *y = cs_ctl_yaml_emit(orig, err, sizeof(err));
		if (!y)
			return cs_ctl_fail("%s", err);
		text = cs_ctl_xasprintf("%s%s", header, y);
		free(y);
	}
	char *path = NULL;
	int rc = write_temp(text, json, &path);
	if (rc == 0)
		rc = run_editor(path);
	if (rc) {
		if (path)
			unlink(path);
		free(path);
		free(text);
		return rc;
	}
	size_t len;
	char *edited = cs_ctl_read_file(path, &len, err, sizeof(err));
	if (!edited) {
		rc = cs_ctl_fail("%s", err);
		free(path);
		free(text);
		return rc;
	}
	bool untouched = !strcmp(edited, text);
	free(text);
	cs_json *docs = untouched ? NULL : cs_ctl_yaml_parse(edited, len, err, sizeof(err));
	free(edited);
	if (untouched || (docs && !cs_json_len(docs))) {
		fprintf(stderr, untouched ? "Edit cancelled, no changes made.\n"
					  : "Edit cancelled, saved file was empty.\n");
		unlink(path);
		free(path);
		cs_json_free(docs);
		return 0;
	}
	if (!docs) {
		cs_ctl_fail("the edited file is not valid %s: %s", json ? "JSON" : "YAML", err);
		rc = kept(path);
		free(path);
		return rc;
	}
	cs_json *obj = cs_json_at(docs, 0);
	if (cs_json_len(docs) != 1 || obj->type != CS_JSON_OBJECT) {
		cs_ctl_fail("the edited file must hold exactly one object");
		rc = kept(path);
	} else if (cs_json_equal(obj, orig)) {
		fprintf(stderr, "Edit cancelled, no changes made.\n");
		unlink(path);
	} else if (!same_str(obj, orig, "apiVersion", NULL) || !same_str(obj, orig, "kind", NULL) ||
		   !same_str(obj, orig, "metadata", "name")) {
		cs_ctl_fail("At least one of apiVersion, kind and name was changed");
		rc = kept(path);
	} else {
		const char *ns = cs_json_str(cs_json_path(orig, "metadata", "namespace", NULL));
		const char *name = cs_json_str(cs_json_path(orig, "metadata", "name", NULL));
		char *p = cs_ctl_path(t, ns, name, NULL);
		cs_ctl_resp r;
		int call = cs_ctl_call(c, "PUT", p, NULL, NULL, obj, &r);
		free(p);
		if (call < 0) {
			rc = kept(path);
		} else if (cs_ctl_ok(&r)) {
			rc = cs_ctl_report(c->out, o, r.obj, "edited");
			unlink(path);
		} else {
			cs_ctl_print_error(&r);
			rc = kept(path);
		}
		if (call == 0)
			cs_ctl_resp_free(&r);
	}
	cs_json_free(docs);
	free(path);
	return rc;
}

struct edit_args {
	bool json;
	cs_ctl_out *o;
};

static int edit_target(cs_ctl *c, const cs_type *t, const char *ns, const char *name,
		       const cs_json *obj, void *arg)
{
	struct edit_args *a = arg;
	if (obj)
		return edit_one(c, t, obj, a->json, a->o);
	cs_json *got;
	if (cs_ctl_get(c, t, ns, name, false, &got))
		return 1;
	int rc = edit_one(c, t, got, a->json, a->o);
	cs_json_free(got);
	return rc;
}

int cs_ctl_cmd_edit(cs_ctl *c)
{
	cs_ctl_out o;
	char err[512];
	if (cs_ctl_out_parse(c->o.output, CS_OUT_JSON | CS_OUT_YAML, &o, err, sizeof(err)) < 0)
		return cs_ctl_fail("%s", err);
	bool json = o.fmt == CS_OUT_JSON;
	/* -o picks the editing format; the result is reported by name. */
	o.fmt = CS_OUT_TABLE;
	if (!c->nargs && !c->o.filenames.n)
		return cs_ctl_fail("You must provide one or more resources by argument or "
				   "filename.");
	struct edit_args a = {json, &o};
	int failed = cs_ctl_each_target(c, c->nargs, false, edit_target, &a);
	cs_ctl_out_free(&o);
	return failed;
}
