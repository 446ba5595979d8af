## core/src/net
