import Glibc
import WhsSupport

/// `file:///home/a/b%20c.whs` and back: documents are named by URI, `source` names paths.
enum FileURI {
    /// The path of a `file:` URI, percent-decoded; nil for any other scheme.
    static func path(_ uri: String) -> String? {
        guard uri.hasPrefix("file://") else { return nil }
        var rest = Array(uri.utf8.dropFirst(7))
        // `file://host/path`: only the local host is ours.
        if let slash = rest.firstIndex(of: UInt8(ascii: "/")), slash > 0 { rest = Array(rest[slash...]) }
        var out: [UInt8] = []
        var index = 0
        while index < rest.count {
            if rest[index] == UInt8(ascii: "%"), index + 2 < rest.count,
               let value = UInt8(String(decoding: rest[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                out.append(value)
                index += 3
            } else {
                out.append(rest[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The `file:` URI of an absolute path.
    static func uri(_ path: String) -> String {
        var out = "file://"
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        return out
    }

    /// The folder of a path (`/a/b.whs` -> `/a`).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// The names in a folder, for completing `source`.
enum Directory {
    static func names(in path: String) -> [String] { FileIO.names(inFolder: path) }
}
