import GossipCore
import Glibc

exit(NodeLauncher.seed(arguments: Array(CommandLine.arguments.dropFirst())))
