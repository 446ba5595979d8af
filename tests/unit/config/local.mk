## tests/unit/config
