/* bad-primary: a controller of a resource the API does not serve: it loads,
 * but the host cannot wire its informer, so init fails. */
#include <capstan/controller.h>

#include "testmod.h"

static int reconcile(cs_mod *m, const char *key)
{
	(void)m, (void)key;
	return CS_DONE;
}

static int init(cs_mod *m)
{
	tm_note(m, "lifecycle", "init");
	return 0;
}

static const cs_controller_ops ops = {
	.size = sizeof(cs_controller_ops),
	.primary = "nosuchthings",
	.reconcile = reconcile,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER, /* magic, ABI version, size */
	.name = "bad-primary",
	.version = "1",
	.description = "a controller of an unknown resource (loader tests)",
	.kind = CS_KIND_CONTROLLER,
	.init = init,
	.ops = &ops,
};
