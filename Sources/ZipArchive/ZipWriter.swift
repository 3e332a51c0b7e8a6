import Checksums

/// Writes a ZIP archive (APPNOTE 6.3.10) as a stream: each entry's local
/// header, then its bytes as they come, then a data descriptor with the
/// CRC-32 and sizes, and the central directory at the end. Entries are
/// stored, not compressed (the documents are JPEG, PNG and PDF, already
/// compressed), so nothing needs to be held to write one. Names are
/// UTF-8 (flag bit 11). Without ZIP64, an archive has at most 65,535
/// entries and each entry and the whole archive stay under 4 GiB: past
/// that the writer throws rather than write a damaged archive.
///
/// The writer returns bytes; the caller sends or stores them.
public struct ZipWriter: Sendable {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case tooLarge
        case tooManyEntries
        case nameTooLong
        case entryNotOpen
        case entryStillOpen

        public var description: String {
            switch self {
            case .tooLarge: "the archive would pass 4 GiB, which a ZIP without ZIP64 cannot hold"
            case .tooManyEntries: "a ZIP without ZIP64 holds at most 65,535 entries"
            case .nameTooLong: "an entry's name is at most 65,535 bytes"
            case .entryNotOpen: "no entry is open"
            case .entryStillOpen: "the last entry is still open"
            }
        }
    }

    /// A date and time as ZIP stores it (MS-DOS format: local time, two-second steps, 1980–2107).
    public struct Timestamp: Sendable, Equatable {
        let time: UInt16
        let date: UInt16

        public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
            let clampedYear = min(max(year, 1980), 2107)
            date = UInt16((clampedYear - 1980) << 9 | (month & 0xF) << 5 | (day & 0x1F))
            time = UInt16((hour & 0x1F) << 11 | (minute & 0x3F) << 5 | ((second / 2) & 0x1F))
        }
    }

    private struct Entry {
        let name: [UInt8]
        let timestamp: Timestamp
        let offset: UInt32
        var crc = CRC32()
        var size: UInt64 = 0
    }

    private var written: UInt64 = 0
    private var finished: [Entry] = []
    private var open: Entry?

    public init() {}

    /// Bytes written so far.
    public var size: UInt64 { written }

    private static let limit: UInt64 = 0xFFFF_FFFF
    private static let flags: UInt16 = 1 << 3 | 1 << 11 // sizes in the data descriptor; UTF-8 names
    private static let version: UInt16 = 20

    /// Starts an entry; returns its local header.
    public mutating func begin(name: String, timestamp: Timestamp) throws(Failure) -> [UInt8] {
        guard open == nil else { throw .entryStillOpen }
        guard finished.count < 0xFFFF else { throw .tooManyEntries }
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= 0xFFFF else { throw .nameTooLong }
        guard written < Self.limit else { throw .tooLarge }
        open = Entry(name: nameBytes, timestamp: timestamp, offset: UInt32(written))
        var header = ByteWriter()
        header.u32(0x0403_4B50)
        header.u16(Self.version)
        header.u16(Self.flags)
        header.u16(0) // stored
        header.u16(timestamp.time)
        header.u16(timestamp.date)
        header.u32(0) // CRC-32, compressed and uncompressed sizes: in the data descriptor
        header.u32(0)
        header.u32(0)
        header.u16(UInt16(nameBytes.count))
        header.u16(0)
        header.bytes += nameBytes
        return try count(header.bytes)
    }

    /// Adds content to the open entry; returns the bytes to write (the content itself).
    public mutating func append<Bytes: Collection<UInt8>>(_ content: Bytes) throws(Failure) -> Bytes {
        guard var entry = open else { throw .entryNotOpen }
        entry.crc.update(content)
        entry.size += UInt64(content.count)
        guard entry.size <= Self.limit else { throw .tooLarge }
        open = entry
        _ = try count(content)
        return content
    }

    /// Ends the open entry; returns its data descriptor.
    public mutating func end() throws(Failure) -> [UInt8] {
        guard let entry = open else { throw .entryNotOpen }
        open = nil
        finished.append(entry)
        var descriptor = ByteWriter()
        descriptor.u32(0x0807_4B50)
        descriptor.u32(entry.crc.value)
        descriptor.u32(UInt32(entry.size))
        descriptor.u32(UInt32(entry.size))
        return try count(descriptor.bytes)
    }

    /// Writes the central directory and its end record; the archive is complete.
    public mutating func finish() throws(Failure) -> [UInt8] {
        guard open == nil else { throw .entryStillOpen }
        let start = written
        var directory = ByteWriter()
        for entry in finished {
            directory.u32(0x0201_4B50)
            directory.u16(0x0300 | Self.version) // made by: Unix, 2.0
            directory.u16(Self.version)
            directory.u16(Self.flags)
            directory.u16(0)
            directory.u16(entry.timestamp.time)
            directory.u16(entry.timestamp.date)
            directory.u32(entry.crc.value)
            directory.u32(UInt32(entry.size))
            directory.u32(UInt32(entry.size))
            directory.u16(UInt16(entry.name.count))
            directory.u16(0) // extra
            directory.u16(0) // comment
            directory.u16(0) // disk
            directory.u16(0) // internal attributes
            directory.u32(0o100600 << 16) // a regular file, readable by its owner only once extracted
            directory.u32(entry.offset)
            directory.bytes += entry.name
        }
        let directorySize = UInt64(directory.bytes.count)
        guard start + directorySize < Self.limit else { throw .tooLarge }
        directory.u32(0x0605_4B50)
        directory.u16(0)
        directory.u16(0)
        directory.u16(UInt16(finished.count))
        directory.u16(UInt16(finished.count))
        directory.u32(UInt32(directorySize))
        directory.u32(UInt32(start))
        directory.u16(0)
        return try count(directory.bytes)
    }

    private mutating func count<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(Failure) -> Bytes {
        written += UInt64(bytes.count)
        guard written <= Self.limit else { throw .tooLarge }
        return bytes
    }
}

/// Little-endian fields, as ZIP writes them.
private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u16(_ value: UInt16) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
    mutating func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xFF)) } }
}
