import ConnWatchTestSupport
import Foundation
import Testing

@testable import ConnWatchRuntime

@Suite struct CredentialCheckTests {
    @Test func theUnitsDeclarationsAreRead() {
        let unit = """
            [Service]
            LoadCredential=old:/nowhere
            LoadCredential=
            LoadCredential=slack-url:/etc/connwatch/secrets/slack-url
            LoadCredentialEncrypted=pd-key
            # LoadCredential=commented:/x
            SetCredential=inline:https://example.com/x:y
            ImportCredential=imported
            ImportCredential=glob.*
            """
        let declared = CredentialCheck.declarations(in: unit, adding: [:])
        #expect(declared["old"] == nil, "an empty LoadCredential= clears what came before")
        #expect(declared["slack-url"] == .some("/etc/connwatch/secrets/slack-url"))
        #expect(declared["pd-key"] == .some("pd-key"), "a name alone is looked up in the credential stores")
        #expect(declared["inline"] == .some(nil))
        #expect(declared["imported"] == .some("imported"))
        #expect(declared["commented"] == nil && declared.count == 4)
    }

    @Test func aCredentialIsMissingUnlessItsSourceCanBeRead() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let present = try dir.write("present", "https://example.com/hook\n")
        let unit = try dir.write(
            "connwatch.service",
            "[Service]\nLoadCredential=a:\(present)\nLoadCredential=b:\(dir.path)/absent\n"
        )
        try FileManager.default.createDirectory(atPath: unit + ".d", withIntermediateDirectories: true)
        try dir.write("connwatch.service.d/extra.conf", "[Service]\nSetCredential=c:value\n")
        let check = CredentialCheck.forEnvironment([:], unitPath: unit)
        #expect(check.problem("a") == nil)
        #expect(check.problem("b")?.contains("cannot be read") == true)
        #expect(check.problem("c") == nil, "drop-ins count")
        #expect(check.problem("d")?.hasPrefix("is not given to connwatch by \(unit): add LoadCredential=d:") == true)

        let underSystemd = CredentialCheck.forEnvironment(["CREDENTIALS_DIRECTORY": dir.path])
        #expect(underSystemd.problem("present") == nil)
        #expect(underSystemd.problem("absent") == "is not in $CREDENTIALS_DIRECTORY (\(dir.path)/absent)")
        #expect(CredentialCheck(source: .none).problem("x")?.contains("$CREDENTIALS_DIRECTORY is not set") == true)
    }
}
