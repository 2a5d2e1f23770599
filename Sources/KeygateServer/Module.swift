// KeygateServer
