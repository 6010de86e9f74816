/// What the grader measured of the subject process from outside it (the kernel's figures, read
/// by the grader, never by the subject): the driver's only view of the subject's resources.
public struct MeterReading: Sendable, Equatable, WireCodable {
    /// The subject process still exists.
    public var alive: Bool
    /// Its resident memory, bytes.
    public var residentBytes: UInt64
    /// CPU time of all its threads so far, microseconds.
    public var cpuMicros: UInt64
    /// How many of its threads the kernel has running or ready to run (`R`): none means every
    /// thread waits (on a lock, a condition, the channel).
    public var runnableThreads: UInt64

    public init(alive: Bool, residentBytes: UInt64, cpuMicros: UInt64, runnableThreads: UInt64 = 0) {
        self.alive = alive
        self.residentBytes = residentBytes
        self.cpuMicros = cpuMicros
        self.runnableThreads = runnableThreads
    }

    public func encode(to writer: inout WireWriter) {
        writer.bool(alive)
        writer.unsigned(residentBytes)
        writer.unsigned(cpuMicros)
        writer.unsigned(runnableThreads)
    }

    public init(from reader: inout WireReader) throws {
        alive = try reader.bool()
        residentBytes = try reader.unsigned()
        cpuMicros = try reader.unsigned()
        runnableThreads = try reader.unsigned()
    }
}

/// The grader's answer to a ``Frame/Kind/subjectRequest``: the new subject's number, or why it
/// could not be started (a grader fault).
public enum SubjectStart: Sendable, Equatable, WireCodable {
    case started(index: Int)
    case refused(String)

    /// Most subjects one check may run (the one it starts with included).
    public static let maximumSubjects = 4

    public func encode(to writer: inout WireWriter) {
        switch self {
        case .started(let index):
            writer.byte(0)
            writer.int(index)
        case .refused(let message):
            writer.byte(1)
            writer.string(message)
        }
    }

    public init(from reader: inout WireReader) throws {
        switch try reader.byte() {
        case 0: self = .started(index: try reader.int(in: 1...(Self.maximumSubjects - 1)))
        case 1: self = .refused(try reader.string(maximumBytes: 4096))
        default: throw WireError("an unknown subject start")
        }
    }
}

/// What the driver knows of one subject process at the end of a check.
public struct SubjectRecord: Sendable, Equatable {
    /// Its runtime said hello: it started, and from then on the candidate's code could run.
    public var saidHello: Bool
    /// It acknowledged the end-of-check marker request (see `SubjectRuntime`'s finish).
    public var finishAcknowledged: Bool

    public init(saidHello: Bool, finishAcknowledged: Bool = false) {
        self.saidHello = saidHello
        self.finishAcknowledged = finishAcknowledged
    }
}

/// The driver's verdict on one check, sent to the grader on the control channel.
public struct DriverReport: Sendable, Equatable, WireCodable {
    public enum Status: UInt8, Sendable {
        case pass = 0, fail, timeout
        /// The grader's own fault (bad invocation, a request the subject runtime could not
        /// perform, a storm that observed no concurrency): the grading is retried.
        case error
        /// The subject closed the channel or died before answering: the grader names the cause
        /// from the sandbox's verdict (crash, limit, forbidden system call).
        case subjectEnded
        /// The driver's own record shows the check cannot judge what it exists for (it is left
        /// out of its criterion's score; the message says why and which checks charge it).
        case skipped
    }

    public var status: Status
    public var message: String
    public var evidence: [String]
    /// The phase the check was in when it ended (the driver's own record).
    public var phase: String?
    /// Wall time of the check in the driver.
    public var durationMicros: UInt64
    /// Each subject the check ran, in the order they were started (the first is the one it
    /// started with).
    public var subjects: [SubjectRecord]
    /// With ``Status/subjectEnded``: which subject's end ended the check.
    public var endedSubject: Int

    public init(status: Status, message: String, evidence: [String] = [], phase: String? = nil,
                durationMicros: UInt64 = 0, subjects: [SubjectRecord] = [], endedSubject: Int = 0) {
        self.status = status
        self.message = message
        self.evidence = evidence
        self.phase = phase
        self.durationMicros = durationMicros
        self.subjects = subjects
        self.endedSubject = endedSubject
    }

    /// Every subject acknowledged the end-of-check marker request.
    public var finishAcknowledged: Bool { !subjects.isEmpty && subjects.allSatisfy(\.finishAcknowledged) }

    /// The phase of a check's single-threaded rehearsal is this, then the id of the scored check
    /// whose scenario it replays (`rehearsal:reserves-free-seat`). The grader's scoring reads the
    /// same prefix (`CheckOutcome.rehearsalPhasePrefix` in GraderModel, tested to be equal).
    public static let rehearsalPhasePrefix = "rehearsal:"

    static let maximumMessageBytes = 64 * 1024
    static let maximumEvidence = 64
    /// What is sent of a message or an evidence line: they may quote the subject's answers, which
    /// are as long as the subject likes.
    public static let sentMessageBytes = 16 * 1024
    public static let sentEvidenceBytes = 2 * 1024

    public func encode(to writer: inout WireWriter) {
        writer.byte(status.rawValue)
        writer.string(Self.truncated(message, to: Self.sentMessageBytes))
        writer.strings(evidence.prefix(Self.maximumEvidence).map { Self.truncated($0, to: Self.sentEvidenceBytes) })
        writer.optionalString(phase)
        writer.unsigned(durationMicros)
        writer.array(subjects) { writer, subject in
            writer.bool(subject.saidHello)
            writer.bool(subject.finishAcknowledged)
        }
        writer.int(endedSubject)
    }

    /// `text` cut to at most `bytes` of UTF-8 (on a character boundary), marked when cut.
    public static func truncated(_ text: String, to bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var kept = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > bytes - 20 { break }
            kept.append(character)
            used += size
        }
        return kept + " […cut]"
    }

    public init(from reader: inout WireReader) throws {
        let raw = try reader.byte()
        guard let status = Status(rawValue: raw) else { throw WireError("unknown report status \(raw)") }
        self.status = status
        message = try reader.string(maximumBytes: Self.maximumMessageBytes)
        evidence = try reader.strings(maximum: Self.maximumEvidence, maximumBytes: Self.maximumMessageBytes)
        phase = try reader.optionalString(maximumBytes: 256)
        durationMicros = try reader.unsigned()
        subjects = try reader.array(maximum: SubjectStart.maximumSubjects) {
            SubjectRecord(saidHello: try $0.bool(), finishAcknowledged: try $0.bool())
        }
        endedSubject = try reader.int(in: 0...(SubjectStart.maximumSubjects - 1))
    }
}

/// The marker a subject writes last on standard error when the driver asks it to finish (the race
/// pass reads ThreadSanitizer's reports there): this, then the nonce the driver sent.
public enum StandardErrorMarker {
    public static let prefix = "GRADER-STDERR-END "
}
