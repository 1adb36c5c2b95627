import Foundation
import GRDB
import Grader
import KnowledgeBase

/// Missed rubric points become the learner's own flashcards (issue 20): the front is the point's probe question,
/// the back what a strong answer says with a link to the reference. One card per (learner, case, point): its GUID
/// is made of the two, so adding it twice does nothing and an Anki round trip keeps it one card. The cards are the
/// learner's, not the attempt's: deleting an attempt leaves them.
struct WeakPointCards: Sendable {
    let store: FlashcardStore

    static func guid(slug: String, point: String) -> String { "casebook-weak/\(slug)/\(point)" }
    static func deck(_ doc: Document) -> String { "Weak points: \(doc.title)" }
    /// The line a later attempt that covers the point adds to the card's back.
    static let coveredMarker = "✓ You covered this in your mock interview of"

    /// The card for `point` of `doc`, as first missed in an attempt started at `attemptDate`.
    static func card(_ point: GradablePoint, doc: Document, attemptDate: Date) -> ImportedCard {
        let front = point.probe ?? "In the \(doc.title) interview: \(point.point). How would you raise this, and why does it matter?"
        var back = "**A strong answer says:** \(point.says.first ?? point.point)"
        if let section = point.section { back += "\n\n[Read it in the reference](\(doc.url)#\(section))" }
        back += "\n\nFrom your mock interview of \(day(attemptDate)) (\(point.level)-level point, \(stepTitle(point.step)))."
        return ImportedCard(
            guid: guid(slug: doc.slug, point: point.id), deck: deck(doc), front: front, back: back,
            frontHtml: UserMarkdown.html(front), backHtml: UserMarkdown.html(back),
            tags: "weak-point case:\(doc.slug) point:\(point.id) step:\(point.step)")
    }

    /// "3 Dec 2026" (UTC), both ways: the card says it, and reads it back to keep the latest date.
    static func dayFormatter() -> DateFormatter { UTCDates.formatter("d MMM yyyy") }

    static func day(_ date: Date) -> String { dayFormatter().string(from: date) }
    static func parseDay(_ text: String) -> Date? { dayFormatter().date(from: text) }

    static func startOfDay(_ date: Date) -> Date { parseDay(day(date)) ?? date }

    static func stepTitle(_ step: String) -> String { FrameworkStep(rawValue: step)?.sectionTitle ?? step }

    /// Adds the cards that are not there yet; returns how many were added.
    func add(userId: Int64, _ cards: [ImportedCard], now: Date) async throws -> Int {
        try await store.writer.write { db in
            var added = 0
            for c in cards {
                let exists = try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT 1 FROM card WHERE userId = ? AND guid = ?"), arguments: [userId, c.guid]) != nil
                if !exists {
                    _ = try FlashcardStore.insert(db, userId: userId, c, now: now)
                    added += 1
                }
            }
            return added
        }
    }

    /// The points of `slug` the learner already has a card for.
    func points(userId: Int64, slug: String) async throws -> Set<String> {
        let prefix = Self.guid(slug: slug, point: "")
        let guids = try await store.writer.read { db in
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT guid FROM card WHERE userId = ? AND substr(guid, 1, ?) = ?"),
                arguments: [userId, prefix.count, prefix])
        }
        return Set(guids.map { String($0.dropFirst(prefix.count)) })
    }

    /// Says on each card of a point `covered` in an attempt of `date` that it was covered (once per card, the
    /// latest date replacing an earlier one); the rest of the back, which the learner may have edited, is kept.
    func noteCovered(userId: Int64, slug: String, points covered: [String], date: Date, now: Date) async throws {
        guard !covered.isEmpty else { return }
        let line = "\(Self.coveredMarker) \(Self.day(date))."
        try await store.writer.write { db in
            for point in covered {
                guard let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT id, back FROM card WHERE userId = ? AND guid = ?"),
                    arguments: [userId, Self.guid(slug: slug, point: point)])
                else { continue }
                let back: String = row["back"]
                let paragraphs = back.components(separatedBy: "\n\n")
                // A later attempt's date wins; viewing an older attempt again does not move it back.
                if let old = paragraphs.first(where: { $0.hasPrefix(Self.coveredMarker) }),
                    let oldDate = Self.parseDay(String(old.dropFirst(Self.coveredMarker.count + 1).dropLast())), oldDate >= Self.startOfDay(date)
                {
                    continue
                }
                let kept = paragraphs.filter { !$0.hasPrefix(Self.coveredMarker) }
                let updated = (kept + [line]).joined(separator: "\n\n")
                guard updated != back else { continue }
                try db.cachedStatement(sql: "UPDATE card SET back = ?, backHtml = ?, updatedAt = ? WHERE id = ? AND userId = ?")
                    .execute(arguments: [updated, UserMarkdown.html(updated), now, row["id"] as Int64, userId])
            }
        }
    }
}
