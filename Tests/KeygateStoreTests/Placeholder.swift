import Testing

@Test func placeholder_KeygateStoreTests() {}
