/* Small helpers shared by the capctl sources: a growable string buffer,
 * whole-file reads, URL escaping and the time formats kubectl prints.
 * Everything here is CLI-only, hence the cs_ctl_ prefix (libcapcore.a may
 * carry helpers of its own with plainer names). */
#ifndef CS_CTL_CLIUTIL_H
#define CS_CTL_CLIUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* Always NUL-terminated once anything was added; s may be NULL when empty. */
typedef struct cs_ctl_sb {
	char *s;
	size_t len, cap;
} cs_ctl_sb;

void cs_ctl_sb_addn(cs_ctl_sb *b, const char *s, size_t n);
void cs_ctl_sb_add(cs_ctl_sb *b, const char *s);
void cs_ctl_sb_addc(cs_ctl_sb *b, char c);
void cs_ctl_sb_printf(cs_ctl_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Percent-encodes everything but RFC 3986 unreserved characters. */
void cs_ctl_sb_add_escaped(cs_ctl_sb *b, const char *s);
/* Hands over the text (never NULL, "" when empty) and resets b. */
char *cs_ctl_sb_take(cs_ctl_sb *b);
void cs_ctl_sb_free(cs_ctl_sb *b);

/* Allocation failure is not recoverable in a CLI: these abort. */
void *cs_ctl_xmalloc(size_t n);
void *cs_ctl_xrealloc(void *p, size_t n);
char *cs_ctl_xstrdup(const char *s);
char *cs_ctl_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file ("-" is stdin).  NULL with err set (naming the path
 * and errno text) on failure. */
char *cs_ctl_read_file(const char *path, size_t *len, char *err, size_t errlen);
char *cs_ctl_read_stream(FILE *f, size_t *len);

/* RFC 3339 ("2024-01-02T03:04:05Z", fractional seconds and offsets
 * accepted) to epoch seconds. -1 when malformed. */
int cs_ctl_parse_time(const char *s, time_t *out);
/* kubectl's short human duration: 45s, 3m12s, 25m, 4h5m, 2d3h, 400d, 3y20d. */
void cs_ctl_human_duration(long long secs, char *buf, size_t len);
/* Age of an RFC 3339 timestamp relative to now, "<unknown>" if unparsable. */
void cs_ctl_age(const char *ts, time_t now, char *buf, size_t len);

/* Go-style durations as kubectl takes them: "30s", "2m", "1h30m",
 * "500ms"; a bare number is seconds.  -1 when malformed. */
int cs_ctl_parse_duration(const char *s, long *ms);

bool cs_ctl_has_suffix(const char *s, const char *suffix);

#endif
