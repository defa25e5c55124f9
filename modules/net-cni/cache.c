/* net-cni result cache: <cache-dir>/results/<network>-<container>-<ifname>
 * holds the final ADD result, like libcni's cache, so that DEL and CHECK
 * can pass prevResult after the caller lost it (an agent restart). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni.h"

#define CACHE_MAX (1 << 20)

int cni_cache_path(cni *c, const char *network, const char *container_id, const char *ifname,
		   char *path, size_t n)
{
	int len = snprintf(path, n, "%s/results/%s-%s-%s", c->cache_dir, network, container_id,
			   ifname);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

int cni_cache_get(cni *c, const char *path, cs_object **result, cs_error *err)
{
	const cs_host *h = c->h;
	*result = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return h->errorf(err, 500, "InternalError", "cached CNI result %s: %s", path,
				 strerror(errno));
	}
	char *buf = malloc(CACHE_MAX);
	ssize_t n = 0, r = 0;
	while (buf && n < CACHE_MAX && (r = read(fd, buf + n, (size_t)(CACHE_MAX - n))) != 0) {
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0)
			n += r;
	}
	int rerr = errno;
	close(fd);
	if (!buf || r < 0 || n == CACHE_MAX) {
		free(buf);
		return h->errorf(err, 500, "InternalError", "cached CNI result %s: %s", path,
				 !buf    ? "out of memory"
				 : r < 0 ? strerror(rerr)
					 : "too large");
	}
	cs_error e = {0};
	cs_object *o = h->obj_parse(buf, (size_t)n, &e);
	free(buf);
	const cs_object *res = o ? h->obj_get(o, "result") : NULL;
	if (!res || h->obj_type(res) != CS_OBJ_MAP) {
		h->obj_free(o);
		return h->errorf(err, 500, "InternalError", "cached CNI result %s is corrupt: %s",
				 path, o ? "no result object" : e.message);
	}
	*result = h->obj_clone(res);
	h->obj_free(o);
	return 0;
}

int cni_cache_put(cni *c, const char *path, const char *network, const char *container_id,
		  const char *ifname, const cs_object *result, cs_error *err)
{
	const cs_host *h = c->h;
	cs_object *o = h->obj_new(CS_OBJ_MAP);
	h->obj_set_str(o, "kind", "cniCacheV1");
	h->obj_set_str(o, "containerId", container_id);
	h->obj_set_str(o, "ifName", ifname);
	h->obj_set_str(o, "networkName", network);
	h->obj_set(o, "result", h->obj_clone(result));
	size_t len;
	char *text = h->obj_json(o, &len);
	h->obj_free(o);
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	int fd = text ? mkostemp(tmp, O_CLOEXEC) : -1;
	const char *why = text ? NULL : "out of memory";
	if (fd >= 0) {
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(fd, text + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		/* Written whole and renamed: a reader never sees half a
		 * file, even after a crash. */
		int e = off < len ? (errno ? errno : EIO) : fsync(fd) < 0 ? errno : 0;
		if (close(fd) < 0 && !e)
			e = errno;
		if (!e && rename(tmp, path) < 0)
			e = errno;
		if (e) {
			why = strerror(e);
			unlink(tmp);
		}
	} else if (text)
		why = strerror(errno);
	h->free(text);
	if (why)
		return h->errorf(err, 500, "InternalError", "cannot cache the CNI result in %s: %s",
				 path, why);
	return 0;
}

int cni_cache_del(cni *c, const char *path, cs_error *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return c->h->errorf(err, 500, "InternalError",
				    "cannot remove cached CNI result %s: %s", path,
				    strerror(errno));
	return 0;
}
