#!/usr/bin/env python3
"""Second half of the ABI check (abi-check.sh runs it after abidiff).

    abi_project.py BASELINE.abi NEW.abi allowed.suppr PROJECTED.abi

libabigail's has_data_member_inserted_at suppression accepts a growable
struct as long as nothing was deleted and every insertion is at the end; it
does not look at members whose type changed.  So NEW is projected onto the
baseline: every growable struct (the name_regexp of the suppression with
has_data_member_inserted_at = end in allowed.suppr) that grew is cut back to
its baseline size, and the CS_ABI_MINOR enumerator gets the baseline's
value.  abidiff of BASELINE against PROJECTED without suppressions must then
find nothing: the old prefix of every table is unchanged, member for member.

It also checks the minor version: it may not go down, and must go up when
the ABI grew (a struct got members, an enum got enumerators, a public type
was added: a probe function of abi.c the baseline lacks), since modules
use the minor to know which entries they may call without CS_HOST_HAS.

Prints one line per growth; exits 1 (after writing PROJECTED) when the minor
is wrong, 2 on bad input."""
import re
import sys
import xml.etree.ElementTree as ET

MINOR_ENUM = "cs_abi_minor_value"


def growable_regexps(suppr_path):
    """name_regexp of every [suppress_type] with has_data_member_inserted_at = end."""
    out, section = [], {}

    def flush():
        if section.get("has_data_member_inserted_at") == "end" and "name_regexp" in section:
            out.append(re.compile(section["name_regexp"]))

    with open(suppr_path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                flush()
                section = {}
            elif "=" in line:
                k, v = line.split("=", 1)
                section[k.strip()] = v.strip()
    flush()
    return out


def definitions(tree, tag):
    """name -> element for the complete (not declaration-only) types."""
    out = {}
    for e in tree.iter(tag):
        name = e.get("name")
        if name and e.get("is-declaration-only") != "yes":
            out.setdefault(name, e)
    return out


def minor_of(enums, path):
    e = enums.get(MINOR_ENUM)
    if e is None or e.find("enumerator") is None:
        sys.exit("abi_project: %s has no enum %s: not made from sdk/abi/abi.c?" % (path, MINOR_ENUM))
    return e.find("enumerator")


def main(argv):
    if len(argv) != 5:
        sys.exit("usage: abi_project.py BASELINE.abi NEW.abi allowed.suppr PROJECTED.abi")
    base_path, new_path, suppr_path, out_path = argv[1:]
    try:
        base, new = ET.parse(base_path), ET.parse(new_path)
    except (OSError, ET.ParseError) as e:
        print("abi_project: %s" % e, file=sys.stderr)
        return 2
    growable = growable_regexps(suppr_path)
    if not growable:
        print("abi_project: %s names no struct with has_data_member_inserted_at = end" % suppr_path,
              file=sys.stderr)
        return 2

    grew = []
    base_structs = definitions(base, "class-decl")
    for name, st in definitions(new, "class-decl").items():
        old = base_structs.get(name)
        if old is None or not any(r.search(name) for r in growable):
            continue
        old_bits, new_bits = int(old.get("size-in-bits", 0)), int(st.get("size-in-bits", 0))
        if new_bits <= old_bits:
            continue
        cut = [m for m in st.findall("data-member")
               if int(m.get("layout-offset-in-bits", 0)) >= old_bits]
        for m in cut:
            st.remove(m)
        st.set("size-in-bits", str(old_bits))
        grew.append("struct %s: %d -> %d bytes, %d member(s) appended"
                    % (name, old_bits // 8, new_bits // 8, len(cut)))

    # Probe functions of types the baseline does not have (abi.c has one
    # per public type): growth, and out of the projection.
    base_probes = {e.get("name") for e in base.iter("elf-symbol")}
    for parent in list(new.iter()):
        for child in list(parent):
            if child.tag not in ("elf-symbol", "function-decl"):
                continue
            name = child.get("name")
            if not name or not name.startswith("cs_abi_") or name in base_probes:
                continue
            parent.remove(child)
            if child.tag == "function-decl":
                grew.append("new public type probed by %s" % name)

    base_enums = definitions(base, "enum-decl")
    new_enums = definitions(new, "enum-decl")
    for name, en in new_enums.items():
        old = base_enums.get(name)
        if old is None or name.startswith("cs_abi_"):
            continue
        known = {e.get("name") for e in old.findall("enumerator")}
        added = [e.get("name") for e in en.findall("enumerator") if e.get("name") not in known]
        if added:
            grew.append("enum %s: added %s" % (name, ", ".join(added)))

    old_minor, new_minor = minor_of(base_enums, base_path), minor_of(new_enums, new_path)
    bmin, nmin = int(old_minor.get("value")), int(new_minor.get("value"))
    new_minor.set("value", str(bmin))
    new.write(out_path, encoding="unicode")

    for g in grew:
        print("abi: grew: " + g)
    if nmin < bmin:
        print("abi: CS_ABI_MINOR went down from %d (baseline) to %d: within a major it only grows"
              % (bmin, nmin))
        return 1
    if grew and nmin <= bmin:
        print("abi: the ABI grew but CS_ABI_MINOR is still %d (as in the baseline): raise it to %d, "
              "so that modules using the new entries declare it (cs_module.abi_minor)"
              % (nmin, bmin + 1))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
