import Testing
@testable import WhsShell

@Suite struct OutputPatternTests {
    @Test(arguments: [
        (["id: 1"], ["id: 1"], true),
        (["id: 1"], ["id: 2"], false),
        (["id: ..."], ["id: 1234"], true),
        (["id: ..."], ["ID: 1"], false),
        (["... at ...ms"], ["sent at 3.2ms"], true),
        (["...ok"], ["not ok"], true),
        (["ok..."], ["not ok"], false),
        (["a...a"], ["a"], false),
        (["a...a"], ["aa"], true),
        (["first", "...", "last"], ["first", "x", "y", "last"], true),
        (["first", "...", "last"], ["first", "last"], true),
        (["first", "...", "last"], ["first", "x"], false),
        (["..."], [], true),
        ([], [], true),
        ([], ["something"], false),
        (["one"], [], false),
        (["a", "b"], ["a", "b", "c"], false),
    ])
    func matches(_ expected: [String], _ actual: [String], _ result: Bool) {
        #expect(OutputPattern.matches(expected, actual) == result)
    }
}
