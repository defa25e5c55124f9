/* reserved-opt: declares an option named "enabled", a key of the host: the
 * module fails to load. */
#include <capstan/scheduler.h>

static int filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node)
{
	(void)c, (void)pod, (void)node;
	return m->host->opt_bool(m, "enabled") ? CS_SCHED_OK : CS_SCHED_UNSCHEDULABLE;
}

static const cs_scheduler_ops ops = {.size = sizeof(cs_scheduler_ops), .filter = filter};

static const cs_option options[] = {
	{"enabled", CS_OPT_BOOL, "true", "clashes with the host's key"},
	{NULL, CS_OPT_END, NULL, NULL},
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER, /* magic, ABI version, size */
	.name = "reserved-opt",
	.version = "1",
	.description = "declares the host key \"enabled\" (loader tests)",
	.kind = CS_KIND_SCHEDULER,
	.options = options,
	.ops = &ops,
};
