## core/src/plugin
