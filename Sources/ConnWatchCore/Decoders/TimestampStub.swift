public enum Timestamp {
    public static func formatISO8601(milliseconds: Int64) -> String { "\(milliseconds)" }
    public static func parseISO8601(_ string: String) -> Int64? { Int64(string) }
}
