/* good-ctrl: a valid controller for the loader's tests.
 *
 * Reconciles ConfigMaps: one of a namespace listed in option `namespaces`
 * gets the annotation testmods.capstan.io/label = option `label` (when
 * option `annotate` is true); other namespaces are skipped.  Every reconcile
 * counts in testmod_reconciles_total and appends "KEY RESULT" to
 * <state_dir>/reconciled (annotated, ok, gone, skipped, failed).  A failed
 * API write re-queues the key after option `retry-ms`.  The gauge
 * testmod_ratio shows option `ratio`.  It declares an option of every type,
 * and reports its lifecycle and option values through testmod.h. */
#include <capstan/controller.h>
#include <stdlib.h>
#include <string.h>

#include "testmod.h"

/* A path for obj_get/obj_set: '.' inside the key is escaped. */
#define ANNOTATION_PATH "metadata.annotations.testmods\\.capstan\\.io/label"

struct ctrl {
	bool annotate;
	int64_t retry_ms;
	char *label;
	char **namespaces;
	size_t nns;
	cs_metric *reconciles;
	cs_metric *ratio;
};

static const cs_option ctrl_options[] = {
	{"annotate", CS_OPT_BOOL, "true", "write the annotation (false: only count)"},
	{"retry-ms", CS_OPT_INT, "42", "re-queue delay after a failed write"},
	{"ratio", CS_OPT_FLOAT, "0.5", "exported as the gauge testmod_ratio"},
	{"label", CS_OPT_STRING, "seen", "value of the annotation"},
	{"namespaces", CS_OPT_STRING_LIST, "{\"default\", \"kube-system\"}",
	 "namespaces whose ConfigMaps are reconciled"},
	{NULL, CS_OPT_END, NULL, NULL},
};

static bool wanted(const struct ctrl *c, const char *ns)
{
	for (size_t i = 0; i < c->nns; i++)
		if (!strcmp(c->namespaces[i], ns))
			return true;
	return false;
}

static int ctrl_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	struct ctrl *c = h->data(m);
	h->metric_add(c->reconciles, 1);
	char ns[256];
	const char *slash = strchr(key, '/');
	if (!slash || (size_t)(slash - key) >= sizeof(ns)) {
		tm_note(m, "reconciled", "%s skipped", key);
		return CS_DONE;
	}
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	const char *name = slash + 1;
	if (!wanted(c, ns)) {
		tm_note(m, "reconciled", "%s skipped", key);
		return CS_DONE;
	}
	const cs_object *cm = h->cache_get(cs_controller_informer(m, "configmaps"), ns, name);
	if (!cm) {
		tm_note(m, "reconciled", "%s gone", key);
		return CS_DONE;
	}
	const char *cur = h->obj_str(cm, ANNOTATION_PATH);
	bool done = !c->annotate || (cur && !strcmp(cur, c->label));
	h->obj_free(cm);
	if (done) {
		tm_note(m, "reconciled", "%s ok", key);
		return CS_DONE;
	}
	cs_object *patch = h->obj_new(CS_OBJ_MAP);
	cs_error err = {0};
	int rc = !patch || h->obj_set_str(patch, ANNOTATION_PATH, c->label)
			 ? -1
			 : cs_api_patch(m, "configmaps", ns, name, CS_PATCH_MERGE, patch, NULL,
					&err);
	h->obj_free(patch);
	if (rc) {
		h->log(m, CS_LOG_WARN, "configmap %s: cannot annotate: %d %s", key, rc,
		       err.message);
		tm_note(m, "reconciled", "%s failed", key);
		return c->retry_ms > 0 ? (int)c->retry_ms : CS_RETRY;
	}
	tm_note(m, "reconciled", "%s annotated", key);
	return CS_DONE;
}

static void ctrl_free(cs_mod *m)
{
	struct ctrl *c = m->host->data(m);
	if (!c)
		return;
	for (size_t i = 0; i < c->nns; i++)
		free(c->namespaces[i]);
	free(c->namespaces);
	free(c->label);
	free(c);
	m->host->set_data(m, NULL);
}

static int ctrl_init(cs_mod *m)
{
	const cs_host *h = m->host;
	tm_note(m, "lifecycle", "init");
	struct ctrl *c = calloc(1, sizeof(*c));
	if (!c) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	h->set_data(m, c);
	/* Copies: reconcile reads them on worker threads. */
	c->annotate = h->opt_bool(m, "annotate");
	c->retry_ms = h->opt_int(m, "retry-ms");
	c->label = strdup(h->opt_str(m, "label"));
	c->nns = h->opt_list_len(m, "namespaces");
	c->namespaces = calloc(c->nns + 1, sizeof(char *));
	for (size_t i = 0; c->namespaces && i < c->nns; i++)
		if (!(c->namespaces[i] = strdup(h->opt_list_at(m, "namespaces", i))))
			c->nns = i;
	c->reconciles = h->metric_new(m, CS_METRIC_COUNTER, "testmod_reconciles_total",
				      "reconciles of good-ctrl");
	c->ratio = h->metric_new(m, CS_METRIC_GAUGE, "testmod_ratio", "option ratio of good-ctrl");
	if (!c->label || !c->namespaces || !c->reconciles || !c->ratio || tm_dump_options(m)) {
		h->log(m, CS_LOG_ERROR, "init failed (see above, or out of memory)");
		ctrl_free(m);
		return -1;
	}
	h->metric_set(c->ratio, h->opt_float(m, "ratio"));
	return 0;
}

static int ctrl_start(cs_mod *m)
{
	tm_note(m, "lifecycle", "start");
	return 0;
}

static void ctrl_stop(cs_mod *m)
{
	tm_note(m, "lifecycle", "stop");
}

static void ctrl_fini(cs_mod *m)
{
	tm_note(m, "lifecycle", "fini");
	ctrl_free(m);
}

static const cs_controller_ops ctrl_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = "configmaps",
	.workers = 1,
	.reconcile = ctrl_reconcile,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER, /* magic, ABI version, size */
	.name = "good-ctrl",
	.version = "1.2.3",
	.description = "annotates ConfigMaps (loader tests)",
	.kind = CS_KIND_CONTROLLER,
	.options = ctrl_options,
	.init = ctrl_init,
	.start = ctrl_start,
	.stop = ctrl_stop,
	.fini = ctrl_fini,
	.ops = &ctrl_ops,
};
