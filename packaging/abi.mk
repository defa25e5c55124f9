# ABI stability of the public SDK headers (included by the top-level
# Makefile).  Needs abigail-tools (abidw, abidiff) and python3.
#
#   make abi-check     the headers against sdk/abi/capstan-abi-<major>.abi
#                      (rules: sdk/abi/allowed.suppr), then the check's own
#                      test (sdk/abi/test_abi_check.sh); a few seconds
#   make abi-baseline  record the current ABI as the baseline of its major:
#                      refused when incompatible with the existing one
#                      unless ABI_FORCE=1 (see capstan-module(7))

.PHONY: abi-check abi-baseline

abi-check: $(BUILD)/.deps-ok
	@CC=$(CC) sdk/abi/abi-check.sh check -o $(BUILD)/abi
	@sdk/abi/test_abi_check.sh >$(BUILD)/abi/test.log 2>&1 || { cat $(BUILD)/abi/test.log; exit 1; }
	@tail -1 $(BUILD)/abi/test.log

abi-baseline: $(BUILD)/.deps-ok
	@CC=$(CC) ABI_FORCE=$(ABI_FORCE) sdk/abi/abi-check.sh baseline -o $(BUILD)/abi
