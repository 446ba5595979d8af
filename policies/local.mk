## policies/local.mk: the policy packs, installed into $(policydir) with
## their folder structure (policies/emergency/aws/X.json lands in
## $(policydir)/emergency/aws/X.json).  A build tree reads
## $(abs_top_srcdir)/policies directly.
##
## One directory variable per folder keeps "make policydir=... install"
## working; a new folder gets its own pair of lines below.  Every file of
## a pack must be listed: what is not listed is neither installed nor
## distributed (test_emergency_pack checks the AWS list against the
## folder).

policy_emergency_awsdir = $(policydir)/emergency/aws
dist_policy_emergency_aws_DATA = \
	policies/emergency/aws/AWS-E001.json \
	policies/emergency/aws/AWS-E001.sql \
	policies/emergency/aws/AWS-E002.json \
	policies/emergency/aws/AWS-E002.sql \
	policies/emergency/aws/AWS-E003.json \
	policies/emergency/aws/AWS-E003.sql \
	policies/emergency/aws/AWS-E004.json \
	policies/emergency/aws/AWS-E004.sql \
	policies/emergency/aws/AWS-E005.json \
	policies/emergency/aws/AWS-E005.sql \
	policies/emergency/aws/AWS-E006.json \
	policies/emergency/aws/AWS-E006.sql \
	policies/emergency/aws/AWS-E007.json \
	policies/emergency/aws/AWS-E007.sql \
	policies/emergency/aws/AWS-E008.json \
	policies/emergency/aws/AWS-E008.sql \
	policies/emergency/aws/AWS-E009.json \
	policies/emergency/aws/AWS-E009.sql \
	policies/emergency/aws/AWS-E010.json \
	policies/emergency/aws/AWS-E010.sql \
	policies/emergency/aws/AWS-E011.json \
	policies/emergency/aws/AWS-E011.sql \
	policies/emergency/aws/AWS-E012.json \
	policies/emergency/aws/AWS-E012.sql \
	policies/emergency/aws/AWS-E013.json \
	policies/emergency/aws/AWS-E013.sql \
	policies/emergency/aws/AWS-E014.json \
	policies/emergency/aws/AWS-E014.sql \
	policies/emergency/aws/AWS-E015.json \
	policies/emergency/aws/AWS-E015.sql \
	policies/emergency/aws/AWS-E016.json \
	policies/emergency/aws/AWS-E016.sql \
	policies/emergency/aws/AWS-E017.json \
	policies/emergency/aws/AWS-E017.sql \
	policies/emergency/aws/AWS-E018.json \
	policies/emergency/aws/AWS-E018.sql

policy_emergency_azuredir = $(policydir)/emergency/azure
dist_policy_emergency_azure_DATA = \
	policies/emergency/azure/AZ-E001.json \
	policies/emergency/azure/AZ-E001.sql \
	policies/emergency/azure/AZ-E002.json \
	policies/emergency/azure/AZ-E002.sql \
	policies/emergency/azure/AZ-E003.json \
	policies/emergency/azure/AZ-E003.sql \
	policies/emergency/azure/AZ-E004.json \
	policies/emergency/azure/AZ-E004.sql \
	policies/emergency/azure/AZ-E005.json \
	policies/emergency/azure/AZ-E005.sql \
	policies/emergency/azure/AZ-E006.json \
	policies/emergency/azure/AZ-E006.sql \
	policies/emergency/azure/AZ-E007.json \
	policies/emergency/azure/AZ-E007.sql \
	policies/emergency/azure/AZ-E008.json \
	policies/emergency/azure/AZ-E008.sql \
	policies/emergency/azure/AZ-E009.json \
	policies/emergency/azure/AZ-E009.sql \
	policies/emergency/azure/AZ-E010.json \
	policies/emergency/azure/AZ-E010.sql \
	policies/emergency/azure/AZ-E011.json \
	policies/emergency/azure/AZ-E011.sql \
	policies/emergency/azure/AZ-E012.json \
	policies/emergency/azure/AZ-E012.sql \
	policies/emergency/azure/AZ-E013.json \
	policies/emergency/azure/AZ-E013.sql

## Frameworks (policies/<framework>/framework.json, core/src/policy/
## framework.h): requirements in our own words and the policies that
## decide them.
policy_cis_aws_500dir = $(policydir)/cis/aws-5.0.0
dist_policy_cis_aws_500_DATA = policies/cis/aws-5.0.0/framework.json
policy_cis_aws_600dir = $(policydir)/cis/aws-6.0.0
dist_policy_cis_aws_600_DATA = policies/cis/aws-6.0.0/framework.json

## The pack against a hand-written snapshot of the demo estate and its
## tricky cases: every (policy, resource, status) is checked.
check_PROGRAMS += tests/plugins/aws/test_emergency_pack
tests_plugins_aws_test_emergency_pack_SOURCES = \
	tests/plugins/aws/test_emergency_pack.c
tests_plugins_aws_test_emergency_pack_CFLAGS = $(TEST_CC_FLAGS)
tests_plugins_aws_test_emergency_pack_LDADD = $(TEST_LINK)
TESTS += tests/plugins/aws/test_emergency_pack
EXTRA_DIST += \
	tests/plugins/aws/pack-snapshot.json \
	tests/plugins/aws/pack-geoip.csv \
	tests/e2e/aws-demo-expected.txt
