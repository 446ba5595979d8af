## plugins/notify-mail (filled in by the subsystem)
