/// ThreadSanitizer's reports, read from a check process's standard error.
///
/// The race pass runs with `symbolize=0` (the run profile cannot spawn a symbolizer), so frames
/// are `module+offset` pairs, symbolized afterwards by ``StackSymbolizer``. Everything here is
/// text the candidate's code could also have printed: a forged report can only count against the
/// submission that printed it, and module names are only ever matched against known files.
struct ThreadSanitizerLog: Sendable, Equatable {
    /// One `WARNING: ThreadSanitizer: …` block.
    struct Report: Sendable, Equatable {
        /// `data race`, `Swift access race`, `heap-use-after-free`, `lock-order-inversion (potential deadlock)`, …
        var kind: String
        var sections: [Section]

        /// The sections describing the conflicting accesses (or, for other kinds, the events):
        /// everything but where the memory came from and where threads were created.
        var accessSections: [Section] {
            sections.filter { !$0.heading.hasPrefix("Location is") && !$0.heading.hasPrefix("Thread T")
                && !$0.heading.hasPrefix("Mutex M") }
        }

        /// Races are what the race pass grades; other reports (lock misuse, thread leaks) are shown only.
        var isRace: Bool { kind.contains("race") || kind.hasPrefix("heap-use-after-free") }
    }

    /// A heading line (`Read of size 8 at 0x… by thread T7:`) and the stack under it.
    struct Section: Sendable, Equatable {
        var heading: String
        var frames: [Frame]

        /// The heading without addresses or thread numbers (they differ from run to run):
        /// `Read of size 8 at 0x7b04… by thread T7:` → `Read of size 8`.
        var description: String {
            var text = heading.hasSuffix(":") ? String(heading.dropLast()) : heading
            for marker in [" at 0x", " by thread T", " by main thread"] {
                if let range = text.range(of: marker) { text = String(text[..<range.lowerBound]) }
            }
            return text
        }
    }

    /// A raw frame: the module's file name as printed and the offset into it.
    struct Frame: Sendable, Hashable {
        var module: String
        var offset: UInt64
    }

    static let warningPrefix = "WARNING: ThreadSanitizer: "
    /// A deadly signal's report: `==1==ERROR: ThreadSanitizer: SEGV on unknown address 0x10 (pc …)`,
    /// then the crashing thread's frames.
    static let errorPrefix = "ERROR: ThreadSanitizer: "
    /// The heading of the one section of a deadly signal's report.
    static let crashingThread = "The crashing thread:"
    static let fatalMarker = "FATAL: ThreadSanitizer"
    /// How many reports one log yields at most (ThreadSanitizer already suppresses equal stacks).
    static let maximumReports = 200

    var reports: [Report]
    /// ThreadSanitizer itself failed (it aborts the process): a grader fault, not a verdict.
    var fatal: String?

    init(_ text: String) {
        var reports: [Report] = []
        var fatal: String?
        var current: Report?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            if let start = line.range(of: Self.warningPrefix) {
                if let report = current { reports.append(report) }
                current = nil
                guard reports.count < Self.maximumReports else { continue }
                var kind = String(line[start.upperBound...])
                if let pid = kind.range(of: " (pid=") { kind = String(kind[..<pid.lowerBound]) }
                current = Report(kind: String(kind.prefix(120)), sections: [])
                continue
            }
            if let start = line.range(of: Self.errorPrefix) {
                if let report = current { reports.append(report) }
                current = nil
                guard reports.count < Self.maximumReports else { continue }
                var kind = String(line[start.upperBound...])
                for cut in [" 0x", " (pc "] { if let range = kind.range(of: cut) { kind = String(kind[..<range.lowerBound]) } }
                current = Report(kind: String(kind.prefix(120)), sections: [Section(heading: Self.crashingThread, frames: [])])
                continue
            }
            if fatal == nil, let marker = line.range(of: Self.fatalMarker) {
                fatal = String(line[marker.lowerBound...].prefix(300))
            }
            guard var report = current else { continue }
            if line.hasPrefix("SUMMARY: ThreadSanitizer") || line.hasPrefix("==================") {
                if !report.sections.isEmpty || line.hasPrefix("SUMMARY") {
                    reports.append(report)
                    current = nil
                }
                continue
            }
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("#") {
                if let frame = Self.frame(in: trimmed), !report.sections.isEmpty, report.sections[report.sections.count - 1].frames.count < 64 {
                    report.sections[report.sections.count - 1].frames.append(frame)
                }
            } else if line.hasPrefix("  "), !trimmed.isEmpty, report.sections.count < 16 {
                report.sections.append(Section(heading: String(trimmed.prefix(200)), frames: []))
            }
            current = report
        }
        if let report = current { reports.append(report) }
        self.reports = reports
        self.fatal = fatal
    }

    /// `#3 <null> <null> (checks+0x10290e) (BuildId: …)` → (`checks`, 0x10290e).
    static func frame(in line: Substring) -> Frame? {
        var rest = line[...]
        while let open = rest.firstIndex(of: "(") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: ")") else { return nil }
            let inside = rest[afterOpen..<close]
            if let plus = inside.range(of: "+0x", options: .backwards) {
                let module = inside[..<plus.lowerBound]
                let hex = inside[plus.upperBound...]
                if !module.isEmpty, !module.contains("("), let offset = UInt64(hex, radix: 16) {
                    let name = module.split(separator: "/").last.map(String.init) ?? String(module)
                    return Frame(module: String(name.prefix(255)), offset: offset)
                }
            }
            rest = rest[rest.index(after: close)...]
        }
        return nil
    }
}
