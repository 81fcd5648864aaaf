import Testing

@testable import Inference

@Suite("Heap")
struct HeapTests {
  /// glibc takes both settings (`mallopt` returns 1 for each); elsewhere nothing is set.
  @Test func glibcKeepsFreedMemory() {
    #if canImport(Glibc)
    #expect(Heap.keepFreedMemory())
    #else
    #expect(!Heap.keepFreedMemory())
    #endif
  }
}
