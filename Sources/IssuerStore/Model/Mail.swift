/// A message to send: who to, and the whole RFC 5322 text (headers and
/// body), rendered when the change that causes it is made.
public struct OutgoingMail: Sendable, Equatable {
    /// What the message is about (`application_received`, `password_reset`…), for status and metrics.
    public let kind: String
    public let recipient: String
    public let message: [UInt8]

    public init(kind: String, recipient: String, message: [UInt8]) {
        self.kind = kind
        self.recipient = recipient
        self.message = message
    }
}

/// A message waiting in the outbox.
public struct QueuedMail: Sendable, Equatable {
    public let id: Int64
    public let kind: String
    public let recipient: String
    public let message: [UInt8]
    public let attempts: Int
    public let createdAt: Int64

    package init(id: Int64, kind: String, recipient: String, message: [UInt8], attempts: Int, createdAt: Int64) {
        self.id = id
        self.kind = kind
        self.recipient = recipient
        self.message = message
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// The outbox as `alumnicard mail status` and the admin API show it.
public struct MailSummary: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        public let id: Int64
        public let kind: String
        public let status: String
        public let createdAt: Int64
        public let attempts: Int
        public let nextAttemptAt: Int64?
        public let lastError: String?
        public let sentAt: Int64?

        enum CodingKeys: String, CodingKey {
            case id, kind, status, attempts
            case createdAt = "created_at"
            case nextAttemptAt = "next_attempt_at"
            case lastError = "last_error"
            case sentAt = "sent_at"
        }

        package init(id: Int64, kind: String, status: String, createdAt: Int64, attempts: Int, nextAttemptAt: Int64? = nil, lastError: String? = nil, sentAt: Int64? = nil) {
            self.id = id
            self.kind = kind
            self.status = status
            self.createdAt = createdAt
            self.attempts = attempts
            self.nextAttemptAt = nextAttemptAt
            self.lastError = lastError
            self.sentAt = sentAt
        }
    }

    public let queued: Int
    public let sent: Int
    public let failed: Int
    /// The entries asked for (queued and failed, newest first).
    public let entries: [Entry]

    package init(queued: Int, sent: Int, failed: Int, entries: [Entry]) {
        self.queued = queued
        self.sent = sent
        self.failed = failed
        self.entries = entries
    }
}

public enum MailOutcome: String, Sendable {
    /// The relay accepted the message.
    case sent
    /// A temporary failure: try again at the given time.
    case retry
    /// A permanent refusal, or retries used up: stop and show it to staff.
    case failed
}
