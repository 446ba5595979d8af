## core/src/lifecycle (filled in by the subsystem)
