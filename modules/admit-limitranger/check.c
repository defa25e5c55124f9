/* The bounds of a LimitRange (min, max, maxLimitRequestRatio) applied to
 * containers, pods and claims, with Kubernetes' messages.  Amounts are
 * compared in thousandths when all of them fit, else in whole units, as
 * Kubernetes' requestLimitEnforcedValues does. */
#include <stdio.h>
#include <string.h>

#include "lr.h"

/* One amount of a ResourceList: its text and value. */
typedef struct amount {
	bool present;
	const char *text;
	int64_t milli, units;
	bool milli_ok, units_ok;
	char buf[32]; /* text of a computed amount */
} amount;

static amount get(const cs_host *h, const cs_object *list, const char *res)
{
	amount a = {0};
	char p[256];
	if (!list || lr_path(p, sizeof(p), "", res) < 0)
		return a;
	const cs_object *q = h->obj_get(list, p);
	if (!q)
		return a;
	a.present = true;
	a.text = h->obj_str(q, NULL);
	if (!a.text && h->obj_type(q) == CS_OBJ_NUMBER) {
		snprintf(a.buf, sizeof(a.buf), "%.17g", h->obj_num(q, NULL, 0));
		a.text = a.buf;
	}
	if (a.text) {
		a.milli_ok = h->quantity(a.text, true, &a.milli) == 0;
		a.units_ok = h->quantity(a.text, false, &a.units) == 0;
	}
	return a;
}

/* A computed amount (a pod's total), given in thousandths. */
static amount of_milli(int64_t milli)
{
	amount a = {.present = true, .milli = milli, .milli_ok = true};
	a.units = milli / 1000 + (milli % 1000 > 0);
	a.units_ok = true;
	if (milli % 1000)
		snprintf(a.buf, sizeof(a.buf), "%lldm", (long long)milli);
	else
		snprintf(a.buf, sizeof(a.buf), "%lld", (long long)(milli / 1000));
	a.text = a.buf;
	return a;
}

/* The comparable values of request, limit and the enforced bound. */
static void values(const amount *req, const amount *lim, const amount *enf, int64_t *r, int64_t *l,
		   int64_t *e)
{
	bool milli = (!req->present || req->milli_ok) && (!lim->present || lim->milli_ok) &&
		     enf->milli_ok;
	*r = milli ? req->milli : req->units;
	*l = milli ? lim->milli : lim->units;
	*e = milli ? enf->milli : enf->units;
}

static int min_constraint(lr_errors *errs, const char *type, const char *res, const amount *enf,
			  const amount *req, const amount *lim)
{
	int64_t r, l, e;
	values(req, lim, enf, &r, &l, &e);
	if (!req->present)
		return lr_errorf(errs, "minimum %s usage per %s is %s.  No request is specified",
				 res, type, enf->text);
	if (r < e)
		return lr_errorf(errs, "minimum %s usage per %s is %s, but request is %s", res,
				 type, enf->text, req->text);
	if (lim->present && l < e)
		return lr_errorf(errs, "minimum %s usage per %s is %s, but limit is %s", res, type,
				 enf->text, lim->text);
	return 0;
}

static int max_constraint(lr_errors *errs, const char *type, const char *res, const amount *enf,
			  const amount *req, const amount *lim)
{
	int64_t r, l, e;
	values(req, lim, enf, &r, &l, &e);
	if (!lim->present)
		return lr_errorf(errs, "maximum %s usage per %s is %s.  No limit is specified", res,
				 type, enf->text);
	if (l > e)
		return lr_errorf(errs, "maximum %s usage per %s is %s, but limit is %s", res, type,
				 enf->text, lim->text);
	if (req->present && r > e)
		return lr_errorf(errs, "maximum %s usage per %s is %s, but request is %s", res,
				 type, enf->text, req->text);
	return 0;
}

static int ratio_constraint(lr_errors *errs, const char *type, const char *res, const amount *enf,
			    const amount *req, const amount *lim)
{
	int64_t r, l, e;
	values(req, lim, enf, &r, &l, &e);
	if (!req->present || r == 0)
		return lr_errorf(errs,
				 "%s max limit to request ratio per %s is %s, but no request is "
				 "specified or request is 0",
				 res, type, enf->text);
	if (!lim->present || l == 0)
		return lr_errorf(errs,
				 "%s max limit to request ratio per %s is %s, but no limit is "
				 "specified or limit is 0",
				 res, type, enf->text);
	double observed = (double)l / (double)r;
	/* The bound in thousandths when it fits, for fractional ratios. */
	double bound = enf->milli_ok ? (double)enf->milli / 1000.0 : (double)enf->units;
	if (observed > bound)
		return lr_errorf(errs,
				 "%s max limit to request ratio per %s is %s, but provided ratio "
				 "is %f",
				 res, type, enf->text, observed);
	return 0;
}

/* min, max and ratio of one item against one request/limit pair. */
typedef amount (*lookup_fn)(const cs_host *h, const void *ctx, const char *which, const char *res);

static int check_item(const cs_host *h, const cs_object *item, const char *type, lookup_fn look,
		      const void *ctx, lr_errors *errs)
{
	static const char *const keys[] = {"min", "max", "maxLimitRequestRatio"};
	for (size_t k = 0; k < 3; k++) {
		const cs_object *bounds = h->obj_get(item, keys[k]);
		for (size_t i = 0; i < h->obj_len(bounds); i++) {
			const char *res = h->obj_key_at(bounds, i);
			amount enf = get(h, bounds, res);
			if (!enf.text || (!enf.milli_ok && !enf.units_ok))
				continue; /* validation refused such LimitRanges */
			amount req = look(h, ctx, "requests", res);
			amount lim = look(h, ctx, "limits", res);
			int rc = k == 0   ? min_constraint(errs, type, res, &enf, &req, &lim)
				 : k == 1 ? max_constraint(errs, type, res, &enf, &req, &lim)
					  : ratio_constraint(errs, type, res, &enf, &req, &lim);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- containers ---- */

static amount container_amount(const cs_host *h, const void *ctx, const char *which,
			       const char *res)
{
	const cs_object *c = ctx;
	char p[32];
	snprintf(p, sizeof(p), "resources.%s", which);
	return get(h, h->obj_get(c, p), res);
}

/* ---- pods: the sum over containers, at least the largest init
 * container (Kubernetes' podRequests / podLimits) ---- */

struct pod_ctx {
	const cs_object *pod;
};

static amount pod_amount(const cs_host *h, const void *ctx, const char *which, const char *res)
{
	const struct pod_ctx *pc = ctx;
	int64_t sum = 0, init_max = 0;
	bool any = false;
	static const char *const lists[] = {"spec.containers", "spec.initContainers"};
	for (size_t l = 0; l < 2; l++) {
		const cs_object *cs = h->obj_get(pc->pod, lists[l]);
		for (size_t i = 0; i < h->obj_len(cs); i++) {
			amount a = container_amount(h, h->obj_at(cs, i), which, res);
			if (!a.present || !a.milli_ok)
				continue;
			any = true;
			if (l == 0)
				sum += a.milli;
			else if (a.milli > init_max)
				init_max = a.milli;
		}
	}
	if (!any)
		return (amount){0};
	return of_milli(sum > init_max ? sum : init_max);
}

int lr_check_pod(const cs_host *h, const cs_object *lr, const cs_object *pod, lr_errors *errs)
{
	const cs_object *items = h->obj_get(lr, "spec.limits");
	for (size_t i = 0; i < h->obj_len(items); i++) {
		const cs_object *it = h->obj_at(items, i);
		const char *type = h->obj_str(it, "type");
		if (type && !strcmp(type, "Container")) {
			static const char *const lists[] = {"spec.containers",
							    "spec.initContainers"};
			for (size_t l = 0; l < 2; l++) {
				const cs_object *cs = h->obj_get(pod, lists[l]);
				for (size_t c = 0; c < h->obj_len(cs); c++)
					if (check_item(h, it, "Container", container_amount,
						       h->obj_at(cs, c), errs) < 0)
						return -1;
			}
		} else if (type && !strcmp(type, "Pod")) {
			struct pod_ctx pc = {pod};
			if (check_item(h, it, "Pod", pod_amount, &pc, errs) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- claims: storage requests ---- */

static amount claim_amount(const cs_host *h, const void *ctx, const char *which, const char *res)
{
	/* A claim has requests only; its "limit" for max is the request. */
	const cs_object *pvc = ctx;
	(void)which;
	return get(h, h->obj_get(pvc, "spec.resources.requests"), res);
}

int lr_check_pvc(const cs_host *h, const cs_object *lr, const cs_object *pvc, lr_errors *errs)
{
	const cs_object *items = h->obj_get(lr, "spec.limits");
	for (size_t i = 0; i < h->obj_len(items); i++) {
		const cs_object *it = h->obj_at(items, i);
		const char *type = h->obj_str(it, "type");
		if (!type || strcmp(type, "PersistentVolumeClaim"))
			continue;
		static const char *const keys[] = {"min", "max"};
		for (size_t k = 0; k < 2; k++) {
			const cs_object *bounds = h->obj_get(it, keys[k]);
			for (size_t j = 0; j < h->obj_len(bounds); j++) {
				const char *res = h->obj_key_at(bounds, j);
				amount enf = get(h, bounds, res);
				amount req = claim_amount(h, pvc, "requests", res);
				amount none = {0};
				int rc;
				if (k == 0) {
					rc = min_constraint(errs, "PersistentVolumeClaim", res,
							    &enf, &req, &none);
				} else {
					int64_t r, l, e;
					values(&req, &none, &enf, &r, &l, &e);
					rc = req.present && r > e
						     ? lr_errorf(errs,
								 "maximum %s usage per "
								 "PersistentVolumeClaim is %s, but "
								 "request is %s",
								 res, enf.text, req.text)
						     : 0;
				}
				if (rc < 0)
					return -1;
			}
		}
	}
	return 0;
}
