/* The human-readable dump behind capctl describe, apart from fetching:
 * kubectl's layout ("Key:  value", runs of lines aligned the way its
 * tabwriter aligns them, nested fields indented by two) for any kind. */
#ifndef CS_CTL_DESCRIBE_H
#define CS_CTL_DESCRIBE_H

#include <stdio.h>
#include <time.h>

#include "json.h"

/* Writes obj's description and, when events is an array (of
 * core/v1 Events about obj), an Events section ("Events:  <none>" when
 * it is empty).  now: for ages. */
void cs_ctl_describe(FILE *f, const cs_json *obj, const cs_json *events, time_t now);

/* "matchLabels" -> "Match Labels", "apiVersion" -> "API Version",
 * "podIP" -> "Pod IP"; keys that are not identifiers stay as they are.
 * Malloc'd. */
char *cs_ctl_smart_label(const char *key);

#endif
