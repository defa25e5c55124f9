/* Names and paths capctl derives from the type table, and kubectl's
 * wording for errors.  No network here (unit tests use it without curl). */
#ifndef CS_CTL_RESOURCE_H
#define CS_CTL_RESOURCE_H

#include <stddef.h>

#include "cliutil.h"
#include "json.h"
#include "types.h"

/* "error: ..." on stderr, as kubectl reports client-side failures.
 * Returns 1 so commands can `return cs_ctl_fail(...)`. */
int cs_ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The reason kubectl names for an HTTP status without a Status body. */
const char *cs_ctl_reason_for_code(long code);

/* kubectl's wording for a failed answer, without a trailing newline:
 * "Error from server (NotFound): pods \"x\" not found", or for 422 with
 * causes "The Pod \"x\" is invalid: spec.containers[0].image: Required
 * value".  ctx (may be NULL) goes before the server's message, e.g.
 * "error when creating \"web.yaml\": ".  Malloc'd. */
char *cs_ctl_error_text(long code, const cs_json *body, const char *raw, const char *ctx);
/* /api/v1/namespaces/NS/pods/NAME/SUB, /apis/apps/v1/deployments (ns NULL:
 * all namespaces, or a cluster-scoped kind).  name and sub may be NULL. */
char *cs_ctl_path(const cs_type *t, const char *ns, const char *name, const char *sub);
/* Appends "?k=v" or "&k=v" (v escaped) to a path being built. */
void cs_ctl_query(cs_ctl_sb *b, const char *key, const char *val);

/* "deployment.apps" / "pod": how kubectl names a kind in messages. */
void cs_ctl_kind_ref(const cs_type *t, char *buf, size_t len);
/* The same, from an object's apiVersion and kind ("apps/v1", "Deployment"). */
void cs_ctl_obj_kind_ref(const cs_json *obj, char *buf, size_t len);
/* "deployment.apps/web". */
char *cs_ctl_obj_ref(const cs_json *obj);

#endif
