import Testing
import WhsSupport
@testable import WhsLanguage

/// `Value(json)`: an object without repeated keys is kept as it comes; with one, the later value
/// replaces the earlier in its place, as `Object(_:)` does for the language's own objects.
@Suite struct ValueJSONTests {
    @Test func objectKeepsItsOrder() {
        let value = Value(JSON.object([("id", .int(1)), ("state", .string("succeeded")), ("attempts", .array([.object([("number", .int(1))])]))]))
        guard case .object(let object) = value else { Issue.record("not an object: \(value)"); return }
        #expect(object.keys == ["id", "state", "attempts"])
        #expect(object["attempts"] == .list([.object(Object([("number", .int(1))]))]))
    }

    @Test(arguments: [3, 30]) func aRepeatedKeyTakesTheLaterValueInTheEarlierPlace(_ width: Int) throws {
        var members: [(key: String, value: JSON)] = (0..<width).map { ("k\($0)", JSON.int($0)) }
        members.append(("k1", .string("later")))
        guard case .object(let object) = Value(JSON.object(members)) else { Issue.record("not an object"); return }
        #expect(object.count == width)
        #expect(object.keys == (0..<width).map { "k\($0)" })
        #expect(object["k1"] == .string("later"))
        #expect(object == Object(members.map { ($0.key, Value($0.value)) }))
    }

    @Test func largeObjectsFindTheirKeys() {
        let members: [(key: String, value: JSON)] = (0..<40).map { ("key\($0)", JSON.int($0 * 2)) }
        guard case .object(let object) = Value(JSON.object(members)) else { Issue.record("not an object"); return }
        #expect(object["key39"] == .int(78))
        #expect(object["key0"] == .int(0))
        #expect(object["absent"] == nil)
        #expect(Value.object(object).json() == JSON.object(members))
    }
}
