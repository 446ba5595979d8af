## tests/fakes/aws/local.mk: the fake AWS (its core, EC2, STS, ELBv2 and
## RDS, their part of the demo estate) and its tests.  (services.mk has
## the other services and the rest of the estate.)

FAKEAWS_CORE = \
	tests/fakes/aws/README.md \
	tests/fakes/aws/fakeaws.py \
	tests/fakes/aws/fakeaws_core.py \
	tests/fakes/aws/svc_ec2.py \
	tests/fakes/aws/svc_sts.py \
	tests/fakes/aws/svc_elbv2.py \
	tests/fakes/aws/svc_rds.py
FAKEAWS_CORE_ESTATE = \
	tests/fakes/aws/estates/demo/account.json \
	tests/fakes/aws/estates/demo/ec2.json \
	tests/fakes/aws/estates/demo/elbv2.json \
	tests/fakes/aws/estates/demo/rds.json

EXTRA_DIST += $(FAKEAWS_CORE) $(FAKEAWS_CORE_ESTATE) \
	tests/fakes/aws/test_core.py \
	tests/fakes/aws/test-core.sh \
	tests/fakes/aws/fake.sh \
	tests/fakes/aws/awscli-crosscheck.sh

## test-core.sh: the core's tests (authentication, faults, control
## endpoints, remediation, scale) over HTTP with botocore-signed requests;
## awscli-crosscheck.sh: Debian's aws CLI against the fake on the demo
## estate, compared with the estate.
## test-core.sh exercises only the Python fake: it runs in the plain
## build (and distcheck), not again under the sanitizers.
TESTS += tests/fakes/aws/awscli-crosscheck.sh
if !SANITIZERS
TESTS += tests/fakes/aws/test-core.sh
endif
