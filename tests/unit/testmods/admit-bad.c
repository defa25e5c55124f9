/* admit-bad: an admission module that names no resources: refused. */
#include <capstan/admission.h>

static int ab_validate(cs_mod *m, const cs_admission_request *req, const cs_object *obj,
		       cs_error *err)
{
	(void)m, (void)req, (void)obj, (void)err;
	return 0;
}

static const cs_admission_ops ops = {
	.size = sizeof(cs_admission_ops),
	.operations = CS_ADMIT_CREATE,
	.validate = ab_validate,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,          .name = "admit-bad",
	.version = "1.0",          .description = "admission module without resources",
	.kind = CS_KIND_ADMISSION, .ops = &ops,
};
