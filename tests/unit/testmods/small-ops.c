/* small-ops: a controller whose ops table says it ends before reconcile
 * (built against a header that never existed): refused at load. */
#include <capstan/controller.h>

static int reconcile(cs_mod *m, const char *key)
{
	(void)m, (void)key;
	return CS_DONE;
}

static const cs_controller_ops ops = {
	.size = offsetof(cs_controller_ops, reconcile),
	.primary = "configmaps",
	.reconcile = reconcile,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER, /* magic, ABI version, size */
	.name = "small-ops",
	.version = "1",
	.description = "an ops table too small for its kind (loader tests)",
	.kind = CS_KIND_CONTROLLER,
	.ops = &ops,
};
