/* bad-kind: a kind this ABI does not know. */
#include <capstan/scheduler.h>

static int filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node)
{
	(void)m, (void)c, (void)pod, (void)node;
	return CS_SCHED_OK;
}

static const cs_scheduler_ops ops = {.size = sizeof(cs_scheduler_ops), .filter = filter};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER, /* magic, ABI version, size */
	.name = "bad-kind",
	.version = "1",
	.description = "a module kind that does not exist (loader tests)",
	.kind = 99, /* no such kind */
	.ops = &ops,
};
