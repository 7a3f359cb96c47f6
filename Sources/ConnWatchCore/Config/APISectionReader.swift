import Yams

/// Reads only the `api:` section of a configuration file, whatever is wrong elsewhere in it: the
/// CLI's query commands need the daemon's address most right after a reload was rejected, when the
/// file has an error the running daemon does not share.
public enum APISectionReader {
    /// The `api:` settings of `text` (defaults when the file has no `api:` section), or `nil` when
    /// the file cannot be parsed as YAML or the section itself has a problem.
    public static func read(text: String, file: String) -> APIConfig? {
        // UTF-8 named, as ConfigLoader does: Yams's default reads the whole environment per parse.
        let parsed =
            (try? Yams.compose(yaml: text, .default, .default, .utf8))
            ?? (try? Yams.compose(yaml: IndentationTabs(text).repaired, .default, .default, .utf8))
        guard let root = parsed ?? nil, let mapping = root.mapping else { return nil }
        guard let section = mapping[Node("api")] else { return APIConfig() }
        let reader = NodeReader(file: file)
        let api = ConfigBuilder(reader: reader, isReadable: { _ in true }, credentialProblem: { _ in nil }).api(section)
        return reader.problems.isEmpty ? api : nil
    }
}
