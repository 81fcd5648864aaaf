public import Models

/// The former name of ``Models/ModelCheckpoint``, kept while callers move over.
public typealias LlamaCheckpoint = ModelCheckpoint
