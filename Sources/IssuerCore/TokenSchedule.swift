/// When tokens start, refresh and end. Time is cut into refresh windows
/// aligned to the epoch (`[k·R, (k+1)·R)`), so every request in a window,
/// on any instance, is answered with the same token, and the phone's
/// countdown ends when the window does.
public struct TokenSchedule: Sendable, Equatable {
    /// R: how often the phone shows a new token (default 300 s).
    public let refreshInterval: Int64
    /// How long a token outlives its window, so that a code scanned as the
    /// phone refreshes still passes (default 60 s).
    public let grace: Int64
    /// How long before the window ends the next token is also handed out.
    public let nextTokenLead: Int64

    public init(refreshInterval: Int64, grace: Int64, nextTokenLead: Int64) {
        precondition(refreshInterval > 0 && grace >= 0 && (0..<refreshInterval).contains(nextTokenLead))
        self.refreshInterval = refreshInterval
        self.grace = grace
        self.nextTokenLead = nextTokenLead
    }

    /// One refresh window.
    public struct Window: Sendable, Equatable {
        public let start: Int64
        /// When the phone should show the next token (the window's end).
        public let refreshAt: Int64
        /// The `exp` of the window's token: the end plus the grace.
        public let expiresAt: Int64
    }

    /// The longest `exp − iat` of any token (published in the key set as
    /// `max_token_lifetime`): a whole window plus the grace.
    public var maxTokenLifetime: Int64 { refreshInterval + grace }

    /// The window containing `now` (now ≥ 0).
    public func window(at now: Int64) -> Window {
        let start = now - now % refreshInterval
        return Window(start: start, refreshAt: start + refreshInterval, expiresAt: start + refreshInterval + grace)
    }

    /// The window after `window`.
    public func next(after window: Window) -> Window {
        self.window(at: window.refreshAt)
    }

    /// Whether the next token should be handed out with the current one.
    public func offersNext(at now: Int64) -> Bool {
        window(at: now).refreshAt - now <= nextTokenLead
    }
}
