## tests/unit/net
