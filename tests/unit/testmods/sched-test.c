/* sched-test: a scheduler plugin for the loader's tests.
 *
 * filter: a node fits when it carries every label key of option `label`;
 * otherwise UNSCHEDULABLE with reason "node(s) lacked label KEY".
 * score: CS_SCHED_MAX_SCORE for the nodes named in option `prefer`, else 0.
 * Filter calls count in testmod_filter_calls_total.  Its option `label` is
 * a list, where good-ctrl's is a string: both must validate side by side. */
#include <capstan/scheduler.h>
#include <stdlib.h>
#include <string.h>

#include "testmod.h"

struct sched {
	size_t nkeys;   /* entries made */
	size_t cap;     /* entries allocated (zero-filled) */
	char **paths;   /* metadata.labels.<escaped key> */
	char **reasons; /* node(s) lacked label <key> */
	cs_metric *filters;
};

static const cs_option sched_options[] = {
	{"label", CS_OPT_STRING_LIST, NULL, "label keys a node must carry"},
	{"prefer", CS_OPT_STRING_LIST, NULL, "nodes that score highest"},
	{NULL, CS_OPT_END, NULL, NULL},
};

static int sched_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			const cs_sched_node *node)
{
	(void)pod;
	struct sched *s = m->host->data(m);
	m->host->metric_add(s->filters, 1);
	for (size_t i = 0; i < s->nkeys; i++)
		if (!m->host->obj_get(node->node, s->paths[i])) {
			c->reason = s->reasons[i];
			return CS_SCHED_UNSCHEDULABLE;
		}
	return CS_SCHED_OK;
}

static int sched_score(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
		       const cs_sched_node *node, int64_t *score)
{
	(void)c, (void)pod;
	*score = 0;
	for (size_t i = 0; i < m->host->opt_list_len(m, "prefer"); i++)
		if (!strcmp(m->host->opt_list_at(m, "prefer", i), node->name))
			*score = CS_SCHED_MAX_SCORE;
	return CS_SCHED_OK;
}

static void sched_free(cs_mod *m)
{
	struct sched *s = m->host->data(m);
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++) {
		free(s->paths ? s->paths[i] : NULL);
		free(s->reasons ? s->reasons[i] : NULL);
	}
	free(s->paths);
	free(s->reasons);
	free(s);
	m->host->set_data(m, NULL);
}

/* "metadata.labels." + key with '.', '[' and '\' escaped. */
static char *label_path(const char *key)
{
	static const char prefix[] = "metadata.labels.";
	char *p = malloc(sizeof(prefix) + 2 * strlen(key));
	if (!p)
		return NULL;
	char *o = stpcpy(p, prefix);
	for (; *key; key++) {
		if (*key == '.' || *key == '[' || *key == '\\')
			*o++ = '\\';
		*o++ = *key;
	}
	*o = '\0';
	return p;
}

static int sched_init(cs_mod *m)
{
	const cs_host *h = m->host;
	tm_note(m, "lifecycle", "init");
	struct sched *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	h->set_data(m, s);
	size_t n = h->opt_list_len(m, "label");
	s->cap = n;
	s->paths = calloc(n + 1, sizeof(char *));
	s->reasons = calloc(n + 1, sizeof(char *));
	for (; s->paths && s->reasons && s->nkeys < n; s->nkeys++) {
		const char *key = h->opt_list_at(m, "label", s->nkeys);
		s->paths[s->nkeys] = label_path(key);
		if (asprintf(&s->reasons[s->nkeys], "node(s) lacked label %s", key) < 0)
			s->reasons[s->nkeys] = NULL;
		if (!s->paths[s->nkeys] || !s->reasons[s->nkeys])
			break;
	}
	s->filters = h->metric_new(m, CS_METRIC_COUNTER, "testmod_filter_calls_total",
				   "filter calls of sched-test");
	if (s->nkeys < n || !s->filters || tm_dump_options(m)) {
		h->log(m, CS_LOG_ERROR, "init failed (see above, or out of memory)");
		sched_free(m);
		return -1;
	}
	return 0;
}

static int sched_start(cs_mod *m)
{
	tm_note(m, "lifecycle", "start");
	return 0;
}

static void sched_stop(cs_mod *m)
{
	tm_note(m, "lifecycle", "stop");
}

static void sched_fini(cs_mod *m)
{
	tm_note(m, "lifecycle", "fini");
	sched_free(m);
}

static const cs_scheduler_ops sched_ops = {
	.size = sizeof(cs_scheduler_ops),
	.filter = sched_filter,
	.score = sched_score,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER, /* magic, ABI version, size */
	.name = "sched-test",
	.version = "0.9",
	.description = "filters nodes by label keys (loader tests)",
	.kind = CS_KIND_SCHEDULER,
	.options = sched_options,
	.init = sched_init,
	.start = sched_start,
	.stop = sched_stop,
	.fini = sched_fini,
	.ops = &sched_ops,
};
