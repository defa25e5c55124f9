# make install, make deb, make rpm.  Included from the top-level Makefile,
# after its variables (PREFIX, DESTDIR, BINDIR, SBINDIR, LIBDIR, MODULEDIR,
# SYSCONFDIR, MANDIR, INCLUDEDIR, VERSION, BUILD, MODULES, MANPAGES) and its
# `all` target.

DATADIR      ?= $(PREFIX)/share
# capstan-module.pc names no library, so it is architecture-independent where
# MODULEDIR is (Debian: /usr/lib/capstan/modules); the RPM spec moves it to
# %{_libdir}/pkgconfig because its MODULEDIR is under lib64.
PKGCONFIGDIR ?= $(DATADIR)/pkgconfig
# systemd reads units from /usr/local/lib/systemd/system too, so a /usr/local
# install works; for /usr ask systemd where the distribution keeps them.
UNITDIR      ?= $(if $(filter /usr,$(PREFIX)),$(shell pkg-config --variable=systemdsystemunitdir \
                  systemd 2>/dev/null || echo /lib/systemd/system),$(PREFIX)/lib/systemd/system)
CS_ABI_MAJOR  = $(shell sed -n 's/^\#define CS_ABI_MAJOR[[:space:]]*\([0-9]*\).*/\1/p' \
                  sdk/include/capstan/module.h)

# Packages are built from a copy of the working tree (uncommitted work
# included), never from the checkout, so `make deb` leaves build/ alone.
PKG_WORK     := build/pkg
PKG_OUT      := build/packages
PKG_TARBALL  := $(PKG_WORK)/capstan-$(VERSION).tar.gz
# The package builds start a fresh make: nothing of this one may leak in.
PKG_ENV      := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u BUILD -u SANITIZE \
                  -u CFLAGS -u LDFLAGS -u DESTDIR -u PREFIX

.PHONY: install deb rpm packages package-test

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/capstan \
		$(DESTDIR)$(MODULEDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(INCLUDEDIR)/capstan \
		$(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(BUILD)/capstand $(DESTDIR)$(SBINDIR)/capstand
	install -m 0755 $(BUILD)/capctl $(DESTDIR)$(BINDIR)/capctl
	@# Modules are loaded only when root-owned and not group/world-writable.
	for m in $(MODULES); do install -m 0644 $$m $(DESTDIR)$(MODULEDIR)/ || exit 1; done
	@# A staged install (DESTDIR) always gets the file; a live one keeps the admin's.
	@conf=$(DESTDIR)$(SYSCONFDIR)/capstan/capstan.conf; \
	if [ -n "$(DESTDIR)" ] || [ ! -e "$$conf" ]; then \
		echo "install -m 0644 etc/capstan.conf $$conf"; \
		install -m 0644 etc/capstan.conf "$$conf"; \
	else \
		echo "install: keeping existing $$conf"; \
	fi
	sed -e 's|/usr/sbin/capstand|$(SBINDIR)/capstand|g' -e 's|/etc/capstan/|$(SYSCONFDIR)/capstan/|g' \
		etc/capstand.service > $(DESTDIR)$(UNITDIR)/capstand.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/capstand.service
	for m in $(MANPAGES); do s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s && \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; done
	install -m 0644 sdk/include/capstan/*.h $(DESTDIR)$(INCLUDEDIR)/capstan/
	@test -n "$(CS_ABI_MAJOR)" || { echo "install: no CS_ABI_MAJOR in module.h" >&2; exit 1; }
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@MODULEDIR@|$(MODULEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		-e 's|@ABI_MAJOR@|$(CS_ABI_MAJOR)|' packaging/capstan-module.pc.in \
		> $(DESTDIR)$(PKGCONFIGDIR)/capstan-module.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/capstan-module.pc

# The working tree minus build output and VCS data, under capstan-VERSION/.
# The transform renames members only (flag S): a symbolic link keeps its target.
$(PKG_TARBALL): FORCE
	@mkdir -p $(PKG_WORK)
	tar -czf $@ --exclude-vcs --exclude=./build --exclude=./build-san --exclude=./build-fuzz \
		--exclude=./run --sort=name --transform='s,^\.,capstan-$(VERSION),S' .

# dpkg-buildpackage on an unpacked copy; debian/changelog carries VERSION.
deb: $(PKG_TARBALL)
	rm -rf $(PKG_WORK)/deb $(PKG_OUT)/*.deb && mkdir -p $(PKG_WORK)/deb $(PKG_OUT)
	tar -xzf $(PKG_TARBALL) -C $(PKG_WORK)/deb
	cp -a packaging/debian $(PKG_WORK)/deb/capstan-$(VERSION)/debian
	printf '%s\n' "capstan ($(VERSION)) unstable; urgency=medium" "" \
		"  * capstan $(VERSION), built from the source tree by make deb." "" \
		" -- $$(sed -n 's/^Maintainer: //p' packaging/debian/control)  $$(date -R)" \
		> $(PKG_WORK)/deb/capstan-$(VERSION)/debian/changelog
	cd $(PKG_WORK)/deb/capstan-$(VERSION) && \
		$(PKG_ENV) DEB_BUILD_OPTIONS="parallel=$$(nproc) $$DEB_BUILD_OPTIONS" \
		dpkg-buildpackage -b -us -uc >../dpkg-buildpackage.log 2>&1 || \
		{ tail -40 ../dpkg-buildpackage.log; echo "deb: dpkg-buildpackage failed, log:" \
		  "$(PKG_WORK)/deb/dpkg-buildpackage.log" >&2; exit 1; }
	cp $(PKG_WORK)/deb/*.deb $(PKG_OUT)/
	@ls -1 $(PKG_OUT)/*.deb

# rpmbuild from Debian's rpm package: --nodeps because the BuildRequires name
# RPM packages that Debian's rpm database does not know.
rpm: $(PKG_TARBALL)
	rm -rf $(PKG_WORK)/rpm $(PKG_OUT)/*.rpm && mkdir -p $(PKG_WORK)/rpm/SOURCES $(PKG_OUT)
	cp $(PKG_TARBALL) $(PKG_WORK)/rpm/SOURCES/
	$(PKG_ENV) rpmbuild -bb --nodeps --define "_topdir $(abspath $(PKG_WORK)/rpm)" \
		--define "capstan_version $(VERSION)" --define "_smp_mflags -j$$(nproc)" \
		packaging/rpm/capstan.spec >$(PKG_WORK)/rpmbuild.log 2>&1 || \
		{ tail -40 $(PKG_WORK)/rpmbuild.log; echo "rpm: rpmbuild failed, log:" \
		  "$(PKG_WORK)/rpmbuild.log" >&2; exit 1; }
	cp $(PKG_WORK)/rpm/RPMS/*/*.rpm $(PKG_OUT)/
	@ls -1 $(PKG_OUT)/*.rpm

packages: deb rpm

package-test:
	@tests/packaging/test_packages.sh

FORCE:
