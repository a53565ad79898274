import Testing
import WebhookCore

/// Database URLs: parsed as libpq takes them, shown without their password, refused with
/// errors that name the part and never repeat the URL.
@Suite struct PostgresLocationTests {
    @Test func partsAndAPasswordThatIsNeverShown() throws {
        let location = try PostgresLocation(parsing: "postgres://whs:s%40cret:x@db.internal:6432/hooks?sslmode=disable")
        #expect(location.user == "whs")
        #expect(location.password == "s@cret:x")
        #expect(location.host == "db.internal" && location.port == 6432 && location.database == "hooks")
        #expect(location.description == "postgres://whs@db.internal:6432/hooks")
        #expect(!location.description.contains("cret"))
        let v6 = try PostgresLocation(parsing: "postgresql://u@[::1]/d")
        #expect(v6.host == "::1" && v6.port == 5432 && v6.password == nil)
        #expect(v6.description == "postgres://u@[::1]:5432/d")
        #expect(location.tls == .disable)
        let verified = try PostgresLocation(parsing: "postgres://u:p@db/d?sslmode=verify-full&sslrootcert=/etc/ca%20file.pem")
        #expect(verified.tls == .verifyFull && verified.rootCertificate == "/etc/ca file.pem")
        #expect(verified.description == "postgres://u@db:5432/d?sslmode=verify-full")
        #expect(try PostgresLocation(parsing: "postgres://u@db/d?sslmode=require").tls == .require)
    }

    @Test(arguments: [
        ("postgres://db:5432/x", "needs a user"),
        ("postgres://u:p@db:5432", "needs a database"),
        ("postgres://u:p@db:99999/x", "port must be 1 to 65535"),
        ("postgres://u:p%zz@db/x", "broken %-escape"),
        ("postgres://:p@db/x", "empty user"),
        ("postgres://u:p@db/x?sslmode=allow", "sslmode must be disable, require or verify-full"),
        ("postgres://u:p@db/x?application_name=y", "takes sslmode and sslrootcert"),
    ])
    func brokenURLsSayWhichPartAndNotThePassword(_ text: String, _ why: String) {
        do {
            _ = try PostgresLocation(parsing: text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.message.contains(why), "\(error.message)")
            #expect(!error.message.contains(":p@"), "the URL is not repeated")
        }
    }

    @Test func statementsWithAPasswordAreFound() {
        #expect(PostgresLocation.mentionsPassword("connect postgres://whs:hunter2@db/whs"))
        #expect(PostgresLocation.mentionsPassword("x; connect \"postgresql://a:b@h:1/d\""))
        #expect(!PostgresLocation.mentionsPassword("connect postgres://whs@db/whs"))
        #expect(!PostgresLocation.mentionsPassword("add https://u:p@example.com/h"))
    }
}
