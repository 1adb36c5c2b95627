import Crypto
import Foundation
import GRDB
import ZIPFoundation

/// Writes an Anki package (`.apkg`): a zip holding `collection.anki2`, an SQLite database in Anki's schema 11 (the
/// legacy format every Anki and AnkiDroid still imports), and `media`, the JSON map of media files (none here).
///
/// Written by hand because no Swift library writes Anki collections; the zip itself is ZIPFoundation's. One note
/// type, "Casebook", with the fields Front, Back, GUID and Source; one Anki deck per Casebook deck under
/// "Casebook::". A note's GUID is the card's stable id (the content id, or the GUID of the learner's own card), so
/// importing a newer package updates the notes instead of adding copies. Cards go in as new: Anki schedules them.
enum AnkiPackage {
    struct Note {
        let guid: String
        let deck: String
        let frontHtml: String
        let backHtml: String
        /// Where the card comes from ("Casebook · Fraud detection").
        let source: String
        let tags: [String]
    }

    static let noteTypeId: Int64 = 1_700_000_000_000
    static let fieldSeparator = "\u{1f}"

    /// The package's bytes. `now` sets ids and modification times.
    static func data(_ notes: [Note], now: Date) throws -> Data {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("casebook-apkg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let collection = dir.appendingPathComponent("collection.anki2")
        try writeCollection(notes, to: collection.path, now: now)
        let zipURL = dir.appendingPathComponent("deck.apkg")
        let archive = try Archive(url: zipURL, accessMode: .create)
        try archive.addEntry(with: "collection.anki2", fileURL: collection, compressionMethod: .deflate)
        let media = Data("{}".utf8)
        try archive.addEntry(with: "media", type: .file, uncompressedSize: Int64(media.count), compressionMethod: .deflate) { position, size in
            media.subdata(in: Int(position)..<Int(position) + size)
        }
        return try Data(contentsOf: zipURL)
    }

    /// The first 8 hex digits of SHA-1 of the sort field, as an integer: Anki's duplicate check reads it.
    static func checksum(_ text: String) -> Int64 {
        let digest = Insecure.SHA1.hash(data: Data(text.utf8))
        return digest.prefix(4).reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    /// Field text without HTML tags, for the sort field.
    static func stripped(_ html: String) -> String {
        html.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
            .replacingOccurrences(of: "&nbsp;", with: " ").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func writeCollection(_ notes: [Note], to path: String, now: Date) throws {
        let queue = try DatabaseQueue(path: path)
        let ms = Int64(now.timeIntervalSince1970 * 1000)
        let seconds = ms / 1000
        // Deck ids: 1 is Anki's Default deck; ours follow, one per Casebook deck in first-seen order.
        var deckIds: [String: Int64] = [:]
        for n in notes where deckIds[n.deck] == nil { deckIds[n.deck] = ms + Int64(deckIds.count) + 1 }
        try queue.write { db in
            try db.execute(sql: schema)
            try db.execute(
                sql: "INSERT INTO col VALUES (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
                arguments: [seconds, ms, ms, json(config), json(noteTypes(mod: seconds)), json(decks(deckIds, mod: seconds)), json(deckOptions)])
            for (i, n) in notes.enumerated() {
                let id = ms + Int64(i)
                let fields = [n.frontHtml, n.backHtml, n.guid, n.source].joined(separator: fieldSeparator)
                let sortField = stripped(n.frontHtml)
                let tags = n.tags.isEmpty ? "" : " " + n.tags.joined(separator: " ") + " "
                try db.execute(
                    sql: "INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')",
                    arguments: [id, n.guid, noteTypeId, seconds, tags, fields, sortField, checksum(sortField)])
                try db.execute(
                    sql: "INSERT INTO cards VALUES (?, ?, ?, 0, ?, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')",
                    arguments: [id, id, deckIds[n.deck]!, seconds, i + 1])
            }
        }
    }

    static func json(_ value: Any) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }

    static var config: [String: Any] { [
        "nextPos": 1, "estTimes": true, "activeDecks": [1], "sortType": "noteFld", "timeLim": 0, "sortBackwards": false,
        "addToCur": true, "curDeck": 1, "newBury": true, "newSpread": 0, "dueCounts": true, "curModel": noteTypeId,
        "collapseTime": 1200,
    ] }

    static func noteTypes(mod: Int64) -> [String: Any] {
        let fields = ["Front", "Back", "GUID", "Source"].enumerated().map { i, name -> [String: Any] in
            ["name": name, "ord": i, "sticky": false, "rtl": false, "font": "Arial", "size": 20, "media": [String]()]
        }
        let template: [String: Any] = [
            "name": "Card 1", "ord": 0, "qfmt": "{{Front}}",
            "afmt": "{{FrontSide}}<hr id=answer>{{Back}}<p class=source>{{Source}}</p>",
            "did": NSNull(), "bqfmt": "", "bafmt": "",
        ]
        let noteType: [String: Any] = [
            "id": noteTypeId, "name": "Casebook", "type": 0, "mod": mod, "usn": -1, "sortf": 0, "did": 1,
            "tmpls": [template], "flds": fields, "tags": [String](), "vers": [Int](),
            "css": ".card { font-family: sans-serif; font-size: 18px; text-align: left; } .source { font-size: 12px; }",
            "latexPre": "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n",
            "latexPost": "\\end{document}", "latexsvg": false, "req": [[0, "any", [0]]],
        ]
        return [String(noteTypeId): noteType]
    }

    static func deck(id: Int64, name: String, mod: Int64) -> [String: Any] {
        [
            "id": id, "name": name, "mod": mod, "usn": -1, "lrnToday": [0, 0], "revToday": [0, 0], "newToday": [0, 0],
            "timeToday": [0, 0], "collapsed": false, "browserCollapsed": false, "desc": "", "dyn": 0, "conf": 1,
            "extendNew": 0, "extendRev": 0,
        ]
    }

    static func decks(_ ids: [String: Int64], mod: Int64) -> [String: Any] {
        var out: [String: Any] = ["1": deck(id: 1, name: "Default", mod: mod)]
        for (name, id) in ids { out[String(id)] = deck(id: id, name: "Casebook::" + name.replacingOccurrences(of: "::", with: ": "), mod: mod) }
        return out
    }

    static var deckOptions: [String: Any] { [
        "1": [
            "id": 1, "name": "Default", "mod": 0, "usn": 0, "maxTaken": 60, "autoplay": true, "timer": 0, "replayq": true,
            "dyn": false,
            "new": ["bury": false, "delays": [1.0, 10.0], "initialFactor": 2500, "ints": [1, 4, 0], "order": 1, "perDay": 20],
            "rev": ["bury": false, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": 36500, "perDay": 200, "hardFactor": 1.2],
            "lapse": ["delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0],
        ] as [String: Any],
    ] }

    /// Anki's schema 11, as its own legacy packages declare it.
    static let schema = """
        CREATE TABLE col (id integer primary key, crt integer not null, mod integer not null, scm integer not null,
            ver integer not null, dty integer not null, usn integer not null, ls integer not null, conf text not null,
            models text not null, decks text not null, dconf text not null, tags text not null);
        CREATE TABLE notes (id integer primary key, guid text not null, mid integer not null, mod integer not null,
            usn integer not null, tags text not null, flds text not null, sfld integer not null, csum integer not null,
            flags integer not null, data text not null);
        CREATE TABLE cards (id integer primary key, nid integer not null, did integer not null, ord integer not null,
            mod integer not null, usn integer not null, type integer not null, queue integer not null, due integer not null,
            ivl integer not null, factor integer not null, reps integer not null, lapses integer not null,
            left integer not null, odue integer not null, odid integer not null, flags integer not null, data text not null);
        CREATE TABLE revlog (id integer primary key, cid integer not null, usn integer not null, ease integer not null,
            ivl integer not null, lastIvl integer not null, factor integer not null, time integer not null,
            type integer not null);
        CREATE TABLE graves (usn integer not null, oid integer not null, type integer not null);
        CREATE INDEX ix_notes_usn ON notes (usn);
        CREATE INDEX ix_cards_usn ON cards (usn);
        CREATE INDEX ix_revlog_usn ON revlog (usn);
        CREATE INDEX ix_cards_nid ON cards (nid);
        CREATE INDEX ix_cards_sched ON cards (did, queue, due);
        CREATE INDEX ix_revlog_cid ON revlog (cid);
        CREATE INDEX ix_notes_csum ON notes (csum);
        """
}
