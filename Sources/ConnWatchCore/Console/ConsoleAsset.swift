/// The web console's files, embedded in the binary: one HTML page, its script and its style sheet.
/// Nothing is loaded from elsewhere; the page fetches its data from the API of the same origin.
public enum ConsoleAsset: Sendable, Equatable {
    /// `GET /`
    case page
    /// `GET /console.js`
    case script
    /// `GET /console.css`
    case style

    /// The Content-Security-Policy every console file is served with: scripts, styles and
    /// requests to this origin only, no inline script or style, no framing, no forms elsewhere.
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The asset served as `/<fileName>` (the page is `/`).
    public init?(fileName: String) {
        switch fileName {
        case "console.js": self = .script
        case "console.css": self = .style
        default: return nil
        }
    }

    public var contentType: String {
        switch self {
        case .page: return "text/html; charset=utf-8"
        case .script: return "text/javascript; charset=utf-8"
        case .style: return "text/css; charset=utf-8"
        }
    }

    /// The file's text.
    public var text: String {
        switch self {
        case .page: return ConsolePage.html
        case .script: return ConsoleScript.source
        case .style: return ConsoleStyle.css
        }
    }

    /// The answer, with the security headers.
    public var response: APIResponse {
        APIResponse(
            status: 200,
            contentType: contentType,
            body: Array(text.utf8),
            headers: [
                "Content-Security-Policy": Self.contentSecurityPolicy,
                "X-Content-Type-Options": "nosniff",
                "X-Frame-Options": "DENY",
                "Referrer-Policy": "no-referrer",
                "Cross-Origin-Opener-Policy": "same-origin",
                "Cross-Origin-Resource-Policy": "same-origin",
            ]
        )
    }
}
