import Glibc
import GossipCore

/// Reads the cluster key (`--cluster-key-file`): the file's bytes without a trailing newline.
///
/// Refused, with one line naming the file and the fix: a file that is not a regular file, one
/// that group or others may read or write (as ssh refuses a private key that is: a key other
/// accounts can read is not secret, and one they can write is not ours), an empty key, a key
/// shorter than `ClusterKey.minimumBytes`.
public enum ClusterKeyFile {
    public static func read(_ path: String) throws(RuntimeError) -> ClusterKey {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RuntimeError("cannot read the cluster key file \(path): \(Errno.text())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw RuntimeError("cannot read the cluster key file \(path): \(Errno.text())") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw RuntimeError("the cluster key file \(path) is not a regular file") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw RuntimeError(
                "the cluster key file \(path) is open to group or others (mode \(String(mode, radix: 8))); "
                    + "run 'chmod 600 \(path)'")
        }
        // A key file is short: read a little past the longest key, to say it is too long.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= ClusterKey.maximumBytes + 2 {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RuntimeError("cannot read the cluster key file \(path): \(Errno.text())")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        do { return try ClusterKey(fileContent: bytes) } catch { throw RuntimeError("\(path): \(error)") }
    }
}
