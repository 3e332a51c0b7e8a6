import FileChecks

/// An uploaded file's bytes through ``FileStructureCheck`` with every kind
/// allowed. Properties: the verdict (kind or refusal) and the number of
/// bytes kept are the same whether the file arrives whole or in chunks of
/// 1, 7 or 61 bytes; the kept bytes are a prefix of the input; and an
/// accepted file, cut to what was kept, is accepted again and kept whole.
enum FuzzFileStructure {
    struct Verdict: Equatable {
        /// The kind at finish, nil when refused (at a feed or at the end).
        var kind: FileStructureCheck.Kind?
        /// How many bytes from the start belong to the file.
        var kept: Int
    }

    static func verdict(_ bytes: [UInt8], chunk size: Int) -> Verdict {
        var check = FileStructureCheck(allowed: Set(FileStructureCheck.Kind.allCases))
        var kept = 0
        var start = 0
        repeat {
            let end = min(start + size, bytes.count)
            let slice = bytes[start..<end]
            let taken: Int
            do { taken = try check.feed(slice) } catch { return Verdict(kind: nil, kept: kept) }
            // Once a file has ended, nothing after it belongs to it.
            kept += taken
            if taken < slice.count { break }
            start = end
        } while start < bytes.count
        return Verdict(kind: try? check.finish(), kept: kept)
    }

    static func run(_ bytes: [UInt8]) throws(FuzzPropertyFailure) {
        let whole = verdict(bytes, chunk: max(bytes.count, 1))
        guard (0...bytes.count).contains(whole.kept) else { throw FuzzPropertyFailure("kept \(whole.kept) of \(bytes.count) bytes") }
        for size in [1, 7, 61] {
            let chunked = verdict(bytes, chunk: size)
            // A refusal may come at an earlier byte when fed in pieces; only accepted files must agree exactly.
            guard (chunked.kind == nil) == (whole.kind == nil) else {
                throw FuzzPropertyFailure("whole: \(whole.kind.map(\.rawValue) ?? "refused"), in \(size)-byte chunks: \(chunked.kind.map(\.rawValue) ?? "refused")")
            }
            if whole.kind != nil, chunked != whole {
                throw FuzzPropertyFailure("whole kept \(whole.kept) bytes, \(size)-byte chunks kept \(chunked.kept)")
            }
        }
        guard let kind = whole.kind else { return }
        let again = verdict(Array(bytes.prefix(whole.kept)), chunk: 61)
        guard again == Verdict(kind: kind, kept: whole.kept) else {
            throw FuzzPropertyFailure("the kept \(whole.kept) bytes of a \(kind.rawValue) read again as \(again.kind.map(\.rawValue) ?? "refused") keeping \(again.kept)")
        }
    }
}
