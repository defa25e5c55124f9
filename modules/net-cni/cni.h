/* net-cni: shared state of the CNI plugin driver. */
#ifndef NET_CNI_H
#define NET_CNI_H

#include <capstan/network.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cni {
	cs_mod *m;
	const cs_host *h;
	/* Read-only after init: verbs share nothing mutable except the cache
	 * files, which are written whole and renamed into place. */
	char *bin_dir; /* ':'-separated like CNI_PATH */
	char *conf_dir;
	char *network; /* "" = the first configuration of conf_dir */
	char *cache_dir;
	int64_t timeout_s;
} cni;

static inline cni *cni_of(cs_mod *m)
{
	return m->host->data(m);
}

/* conf.c: the network configuration list to run, owned, normalised to
 * {cniVersion, name, disableCheck, plugins [...]}: from netconf (a
 * conflist or a single plugin configuration) or, when NULL, from
 * conf_dir. */
int cni_conf_load(cni *c, const cs_object *netconf, cs_object **list, cs_error *err);
/* "1.0.0" >= "0.4.0"? */
bool cni_version_at_least(const char *v, int major, int minor);

/* exec.c: run one plugin binary. */
typedef struct cni_run {
	const char *path;  /* the executable */
	char *const *envp; /* its whole environment */
	const char *input; /* stdin */
	size_t input_len;
	int64_t timeout_s;
	char *out, *errout; /* stdout and stderr, malloc'd, NUL-terminated */
	size_t out_len;
	int status; /* waitpid status */
	bool timed_out;
} cni_run;
/* 0 when the plugin ran (whatever its exit status), -1 with errno when it
 * could not be started or its output could not be read. */
int cni_exec(cni_run *r);
void cni_run_free(cni_run *r);

/* cache.c: the final ADD result per (network, container, ifname), as
 * libcni keeps it, so DEL and CHECK work without the caller's copy. */
int cni_cache_path(cni *c, const char *network, const char *container_id, const char *ifname,
		   char *path, size_t n);
/* *result NULL when nothing is cached. */
int cni_cache_get(cni *c, const char *path, cs_object **result, cs_error *err);
int cni_cache_put(cni *c, const char *path, const char *network, const char *container_id,
		  const char *ifname, const cs_object *result, cs_error *err);
int cni_cache_del(cni *c, const char *path, cs_error *err);

#endif
