/* name-mismatch: the descriptor calls the module otherwise than its
 * file: the loader refuses it (configuration names files). */
#include <capstan/scheduler.h>

static int filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node)
{
	(void)m, (void)c, (void)pod, (void)node;
	return CS_SCHED_OK;
}

static const cs_scheduler_ops ops = {.size = sizeof(cs_scheduler_ops), .filter = filter};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,     /* magic, ABI version, size */
	.name = "other-name", /* the file is name-mismatch.so */
	.version = "1",
	.description = "a descriptor named otherwise than its file (loader tests)",
	.kind = CS_KIND_SCHEDULER,
	.ops = &ops,
};
