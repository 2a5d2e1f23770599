// KeygateCrypto
