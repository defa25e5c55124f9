/* storage-hostpath: volumes are directories on the node's filesystem, like
 * Kubernetes' csi-driver-host-path without quotas.  Capacity is accounted
 * (recorded, checked against the free space when a volume is created or
 * grown), not enforced: nothing stops a pod from writing more. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "hostpath.h"

#define META_MAX 65536

int hp_check_id(const cs_host *h, const char *what, const char *id, cs_error *err)
{
	const char *why = NULL;
	if (!id || !*id)
		why = "is empty";
	else if (strlen(id) > HP_NAME_MAX)
		why = "is longer than 200 characters";
	else if (strchr(id, '/'))
		why = "contains '/'";
	else if (strstr(id, ".."))
		why = "contains \"..\"";
	else if (id[0] == '.')
		why = "starts with '.'"; /* reserved for half-made volumes */
	else
		for (const char *p = id; *p && !why; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				why = "contains a control character";
	if (!why)
		return 0;
	return h->errorf(err, CS_INVALID, "Invalid", "%s: volume name \"%.64s%s\" %s", what,
			 id ? id : "", id && strlen(id) > 64 ? "..." : "", why);
}

/* ---- metadata ---- */

static int meta_read(hostpath *hp, const char *dir, int64_t *capacity, cs_error *err)
{
	const cs_host *h = hp->h;
	char path[PATH_MAX], buf[META_MAX];
	snprintf(path, sizeof(path), "%s/volume.json", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return h->errorf(err, 500, "InternalError", "volume metadata %s: %s", path,
				 strerror(errno));
	ssize_t n = read(fd, buf, sizeof(buf));
	int rerr = errno;
	close(fd);
	if (n < 0 || n == (ssize_t)sizeof(buf))
		return h->errorf(err, 500, "InternalError", "volume metadata %s: %s", path,
				 n < 0 ? strerror(rerr) : "too large");
	cs_error e = {0};
	cs_object *o = h->obj_parse(buf, (size_t)n, &e);
	int64_t cap = o ? h->obj_int(o, "capacityBytes", -1) : -1;
	h->obj_free(o);
	if (cap < 0)
		return h->errorf(err, 500, "InternalError", "volume metadata %s is corrupt: %s",
				 path, o ? "no capacityBytes" : e.message);
	*capacity = cap;
	return 0;
}

static int meta_write(hostpath *hp, const char *dir, const char *name, int64_t capacity,
		      int64_t created, cs_error *err)
{
	const cs_host *h = hp->h;
	char path[PATH_MAX], tmp[PATH_MAX];
	snprintf(path, sizeof(path), "%s/volume.json", dir);
	snprintf(tmp, sizeof(tmp), "%s/.volume.json.XXXXXX", dir);
	cs_object *o = h->obj_new(CS_OBJ_MAP);
	h->obj_set_str(o, "name", name);
	h->obj_set_int(o, "capacityBytes", capacity);
	h->obj_set_int(o, "createdAt", created);
	size_t len = 0;
	char *text = h->obj_json(o, &len);
	h->obj_free(o);
	int fd = text ? mkostemp(tmp, O_CLOEXEC) : -1;
	int e = text ? (fd < 0 ? errno : 0) : ENOMEM;
	if (fd >= 0) {
		ssize_t w = write(fd, text, len);
		e = w < 0 ? errno : (size_t)w != len ? EIO : fsync(fd) < 0 ? errno : 0;
		if (close(fd) < 0 && !e)
			e = errno;
		/* Replaced whole: a crash leaves the old or the new record. */
		if (!e && rename(tmp, path) < 0)
			e = errno;
		if (e)
			unlink(tmp);
	}
	h->free(text);
	if (e)
		return h->errorf(err, 500, "InternalError", "cannot write volume metadata %s: %s",
				 path, strerror(e));
	return 0;
}

/* created_at of an existing record, kept across expansions. */
static int64_t meta_created(hostpath *hp, const char *dir)
{
	char path[PATH_MAX], buf[META_MAX];
	snprintf(path, sizeof(path), "%s/volume.json", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	cs_object *o = n > 0 ? hp->h->obj_parse(buf, (size_t)n, NULL) : NULL;
	int64_t t = o ? hp->h->obj_int(o, "createdAt", 0) : 0;
	hp->h->obj_free(o);
	return t;
}

/* ---- space ---- */

static int check_space(hostpath *hp, const char *what, const char *id, int64_t need, cs_error *err)
{
	struct statvfs s;
	if (hp->overcommit || need <= 0)
		return 0;
	if (statvfs(hp->base, &s) < 0)
		return hp->h->errorf(err, 500, "InternalError", "%s %s: statvfs %s: %s", what, id,
				     hp->base, strerror(errno));
	uint64_t avail = (uint64_t)s.f_bavail * s.f_frsize;
	if ((uint64_t)need > avail)
		return hp->h->errorf(err, 507, "ResourceExhausted",
				     "%s %s: %lld bytes requested but only %llu free in %s (set "
				     "overcommit = true to allow it)",
				     what, id, (long long)need, (unsigned long long)avail,
				     hp->base);
	return 0;
}

/* ---- removal without a shell ---- */

static __thread int rm_errno;
static __thread char rm_path[256];

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	int rc = type == FTW_DP ? rmdir(path) : unlink(path);
	if (rc < 0 && errno != ENOENT) {
		rm_errno = errno;
		snprintf(rm_path, sizeof(rm_path), "%s", path);
		return 1;
	}
	return 0;
}

/* Depth first, never following symlinks or crossing into another
 * filesystem mounted inside the volume. */
static int rm_tree(const char *dir)
{
	rm_errno = 0;
	int rc = nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (rc < 0 && !rm_errno) {
		rm_errno = errno;
		snprintf(rm_path, sizeof(rm_path), "%s", dir);
	}
	return rc ? -1 : 0;
}

/* Half-made or half-deleted volumes of an earlier run. */
static void sweep(hostpath *hp)
{
	DIR *d = opendir(hp->base);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, ".creating-", 10) && strncmp(e->d_name, ".deleting-", 10))
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", hp->base, e->d_name);
		if (rm_tree(path) < 0)
			hp->h->log(hp->m, CS_LOG_WARN, "cannot remove leftover %s: %s", rm_path,
				   strerror(rm_errno));
	}
	if (d)
		closedir(d);
}

/* ---- the verbs ---- */

/* The data directory and the metadata of a new volume in tmp. */
static int build(hostpath *hp, const char *tmp, const char *name, int64_t capacity, cs_error *err)
{
	char data[PATH_MAX + 8];
	snprintf(data, sizeof(data), "%s/data", tmp);
	/* 0777 whatever the umask: pods run as any uid, as with hostPath
	 * provisioners. */
	if (mkdir(data, 0777) < 0 || chmod(data, 0777) < 0)
		return hp->h->errorf(err, 500, "InternalError", "create volume %s: mkdir %s: %s",
				     name, data, strerror(errno));
	return meta_write(hp, tmp, name, capacity, (int64_t)time(NULL), err);
}

static bool valid_request(const cs_volume_request *req)
{
	return req && req->size >= offsetof(cs_volume_request, capacity_bytes) +
					   sizeof(req->capacity_bytes);
}

static int hp_create_volume(cs_mod *m, const cs_volume_request *req, char id[CS_VOLUME_ID_MAX],
			    int64_t *capacity, cs_object **context, cs_error *err)
{
	static const char what[] = "create volume";
	const cs_host *h = m->host;
	hostpath *hp = hostpath_of(m);
	if (context)
		*context = NULL;
	if (!valid_request(req))
		return h->errorf(err, CS_INVALID, "Invalid", "%s: no request", what);
	if (hp_check_id(h, what, req->name, err))
		return -1;
	if (req->capacity_bytes < 0)
		return h->errorf(err, CS_INVALID, "Invalid", "%s %s: capacity %lld is negative",
				 what, req->name, (long long)req->capacity_bytes);
	char dir[PATH_MAX], tmp[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", hp->base, req->name);
	pthread_mutex_lock(&hp->mu);
	int64_t have = 0;
	int rc = 0;
	struct stat st;
	if (stat(dir, &st) == 0) {
		/* Idempotent by name: the same volume again is a success if it
		 * is at least as large as asked (CSI's compatible capacity). */
		rc = meta_read(hp, dir, &have, err);
		if (!rc && have < req->capacity_bytes)
			rc = h->errorf(err, CS_CONFLICT, "AlreadyExists",
				       "%s %s: it exists with %lld bytes, less than the %lld "
				       "requested",
				       what, req->name, (long long)have,
				       (long long)req->capacity_bytes);
		goto done;
	}
	rc = check_space(hp, what, req->name, req->capacity_bytes, err);
	if (rc)
		goto done;
	/* Built aside and renamed into place, so a volume directory always
	 * has its metadata. */
	snprintf(tmp, sizeof(tmp), "%s/.creating-%s-XXXXXX", hp->base, req->name);
	if (!mkdtemp(tmp)) {
		rc = h->errorf(err, 500, "InternalError", "%s %s: mkdtemp %s: %s", what, req->name,
			       tmp, strerror(errno));
		goto done;
	}
	rc = build(hp, tmp, req->name, req->capacity_bytes, err);
	if (!rc && rename(tmp, dir) < 0)
		rc = h->errorf(err, 500, "InternalError", "%s %s: rename %s: %s", what, req->name,
			       tmp, strerror(errno));
	if (rc && rm_tree(tmp) < 0)
		h->log(m, CS_LOG_WARN, "%s %s: cannot clean up %s: %s", what, req->name, rm_path,
		       strerror(rm_errno));
	have = req->capacity_bytes;
done:
	pthread_mutex_unlock(&hp->mu);
	if (rc)
		return -1;
	snprintf(id, CS_VOLUME_ID_MAX, "%s", req->name);
	if (capacity)
		*capacity = have;
	return 0;
}

static int hp_delete_volume(cs_mod *m, const char *id, cs_error *err)
{
	static const char what[] = "delete volume";
	const cs_host *h = m->host;
	hostpath *hp = hostpath_of(m);
	if (hp_check_id(h, what, id, err))
		return -1;
	char dir[PATH_MAX], gone[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", hp->base, id);
	snprintf(gone, sizeof(gone), "%s/.deleting-%s-XXXXXX", hp->base, id);
	pthread_mutex_lock(&hp->mu);
	int rc = 0;
	/* Renamed away first: a half-deleted volume never looks like a
	 * volume, and a crash leaves only a leftover for sweep(). */
	if (!mkdtemp(gone))
		rc = h->errorf(err, 500, "InternalError", "%s %s: mkdtemp %s: %s", what, id, gone,
			       strerror(errno));
	else if (rename(dir, gone) < 0) {
		int e = errno;
		rmdir(gone);
		if (e != ENOENT) /* not there: deleted already, fine */
			rc = h->errorf(err, 500, "InternalError", "%s %s: rename %s: %s", what, id,
				       dir, strerror(e));
	} else if (rm_tree(gone) < 0)
		rc = h->errorf(err, 500, "InternalError", "%s %s: cannot remove %s: %s", what, id,
			       rm_path, strerror(rm_errno));
	pthread_mutex_unlock(&hp->mu);
	return rc;
}

static int hp_expand_volume(cs_mod *m, const char *id, int64_t capacity_bytes, int64_t *capacity,
			    cs_error *err)
{
	static const char what[] = "expand volume";
	const cs_host *h = m->host;
	hostpath *hp = hostpath_of(m);
	if (hp_check_id(h, what, id, err))
		return -1;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", hp->base, id);
	pthread_mutex_lock(&hp->mu);
	int64_t have = 0;
	struct stat st;
	int rc = stat(dir, &st) < 0 && errno == ENOENT
			 ? h->errorf(err, CS_NOT_FOUND, "NotFound", "%s: volume %s not found", what,
				     id)
			 : meta_read(hp, dir, &have, err);
	/* Never shrinks: a smaller request is satisfied already. */
	if (!rc && capacity_bytes > have &&
	    !(rc = check_space(hp, what, id, capacity_bytes - have, err)) &&
	    !(rc = meta_write(hp, dir, id, capacity_bytes, meta_created(hp, dir), err)))
		have = capacity_bytes;
	pthread_mutex_unlock(&hp->mu);
	if (rc)
		return -1;
	if (capacity)
		*capacity = have;
	return 0;
}

static int mkdirs(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			int rc = mkdir(path, mode);
			*p = '/';
			if (rc < 0 && errno != EEXIST)
				return -1;
		}
	return mkdir(path, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static void hp_fini(cs_mod *m)
{
	hostpath *hp = hostpath_of(m);
	if (!hp)
		return;
	pthread_mutex_destroy(&hp->mu);
	free(hp->base);
	free(hp);
	m->host->set_data(m, NULL);
}

static int hp_init(cs_mod *m)
{
	const cs_host *h = m->host;
	const char *base = h->opt_str(m, "base-dir");
	const char *state = *base ? NULL : h->state_dir(m);
	if (!*base && !state) {
		h->log(m, CS_LOG_ERROR, "no base-dir and no state directory for volumes");
		return -1;
	}
	hostpath *hp = calloc(1, sizeof(*hp));
	if (!hp) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	hp->m = m;
	hp->h = h;
	hp->overcommit = h->opt_bool(m, "overcommit");
	pthread_mutex_init(&hp->mu, NULL);
	h->set_data(m, hp);
	if (*base)
		hp->base = strdup(base);
	else if (asprintf(&hp->base, "%s/volumes", state) < 0)
		hp->base = NULL;
	/* Room for "/.creating-<200 chars>-XXXXXX/volume.json" in PATH_MAX. */
	if (!hp->base || hp->base[0] != '/' || strlen(hp->base) > PATH_MAX - 512) {
		h->log(m, CS_LOG_ERROR, "base-dir \"%s\": %s", hp->base ? hp->base : base,
		       hp->base ? "must be an absolute path, shorter than PATH_MAX - 512"
				: "out of memory");
		hp_fini(m);
		return -1;
	}
	/* 0700: the volumes are reached through their bind mounts, not by
	 * browsing the node's base directory. */
	if (mkdirs(hp->base, 0700) < 0) {
		h->log(m, CS_LOG_ERROR, "cannot create base-dir %s: %s", hp->base, strerror(errno));
		hp_fini(m);
		return -1;
	}
	sweep(hp);
	h->log(m, CS_LOG_INFO, "volumes in %s%s", hp->base,
	       hp->overcommit ? " (overcommit: free space is not checked)" : "");
	return 0;
}

static const cs_storage_ops ops = {
	.size = sizeof(cs_storage_ops),
	.provisioner = "capstan.io/hostpath",
	.create_volume = hp_create_volume,
	.delete_volume = hp_delete_volume,
	.expand_volume = hp_expand_volume,
	.node_publish = hp_node_publish,
	.node_unpublish = hp_node_unpublish,
};

static const cs_option options[] = {
	{"base-dir", CS_OPT_STRING, "",
	 "where volume directories live (default: <state-dir>/volumes)"},
	{"overcommit", CS_OPT_BOOL, "false",
	 "create and grow volumes beyond the filesystem's free space"},
	{NULL, CS_OPT_END, NULL, NULL},
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "storage-hostpath",
	.version = "0.1.0",
	.description = "volumes as directories on the node (capacity accounted, not enforced)",
	.kind = CS_KIND_STORAGE,
	.options = options,
	.init = hp_init,
	.fini = hp_fini,
	.ops = &ops,
};
