/* What a command acts on, from -f manifests or from the kubectl argument
 * forms: "TYPE", "TYPE NAME...", "TYPE/NAME...", "TYPE1,TYPE2 [NAME...]". */
#ifndef CS_CTL_TARGET_H
#define CS_CTL_TARGET_H

#include "capctl.h"
#include "json.h"
#include "types.h"

typedef struct cs_ctl_target {
	const cs_type *t;
	char *ns;     /* NULL: cluster-scoped kind, or every namespace (-A) */
	char *name;   /* NULL: the collection (selectors apply) */
	cs_json *obj; /* the manifest object for -f, else NULL */
	char *source; /* its file */
} cs_ctl_target;

typedef struct cs_ctl_targets {
	cs_ctl_target *v;
	size_t n;
} cs_ctl_targets;

/* Fills out from -f when given (then args must be empty), else from args.
 * An empty args list gives no targets.  Errors are printed; returns 0, or
 * 1 (the exit status) with out empty. */
int cs_ctl_targets_get(cs_ctl *c, char **args, size_t nargs, cs_ctl_targets *out);
void cs_ctl_targets_free(cs_ctl_targets *ts);

/* The namespace a manifest object goes to (NULL for cluster-scoped kinds):
 * its metadata.namespace, else the command's.  Fails (printed) when -n
 * names another one, as kubectl does. */
int cs_ctl_object_ns(cs_ctl *c, const cs_type *t, const cs_json *obj, const char *source,
		     char **ns);

#endif
