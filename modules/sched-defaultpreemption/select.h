/* sched-defaultpreemption: victim selection and the choice of a node, as
 * Kubernetes' SelectVictimsOnNode and pickOneNodeForPreemption -- pure
 * functions over the scheduler ABI's structures (no API call), shared by
 * preempt.c and the unit tests (tests/unit/test_sched_defaultpreemption.c).
 *
 * Scheduling thread only, like every plugin call. */
#ifndef PE_SELECT_H
#define PE_SELECT_H

#include <capstan/scheduler.h>
#include <stdbool.h>
#include <stdint.h>

#define PE_NO_VICTIMS "No preemption victims found for incoming pod"

/* Pods to delete from one node, most important first. */
typedef struct pe_victims {
	const cs_sched_pod **pods; /* owned array; the pods are the snapshot's */
	size_t n;
} pe_victims;

void pe_victims_free(pe_victims *v);

/* A pod's status.startTime in seconds since the epoch; `now` when it has
 * none (Kubernetes' GetPodStartTime). */
int64_t pe_start_time(const cs_host *h, const cs_sched_pod *p, int64_t now);

/* Kubernetes' MoreImportantPod: higher priority, then the earlier start. */
bool pe_more_important(const cs_host *h, const cs_sched_pod *a, const cs_sched_pod *b, int64_t now);

/* SelectVictimsOnNode without PodDisruptionBudgets: take every pod of lower
 * priority than pod off node; if pod then passes the filters
 * (c->run_filters), put them back one by one, the most important first,
 * keeping back each one with which it still passes; the others are the
 * victims.  Returns
 *   CS_SCHED_OK            *out holds at least one victim (free it);
 *   CS_SCHED_UNRESOLVABLE  no pod of lower priority (*why PE_NO_VICTIMS);
 *   CS_SCHED_UNSCHEDULABLE / UNRESOLVABLE from the filters with every
 *                          lower-priority pod gone (*why their reason);
 *   CS_SCHED_ERROR         out of memory, a filter failed, or the pod
 *                          fits with no victim at all (*why says which). */
int pe_select_victims(const cs_host *h, cs_sched_ctx *c, const cs_sched_pod *pod,
		      const cs_sched_node *node, int64_t now, pe_victims *out, const char **why);

typedef struct pe_candidate {
	const cs_sched_node *node;
	pe_victims victims;
} pe_candidate;

/* pickOneNodeForPreemption, but the PodDisruptionBudget step (there are no
 * PDBs): the lowest priority of the most important victim, then the
 * smallest sum of victim priorities, then the fewest victims, then the
 * latest start among the victims of the highest priority; the first of the
 * candidates wins a tie.  n >= 1; returns an index. */
size_t pe_pick(const cs_host *h, const pe_candidate *cands, size_t n, int64_t now);

#endif
