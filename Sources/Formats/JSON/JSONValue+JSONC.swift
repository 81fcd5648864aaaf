internal import CJSONC

/// Parsing and printing through json-c.
extension JSONValue {
  /// Nesting depth the scanner and json-c are allowed to parse (``Limits/jsonDepth``).
  public static let maximumDepth = Limits.jsonDepth

  /// Parses one JSON document that fills `bytes` (whitespace may surround it).
  ///
  /// Stricter than json-c alone: duplicate keys in any object and anything after the document
  /// other than JSON whitespace are errors. The caps of ``Limits`` (document bytes, nesting
  /// depth, number of values) are checked before json-c allocates anything. Integers beyond 64 bits read as floats (as in
  /// serde_json and Python), where json-c alone would clamp them.
  /// - Parameters:
  ///   - path: the file, for error messages.
  ///   - baseOffset: where `bytes` start in that file, so errors carry file offsets.
  public static func parse(
    _ bytes: UnsafeRawBufferPointer, path: String, baseOffset: Int = 0
  ) throws(FormatError) -> JSONValue {
    guard bytes.count <= Limits.jsonDocumentBytes else {
      throw FormatError(
        .invalidJSON, path: path, offset: baseOffset,
        "JSON document is \(bytes.count) bytes, over Spindle's limit of \(Limits.jsonDocumentBytes) bytes"
      )
    }
    let wideIntegers = try JSONScanner.check(bytes, path: path, baseOffset: baseOffset)
    guard wideIntegers.isEmpty else {
      // json-c would clamp them to UInt64.max: give each a ".0" so it reads them as doubles,
      // keeping their digits as the number's text.
      var widened: [UInt8] = []
      widened.reserveCapacity(bytes.count + 2 * wideIntegers.count)
      var start = 0
      for end in wideIntegers {
        widened += bytes[start..<end]
        widened += Array(".0".utf8)
        start = end
      }
      widened += bytes[start...]
      let result = widened.withUnsafeBytes { raw in
        Result { () throws(FormatError) -> JSONValue in
          try parseChecked(raw, path: path, baseOffset: baseOffset)
        }
      }
      return try result.get()
    }
    return try parseChecked(bytes, path: path, baseOffset: baseOffset)
  }

  /// json-c's parse of text the scanner accepted.
  private static func parseChecked(
    _ bytes: UnsafeRawBufferPointer, path: String, baseOffset: Int
  ) throws(FormatError) -> JSONValue {
    guard let tokener = json_tokener_new_ex(Int32(maximumDepth)) else {
      throw FormatError(.io, path: path, "json-c could not allocate a tokener")
    }
    defer { json_tokener_free(tokener) }
    json_tokener_set_flags(tokener, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8)
    guard bytes.count < Int(Int32.max), let base = bytes.baseAddress else {
      if bytes.isEmpty {
        throw FormatError(.invalidJSON, path: path, offset: baseOffset, "empty JSON document")
      }
      throw FormatError(
        .invalidJSON, path: path, offset: baseOffset, "JSON document too large for json-c")
    }
    let root = json_tokener_parse_ex(
      tokener, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
    let status = json_tokener_get_error(tokener)
    let end = json_tokener_get_parse_end(tokener)
    guard status == json_tokener_success, let root else {
      if let root { json_object_put(root) }
      let reason =
        status == json_tokener_continue
        ? "unexpected end of JSON" : String(cString: json_tokener_error_desc(status))
      let kind: FormatError.Kind = status == json_tokener_error_depth ? .jsonTooDeep : .invalidJSON
      throw FormatError(kind, path: path, offset: baseOffset + end, "invalid JSON: \(reason)")
    }
    defer { json_object_put(root) }
    return JSONValue(root)
  }

  /// Parses a JSON document held in a string.
  public static func parse(_ text: String, path: String = "<string>") throws(FormatError)
    -> JSONValue
  {
    let bytes = Array(text.utf8)
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(FormatError) -> JSONValue in try parse(raw, path: path) }
    }
    return try result.get()
  }

  fileprivate init(_ object: OpaquePointer) {
    switch json_object_get_type(object) {
    case json_type_null:
      self = .null
    case json_type_boolean:
      self = .bool(json_object_get_boolean(object) != 0)
    case json_type_int where json_object_get_int64(object) != Int64.max:
      // json-c prints an integer in its 64-bit form; only one stored as unsigned above
      // Int64.max (read back clamped to it) needs json-c's own printing.
      self = .number(JSONNumber(Int(json_object_get_int64(object))))
    case json_type_int, json_type_double:
      let text = String(cString: json_object_to_json_string_ext(object, JSON_C_TO_STRING_PLAIN))
      self = .number(
        JSONNumber(text: text, isInteger: json_object_get_type(object) == json_type_int))
    case json_type_string:
      let length = Int(json_object_get_string_len(object))
      let pointer = UnsafeRawPointer(json_object_get_string(object))
      self = .string(
        String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self))
    case json_type_array:
      let count = json_object_array_length(object)
      var elements: [JSONValue] = []
      elements.reserveCapacity(count)
      for index in 0..<count {
        if let element = json_object_array_get_idx(object, index) {
          elements.append(JSONValue(element))
        } else {
          elements.append(.null)
        }
      }
      self = .array(elements)
    default:
      var members: [(key: String, value: JSONValue)] = []
      var iterator = json_object_iter_begin(object)
      var end = json_object_iter_end(object)
      while json_object_iter_equal(&iterator, &end) == 0 {
        let key = String(cString: json_object_iter_peek_name(&iterator))
        let value = json_object_iter_peek_value(&iterator).map(JSONValue.init) ?? .null
        members.append((key, value))
        json_object_iter_next(&iterator)
      }
      self = .object(JSONObject(members))
    }
  }

  /// Layout of printed JSON.
  public enum Style: Sendable {
    /// No whitespace at all (the safetensors header form).
    case compact
    /// Two-space indentation, one member per line.
    case pretty
  }

  /// The document as JSON text, printed by json-c (`/` is not escaped).
  public func serialized(_ style: Style = .compact) -> String {
    let object = makeJSONC()
    defer { if let object { json_object_put(object) } }
    var flags = JSON_C_TO_STRING_NOSLASHESCAPE
    switch style {
    case .compact: flags |= JSON_C_TO_STRING_PLAIN
    case .pretty: flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
    }
    guard let object else { return "null" }
    var text = String(cString: json_object_to_json_string_ext(object, flags))
    if style == .pretty { text = JSONValue.normalizePrettyEmptyContainers(text) }
    return text
  }

  private static func normalizePrettyEmptyContainers(_ text: String) -> String {
    // json-c prints empty containers as "{ }" / "[ ]" in pretty mode; use "{}" / "[]".
    text.replacing("{ }", with: "{}").replacing("[ ]", with: "[]")
  }

  fileprivate func makeJSONC() -> OpaquePointer? {
    switch self {
    case .null:
      return nil
    case .bool(let value):
      return json_object_new_boolean(value ? 1 : 0)
    case .number(let number):
      if number.isInteger {
        if let value = Int64(number.text) { return json_object_new_int64(value) }
        if let value = UInt64(number.text) { return json_object_new_uint64(value) }
      }
      return json_object_new_double_s(number.double, number.text)
    case .string(let text):
      var text = text
      return text.withUTF8 { utf8 in
        utf8.withMemoryRebound(to: CChar.self) { chars in
          json_object_new_string_len(chars.baseAddress, Int32(chars.count))
        }
      }
    case .array(let elements):
      let array = json_object_new_array_ext(Int32(elements.count))
      for element in elements { json_object_array_add(array, element.makeJSONC()) }
      return array
    case .object(let object):
      let result = json_object_new_object()
      for (key, value) in object {
        json_object_object_add(result, key, value.makeJSONC())
      }
      return result
    }
  }
}
