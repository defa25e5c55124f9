/* YAML <-> cs_json through libyaml.  (Not "yaml.h": that name belongs to
 * libyaml itself and -Icli would shadow it.)
 *
 * Input follows what kubectl's YAML decoder yields for manifests: plain
 * scalars resolve to null (~, null, empty), booleans (true/false in any of
 * the three YAML casings), integers (decimal, 0x hex, 0o octal) and floats;
 * everything else, every quoted scalar and every scalar tagged !!str stays a
 * string.  Numbers with a leading zero ("0123") and integers beyond 64 bits
 * stay strings rather than change meaning.  Anchors, aliases and "<<" merge
 * keys work; duplicate keys are an error.
 *
 * Output is block style in object key order; a string is quoted whenever a
 * YAML 1.1 or 1.2 reader would take it for something else (true, yes, 123,
 * 0123, 1e3, null, 2024-01-01, ...), and multi-line strings use literal
 * block style. */
#ifndef CS_CTL_YAMLCONV_H
#define CS_CTL_YAMLCONV_H

#include <stddef.h>

#include "json.h"

/* Parses every document of a stream.  Returns a JSON array with one value
 * per document, empty documents (nothing, or only comments) left out; NULL
 * with err set to "line L, column C: problem" on malformed input. */
cs_json *cs_ctl_yaml_parse(const char *buf, size_t len, char *err, size_t errlen);

/* The value a plain (unquoted, untagged) scalar stands for. */
cs_json *cs_ctl_yaml_resolve_plain(const char *s, size_t len);

/* True when s must be quoted to be read back as a string. */
int cs_ctl_yaml_needs_quotes(const char *s, size_t len);

/* One document, without "---".  Returns malloc'd text ending in a newline,
 * or NULL with err set (e.g. a string that is not valid UTF-8). */
char *cs_ctl_yaml_emit(const cs_json *v, char *err, size_t errlen);

#endif
