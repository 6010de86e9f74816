import ArgumentParser
import GraderPipeline

struct Challenges: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the challenges.")

    func run() async throws {
        let catalog = ChallengeCatalog(layout: try Context.layout())
        for id in catalog.availableIDs() {
            let challenge = try catalog.load(id)
            print("\(id)\t\(challenge.manifest.title)")
            print("\t\(challenge.manifest.summary)")
        }
    }
}
