/* storage-hostpath node side: bind mounts of volume directories. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "hostpath.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/* Is the canonical path a mount point in this mount namespace?  Returns
 * 1, 0, or -1 when mountinfo cannot be read. */
static int mounted(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	while (!found && getline(&line, &cap, f) > 0) {
		/* id parent major:minor root mountpoint ... */
		char *save, *field = strtok_r(line, " ", &save);
		for (int i = 1; field && i < 5; i++)
			field = strtok_r(NULL, " ", &save);
		if (field) {
			unescape(field);
			found = !strcmp(field, path);
		}
	}
	free(line);
	fclose(f);
	return found;
}

static int check_target(const cs_host *h, const char *what, const char *id, const char *target,
			char real[PATH_MAX], cs_error *err)
{
	if (!target || target[0] != '/')
		return h->errorf(err, CS_INVALID, "Invalid",
				 "%s %s: target path \"%s\" must be absolute", what, id,
				 target ? target : "");
	if (!realpath(target, real))
		return h->errorf(err, errno == ENOENT ? CS_NOT_FOUND : 500,
				 errno == ENOENT ? "NotFound" : "InternalError",
				 "%s %s: target path %s: %s", what, id, target, strerror(errno));
	return 0;
}

int hp_node_publish(cs_mod *m, const char *id, const char *target_path, bool readonly,
		    const cs_object *context, cs_error *err)
{
	static const char what[] = "publish volume";
	(void)context; /* everything is derived from the id */
	const cs_host *h = m->host;
	hostpath *hp = hostpath_of(m);
	char real[PATH_MAX], data[PATH_MAX];
	if (hp_check_id(h, what, id, err) || check_target(h, what, id, target_path, real, err))
		return -1;
	snprintf(data, sizeof(data), "%s/%s/data", hp->base, id);
	pthread_mutex_lock(&hp->mu);
	struct stat sd, st;
	struct statvfs vt;
	int rc = 0, mnt;
	if (stat(data, &sd) < 0)
		rc = errno == ENOENT ? h->errorf(err, CS_NOT_FOUND, "NotFound",
						 "%s: volume %s not found", what, id)
				     : h->errorf(err, 500, "InternalError", "%s %s: %s: %s", what,
						 id, data, strerror(errno));
	else if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
		rc = h->errorf(err, CS_INVALID, "Invalid", "%s %s: target %s is not a directory",
			       what, id, real);
	else if ((mnt = mounted(real)) < 0)
		rc = h->errorf(err, 500, "InternalError",
			       "%s %s: cannot read /proc/self/mountinfo: %s", what, id,
			       strerror(errno));
	else if (mnt) {
		/* Published already: the same volume with the same access is
		 * what CSI calls idempotent; anything else is a conflict. */
		bool same = st.st_dev == sd.st_dev && st.st_ino == sd.st_ino;
		bool ro = statvfs(real, &vt) == 0 && (vt.f_flag & ST_RDONLY);
		if (!same || ro != readonly)
			rc = h->errorf(err, CS_CONFLICT, "AlreadyExists",
				       "%s %s: %s is already a mount point (%s)", what, id, real,
				       same ? "of this volume with other access"
					    : "of something else");
	} else if (mount(data, real, NULL, MS_BIND, NULL) < 0)
		rc = h->errorf(err, 500, "InternalError", "%s %s: bind mount %s on %s: %s%s", what,
			       id, data, real, strerror(errno),
			       errno == EPERM ? " (mounting needs CAP_SYS_ADMIN)" : "");
	/* A bind mount takes its flags from the source until remounted. */
	else if (readonly && mount(NULL, real, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
		int e = errno;
		umount2(real, MNT_DETACH);
		rc = h->errorf(err, 500, "InternalError", "%s %s: remount %s read-only: %s", what,
			       id, real, strerror(e));
	}
	pthread_mutex_unlock(&hp->mu);
	return rc;
}

int hp_node_unpublish(cs_mod *m, const char *id, const char *target_path, cs_error *err)
{
	static const char what[] = "unpublish volume";
	const cs_host *h = m->host;
	hostpath *hp = hostpath_of(m);
	char real[PATH_MAX];
	if (hp_check_id(h, what, id, err))
		return -1;
	if (!target_path || target_path[0] != '/')
		return h->errorf(err, CS_INVALID, "Invalid",
				 "%s %s: target path \"%s\" must be absolute", what, id,
				 target_path ? target_path : "");
	if (!realpath(target_path, real)) {
		if (errno == ENOENT)
			return 0; /* nothing there, nothing mounted */
		return h->errorf(err, 500, "InternalError", "%s %s: target path %s: %s", what, id,
				 target_path, strerror(errno));
	}
	pthread_mutex_lock(&hp->mu);
	/* One unmount: publish never stacks mounts on a target, and what may
	 * lie beneath is not ours to remove. */
	int rc = 0, mnt = mounted(real);
	if (mnt < 0)
		rc = h->errorf(err, 500, "InternalError",
			       "%s %s: cannot read /proc/self/mountinfo: %s", what, id,
			       strerror(errno));
	/* Busy (a process inside): detach now, the kernel frees it when the
	 * last user leaves. */
	else if (mnt && umount2(real, 0) < 0 && (errno != EBUSY || umount2(real, MNT_DETACH) < 0))
		rc = h->errorf(err, 500, "InternalError", "%s %s: unmount %s: %s", what, id, real,
			       strerror(errno));
	pthread_mutex_unlock(&hp->mu);
	return rc;
}
