import Foundation

/// Where uploaded ID documents and photos are kept, sealed, whatever
/// holds them: today a private directory (``DocumentVault``); with
/// several instances, a directory they share or an object store behind
/// this same protocol (docs/architecture.md).
///
/// The calls block (files, or the network): callers run them on a thread
/// pool, never on the cooperative one. The streaming upload reader
/// writes through a ``DocumentWriter`` chunk by chunk, so no upload is
/// held whole in memory and no plaintext reaches the store.
public protocol DocumentStore: Sendable {
    /// Makes the store ready (the directory, private); called before serving.
    func prepare() throws(IssuerStoreError)
    /// Starts a new sealed document under `fileName` (from ``DocumentVault/newFileName()``).
    func makeWriter(fileName: String) throws(IssuerStoreError) -> any DocumentWriter
    /// A whole document, opened; at most `limit` plaintext bytes.
    func read(fileName: String, limit: Int) throws(IssuerStoreError) -> Data
    /// Opens a document to read it chunk by chunk (a copy of personal
    /// data streams its documents instead of holding them).
    func openReader(fileName: String) throws(IssuerStoreError) -> any DocumentReader
    /// Removes a document; one that is already gone is no error.
    func delete(fileName: String) throws(IssuerStoreError)
    /// Documents that none of `known` names and that were last written
    /// before `modifiedBefore` (epoch seconds): what an upload cut off by
    /// a crash leaves behind.
    func unreferenced(known: Set<String>, modifiedBefore: Int64) throws(IssuerStoreError) -> [String]
}

/// One document being written: plaintext in, sealed as it goes. Not
/// shared between tasks.
public protocol DocumentWriter: AnyObject, Sendable {
    /// Adds plaintext.
    func append(_ bytes: some Collection<UInt8>) throws(IssuerStoreError)
    /// Seals the end and makes the document durable.
    func finish() throws(IssuerStoreError)
    /// Abandons the document (an upload refused or cut off).
    func discard()
}

/// One document being read: plaintext out, chunk by chunk, each checked
/// before it is handed over. Not shared between tasks; blocking I/O.
public protocol DocumentReader: AnyObject, Sendable {
    /// The next chunk of plaintext, or nil after the last one. Throws when
    /// the file is damaged, cut off or not sealed under this key.
    func next() throws(IssuerStoreError) -> [UInt8]?
}
