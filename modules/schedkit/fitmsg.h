/* Kubernetes' FitError message, shared by the scheduler modules that
 * report why a pod fits no node. */
#ifndef SK_FITMSG_H
#define SK_FITMSG_H

#include <stddef.h>

/* "<prefix>0/<n> nodes are available: <COUNT REASON>, ... .[ <post>]" with
 * one "COUNT REASON" per distinct reasons[i] (i < n), sorted as text, as
 * Kubernetes' FitError.Error() words it.  prefix and post may be NULL.
 * Returns a malloc'd string, or NULL when out of memory. */
char *sk_fit_message(const char *prefix, size_t n, const char *const *reasons, const char *post);

#endif
