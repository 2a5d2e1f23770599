// KeygateStore
