/* Logging: one line per message to stderr, level-filtered. */
#ifndef CS_LOG_H
#define CS_LOG_H

enum cs_log_level { CS_LOG_ERROR, CS_LOG_WARN, CS_LOG_INFO, CS_LOG_DEBUG };

void cs_log_set_level(enum cs_log_level l);
/* Parses "error", "warn", "info", "debug"; returns -1 if unknown. */
int cs_log_parse_level(const char *s);
void cs_log(enum cs_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
