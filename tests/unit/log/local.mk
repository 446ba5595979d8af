## tests/unit/log
