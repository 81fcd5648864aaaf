/// Reads choices off the front of a fuzz input; the rest is the file under test.
public struct FuzzInput {
  public private(set) var bytes: ArraySlice<UInt8>

  public init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

  /// The next byte, 0 once the input is used up.
  public mutating func byte() -> UInt8 {
    guard let first = bytes.first else { return 0 }
    bytes = bytes.dropFirst()
    return first
  }

  /// Everything not read yet.
  public var rest: [UInt8] { Array(bytes) }
}
