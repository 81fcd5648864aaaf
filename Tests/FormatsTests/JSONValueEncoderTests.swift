import Formats
import Foundation
import PropertyBased
import Testing

/// `JSONValueEncoder`: the one way `--json` documents are made (snake_case names in
/// declaration order, absent values as `null`, JSON values copied as they are).
@Suite("JSONValueEncoder")
struct JSONValueEncoderTests {
  struct Part: Codable, Equatable {
    var headerBytes: Int
    var offset: Int?
  }

  struct Document: Codable, Equatable {
    var path: String
    var peakBytes: UInt64
    var passed: Bool
    var ratio: Double
    var scale: Float
    var against: String?
    var parts: [Part]
    var ids: [Int32]
  }

  @Test func namesOrderAndNulls() throws {
    let document = Document(
      path: "a/b.gguf", peakBytes: UInt64.max, passed: true, ratio: 0.1, scale: 0.1,
      against: nil, parts: [Part(headerBytes: 24, offset: nil), Part(headerBytes: 8, offset: 3)],
      ids: [-1, 2])
    let value = try JSONValueEncoder().encode(document)
    #expect(
      value.serialized()
        == #"{"path":"a/b.gguf","peak_bytes":18446744073709551615,"passed":true,"#
        + #""ratio":0.1,"scale":0.1,"against":null,"parts":[{"header_bytes":24,"offset":null},"#
        + #"{"header_bytes":8,"offset":3}],"ids":[-1,2]}"#)
  }

  @Test(arguments: [
    ("path", "path"), ("headerBytes", "header_bytes"), ("peakRSSBytes", "peak_rss_bytes"),
    ("tokensPerSecond", "tokens_per_second"), ("ropeTableProblems", "rope_table_problems"),
    ("original_nll", "original_nll"), ("mean2Seconds", "mean2_seconds"), ("URL", "url"),
  ])
  func snakeCase(name: String, expected: String) throws {
    struct Key: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }
    struct One: Encodable {
      var name: String
      func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(1, forKey: Key(stringValue: name))
      }
    }
    #expect(try JSONValueEncoder().encode(One(name: name)).object?.keys == [expected])
  }

  /// Embedded JSON values keep their number text and member names; non-finite numbers are
  /// null (JSON has no NaN).
  @Test func embeddedValuesAndNonFiniteNumbers() throws {
    struct Holder: Encodable {
      var data: JSONObject
      var raw: JSONValue
      var values: [Double]
    }
    let raw = try JSONValue.parse(#"{"Mixed.Case":1e-06,"n":[1.50,null]}"#)
    let holder = Holder(
      data: JSONObject([("tokenizer.ggml.bos_token_id", .integer(1))]), raw: raw,
      values: [.nan, .infinity, -0.5])
    #expect(
      try JSONValueEncoder().encode(holder).serialized()
        == #"{"data":{"tokenizer.ggml.bos_token_id":1},"raw":{"Mixed.Case":1e-06,"n":[1.50,null]},"#
        + #""values":[null,null,-0.5]}"#)
  }

  /// Whatever the document holds, json-c's text decodes back to it (Foundation's decoder with
  /// snake_case keys), so the encoder loses nothing.
  @Test func roundTripsThroughJSONText() async {
    await propertyCheck(
      count: 200,
      input: Gen.int(in: Int.min...Int.max), Gen.double(in: -1e300...1e300), Gen.bool,
      Gen.int(in: 0...5)
    ) { integer, double, flag, count in
      let document = Document(
        path: "p\(integer)\u{e9}\"/\\", peakBytes: UInt64(integer.magnitude), passed: flag,
        ratio: double, scale: Float(double / 1e280), against: flag ? nil : "x",
        parts: (0..<count).map { Part(headerBytes: integer / 8 * $0, offset: flag ? $0 : nil) },
        ids: (0..<count).map { Int32(truncatingIfNeeded: integer &+ $0) })
      let text = try JSONValueEncoder().encode(document).serialized(.pretty)
      let decoder = JSONDecoder()
      decoder.keyDecodingStrategy = .convertFromSnakeCase
      let decoded = try decoder.decode(Document.self, from: Data(text.utf8))
      #expect(decoded == document, "\(text)")
    }
  }
}
