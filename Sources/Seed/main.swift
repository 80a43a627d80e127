import Glibc
import GossipCore

exit(NodeLauncher.seed(arguments: Array(CommandLine.arguments.dropFirst())))
