/* Kubernetes Status errors: every failure the API returns is one of these. */
#ifndef CS_STATUS_H
#define CS_STATUS_H

#include <stddef.h>

#include "json.h"

#define CS_STATUS_MAX_CAUSES 16

typedef struct cs_cause {
	char reason[48]; /* FieldValueRequired, FieldValueInvalid, ... */
	char field[256]; /* spec.containers[0].image */
	char message[512];
} cs_cause;

typedef struct cs_status {
	int code;        /* HTTP status; 0 means no error recorded */
	char reason[48]; /* NotFound, AlreadyExists, Conflict, Invalid, ... */
	char message[2048];
	char name[254]; /* details.name */
	char group[64]; /* details.group */
	char kind[64];  /* details.kind (resource or kind, as Kubernetes does) */
	size_t ncauses;
	cs_cause causes[CS_STATUS_MAX_CAUSES];
} cs_status;

/* Records an error and returns -1 so callers can `return cs_status_set(...)`. */
int cs_status_set(cs_status *st, int code, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Adds a field cause (extra causes beyond the limit are dropped). */
void cs_status_cause(cs_status *st, const char *reason, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Builds the Status object ({"kind":"Status","apiVersion":"v1",...}). */
cs_json *cs_status_json(const cs_status *st);

#endif
