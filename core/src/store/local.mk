## core/src/store
