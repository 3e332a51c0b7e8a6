/// The pages' Content-Security-Policy: scripts and styles only from our
/// own files (no inline script, no `eval`), images also as `data:` for the
/// enrolment QR code, nothing framed, forms posted only to us.
public enum ContentSecurityPolicy {
    public static let pages = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
        "worker-src 'self'", "manifest-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
    ].joined(separator: "; ")
}
