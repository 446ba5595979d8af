## What "cloudpatrol demo" runs: the fake AWS and the fake Azure with their
## demo estates, the local mail and Slack receivers (with the services the
## demo scans) and the fake vulnerability intelligence.  From a build tree
## the demo takes them from the source tree; "make install" puts them
## under $(demodir) for an installed one.

demoawsdir = $(demodir)/aws
demoaws_DATA = $(FAKEAWS_CORE) $(FAKEAWS_SERVICES_MODULES)
demoestatedir = $(demodir)/aws/estates/demo
demoestate_DATA = $(FAKEAWS_CORE_ESTATE) $(FAKEAWS_SERVICES_ESTATE)
demoazuredir = $(demodir)/azure
demoazure_DATA = tests/fakes/azure/fakeazure.py
demoazureestatedir = $(demodir)/azure/estates/demo
demoazureestate_DATA = \
	tests/fakes/azure/estates/demo/tenant.json \
	tests/fakes/azure/estates/demo/subscriptions.json \
	tests/fakes/azure/estates/demo/app-cert.pem
demo_DATA = tests/fakes/demo_sinks.py
## The fake NVD, EPSS, KEV and MyJVN and the published samples it answers
## from (their provenance and terms in SOURCES.md).
demovulndir = $(demodir)/vuln
demovuln_DATA = tests/fakes/fakevuln.py
demovulnfixdir = $(demodir)/vuln/fixtures
demovulnfix_DATA = \
	tests/fixtures/asm/SOURCES.md \
	tests/fixtures/asm/epss-v1-api-cve-CVE-2014-9900.json \
	tests/fixtures/asm/kev-catalog.json \
	tests/fixtures/asm/myjvn-getVulnOverviewList-hnd-sample.xml \
	tests/fixtures/asm/nvd-cve-record-CVE-2022-41741-nginx.json \
	tests/fixtures/asm/nvd-cve-record-CVE-2023-38408-openssh.json \
	tests/fixtures/asm/nvd-cve-record-CVE-2023-45802-apache-httpd.json \
	tests/fixtures/asm/nvd-cve-record-CVE-2024-7347-nginx-awaiting-analysis.json \
	tests/fixtures/asm/nvd-cves-2.0-cveId-CVE-2021-26855.json
EXTRA_DIST += tests/fakes/demo_sinks.py tests/e2e/demo.sh \
	tests/e2e/azure-demo-expected.txt

## demo.sh: the demo from the build tree, its findings against
## tests/e2e/aws-demo-expected.txt and azure-demo-expected.txt, its mail
## and Slack posts.
TESTS += tests/e2e/demo.sh

## The demo from the installed tree (make distcheck runs this).
installcheck-local:
	rm -rf demo-installcheck demo-installcheck.log
	'$(bindir)/cloudpatrol' --lang en demo \
	    --dir "$$PWD/demo-installcheck" >demo-installcheck.log 2>&1 || \
	    { cat demo-installcheck.log; exit 1; }
	grep -q "^Mail received:  [1-9]" demo-installcheck.log || \
	    { cat demo-installcheck.log; exit 1; }
	grep -q "unit inspect demo-azure .* on" demo-installcheck.log || \
	    { cat demo-installcheck.log; exit 1; }
	grep -q "CVE-2021-26855" demo-installcheck/asm.csv || \
	    { cat demo-installcheck.log; exit 1; }
	rm -rf demo-installcheck demo-installcheck.log
