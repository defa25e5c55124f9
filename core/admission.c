/* Mutating admission that Kubernetes' API server enables by default and
 * that changes what other components see: DefaultTolerationSeconds.
 *
 * Every new pod that does not already tolerate them gets NoExecute
 * tolerations of node.kubernetes.io/not-ready and
 * node.kubernetes.io/unreachable for 300 seconds, so that the node
 * lifecycle controller's taints evict it five minutes after its node is
 * lost rather than at once. */
#include <string.h>

#include "json.h"
#include "types.h"

#define DEFAULT_TOLERATION_SECONDS 300

/* A toleration covers key's NoExecute taint whatever its value: an empty
 * key (with operator Exists) tolerates every key, an empty effect every
 * effect.  As the admission plugin, only key and effect are looked at. */
static bool tolerates(const cs_json *tols, const char *key)
{
	for (size_t i = 0; i < cs_json_len(tols); i++) {
		const cs_json *t = cs_json_at(tols, i);
		const char *k = cs_json_get_str(t, "key");
		const char *e = cs_json_get_str(t, "effect");
		if ((!k || !*k || !strcmp(k, key)) && (!e || !*e || !strcmp(e, "NoExecute")))
			return true;
	}
	return false;
}

static cs_json *toleration(const char *key)
{
	cs_json *t = cs_json_object();
	cs_json_set(t, "key", cs_json_string(key));
	cs_json_set(t, "operator", cs_json_string("Exists"));
	cs_json_set(t, "effect", cs_json_string("NoExecute"));
	cs_json_set(t, "tolerationSeconds", cs_json_int(DEFAULT_TOLERATION_SECONDS));
	return t;
}

static void default_toleration_seconds(cs_json *pod)
{
	cs_json *spec = cs_json_get(pod, "spec");
	if (!cs_json_is(spec, CS_JSON_OBJECT))
		return; /* validation reports it */
	cs_json *tols = cs_json_get(spec, "tolerations");
	if (tols && !cs_json_is(tols, CS_JSON_ARRAY))
		return;
	static const char *const keys[] = {"node.kubernetes.io/not-ready",
					   "node.kubernetes.io/unreachable"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		if (tolerates(tols, keys[i]))
			continue;
		if (!tols) {
			tols = cs_json_array();
			cs_json_set(spec, "tolerations", tols);
		}
		cs_json_push(tols, toleration(keys[i]));
	}
}

void cs_type_admit(const cs_type *t, cs_json *obj)
{
	if (!strcmp(t->kind, "Pod") && !strcmp(t->group, ""))
		default_toleration_seconds(obj);
}
