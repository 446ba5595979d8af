## tests/plugins
