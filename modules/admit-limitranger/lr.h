/* admit-limitranger internals, shared by the files of the module only. */
#ifndef LR_H
#define LR_H

#include <capstan/module.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct lr_state {
	cs_informer *ranges; /* every LimitRange */
} lr_state;

/* ---- text.c: small string helpers ---- */

/* A set of resource names, kept sorted. */
typedef struct lr_names {
	char **v;
	size_t n;
} lr_names;
int lr_names_add(lr_names *s, const char *name); /* -1: out of memory */
void lr_names_free(lr_names *s);

/* A growing "; "-separated text. */
typedef struct lr_text {
	char *s;
	size_t len;
} lr_text;
/* Appends "a, b request for container web". */
int lr_note(lr_text *t, const lr_names *names, const char *kind, const char *what,
	    const char *container);
/* prefix + the text (malloc'd), or NULL. */
char *lr_text_take(lr_text *t, const char *prefix);
void lr_text_free(lr_text *t);

/* Collected error messages, joined as Kubernetes' aggregate errors. */
typedef struct lr_errors {
	char **v;
	size_t n;
} lr_errors;
int lr_errorf(lr_errors *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One message as is, several as "[a, b]"; malloc'd or NULL. */
char *lr_errors_join(const lr_errors *e);
void lr_errors_free(lr_errors *e);

/* path "." key, with the key's dots and backslashes escaped for obj_*
 * paths ("resources.limits" + "nvidia.com/gpu"); "" path: the key alone.
 * -1 when it does not fit. */
int lr_path(char *buf, size_t n, const char *path, const char *key);

/* ---- check.c: the bounds ---- */

/* Checks a new pod (or claim) against one LimitRange, adding the
 * violations to errs.  -1 only when out of memory. */
int lr_check_pod(const cs_host *h, const cs_object *lr, const cs_object *pod, lr_errors *errs);
int lr_check_pvc(const cs_host *h, const cs_object *lr, const cs_object *pvc, lr_errors *errs);

#endif
