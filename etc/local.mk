## The sample configuration: installed once, never over an edited one.
EXTRA_DIST += etc/cloudpatrol.ini
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
