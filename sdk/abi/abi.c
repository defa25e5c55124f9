/* The ABI probe: a shared object whose only purpose is to make every public
 * type of the SDK reachable from an exported function, so that abidw records
 * the full layout of each (members, offsets, sizes, function-pointer
 * signatures, enumerator values) and abidiff can compare it against the
 * committed baseline (sdk/abi/capstan-abi-1.abi, `make abi-check`).
 *
 * One function per type keeps abidiff's report readable: a change shows up
 * as "function void cs_abi_cs_host(const cs_host*)" with the offending
 * member underneath.  A type added to a header must get its function here,
 * or the check cannot see it.
 *
 * Macros are invisible to DWARF, so the ones whose value is part of the ABI
 * (buffer sizes, magic, status codes) are mirrored as enumerators of
 * cs_abi_const_values: changing one changes an enumerator value, which
 * abidiff reports.  CS_ABI_MINOR has an enum of its own, which the rules
 * treat differently (see below). */
#include <capstan/admission.h>
#include <capstan/controller.h>
#include <capstan/module.h>
#include <capstan/network.h>
#include <capstan/runtime.h>
#include <capstan/scheduler.h>
#include <capstan/storage.h>

#define CS_ABI_PROBE __attribute__((visibility("default"), used, noinline))

enum cs_abi_const_values {
	CS_ABI_C_ABI_MAJOR = CS_ABI_MAJOR,
	CS_ABI_C_MODULE_MAGIC = CS_MODULE_MAGIC,
	CS_ABI_C_NOT_FOUND = CS_NOT_FOUND,
	CS_ABI_C_CONFLICT = CS_CONFLICT,
	CS_ABI_C_INVALID = CS_INVALID,
	CS_ABI_C_UNAVAILABLE = CS_UNAVAILABLE,
	CS_ABI_C_DONE = CS_DONE,
	CS_ABI_C_RETRY = CS_RETRY,
	CS_ABI_C_SCHED_MAX_SCORE = CS_SCHED_MAX_SCORE,
	CS_ABI_C_RUNTIME_ID_MAX = CS_RUNTIME_ID_MAX,
	CS_ABI_C_VOLUME_ID_MAX = CS_VOLUME_ID_MAX,
};

/* The minor may only go up, and must when the ABI grows: abi_project.py
 * checks that against the baseline, allowed.suppr lets the value change. */
enum cs_abi_minor_value {
	CS_ABI_C_ABI_MINOR = CS_ABI_MINOR,
};

#define PROBE(fn, type)                                                                            \
	CS_ABI_PROBE void fn(type p);                                                              \
	CS_ABI_PROBE void fn(type p)                                                               \
	{                                                                                          \
		(void)p;                                                                           \
	}

PROBE(cs_abi_constants, enum cs_abi_const_values)
PROBE(cs_abi_minor, enum cs_abi_minor_value)

/* module.h */
PROBE(cs_abi_cs_module_kind, enum cs_module_kind)
PROBE(cs_abi_cs_opt_type, enum cs_opt_type)
PROBE(cs_abi_cs_obj_type, enum cs_obj_type)
PROBE(cs_abi_cs_patch_type, enum cs_patch_type)
PROBE(cs_abi_cs_verb, enum cs_verb)
PROBE(cs_abi_cs_metric_type, enum cs_metric_type)
PROBE(cs_abi_cs_log_level, enum cs_log_level)
PROBE(cs_abi_cs_option, const cs_option *)
PROBE(cs_abi_cs_module, const cs_module *)
PROBE(cs_abi_cs_mod, const cs_mod *)
PROBE(cs_abi_cs_host, const cs_host *)
PROBE(cs_abi_cs_object, const cs_object *)
PROBE(cs_abi_cs_error, const cs_error *)
PROBE(cs_abi_cs_request, const cs_request *)
PROBE(cs_abi_cs_done_fn, cs_done_fn)
PROBE(cs_abi_cs_informer, const cs_informer *)
PROBE(cs_abi_cs_informer_handlers, const cs_informer_handlers *)
PROBE(cs_abi_cs_visit_fn, cs_visit_fn)
PROBE(cs_abi_cs_queue, const cs_queue *)
PROBE(cs_abi_cs_work_fn, cs_work_fn)
PROBE(cs_abi_cs_timer, const cs_timer *)
PROBE(cs_abi_cs_call_fn, cs_call_fn)
PROBE(cs_abi_cs_metric, const cs_metric *)

/* scheduler.h */
PROBE(cs_abi_cs_sched_code, enum cs_sched_code)
PROBE(cs_abi_cs_sched_resources, const cs_sched_resources *)
PROBE(cs_abi_cs_sched_pod, const cs_sched_pod *)
PROBE(cs_abi_cs_sched_node, const cs_sched_node *)
PROBE(cs_abi_cs_sched_ctx, const cs_sched_ctx *)
PROBE(cs_abi_cs_scheduler_ops, const cs_scheduler_ops *)

/* controller.h */
PROBE(cs_abi_cs_controller_ops, const cs_controller_ops *)

/* runtime.h */
PROBE(cs_abi_cs_runtime_ops, const cs_runtime_ops *)

/* network.h */
PROBE(cs_abi_cs_net_attachment, const cs_net_attachment *)
PROBE(cs_abi_cs_network_ops, const cs_network_ops *)

/* storage.h */
PROBE(cs_abi_cs_volume_request, const cs_volume_request *)
PROBE(cs_abi_cs_storage_ops, const cs_storage_ops *)

/* admission.h (ABI 1.1) */
PROBE(cs_abi_cs_admission_op, enum cs_admission_op)
PROBE(cs_abi_cs_admission_request, const cs_admission_request *)
PROBE(cs_abi_cs_admission_ops, const cs_admission_ops *)
