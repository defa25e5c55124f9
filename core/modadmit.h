/* Admission modules (sdk/include/capstan/admission.h): the running ones,
 * and the calls the API server makes into them from its offload threads. */
#ifndef CS_MODADMIT_H
#define CS_MODADMIT_H

#include <stdbool.h>

#include "admission.h"
#include "json.h"
#include "status.h"

typedef struct cs_modadmit cs_modadmit;
struct cs_modinst;

/* True on a thread while it runs an admission module's callback: API calls
 * made from there skip module admission (admission.h explains why). */
extern __thread bool cs_modadmit_active;

cs_modadmit *cs_modadmit_new(void);
void cs_modadmit_free(cs_modadmit *a);
/* A started admission module joins the chain (at its end). */
void cs_modadmit_add(cs_modadmit *a, struct cs_modinst *mi);
/* Leaves the chain before it stops; returns once no call into it runs. */
void cs_modadmit_remove(cs_modadmit *a, struct cs_modinst *mi);
/* Whether any module admits this call (cheap; any thread). */
bool cs_modadmit_wants(cs_modadmit *a, const cs_admit_call *c);
/* Run one phase of the chain over doc (mutated in place by the mutate
 * phase).  Returns 0, or -1 with st set from the denying module's error. */
int cs_modadmit_run(cs_modadmit *a, const cs_admit_call *c, enum cs_admit_phase phase, cs_json *doc,
		    cs_status *st);

#endif
