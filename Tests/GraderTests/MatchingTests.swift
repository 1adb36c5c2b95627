import Testing

@testable import Grader

@Suite("Answer splitting and evidence terms")
struct MatchingTests {
    @Test func splitsSentencesAndBulletsWithUTF16Ranges() {
        let text = "## Evaluation\nWe use NDCG@10, e.g. for ranking. Then A/B test 0.5% of traffic!\n- Café recall 🚀 at k=500\n1. Shadow first\n---"
        let units = AnswerSplitter.units(text)
        #expect(units.map(\.text) == [
            "We use NDCG@10, e.g. for ranking.", "Then A/B test 0.5% of traffic!", "Café recall 🚀 at k=500", "Shadow first",
        ])
        #expect(units.map(\.isBullet) == [false, false, true, true])
        let utf16 = Array(text.utf16)
        for u in units { #expect(String(decoding: utf16[u.start..<u.end], as: UTF16.self) == u.text) }
    }

    @Test func stemmingMeetsVerbFormsAndPlurals() {
        for group in [["test", "testing", "tested", "tests"], ["rank", "ranking", "ranked", "ranks"],
                      ["sample", "samples", "sampled", "sampling"], ["embed", "embedding", "embedded", "embeddings"],
                      ["query", "queries"], ["index", "indexes"]] {
            #expect(Set(group.map(EvidenceTerms.stem)).count == 1, "\(group.map(EvidenceTerms.stem))")
        }
        #expect(EvidenceTerms.stem("bus") == "bus")
    }

    @Test func termsMatchWholeWordsWithHyphenVariants() {
        let s = EvidenceTerms.Sentence("Re-ranking with MMR; A/B testing at 200ms p99 with two tower models")
        #expect(s.contains("reranking"))
        #expect(s.contains("re-rank"))
        #expect(s.contains("A/B test"))
        #expect(s.contains("two-tower"))
        #expect(s.contains("200 ms"))
        #expect(!s.contains("map"))
        #expect(!s.contains("1%"))
        #expect(!EvidenceTerms.Sentence("we report mAP").contains("map reduce"))
    }

    @Test func negationCountsAgainstATerm() {
        let s = EvidenceTerms.Sentence("We would not use accuracy; recall at a fixed precision instead")
        #expect(!s.contains("accuracy"))
        #expect(s.contains("accuracy", negationAllowed: true))
        #expect(s.contains("recall"))
        #expect(EvidenceTerms.Sentence("Don't rely on ROC-AUC alone").contains("ROC-AUC") == false)
        #expect(EvidenceTerms.isNegation("rather than"))
    }

    @Test func bareListsAreRecognised() {
        #expect(EvidenceTerms.Sentence("two-tower, HNSW, logQ correction, NDCG, calibration").isBareList)
        #expect(EvidenceTerms.Sentence("feature store").isBareList)
        #expect(!EvidenceTerms.Sentence("Use logQ correction so popular items are not over-penalised").isBareList)
        #expect(!EvidenceTerms.Sentence("Two-tower model retrieves 500 candidates from an HNSW index").isBareList)
    }
}
