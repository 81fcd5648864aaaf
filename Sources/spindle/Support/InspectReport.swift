import Formats
import Tensors

/// What `spindle inspect` prints, as text or as one JSON document.
struct InspectReport {
  var checkpoint: Checkpoint
  var onlyTensors = false
  var metadataKeys: [String] = []

  private var selectedMetadata: [Checkpoint.MetadataItem] {
    if metadataKeys.isEmpty { return checkpoint.metadata }
    return metadataKeys.flatMap { key in checkpoint.metadata.filter { $0.key == key } }
  }

  var text: String {
    var lines: [String] = []
    if !metadataKeys.isEmpty {
      for item in selectedMetadata {
        lines.append("\(item.key) (\(item.type)): \(fullText(item.value))")
      }
      return lines.joined(separator: "\n")
    }
    if !onlyTensors {
      lines.append(headline)
      if checkpoint.files.count > 1 {
        lines.append("files (\(checkpoint.files.count)):")
        lines.append(
          table(
            checkpoint.files.map {
              [$0.path, grouped($0.byteCount), "header \(grouped($0.headerByteCount))"]
            },
            rightAligned: [1]))
      }
      lines.append("metadata (\(checkpoint.metadata.count)):")
      if !checkpoint.metadata.isEmpty {
        let showSource = Set(checkpoint.metadata.map(\.source)).count > 1
        lines.append(
          table(
            checkpoint.metadata.map { item in
              (showSource ? [item.source] : []) + [item.key, item.type, item.summary]
            }))
      }
    }
    lines.append("tensors (\(checkpoint.tensors.count)):")
    if !checkpoint.tensors.isEmpty {
      let multiFile = checkpoint.files.count > 1
      var rows = [["name", "dtype", "shape", "bytes", "offset"] + (multiFile ? ["file"] : [])]
      for tensor in checkpoint.tensors {
        rows.append(
          [
            tensor.name, tensor.dtype.name, shapeText(tensor.shape), grouped(tensor.byteCount),
            grouped(tensor.offset),
          ] + (multiFile ? [lastComponent(tensor.path)] : []))
      }
      lines.append(table(rows, rightAligned: [3, 4]))
    }
    lines.append(
      "total: \(grouped(checkpoint.tensors.count)) tensors, \(grouped(checkpoint.parameterCount)) parameters (\(humanCount(checkpoint.parameterCount))), \(grouped(checkpoint.dataByteCount)) data bytes"
    )
    return lines.joined(separator: "\n")
  }

  private var headline: String {
    var parts = ["\(checkpoint.layout.rawValue)"]
    if let version = checkpoint.version { parts[0] += " v\(version)" }
    parts.append(checkpoint.endianness == .big ? "big-endian" : "little-endian")
    if let alignment = checkpoint.alignment { parts.append("alignment \(alignment)") }
    let headerBytes = checkpoint.files.reduce(0) { $0 + $1.headerByteCount }
    parts.append("header \(grouped(headerBytes)) bytes")
    parts.append(
      "file \(grouped(checkpoint.fileByteCount)) bytes (\(humanBytes(checkpoint.fileByteCount)))")
    return "\(checkpoint.path): " + parts.joined(separator: ", ")
  }

  var json: JSONValue {
    var root = JSONObject()
    root["path"] = .string(checkpoint.path)
    root["format"] = .string(checkpoint.layout.rawValue)
    root["version"] = checkpoint.version.map { .integer($0) } ?? .null
    root["endianness"] = .string(checkpoint.endianness.rawValue)
    root["alignment"] = checkpoint.alignment.map { .integer($0) } ?? .null
    if !onlyTensors {
      root["files"] = .array(
        checkpoint.files.map { part in
          var object = JSONObject()
          object["path"] = .string(part.path)
          object["bytes"] = .integer(part.byteCount)
          object["header_bytes"] = .integer(part.headerByteCount)
          return .object(object)
        })
      root["metadata"] = .array(
        selectedMetadata.map { item in
          var object = JSONObject()
          object["source"] = .string(item.source)
          object["key"] = .string(item.key)
          object["type"] = .string(item.type)
          object["value"] = item.value
          return .object(object)
        })
    }
    if metadataKeys.isEmpty {
      root["tensors"] = .array(
        checkpoint.tensors.map { tensor in
          var object = JSONObject()
          object["name"] = .string(tensor.name)
          object["dtype"] = .string(tensor.dtype.name)
          object["shape"] = .array(tensor.shape.map { .integer($0) })
          object["bytes"] = .integer(tensor.byteCount)
          object["offset"] = .integer(tensor.offset)
          object["file"] = .string(tensor.path)
          return .object(object)
        })
      var totals = JSONObject()
      totals["tensors"] = .integer(checkpoint.tensors.count)
      totals["parameters"] = .integer(checkpoint.parameterCount)
      totals["data_bytes"] = .integer(checkpoint.dataByteCount)
      totals["file_bytes"] = .integer(checkpoint.fileByteCount)
      root["totals"] = .object(totals)
    }
    return .object(root)
  }

  private func shapeText(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
  }

  private func fullText(_ value: JSONValue) -> String {
    if case .string(let text) = value { return text }
    return value.serialized(.compact)
  }

  private func lastComponent(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }
}
