/* bad-magic: a capstan_module symbol whose first word is not
 * CS_MODULE_MAGIC (not a descriptor of this ABI family). */
#include <capstan/scheduler.h>

static int filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node)
{
	(void)m, (void)c, (void)pod, (void)node;
	return CS_SCHED_OK;
}

static const cs_scheduler_ops ops = {.size = sizeof(cs_scheduler_ops), .filter = filter};

CS_MODULE_EXPORT const cs_module capstan_module = {
	.magic = 0x4d4f4f42u, /* "BOOM", not "CSM1" */
	.abi_major = CS_ABI_MAJOR,
	.abi_minor = CS_ABI_MINOR,
	.size = sizeof(cs_module),
	.name = "bad-magic",
	.version = "1",
	.description = "a descriptor without the magic (loader tests)",
	.kind = CS_KIND_SCHEDULER,
	.ops = &ops,
};
