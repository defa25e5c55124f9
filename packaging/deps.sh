#!/bin/bash
# Installs capstan's Debian 12 build and test dependencies.
#   packaging/deps.sh              install everything (idempotent)
#   packaging/deps.sh --if-missing only touch apt when something is missing
set -euo pipefail

BUILD_PKGS="gcc make pkg-config libconfuse-dev libwebsockets-dev libyajl-dev libleveldb-dev
  libnl-3-dev libnl-route-3-dev libcap-dev libyaml-dev libcurl4-openssl-dev libcmocka-dev
  libjemalloc-dev"
TEST_PKGS="curl python3 etcd-server etcd-client clang libclang-rt-14-dev"
# --- packaging (packaging/packaging.mk, tests/packaging): begin ---
# libsystemd-dev: sd_notify (core/notify.c).  make deb: dpkg-dev, debhelper;
# make rpm: rpm (rpmbuild); tests/packaging: lintian.
BUILD_PKGS="$BUILD_PKGS libsystemd-dev"
TEST_PKGS="$TEST_PKGS dpkg-dev debhelper rpm lintian"
# The network driver module's tests run real CNI plugins in a network namespace.
TEST_PKGS="$TEST_PKGS containernetworking-plugins iproute2 abigail-tools"
# --- packaging: end ---
# kubectl 1.20 from Debian is the reference client for the API tests.  Some
# images already ship another kubectl at /usr/bin/kubectl, which makes the
# package fail to unpack; then it is unpacked under $KUBE_DIR instead.
KUBE_DIR=/opt/capstan-tools/kubernetes-client

missing() {
	local out=""
	for p in $BUILD_PKGS $TEST_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			out="$out $p"
	done
	echo "$out"
}

have_kubectl120() {
	dpkg-query -W -f='${Status}' kubernetes-client 2>/dev/null | grep -q "install ok installed" ||
		[ -x "$KUBE_DIR/usr/bin/kubectl" ]
}

need=$(missing)
if [ "${1:-}" = "--if-missing" ] && [ -z "$need" ] && have_kubectl120; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$need" ]; then
	echo "deps: installing$need"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

if ! have_kubectl120; then
	if [ -e /usr/bin/kubectl ] && ! dpkg -S /usr/bin/kubectl 2>/dev/null | grep -q kubernetes-client; then
		echo "deps: /usr/bin/kubectl belongs to another package; unpacking kubernetes-client into $KUBE_DIR"
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -qq kubernetes-client >/dev/null)
		$SUDO mkdir -p "$KUBE_DIR"
		$SUDO dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$KUBE_DIR"
		rm -rf "$tmp"
	else
		$SUDO apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
	fi
fi
echo "deps: all build and test dependencies present"
