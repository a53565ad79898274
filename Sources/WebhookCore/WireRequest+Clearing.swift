import WhsSupport

/// Clearing an account on a server (docs/OPERATIONS.md) as HTTP: `POST /v1/reset`, and the
/// two logs' `DELETE` with a `before=` filter.
extension WireRequest {
    /// Every part without a body; some parts as `{"parts": [...]}`.
    public static func reset(_ parts: Set<ResetPart>) -> WireRequest {
        let body: JSON? = parts == Set(ResetPart.allCases) ? nil : .object([("parts", .array(parts.sorted().map { .string($0.rawValue) }))])
        return WireRequest(method: .post, path: "/v1/reset", query: [], body: body)
    }

    /// `DELETE /v1/mails` or `/v1/deliveries`, everything or what is older than `before`.
    public static func deleteLog(_ part: ResetPart, before: String?) -> WireRequest {
        WireRequest(method: .delete, path: "/v1/\(part.rawValue)", query: before.map { [("before", $0)] } ?? [], body: nil)
    }
}
