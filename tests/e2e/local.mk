## tests/e2e
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/cli.sh
TESTS += tests/e2e/cli.sh
## A plugin built from the installed SDK alone loads (tests/plugins/load-one).
EXTRA_DIST += tests/e2e/out-of-tree-plugin.sh
TESTS += tests/e2e/out-of-tree-plugin.sh
