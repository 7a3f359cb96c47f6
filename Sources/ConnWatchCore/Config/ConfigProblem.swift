/// One thing wrong with a configuration file, located as `file:line:column`.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem concerns the whole file.
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, the form editors and compilers use.
    /// A problem of the whole file (line 0) is `file: message`.
    public var description: String { line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)" }

    /// The same as a warning: `file:line:column: warning: message`.
    public var asWarning: String {
        line > 0 ? "\(file):\(line):\(column): warning: \(message)" : "\(file): warning: \(message)"
    }
}

/// A configuration that cannot be used, with every problem found.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [ConfigProblem]

    public init(problems: [ConfigProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
