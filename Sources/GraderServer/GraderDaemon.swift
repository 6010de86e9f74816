import Foundation
import GraderStore
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// The grading daemon (SPEC §8): the HTTP API, its grading workers and the notifier, as one
/// Hummingbird application whose services stop gracefully on SIGTERM and SIGINT.
public struct GraderDaemon: Sendable {
    public let store: any DaemonStore
    public let grader: any SubmissionGrader
    public let configuration: DaemonConfiguration
    public let metrics: DaemonMetrics
    public let openAPI: OpenAPIDocument
    let signal = WorkSignal()
    let reports = ReportCache()
    /// Names this process's leases: host, pid and a random part.
    public let instance: String

    public init(store: any DaemonStore, grader: any SubmissionGrader, configuration: DaemonConfiguration, openAPI: OpenAPIDocument) {
        self.store = store
        self.grader = grader
        self.configuration = configuration
        self.metrics = DaemonMetrics(store: store)
        self.openAPI = openAPI
        instance = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// The router with every route, and the table of what it serves.
    public func makeRouter() -> (router: Router<GraderRequestContext>, routes: [RouteKey]) {
        let router = Router(context: GraderRequestContext.self)
        router.add(middleware: APIMiddleware(metrics: metrics))
        let table = RouteTable()
        let system = SystemRoutes(store: store, metrics: metrics, openAPI: openAPI)
        system.register(in: table, router: router)
        let api = router.group().add(middleware: Authenticator(authority: TokenAuthority(store: store)))
        system.registerMetrics(in: table, router: api)
        SubmissionRoutes(store: store, grader: grader, configuration: configuration, signal: signal, reports: reports)
            .register(in: table, router: api)
        ChallengeRoutes(grader: grader).register(in: table, router: api)
        ReviewerRoutes(store: store, grader: grader, signal: signal).register(in: table, router: api)
        table.addMethodNotAllowed(to: router)
        return (router, table.keys)
    }

    /// The workers (and the notifier, when configured) as services.
    public func makeServices(logger: Logger) -> [any Service] {
        let events = configuration.notifications.map { _ in NotificationEvents() }
        var services: [any Service] = (1...max(1, configuration.workers)).map { index in
            var workerLogger = logger
            workerLogger[metadataKey: "worker"] = .stringConvertible(index)
            return GradingWorker(owner: "\(instance):w\(index)", store: store, grader: grader, configuration: configuration,
                                 signal: signal, metrics: metrics, events: events, logger: workerLogger)
        }
        if let notifications = configuration.notifications {
            services.append(Notifier(store: store, configuration: notifications, logger: logger))
        }
        return services
    }

    /// The whole application: call `runService()` on it to serve until SIGTERM or SIGINT.
    public func makeApplication(logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        Application(
            router: makeRouter().router,
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(configuration.idleTimeout.components.seconds * 1_000_000_000))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil,
                                 availableConnectionsDelegate: MaximumAvailableConnections(configuration.maximumConnections)),
            services: makeServices(logger: logger),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}
