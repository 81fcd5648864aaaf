import Inference

extension ModelLoader {
  /// Finds every stored tensor of the description, checks its shape and splits fused ones
  /// into one view per role.
  mutating func pickTensors(_ c: LlamaConfiguration, rotaryDimension: Int) throws(ModelError) {
    for stored in definition.tensors {
      let layers = stored.isPerLayer ? 0..<max(0, c.layerCount) : 0..<1
      for layer in layers {
        guard let name = stored.name(format, layer: layer, in: definition),
          let view = opened.tensors[name]
        else { continue }
        let shapes = stored.roles.map { $0.shape(c, rotaryDimension: rotaryDimension) }
        var expected = shapes[0]
        expected[0] = shapes.reduce(0) { $0 + $1[0] }
        guard view.shape == expected else {
          let parts = stored.roles.map(\.rawValue).joined(separator: " + ")
          throw ModelError(
            .shape, path: path, name: name,
            "tensor \"\(name)\" (\(parts)) should be \(expected), found \(view.shape)")
        }
        for (role, part) in try split(view, stored, shapes: shapes, heads: c.headCount) {
          found[role, default: [:]][layer] = part
        }
      }
    }
  }

  /// One view per role of a stored tensor.
  func split(_ view: TensorView, _ stored: StoredTensor, shapes: [[Int]], heads: Int)
    throws(ModelError) -> [(TensorRole, TensorView)]
  {
    guard stored.roles.count > 1 else { return [(stored.roles[0], view)] }
    let rows = view.shape[0]
    guard rows > 0, view.byteCount % rows == 0 else {
      throw ModelError(
        .shape, path: path, name: view.name,
        "tensor \"\(view.name)\" (\(view.dtype)) cannot be split by rows")
    }
    var parts: [(TensorRole, TensorView)] = []
    do {
      switch stored.arrangement(format) {
      case .stacked, .ropePermuted:
        var start = 0
        for (role, shape) in zip(stored.roles, shapes) {
          parts.append(
            (
              role,
              try RowGather.slice(
                view, rows: start..<(start + shape[0]), name: "\(view.name)[\(role.rawValue)]")
            ))
          start += shape[0]
        }
      case .perHead:
        // [head][role][d]: every role has `heads` blocks of `d` rows.
        let d = rows / (heads * stored.roles.count)
        guard d > 0, d * heads * stored.roles.count == rows else {
          throw ModelError(
            .shape, path: path, name: view.name,
            "tensor \"\(view.name)\" has \(rows) rows, not \(stored.roles.count) × \(heads) heads")
        }
        for (r, (role, shape)) in zip(stored.roles, shapes).enumerated() {
          let order = (0..<heads).flatMap { h in
            (0..<d).map { h * stored.roles.count * d + r * d + $0 }
          }
          parts.append(
            (
              role,
              try RowGather.gather(
                view, rows: order, name: "\(view.name)[\(role.rawValue)]", shape: shape)
            ))
        }
      }
    } catch let error as ModelError {
      throw error
    } catch let error as InferenceError {
      throw ModelError(error, path: path)
    } catch {
      throw ModelError(.shape, path: path, name: view.name, "\(error)")
    }
    return parts
  }

  /// The view of `role` in `layer`, or `missingTensor` naming where it should be.
  func required(_ role: TensorRole, _ layer: Int = 0) throws(ModelError) -> TensorView {
    if let view = found[role]?[layer] { return view }
    let names = definition.tensors.filter { $0.roles.contains(role) }.compactMap {
      $0.name(format, layer: layer, in: definition)
    }
    let name = names.first ?? role.rawValue
    let message =
      names.count > 1
      ? "required tensor \"\(name)\" is missing (nor is it in "
        + names.dropFirst().map { "\"\($0)\"" }.joined(separator: " or ") + ")"
      : "required tensor \"\(name)\" is missing"
    throw ModelError(.missingTensor, path: path, name: name, message)
  }

  func optional(_ role: TensorRole, _ layer: Int = 0) -> TensorView? {
    found[role]?[layer]
  }

  /// The weights by role; required roles must be there, the output tied when the config
  /// says so (transformers) or when GGUF has no `output.weight` (llama.cpp).
  func weights(_ c: LlamaConfiguration) throws(ModelError) -> LlamaWeights {
    let needed = definition.requiredRoles
    func role(_ role: TensorRole, _ layer: Int) throws(ModelError) -> TensorView? {
      needed.contains(role) ? try required(role, layer) : optional(role, layer)
    }
    var layers: [LlamaWeights.Layer] = []
    for i in 0..<max(0, c.layerCount) {
      let gate = try role(.gate, i)
      if gate == nil, case .swiGLU = c.recipe.feedForward {
        _ = try required(.gate, i)
      }
      layers.append(
        LlamaWeights.Layer(
          attentionNorm: try required(.attentionNorm, i),
          attentionNormBias: try role(.attentionNormBias, i), query: try required(.query, i),
          key: try required(.key, i), value: try required(.value, i),
          attentionOutput: try required(.attentionOutput, i),
          queryBias: try role(.queryBias, i), keyBias: try role(.keyBias, i),
          valueBias: try role(.valueBias, i),
          attentionOutputBias: try role(.attentionOutputBias, i),
          queryNorm: try role(.queryNorm, i), keyNorm: try role(.keyNorm, i),
          feedForwardNorm: try required(.feedForwardNorm, i),
          feedForwardNormBias: try role(.feedForwardNormBias, i), gate: gate,
          up: try required(.up, i), upBias: try role(.upBias, i), down: try required(.down, i),
          downBias: try role(.downBias, i)))
    }
    var output: TensorView?
    switch format {
    case .gguf:
      output = try role(.output, 0)
    case .huggingFace:
      let tied = try reader.bool(.tiedEmbeddings) ?? false
      output = tied ? nil : try required(.output)
    }
    return LlamaWeights(
      tokenEmbedding: try required(.tokenEmbedding), layers: layers,
      outputNorm: try required(.outputNorm), outputNormBias: try role(.outputNormBias, 0),
      output: output, outputBias: try role(.outputBias, 0))
  }
}
