## core/src/config
