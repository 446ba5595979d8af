## tests/bench (filled in by the subsystem)
