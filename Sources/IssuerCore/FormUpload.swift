import FileChecks
import IssuerStore

/// A file part a form may carry: its kind, its largest size, the types
/// its content may be.
package struct UploadRule: Sendable {
    package let kind: DocumentKind
    package let maximumBytes: Int
    package let allowed: Set<SniffedType>

    package init(kind: DocumentKind, maximumBytes: Int, allowed: Set<SniffedType>) {
        self.kind = kind
        self.maximumBytes = maximumBytes
        self.allowed = allowed
    }
}

/// A file part, sealed in the ``DocumentStore`` as it arrived.
package struct UploadedFile: Sendable {
    package let kind: DocumentKind
    package let type: SniffedType
    package let fileName: String
    package let size: Int

    package init(kind: DocumentKind, type: SniffedType, fileName: String, size: Int) {
        self.kind = kind
        self.type = type
        self.fileName = fileName
        self.size = size
    }

    /// How the application record names it.
    package var stored: StoredDocument { StoredDocument(kind: kind, contentType: type.rawValue, fileName: fileName, size: size) }
}

/// A whole uploaded form: its text fields and its sealed files, by field name.
package struct UploadedForm: Sendable {
    package var fields: [String: String] = [:]
    package var files: [String: UploadedFile] = [:]

    package init(fields: [String: String] = [:], files: [String: UploadedFile] = [:]) {
        self.fields = fields
        self.files = files
    }
}

/// An upload as it streams in, read by the transport (IssuerService reads
/// a `multipart/form-data` body): the domain says which fields and files
/// it takes, and passes a gate that sees the text fields before the first
/// byte of a file is read, so that a refused form costs no disk and no
/// sealing. On any error the files written so far are deleted.
package protocol FormUpload: Sendable {
    /// What must hold before the first file part: given every text field, it throws to refuse the form.
    typealias Gate = @Sendable (_ fields: [String: String]) async throws -> Void

    func read(textFields: Set<String>, files: [String: UploadRule], maximumFieldBytes: Int, deadline: Duration, gate: @escaping Gate) async throws -> UploadedForm
}

/// A file type judged by its structure (``FileStructureCheck``), with the
/// content type it is stored and served as.
package enum SniffedType: String, Sendable, CustomStringConvertible {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case pdf = "application/pdf"

    package init(_ kind: FileStructureCheck.Kind) {
        switch kind {
        case .jpeg: self = .jpeg
        case .png: self = .png
        case .pdf: self = .pdf
        }
    }

    package var structure: FileStructureCheck.Kind {
        switch self {
        case .jpeg: .jpeg
        case .png: .png
        case .pdf: .pdf
        }
    }

    package var description: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .pdf: "PDF"
        }
    }

    /// The file name extension a saved copy gets.
    package var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .pdf: "pdf"
        }
    }
}
