// KeygateZone
