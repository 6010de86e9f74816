import Foundation
import GraderCLI

exit(await GraderCommand.run())
