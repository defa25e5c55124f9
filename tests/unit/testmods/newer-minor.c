/* newer-minor: needs host entries of a newer minor ABI than this core
 * provides: the loader refuses it naming both versions. */
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
	.abi_minor = CS_ABI_MINOR + 1, /* a minor this core lacks */
	.size = sizeof(cs_module),
	.name = "newer-minor",
	.version = "1.1.0",
	.description = "needs a newer minor ABI (loader tests)",
	.kind = CS_KIND_SCHEDULER,
	.ops = &ops,
};
