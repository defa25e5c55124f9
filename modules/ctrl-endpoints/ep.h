/* ctrl-endpoints: shared declarations. */
#ifndef EP_H
#define EP_H

#include <capstan/controller.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctrlkit.h"

/* Kubernetes' maxCapacity: an Endpoints object holds at most this many
 * addresses; beyond it the object is truncated and annotated. */
#define EP_MAX_CAPACITY 1000

#define ANN_TRIGGER       "endpoints.kubernetes.io/last-change-trigger-time"
#define ANN_OVER_CAPACITY "endpoints.kubernetes.io/over-capacity"
#define LABEL_HEADLESS    "service.kubernetes.io/headless"

/* A Service's spec.selector (a map of labels) selects these labels. */
bool ep_selects(const cs_host *h, const cs_object *selector, const cs_object *labels);

/* ---- subsets.c: the subsets of one Service ---- */
typedef struct ep_build ep_build;

ep_build *ep_build_new(const cs_host *h);
void ep_build_free(ep_build *b);
/* Add the pod's address for one port of the service (port NULL: a
 * headless service without ports).  address is owned by the builder from
 * here on.  -1 when out of memory. */
int ep_build_add(ep_build *b, cs_object *address, const cs_object *port, bool ready);
/* Kubernetes' RepackSubsets: addresses grouped by the set of ports they
 * serve, sorted.  An owned array (possibly empty), NULL when out of
 * memory. */
cs_object *ep_build_subsets(ep_build *b);
/* Kubernetes' truncateEndpoints on an owned subsets array: true when it
 * held more than EP_MAX_CAPACITY addresses and was cut down. */
bool ep_truncate(const cs_host *h, cs_object *subsets);

#endif
