/* Kubernetes' label and node selectors over cs_objects, shared by the
 * scheduler plugins that need them (sched-nodeaffinity,
 * sched-podtopologyspread, sched-interpodaffinity).  Modules link nothing
 * but their own directory, so the others carry symbolic links to these
 * two files: one implementation, compiled into each .so with hidden
 * visibility. */
#ifndef SCHED_K8SSEL_H
#define SCHED_K8SSEL_H

#include <capstan/scheduler.h>
#include <stdbool.h>

/* The value of label key in a labels map (metadata.labels), or NULL.
 * Keys contain dots ("topology.kubernetes.io/zone"), so the map is walked
 * rather than addressed by path. */
const char *ks_label(const cs_host *h, const cs_object *labels, const char *key);

/* The value of label key on the node: from the labels the framework parsed
 * (ABI 1.1), else from its object. */
const char *ks_node_label(const cs_host *h, const cs_sched_node *node, const char *key);

/* The node's labels one by one, in no particular order: how many, and the
 * i-th (*k NULL past the end). */
size_t ks_node_nlabels(const cs_host *h, const cs_sched_node *node);
void ks_node_label_at(const cs_host *h, const cs_sched_node *node, size_t i, const char **k,
		      const char **v);

/* The node's taints: the framework's (ABI 1.1), else read from its object
 * into *scratch (free() it after; NULL when not needed).  -1 when out of
 * memory. */
long ks_node_taints(const cs_host *h, const cs_sched_node *node, const cs_sched_taint **out,
		    cs_sched_taint **scratch);

/* metav1.LabelSelector: matchLabels and matchExpressions (In, NotIn,
 * Exists, DoesNotExist), ANDed.  A NULL selector matches nothing, an empty
 * one everything, as LabelSelectorAsSelector makes them; a malformed one
 * (unknown operator, In without values) matches nothing. */
bool ks_selector_matches(const cs_host *h, const cs_object *sel, const cs_object *labels);

/* v1.NodeSelectorTerm: matchExpressions on the node's labels (In, NotIn,
 * Exists, DoesNotExist, Gt, Lt) and matchFields on metadata.name (In,
 * NotIn), all ANDed.  An empty term, or one with an invalid requirement,
 * matches nothing. */
bool ks_node_term_matches(const cs_host *h, const cs_object *term, const cs_sched_node *node);

/* The pod's spec.nodeSelector and
 * spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
 * (terms ORed) both hold on the node: Kubernetes' RequiredNodeAffinity. */
bool ks_pod_fits_node(const cs_host *h, const cs_object *pod, const cs_sched_node *node);

/* Every NoSchedule and NoExecute taint of the node is tolerated by the
 * pod's spec.tolerations (Kubernetes' Toleration.ToleratesTaint); false
 * when out of memory. */
bool ks_taints_tolerated(const cs_host *h, const cs_object *pod, const cs_sched_node *node);

/* The pod counts in spreading and affinity: not being deleted (from its
 * parsed fields, ABI 1.1, or its object). */
bool ks_pod_live(const cs_host *h, const cs_sched_pod *pod);

/* The value of label key on the pod, parsed (ABI 1.1) or from its object. */
const char *ks_pod_label(const cs_host *h, const cs_sched_pod *pod, const char *key);

/* A requirement of a label selector or node selector term, compiled. */
enum ks_op { KS_IN, KS_NOT_IN, KS_EXISTS, KS_DOES_NOT_EXIST, KS_GT, KS_LT };
typedef struct ks_req {
	const char *key;
	enum ks_op op;
	const char **values; /* borrowed from the selector */
	size_t nvalues;
	long long num; /* Gt, Lt */
	bool field;    /* a node term's matchFields on metadata.name */
} ks_req;

/* A metav1.LabelSelector compiled once and matched against many pods
 * (ks_selector_matches' semantics). */
typedef struct ks_sel {
	ks_req *reqs;
	size_t n;
	bool none; /* NULL or malformed: matches nothing */
} ks_sel;

/* -1 when out of memory (*out is then empty and matches nothing). */
int ks_sel_compile(const cs_host *h, const cs_object *sel, ks_sel *out);
void ks_sel_free(ks_sel *s);
bool ks_sel_matches_pod(const cs_host *h, const ks_sel *s, const cs_sched_pod *pod);

/* A v1.NodeSelectorTerm compiled once and matched against many nodes
 * (ks_node_term_matches' semantics). */
typedef struct ks_nterm {
	ks_req *reqs;
	size_t n;
	bool never; /* empty, or a requirement that is not valid */
} ks_nterm;

/* The pod's spec.nodeSelector and required node affinity, compiled
 * (ks_pod_fits_node's semantics). */
typedef struct ks_nodesel {
	const char **keys, **values; /* nodeSelector */
	size_t nsel;
	bool sel_never;  /* a nodeSelector value that is not a string */
	bool required;   /* required node affinity is set */
	ks_nterm *terms; /* ORed */
	size_t nterms;
} ks_nodesel;

/* -1 when out of memory (*out then matches nothing / fits nowhere). */
int ks_nterm_compile(const cs_host *h, const cs_object *term, ks_nterm *out);
void ks_nterm_free(ks_nterm *t);
bool ks_nterm_matches(const cs_host *h, const ks_nterm *t, const cs_sched_node *node);
int ks_nodesel_compile(const cs_host *h, const cs_object *pod, ks_nodesel *out);
void ks_nodesel_free(ks_nodesel *s);
bool ks_nodesel_fits(const cs_host *h, const ks_nodesel *s, const cs_sched_node *node);

#endif
