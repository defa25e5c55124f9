/* Client-side apply, kubectl style: the three-way merge patch between the
 * configuration applied last time (the kubectl.kubernetes.io/
 * last-applied-configuration annotation), the one applied now and the
 * live object. */
#ifndef CS_CTL_APPLYPATCH_H
#define CS_CTL_APPLYPATCH_H

#include "json.h"

#define CS_CTL_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* The annotation value for obj, byte for byte what kubectl writes:
 * compact JSON with keys sorted, metadata.annotations without the
 * annotation itself (possibly {}), newline-terminated.  Malloc'd. */
char *cs_ctl_last_applied(const cs_json *obj);

/* A JSON merge patch that turns current into modified as far as the user's
 * configuration goes: fields that were in original (may be NULL) but are
 * gone from modified are deleted (null); fields of modified that current
 * lacks or holds with another value are set.  Fields only the server or
 * other clients set are left alone; a list is sent whole when current's
 * differs from it (beyond fields modified does not mention).  An empty
 * object means nothing to change. */
cs_json *cs_ctl_apply_patch(const cs_json *original, const cs_json *modified,
			    const cs_json *current);

#endif
