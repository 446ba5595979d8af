## tests/unit/store
