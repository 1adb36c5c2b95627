#!/usr/bin/env python3
"""Writes Public/api/openapi.json, the OpenAPI 3.1 description of Casebook's JSON API.
Kept as a small generator so shared pieces (errors, item schema) are defined once. Run after changing the API."""
import json, pathlib

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def error(desc): return {"description": desc, "content": {"application/json": {"schema": ref("Error")}}}
def ok(desc, schema): return {"description": desc, "content": {"application/json": {"schema": schema}}}
num = {"type": "number"}; integer = {"type": "integer"}; string = {"type": "string"}
def obj(props, required=None, extra=False):
    return {"type": "object", "properties": props, "required": required if required is not None else list(props), "additionalProperties": extra}

warming = error("The recommender is warming up (training or loading); retry after the `Retry-After` seconds.")
knobs = [
    ("k", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Items to return."),
    ("candidates", {"type": "integer", "minimum": 10, "maximum": 5000, "default": 500}, "Candidates retrieved before ranking; at least k."),
    ("retrieval", {"type": "string", "enum": ["hnsw", "exact", "popular"], "default": "hnsw"}, "Candidate generation: HNSW index, exact scan or popularity."),
    ("ef", {"type": "integer", "minimum": 1, "maximum": 1024, "default": 64}, "HNSW search width (raised to at least `candidates`)."),
    ("ranker", {"type": "string", "enum": ["on", "off"], "default": "on"}, "Rank candidates with the learned ranker."),
    ("diversity", {"type": "number", "minimum": 0, "maximum": 1, "default": 0.3}, "MMR diversity weight (1 − λ)."),
]
params = [{"name": "user", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647}, "description": "User id in the world."}]
params += [{"name": n, "in": "query", "required": False, "schema": s, "description": d} for n, s, d in knobs]
params += [
    {"name": "per_creator", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 2}, "description": "Most items per creator."},
    {"name": "freshness", "in": "query", "required": False, "schema": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.1}, "description": "Freshness boost weight."},
    {"name": "compare", "in": "query", "required": False, "schema": {"type": "string", "enum": ["none", "exact"], "default": "none"}, "description": "`exact`: also report recall of the HNSW candidates against exact search."},
]
id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647}}

item_info = obj({"id": integer, "title": string, "topic": string, "topic_id": integer, "creator": string, "creator_id": integer,
                 "duration_seconds": num, "uploaded": {"type": "string", "format": "date-time"}, "age_days": num,
                 "clicks": integer, "recent_clicks": integer, "reupload_of": integer},
                required=["id", "title", "topic", "topic_id", "creator", "creator_id", "duration_seconds", "uploaded", "age_days", "clicks", "recent_clicks"])
doc = {
    "openapi": "3.1.0",
    "info": {"title": "Casebook recommender API", "version": "1.0.0",
             "description": "The runnable twin of the video-recommendation case study: a popularity baseline, two-tower retrieval over an HNSW index (or an exact scan), a ranker and an MMR re-ranker, with latency per stage. Every error is JSON `{error, parameter, allowed}`."},
    "servers": [{"url": "/"}],
    "paths": {
        "/api/v1/recommendations": {
            "get": {"operationId": "recommend", "summary": "Recommendations for a known user", "parameters": params,
                    "responses": {"200": ok("Ranked items and per-stage timings.", ref("Recommendations")),
                                  "400": error("A parameter is missing, malformed or out of range."),
                                  "404": error("No such user."), "503": warming}},
            "post": {"operationId": "recommendColdStart", "summary": "Recommendations for a new visitor (cold start)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": obj({
                         "topics": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 35}, "maxItems": 50, "minItems": 1},
                         "liked_items": {"type": "array", "items": {"type": "integer", "minimum": 0}, "maxItems": 100},
                         **{n: s for n, s, _ in knobs}}, required=[], extra=True)}}},
                     "responses": {"200": ok("Ranked items and per-stage timings.", ref("Recommendations")),
                                   "400": error("Body is not JSON, a value is out of range, or the profile is empty."),
                                   "404": error("A liked item does not exist."), "413": error("Body too large."), "503": warming}},
        },
        "/api/v1/recsys/evaluation": {"get": {"operationId": "evaluation", "summary": "Offline evaluation table",
            "responses": {"200": ok("Metrics per method on a time-based hold-out.", ref("EvaluationTable")),
                          "404": error("The model was trained without evaluation."), "503": warming}}},
        "/api/v1/recsys/status": {"get": {"operationId": "status", "summary": "Model state: warming up, ready or failed",
            "responses": {"200": ok("Current state.", obj({"state": {"type": "string", "enum": ["warming-up", "ready", "failed"]},
                                                            "phase": string, "fraction": num, "model": {"type": "object"}}, required=["state", "fraction"]))}}},
        "/api/v1/topics": {"get": {"operationId": "topics", "summary": "Topics of the world",
            "responses": {"200": ok("Every topic with its item count.", {"type": "array", "items": obj({"id": integer, "name": string, "item_count": integer})}),
                          "503": warming}}},
        "/api/v1/items/{id}": {"get": {"operationId": "item", "summary": "One video", "parameters": [id_param],
            "responses": {"200": ok("The item.", item_info), "400": error("Malformed id."), "404": error("No such item."), "503": warming}}},
        "/api/v1/users/{id}": {"get": {"operationId": "user", "summary": "One user: history and tastes", "parameters": [id_param],
            "responses": {"200": ok("The user.", obj({"id": integer, "click_count": integer,
                "top_topics": {"type": "array", "items": ref("TopicShare")}, "latent_tastes": {"type": "array", "items": ref("TopicShare")},
                "top_creators": {"type": "array", "items": obj({"creator_id": integer, "creator": string, "count": integer})},
                "recent_items": {"type": "array", "items": item_info}})),
                "400": error("Malformed id."), "404": error("No such user."), "503": warming}}},
    },
    "components": {"schemas": {
        "Error": obj({"error": string, "parameter": string, "allowed": string}, required=["error"]),
        "TopicShare": obj({"topic": string, "topic_id": integer, "share": num}),
        "Recommendations": obj({
            "items": {"type": "array", "items": obj({"id": integer, "title": string, "topic": string, "topic_id": integer,
                "creator": string, "creator_id": integer, "duration_seconds": num, "age_days": num,
                "scores": obj({"retrieval": num, "ranker": num, "final": num}, required=["retrieval", "final"]),
                "reasons": {"type": "array", "items": string}})},
            "stages": {"type": "array", "items": obj({"name": string, "items_in": integer, "items_out": integer, "microseconds": num})},
            "exact_recall": {"type": "number", "minimum": 0, "maximum": 1, "description": "Recall of the HNSW candidates against exact search (with compare=exact)."},
            "effective_ef": integer}, required=["items", "stages"]),
        "EvaluationTable": obj({"rows": {"type": "array", "items": obj({"method": string, "recall_at10": num, "recall_at50": num,
                "ndcg_at10": num, "mrr": num, "coverage_at10": num, "intra_list_diversity_at10": num, "microseconds_per_user": num})},
            "users": integer, "test_start": {"type": "string", "format": "date-time"}, "rank_start": {"type": "string", "format": "date-time"},
            "notes": {"type": "array", "items": string}}),
    }},
}
out = pathlib.Path(__file__).resolve().parent.parent / "Public" / "api" / "openapi.json"
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(doc, indent=2) + "\n")
print(f"wrote {out}")
