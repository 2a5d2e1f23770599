import Testing

@Test func placeholder_KeygateServerTests() {}
