import PropertyBased
import Testing

@testable import Tensors

@Suite("Half-precision conversions")
struct HalfFloatTests {
  @Test(arguments: [
    (UInt16(0x3C00), Float(1)), (0xC000, -2), (0x7BFF, 65504), (0x0001, 0x1p-24),
    (0x0400, 0x1p-14), (0x8000, -0.0), (0x7C00, .infinity), (0x3555, 0.333251953125),
  ])
  func halfToFloat(bits: UInt16, value: Float) {
    #expect(HalfFloat.float(fromHalf: bits).bitPattern == value.bitPattern)
    #expect(HalfFloat.softwareFloat(fromHalf: bits).bitPattern == value.bitPattern)
  }

  /// The integer conversion and `Float16`'s give the same Float for every binary16 value
  /// (NaNs: both NaN with the same sign and payload apart from the quiet bit).
  @Test func softwareHalfToFloatMatchesFloat16Exhaustively() {
    for bits in UInt16.min...UInt16.max {
      let software = HalfFloat.softwareFloat(fromHalf: bits)
      let hardware = HalfFloat.float(fromHalf: bits)
      if software.isNaN {
        #expect(hardware.isNaN && (software.bitPattern | 0x40_0000) == hardware.bitPattern)
      } else {
        #expect(software.bitPattern == hardware.bitPattern, "\(bits)")
      }
    }
  }

  /// Float → half: the integer conversion gives `Float16`'s bits, rounding ties to even at every
  /// binade edge (normal, subnormal, overflow) and on random values.
  @Test(arguments: [
    Float(65520), 65519.996, 0x1p-24, 0x1p-25, 0x1.000002p-25, 0x1.8p-24, 0x1.ffcp-15,
    0x1.ffep-15, 1.00048828125, 1.00146484375, -0.0, 0x1p-149, .greatestFiniteMagnitude,
  ])
  func softwareHalfMatchesFloat16(value: Float) {
    #expect(HalfFloat.softwareHalf(from: value) == Float16(value).bitPattern)
    #expect(HalfFloat.half(from: value) == Float16(value).bitPattern)
  }

  /// Every binary16 value converts to Float and back unchanged (NaNs stay NaN).
  @Test func halfRoundTripsExhaustively() {
    for bits in UInt16.min...UInt16.max {
      let value = HalfFloat.float(fromHalf: bits)
      if value.isNaN {
        #expect(HalfFloat.float(fromHalf: HalfFloat.half(from: value)).isNaN)
      } else {
        #expect(HalfFloat.half(from: value) == bits)
      }
    }
  }

  /// Float → half agrees with Swift's own `Float16` conversion (round to nearest even).
  @Test func halfRoundingMatchesFloat16() async {
    await propertyCheck(count: 2000, input: Gen.uint32(in: UInt32.min...UInt32.max)) { bits in
      let value = Float(bitPattern: bits)
      let expected = Float16(value).bitPattern
      if value.isNaN {
        #expect(HalfFloat.float(fromHalf: HalfFloat.half(from: value)).isNaN)
      } else {
        #expect(HalfFloat.half(from: value) == expected, "\(value)")
        #expect(HalfFloat.softwareHalf(from: value) == expected, "\(value)")
      }
    }
  }

  @Test(arguments: [
    (Float(1), UInt16(0x3F80)), (-2, 0xC000), (1.00390625, 0x3F80), (1.01171875, 0x3F82),
    (3.0e38, 0x7F62), (.infinity, 0x7F80),
  ])
  func floatToBFloat16(value: Float, bits: UInt16) {
    #expect(HalfFloat.bfloat16(from: value) == bits)
    #expect(HalfFloat.float(fromBFloat16: bits) == Float(bitPattern: UInt32(bits) << 16))
  }

  @Test func bfloat16KeepsNaN() {
    #expect(HalfFloat.float(fromBFloat16: HalfFloat.bfloat16(from: .nan)).isNaN)
  }
}
