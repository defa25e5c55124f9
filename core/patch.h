/* The three patch formats Kubernetes accepts. Each applies `patch` to
 * *target in place (it may replace *target) and returns 0, or -1 with st
 * set (400 BadRequest for a malformed patch, 422 for an inapplicable
 * JSON-patch op such as a failed "test" or a missing path). *target is
 * left unchanged on error. */
#ifndef CS_PATCH_H
#define CS_PATCH_H

#include "json.h"
#include "status.h"
#include "types.h"

/* application/merge-patch+json, RFC 7386. */
int cs_patch_merge(cs_json **target, const cs_json *patch, cs_status *st);

/* application/json-patch+json, RFC 6902 (add, remove, replace, move, copy,
 * test; JSON Pointer with ~0 ~1 escapes and "-" for append). */
int cs_patch_json(cs_json **target, const cs_json *patch, cs_status *st);

/* application/strategic-merge-patch+json, as kubectl apply/edit/label send.
 * Lists with a patch merge key in the Kubernetes API (containers and
 * initContainers by name, ports by containerPort, env by name, volumes by
 * name, volumeMounts by mountPath, tolerations? (no: replaced), ...) merge
 * by key; other lists are replaced.  Directives: $patch (replace, merge,
 * delete), $retainKeys, $deleteFromPrimitiveList/<key>,
 * $setElementOrder/<key>. Unknown kinds fall back to merge semantics. */
int cs_patch_strategic(cs_json **target, const cs_json *patch, const cs_type *t, cs_status *st);

/* Build a JSON merge patch that turns `from` into `to` (used by capctl edit
 * and apply).  Returns a new object (possibly empty). */
cs_json *cs_patch_merge_diff(const cs_json *from, const cs_json *to);

#endif
