/* net-cni network configurations: find, read and normalise them. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni.h"

#define CONF_MAX (1 << 20)

bool cni_version_at_least(const char *v, int major, int minor)
{
	int a = 0, b = 0;
	if (!v || sscanf(v, "%d.%d", &a, &b) < 1)
		return false;
	return a > major || (a == major && b >= minor);
}

static char *read_small(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = malloc(CONF_MAX + 1);
	size_t n = 0;
	while (buf && n < CONF_MAX) {
		ssize_t r = read(fd, buf + n, CONF_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			buf = NULL;
		} else if (r == 0)
			break;
		else
			n += (size_t)r;
	}
	close(fd);
	if (buf && n == CONF_MAX) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/* CNI names networks with [a-zA-Z0-9_.-]; the name also ends up in cache
 * file names, so nothing else may pass. */
static bool good_name(const char *s)
{
	if (!s || !*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') ||
		      ('0' <= *s && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

static int normalise(cni *c, const cs_object *conf, const char *where, cs_object **list,
		     cs_error *err)
{
	const cs_host *h = c->h;
	const char *name = h->obj_str(conf, "name");
	const char *version = h->obj_str(conf, "cniVersion");
	if (h->obj_type(conf) != CS_OBJ_MAP)
		return h->errorf(err, CS_INVALID, "Invalid", "%s: not a JSON object", where);
	if (!good_name(name))
		return h->errorf(err, CS_INVALID, "Invalid",
				 "%s: \"name\" must be a non-empty [a-zA-Z0-9_.-]+ (got \"%s\")",
				 where, name ? name : "");
	if (!version || !*version)
		return h->errorf(err, CS_INVALID, "Invalid", "%s: network %s has no cniVersion",
				 where, name);
	const cs_object *plugins = h->obj_get(conf, "plugins");
	cs_object *l;
	if (plugins) {
		if (h->obj_type(plugins) != CS_OBJ_ARRAY || !h->obj_len(plugins))
			return h->errorf(err, CS_INVALID, "Invalid",
					 "%s: network %s: \"plugins\" must be a non-empty array",
					 where, name);
		l = h->obj_clone(conf);
	} else {
		/* A single plugin configuration (before CNI 1.0) is a list of
		 * one. */
		l = h->obj_new(CS_OBJ_MAP);
		cs_object *a = h->obj_new(CS_OBJ_ARRAY);
		h->obj_append(a, h->obj_clone(conf));
		h->obj_set_str(l, "name", name);
		h->obj_set_str(l, "cniVersion", version);
		h->obj_set(l, "plugins", a);
	}
	plugins = h->obj_get(l, "plugins");
	for (size_t i = 0; i < h->obj_len(plugins); i++) {
		const char *type = h->obj_str(h->obj_at(plugins, i), "type");
		if (!type || !*type || strchr(type, '/') || !strcmp(type, "..") ||
		    !strcmp(type, ".")) {
			h->errorf(err, CS_INVALID, "Invalid",
				  "%s: network %s: plugin %zu has no valid \"type\" (got \"%s\")",
				  where, name, i, type ? type : "");
			h->obj_free(l); /* type and name point into it */
			return -1;
		}
	}
	*list = l;
	return 0;
}

static int conf_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	static const char *const ext[] = {".conflist", ".conf", ".json"};
	if (d->d_name[0] == '.')
		return 0;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);
		if (n > e && !strcmp(d->d_name + n - e, ext[i]))
			return 1;
	}
	return 0;
}

/* Byte order, like libcni's sort.Strings, whatever the locale. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int from_dir(cni *c, cs_object **list, cs_error *err)
{
	const cs_host *h = c->h;
	struct dirent **ents;
	int n = scandir(c->conf_dir, &ents, conf_file, by_name);
	if (n < 0)
		return h->errorf(err, 500, "NetworkNotReady",
				 "network configuration directory %s: %s", c->conf_dir,
				 strerror(errno));
	int rc = 1;
	cs_error first = {0};
	for (int i = 0; i < n && rc > 0; i++) {
		char path[4096];
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", c->conf_dir, ents[i]->d_name);
		char *text = read_small(path, &len);
		int read_errno = errno;
		cs_error e = {0};
		cs_object *conf = text ? h->obj_parse(text, len, &e) : NULL;
		cs_object *l = NULL;
		if (!conf) {
			char why[sizeof(e.message)];
			snprintf(why, sizeof(why), "%s", text ? e.message : strerror(read_errno));
			h->errorf(&e, CS_INVALID, "Invalid", "%s: %s", path, why);
		} else if (normalise(c, conf, path, &l, &e) == 0 &&
			   (!*c->network || !strcmp(h->obj_str(l, "name"), c->network))) {
			*list = l;
			rc = 0;
		} else
			h->obj_free(l);
		h->obj_free(conf);
		/* A broken file is skipped, as kubelet and containerd do,
		 * but it is the likely reason when nothing is found. */
		if (e.message[0] && !first.message[0])
			first = e;
		free(text);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (rc > 0)
		rc = h->errorf(err, CS_NOT_FOUND, "NetworkNotReady", "%s%s%s in %s%s%s",
			       *c->network ? "no network named " : "no network configuration",
			       c->network, *c->network ? "" : " (*.conflist, *.conf, *.json)",
			       c->conf_dir, first.message[0] ? "; skipped " : "", first.message);
	return rc;
}

int cni_conf_load(cni *c, const cs_object *netconf, cs_object **list, cs_error *err)
{
	*list = NULL;
	if (netconf)
		return normalise(c, netconf, "network configuration", list, err);
	return from_dir(c, list, err);
}
