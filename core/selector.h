/* Label and field selectors, as in Kubernetes list/watch queries and
 * workload specs. */
#ifndef CS_SELECTOR_H
#define CS_SELECTOR_H

#include <stdbool.h>

#include "json.h"
#include "status.h"
#include "types.h"

typedef struct cs_selector cs_selector;

/* labelSelector query syntax: "a=b,c==d,e!=f,g in (x,y),h notin (z),i,!j".
 * Empty or NULL string selects everything (returns a valid empty selector).
 * Bad syntax or invalid label keys/values: NULL with st = 400 BadRequest and
 * a message naming the offending term. */
cs_selector *cs_label_selector_parse(const char *s, cs_status *st);

/* metav1.LabelSelector object: {"matchLabels":{...},"matchExpressions":
 * [{"key":..,"operator":"In|NotIn|Exists|DoesNotExist","values":[..]}]}.
 * NULL sel selects nothing?  No: NULL/empty object selects everything (callers
 * decide whether an empty selector is allowed).  Errors: NULL + st 422 with
 * causes using field prefix `path` (e.g. "spec.selector"). */
cs_selector *cs_label_selector_from_json(const cs_json *sel, const char *path, cs_status *st);

/* labels: the metadata.labels object (or NULL for none). */
bool cs_label_selector_match(const cs_selector *sel, const cs_json *labels);

/* fieldSelector query: "metadata.name=x,spec.nodeName!=,status.phase==Running".
 * Supported fields: metadata.name, metadata.namespace, spec.nodeName,
 * status.phase (and any field path a kind's objects carry as a string).
 * Unsupported field or bad syntax: NULL + 400 BadRequest. */
cs_selector *cs_field_selector_parse(const char *s, const cs_type *t, cs_status *st);
bool cs_field_selector_match(const cs_selector *sel, const cs_json *obj);

/* True when the selector has no requirements. */
bool cs_selector_empty(const cs_selector *sel);
void cs_selector_free(cs_selector *sel);

/* Validation helpers shared with core/validate.c. Return NULL when valid,
 * else a static message like Kubernetes'. */
const char *cs_check_label_key(const char *key);
const char *cs_check_label_value(const char *value);
const char *cs_check_dns1123_subdomain(const char *name);
const char *cs_check_dns1123_label(const char *name);

#endif
