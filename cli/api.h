/* The Kubernetes-shaped API as capctl sees it: URL paths from the type
 * table, JSON requests, and Status errors printed the way kubectl prints
 * them. */
#ifndef CS_CTL_API_H
#define CS_CTL_API_H

#include <stdbool.h>

#include "capctl.h"
#include "json.h"
#include "resource.h"
#include "types.h"

#define CS_CTL_ACCEPT_TABLE    "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"
#define CS_CTL_MERGE_PATCH     "application/merge-patch+json"
#define CS_CTL_STRATEGIC_PATCH "application/strategic-merge-patch+json"
#define CS_CTL_JSON_PATCH      "application/json-patch+json"

typedef struct cs_ctl_resp {
	long code;
	cs_json *obj; /* parsed body, NULL if empty or not JSON */
	char *raw;    /* body text */
} cs_ctl_resp;

/* Sends body (may be NULL) as JSON.  Returns 0 when the server answered
 * (check cs_ctl_ok), -1 when it could not be reached; that error is
 * already printed. */
int cs_ctl_call(cs_ctl *c, const char *method, const char *path, const char *accept,
		const char *content_type, const cs_json *body, cs_ctl_resp *r);
bool cs_ctl_ok(const cs_ctl_resp *r);
void cs_ctl_resp_free(cs_ctl_resp *r);

/* The reason of a failed answer: the Status reason, else one derived from
 * the HTTP code ("NotFound" for 404). */
const char *cs_ctl_reason(const cs_ctl_resp *r);
/* Prints cs_ctl_error_text to stderr. */
void cs_ctl_print_error(const cs_ctl_resp *r);
/* The same with a context such as "error when creating \"web.yaml\": ". */
void cs_ctl_print_error_ctx(const cs_ctl_resp *r, const char *ctx);

/* The namespace a command acts in for type t: NULL for cluster-scoped
 * kinds and with -A where allowed. */
const char *cs_ctl_ns_for(cs_ctl *c, const cs_type *t);

/* What the user typed as a type ("po", "deployments.apps"), or NULL with
 * the kubectl error printed. */
const cs_type *cs_ctl_resolve_type(const char *name);

/* A collection path with the command's -l and --field-selector (plus
 * extra_fields, ANDed), and limit/continue when given. */
char *cs_ctl_list_path(cs_ctl *c, const cs_type *t, const char *ns, const char *extra_fields,
		       long limit, const char *cont);

/* Handles one page of a list (body may be NULL when it was not JSON);
 * returns 0, or -1 when the page is not the list it should be. */
typedef int (*cs_ctl_page_fn)(const cs_type *t, cs_json *body, void *arg);

/* Lists t in ns (NULL: all namespaces) with the command's selectors page by
 * page (--chunk-size), asking for accept (NULL: plain JSON), and hands each
 * page to fn.  *rv (when rv is given) receives the list's resourceVersion.
 * Returns 0, or 1 after printing the error. */
int cs_ctl_list_pages(cs_ctl *c, const cs_type *t, const char *ns, const char *extra_fields,
		      const char *accept, cs_ctl_page_fn fn, void *arg, char **rv);

/* Every object of t in ns (NULL: all namespaces) that the command's
 * selectors match, fetched page by page (--chunk-size), appended to items
 * with apiVersion and kind filled in.  *rv (when rv is given) receives the
 * list's resourceVersion.  Returns 0, or 1 after printing the error. */
int cs_ctl_list(cs_ctl *c, const cs_type *t, const char *ns, const char *extra_fields,
		cs_json *items, char **rv);

/* One object.  Returns 0 with *obj set; 404 when it does not exist (the
 * error printed unless quiet_404); 1 after printing any other error. */
int cs_ctl_get(cs_ctl *c, const cs_type *t, const char *ns, const char *name, bool quiet_404,
	       cs_json **obj);

/* Called by cs_ctl_each_target for one object: obj is NULL for a target
 * given by name, else the listed object.  Returns 0, or 1 after printing
 * the error. */
typedef int (*cs_ctl_each_fn)(cs_ctl *c, const cs_type *t, const char *ns, const char *name,
			      const cs_json *obj, void *arg);

/* Runs fn on every object the first nargs arguments (or -f) name: a named
 * one as it is, a collection object by object as -l (or, when all is set,
 * --all) selects them.  A collection without a selector stops the run with
 * kubectl's error.  Returns 0, or 1 when anything failed (printed). */
int cs_ctl_each_target(cs_ctl *c, size_t nargs, bool all, cs_ctl_each_fn fn, void *arg);

#endif
