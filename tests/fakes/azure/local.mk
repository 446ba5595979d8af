## tests/fakes/azure/local.mk: the fake Azure (Entra token endpoint, ARM,
## Graph; fakeazure.py, README.md), its demo estate and its own tests.
## test-fake.sh exercises only the Python fake: it runs in the plain
## build (and distcheck), not again under the sanitizers.

EXTRA_DIST += \
	tests/fakes/azure/README.md \
	tests/fakes/azure/fakeazure.py \
	tests/fakes/azure/fake.sh \
	tests/fakes/azure/test_fakeazure.py \
	tests/fakes/azure/test-fake.sh \
	tests/fakes/azure/estates/demo/tenant.json \
	tests/fakes/azure/estates/demo/subscriptions.json \
	tests/fakes/azure/estates/demo/app-cert.pem \
	tests/fakes/azure/estates/demo/app-client.pem
if !SANITIZERS
TESTS += tests/fakes/azure/test-fake.sh
endif
