## core/src/policy (filled in by the subsystem)
