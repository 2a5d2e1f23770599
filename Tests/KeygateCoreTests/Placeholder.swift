import Testing

@Test func placeholder_KeygateCoreTests() {}
