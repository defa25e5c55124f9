/* admit-test: an admission module for the loader's tests.
 *
 * mutate: sets metadata.labels.admitted = "yes" on configmaps.
 * validate: denies a configmap whose data has key "deny" (403, its value as
 * the reason); with data key "status" it denies with that HTTP status.
 * Calls count in testmod_admission_calls_total. */
#include <capstan/admission.h>
#include <stdlib.h>
#include <string.h>

#include "testmod.h"

static cs_metric *calls;

static int at_mutate(cs_mod *m, const cs_admission_request *req, cs_object *obj, cs_error *err)
{
	(void)err;
	m->host->metric_add(calls, 1);
	if (req->size < sizeof(*req) || strcmp(req->resource, "configmaps"))
		return 0;
	return m->host->obj_set_str(obj, "metadata.labels.admitted", "yes");
}

static int at_validate(cs_mod *m, const cs_admission_request *req, const cs_object *obj,
		       cs_error *err)
{
	const cs_host *h = m->host;
	h->metric_add(calls, 1);
	const char *why = h->obj_str(obj, "data.deny");
	if (why)
		return h->errorf(err, 403, "Forbidden", "%s (%s %s)", why,
				 req->operation == CS_ADMIT_CREATE ? "create" : "update",
				 req->name);
	const char *code = h->obj_str(obj, "data.status");
	if (code)
		return h->errorf(err, atoi(code), "TooManyRequests", "come back later");
	return 0;
}

static int at_init(cs_mod *m)
{
	calls = m->host->metric_new(m, CS_METRIC_COUNTER, "testmod_admission_calls_total",
				    "admission calls");
	return tm_note(m, "lifecycle", "init");
}

static const char *const resources[] = {"configmaps", "pods/status", NULL};

static const cs_admission_ops ops = {
	.size = sizeof(cs_admission_ops),
	.resources = resources,
	.operations = CS_ADMIT_CREATE | CS_ADMIT_UPDATE,
	.mutate = at_mutate,
	.validate = at_validate,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "admit-test",
	.version = "1.0",
	.description = "admission module for the loader's tests",
	.kind = CS_KIND_ADMISSION,
	.init = at_init,
	.ops = &ops,
};
