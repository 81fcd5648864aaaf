import Formats
import Testing

@Suite("JSON through json-c")
struct JSONTests {
  @Test func keepsKeyOrderAndNumberText() throws {
    let value = try JSONValue.parse(#"{"b":1,"a":1e-06,"c":[true,null,"x/y"],"d":18446744073709551615}"#)
    #expect(value.object?.keys == ["b", "a", "c", "d"])
    #expect(value["a"]?.number?.text == "1e-06")
    #expect(value["d"]?.number?.uint64 == UInt64.max)
    #expect(value.serialized() == #"{"b":1,"a":1e-06,"c":[true,null,"x/y"],"d":18446744073709551615}"#)
  }

  @Test(arguments: [
    (#"{"a":1,"a":2}"#, "a"),
    (#"{"x":{"k":1,"k":1}}"#, "k"),
    (#"{"\u0061":1,"a":2}"#, "a"),
  ])
  func reportsDuplicateKeys(text: String, key: String) {
    #expect {
      try JSONValue.parse(text)
    } throws: { error in
      guard let error = error as? FormatError else { return false }
      return error.kind == .duplicateKey && error.name == key
    }
  }

  /// What serde_json rejects and json-c alone would accept (NaN, single quotes, control
  /// characters, lone surrogates, trailing NUL, "1.") is rejected too.
  @Test(arguments: [
    #"{"a":1"#, #"{"a":1} x"#, "{'a':1}", "[1,]", "",
    #"{"a":NaN}"#, #"{"a":Infinity}"#, "{\"a\":\"x\u{01}y\"}", #"{"a":"\ud800"}"#,
    "{\"a\":1}\u{0}", "\u{FEFF}{}", #"{"a":1.}"#, #"{"a":01}"#, "/*c*/{}", #"{"a":tru}"#,
  ])
  func rejectsInvalidJSON(text: String) {
    #expect {
      try JSONValue.parse(text)
    } throws: { error in
      (error as? FormatError)?.kind == .invalidJSON
    }
  }

  /// serde_json and Python read an integer beyond 64 bits as a float; transformers writes one
  /// into every tokenizer_config.json it saves (`model_max_length = int(1e30)`).
  @Test func integersBeyond64BitsAreFloats() throws {
    let value = try JSONValue.parse(#"{"model_max_length":1000000000000000019884624838656}"#)
    let number = try #require(value["model_max_length"]?.number)
    #expect(number.int64 == nil && number.uint64 == nil)
    #expect(number.double == 1e30)
  }

  @Test func sameKeysInSiblingObjectsAreFine() throws {
    let value = try JSONValue.parse(#"{"a":{"k":1},"b":{"k":2}}"#)
    #expect(value["b"]?["k"]?.number?.int == 2)
  }
}
