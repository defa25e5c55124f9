/* Object handles for modules (cs_object of the SDK) over the core's
 * cs_json.  An owned handle is a plain cs_json tree; a shared handle is a
 * shared tree (json.h: immutable, reference-counted; see module.h,
 * "objects"). */
#ifndef CS_MODOBJ_H
#define CS_MODOBJ_H

#include <capstan/module.h>

#include "json.h"
#include "status.h"

/* Wrap doc (taken over) as a shared immutable object with one reference.
 * A doc that is already shared is returned as is (its reference is the one
 * taken over).  Sub-nodes of an object, as obj_get and obj_at return them,
 * are borrowed: never pass one to obj_free or to an entry that takes
 * ownership (obj_set, obj_append). */
const cs_object *cs_modobj_share(cs_json *doc);
/* Parse JSON text into a shared object; NULL with err set on bad input. */
const cs_object *cs_modobj_share_text(const char *json, size_t len, cs_error *err);
/* The tree behind a handle (either kind). */
static inline const cs_json *cs_modobj_json(const cs_object *o)
{
	return (const cs_json *)o;
}
/* References held on a shared object; 0 for an owned one (diagnostics and
 * tests). */
unsigned cs_modobj_refs(const cs_object *o);
/* Fill every obj_* entry, free and errorf of the host table. */
void cs_modobj_fill(cs_host *h);
/* Copy a Kubernetes Status (or any API error) into a cs_error. */
void cs_modobj_error_from_status(cs_error *err, const cs_status *st);

#endif
