## core/src/notify (filled in by the subsystem)
