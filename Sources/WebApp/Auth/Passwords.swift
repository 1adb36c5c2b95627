import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Hashes and checks passwords with bcrypt, off the event loop (bcrypt is deliberately slow CPU work).
public protocol PasswordHasher: Sendable {
    /// A new salted hash of `password`.
    func hash(_ password: String) async throws -> String
    /// Whether `password` matches `hash`.
    func verify(_ password: String, hash: String) async throws -> Bool
    /// Runs a verification that always fails, costing the same as a real one: used for unknown usernames so that
    /// "no such user" and "wrong password" take the same time.
    func verifyDummy(_ password: String) async throws
}

/// bcrypt via HummingbirdBcrypt on NIO's shared thread pool.
public struct BcryptPasswordHasher: PasswordHasher {
    /// log2 rounds.
    public let cost: UInt8
    private let dummyHash: Task<String, Never>

    /// Creates a hasher; computes one throw-away hash at this cost for `verifyDummy`, in the background (at cost 12
    /// it takes a third of a second, which startup need not wait for).
    public init(cost: UInt8) {
        self.cost = cost
        dummyHash = Task.detached(priority: .utility) { Bcrypt.hash(Tokens.random(), cost: cost) }
    }

    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    public func verifyDummy(_ password: String) async throws {
        let dummy = await dummyHash.value
        _ = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: dummy) }
    }
}
