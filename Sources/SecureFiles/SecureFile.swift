import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing files whose loss or exposure would matter: keys,
/// cached key sets, configuration with secrets.
///
/// Writes are atomic: the data goes to a temporary file in the same
/// directory, created with the final mode (0600 by default) so it is never
/// readable by others even for a moment, is flushed with `fsync`, and only
/// then takes the final name. A crash leaves the old file or the new one,
/// never a mix.
public enum SecureFile {
    /// Writes `data` to `path` atomically with `mode`. With `replacing` false
    /// an existing file is never touched and `alreadyExists` is thrown.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o600, replacing: Bool) throws(SecureFileError) {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        if !replacing, FileManager.default.fileExists(atPath: path) {
            throw SecureFileError(.alreadyExists, "\(path) already exists; it was left as it is")
        }
        let temporary = "\(directory)/.\(name).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .system("create a file in", directory) }
        var written = false
        defer { if !written { unlink(temporary) } }
        do {
            defer { close(descriptor) }
            // The umask may have narrowed the mode; never widen it, but make it exact.
            guard fchmod(descriptor, mode) == 0 else { throw SecureFileError.system("set the mode of", temporary) }
            let failure: Int32? = data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> Int32? in
                var offset = 0
                while offset < buffer.count {
                    let result = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if result < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    offset += result
                }
                return nil
            }
            if let failure { throw SecureFileError.system("write", temporary, errno: failure) }
            guard fsync(descriptor) == 0 else { throw SecureFileError.system("flush", temporary) }
        }
        if replacing {
            guard rename(temporary, path) == 0 else { throw .system("replace", path) }
        } else {
            // link(2) fails if the name exists, so a racing writer cannot be overwritten.
            guard link(temporary, path) == 0 else { throw .system("create", path) }
            unlink(temporary)
        }
        written = true
        syncDirectory(directory)
    }

    /// Reads at most `limit` bytes; a larger file is refused rather than
    /// read in part.
    public static func read(_ path: String, limit: Int) throws(SecureFileError) -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system("open", path) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .system("inspect", path) }
        guard Int(status.st_size) <= limit else {
            throw SecureFileError(.tooLarge, "\(path) has \(status.st_size) bytes, more than the \(limit) allowed")
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw .system("read", path)
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[..<count])
            guard data.count <= limit else {
                throw SecureFileError(.tooLarge, "\(path) grew past the \(limit) bytes allowed while being read")
            }
        }
        return data
    }

    /// The permission bits of `path`, or nil if it cannot be inspected.
    public static func permissions(of path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & 0o7777
    }

    /// True when anyone but the owner may read or write `path`.
    public static func isExposed(_ path: String) -> Bool {
        guard let mode = permissions(of: path) else { return false }
        return mode & 0o077 != 0
    }

    /// Makes a directory (and its parents) with `mode` if it is missing.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(SecureFileError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw SecureFileError(.systemError, "cannot create the directory \(path): \(error.localizedDescription)")
        }
    }

    /// Makes a private data directory, or makes an existing one private:
    /// an existing directory keeps whatever mode it was made with, so group
    /// and other bits are taken away here (the files inside are personal
    /// data and keys). Returns the mode it had when that changed anything.
    @discardableResult
    public static func makePrivateDirectory(_ path: String) throws(SecureFileError) -> mode_t? {
        try makeDirectory(path, mode: 0o700)
        guard let mode = permissions(of: path), mode & 0o077 != 0 else { return nil }
        guard chmod(path, mode & 0o700) == 0 else {
            throw SecureFileError(.systemError, "\(path) is readable by others (mode \(String(mode, radix: 8))) and cannot be made private: \(String(cString: strerror(errno))); run `chmod 700 \(path)`")
        }
        return mode
    }

    /// Flushes a directory so a rename in it survives a power cut.
    private static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
