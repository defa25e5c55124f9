/* Small helpers shared by the core: identifiers, time, base64. */
#ifndef CS_UTIL_H
#define CS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 4122 version-4 UUID, 36 chars + NUL. */
void cs_uuid(char out[37]);
/* Current UTC time as RFC 3339 with second precision ("2026-01-02T03:04:05Z"). */
void cs_rfc3339_now(char out[32]);
/* n random characters from Kubernetes' generateName alphabet. */
void cs_random_suffix(char *out, size_t n);
/* Standard base64 (RFC 4648 §4).  Returns malloc'd text / bytes. */
char *cs_base64_encode(const unsigned char *in, size_t len);
/* Returns -1 on invalid input.  *out is malloc'd. */
int cs_base64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen);
/* Parse an unsigned decimal without sign, spaces or overflow. */
bool cs_parse_u64(const char *s, uint64_t *out);

#endif
