import Testing

@testable import Inference

@Suite("Heap")
struct HeapTests {
  /// glibc takes both settings (a threshold above its 32 MiB ceiling would be refused, and the
  /// forward pass's buffers would go back to mmap(2) and page faults).
  @Test func glibcKeepsFreedMemory() {
    #if canImport(Glibc)
    #expect(Heap.keepFreedMemory())
    #else
    #expect(!Heap.keepFreedMemory())
    #endif
  }
}
