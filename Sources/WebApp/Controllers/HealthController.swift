import Foundation
import Hummingbird
import Storage

/// Liveness and readiness for process managers and load balancers.
struct HealthController: Sendable {
    let database: AppDatabase
    let migrations: MigrationRunner
    let recsys: RecsysService

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: "ok\n")))
        }
        router.get("/readyz") { _, _ in
            let databaseOK = (try? await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
            let migrated = (try? migrations.isUpToDate(database.writer)) ?? false
            let modelLoaded = if case .ready = recsys.state { true } else { false }
            let ready = databaseOK && migrated && modelLoaded
            let body = "{\"ready\":\(ready),\"database\":\(databaseOK),\"migrations\":\(migrated),\"content\":true,\"model\":\(modelLoaded)}\n"
            return Response(status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: .init(string: body)))
        }
    }
}
