import Foundation

/// A CSV file with a header row (RFC 4180: commas, double-quoted fields,
/// CRLF or LF), read whole and bounded: the file's size, its rows and each
/// field. Problems with the file as a whole throw; each data row carries
/// its values by column name, or what is wrong with it. The registrar's
/// and the merchant directory's imports read through this.
package struct CSVTable {
    package struct Problem: Error { let message: String }

    package struct Row {
        /// The line the row starts on (the header is line 1).
        let line: Int
        let values: Result<[String: String], Problem>
    }

    package static let maximumFieldBytes = 1_024

    package let columns: [String]
    package let rows: [Row]

    package init(_ data: Data, required: [String], optional: [String], maximumBytes: Int, maximumRows: Int) throws(IssuerStoreError) {
        guard data.count <= maximumBytes else {
            throw IssuerStoreError(.invalidChange, "the file is \(data.count) bytes; split it into files of at most \(maximumBytes) bytes")
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) } // spreadsheet programs write a BOM
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw IssuerStoreError(.invalidChange, "the file is not UTF-8; export it from the spreadsheet as \"CSV UTF-8\"")
        }
        let records = try Self.records(in: text)
        guard let header = records.first else {
            throw IssuerStoreError(.invalidChange, "the file is empty; it needs a header row: \(required.joined(separator: ","))")
        }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for name in columns where !(required + optional).contains(name) {
            throw IssuerStoreError(.invalidChange, "unknown column \"\(name.prefix(64))\" in the header; the columns are \((required + optional).joined(separator: ", "))")
        }
        for name in required where !columns.contains(name) {
            throw IssuerStoreError(.invalidChange, "the header has no \"\(name)\" column; required: \(required.joined(separator: ", "))")
        }
        if Set(columns).count != columns.count {
            throw IssuerStoreError(.invalidChange, "the header names a column twice")
        }
        guard records.count - 1 <= maximumRows else {
            throw IssuerStoreError(.invalidChange, "the file has \(records.count - 1) rows; split it into files of at most \(maximumRows)")
        }
        self.columns = columns
        rows = records.dropFirst().map { record in
            guard record.fields.count == columns.count else {
                return Row(line: record.line, values: .failure(Problem(message: "has \(record.fields.count) fields; the header has \(columns.count)")))
            }
            var values: [String: String] = [:]
            for (name, value) in zip(columns, record.fields) { values[name] = value.trimmingCharacters(in: .whitespaces) }
            return Row(line: record.line, values: .success(values))
        }
    }

    package struct Record { let line: Int; let fields: [String] }

    /// Splits text into records of fields (RFC 4180 §2), skipping blank lines.
    package static func records(in text: String) throws(IssuerStoreError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var afterQuote = false
        var line = 1
        var recordLine = 1
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar?

        func endField() throws(IssuerStoreError) {
            guard field.utf8.count <= maximumFieldBytes else {
                throw IssuerStoreError(.invalidChange, "line \(recordLine): a field is longer than \(maximumFieldBytes) bytes")
            }
            fields.append(field)
            field = ""
            afterQuote = false
        }
        func endRecord() throws(IssuerStoreError) {
            try endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
        }

        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    let next = iterator.next()
                    if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; afterQuote = true; pending = next }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard field.isEmpty, !afterQuote else {
                    throw IssuerStoreError(.invalidChange, "line \(line): a quote inside an unquoted field; quote the whole field and double inner quotes")
                }
                quoted = true
            case ",":
                try endField()
            case "\r":
                let next = iterator.next()
                if next != "\n" { pending = next }
                try endRecord(); line += 1; recordLine = line
            case "\n":
                try endRecord(); line += 1; recordLine = line
            default:
                guard !afterQuote else {
                    throw IssuerStoreError(.invalidChange, "line \(line): text after a closing quote")
                }
                field.unicodeScalars.append(scalar)
            }
        }
        if quoted { throw IssuerStoreError(.invalidChange, "line \(recordLine): a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || afterQuote { try endRecord() }
        return records
    }
}
