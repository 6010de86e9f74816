/// One check as the grader knows it: id, title, limits, and how it is scheduled.
public struct CheckDefinition: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    /// The check's own time limit; the harness reports `timeout` when it is reached.
    public var timeoutSeconds: Double
    /// Timing-sensitive: runs with no other check process alongside.
    public var exclusive: Bool
    /// Multi-threaded: re-run under ThreadSanitizer by the race pass.
    public var concurrent: Bool
    public var visibility: CheckVisibility
    /// The checks that charge what makes this one skip itself (the storms, for a check of error
    /// recovery under contention whose round already races without faults): its `skipped` stands
    /// only when one of them did not pass in the same grading, else it is a `fail` (see
    /// ``SkipConfirmation``). Empty: the check never skips.
    public var defersTo: [String]

    public init(id: String, title: String, timeoutSeconds: Double, exclusive: Bool = false,
                concurrent: Bool = false, visibility: CheckVisibility, defersTo: [String] = []) {
        self.id = id
        self.title = title
        self.timeoutSeconds = timeoutSeconds
        self.exclusive = exclusive
        self.concurrent = concurrent
        self.visibility = visibility
        self.defersTo = defersTo
    }

    private enum CodingKeys: String, CodingKey { case id, title, timeoutSeconds, exclusive, concurrent, visibility, defersTo }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        title = try container.decode(String.self, forKey: .title)
        timeoutSeconds = try container.decode(Double.self, forKey: .timeoutSeconds)
        exclusive = try container.decodeIfPresent(Bool.self, forKey: .exclusive) ?? false
        concurrent = try container.decodeIfPresent(Bool.self, forKey: .concurrent) ?? false
        // Set by whoever loads the file: public checks live in Challenges/, hidden ones in Graders/.
        visibility = try container.decodeIfPresent(CheckVisibility.self, forKey: .visibility) ?? .hidden
        defersTo = try container.decodeIfPresent([String].self, forKey: .defersTo) ?? []
    }

    /// Ids are kebab-case words, optionally dotted (`public.get-put-basics`).
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 80 && id.first!.isLetter
            && id.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "." }
    }
}
