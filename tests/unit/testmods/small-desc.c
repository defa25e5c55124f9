/* small-desc: a descriptor whose size says it ends before the
 * ops pointer (a truncated or foreign structure). */
#include <capstan/scheduler.h>

static int filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node)
{
	(void)m, (void)c, (void)pod, (void)node;
	return CS_SCHED_OK;
}

static const cs_scheduler_ops ops = {.size = sizeof(cs_scheduler_ops), .filter = filter};

CS_MODULE_EXPORT const cs_module capstan_module = {
	.magic = CS_MODULE_MAGIC,
	.abi_major = CS_ABI_MAJOR,
	.abi_minor = CS_ABI_MINOR,
	.size = offsetof(cs_module, ops), /* ends before ops */
	.name = "small-desc",
	.version = "1",
	.description = "a descriptor too small for this ABI (loader tests)",
	.kind = CS_KIND_SCHEDULER,
	.ops = &ops,
};
