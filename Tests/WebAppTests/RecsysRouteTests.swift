import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import WebApp

@Suite struct RecsysRouteTests {
    func json(_ r: TestResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any])
    }

    @Test func warmingUpAnswers503WithRetryAfter() async throws {
        try await withApp(recsys: RecsysService()) { client in
            try await client.execute(uri: "/api/v1/recommendations?user=1", method: .get) { r in
                #expect(r.status == .serviceUnavailable)
                #expect(r.headers[.retryAfter] == "5")
                let body = try json(r)
                #expect(body["error"] as? String != nil)
            }
            try await client.execute(uri: "/try", method: .get) { r in
                #expect(r.status == .serviceUnavailable)
                #expect(r.text.contains("<progress"))
                #expect(r.text.contains("http-equiv=\"refresh\""))
            }
            try await client.execute(uri: "/readyz", method: .get) { r in #expect(r.status == .serviceUnavailable) }
            // Content is served while the model warms up.
            try await client.execute(uri: "/cases/video-recommendation", method: .get) { r in #expect(r.status == .ok) }
        }
    }

    @Test func recommendationsHaveItemsAndStages() async throws {
        _ = try await readyServices()
        try await withApp { client in
            try await client.execute(uri: "/api/v1/recommendations?user=1&k=7&candidates=100&compare=exact", method: .get) { r in
                #expect(r.status == .ok)
                let body = try json(r)
                let items = try #require(body["items"] as? [[String: Any]])
                #expect(items.count == 7)
                #expect(items.allSatisfy { ($0["reasons"] as? [String])?.isEmpty == false })
                let stages = try #require(body["stages"] as? [[String: Any]])
                #expect(stages.contains { $0["name"] as? String == "retrieval" })
                #expect(stages.allSatisfy { ($0["microseconds"] as? Double ?? -1) >= 0 })
                let recall = try #require(body["exact_recall"] as? Double)
                #expect(recall >= 0 && recall <= 1)
            }
        }
    }

    @Test(arguments: [
        ("k=0", "k"), ("k=101", "k"), ("k=abc", "k"), ("candidates=9", "candidates"), ("candidates=5001", "candidates"),
        ("k=50&candidates=20", "candidates"), ("ef=0", "ef"), ("ef=1025", "ef"), ("diversity=1.5", "diversity"),
        ("diversity=nan", "diversity"), ("retrieval=magic", "retrieval"), ("ranker=maybe", "ranker"),
    ])
    func badParametersAre400WithTheParameterNamed(query: String, parameter: String) async throws {
        _ = try await readyServices()
        try await withApp { client in
            try await client.execute(uri: "/api/v1/recommendations?user=1&\(query)", method: .get) { r in
                #expect(r.status == .badRequest, "\(query)")
                let body = try json(r)
                #expect(body["parameter"] as? String == parameter, "\(query)")
                #expect(body["allowed"] as? String != nil)
                #expect(body["error"] as? String != nil)
            }
        }
    }

    @Test func missingUserIs400AndUnknownUserIs404() async throws {
        _ = try await readyServices()
        try await withApp { client in
            try await client.execute(uri: "/api/v1/recommendations", method: .get) { r in #expect(r.status == .badRequest) }
            try await client.execute(uri: "/api/v1/recommendations?user=987654", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/api/v1/items/987654", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/api/v1/items/-3", method: .get) { r in #expect(r.status == .badRequest) }
            try await client.execute(uri: "/api/v1/users/2", method: .get) { r in #expect(r.status == .ok) }
        }
    }

    @Test func coldStartPostWorksAndRejectsBadBodies() async throws {
        _ = try await readyServices()
        try await withApp { client in
            try await client.execute(uri: "/api/v1/recommendations", method: .post,
                                     body: ByteBuffer(string: #"{"topics":[0,1],"liked_items":[3],"k":5}"#)) { r in
                let body = try json(r)
                #expect(r.status == .ok)
                #expect((body["items"] as? [Any])?.count == 5)
            }
            for bad in ["not json", "{}", #"{"topics":[0],"k":500}"#, #"{"topics":"x"}"#] {
                try await client.execute(uri: "/api/v1/recommendations", method: .post, body: ByteBuffer(string: bad)) { r in
                    #expect(r.status == .badRequest, "\(bad)")
                }
            }
        }
    }

    @Test func tryPageShowsFunnelReasonsRecallAndEvaluation() async throws {
        _ = try await readyServices()
        try await withApp { client in
            try await client.execute(uri: "/try?user=1&k=5", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("class=\"funnel-bar\""))
                #expect(r.text.contains("ANN recall vs exact"))
                #expect(r.text.contains("class=\"reasons\""))
                #expect(r.text.contains("Offline evaluation"))
                #expect(r.text.contains("href=\"/cases/video-recommendation#model-development\""))
            }
            try await client.execute(uri: "/try?user=1&k=500", method: .get) { r in
                #expect(r.status == .badRequest)
                #expect(r.text.contains("form-error"))
                #expect(r.text.contains("id=\"try-form\""))
            }
        }
    }
}
