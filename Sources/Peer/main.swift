import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

exit(NodeLauncher.peer(arguments: Array(CommandLine.arguments.dropFirst())))
