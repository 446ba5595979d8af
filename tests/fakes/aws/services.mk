## tests/fakes/aws/services.mk: the fake AWS's IAM, S3 (and S3 Control),
## CloudTrail, Cost Explorer, GuardDuty and Resource Explorer modules,
## their part of the demo estate, and their tests.  (local.mk has the
## core, the other services and the rest of the estate.)

FAKEAWS_SERVICES_MODULES = \
	tests/fakes/aws/svc_iam.py \
	tests/fakes/aws/svc_s3.py \
	tests/fakes/aws/svc_cloudtrail.py \
	tests/fakes/aws/svc_ce.py \
	tests/fakes/aws/svc_guardduty.py \
	tests/fakes/aws/svc_resource_explorer.py
FAKEAWS_SERVICES_ESTATE = \
	tests/fakes/aws/estates/demo/iam.json \
	tests/fakes/aws/estates/demo/s3.json \
	tests/fakes/aws/estates/demo/cloudtrail.json \
	tests/fakes/aws/estates/demo/guardduty.json \
	tests/fakes/aws/estates/demo/ce.json \
	tests/fakes/aws/estates/demo/resource-explorer.json \
	tests/fakes/aws/estates/demo/geoip.csv

EXTRA_DIST += $(FAKEAWS_SERVICES_MODULES) $(FAKEAWS_SERVICES_ESTATE) \
	tests/fakes/aws/test_services.py \
	tests/fakes/aws/services.sh \
	tests/fakes/aws/awscli-services.sh

## services.sh: the modules' unit tests (handle() with stand-in requests,
## answers read by botocore's parsers); awscli-services.sh: Debian's aws
## CLI against the running fake on the demo estate.
## Both exercise only the Python fake and the aws CLI: they run in the
## plain build (and distcheck), not again under the sanitizers.
if !SANITIZERS
TESTS += tests/fakes/aws/services.sh tests/fakes/aws/awscli-services.sh
endif
