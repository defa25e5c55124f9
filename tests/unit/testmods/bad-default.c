/* bad-default: declares an int option whose default "abc" is no integer (a
 * bug in the module): the module fails to load. */
#include <capstan/scheduler.h>

static int filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node)
{
	(void)c, (void)pod, (void)node;
	return m->host->opt_int(m, "retries") > 0 ? CS_SCHED_OK : CS_SCHED_UNSCHEDULABLE;
}

static const cs_scheduler_ops ops = {.size = sizeof(cs_scheduler_ops), .filter = filter};

static const cs_option options[] = {
	{"retries", CS_OPT_INT, "abc", "not an integer"},
	{NULL, CS_OPT_END, NULL, NULL},
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER, /* magic, ABI version, size */
	.name = "bad-default",
	.version = "1",
	.description = "an int option whose default is \"abc\" (loader tests)",
	.kind = CS_KIND_SCHEDULER,
	.options = options,
	.ops = &ops,
};
