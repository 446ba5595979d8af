## tests/unit/util
