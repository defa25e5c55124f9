/* Time zones from the IANA zone database (TZif files, RFC 8536), without
 * touching the process-wide TZ state: localtime_r and setenv("TZ") are
 * not usable from the threads of a daemon that serves many zones at once. */
#ifndef CS_TZONE_H
#define CS_TZONE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cs_tzone cs_tzone;

/* Loads zone `name` ("UTC", "Europe/Paris", "Local": the daemon's own zone
 * from $TZ or /etc/localtime).  NULL with err set ("unknown time zone X")
 * when it does not exist or the file is malformed. */
cs_tzone *cs_tzone_load(const char *name, char *err, size_t errlen);
/* Parses the contents of a TZif file (for tests and fuzzing). */
cs_tzone *cs_tzone_parse(const unsigned char *data, size_t len);
void cs_tzone_free(cs_tzone *z);

/* Offset east of UTC in seconds in force at unix time t. */
int32_t cs_tzone_offset(const cs_tzone *z, int64_t t);

/* The first time after t at which the offset may change, INT64_MAX if
 * never. */
int64_t cs_tzone_next_change(const cs_tzone *z, int64_t t);

#endif
