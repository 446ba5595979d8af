## plugins/notify-slack (filled in by the subsystem)
