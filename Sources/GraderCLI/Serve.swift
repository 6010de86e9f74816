#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import GraderServer
import GraderStore
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the grading daemon: the HTTP API and its grading workers.",
        discussion: """
            Serves until SIGTERM or SIGINT, then stops taking requests, hands back the gradings in \
            flight (the next start grades them again) and exits 0. One daemon per data directory.
            """)

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port; the log says which).") var port = 8080
    @Option(help: "Grading workers (each grading also runs its checks in parallel).") var workers = 1
    @Option(name: .customLong("max-queued"), help: "Queued jobs beyond which submissions get 503.") var maximumQueued = 500
    @Option(name: .customLong("submissions-per-minute"), help: "Per token, beyond which submissions get 429.")
    var submissionsPerMinute = 10
    @Option(name: .customLong("unfinished-per-token"), help: "Per token, submissions still queued or grading beyond which submissions get 429.")
    var unfinishedPerToken = 2
    @Option(name: .customLong("lease-seconds"), help: "A claimed job's lease; renewed while grading.") var leaseSeconds = 60.0
    @Option(name: .customLong("notify-url"), help: "Where to POST signed grading.finished events.") var notifyURL: String?
    @Option(name: .customLong("notify-secret-file"), help: "A file holding the secret that signs the events.")
    var notifySecretFile: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"
    @OptionGroup var data: DataOptions

    func validate() throws {
        guard (1...64).contains(workers) else { throw ValidationError("--workers takes 1 to 64") }
        guard (0...65535).contains(port) else { throw ValidationError("--port takes 0 to 65535") }
        guard maximumQueued >= 1, submissionsPerMinute >= 1, unfinishedPerToken >= 1 else { throw ValidationError("limits must be at least 1") }
        guard leaseSeconds >= 3 && leaseSeconds <= 3600 else { throw ValidationError("--lease-seconds takes 3 to 3600") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard (notifyURL == nil) == (notifySecretFile == nil) else {
            throw ValidationError("--notify-url and --notify-secret-file go together")
        }
    }

    func run() async throws {
        var configuration = DaemonConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.workers = workers
        configuration.maximumQueuedJobs = maximumQueued
        configuration.submissionsPerMinute = submissionsPerMinute
        configuration.unfinishedPerToken = unfinishedPerToken
        configuration.leaseSeconds = leaseSeconds
        if let notifyURL, let notifySecretFile {
            configuration.notifications = NotificationConfiguration(url: try Self.notificationURL(notifyURL),
                                                                    secret: try Self.secret(from: notifySecretFile))
        }
        let directory = data.resolved
        let descriptors = Self.raiseDescriptorLimit()
        // Connections take at most a quarter of the descriptors: gradings need the rest.
        configuration.maximumConnections = max(16, min(configuration.maximumConnections, Int(descriptors / 4)))
        let pipeline = try await Context.pipeline(data)
        let lock = try DaemonLock(dataDirectory: directory)
        var logger = Logger(label: "grader.daemon") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let released = try pipeline.database.releaseAbandonedLeases(at: Date())
        if released > 0 { logger.notice("requeued jobs a stopped daemon left mid-grading", metadata: ["jobs": "\(released)"]) }
        let daemon = GraderDaemon(store: pipeline.database, grader: pipeline, configuration: configuration,
                                  openAPI: try OpenAPIDocument.load(from: pipeline.layout))
        let app = daemon.makeApplication(logger: logger) { [host, logger, workers] port in
            logger.notice("listening on http://\(host):\(port)", metadata: ["workers": "\(workers)"])
        }
        try await app.runService()
        withExtendedLifetime(lock) {}
        logger.notice("stopped")
    }

    /// Raises the soft limit on open files to the hard limit (at most 65536) and returns it.
    static func raiseDescriptorLimit() -> rlim_t {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        let wanted = min(limit.rlim_max, 65536)
        guard limit.rlim_cur < wanted else { return limit.rlim_cur }
        var raised = limit
        raised.rlim_cur = wanted
        return setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 ? wanted : limit.rlim_cur
    }

    static func notificationURL(_ text: String) throws -> URL {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw CLIExit.input("--notify-url must be an http or https URL")
        }
        return url
    }

    static func secret(from path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIExit.input("cannot read \(path)") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count >= 16, text.utf8.count <= 4096 else {
            throw CLIExit.input("the notification secret in \(path) must be 16 to 4096 bytes")
        }
        return Array(text.utf8)
    }
}
