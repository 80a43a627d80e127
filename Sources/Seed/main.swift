import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

exit(NodeLauncher.seed(arguments: Array(CommandLine.arguments.dropFirst())))
