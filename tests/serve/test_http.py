"""The service over a real loopback socket: results, errors, limits, model and metrics."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pandas as pd
import pytest

import classifier


def post(server, body, **kwargs) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/score", json=body, timeout=30, **kwargs)


def test_results_equal_score_frame_in_input_order(server, model, ads, edge_texts):
    texts = [*ads["text"].head(20), *edge_texts]
    ids = [f"a{i}" for i in range(len(texts))]
    response = post(server, {"ads": [{"id": i, "text": t}
                                     for i, t in zip(ids, texts, strict=True)]})
    assert response.status_code == 200
    expected = classifier.score_frame(model, pd.DataFrame({"id": ids, "text": texts}),
                                      id_col="id")
    # Through JSON, floats round-trip exactly: the values are equal, not just close.
    assert response.json()["results"] == expected.to_dict("records")


def test_title_body_and_default_ids(server, model):
    response = post(server, {"ads": [{"title": "Amber downtown", "body": "new girls"},
                                     {"id": 7, "body": "independent companion"}]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [0, 7]
    expected = classifier.score_texts(model, ["Amber downtown\nnew girls",
                                              "independent companion"])
    assert [r["score"] for r in results] == expected["score"].tolist()


@pytest.mark.parametrize("body, where", [
    ({"ads": [{"id": "a"}]}, "give text"),
    ({"ads": [{"text": "x", "title": "y"}]}, "not both"),
    ({"ads": [{"text": 5}]}, "string"),
    ({"ads": [{"text": "x", "colour": "red"}]}, "Extra inputs"),
    ({"ads": "x"}, "list"),
    ({}, "Field required"),
])
def test_invalid_requests_get_422_with_a_json_error(server, body, where):
    response = post(server, body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid request"
    assert where in json.dumps(response.json()["detail"])


@pytest.mark.parametrize("content", [b'{"ads": [', b"\xff\xfe not json", b"", b"[1, 2]"])
def test_malformed_json_is_a_json_error_not_a_traceback(server, content):
    response = httpx.post(f"{server.url}/v1/score", content=content, timeout=30,
                          headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert "error" in response.json()
    assert "Traceback" not in response.text


def test_non_json_content_type_gets_415(server):
    response = httpx.post(f"{server.url}/v1/score", data={"ads": "x"}, timeout=30)
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]


def test_too_many_ads_gets_422(server):
    response = post(server, {"ads": [{"text": "x"}] * 1001})
    assert response.status_code == 422
    assert "at most 1000" in json.dumps(response.json()["detail"])


def test_too_large_body_gets_413_with_or_without_content_length(server):
    big = json.dumps({"ads": [{"text": "x" * 1_000_000}] * 9}).encode()  # > 8 MiB
    response = httpx.post(f"{server.url}/v1/score", content=big, timeout=30,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]
    chunks = (big[i:i + 65536] for i in range(0, len(big), 65536))  # chunked: no length
    response = httpx.post(f"{server.url}/v1/score", content=chunks, timeout=30,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_healthz_and_model_manifest_without_paths(server, model):
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok",
                                                         "model": model.model_id}
    manifest = httpx.get(f"{server.url}/v1/model").json()
    assert manifest["model_id"] == model.model_id
    assert manifest["threshold"] == model.threshold
    assert manifest["training_data"]["source"] == "invented"


def test_unknown_path_is_a_json_404(server):
    response = httpx.get(f"{server.url}/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


def test_metrics_count_requests_ads_errors_and_latency(server):
    def value(text: str, name: str) -> float:
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith(name))

    before = httpx.get(f"{server.url}/metrics").text
    post(server, {"ads": [{"text": "a"}, {"text": "b"}, {"text": "c"}]})
    post(server, {"ads": [{"id": "no text"}]})
    after = httpx.get(f"{server.url}/metrics").text
    score = 'path="/v1/score"'
    assert value(after, "classifier_ads_scored_total") - value(
        before, "classifier_ads_scored_total") == 3
    assert value(after, f'classifier_requests_total{{{score},status="200"}}') - value(
        before, f'classifier_requests_total{{{score},status="200"}}') == 1
    assert value(after, f'classifier_errors_total{{{score},status="422"}}') - value(
        before, f'classifier_errors_total{{{score},status="422"}}') == 1
    assert value(after, f"classifier_request_duration_seconds_count{{{score}}}") - value(
        before, f"classifier_request_duration_seconds_count{{{score}}}") == 2


def test_openapi_schema_describes_the_endpoints(server):
    schema = httpx.get(f"{server.url}/openapi.json").json()
    assert {"/v1/score", "/v1/model", "/healthz", "/metrics"} <= set(schema["paths"])
    request = schema["components"]["schemas"]["ScoreRequest"]
    assert request["properties"]["ads"]["maxItems"] == 1000


def test_public_manifest_leaves_out_paths():
    from classifier.serve._app import public_manifest

    manifest = {"training_data": {"source": "data/private/ads.csv", "n_used": 3},
                "notes": ["/home/me/models/m", "C:\\Users\\me\\ads.csv"],
                "threshold_rule": "lowest threshold with held-out precision >= 0.9"}
    assert public_manifest(manifest) == {
        "training_data": {"source": "ads.csv", "n_used": 3},
        "notes": ["m", "ads.csv"],
        "threshold_rule": "lowest threshold with held-out precision >= 0.9"}
    assert public_manifest({"training_data": {"source": "chainbreaker"}}) == {
        "training_data": {"source": "chainbreaker"}}


def test_concurrent_requests_each_get_their_own_results(server, model, ads):
    # Requests arriving while a batch is scored are scored together: check the split.
    texts = ads["text"].tolist()
    expected = classifier.score_texts(model, texts)["score"].tolist()
    bodies = [{"ads": [{"id": f"{k}-{i}", "text": texts[(k + i) % len(texts)]}
                       for i in range(k % 5 + 1)]} for k in range(24)]
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda body: post(server, body), bodies))
    for k, response in enumerate(responses):
        results = response.json()["results"]
        assert [r["id"] for r in results] == [a["id"] for a in bodies[k]["ads"]]
        assert [r["score"] for r in results] == [
            expected[(k + i) % len(texts)] for i in range(len(results))]
