/* rt-hollow: a container runtime backend that runs nothing.
 *
 * Like kubemark's hollow kubelet or kwok, it keeps sandboxes, containers
 * and images in memory and moves them through the states a CRI runtime
 * reports, so a node agent (and the whole control plane behind it) can be
 * exercised at scale without processes.  Semantics follow CRI where the
 * module ABI does not say otherwise; the ABI's "unknown id is 404" wins
 * over CRI's idempotent removes, so callers treat 404 from a remove as
 * "already gone". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hollow.h"

int64_t hollow_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void hollow_new_id(const ht *t, char id[HOLLOW_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	do {
		unsigned char raw[HOLLOW_ID_LEN / 2];
		size_t got = 0;
		while (got < sizeof(raw)) {
			ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
			if (n > 0)
				got += (size_t)n;
			else if (errno != EINTR)
				abort(); /* the kernel's CSPRNG does not fail */
		}
		for (size_t i = 0; i < sizeof(raw); i++) {
			id[2 * i] = hex[raw[i] >> 4];
			id[2 * i + 1] = hex[raw[i] & 15];
		}
		id[HOLLOW_ID_LEN] = '\0';
	} while (ht_find(t, id));
}

cs_object *hollow_keep(const cs_host *h, const cs_object *o)
{
	return o ? h->obj_keep(o) : NULL;
}

static int hollow_init(cs_mod *m)
{
	const cs_host *h = m->host;
	int64_t delay = h->opt_int(m, "start-delay-ms");
	int64_t code = h->opt_int(m, "exit-code");
	int64_t run = h->opt_int(m, "run-ms");
	if (delay < 0 || delay > 86400000) {
		h->log(m, CS_LOG_ERROR, "option start-delay-ms = %lld: must be 0..86400000",
		       (long long)delay);
		return -1;
	}
	if (run < 0 || run > 86400000) {
		h->log(m, CS_LOG_ERROR, "option run-ms = %lld: must be 0..86400000",
		       (long long)run);
		return -1;
	}
	if (code < 0 || code > 255) {
		h->log(m, CS_LOG_ERROR, "option exit-code = %lld: must be 0..255", (long long)code);
		return -1;
	}
	hollow *hw = calloc(1, sizeof(*hw));
	if (!hw) {
		h->log(m, CS_LOG_ERROR, "cannot allocate the runtime state: out of memory");
		return -1;
	}
	hw->m = m;
	hw->h = h;
	hw->start_delay_ns = delay * 1000000;
	hw->exit_code = (int)code;
	hw->run_ns = run * 1000000;
	hw->exec_echo = h->opt_bool(m, "exec-echo");
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hw->changed, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&hw->mu, NULL);
	h->set_data(m, hw);
	return 0;
}

static void hollow_fini(cs_mod *m)
{
	hollow *hw = hollow_of(m);
	if (!hw)
		return;
	hollow_pods_free(hw);
	hollow_images_free(hw);
	ht_free(&hw->sandboxes);
	ht_free(&hw->containers);
	ht_free(&hw->names);
	ht_free(&hw->images);
	pthread_cond_destroy(&hw->changed);
	pthread_mutex_destroy(&hw->mu);
	free(hw);
	m->host->set_data(m, NULL);
}

static const cs_runtime_ops ops = {
	.size = sizeof(cs_runtime_ops),
	.runtime_name = "hollow",
	.runtime_version = "0.1.0",
	.run_pod_sandbox = hollow_run_pod_sandbox,
	.stop_pod_sandbox = hollow_stop_pod_sandbox,
	.remove_pod_sandbox = hollow_remove_pod_sandbox,
	.pod_sandbox_status = hollow_pod_sandbox_status,
	.list_pod_sandboxes = hollow_list_pod_sandboxes,
	.create_container = hollow_create_container,
	.start_container = hollow_start_container,
	.stop_container = hollow_stop_container,
	.remove_container = hollow_remove_container,
	.container_status = hollow_container_status,
	.list_containers = hollow_list_containers,
	.exec = hollow_exec,
	.container_logs = hollow_container_logs,
	.pull_image = hollow_pull_image,
	.image_status = hollow_image_status,
	.remove_image = hollow_remove_image,
};

static const cs_option options[] = {
	{"start-delay-ms", CS_OPT_INT, "0",
	 "milliseconds a started container reports CONTAINER_CREATED before RUNNING"},
	{"exit-code", CS_OPT_INT, "0", "exit code of a stopped or finished container (0..255)"},
	{"run-ms", CS_OPT_INT, "0",
	 "milliseconds a started container runs before it exits by itself (0: until stopped)"},
	{"exec-echo", CS_OPT_BOOL, "false",
	 "exec writes its argv to stdout and to the container's log (for tests)"},
	{NULL, CS_OPT_END, NULL, NULL},
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "rt-hollow",
	.version = "0.1.0",
	.description = "in-memory CRI runtime for simulated (hollow) nodes: runs nothing",
	.kind = CS_KIND_RUNTIME,
	.options = options,
	.init = hollow_init,
	.fini = hollow_fini,
	.ops = &ops,
};
