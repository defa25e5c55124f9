#!/bin/bash
# Builds the Debian and RPM packages (make deb, make rpm) and checks what they
# ship: file lists, conffiles, modes, lintian, the pkg-config file with a
# vendor module built against it, and the unpacked capstand itself.
#   PACKAGES_PREBUILT=1  check build/packages as it is, build nothing
# Ends with "packaging: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
MAKE=${MAKE:-make}
OUT=build/packages
VERSION=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' Makefile)
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() {
	pass=$((pass + 1))
	echo "ok   $1"
}
bad() { # name, why
	fail=$((fail + 1))
	echo "FAIL $1: $2"
}
check() { # name, command...: passes when the command succeeds
	local name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		ok "$name"
	else
		bad "$name" "$(tail -n 12 "$tmp/out")"
	fi
}
has_line() { # file, extended regex: one whole line matches
	grep -qE "^($2)\$" "$1" || {
		echo "no line matching '$2' in $(basename "$1")"
		return 1
	}
}
one() { # glob: exactly one file
	local f
	f=$(compgen -G "$1")
	[ -n "$f" ] && [ "$(wc -l <<<"$f")" = 1 ] && echo "$f"
}

# What the tree says the packages must hold.
# (modules/common and modules/schedkit are code the controllers and the scheduler modules
# share, no modules of their own)
mapfile -t module_names < <(for d in modules/*/; do [ -d "$d" ] && [ "$d" != modules/common/ ] && [ "$d" != modules/schedkit/ ] && basename "$d"; done)
mapfile -t headers < <(cd sdk/include/capstan && ls -- *.h)
mapfile -t manpages < <(cd man && ls -- *.[0-9] 2>/dev/null)
sdk_man=capstan-module.7

if [ "${PACKAGES_PREBUILT:-0}" != 1 ]; then
	check "make deb" "$MAKE" -s deb
	check "make rpm" "$MAKE" -s rpm
fi

# ---- Debian ----
deb_main=$(one "$OUT/capstan_${VERSION}_*.deb")
deb_mods=$(one "$OUT/capstan-modules_${VERSION}_*.deb")
deb_dev=$(one "$OUT/capstan-dev_${VERSION}_all.deb")
if [ -z "$deb_main" ] || [ -z "$deb_mods" ] || [ -z "$deb_dev" ]; then
	bad "deb files" "expected capstan, capstan-modules, capstan-dev $VERSION in $OUT: $(ls $OUT)"
else
	ok "deb files"
	for d in "$deb_main" "$deb_mods" "$deb_dev"; do
		# "-rw-r--r-- root/root 123 2026-01-01 00:00 ./usr/sbin/capstand" -> mode owner path
		dpkg-deb -c "$d" | awk '{print $1, $2, $6}' >"$tmp/$(basename "$d").list"
	done
	L=$tmp/$(basename "$deb_main").list
	check "deb capstan: capstand" has_line "$L" '-rwxr-xr-x root/root \./usr/sbin/capstand'
	check "deb capstan: capctl" has_line "$L" '-rwxr-xr-x root/root \./usr/bin/capctl'
	check "deb capstan: capstan.conf" has_line "$L" '-rw-r--r-- root/root \./etc/capstan/capstan\.conf'
	check "deb capstan: systemd unit" has_line "$L" \
		'-rw-r--r-- root/root \./(usr/)?lib/systemd/system/capstand\.service'
	check "deb capstan: /var/lib/capstan" has_line "$L" 'd[rwx-]+ root/root \./var/lib/capstan/'
	for m in "${manpages[@]}"; do
		[ "$m" = "$sdk_man" ] && continue
		check "deb capstan: man page $m" has_line "$L" \
			"-rw-r--r-- root/root \./usr/share/man/man${m##*.}/${m//./\\.}\.gz"
	done
	dpkg-deb -I "$deb_main" conffiles >"$tmp/conffiles" 2>&1
	check "deb capstan: conffile marked" has_line "$tmp/conffiles" '/etc/capstan/capstan\.conf'
	check "deb capstan: version $VERSION" test "$(dpkg-deb -f "$deb_main" Version)" = "$VERSION"

	L=$tmp/$(basename "$deb_mods").list
	check "deb capstan-modules: module dir" has_line "$L" 'd[rwx-]+ root/root \./usr/lib/capstan/modules/'
	for m in "${module_names[@]}"; do
		# capstand loads only root-owned modules that nobody else can write.
		check "deb capstan-modules: $m.so" has_line "$L" \
			"-rw-r--r-- root/root \./usr/lib/capstan/modules/$m\.so"
	done
	check "deb capstan-modules: depends on capstan" \
		grep -q "capstan (= $VERSION)" <(dpkg-deb -f "$deb_mods" Depends)

	L=$tmp/$(basename "$deb_dev").list
	for h in "${headers[@]}"; do
		check "deb capstan-dev: $h" has_line "$L" "-rw-r--r-- root/root \./usr/include/capstan/$h"
	done
	check "deb capstan-dev: capstan-module.pc" has_line "$L" \
		'-rw-r--r-- root/root \./usr/share/pkgconfig/capstan-module\.pc'
	if [ -e "man/$sdk_man" ]; then
		check "deb capstan-dev: man page $sdk_man" has_line "$L" \
			'-rw-r--r-- root/root \./usr/share/man/man7/capstan-module\.7\.gz'
	fi
	for e in sdk/examples/*; do
		[ -e "$e" ] || continue
		check "deb capstan-dev: example $(basename "$e")" has_line "$L" \
			"[d-][rwx-]+ root/root \./usr/share/doc/capstan-dev/examples/$(basename "$e")/?"
	done

	# lintian: errors fail, warnings are shown.
	lintian --no-tag-display-limit "$deb_main" "$deb_mods" "$deb_dev" >"$tmp/lintian" 2>&1
	rc=$?
	grep -E '^[WE]: ' "$tmp/lintian"
	if grep -q '^E: ' "$tmp/lintian"; then
		bad "lintian" "$(grep -c '^E: ' "$tmp/lintian") error(s)"
	elif [ "$rc" -ne 0 ]; then
		bad "lintian" "exited $rc: $(head -c 600 "$tmp/lintian")"
	else
		ok "lintian: no errors"
	fi

	# The unpacked packages, as a machine would have them.
	root=$tmp/deb-root
	mkdir -p "$root"
	for d in "$deb_main" "$deb_mods" "$deb_dev"; do dpkg-deb -x "$d" "$root"; done
	check "deb: capstand --version" has_line <("$root/usr/sbin/capstand" --version 2>&1) \
		"capstand $VERSION"
	check "deb: shipped capstan.conf is valid" \
		"$root/usr/sbin/capstand" -c "$root/etc/capstan/capstan.conf" --check-config
	check "deb: capstand's module dir is the package's" \
		grep -qa '/usr/lib/capstan/modules' "$root/usr/sbin/capstand"
	unit=$(compgen -G "$root/*lib/systemd/system/capstand.service" | head -1)
	unit=${unit:-$root/lib/systemd/system/capstand.service}
	check "deb: unit is Type=notify" has_line "$unit" 'Type=notify'
	check "deb: unit delegates cgroups, kills only capstand" \
		bash -c "grep -qx Delegate=yes '$unit' && grep -qx KillMode=process '$unit'"
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
	check "deb: unit ExecStart $exe is packaged" test -x "$root$exe"
	pc=$root/usr/share/pkgconfig/capstan-module.pc
	pcq() { PKG_CONFIG_PATH=$root/usr/share/pkgconfig PKG_CONFIG_LIBDIR="" \
		pkg-config --define-variable=includedir="$root/usr/include" "$@" capstan-module; }
	check "deb: pkg-config moduledir" test "$(pcq --variable=moduledir)" = /usr/lib/capstan/modules
	check "deb: pkg-config version" test "$(pcq --modversion)" = "$VERSION"
	check "deb: pkg-config cflags" has_line <(pcq --cflags | tr ' ' '\n') '-fvisibility=hidden'
	check "deb: pkg-config no libs" test -z "$(pcq --libs | tr -d ' ')"
	# A vendor's module, built only from the packaged SDK: it must export
	# capstan_module and nothing else.
	cat >"$tmp/vendor.c" <<-'EOF'
		#include <capstan/module.h>
		int vendor_helper(void) { return 0; } /* hidden by -fvisibility=hidden */
		static int init(cs_mod *m) { (void)m; return vendor_helper(); }
		CS_MODULE_EXPORT const cs_module capstan_module = {
			CS_MODULE_HEADER, .name = "vendor", .version = "1", .description = "test",
			.kind = CS_KIND_CONTROLLER, .init = init,
		};
	EOF
	# shellcheck disable=SC2046 # the flags are words
	if [ -e "$pc" ] && cc $(pcq --cflags) -std=gnu11 -Wall -Werror -shared \
		-o "$tmp/vendor.so" "$tmp/vendor.c" >"$tmp/cc" 2>&1; then
		ok "deb: vendor module builds with pkg-config --cflags"
		check "deb: vendor module exports only capstan_module" has_line \
			<(nm -D --defined-only "$tmp/vendor.so" | awk '$2 != "A" {print $3}') 'capstan_module'
		check "deb: vendor module exports one symbol" test \
			"$(nm -D --defined-only "$tmp/vendor.so" | awk '$2 != "A"' | wc -l)" = 1
	else
		bad "deb: vendor module builds with pkg-config --cflags" "$(head -c 600 "$tmp/cc")"
	fi
fi

# ---- Installing them ----
# A real install changes the machine (/usr, /etc, dpkg's database), so it
# runs only where that is wanted: CI's throw-away machine sets
# CAPSTAN_TEST_INSTALL=1.  The packages go in with apt (dependencies from the
# mirror), the installed capstand starts from the shipped configuration and
# loads the root-owned packaged modules without --dev-modules, a vendor
# module builds against the installed SDK, and a purge removes it all.
if [ "${CAPSTAN_TEST_INSTALL:-0}" = 1 ] && [ -n "${deb_main:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		bad "deb install" "CAPSTAN_TEST_INSTALL=1 needs root"
	elif dpkg -s capstan >/dev/null 2>&1; then
		bad "deb install" "a capstan package is already installed; not touching it"
	else
		check "deb install: apt-get install the three packages" \
			env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			"./$deb_main" "./$deb_mods" "./$deb_dev"
		for p in capstan capstan-modules capstan-dev; do
			check "deb install: $p installed" has_line \
				<(dpkg-query -W -f '${Status}\n' "$p" 2>&1) 'install ok installed'
		done
		check "deb install: /etc/capstan/capstan.conf is valid" \
			/usr/sbin/capstand -c /etc/capstan/capstan.conf --check-config
		# The shipped configuration, a scratch data dir and port: the
		# modules come from /usr/lib/capstan/modules, trusted because
		# root owns them.
		CS_SUITE=packaging
		# shellcheck source=../lib.sh
		. tests/lib.sh
		CAPSTAND=/usr/sbin/capstand
		if cs_capstand_start "$tmp" -c /etc/capstan/capstan.conf; then
			ok "deb install: capstand starts from the installed files"
			hz=$(curl -s "http://127.0.0.1:$CAPSTAND_PORT/healthz?verbose")
			check "deb install: packaged sched-framework loaded" \
				grep -qx '\[+\]module sched-framework ok' <<<"$hz"
			check "deb install: packaged ctrl-replicaset loaded" \
				grep -qx '\[+\]module ctrl-replicaset ok' <<<"$hz"
			check "deb install: no --dev-modules trust relaxation" \
				bash -c "! grep -qi 'dev-modules' '$tmp/capstand.log'"
			cs_capstand_stop
		else
			bad "deb install: capstand starts from the installed files" \
				"$(tail -n 12 "$tmp/capstand.log")"
		fi
		# shellcheck disable=SC2046 # the flags are words
		check "deb install: vendor module builds with the installed pkg-config" \
			cc $(pkg-config --cflags capstan-module) -std=gnu11 -Wall -Werror -shared \
			-o "$tmp/vendor-installed.so" "$tmp/vendor.c"
		check "deb install: apt-get purge" env DEBIAN_FRONTEND=noninteractive \
			apt-get purge -y -q capstan-dev capstan-modules capstan
		check "deb install: purge removed capstand" test ! -e /usr/sbin/capstand
		check "deb install: purge removed the conffile" test ! -e /etc/capstan/capstan.conf
		check "deb install: purge removed the modules" test ! -e /usr/lib/capstan/modules
	fi
fi

# ---- RPM ----
libdir=$(rpm --eval '%{_libdir}' 2>/dev/null)
rpm_main=$(one "$OUT/capstan-$VERSION-*.rpm")
rpm_mods=$(one "$OUT/capstan-modules-$VERSION-*.rpm")
rpm_dev=$(one "$OUT/capstan-devel-$VERSION-*.rpm")
if [ -z "$rpm_main" ] || [ -z "$rpm_mods" ] || [ -z "$rpm_dev" ]; then
	bad "rpm files" "expected capstan, capstan-modules, capstan-devel $VERSION in $OUT: $(ls $OUT)"
else
	ok "rpm files"
	rl() { # mode owner path, like the deb lists
		rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}/%{FILEGROUPNAME} %{FILENAMES}\n]' "$1" \
			2>/dev/null
	}
	rl "$rpm_main" >"$tmp/rpm-main"
	rl "$rpm_mods" >"$tmp/rpm-mods"
	rl "$rpm_dev" >"$tmp/rpm-dev"
	L=$tmp/rpm-main
	check "rpm capstan: capstand" has_line "$L" '-rwxr-xr-x root/root /usr/sbin/capstand'
	check "rpm capstan: capctl" has_line "$L" '-rwxr-xr-x root/root /usr/bin/capctl'
	check "rpm capstan: capstan.conf" has_line "$L" '-rw-r--r-- root/root /etc/capstan/capstan\.conf'
	check "rpm capstan: systemd unit" has_line "$L" \
		'-rw-r--r-- root/root /usr/lib/systemd/system/capstand\.service'
	check "rpm capstan: /var/lib/capstan" has_line "$L" 'drwx------ root/root /var/lib/capstan'
	for m in "${manpages[@]}"; do
		[ "$m" = "$sdk_man" ] && continue
		check "rpm capstan: man page $m" has_line "$L" \
			"-rw-r--r-- root/root /usr/share/man/man${m##*.}/${m//./\\.}(\.gz)?"
	done
	check "rpm capstan: conffile marked" has_line <(rpm -qcp "$rpm_main" 2>/dev/null) \
		'/etc/capstan/capstan\.conf'
	check "rpm capstan: conffile noreplace" has_line \
		<(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm_main" 2>/dev/null) \
		'cn /etc/capstan/capstan\.conf'
	check "rpm capstan: version $VERSION" \
		test "$(rpm -qp --qf '%{VERSION}' "$rpm_main" 2>/dev/null)" = "$VERSION"

	L=$tmp/rpm-mods
	check "rpm capstan-modules: module dir" has_line "$L" "d[rwx-]+ root/root $libdir/capstan/modules"
	for m in "${module_names[@]}"; do
		check "rpm capstan-modules: $m.so" has_line "$L" \
			"-rw-r--r-- root/root $libdir/capstan/modules/$m\.so"
	done

	L=$tmp/rpm-dev
	for h in "${headers[@]}"; do
		check "rpm capstan-devel: $h" has_line "$L" "-rw-r--r-- root/root /usr/include/capstan/$h"
	done
	check "rpm capstan-devel: capstan-module.pc" has_line "$L" \
		"-rw-r--r-- root/root $libdir/pkgconfig/capstan-module\.pc"
	if [ -e "man/$sdk_man" ]; then
		check "rpm capstan-devel: man page $sdk_man" has_line "$L" \
			'-rw-r--r-- root/root /usr/share/man/man7/capstan-module\.7(\.gz)?'
	fi

	root=$tmp/rpm-root
	mkdir -p "$root"
	for r in "$rpm_main" "$rpm_mods" "$rpm_dev"; do
		rpm2archive - <"$r" | tar -xzf - -C "$root"
	done
	check "rpm: capstand --version" has_line <("$root/usr/sbin/capstand" --version 2>&1) \
		"capstand $VERSION"
	check "rpm: capstand's module dir is the package's" \
		grep -qa "$libdir/capstan/modules" "$root/usr/sbin/capstand"
	check "rpm: pkg-config moduledir" test "$(PKG_CONFIG_PATH=$root$libdir/pkgconfig PKG_CONFIG_LIBDIR="" \
		pkg-config --variable=moduledir capstan-module)" = "$libdir/capstan/modules"

	# rpm itself installs them (file conflicts, payload, scriptlets'
	# syntax) into a scratch root with its own database.  Their
	# dependencies name Fedora-style packages no Debian rpm database has,
	# hence --nodeps; scriptlets would need a shell inside that root.
	rroot=$tmp/rpm-install
	mkdir -p "$rroot"
	check "rpm: initdb in a scratch root" rpm --root "$rroot" --initdb
	check "rpm: rpm -i the three packages" rpm --root "$rroot" -i --nodeps --noscripts \
		"$rpm_main" "$rpm_mods" "$rpm_dev"
	check "rpm: all three registered" test \
		"$(rpm --root "$rroot" -qa 2>/dev/null | grep -c '^capstan')" = 3
	check "rpm: installed capstand runs" has_line \
		<("$rroot/usr/sbin/capstand" --version 2>&1) "capstand $VERSION"
	check "rpm: rpm -V finds the files intact" rpm --root "$rroot" -V --nodeps \
		capstan capstan-modules capstan-devel
	check "rpm: rpm -e removes them" rpm --root "$rroot" -e --nodeps --noscripts \
		capstan-devel capstan-modules capstan
	check "rpm: capstand gone after rpm -e" test ! -e "$rroot/usr/sbin/capstand"
fi

echo "packaging: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
