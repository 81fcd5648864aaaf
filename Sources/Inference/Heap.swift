internal import CSystemShims

/// How the process's allocator treats the forward pass's short-lived buffers.
public enum Heap {
  /// Keeps freed memory in the process for the next buffer (glibc: no mmap(2) below 32 MiB,
  /// up to 1 GiB kept free at the top of the heap); true when the allocator took it.
  ///
  /// A forward pass allocates and frees buffers of a few MiB per layer and batch. By default
  /// glibc maps each from the kernel and unmaps it when freed, so every page of every buffer
  /// faults and is zeroed again: on a 2-core VM that was a third of a 256-token F32 prompt's
  /// time. Peak RSS moves by a few MiB. For command-line processes, which end when the work
  /// does; a library's host decides for itself.
  @discardableResult
  public static func keepFreedMemory() -> Bool { spindle_keep_freed_memory() == 1 }
}
