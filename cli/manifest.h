/* Objects from -f: files, directories and standard input, in YAML or
 * JSON, several documents per file ("---"), and "kind: List" (or any
 * *List with items) expanded into its items, in order. */
#ifndef CS_CTL_MANIFEST_H
#define CS_CTL_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "args.h"
#include "json.h"

typedef struct cs_ctl_doc {
	cs_json *obj;
	char *source; /* the file it came from ("-" for stdin) */
} cs_ctl_doc;

typedef struct cs_ctl_docs {
	cs_ctl_doc *v;
	size_t n;
} cs_ctl_docs;

/* Appends the objects of one stream.  Every object must be a JSON object
 * with apiVersion and kind.  Returns 0, or -1 with err naming the source. */
int cs_ctl_manifest_parse(const char *buf, size_t len, const char *source, cs_ctl_docs *out,
			  char *err, size_t errlen);

/* Every path in order; a directory contributes its *.yaml, *.yml and
 * *.json files sorted by name (subdirectories too when recursive). */
int cs_ctl_manifest_load(const cs_ctl_strv *paths, bool recursive, cs_ctl_docs *out, char *err,
			 size_t errlen);

void cs_ctl_docs_free(cs_ctl_docs *d);

#endif
