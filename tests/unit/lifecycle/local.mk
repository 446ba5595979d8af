## tests/unit/lifecycle (filled in by the subsystem)
