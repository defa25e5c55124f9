/* watch-probe: what an informer with a label selector sees, for the tests
 * of the watch path in-process modules get (events handed over parsed).
 *
 * An informer on ConfigMaps with option `selector` appends one line per
 * handler call to <state_dir>/events:
 *   add NS/NAME RV
 *   update NS/NAME OLD_RV RV
 *   delete NS/NAME RV
 * and, for objects with data key "echo", that value (checks the object's
 * contents, not only its metadata).  The controller's own reconcile does
 * nothing. */
#include <capstan/controller.h>
#include <stdlib.h>
#include <string.h>

#include "testmod.h"

static const cs_option probe_options[] = {
	{"selector", CS_OPT_STRING, "probe=yes", "label selector of the watched ConfigMaps"},
	{NULL, CS_OPT_END, NULL, NULL},
};

static void note(cs_mod *m, const char *what, const cs_object *old, const cs_object *obj)
{
	const cs_host *h = m->host;
	const char *echo = h->obj_str(obj, "data.echo");
	char tail[300] = "";
	if (echo)
		snprintf(tail, sizeof(tail), " echo=%s", echo);
	if (old)
		tm_note(m, "events", "%s %s/%s %s %s%s", what,
			h->obj_str(obj, "metadata.namespace"), h->obj_str(obj, "metadata.name"),
			h->obj_str(old, "metadata.resourceVersion"),
			h->obj_str(obj, "metadata.resourceVersion"), tail);
	else
		tm_note(m, "events", "%s %s/%s %s%s", what, h->obj_str(obj, "metadata.namespace"),
			h->obj_str(obj, "metadata.name"),
			h->obj_str(obj, "metadata.resourceVersion"), tail);
}

static void on_add(cs_mod *m, void *arg, const cs_object *obj)
{
	(void)arg;
	note(m, "add", NULL, obj);
}

static void on_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *obj)
{
	(void)arg;
	note(m, "update", old, obj);
}

static void on_delete(cs_mod *m, void *arg, const cs_object *obj)
{
	(void)arg;
	note(m, "delete", NULL, obj);
}

static int probe_reconcile(cs_mod *m, const char *key)
{
	(void)m, (void)key;
	return CS_DONE;
}

static int probe_init(cs_mod *m)
{
	const cs_host *h = m->host;
	static const cs_informer_handlers hs = {
		.on_add = on_add, .on_update = on_update, .on_delete = on_delete};
	if (!h->informer_new(m, "configmaps", NULL, h->opt_str(m, "selector"), NULL, 0, &hs)) {
		h->log(m, CS_LOG_ERROR, "cannot create the informer");
		return -1;
	}
	return 0;
}

static const cs_controller_ops probe_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = "configmaps",
	.workers = 1,
	.reconcile = probe_reconcile,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER, /* magic, ABI version, size */
	.name = "watch-probe",
	.version = "1.0.0",
	.description = "records an informer's events (watch path tests)",
	.kind = CS_KIND_CONTROLLER,
	.options = probe_options,
	.init = probe_init,
	.ops = &probe_ops,
};
