/* sched-prefer-label: an example scheduler plugin (score extension point),
 * built out of tree against the installed SDK (see README.md).
 *
 * Nodes whose label `label` equals `value` score CS_SCHED_MAX_SCORE, the
 * others 0; the scheduler framework multiplies that by the plugin's weight
 * in the profile, so these nodes win among the feasible ones unless other
 * plugins disagree more strongly.  It filters nothing: a pod still lands on
 * another node when no preferred node fits.  Profiles name it
 * "PreferLabel". */
#include <capstan/scheduler.h>
#include <stdlib.h>
#include <string.h>

struct prefer {
	char *path;  /* "metadata.labels.<label>", escaped for obj_str */
	char *value; /* option value */
};

static const cs_option prefer_options[] = {
	{"label", CS_OPT_STRING, "example.com/preferred", "node label to look at"},
	{"value", CS_OPT_STRING, "true", "the label value that makes a node preferred"},
	{NULL, CS_OPT_END, NULL, NULL},
};

/* Label keys contain dots ("example.com/x"); in an object path a dot
 * separates keys, so '.', '[' and '\' inside a key get a backslash
 * (module.h, objects). */
static char *label_path(const char *label)
{
	static const char prefix[] = "metadata.labels.";
	char *p = malloc(sizeof(prefix) + 2 * strlen(label));
	if (!p)
		return NULL;
	char *o = stpcpy(p, prefix);
	for (; *label; label++) {
		if (*label == '.' || *label == '[' || *label == '\\')
			*o++ = '\\';
		*o++ = *label;
	}
	*o = '\0';
	return p;
}

static void prefer_fini(cs_mod *m)
{
	struct prefer *p = m->host->data(m);
	if (!p)
		return;
	free(p->path);
	free(p->value);
	free(p);
	m->host->set_data(m, NULL);
}

static int prefer_init(cs_mod *m)
{
	const cs_host *h = m->host;
	const char *label = h->opt_str(m, "label");
	if (!*label) {
		h->log(m, CS_LOG_ERROR, "option label is empty: name the node label to prefer");
		return -1;
	}
	struct prefer *p = calloc(1, sizeof(*p));
	if (!p || !(p->path = label_path(label)) || !(p->value = strdup(h->opt_str(m, "value")))) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		if (p)
			free(p->path);
		free(p);
		return -1;
	}
	h->set_data(m, p);
	h->log(m, CS_LOG_INFO, "preferring nodes labelled %s=%s", label, p->value);
	return 0;
}

/* Called on the framework's scheduling thread, once per feasible node;
 * the node snapshot is read-only and valid until cycle_end. */
static int prefer_score(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			const cs_sched_node *node, int64_t *score)
{
	(void)c, (void)pod;
	const struct prefer *p = m->host->data(m);
	const char *v = m->host->obj_str(node->node, p->path);
	*score = v && !strcmp(v, p->value) ? CS_SCHED_MAX_SCORE : 0;
	return CS_SCHED_OK;
}

static const cs_scheduler_ops prefer_ops = {
	.size = sizeof(cs_scheduler_ops),
	.plugin = "PreferLabel",
	/* Scores are already 0..CS_SCHED_MAX_SCORE: no normalize. */
	.score = prefer_score,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "sched-prefer-label",
	.version = "1.0.0",
	.description = "example score plugin PreferLabel: nodes with a given label win",
	.kind = CS_KIND_SCHEDULER,
	.options = prefer_options,
	.init = prefer_init,
	.fini = prefer_fini,
	.ops = &prefer_ops,
};
