import ArgumentParser
import CLISupport
import Foundation
import SecureFiles

/// What the CSV imports (`cards import`, `merchants import`) share: reading
/// the file or standard input within the importer's limit, and the closing
/// line that says what was written and what to do next.
enum ImportFile {
    /// The file's bytes ('-' reads standard input), at most `limit` + 1 so
    /// the importer can say the file is too large.
    static func read(_ file: String, limit: Int) throws -> Data {
        if file == "-" { return FileHandle.standardInput.readData(ofLength: limit + 1) }
        do { return try SecureFile.read(file, limit: limit + 1) } catch {
            throw CommandFailure.usage("cannot read \(file): \(error.message)")
        }
    }

    /// Prints the outcome; a rejected row makes the command exit 1.
    static func finish(applied: Bool, rejected: Int, summary: String) throws {
        if applied {
            print("imported: \(summary)")
        } else if rejected > 0 {
            print("nothing imported (\(summary)); fix the rejected rows and run the import again")
        } else {
            print("dry run, nothing written: \(summary)")
        }
        if rejected > 0 { throw ExitCode(ExitStatus.refused) }
    }
}
