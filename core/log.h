/* Logging: one line per message to stderr, level-filtered. */
#ifndef CS_LOG_H
#define CS_LOG_H

/* enum cs_log_level (ERROR, WARN, INFO, DEBUG) is shared with modules. */
#include <capstan/module.h>

#include <stdbool.h>

void cs_log_set_level(enum cs_log_level l);
bool cs_log_enabled(enum cs_log_level l);
/* Parses "error", "warn", "info", "debug"; returns -1 if unknown. */
int cs_log_parse_level(const char *s);
void cs_log(enum cs_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
