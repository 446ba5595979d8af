## tests/e2e: the CLI against the fixture cloud, the out-of-tree plugin,
## valgrind.
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/cli.sh tests/e2e/inspect.sh \
	tests/e2e/notify-volume.sh \
	tests/e2e/notify.sh tests/e2e/notify-real.sh \
	tests/e2e/out-of-tree-plugin.sh tests/e2e/aws.sh \
	tests/e2e/bulk-libreoffice.sh tests/e2e/check_bulk.py \
	tests/e2e/daemon.sh \
	tests/e2e/estate/resources-1.json tests/e2e/estate/resources-2.json \
	tests/e2e/estate/collector-errors-identity.json \
	tests/e2e/policies/testcloud/TC-001.json \
	tests/e2e/policies/testcloud/TC-001.sql \
	tests/e2e/policies/testcloud/TC-002.json \
	tests/e2e/policies/testcloud/TC-002.sql \
	tests/e2e/policies/testcloud/TC-003.json \
	tests/e2e/policies/testcloud/TC-003.sql
TESTS += tests/e2e/cli.sh tests/e2e/inspect.sh tests/e2e/notify.sh \
	tests/e2e/notify-real.sh tests/e2e/notify-volume.sh \
	tests/e2e/out-of-tree-plugin.sh tests/e2e/aws.sh tests/e2e/daemon.sh

## LibreOffice reads the demo's bulk workbook: once, in the plain build
## (it runs LibreOffice, not our C), and only with the report-xlsx plugin
## (without it, demo.sh checks that the demo says why there is none).
if HAVE_XLSXWRITER
if !SANITIZERS
TESTS += tests/e2e/bulk-libreoffice.sh
endif
endif

## The active scanner against nginx, a banner service and hostile peers;
## the nmap -sV cross-check is slow, so it runs in the plain build only.
EXTRA_DIST += tests/e2e/asm-scan.sh tests/e2e/asm-nmap.sh \
	tests/e2e/asm/peers.py
if SANITIZERS
TESTS += tests/e2e/asm-scan.sh
else
TESTS += tests/e2e/asm-nmap.sh
endif

## The targets derived from the snapshots: the fake AWS's asm-aws estate
## puts an instance on 127.0.0.2, which the test scans with no target named.
EXTRA_DIST += tests/e2e/asm-derived.sh \
	tests/e2e/estate/asm-aws/account.json tests/e2e/estate/asm-aws/ec2.json
TESTS += tests/e2e/asm-derived.sh

## The vulnerability intelligence online: the CLI against fakevuln.py.
EXTRA_DIST += tests/e2e/vuln.sh tests/fakes/fakevuln.py
TESTS += tests/e2e/vuln.sh
## vuln refresh: the products a scan identified, looked up in fakevuln.py,
## then the ASM report from the cache.
EXTRA_DIST += tests/e2e/vuln-refresh.sh
TESTS += tests/e2e/vuln-refresh.sh
## A 104 MB NVD feed imported within 128 MB of address space (the plain
## build only: the sanitizers reserve far more).
EXTRA_DIST += tests/e2e/vuln-big-feed.sh
if !SANITIZERS
TESTS += tests/e2e/vuln-big-feed.sh
endif
