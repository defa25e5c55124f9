/* Internal to validate*.c and defaults.c: the field-error collector that
 * mirrors Kubernetes' field.ErrorList, typed accessors that report JSON
 * type mismatches, and the per-area validators.  Not a public contract. */
#ifndef CS_VALIDATE_INT_H
#define CS_VALIDATE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "status.h"
#include "types.h"

#define CS_VPATH 512

typedef struct cs_verr {
	const char *reason; /* FieldValueRequired, ... (static) */
	char *field;
	char *body; /* ErrorBody(): "Required value", "Invalid value: \"x\": ..." */
} cs_verr;

typedef struct cs_vctx {
	cs_verr *errs;
	size_t len, cap;
} cs_vctx;

/* printf into a path buffer of CS_VPATH bytes; returns buf. */
const char *cs_vpath(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Error constructors, one per Kubernetes field error type.  `detail` may be
 * NULL or "" for none.  Values are rendered as Go's field errors do:
 * strings quoted, numbers bare, other JSON as its text. */
void cs_v_required(cs_vctx *v, const char *field, const char *detail);
void cs_v_invalid(cs_vctx *v, const char *field, const cs_json *value, const char *detail);
void cs_v_invalid_s(cs_vctx *v, const char *field, const char *value, const char *detail);
void cs_v_invalid_i(cs_vctx *v, const char *field, int64_t value, const char *detail);
/* Value printed verbatim (already rendered, e.g. a Go struct). */
void cs_v_invalid_raw(cs_vctx *v, const char *field, const char *value, const char *detail);
/* Invalid without a value (for secrets). */
void cs_v_invalid_novalue(cs_vctx *v, const char *field, const char *detail);
/* valid: NULL-terminated list, in the order Kubernetes prints it. */
void cs_v_unsupported(cs_vctx *v, const char *field, const char *value, const char *const *valid);
void cs_v_duplicate_s(cs_vctx *v, const char *field, const char *value);
void cs_v_forbidden(cs_vctx *v, const char *field, const char *detail);
void cs_v_too_long(cs_vctx *v, const char *field, long max);
void cs_v_not_found_s(cs_vctx *v, const char *field, const char *value);
/* A value of the wrong JSON type (Kubernetes rejects these while decoding). */
void cs_v_type(cs_vctx *v, const char *field, const cs_json *value, const char *want);

/* Typed member access.  Absent or null members read as absent; a member of
 * another type is reported (at parent.key) and also reads as absent. */
const char *cs_v_str(cs_vctx *v, const cs_json *o, const char *parent, const char *key);
bool cs_v_int(cs_vctx *v, const cs_json *o, const char *parent, const char *key, int64_t *out);
bool cs_v_bool(cs_vctx *v, const cs_json *o, const char *parent, const char *key, bool *out);
const cs_json *cs_v_obj(cs_vctx *v, const cs_json *o, const char *parent, const char *key);
const cs_json *cs_v_arr(cs_vctx *v, const cs_json *o, const char *parent, const char *key);
/* Present and not null. */
bool cs_v_present(const cs_json *o, const char *key);

/* Common checks (messages as Kubernetes' apimachinery validation). */
const char *cs_check_dns1035_label(const char *s);
const char *cs_check_env_var_name(const char *s);
const char *cs_check_config_key(const char *s);
/* IANA_SVC_NAME; reports every violated rule at field. */
void cs_v_port_name(cs_vctx *v, const char *field, const char *name);
void cs_v_port_num(cs_vctx *v, const char *field, int64_t port);
/* int port or IANA port name; value is the member itself. */
void cs_v_port_num_or_name(cs_vctx *v, const char *field, const cs_json *value);
void cs_v_nonneg(cs_vctx *v, const char *field, int64_t n);
bool cs_v_is_ip(const char *s);
void cs_v_labels(cs_vctx *v, const cs_json *labels, const char *field);
void cs_v_annotations(cs_vctx *v, const cs_json *ann, const char *field);
/* A label selector object: syntax via core/selector.c, causes prefixed by
 * field.  Returns the parsed selector (caller frees) or NULL if invalid. */
struct cs_selector *cs_v_selector(cs_vctx *v, const cs_json *sel, const char *field);
/* Go's %#v of a map[string]string or metav1.LabelSelector, for messages
 * that print those values; malloc'd. */
char *cs_v_go_labels(const cs_json *labels);
char *cs_v_go_selector(const cs_json *sel);
/* A quantity member (string or number); true with *out when valid. */
bool cs_v_quantity(cs_vctx *v, const cs_json *q, const char *field, long double *out);

/* Area validators. */
/* claims: a StatefulSet's volumeClaimTemplates, whose names containers
 * may mount like volumes (NULL elsewhere). */
void cs_v_pod_spec(cs_vctx *v, const cs_json *spec, const char *path, const cs_json *claims);
void cs_v_pod_template(cs_vctx *v, const cs_json *tmpl, const char *path, const cs_json *claims);
void cs_v_pvc_spec(cs_vctx *v, const cs_json *spec, const char *path);
/* Enum member: Required when empty (if required), NotSupported outside valid. */
void cs_v_enum(cs_vctx *v, const cs_json *o, const char *parent, const char *key,
	       const char *const *valid, bool required);
bool cs_v_one_of(const char *s, const char *const *set);
void cs_v_pod_update(cs_vctx *v, const cs_json *spec, const cs_json *old_spec);
void cs_v_tolerations(cs_vctx *v, const cs_json *tols, const char *path);
void cs_v_resources(cs_vctx *v, const cs_json *res, const char *path);
void cs_v_workload(cs_vctx *v, const cs_type *t, const cs_json *obj, const cs_json *old);
/* validate_policy.c */
void cs_v_priorityclass(cs_vctx *v, const cs_json *obj, const cs_json *old);
void cs_v_resourcequota(cs_vctx *v, const cs_json *obj);
void cs_v_limitrange(cs_vctx *v, const cs_json *obj);
void cs_v_controllerrevision(cs_vctx *v, const cs_json *obj, const cs_json *old);

#endif
