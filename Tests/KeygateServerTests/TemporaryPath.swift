import Glibc

/// A fresh path under /tmp that nothing exists at yet (the caller creates and removes the file).
func temporaryPath(_ prefix: String = "keygate-zone") -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    close(fd)
    let path = String(cString: template)
    unlink(path)
    return path
}
