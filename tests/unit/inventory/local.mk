## tests/unit/inventory (filled in by the subsystem)
