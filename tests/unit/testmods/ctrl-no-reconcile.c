/* ctrl-no-reconcile: a controller without a reconcile function. */
#include <capstan/controller.h>

static const cs_controller_ops ops = {
	.size = sizeof(cs_controller_ops),
	.primary = "configmaps",
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER, /* magic, ABI version, size */
	.name = "ctrl-no-reconcile",
	.version = "1",
	.description = "a controller without reconcile (loader tests)",
	.kind = CS_KIND_CONTROLLER,
	.ops = &ops,
};
