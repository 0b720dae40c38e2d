"""Each RPC and each error case, against a real server process over the network."""

from __future__ import annotations

import math
from types import MappingProxyType

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from trivsel.api.convert import profile_to_proto, result_from_proto
from trivsel.client.profiles import read_profile
from trivsel.engine import Department, Options, Profile, Recommender
from trivsel.v1 import recommender_pb2 as pb

from ..conftest import EXAMPLES, RULES
from .conftest import ADMIN


@pytest.fixture(scope="module")
def embedded():
    with Recommender.from_folder(RULES) as rec:
        yield rec


def example(name: str) -> pb.Profile:
    return profile_to_proto(read_profile(str(EXAMPLES / name)))


def violations(exc: grpc.RpcError) -> dict[str, str]:
    status = rpc_status.from_call(exc)
    out = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out.update({v.field: v.description for v in bad.field_violations})
    return out


def test_recommend_matches_the_embedded_engine(server, embedded) -> None:
    stub = server.stub()
    for name in ("production-high-workload.yaml", "care-unit-emotional-demands.yaml", "partial-profile.yaml"):
        for language in ("da", "en"):
            response, call = stub.Recommend.with_call(pb.RecommendRequest(profile=example(name), language=language))
            expected = embedded.recommend(read_profile(str(EXAMPLES / name)), Options(language=language))
            assert result_from_proto(response) == expected
    metadata = dict(call.trailing_metadata())
    assert len(metadata["x-request-id"]) == 20
    assert response.ruleset.fingerprint == embedded.ruleset.info.fingerprint


def test_request_id_is_echoed(server) -> None:
    _, call = server.stub().Recommend.with_call(pb.RecommendRequest(profile=example("partial-profile.yaml")),
                                                metadata=(("x-request-id", "abc-123"),))
    assert dict(call.trailing_metadata())["x-request-id"] == "abc-123"
    assert any(e.get("request_id") == "abc-123" for e in server.events("rpc"))


def test_request_id_comes_back_with_errors_too(server) -> None:
    bad = pb.RecommendRequest(profile=pb.Profile(department_id="x", respondents=20, scores={"influence": 500}))
    with pytest.raises(grpc.RpcError) as info:
        server.stub().Recommend(bad, metadata=(("x-request-id", "err-42"),))
    metadata = dict(info.value.trailing_metadata())
    assert metadata["x-request-id"] == "err-42"
    # the rich details survive alongside: the status itself, and the bad field named in them
    assert rpc_status.from_call(info.value).code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert list(violations(info.value)) == ["profile.scores.influence"]


def test_ids_only_detail(server) -> None:
    response = server.stub().Recommend(pb.RecommendRequest(profile=example("production-high-workload.yaml"),
                                                           detail=pb.DETAIL_IDS, top=3))
    assert [r.rank for r in response.recommendations] == [1, 2, 3]
    assert all(not r.because and not r.title and r.prevention == pb.PREVENTION_PRIMARY
               for r in response.recommendations)


def test_bad_profile_names_every_field(server) -> None:
    profile = pb.Profile(department_id="", respondents=20,
                         scores={"influnce": 20, "meaning": math.nan, "work_pace": math.inf, "recognition": 140})
    with pytest.raises(grpc.RpcError) as info:
        server.stub().Recommend(pb.RecommendRequest(profile=profile))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = violations(info.value)
    assert set(fields) == {"profile.department_id", "profile.scores.influnce", "profile.scores.meaning",
                           "profile.scores.work_pace", "profile.scores.recognition"}
    assert "did you mean 'influence'" in fields["profile.scores.influnce"]
    assert "finite" in fields["profile.scores.meaning"] and "outside the range" in fields["profile.scores.recognition"]


def test_small_group_is_a_failed_precondition(server) -> None:
    with pytest.raises(grpc.RpcError) as info:
        server.stub().Recommend(pb.RecommendRequest(profile=pb.Profile(department_id="x", respondents=3,
                                                                       scores={"influence": 10})))
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    status = rpc_status.from_call(info.value)
    failure = error_details_pb2.PreconditionFailure()
    status.details[0].Unpack(failure)
    assert failure.violations[0].subject == "profile.respondents"


@pytest.mark.parametrize("request_fields, field", [({"top": 500}, "top"), ({"language": "fr"}, "language"),
                                                   ({"detail": 7}, "detail")])
def test_bad_options(server, request_fields: dict, field: str) -> None:
    with pytest.raises(grpc.RpcError) as info:
        server.stub().Recommend(pb.RecommendRequest(profile=example("partial-profile.yaml"), **request_fields))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violations(info.value)


def test_bad_date(server) -> None:
    profile = example("partial-profile.yaml")
    profile.measured_on = "last spring"
    with pytest.raises(grpc.RpcError) as info:
        server.stub().Recommend(pb.RecommendRequest(profile=profile))
    assert "profile.measured_on" in violations(info.value)


def test_batch_answers_in_order_and_isolates_bad_profiles(server, embedded) -> None:
    good = [example(n) for n in ("production-high-workload.yaml", "bullying-reports.yaml")]
    bad = pb.Profile(department_id="bad", respondents=20, scores={"influence": 999})
    small = pb.Profile(department_id="small", respondents=2)
    response = server.stub().RecommendBatch(pb.RecommendBatchRequest(profiles=[good[0], bad, small, good[1]]))
    kinds = [item.WhichOneof("outcome") for item in response.items]
    assert kinds == ["result", "error", "error", "result"]
    assert [item.index for item in response.items] == [0, 1, 2, 3]
    assert response.items[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "profiles[1].scores.influence" in response.items[1].error.message
    assert response.items[2].error.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    expected = embedded.recommend(read_profile(str(EXAMPLES / "bullying-reports.yaml")))
    assert result_from_proto(response.items[3].result) == expected


def test_a_batch_across_chunks_answers_each_profile_as_alone(server, embedded) -> None:
    """Batches are evaluated in chunks, stage by stage: every item must still be its own profile's
    answer, at its own index, with refusals in place — also at the edges of a chunk."""
    import random
    from types import MappingProxyType

    from trivsel.engine import Department, Profile, ProfileError
    from trivsel.engine.synthetic import random_values
    from trivsel.service.servicer import BATCH_CHUNK

    rng = random.Random(12)
    size = 2 * BATCH_CHUNK + 45
    refused_at = {0, BATCH_CHUNK - 1, BATCH_CHUNK, 2 * BATCH_CHUNK, size - 1}
    profiles = []
    for i in range(size):
        values = random_values(rng, embedded.ruleset.dimensions, missing_share=rng.choice((0.0, 0.4)))
        if i in refused_at:
            values["influence"] = 400.0 if i % 2 else values.get("influence", 50.0)
        profiles.append(Profile(Department(f"d{i}"), 3 if i in refused_at and not i % 2 else 20,
                                MappingProxyType(values)))
    big = server.channel(options=[("grpc.max_receive_message_length", 64 * 1024 * 1024)])  # ~7 MB of answers
    response = server.stub(big).RecommendBatch(pb.RecommendBatchRequest(
        profiles=[profile_to_proto(p) for p in profiles], language="da"), timeout=60)
    assert [item.index for item in response.items] == list(range(size))
    assert [item.department_id for item in response.items] == [f"d{i}" for i in range(size)]
    for i, (item, profile) in enumerate(zip(response.items, profiles)):
        try:
            expected = embedded.recommend(profile, Options(language="da"))
        except ProfileError:
            assert i in refused_at and item.WhichOneof("outcome") == "error", i
            continue
        assert i not in refused_at and result_from_proto(item.result) == expected, i


def test_batch_limit(server) -> None:
    profiles = [pb.Profile(department_id=str(i), respondents=10) for i in range(10_001)]
    with pytest.raises(grpc.RpcError) as info:
        server.stub().RecommendBatch(pb.RecommendBatchRequest(profiles=profiles))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "profiles" in violations(info.value)


def test_message_size_limit(server) -> None:
    profiles = [pb.Profile(department_id="x" * 100_000, respondents=10) for _ in range(700)]  # ~70 MB
    channel = server.channel(options=[("grpc.max_send_message_length", 200 * 1024 * 1024)])
    with pytest.raises(grpc.RpcError) as info:
        server.stub(channel).RecommendBatch(pb.RecommendBatchRequest(profiles=profiles))
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert server.health() == 1  # SERVING


def test_deadline_is_honoured(server) -> None:
    import time

    profile = example("care-unit-emotional-demands.yaml")
    with pytest.raises(grpc.RpcError) as info:
        server.stub().RecommendBatch(pb.RecommendBatchRequest(profiles=[profile] * 10_000, detail=pb.DETAIL_IDS),
                                     timeout=0.3, metadata=(("x-request-id", "deadline-1"),))
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not [e for e in server.events("rpc") if e["request_id"] == "deadline-1"]:
        time.sleep(0.05)
    line = next(e for e in server.events("rpc") if e["request_id"] == "deadline-1")
    assert line["status"] == "DEADLINE_EXCEEDED"  # the server stopped working on it, not just the client waiting
    assert line["latency_ms"] < 5000  # 10,000 profiles would take about a second: it gave up early
    assert server.stub().Recommend(pb.RecommendRequest(profile=profile), timeout=5).recommendations


def test_organisation_and_levers_errors(server) -> None:
    stub = server.stub()
    with pytest.raises(grpc.RpcError) as info:
        stub.AnalyseOrganisation(pb.AnalyseOrganisationRequest(profiles=[example("partial-profile.yaml")],
                                                               escalation_share=1.5))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "escalation_share" in violations(info.value)
    odd = example("partial-profile.yaml")
    odd.measured_on = "someday"
    answer = stub.AnalyseOrganisation(pb.AnalyseOrganisationRequest(profiles=[example("bullying-reports.yaml"), odd]))
    assert [d.WhichOneof("outcome") for d in answer.departments] == ["result", "error"]  # one bad date, one refusal
    with pytest.raises(grpc.RpcError) as info:
        stub.Levers(pb.LeversRequest(profile=pb.Profile(department_id="x", respondents=2)))
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as info:
        stub.Explain(pb.ExplainRequest(profile=pb.Profile(department_id="x", respondents=2), rule_id="low-influence"))
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_whatif(server) -> None:
    request = pb.WhatIfRequest(profile=example("production-high-workload.yaml"),
                               changes=[pb.Change(dimension="influence", set_to=60),
                                        pb.Change(dimension="work_pace", add=-20)])
    response = server.stub().WhatIf(request)
    moves = {d.intervention_id: d for d in response.differences}
    assert moves["influence-over-planning"].movement == pb.MOVEMENT_LEFT
    assert "low-influence" in moves["influence-over-planning"].rules_stopped
    assert response.changed_scores["work_pace"] == 61
    assert [m.intervention_id for m in response.baseline.must_act] == ["prioritisation"]  # workload 78, pace 81
    assert response.baseline.recommendations[0].intervention_id == "influence-over-planning"


def test_whatif_bad_change(server) -> None:
    request = pb.WhatIfRequest(profile=example("production-high-workload.yaml"),
                               changes=[pb.Change(dimension="influense", set_to=60),
                                        pb.Change(dimension="work_pace", add=50)])
    with pytest.raises(grpc.RpcError) as info:
        server.stub().WhatIf(request)
    fields = violations(info.value)
    assert "did you mean 'influence'" in fields["changes[0].dimension"]
    assert "outside the range" in fields["changes[1]"]


def test_describe(server, embedded) -> None:
    response = server.stub().Describe(pb.DescribeRequest())
    assert response.api_version == "v1" and response.ruleset.fingerprint == embedded.ruleset.info.fingerprint
    assert (len(response.dimensions) == len(embedded.ruleset.dimensions)
            and len(response.interventions) == len(embedded.ruleset.interventions))
    influence = next(d for d in response.dimensions if d.id == "influence")
    assert (influence.name.da == "Indflydelse" and influence.bands[0].high == 33
            and not influence.bands[0].high_inclusive)
    assert response.rule_count == len(embedded.ruleset.rules) and 0 < response.max_batch <= 10_000
    assert response.HasField("loaded_at") and not response.refused_reload
    # The legal layer: every rule with the hazards it rests on, its must-act action and review date.
    by_id = {r.id: r for r in response.rules}
    assert len(by_id) == response.rule_count
    for rule in embedded.ruleset.rules:
        sent = by_id[rule.id]
        assert tuple(sent.legal) == rule.legal and tuple(sent.sources) == rule.evidence.sources
        assert sent.must_act == (rule.must_act.intervention if rule.must_act else "")
        assert sent.review_by == (rule.evidence.review_by.isoformat() if rule.evidence.review_by else "")
    assert {h.id for h in response.hazards} == {h for r in response.rules for h in r.legal}
    assert all(h.legal_basis.da and h.legal_basis.en for h in response.hazards)
    assert [h.severity for h in response.hazards] == sorted((h.severity for h in response.hazards), reverse=True)


def test_reload_needs_the_admin_token(server) -> None:
    with pytest.raises(grpc.RpcError) as info:
        server.stub().Reload(pb.ReloadRequest())
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert server.stub().Reload(pb.ReloadRequest(), metadata=ADMIN).outcome == pb.RELOAD_OUTCOME_UNCHANGED


def test_logs_carry_no_profile_values(server) -> None:
    profile = pb.Profile(department_id="secret-dept", respondents=11, scores={"bullying": 37.123457,
                                                                               "influence": 12.345679})
    server.stub().Recommend(pb.RecommendRequest(profile=profile))
    logs = server.logs()
    line = next(e for e in server.events("rpc") if e["method"] == "Recommend" and e.get("department") == "secret-dept")
    assert "37.123457" not in logs and "12.345679" not in logs
    # who asked, how much, and against which exact rule set — nothing of what was in it
    described = server.stub().Describe(pb.DescribeRequest())
    assert line["fingerprint"] == described.ruleset.fingerprint and line["peer"].startswith("ipv4:127.0.0.1:")
    assert line["request_bytes"] == pb.RecommendRequest(profile=profile).ByteSize() and line["answer_bytes"] > 0


def test_reasons_name_the_risk_area_of_the_executive_order_they_rest_on(server) -> None:
    """A ranked item's reasons cite the hazards of BEK 1406 their rule rests on, by the name Describe
    gives them; a rule without one (low influence) cites none — in both languages and at batch size."""
    stub = server.stub()
    described = stub.Describe(pb.DescribeRequest())
    legal_of = {r.id: list(r.legal) for r in described.rules}
    titles = {h.id: h.title for h in described.hazards}
    for language in ("da", "en"):
        single = stub.Recommend(pb.RecommendRequest(profile=example("production-high-workload.yaml"),
                                                    language=language))
        batch = stub.RecommendBatch(pb.RecommendBatchRequest(profiles=[example("production-high-workload.yaml")],
                                                             language=language)).items[0].result
        for answer in (single, batch):
            reasons = [b for rec in (*answer.must_act, *answer.recommendations) for b in rec.because]
            assert reasons
            for reason in reasons:
                expected = [getattr(titles[h], language) for h in legal_of[reason.rule_id]]
                assert list(reason.legal) == expected, reason.rule_id
            assert any(reason.legal for reason in reasons) and any(not reason.legal for reason in reasons)


def test_sickness_absence_is_compared_with_the_departments_sector(server, embedded) -> None:
    """The same 8.4 % absence over the network: high in a private firm, elevated in a municipality,
    and compared with all sectors (with a warning) when the sector is unknown; the answers are the
    embedded engine's, and Describe publishes the vocabulary the comparison uses."""
    stub = server.stub()
    answers = {}
    for sector in ("private", "kommune", "hospitl"):
        profile = pb.Profile(department_id="d", sector=sector, respondents=30, scores={"sickness_absence_pct": 8.4})
        response = stub.Recommend(pb.RecommendRequest(profile=profile, language="da"))
        answers[sector] = response
        local = embedded.recommend(Profile(Department("d", "", sector), 30, MappingProxyType(
            {"sickness_absence_pct": 8.4})), Options(language="da"))
        assert result_from_proto(response) == local
    assert "sickness-absence-high" in answers["private"].fired_rules
    assert "sickness-absence-high" not in answers["kommune"].fired_rules
    assert "sickness-absence-elevated" in answers["kommune"].fired_rules
    texts = [r.text for rec in answers["kommune"].recommendations for r in rec.because]
    assert any("kommunerne 2022 (7,1 %)" in t for t in texts)
    assert [w.code for w in answers["hospitl"].warnings if "sector" in w.code] == ["unknown-sector"]
    description = stub.Describe(pb.DescribeRequest())
    municipal = next(s for s in description.sectors if s.id == "municipal")
    assert municipal.references["sickness_absence_pct"].value == 7.1 and "kommune" in municipal.aliases


def _survey_requests(header: pb.SurveyHeader, rows: list[list[str]], per_message: int = 50):
    yield pb.ScoreSurveyRequest(header=header)
    for start in range(0, len(rows), per_message):
        yield pb.ScoreSurveyRequest(rows=[pb.SurveyRow(cells=r) for r in rows[start:start + per_message]])


def test_score_survey_streams_rows_and_answers_like_the_engine(server, embedded) -> None:
    """The example export over the network: the same profiles as the engine scores, the small
    department named with its count only, and each department's recommendations on request."""
    from trivsel.client.survey_input import read_survey
    from trivsel.engine.survey import SurveySpec, score_survey

    columns, rows = read_survey(str(EXAMPLES / "survey" / "responses.csv"))
    header = pb.SurveyHeader(instrument="copsoq3", columns=columns, roll_up=["division"], recommend=True,
                             language="da", measured_on="2025-10-01")
    response = server.stub().ScoreSurvey(_survey_requests(header, rows))
    local = score_survey(embedded.ruleset.instruments["copsoq3"], columns, rows, SurveySpec(roll_up=("division",)),
                         embedded.ruleset.min_group_size)
    assert [(p.profile.department_id, p.level) for p in response.profiles] == [(u.id, u.level) for u in local.units]
    for scored, unit in zip(response.profiles, local.units):
        assert dict(scored.profile.scores) == dict(unit.scores) and dict(scored.persons) == dict(unit.persons)
        assert scored.profile.respondents == unit.respondents and scored.profile.measured_on == "2025-10-01"
        assert scored.recommendation.department_id == unit.id and scored.recommendation.language == "da"
    assert [(r.id, r.respondents) for r in response.refused if not r.level] == [("natvagt", 4)]
    assert response.rows == len(rows)
    # the respondents' rows go nowhere else: not one id or answer row in the server's log
    log = server.log_path.read_text(encoding="utf-8")
    assert all(r[0] not in log for r in rows[:50])  # the respondent ids (R00144 …)
    line = next(e for e in server.events("rpc") if e.get("method") == "ScoreSurvey")
    assert line["rows"] == len(rows) and line["status"] == "OK"


def test_score_survey_names_every_bad_cell(server) -> None:
    columns = ["department", "QD1", "QD2"]
    rows = [["A", "1", "2"], ["A", "9", "2"], ["", "1", "1"]]
    with pytest.raises(grpc.RpcError) as info:
        server.stub().ScoreSurvey(_survey_requests(pb.SurveyHeader(instrument="copsoq3", columns=columns), rows))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    found = violations(info.value)
    assert set(found) == {"rows[1].QD1", "rows[2].department"} and "outside the coding" in found["rows[1].QD1"]
    with pytest.raises(grpc.RpcError) as info:
        server.stub().ScoreSurvey(_survey_requests(pb.SurveyHeader(instrument="copsoq", columns=columns), rows))
    assert violations(info.value) == {"header.instrument": "not one of: copsoq3, work-environment-competence"}


def test_score_survey_refuses_oversized_cells_before_holding_them(server) -> None:
    rows = [["A", "x" * 2000, "1"]]
    with pytest.raises(grpc.RpcError) as info:
        server.stub().ScoreSurvey(_survey_requests(pb.SurveyHeader(instrument="copsoq3",
                                                                   columns=["department", "QD1", "QD2"]), rows))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(info.value) == {"rows[0].cells[1]": "longer than 1000 characters"}
