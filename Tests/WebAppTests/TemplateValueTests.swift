import Foundation
import Mustache
import Testing
@testable import WebApp

/// `TemplateValue.convert` must not change what a template renders: each case renders the same template once from
/// the struct (swift-mustache's own Mirror lookup, the reference) and once from the converted value.
@Suite struct TemplateValueTests {
    struct Inner { let name: String; let count: Int; let note: String? }
    struct Row { let label: String; let done: Bool; let inner: Inner? }
    struct Model {
        let title: String
        let subtitle: String?
        let missing: String?
        let ratio: Double
        let flag: Bool
        let rows: [Row]
        let empty: [Row]
        let tags: [String]
        let inner: Inner
        let nested: [[Int]]
        let when: Date
        let name: String   // shadowed by Inner.name inside {{#inner}}
    }

    static let template = """
        <h1>{{title}}</h1>{{#subtitle}}<h2>{{subtitle}}</h2>{{/subtitle}}{{^missing}}no missing{{/missing}}
        {{ratio}} {{#flag}}on{{/flag}}{{^flag}}off{{/flag}}
        {{#rows}}<li>{{label}} {{#done}}✓{{/done}} {{#inner}}{{name}}/{{count}}/{{note}}{{/inner}} {{title}}</li>{{/rows}}
        {{^empty}}nothing yet{{/empty}}{{#empty}}never{{/empty}}
        {{#tags}}[{{.}}]{{/tags}} {{inner.name}} {{#inner}}{{name}} {{^note}}outer {{missing}}{{title}}{{/note}}{{/inner}} {{name}}
        {{#nested}}({{#.}}{{.}},{{/.}}){{/nested}} {{#when}}has date{{/when}} <{{&title}}>
        """

    static func render(_ value: Any) throws -> String {
        let template = try MustacheTemplate(string: template)
        return template.render(value)
    }

    static func model(rows: [Row], subtitle: String?) -> Model {
        Model(title: "A & <b>", subtitle: subtitle, missing: nil, ratio: 0.25, flag: !rows.isEmpty, rows: rows, empty: [],
              tags: ["x", "y<z"], inner: Inner(name: "inner", count: 3, note: nil), nested: [[1, 2], [3]],
              when: Date(timeIntervalSince1970: 0), name: "outer-name")
    }

    @Test func rendersExactlyWhatMirrorLookupRenders() throws {
        let rows = [Row(label: "one", done: true, inner: Inner(name: "n1", count: 1, note: "note")),
                    Row(label: "two", done: false, inner: nil),
                    Row(label: "three", done: true, inner: Inner(name: "n3", count: 0, note: nil))]
        for m in [Self.model(rows: rows, subtitle: "sub"), Self.model(rows: [], subtitle: nil)] {
            let reference = try Self.render(m)
            let converted = try Self.render(TemplateValue.convert(m))
            #expect(converted == reference)
            #expect(reference.contains("<h1>A &amp; &lt;b&gt;</h1>"))
        }
    }

    @Test func nilPropertiesAreAbsentAndStructsBecomeDictionaries() throws {
        let value = TemplateValue.convert(Self.model(rows: [], subtitle: nil))
        let dict = try #require(value as? [String: Any])
        #expect(dict["missing"] == nil)
        #expect(dict["subtitle"] == nil)
        #expect(dict["title"] as? String == "A & <b>")
        #expect((dict["inner"] as? [String: Any])?["count"] as? Int == 3)
        #expect(dict["when"] is Date)
        #expect((dict["nested"] as? [Any])?.count == 2)
    }
}
