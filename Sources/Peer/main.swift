import Glibc
import GossipCore

exit(NodeLauncher.peer(arguments: Array(CommandLine.arguments.dropFirst())))
