## tests/bench: benchmarks (make bench [BENCH=name]); never timed tests.
## The programs are built by make check too, so that they do not rot.
check_PROGRAMS += tests/bench/policy_eval
tests_bench_policy_eval_SOURCES = tests/bench/policy_eval.c
tests_bench_policy_eval_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
tests_bench_policy_eval_LDADD = libcloudpatrol.la $(DEP_LIBS)
bench_binaries = tests/bench/policy_eval

## aws-collect: one collection of a 50,000-security-group account.
check_PROGRAMS += tests/bench/aws_collect
tests_bench_aws_collect_SOURCES = tests/bench/aws_collect.c
tests_bench_aws_collect_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
tests_bench_aws_collect_LDADD = libcloudpatrol.la $(DEP_LIBS)
bench_binaries += tests/bench/aws_collect

## xlsx-write: a 1,000,000-row report through the report-xlsx plugin
## against openpyxl's write-only mode.
check_PROGRAMS += tests/bench/xlsx_write
tests_bench_xlsx_write_SOURCES = tests/bench/xlsx_write.c
tests_bench_xlsx_write_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
tests_bench_xlsx_write_LDADD = libcloudpatrol.la $(DEP_LIBS)
bench_binaries += tests/bench/xlsx_write

EXTRA_DIST += tests/bench/run.sh tests/bench/policy-eval.sh \
	tests/bench/aws-collect.sh tests/bench/xlsx-write.sh \
	tests/bench/xlsx_write_peer.py tests/bench/daemon-idle.sh \
	tests/bench/scan_bench.py tests/bench/scan-full.sh \
	tests/bench/scan-hosts.sh tests/bench/scan-identify.sh
EXTRA_DIST += \
	tests/bench/policies/BENCH-001.json \
	tests/bench/policies/BENCH-002.json \
	tests/bench/policies/BENCH-003.json \
	tests/bench/policies/BENCH-004.json \
	tests/bench/policies/BENCH-005.json \
	tests/bench/policies/BENCH-006.json \
	tests/bench/policies/BENCH-007.json \
	tests/bench/policies/BENCH-008.json \
	tests/bench/policies/BENCH-009.json \
	tests/bench/policies/BENCH-010.json \
	tests/bench/policies/BENCH-011.json \
	tests/bench/policies/BENCH-012.json \
	tests/bench/policies/BENCH-013.json \
	tests/bench/policies/BENCH-014.json \
	tests/bench/policies/BENCH-015.json \
	tests/bench/policies/BENCH-016.json \
	tests/bench/policies/BENCH-017.json \
	tests/bench/policies/BENCH-018.json \
	tests/bench/policies/BENCH-019.json \
	tests/bench/policies/BENCH-020.json \
	tests/bench/policies/BENCH-021.json \
	tests/bench/policies/BENCH-022.json \
	tests/bench/policies/BENCH-023.json \
	tests/bench/policies/BENCH-024.json \
	tests/bench/policies/BENCH-025.json \
	tests/bench/policies/BENCH-026.json \
	tests/bench/policies/BENCH-027.json \
	tests/bench/policies/BENCH-028.json \
	tests/bench/policies/BENCH-029.json \
	tests/bench/policies/BENCH-030.json \
	tests/bench/policies/BENCH-031.json \
	tests/bench/policies/BENCH-032.json \
	tests/bench/policies/BENCH-033.json \
	tests/bench/policies/BENCH-034.json \
	tests/bench/policies/BENCH-035.json \
	tests/bench/policies/BENCH-036.json \
	tests/bench/policies/BENCH-037.json \
	tests/bench/policies/BENCH-038.json \
	tests/bench/policies/BENCH-039.json \
	tests/bench/policies/BENCH-040.json \
	tests/bench/policies/BENCH-041.json \
	tests/bench/policies/BENCH-042.json \
	tests/bench/policies/BENCH-043.json \
	tests/bench/policies/BENCH-044.json \
	tests/bench/policies/BENCH-045.json \
	tests/bench/policies/BENCH-046.json \
	tests/bench/policies/BENCH-047.json \
	tests/bench/policies/BENCH-048.json \
	tests/bench/policies/BENCH-049.json \
	tests/bench/policies/BENCH-050.json \
	tests/bench/policies/BENCH-001.sql \
	tests/bench/policies/BENCH-002.sql \
	tests/bench/policies/BENCH-003.sql \
	tests/bench/policies/BENCH-004.sql \
	tests/bench/policies/BENCH-005.sql \
	tests/bench/policies/BENCH-006.sql \
	tests/bench/policies/BENCH-007.sql \
	tests/bench/policies/BENCH-008.sql \
	tests/bench/policies/BENCH-009.sql \
	tests/bench/policies/BENCH-010.sql \
	tests/bench/policies/BENCH-011.sql \
	tests/bench/policies/BENCH-012.sql \
	tests/bench/policies/BENCH-013.sql \
	tests/bench/policies/BENCH-014.sql \
	tests/bench/policies/BENCH-015.sql \
	tests/bench/policies/BENCH-016.sql \
	tests/bench/policies/BENCH-017.sql \
	tests/bench/policies/BENCH-018.sql \
	tests/bench/policies/BENCH-019.sql \
	tests/bench/policies/BENCH-020.sql \
	tests/bench/policies/BENCH-021.sql \
	tests/bench/policies/BENCH-022.sql \
	tests/bench/policies/BENCH-023.sql \
	tests/bench/policies/BENCH-024.sql \
	tests/bench/policies/BENCH-025.sql \
	tests/bench/policies/BENCH-026.sql \
	tests/bench/policies/BENCH-027.sql \
	tests/bench/policies/BENCH-028.sql \
	tests/bench/policies/BENCH-029.sql \
	tests/bench/policies/BENCH-030.sql \
	tests/bench/policies/BENCH-031.sql \
	tests/bench/policies/BENCH-032.sql \
	tests/bench/policies/BENCH-033.sql \
	tests/bench/policies/BENCH-034.sql \
	tests/bench/policies/BENCH-035.sql \
	tests/bench/policies/BENCH-036.sql \
	tests/bench/policies/BENCH-037.sql \
	tests/bench/policies/BENCH-038.sql \
	tests/bench/policies/BENCH-039.sql \
	tests/bench/policies/BENCH-040.sql \
	tests/bench/policies/BENCH-041.sql \
	tests/bench/policies/BENCH-042.sql \
	tests/bench/policies/BENCH-043.sql \
	tests/bench/policies/BENCH-044.sql \
	tests/bench/policies/BENCH-045.sql \
	tests/bench/policies/BENCH-046.sql \
	tests/bench/policies/BENCH-047.sql \
	tests/bench/policies/BENCH-048.sql \
	tests/bench/policies/BENCH-049.sql \
	tests/bench/policies/BENCH-050.sql \
	tests/bench/peer/BENCH-001.jq \
	tests/bench/peer/BENCH-002.jq \
	tests/bench/peer/BENCH-003.jq \
	tests/bench/peer/BENCH-004.jq \
	tests/bench/peer/BENCH-005.jq \
	tests/bench/peer/BENCH-006.jq \
	tests/bench/peer/BENCH-007.jq \
	tests/bench/peer/BENCH-008.jq \
	tests/bench/peer/BENCH-009.jq \
	tests/bench/peer/BENCH-010.jq \
	tests/bench/peer/BENCH-011.jq \
	tests/bench/peer/BENCH-012.jq \
	tests/bench/peer/BENCH-013.jq \
	tests/bench/peer/BENCH-014.jq \
	tests/bench/peer/BENCH-015.jq \
	tests/bench/peer/BENCH-016.jq \
	tests/bench/peer/BENCH-017.jq \
	tests/bench/peer/BENCH-018.jq \
	tests/bench/peer/BENCH-019.jq \
	tests/bench/peer/BENCH-020.jq \
	tests/bench/peer/BENCH-021.jq \
	tests/bench/peer/BENCH-022.jq \
	tests/bench/peer/BENCH-023.jq \
	tests/bench/peer/BENCH-024.jq \
	tests/bench/peer/BENCH-025.jq \
	tests/bench/peer/BENCH-026.jq \
	tests/bench/peer/BENCH-027.jq \
	tests/bench/peer/BENCH-028.jq \
	tests/bench/peer/BENCH-029.jq \
	tests/bench/peer/BENCH-030.jq \
	tests/bench/peer/BENCH-031.jq \
	tests/bench/peer/BENCH-032.jq \
	tests/bench/peer/BENCH-033.jq \
	tests/bench/peer/BENCH-034.jq \
	tests/bench/peer/BENCH-035.jq \
	tests/bench/peer/BENCH-036.jq \
	tests/bench/peer/BENCH-037.jq \
	tests/bench/peer/BENCH-038.jq \
	tests/bench/peer/BENCH-039.jq \
	tests/bench/peer/BENCH-040.jq \
	tests/bench/peer/BENCH-041.jq \
	tests/bench/peer/BENCH-042.jq \
	tests/bench/peer/BENCH-043.jq \
	tests/bench/peer/BENCH-044.jq \
	tests/bench/peer/BENCH-045.jq \
	tests/bench/peer/BENCH-046.jq \
	tests/bench/peer/BENCH-047.jq \
	tests/bench/peer/BENCH-048.jq \
	tests/bench/peer/BENCH-049.jq \
	tests/bench/peer/BENCH-050.jq
