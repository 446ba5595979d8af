## tests/plugins/aws/global.mk: the aws plugin's global and per-region
## collectors other than EC2/ELB/RDS (s3, iam, iam-credential-report,
## cloudtrail, cloudtrail-events, guardduty, cost, resource-explorer) and
## its setup guide.  test_aws_global compiles the collectors' sources with
## a scripted aws_call(); check_guide.py checks the guide's template.

check_PROGRAMS += tests/plugins/aws/test_aws_global
tests_plugins_aws_test_aws_global_SOURCES = \
	tests/plugins/aws/test_aws_global.c
tests_plugins_aws_test_aws_global_CFLAGS = $(TEST_CC_FLAGS) -pthread \
	-I$(top_srcdir)/plugins/aws
tests_plugins_aws_test_aws_global_LDADD = $(TEST_LINK) -lm
TESTS += tests/plugins/aws/test_aws_global
EXTRA_DIST += tests/plugins/aws/check_guide.py

TESTS += tests/plugins/aws/global.sh
EXTRA_DIST += tests/plugins/aws/global.sh tests/plugins/aws/global_snapshot.py
