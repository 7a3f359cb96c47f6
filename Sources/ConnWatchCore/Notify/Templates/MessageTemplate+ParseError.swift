import Mustache

extension MessageTemplate {
    /// Why a template could not be parsed, and where.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Offset in characters where the problem is.
        public var offset: Int
        /// The line of the template where the problem is, from 1.
        public var line: Int
        /// The column (in characters) where the problem is, from 1.
        public var column: Int
        public var message: String
        public var description: String { "\(message) (template line \(line), column \(column))" }

        /// A problem at `offset` characters into `source`.
        init(message: String, offset: Int, in source: String) {
            let offset = min(max(offset, 0), source.count)
            let before = source.prefix(offset)
            self.offset = offset
            self.line = before.count(where: \.isNewline) + 1
            self.column = before.reversed().prefix { !$0.isNewline }.count + 1
            self.message = message
        }

        /// swift-mustache's error about `source`, which it parsed behind `MessageTemplate.contentTypeLine`.
        init(_ error: MustacheTemplate.ParserError, in source: String) {
            let lines = source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            let line = min(max(error.context.lineNumber - 1, 1), lines.count)
            var offset =
                lines.prefix(line - 1).reduce(0) { $0 + $1.count + 1 }
                + min(error.context.columnNumber - 1, lines[line - 1].count)
            let message: String
            switch error.error {
            case MustacheTemplate.Error.expectedSectionEnd:
                message = "a section is not closed: '{{/name}}' missing before the end of the template"
            case MustacheTemplate.Error.sectionCloseNameIncorrect:
                let name = source.dropFirst(offset).prefix { !$0.isWhitespace && $0 != "}" }
                message = "'{{/\(name)}}' closes no open section"
            case _ where offset >= source.count:
                // Ran out of text inside a tag: point at the last tag opened.
                message = "unclosed '{{' in template"
                if let open = source.ranges(of: "{{").last {
                    offset = source.distance(from: source.startIndex, to: open.lowerBound)
                }
            case MustacheTemplate.Error.unfinishedName:
                message = "bad tag in template: '}}' expected"
            case MustacheTemplate.Error.invalidSetDelimiter:
                message = "bad delimiter tag in template: '{{=<% %>=}}' expected"
            case MustacheTemplate.Error.invalidConfigVariableSyntax, MustacheTemplate.Error.unrecognisedConfigVariable:
                message = "bad pragma in template: only '{{% CONTENT_TYPE: TEXT|HTML}}' is known"
            default:
                message = "bad template inheritance ('{{<…}}' / '{{$…}}')"
            }
            self.init(message: message, offset: offset, in: source)
        }
    }
}
