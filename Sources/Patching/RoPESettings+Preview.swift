import Models

extension RoPESettings {
  /// The settings `stamp` would write for `request`, computed without writing anything: the
  /// what-if of `spindle rope --yarn 4`.
  ///
  /// Resolved exactly as ``StampPlan`` resolves a request (the original context defaults to the
  /// model's, the context to original × factor, YaRN lengths must agree with the factor), except
  /// that an existing different scaling is replaced rather than refused. The warnings a stamp
  /// would print are in the result's ``warnings``.
  ///
  /// - Throws: ``PatchError`` for a request `stamp` would refuse; `contextKey` names the key
  ///   that should have held the context length.
  public func previewing(
    _ request: StampRequest, path: String, contextKey: String = "max_position_embeddings"
  ) throws(PatchError) -> RoPESettings {
    var request = request
    request.replace = true
    try request.validate(path: path)
    var (after, warnings) = try StampPlan.resolve(
      self, request: request, path: path, contextKey: contextKey)
    after.warnings = warnings
    return after
  }
}
