import Foundation

/// A Swift source file split into what the compiler treats as code and its string literals.
///
/// `code` has the file's exact length and line breaks, with comments, the text of string literals
/// and the `#if` branches certainly not compiled here (``ConditionalCompilation``) blanked out, so
/// that a pattern found in it is compiled code and its offset gives its line;
/// the code inside string interpolations (`"\(…)"`, `#"\#(…)"#`) stays. `strings` are the
/// literals' texts with their first lines. Unterminated literals and comments end at the end of
/// the file (or, for a single-line literal, of the line): the scan never fails on hostile input.
struct SwiftSourceText {
    struct Literal: Equatable {
        var line: Int
        var text: String
    }

    private(set) var code: [UInt8]
    private(set) var strings: [Literal] = []
    /// The literals' texts split at their interpolations: what the compiler stores as constants.
    private(set) var segments: [String] = []
    private let lineStarts: [Int]

    init(_ source: [UInt8]) {
        code = source
        var starts = [0]
        for (offset, byte) in source.enumerated() where byte == UInt8(ascii: "\n") { starts.append(offset + 1) }
        lineStarts = starts
        scan(source)
        ConditionalCompilation.blankInactiveBranches(&code)
    }

    /// The 1-based line of a byte offset.
    func line(of offset: Int) -> Int {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low + 1
    }

    private enum Frame {
        /// Code; inside an interpolation, `depth` counts open parentheses.
        case code(depth: Int)
        /// `text` indexes the literal's bytes in `texts` (kept outside the stack so appends do not copy).
        case string(hashes: Int, multiline: Bool, start: Int, text: Int)
    }

    private mutating func blank(_ range: Range<Int>) {
        for offset in range where code[offset] != UInt8(ascii: "\n") { code[offset] = UInt8(ascii: " ") }
    }

    private mutating func scan(_ bytes: [UInt8]) {
        let quote = UInt8(ascii: "\""), hash = UInt8(ascii: "#"), slash = UInt8(ascii: "/"), star = UInt8(ascii: "*")
        let backslash = UInt8(ascii: "\\"), newline = UInt8(ascii: "\n")
        let open = UInt8(ascii: "("), close = UInt8(ascii: ")")
        func at(_ offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }
        func hashes(from offset: Int) -> Int {
            var count = 0
            while at(offset + count) == hash { count += 1 }
            return count
        }
        func isTripleQuote(_ offset: Int) -> Bool { at(offset) == quote && at(offset + 1) == quote && at(offset + 2) == quote }

        var stack: [Frame] = [.code(depth: 0)]
        var texts: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            switch stack[stack.count - 1] {
            case .code(let depth):
                let byte = bytes[i]
                if byte == slash && at(i + 1) == slash {
                    var end = i
                    while end < bytes.count && bytes[end] != newline { end += 1 }
                    blank(i..<end)
                    i = end
                } else if byte == slash && at(i + 1) == star {
                    var end = i + 2, nesting = 1
                    while end < bytes.count && nesting > 0 {
                        if bytes[end] == slash && at(end + 1) == star { nesting += 1; end += 2 }
                        else if bytes[end] == star && at(end + 1) == slash { nesting -= 1; end += 2 }
                        else { end += 1 }
                    }
                    blank(i..<min(end, bytes.count))
                    i = end
                } else if byte == quote || byte == hash, case let count = hashes(from: i), at(i + count) == quote {
                    let multiline = isTripleQuote(i + count)
                    let opening = count + (multiline ? 3 : 1)
                    texts.append([])
                    stack.append(.string(hashes: count, multiline: multiline, start: i, text: texts.count - 1))
                    i += opening
                } else {
                    if stack.count > 1 {
                        if byte == open { stack[stack.count - 1] = .code(depth: depth + 1) }
                        if byte == close {
                            if depth == 0 { stack.removeLast(); i += 1; continue }
                            stack[stack.count - 1] = .code(depth: depth - 1)
                        }
                    }
                    i += 1
                }
            case .string(let count, let multiline, let start, let text):
                let byte = bytes[i]
                if byte == backslash && hashes(from: i + 1) >= count {
                    let after = i + 1 + count
                    if at(after) == open {
                        texts[text].append(0)
                        blank(i..<after + 1)
                        stack.append(.code(depth: 0))
                        i = after + 1
                    } else {
                        let end = min(after + 1, bytes.count)
                        texts[text].append(contentsOf: bytes[i..<end])
                        blank(i..<end)
                        i = end
                    }
                } else if byte == quote && (!multiline || isTripleQuote(i)) && hashes(from: i + (multiline ? 3 : 1)) >= count {
                    strings.append(Literal(line: line(of: start), text: String(decoding: texts[text], as: UTF8.self)))
                    stack.removeLast()
                    i += (multiline ? 3 : 1) + count
                } else if byte == newline && !multiline {
                    strings.append(Literal(line: line(of: start), text: String(decoding: texts[text], as: UTF8.self)))
                    stack.removeLast()
                } else {
                    texts[text].append(byte)
                    blank(i..<i + 1)
                    i += 1
                }
            }
        }
        for case let .string(_, _, start, text) in stack.reversed() {
            strings.append(Literal(line: line(of: start), text: String(decoding: texts[text], as: UTF8.self)))
        }
        // Interpolations were marked with a NUL in the texts (the source has none: intake refuses it).
        segments = strings.flatMap { $0.text.split(separator: "\u{0}").map(String.init) }
        strings = strings.map { Literal(line: $0.line, text: $0.text.replacingOccurrences(of: "\u{0}", with: "")) }
    }
}
