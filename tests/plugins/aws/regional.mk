## tests/plugins/aws/regional.mk: the regional collectors (ec2, ec2-images,
## elbv2, rds), validate() and remediate() against the fake AWS.
##   test_aws_regional   CUnit: the plugin loaded through a registry, its
##                       cloud ops called directly (faults, remediation)
##   regional.sh         the CLI: env add/list/show, inspect, and the
##                       snapshot checked against the demo estate by
##                       regional_snapshot.py

check_PROGRAMS += tests/plugins/aws/test_aws_regional
tests_plugins_aws_test_aws_regional_SOURCES = \
	tests/plugins/aws/test_aws_regional.c
tests_plugins_aws_test_aws_regional_CFLAGS = $(TEST_CC_FLAGS)
tests_plugins_aws_test_aws_regional_LDADD = $(TEST_LINK)

TESTS += tests/plugins/aws/test_aws_regional tests/plugins/aws/regional.sh
EXTRA_DIST += tests/plugins/aws/regional.sh \
	tests/plugins/aws/regional_snapshot.py
