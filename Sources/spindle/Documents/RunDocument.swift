/// `spindle run --json`: the model, the prompt's token ids, the generated ids and their text.
struct RunDocument: Encodable {
  var path: String
  var prompt: [Int32]
  var generated: [Int32]
  /// The continuation only (the prompt is not repeated).
  var text: String
}
