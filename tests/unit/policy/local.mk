## tests/unit/policy (filled in by the subsystem)
