import WhsLanguage
import WhsSupport

extension Renderer {
    /// A value as compact JSON text, the same bytes as `value.json().text`, written straight
    /// from the value: a fan-out's `wait=true` answer of 1,000 deliveries was made into a
    /// second JSON tree only to be printed and torn down (docs/PERFORMANCE.md, issue 21,
    /// sixth session).
    static func jsonText(_ value: Value) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        writeJSON(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// What `Value.json()` makes of each case, written as `JSON.text` writes it.
    static func writeJSON(_ value: Value, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): JSON.append(number, to: &out)
        case .double(let number): out.append(contentsOf: JSON.double(number).bytes)
        case .string(let text): JSON.append(text, to: &out)
        case .secret: JSON.append(Value.mask, to: &out)
        case .duration(let duration): JSON.append(duration.text, to: &out)
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for position in items.indices {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                writeJSON(items[position], to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let pairs = object.pairs
            for position in pairs.indices {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                JSON.append(pairs[position].key, to: &out)
                out.append(UInt8(ascii: ":"))
                writeJSON(pairs[position].value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
