#include "manifest.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cliutil.h"
#include "yamlconv.h"

static void push_doc(cs_ctl_docs *d, cs_json *obj, const char *source)
{
	d->v = cs_ctl_xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	d->v[d->n].obj = obj;
	d->v[d->n].source = cs_ctl_xstrdup(source);
	d->n++;
}

void cs_ctl_docs_free(cs_ctl_docs *d)
{
	for (size_t i = 0; i < d->n; i++) {
		cs_json_free(d->v[i].obj);
		free(d->v[i].source);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

static int check_object(const cs_json *obj, const char *source, char *err, size_t errlen)
{
	if (obj->type != CS_JSON_OBJECT) {
		snprintf(err, errlen, "error validating \"%s\": expected an object, found a %s",
			 source, obj->type == CS_JSON_ARRAY ? "list" : "scalar");
		return -1;
	}
	const char *av = cs_json_get_str(obj, "apiVersion");
	const char *kind = cs_json_get_str(obj, "kind");
	if ((av && *av) && (kind && *kind))
		return 0;
	snprintf(err, errlen, "error validating \"%s\": %s%s%s", source,
		 av && *av ? "" : "apiVersion not set",
		 (!av || !*av) && (!kind || !*kind) ? ", " : "",
		 kind && *kind ? "" : "kind not set");
	return -1;
}

static bool is_list(const cs_json *obj)
{
	const char *kind = cs_json_get_str(obj, "kind");
	return kind && cs_ctl_has_suffix(kind, "List") &&
	       cs_json_is(cs_json_get(obj, "items"), CS_JSON_ARRAY);
}

int cs_ctl_manifest_parse(const char *buf, size_t len, const char *source, cs_ctl_docs *out,
			  char *err, size_t errlen)
{
	char perr[256];
	cs_json *docs = NULL;
	size_t i = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
		i++;
	if (i < len && buf[i] == '{') {
		cs_json *one = cs_json_parse(buf, len, perr, sizeof(perr));
		if (one) {
			docs = cs_json_array();
			cs_json_push(docs, one);
		}
	}
	/* JSON is (nearly) YAML, so whatever failed as JSON gets a second
	 * chance, and the YAML parser's message names line and column. */
	if (!docs)
		docs = cs_ctl_yaml_parse(buf, len, perr, sizeof(perr));
	if (!docs) {
		snprintf(err, errlen, "error parsing %s: %s", source, perr);
		return -1;
	}
	int rc = 0;
	while (cs_json_len(docs)) {
		cs_json *obj = cs_json_remove_at(docs, 0);
		if (check_object(obj, source, err, errlen) < 0) {
			cs_json_free(obj);
			rc = -1;
			break;
		}
		if (!is_list(obj)) {
			push_doc(out, obj, source);
			continue;
		}
		cs_json *items = cs_json_get(obj, "items");
		while (cs_json_len(items)) {
			cs_json *item = cs_json_remove_at(items, 0);
			if (check_object(item, source, err, errlen) < 0) {
				cs_json_free(item);
				rc = -1;
				break;
			}
			push_doc(out, item, source);
		}
		cs_json_free(obj);
		if (rc < 0)
			break;
	}
	cs_json_free(docs);
	return rc;
}

static int load_path(const char *path, bool recursive, cs_ctl_docs *out, char *err, size_t errlen);

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(const char *path, bool recursive, cs_ctl_docs *out, char *err, size_t errlen)
{
	DIR *d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "cannot read directory \"%s\": %s", path, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = cs_ctl_xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = cs_ctl_xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *full = cs_ctl_xasprintf("%s/%s", path, names[i]);
		struct stat st;
		if (rc == 0 && stat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				if (recursive)
					rc = load_path(full, recursive, out, err, errlen);
			} else if (cs_ctl_has_suffix(names[i], ".yaml") ||
				   cs_ctl_has_suffix(names[i], ".yml") ||
				   cs_ctl_has_suffix(names[i], ".json")) {
				rc = load_path(full, recursive, out, err, errlen);
			}
		}
		free(full);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int load_path(const char *path, bool recursive, cs_ctl_docs *out, char *err, size_t errlen)
{
	struct stat st;
	if (strcmp(path, "-") != 0) {
		if (stat(path, &st) < 0) {
			if (errno == ENOENT)
				snprintf(err, errlen, "the path \"%s\" does not exist", path);
			else
				snprintf(err, errlen, "cannot access \"%s\": %s", path,
					 strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode))
			return load_dir(path, recursive, out, err, errlen);
	}
	size_t len;
	char *buf = cs_ctl_read_file(path, &len, err, errlen);
	if (!buf)
		return -1;
	int rc = cs_ctl_manifest_parse(buf, len, strcmp(path, "-") ? path : "STDIN", out, err,
				       errlen);
	free(buf);
	return rc;
}

int cs_ctl_manifest_load(const cs_ctl_strv *paths, bool recursive, cs_ctl_docs *out, char *err,
			 size_t errlen)
{
	for (size_t i = 0; i < paths->n; i++)
		if (load_path(paths->v[i], recursive, out, err, errlen) < 0)
			return -1;
	return 0;
}
