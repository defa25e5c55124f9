/* rt-hollow: shared state of the in-memory CRI backend. */
#ifndef HOLLOW_H
#define HOLLOW_H

#include <capstan/runtime.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "table.h"

#define HOLLOW_ID_LEN    64  /* CRI ids are 64 hex digits */
#define HOLLOW_LOG_LINES 128 /* log lines kept per container */

typedef struct hollow {
	cs_mod *m;
	const cs_host *h;
	/* One lock for the tables: every verb is a few pointer moves, so
	 * contention stays low even with thousands of pods per process. */
	pthread_mutex_t mu;
	pthread_cond_t changed; /* a container stopped or logged: followers */
	ht sandboxes, containers, names, images;
	int64_t start_delay_ns;
	int64_t run_ns; /* run-ms: a started container exits after this (0: never) */
	int exit_code;
	bool exec_echo;
} hollow;

static inline hollow *hollow_of(cs_mod *m)
{
	return m->host->data(m);
}

int64_t hollow_now(void);
/* 64 random hex digits, unique in table t.  Caller holds mu. */
void hollow_new_id(const ht *t, char id[HOLLOW_ID_LEN + 1]);
/* Owned copy of a borrowed object, NULL for NULL. */
cs_object *hollow_keep(const cs_host *h, const cs_object *o);

/* Images (images.c). */
typedef struct hollow_image {
	ht_node by_name;
	char *name;                 /* normalised: repo:tag or repo@digest */
	char id[8 + HOLLOW_ID_LEN]; /* "sha256:" + 64 hex */
	char *repo_digest;          /* repo@sha256:... */
} hollow_image;

/* Caller holds mu.  Accepts a name, an image id or a repo digest. */
const hollow_image *hollow_image_find(hollow *hw, const char *ref);
void hollow_images_free(hollow *hw);
int hollow_pull_image(cs_mod *m, const char *image, const cs_object *auth, char **ref,
		      cs_error *err);
int hollow_image_status(cs_mod *m, const char *image, cs_object **status, cs_error *err);
int hollow_remove_image(cs_mod *m, const char *image, cs_error *err);

/* Sandboxes and containers (pods.c).  Records are touched only with mu
 * held. */
enum hollow_state { H_CREATED, H_RUNNING, H_EXITED };

typedef struct hollow_container hollow_container;

typedef struct hollow_sandbox {
	ht_node by_id, by_name;
	char id[HOLLOW_ID_LEN + 1];
	char *name_key; /* reserves name/namespace/uid/attempt, as CRI runtimes do */
	bool ready;
	int64_t created_at;
	char *log_dir;
	cs_object *metadata, *labels, *annotations, *ns_options;
	hollow_container *containers; /* doubly linked through prev/next */
} hollow_sandbox;

struct hollow_container {
	ht_node by_id, by_name;
	char id[HOLLOW_ID_LEN + 1];
	char *name_key;
	hollow_sandbox *sb;
	hollow_container *prev, *next;
	enum hollow_state state;
	/* started_at may lie in the future: the container is starting
	 * (start-delay-ms) and still reports CONTAINER_CREATED. */
	int64_t created_at, started_at, finished_at;
	/* run-ms: when the running container exits by itself (0: never), with
	 * exit_code already set. */
	int64_t exit_at;
	int exit_code;
	char *image, *image_ref, *log_path;
	cs_object *metadata, *labels, *annotations;
	/* The last HOLLOW_LOG_LINES lines in CRI log format; line n (counting
	 * from 0 over the container's life) is log[n % HOLLOW_LOG_LINES]. */
	char **log;
	uint64_t log_seq;
};

/* Caller holds mu.  Finding a container also settles a run-ms exit that
 * came due. */
hollow_container *hollow_container_find(hollow *hw, const char *id);
enum hollow_state hollow_container_state(const hollow_container *c, int64_t now);
const char *hollow_state_name(enum hollow_state s);
/* Append one line (without newline) to c's log; wakes followers. */
void hollow_log_append(hollow *hw, hollow_container *c, const char *stream, const char *line);

void hollow_pods_free(hollow *hw);
int hollow_run_pod_sandbox(cs_mod *m, const cs_object *config, char id[CS_RUNTIME_ID_MAX],
			   cs_error *err);
int hollow_stop_pod_sandbox(cs_mod *m, const char *id, cs_error *err);
int hollow_remove_pod_sandbox(cs_mod *m, const char *id, cs_error *err);
int hollow_pod_sandbox_status(cs_mod *m, const char *id, cs_object **status, cs_error *err);
int hollow_list_pod_sandboxes(cs_mod *m, cs_object **list, cs_error *err);
int hollow_create_container(cs_mod *m, const char *sandbox_id, const cs_object *config,
			    const cs_object *sandbox_config, char id[CS_RUNTIME_ID_MAX],
			    cs_error *err);
int hollow_start_container(cs_mod *m, const char *id, cs_error *err);
int hollow_stop_container(cs_mod *m, const char *id, int64_t timeout_s, cs_error *err);
int hollow_remove_container(cs_mod *m, const char *id, cs_error *err);
int hollow_container_status(cs_mod *m, const char *id, cs_object **status, cs_error *err);
int hollow_list_containers(cs_mod *m, const char *sandbox_id, cs_object **list, cs_error *err);

/* Exec and logs (exec.c). */
int hollow_exec(cs_mod *m, const char *id, const char *const *argv, int stdin_fd, int stdout_fd,
		int stderr_fd, bool tty, int64_t timeout_s, int *exit_code, cs_error *err);
int hollow_container_logs(cs_mod *m, const char *id, int out_fd, int64_t tail_lines, bool follow,
			  cs_error *err);

#endif
