import Testing

@testable import DroverStore

@Suite("Services and rollouts")
struct RolloutStoreTests {
    func version(_ name: String, spec: String = #"{"image":"web:v1"}"#, at: Int64 = t0) -> ServiceVersionRecord {
        ServiceVersionRecord(service: "web", version: name, specJSON: spec, createdAt: at)
    }

    func rollout(_ id: String, from: String = "none", to: String = "v1", at: Int64 = t0) -> RolloutRecord {
        RolloutRecord(
            id: id, service: "web", fromVersion: from, toVersion: to, kind: .deploy, stateJSON: #"{"phase":"x"}"#,
            phase: "running", createdAt: at, updatedAt: at)
    }

    @Test("recording a version creates the service with no current version; the same spec again is a no-op")
    func recordVersion() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.recordServiceVersion(version("v1"))
        try store.recordServiceVersion(version("v1", at: t0 + 5))
        let service = try #require(try store.service(named: "web"))
        #expect(service.currentVersion == nil)
        #expect(service.specJSON == #"{"image":"web:v1"}"#)
        #expect(try store.listServiceVersions(service: "web").map(\.createdAt) == [t0])
        #expect(try store.listServices().map(\.name) == ["web"])
    }

    @Test("a version recorded again with another spec is refused")
    func versionConflict() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.recordServiceVersion(version("v1"))
        let error = storeError { try store.recordServiceVersion(version("v1", spec: #"{"image":"web:v9"}"#)) }
        #expect(error == .serviceVersionConflict(service: "web", version: "v1"))
        #expect(error?.description.contains("new version") == true)
    }

    @Test("versions list newest first")
    func versionOrder() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.recordServiceVersion(version("v1", at: t0))
        try store.recordServiceVersion(version("v2", spec: "{}", at: t0 + 10))
        try store.recordServiceVersion(version("v3", spec: "[]", at: t0 + 10))
        #expect(try store.listServiceVersions(service: "web").map(\.version) == ["v3", "v2", "v1"])
        #expect(try store.serviceVersion(service: "web", version: "v2")?.specJSON == "{}")
        #expect(try store.serviceVersion(service: "web", version: "v9") == nil)
    }

    @Test("a rollout needs its service, and a service has at most one unfinished rollout")
    func oneActiveRollout() throws {
        let store = try SQLiteStateStore.inMemory()
        #expect(storeError { try store.insertRollout(rollout("r-1")) } == .serviceNotFound("web"))
        try store.recordServiceVersion(version("v1"))
        try store.insertRollout(rollout("r-1"))
        let error = storeError { try store.insertRollout(rollout("r-2", at: t0 + 1)) }
        #expect(error == .activeRolloutExists(service: "web", rolloutID: "r-1"))
        #expect(try store.listRollouts(RolloutQuery(activeOnly: true)).map(\.id) == ["r-1"])
    }

    @Test("finishing a rollout sets the current version and frees the service for the next one")
    func finish() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.recordServiceVersion(version("v1"))
        try store.insertRollout(rollout("r-1"))
        var record = try #require(try store.rollout(id: "r-1"))
        record.phase = "finished"
        record.outcome = "succeeded"
        record.finishedAt = t0 + 100
        record.updatedAt = t0 + 100
        try store.finishRollout(record, currentVersion: "v1")
        #expect(try store.rollout(id: "r-1") == record)
        #expect(try store.service(named: "web")?.currentVersion == "v1")
        #expect(try store.service(named: "web")?.updatedAt == t0 + 100)
        #expect(try store.listRollouts(RolloutQuery(activeOnly: true)).isEmpty)
        try store.recordServiceVersion(version("v2", spec: "{}", at: t0 + 200))
        try store.insertRollout(rollout("r-2", from: "v1", to: "v2", at: t0 + 200))
        #expect(try store.listRollouts(RolloutQuery(service: "web")).map(\.id) == ["r-2", "r-1"])
        #expect(try store.listRollouts(RolloutQuery(service: "api")).isEmpty)
        #expect(storeError { try store.finishRollout(rollout("r-9"), currentVersion: nil) } == .rolloutNotFound("r-9"))
        #expect(storeError { try store.updateRollout(rollout("r-9")) } == .rolloutNotFound("r-9"))
    }

    @Test("a rollout's strategy is stored and read back (rolling unless set)")
    func strategy() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.recordServiceVersion(version("v1"))
        var canary = rollout("r-c")
        canary.strategy = .canary
        try store.insertRollout(canary)
        #expect(try store.rollout(id: "r-c")?.strategy == .canary)
        canary.finishedAt = t0 + 1
        try store.finishRollout(canary, currentVersion: nil)
        var blueGreen = rollout("r-b", at: t0 + 2)
        blueGreen.strategy = .blueGreen
        try store.insertRollout(blueGreen)
        #expect(try store.listRollouts(RolloutQuery()).map(\.strategy) == [.blueGreen, .canary])
        #expect(rollout("r-x").strategy == .rolling)
    }

    @Test("rollout state, outcome and report survive reopening the database file")
    func reopen() throws {
        try withTempDirectory { directory in
            let path = "\(directory)/state.db"
            var record = rollout("r-1", from: "v1", to: "v2")
            do {
                let store = try SQLiteStateStore(path: path)
                try store.recordServiceVersion(version("v1"))
                try store.recordServiceVersion(version("v2", spec: #"{"image":"web:v2"}"#, at: t0 + 1))
                try store.insertRollout(record)
                record.stateJSON = #"{"phase":"rollingBack","hosts":[1,2,3]}"#
                record.phase = "rolling-back"
                record.updatedAt = t0 + 50
                try store.updateRollout(record)
                try store.close()
            }
            let reopened = try SQLiteStateStore(path: path)
            #expect(try reopened.rollout(id: "r-1") == record)
            #expect(try reopened.listRollouts(RolloutQuery(activeOnly: true)).map(\.id) == ["r-1"])
            record.phase = "finished"
            record.outcome = "rolled-back"
            record.finishedAt = t0 + 90
            record.rollbackDurationMs = 40
            record.reportJSON = #"{"signal":"unhealthy"}"#
            try reopened.finishRollout(record, currentVersion: "v1")
            try reopened.close()
            let again = try SQLiteStateStore(path: path)
            #expect(try again.rollout(id: "r-1") == record)
            #expect(try again.service(named: "web")?.currentVersion == "v1")
            #expect(try again.listServiceVersions(service: "web").map(\.version) == ["v2", "v1"])
        }
    }

    @Test(
        "parts: written with the rollout, only the given ones replaced, refused for unknown or finished rollouts, dropped at the end"
    )
    func parts() throws {
        try withTempDirectory { directory in
            let path = "\(directory)/state.db"
            var record = rollout("r-1")
            func part(_ name: String, _ status: String) -> RolloutPart {
                RolloutPart(name: name, stateJSON: #"{"name":"\#(name)","status":"\#(status)"}"#)
            }
            do {
                let store = try SQLiteStateStore(path: path)
                try store.recordServiceVersion(version("v1"))
                try store.insertRollout(
                    record, parts: [part("a", "pending"), part("b", "pending"), part("c", "pending")])
                try store.writeRolloutParts([part("b", "swapping")], rolloutID: "r-1")
                record.phase = "rolling-back"
                record.updatedAt = t0 + 5
                try store.updateRollout(record, parts: [part("b", "stabilizing"), part("c", "swapping")])
                try store.close()
            }
            let store = try SQLiteStateStore(path: path)
            let parts = try store.rolloutParts(id: "r-1").sorted { $0.name < $1.name }
            #expect(parts == [part("a", "pending"), part("b", "stabilizing"), part("c", "swapping")])
            #expect(try store.rollout(id: "r-1") == record)
            // A failed write changes nothing.
            #expect(
                storeError { try store.writeRolloutParts([part("a", "updated")], rolloutID: "r-9") }
                    == .rolloutNotFound("r-9"))
            #expect(
                storeError { try store.updateRollout(rollout("r-9"), parts: [part("a", "updated")]) }
                    == .rolloutNotFound("r-9"))
            #expect(try store.rolloutParts(id: "r-9").isEmpty)
            #expect(
                storeError { try store.writeRolloutParts([part("a", "updated"), part("", "x")], rolloutID: "r-1") }
                    != nil)
            #expect(try store.rolloutParts(id: "r-1").first { $0.name == "a" } == part("a", "pending"))
            record.finishedAt = t0 + 9
            record.phase = "finished"
            try store.finishRollout(record, currentVersion: "v1")
            #expect(try store.rolloutParts(id: "r-1").isEmpty)
            #expect(try store.rollout(id: "r-1") == record)
            #expect(
                storeError { try store.writeRolloutParts([part("a", "updated")], rolloutID: "r-1") }
                    == .rolloutNotFound("r-1"))
        }
    }
}
