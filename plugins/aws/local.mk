## plugins/aws: the AWS cloud plugin (README.md beside it is the contract
## of what it collects).  Its tests live in tests/plugins/aws/.

plugin_LTLIBRARIES += plugins/aws/aws.la
plugins_aws_aws_la_SOURCES = \
	plugins/aws/aws.c plugins/aws/aws.h \
	plugins/aws/client.c \
	plugins/aws/xmljson.c \
	plugins/aws/util.c \
	plugins/aws/sigv4.c plugins/aws/sigv4.h \
	plugins/aws/collect_ec2.c \
	plugins/aws/collect_elb_rds.c \
	plugins/aws/collect_s3.c \
	plugins/aws/collect_iam.c \
	plugins/aws/collect_trail.c \
	plugins/aws/collect_misc.c \
	plugins/aws/remediate.c \
	plugins/aws/guide.c
plugins_aws_aws_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(OPENSSL_CFLAGS) -pthread
plugins_aws_aws_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS)
plugins_aws_aws_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -pthread
plugins_aws_aws_la_LIBADD = $(OPENSSL_LIBS) $(JANSSON_LIBS)
EXTRA_DIST += plugins/aws/README.md
