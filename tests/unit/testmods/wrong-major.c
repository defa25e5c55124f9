/* wrong-major: built for the next major ABI, which this core cannot
 * run: the loader refuses it naming both versions. */
#include <capstan/scheduler.h>

static int filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node)
{
	(void)m, (void)c, (void)pod, (void)node;
	return CS_SCHED_OK;
}

static const cs_scheduler_ops ops = {.size = sizeof(cs_scheduler_ops), .filter = filter};

CS_MODULE_EXPORT const cs_module capstan_module = {
	.magic = CS_MODULE_MAGIC,
	.abi_major = CS_ABI_MAJOR + 1, /* the next major */
	.abi_minor = CS_ABI_MINOR,
	.size = sizeof(cs_module),
	.name = "wrong-major",
	.version = "2.0.0",
	.description = "built for the next major ABI (loader tests)",
	.kind = CS_KIND_SCHEDULER,
	.ops = &ops,
};
