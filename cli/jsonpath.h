/* kubectl's -o jsonpath templates: literal text with {expressions}.
 * Supported: {.a.b}, {.a[0]}, {.a[-1]}, {.a[*].b}, {.a[1:3]}, {.*},
 * {.a['k.with.dots']}, {.a.k\.with\.dots}, {..name} (recursive),
 * {.a[?(@.type=="Ready")].status} (==, !=, <, <=, >, >=, or bare
 * existence), {range .items[*]}...{end}, and quoted literals {"\n"}.
 * Several results of one expression are joined by a space; strings print
 * raw, other values as compact JSON; missing keys print nothing. */
#ifndef CS_CTL_JSONPATH_H
#define CS_CTL_JSONPATH_H

#include "cliutil.h"
#include "json.h"

/* Appends the rendering to out.  Returns 0, or -1 with err set for a
 * malformed template (out may then hold partial text). */
int cs_ctl_jsonpath(const char *tmpl, const cs_json *data, cs_ctl_sb *out, char *err,
		    size_t errlen);

#endif
