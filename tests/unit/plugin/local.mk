## tests/unit/plugin
