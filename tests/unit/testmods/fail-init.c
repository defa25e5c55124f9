/* fail-init: init logs why and returns -1. */
#include <capstan/scheduler.h>

#include "testmod.h"

static int filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node)
{
	(void)m, (void)c, (void)pod, (void)node;
	return CS_SCHED_OK;
}

static int init(cs_mod *m)
{
	tm_note(m, "lifecycle", "init");
	m->host->log(m, CS_LOG_ERROR, "cannot initialise: this module always fails (a test)");
	return -1;
}

static int start(cs_mod *m)
{
	tm_note(m, "lifecycle", "start");
	return 0;
}

static void stop(cs_mod *m)
{
	tm_note(m, "lifecycle", "stop");
}

static void fini(cs_mod *m)
{
	tm_note(m, "lifecycle", "fini");
}

static const cs_scheduler_ops ops = {.size = sizeof(cs_scheduler_ops), .filter = filter};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER, /* magic, ABI version, size */
	.name = "fail-init",
	.version = "1",
	.description = "init always fails (loader tests)",
	.kind = CS_KIND_SCHEDULER,
	.init = init,
	.start = start,
	.stop = stop,
	.fini = fini,
	.ops = &ops,
};
