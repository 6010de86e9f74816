import GraderModel

/// Parses `swiftc` output into diagnostics about the candidate's files.
enum CompilerDiagnostics {
    /// Words that mark a warning as a Swift concurrency (strict-concurrency) finding.
    static let concurrencyMarkers = ["sendable", "actor-isolated", "actor isolated", "data race", "concurrency",
                                     "nonisolated", "isolated", "@mainactor", "main actor", "global actor", "sending", "task-isolated",
                                     "from asynchronous contexts"]

    /// Warnings in the candidate's own files, split into concurrency warnings and the rest.
    static func warnings(in output: String, candidateFiles: Set<String>)
        -> (compiler: [CompilerDiagnostic], concurrency: [CompilerDiagnostic]) {
        var compiler: [CompilerDiagnostic] = []
        var concurrency: [CompilerDiagnostic] = []
        var seen: Set<String> = []
        for diagnostic in parse(output) where diagnostic.severity == "warning" && candidateFiles.contains(diagnostic.file) {
            let key = "\(diagnostic.file):\(diagnostic.line):\(diagnostic.column):\(diagnostic.message)"
            guard seen.insert(key).inserted else { continue }
            let lowered = diagnostic.message.lowercased()
            if concurrencyMarkers.contains(where: lowered.contains) {
                concurrency.append(diagnostic)
            } else {
                compiler.append(diagnostic)
            }
        }
        return (compiler, concurrency)
    }

    /// Lines of the form `path:line:column: severity: message`, with the path reduced to its file name.
    static func parse(_ output: String) -> [CompilerDiagnostic] {
        output.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            for severity in ["error", "warning", "note"] {
                guard let range = line.range(of: ": \(severity): ") else { continue }
                let location = line[..<range.lowerBound].split(separator: ":")
                guard location.count >= 3, let lineNumber = Int(location[location.count - 2]),
                      let column = Int(location[location.count - 1]) else { continue }
                let path = location[..<(location.count - 2)].joined(separator: ":")
                let file = path.split(separator: "/").last.map(String.init) ?? path
                return CompilerDiagnostic(file: file, line: lineNumber, column: column, severity: severity,
                                          message: String(line[range.upperBound...]))
            }
            return nil
        }
    }

    /// Compiler output with the grader's own paths removed, so a report shows file names only and
    /// never where the grader keeps its data.
    static func sanitize(_ output: String, removing prefixes: [String], limit: Int = 16 * 1024) -> String {
        var text = output
        for prefix in prefixes.sorted(by: { $0.count > $1.count }) where !prefix.isEmpty {
            text = text.replacingOccurrences(of: prefix.hasSuffix("/") ? prefix : prefix + "/", with: "")
            text = text.replacingOccurrences(of: prefix, with: "")
        }
        if text.utf8.count > limit {
            text = String(decoding: Array(text.utf8.prefix(limit)), as: UTF8.self) + "\n[… compiler output truncated …]"
        }
        return text
    }
}
