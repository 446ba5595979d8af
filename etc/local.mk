## The sample configuration: installed once, never over an edited one.
EXTRA_DIST += etc/cloudpatrol.ini etc/cloudpatrol.service.in
cpconfdir = $(sysconfdir)/cloudpatrol

install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(cpconfdir)'
	if test -f '$(DESTDIR)$(cpconfdir)/cloudpatrol.ini'; then \
		echo "keeping $(DESTDIR)$(cpconfdir)/cloudpatrol.ini"; \
	else \
		$(INSTALL_DATA) '$(srcdir)/etc/cloudpatrol.ini' \
			'$(DESTDIR)$(cpconfdir)/cloudpatrol.ini'; \
	fi

uninstall-local:
	if test -f '$(DESTDIR)$(cpconfdir)/cloudpatrol.ini' && \
	    cmp -s '$(srcdir)/etc/cloudpatrol.ini' \
		'$(DESTDIR)$(cpconfdir)/cloudpatrol.ini'; then \
		rm -f '$(DESTDIR)$(cpconfdir)/cloudpatrol.ini'; \
	fi

## The systemd unit, with the configured paths (systemd also reads
## /usr/local/lib/systemd/system).
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = etc/cloudpatrol.service
CLEANFILES += etc/cloudpatrol.service
etc/cloudpatrol.service: $(srcdir)/etc/cloudpatrol.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && sed -e 's|@bindir[@]|$(bindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    -e 's|@localstatedir[@]|$(localstatedir)|g' \
	    '$(srcdir)/etc/cloudpatrol.service.in' >$@.tmp && mv $@.tmp $@

## The installed daemon, briefly, from the installed sample configuration
## as it is; its state goes where systemd would put it, $STATE_DIRECTORY
## (here under the build dir): it starts, answers status, and stops
## cleanly on SIGTERM.
installcheck-local: installcheck-daemon
installcheck-daemon:
	rm -rf daemon-installcheck && $(MKDIR_P) daemon-installcheck/state
	STATE_DIRECTORY="$$PWD/daemon-installcheck/state"; \
	export STATE_DIRECTORY; \
	cfg='$(cpconfdir)/cloudpatrol.ini'; \
	'$(bindir)/cloudpatrol' -c "$$cfg" portal add installcheck \
	    >/dev/null && \
	{ '$(bindir)/cloudpatrol' -c "$$cfg" daemon --foreground \
	    2>daemon-installcheck/log & pid=$$!; }; i=0; \
	until grep -q 'daemon: started' daemon-installcheck/log; do \
		i=$$((i + 1)); \
		if [ $$i -gt 100 ] || ! kill -0 $$pid 2>/dev/null; then \
			cat daemon-installcheck/log; exit 1; fi; \
		sleep 0.1; \
	done; \
	'$(bindir)/cloudpatrol' -c "$$cfg" status | \
	    grep -q "Daemon: running (pid $$pid)" || \
	    { kill $$pid; cat daemon-installcheck/log; exit 1; }; \
	test -f daemon-installcheck/state/cloudpatrol.db || \
	    { kill $$pid; echo "no store in \$$STATE_DIRECTORY"; exit 1; }; \
	kill -TERM $$pid; wait $$pid || { cat daemon-installcheck/log; \
	    exit 1; }; \
	grep -q 'daemon: stopped' daemon-installcheck/log || \
	    { cat daemon-installcheck/log; exit 1; }
	rm -rf daemon-installcheck
.PHONY: installcheck-daemon
