"""The wire renderer writes exactly the messages the engine's answer converts to."""

from __future__ import annotations

import datetime as _dt
import random
from types import MappingProxyType

from trivsel.api import wire
from trivsel.api.convert import result_to_proto, ruleset_info_to_proto
from trivsel.api.status import profile_error
from trivsel.engine import Department, Options, Profile, ProfileError
from trivsel.engine.synthetic import random_values
from trivsel.v1 import recommender_pb2 as pb


def test_varint_matches_protobuf() -> None:
    for n in (1, 127, 128, 300, 16383, 16384, 2**31 - 1):
        assert pb.BatchItem(index=n).SerializeToString() == b"\x08" + wire.varint(n)


def test_answers_parse_to_the_same_messages(recommender) -> None:
    rng = random.Random(31)
    renderer = wire.WireRenderer(recommender)
    checked = 0
    seen: set[str] = set()
    for i in range(2000):
        values = random_values(rng, recommender.ruleset.dimensions, missing_share=rng.choice((0.0, 0.3, 0.9)))
        values["work_environment_competence"] = rng.choice((10.0, 50.0, values.get("work_environment_competence", 1)))
        if rng.random() < 0.1:  # a healthy department: strengths and the next measurement
            values = {d: (80.0 if dim.group == "resource" else 0.0 if dim.group == "negative_act" else 45.0)
                      for d, dim in recommender.ruleset.dimensions.items() if dim.unit == "score" or dim.share}
            values["stress_prevalence"] = 5.0
        # sectors: the catalogue's own (private), a view (municipal, by alias), the fallback with a warning
        sector = rng.choice(("", "private", "kommune", "regional-hospital", "hospitl"))
        profile = Profile(Department(f"d{i}", "Navn æøå", sector), rng.choice((5, 8, 40)), MappingProxyType(values),
                          rng.choice((None, 10, 100)), rng.choice((None, _dt.date(2025, 3, 31))))
        options = Options(top=rng.choice((None, 1, 3, 12)), language=rng.choice(("da", "en")),
                          detail=rng.choice(("full", "ids")))
        try:
            evaluation = recommender.evaluate(profile)
        except ProfileError:
            continue
        expected = result_to_proto(recommender.render(evaluation, options))
        answer = renderer.response(evaluation, options)
        assert pb.RecommendResponse.FromString(answer) == expected
        bound = renderer.answer_bound(options.detail == "full", options.top or recommender.ruleset.ranking.top)
        assert len(answer) <= bound + wire.TEXT_BYTES  # the size bound limits are built on holds
        checked += 1
        seen.update(part for part in ("must_act", "strengths", "next_measurement") if getattr(expected, part))
        seen.update(w.code for w in expected.warnings if w.code in ("no-sector", "unknown-sector"))
        seen.update(("sector-view",) if recommender.view_of(evaluation) is not recommender else ())
        seen.update(("hidden",) if any("at least one respondent" in r.text or "mindst én" in r.text
                                       for m in expected.must_act for r in m.because) else ())
    assert checked > 1500
    # every new part was exercised
    assert seen == {"must_act", "strengths", "next_measurement", "hidden", "no-sector", "unknown-sector", "sector-view"}


def test_batch_encoding(recommender) -> None:
    renderer = wire.WireRenderer(recommender)
    evaluation = recommender.evaluate(Profile(Department("a"), 20,
                                              MappingProxyType({"influence": 20, "work_pace": 90})))
    try:
        recommender.evaluate(Profile(Department("b"), 2, MappingProxyType({})))
    except ProfileError as exc:
        error = profile_error(exc, "profiles[1]").to_status()
    data = wire.batch([wire.batch_item(0, "a", renderer.response(evaluation, Options())),
                       wire.batch_item(1, "b", error=error)], renderer.ruleset_bytes)
    result = recommender.render(evaluation, Options())
    expected = pb.RecommendBatchResponse(items=[pb.BatchItem(index=0, department_id="a",
                                                             result=result_to_proto(result)),
                                                pb.BatchItem(index=1, department_id="b", error=error)],
                                         ruleset=ruleset_info_to_proto(result.ruleset))
    assert pb.RecommendBatchResponse.FromString(data) == expected


def test_rationales_without_placeholders_and_with_percent_signs(rules_copy) -> None:
    """The wire renderer writes fixed rationales from bytes prepared at load time and others with a
    bytes ``%`` format: a literal '%' must survive both, a missing value must read as the template
    renderer writes it, and band placeholders must still go through the general renderer."""
    folder = rules_copy(files={"themes/zz-wire.yaml": """
        rules:
          - id: zz-plain
            title: {da: "Fast tekst", en: "Fixed text"}
            when: influence < 40
            because: {da: "Under 50 % svarer ja.", en: "Under 50 % say yes."}
            recommend: [{intervention: build-environment-competence, weight: 5}]
            evidence: {sources: [seed], review_by: 2027-12-31}
          - id: zz-values
            title: {da: "Værdier", en: "Values"}
            when: influence < 40 or meaning < 40
            because: {da: "{influence} % og {meaning} % – æøå", en: "{influence} % and {meaning} % – æøå"}
            recommend: [{intervention: build-environment-competence, weight: 5}]
            evidence: {sources: [seed], review_by: 2027-12-31}
          - id: zz-band
            title: {da: "Bånd", en: "Band"}
            when: influence < 40
            because: {da: "{influence} ({influence.band}) 100 %", en: "{influence} ({influence.band}) 100 %"}
            recommend: [{intervention: build-environment-competence, weight: 5}]
            evidence: {sources: [seed], review_by: 2027-12-31}
        """})
    from trivsel.engine import Recommender
    with Recommender.from_folder(folder) as recommender:
        renderer = wire.WireRenderer(recommender)
        zz = {r.index for r in recommender.ruleset.rules if r.id.startswith("zz-")}
        seen: set[str] = set()
        for values in ({"influence": 12.5, "meaning": 70.0}, {"influence": 30.0}, {"influence": 90.0, "meaning": 3.0}):
            evaluation = recommender.evaluate(Profile(Department("d"), 20, MappingProxyType(values)))
            assert zz & set(evaluation.fired), values  # the new rules take part
            for language in ("da", "en"):
                options = Options(language=language, top=20)
                expected = result_to_proto(recommender.render(evaluation, options))
                assert pb.RecommendResponse.FromString(renderer.response(evaluation, options)) == expected
                seen.update(reason.text for rec in expected.recommendations for reason in rec.because
                            if reason.rule_id.startswith("zz-"))
        assert "Under 50 % say yes." in seen and "30 % and missing % – æøå" in seen
