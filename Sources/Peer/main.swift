import GossipCore
import Glibc

exit(NodeLauncher.peer(arguments: Array(CommandLine.arguments.dropFirst())))
