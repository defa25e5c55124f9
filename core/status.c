#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cs_status_set(cs_status *st, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;
	st->code = code;
	snprintf(st->reason, sizeof(st->reason), "%s", reason);
	va_start(ap, fmt);
	vsnprintf(st->message, sizeof(st->message), fmt, ap);
	va_end(ap);
	return -1;
}

void cs_status_cause(cs_status *st, const char *reason, const char *field, const char *fmt, ...)
{
	if (st->ncauses >= CS_STATUS_MAX_CAUSES)
		return;
	cs_cause *c = &st->causes[st->ncauses++];
	va_list ap;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	snprintf(c->field, sizeof(c->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
}

cs_json *cs_status_json(const cs_status *st)
{
	cs_json *o = cs_json_object();
	cs_json_set(o, "kind", cs_json_string("Status"));
	cs_json_set(o, "apiVersion", cs_json_string("v1"));
	cs_json_set(o, "metadata", cs_json_object());
	bool ok = st->code >= 200 && st->code < 300;
	cs_json_set(o, "status", cs_json_string(ok ? "Success" : "Failure"));
	if (st->message[0])
		cs_json_set(o, "message", cs_json_string(st->message));
	if (st->reason[0])
		cs_json_set(o, "reason", cs_json_string(st->reason));
	if (st->name[0] || st->kind[0] || st->group[0] || st->ncauses) {
		cs_json *d = cs_json_obj_ensure(o, "details");
		if (st->name[0])
			cs_json_set(d, "name", cs_json_string(st->name));
		if (st->group[0])
			cs_json_set(d, "group", cs_json_string(st->group));
		if (st->kind[0])
			cs_json_set(d, "kind", cs_json_string(st->kind));
		if (st->ncauses) {
			cs_json *arr = cs_json_array();
			for (size_t i = 0; i < st->ncauses; i++) {
				cs_json *c = cs_json_object();
				cs_json_set(c, "reason", cs_json_string(st->causes[i].reason));
				cs_json_set(c, "message", cs_json_string(st->causes[i].message));
				cs_json_set(c, "field", cs_json_string(st->causes[i].field));
				cs_json_push(arr, c);
			}
			cs_json_set(d, "causes", arr);
		}
	}
	cs_json_set(o, "code", cs_json_int(st->code));
	return o;
}
