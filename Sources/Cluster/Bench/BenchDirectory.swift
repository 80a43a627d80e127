import Glibc

/// The bench's temporary directory under /tmp (`gossip-bench-XXXXXX`), with one subdirectory
/// per network it runs; everything in it is removed at the end.
final class BenchDirectory {
    let path: String
    private var nextNumber = 1

    init() throws(BenchError) {
        var template = Array("/tmp/gossip-bench-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw .failed("cannot create a directory in /tmp: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    /// A new, empty subdirectory for one network: `<path>/<number>-<name>`.
    func subdirectory(_ name: String) throws(BenchError) -> String {
        let sub = "\(path)/\(nextNumber)-\(name)"
        nextNumber += 1
        guard mkdir(sub, 0o755) == 0 else { throw .failed("cannot create \(sub): \(String(cString: strerror(errno)))") }
        return sub
    }

    /// Removes the whole directory.
    func remove() { Self.removeTree(path) }

    /// Removes `path` and, for a directory, everything under it (symbolic links are not
    /// followed: one is removed as a file).
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            unlink(path)
            return
        }
        if let directory = opendir(path) {
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafePointer(to: &entry.pointee.d_name) {
                    String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            for name in names { removeTree(path + "/" + name) }
        }
        rmdir(path)
    }
}
