import Formats
import Tensors

/// What `spindle inspect` prints, as text or as one JSON document (``InspectDocument``).
struct InspectReport {
  var checkpoint: Checkpoint
  var onlyTensors = false
  var metadataKeys: [String] = []
  /// The terminal width the text is fitted to (``Terminal/outputColumns``); `nil`: full width.
  var width: Int?

  private var selectedMetadata: [Checkpoint.MetadataItem] {
    if metadataKeys.isEmpty { return checkpoint.metadata }
    return metadataKeys.flatMap { key in checkpoint.metadata.filter { $0.key == key } }
  }

  var text: String {
    var lines: [String] = []
    if !metadataKeys.isEmpty {
      for item in selectedMetadata {
        lines.append("\(printable(item.key)) (\(item.type)): \(fullText(item.value))")
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
            rightAligned: [1], width: width, flexible: 0, elision: .start))
      }
      lines.append("metadata (\(checkpoint.metadata.count)):")
      if !checkpoint.metadata.isEmpty {
        let showSource = Set(checkpoint.metadata.map(\.source)).count > 1
        lines.append(
          table(
            checkpoint.metadata.map { item in
              (showSource ? [item.source] : []) + [printable(item.key), item.type, item.summary]
            }, width: width, flexible: showSource ? 3 : 2))
      }
    }
    lines.append("tensors (\(checkpoint.tensors.count)):")
    if !checkpoint.tensors.isEmpty {
      let multiFile = checkpoint.files.count > 1
      var rows = [["name", "dtype", "shape", "bytes", "offset"] + (multiFile ? ["file"] : [])]
      for tensor in checkpoint.tensors {
        rows.append(
          [
            printable(tensor.name), tensor.dtype.name, shapeText(tensor.shape),
            grouped(tensor.byteCount),
            grouped(tensor.offset),
          ] + (multiFile ? [lastComponent(tensor.path)] : []))
      }
      lines.append(
        table(rows, rightAligned: [3, 4], width: width, flexible: 0, elision: .start))
    }
    lines.append(
      joinedFitting(
        [
          "total: \(grouped(checkpoint.tensors.count)) tensors",
          "\(grouped(checkpoint.parameterCount)) parameters (\(humanCount(checkpoint.parameterCount)))",
          "\(grouped(checkpoint.dataByteCount)) data bytes",
        ], width: width))
    // What still overflows (a path longer than the terminal) is broken, not lost.
    return wrapped(lines.joined(separator: "\n"), width: width) { _ in 4 }
  }

  private var headline: String {
    var parts = ["\(checkpoint.path): \(checkpoint.layout.rawValue)"]
    if let version = checkpoint.version { parts[0] += " v\(version)" }
    parts.append(checkpoint.endianness == .big ? "big-endian" : "little-endian")
    if let alignment = checkpoint.alignment { parts.append("alignment \(alignment)") }
    let headerBytes = checkpoint.files.reduce(0) { $0 + $1.headerByteCount }
    parts.append("header \(grouped(headerBytes)) bytes")
    parts.append(
      "file \(grouped(checkpoint.fileByteCount)) bytes (\(humanBytes(checkpoint.fileByteCount)))")
    return joinedFitting(parts, width: width)
  }

  var document: InspectDocument {
    InspectDocument(
      path: checkpoint.path, format: checkpoint.layout.formatName, version: checkpoint.version,
      endianness: checkpoint.endianness.rawValue, alignment: checkpoint.alignment,
      files: onlyTensors
        ? nil
        : checkpoint.files.map {
          InspectDocument.File(path: $0.path, bytes: $0.byteCount, headerBytes: $0.headerByteCount)
        },
      metadata: onlyTensors
        ? nil
        : selectedMetadata.map {
          InspectDocument.MetadataItem(
            source: $0.source, key: $0.key, type: $0.type, value: $0.value)
        },
      tensors: metadataKeys.isEmpty
        ? checkpoint.tensors.map {
          InspectDocument.Tensor(
            name: $0.name, dtype: $0.dtype.name, shape: $0.shape, bytes: $0.byteCount,
            offset: $0.offset, file: $0.path)
        } : nil,
      totals: metadataKeys.isEmpty
        ? InspectDocument.Totals(
          tensors: checkpoint.tensors.count, parameters: checkpoint.parameterCount,
          dataBytes: checkpoint.dataByteCount, fileBytes: checkpoint.fileByteCount) : nil)
  }

  private func shapeText(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
  }

  private func fullText(_ value: JSONValue) -> String {
    // Whole text (chat templates keep their lines), but no terminal control sequences.
    if case .string(let text) = value {
      return printable(text, limit: .max, keeping: ["\n", "\t"])
    }
    return value.serialized(.compact)
  }

  private func lastComponent(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }
}
