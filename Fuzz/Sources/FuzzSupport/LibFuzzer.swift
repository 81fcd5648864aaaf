import FuzzDriver

/// One fuzz target's body: called with every input libFuzzer makes.
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer over `target` with the command line `argc`/`argv` (libFuzzer's flags and
/// corpus folders); returns libFuzzer's exit status.
public func runLibFuzzer(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
  _ target: FuzzTarget
) -> CInt {
  var count = argc
  var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
  return LLVMFuzzerRunDriver(&count, &arguments, target)
}

/// The input as an array (the parsers take `[UInt8]`).
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
  guard let data, size > 0 else { return [] }
  return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Stops the run so libFuzzer records the input: a property the target checks does not hold.
public func violation(_ message: String) -> Never {
  fatalError("fuzz property violated: \(message)")
}
