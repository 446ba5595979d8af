## tests/unit/notify (filled in by the subsystem)
