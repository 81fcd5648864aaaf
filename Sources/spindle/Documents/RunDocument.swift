/// `spindle run --json`: the prompt's token ids, the generated ids and their text.
struct RunDocument: Encodable {
  var prompt: [Int32]
  var generated: [Int32]
  /// The continuation only (the prompt is not repeated).
  var text: String
}
