## core/src/inventory (filled in by the subsystem)
