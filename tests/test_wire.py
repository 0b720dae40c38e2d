"""The wire renderer writes exactly the messages the engine's answer converts to."""

from __future__ import annotations

import datetime as _dt
import random
from types import MappingProxyType

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from trivsel.api import wire
from trivsel.api.convert import result_to_proto, ruleset_info_to_proto
from trivsel.api.status import profile_error
from trivsel.engine import Department, Options, Profile, ProfileError
from trivsel.engine.profile import MAX_ID_LENGTH
from trivsel.engine.synthetic import random_values
from trivsel.v1 import recommender_pb2 as pb


def test_varint_matches_protobuf() -> None:
    for n in (1, 127, 128, 300, 16383, 16384, 2**31 - 1):
        assert pb.BatchItem(index=n).SerializeToString() == b"\x08" + wire.varint(n)


def _messages(descriptors) -> list[Descriptor]:
    found = []
    for d in descriptors:
        found += [d, *_messages(d.nested_types)]
    return found


def _sample(field: FieldDescriptor) -> object:
    """A value of the field's type that protobuf writes (not the default)."""
    if field.type == FieldDescriptor.TYPE_STRING:
        return "x"
    if field.type == FieldDescriptor.TYPE_BYTES:
        return b"x"
    if field.type == FieldDescriptor.TYPE_ENUM:
        return field.enum_type.values[-1].number
    if field.cpp_type in (FieldDescriptor.CPPTYPE_DOUBLE, FieldDescriptor.CPPTYPE_FLOAT):
        return 1.5
    return True if field.type == FieldDescriptor.TYPE_BOOL else 1


def test_tags_match_protobuf() -> None:
    """wire.tag gives, for every field of every message in the proto (packed repeated ones, maps,
    oneofs and sub-messages too), the bytes the protobuf library opens that field with."""
    checked = 0
    for descriptor in _messages(pb.DESCRIPTOR.message_types_by_name.values()):
        cls: type[Message] = GetMessageClass(descriptor)
        for field in descriptor.fields:
            msg = cls()
            container = getattr(msg, field.name)
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                key, value = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
                if value.message_type is None:
                    container[_sample(key)] = _sample(value)
                else:
                    container[_sample(key)].SetInParent()
            elif field.type == FieldDescriptor.TYPE_MESSAGE:
                if field.is_repeated:
                    container.add()
                else:
                    container.SetInParent()
            elif field.is_repeated:
                container.append(_sample(field))
            else:
                setattr(msg, field.name, _sample(field))
            data = msg.SerializeToString()
            assert [f.name for f, _ in msg.ListFields()] == [field.name]
            # a tag is a varint, which no other varint begins: a prefix means the very same tag
            assert data.startswith(wire.tag(cls, field.name)), (field.full_name, data)
            checked += 1
    assert checked > 200


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
        seen.update(("stress-hidden",) if any("share that is not shown" in r.text or "andel, der ikke vises" in r.text
                                              for m in expected.recommendations for r in m.because) else ())
    assert checked > 1500
    # every new part was exercised
    assert seen == {"must_act", "strengths", "next_measurement", "hidden", "stress-hidden", "no-sector",
                    "unknown-sector", "sector-view"}


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
          - id: zz-range
            title: {da: "Interval", en: "Range"}
            when: influence between 20 and 40 or not (meaning between 10 and 50)
            because: {da: "{influence} og {meaning}", en: "{influence} and {meaning}"}
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
                seen.update(f"{c.op} {c.threshold_high}" for rec in expected.recommendations for reason in rec.because
                            for c in reason.conditions if c.HasField("threshold_high"))
        assert "Under 50 % say yes." in seen and "30 % and missing % – æøå" in seen
        assert {"between 40.0", "not between 50.0"} <= seen  # the upper bound of a range is written too


def _random_profile(rng: random.Random, recommender, i: int) -> Profile:
    """A profile for a batch or an organisation: mostly valid, some refused for a small group or a
    bad score, with ids empty, long (cut in the answer) or non-ASCII."""
    values = random_values(rng, recommender.ruleset.dimensions, missing_share=rng.choice((0.0, 0.3, 0.9)))
    kind = rng.random()
    if kind < 0.08:
        values["no_such_dimension"] = 1.0
    elif kind < 0.16:
        values[rng.choice(list(values) or ["influence"])] = rng.choice((float("nan"), -5.0, 1e9))
    ident = rng.choice((f"d{i}", f"afd-{i}-æøå✓", "", "x" * (MAX_ID_LENGTH + rng.randint(1, 50)), "🙂" * MAX_ID_LENGTH))
    sector = rng.choice(("", "private", "kommune", "regional-hospital", "hospitl"))
    return Profile(Department(ident, rng.choice(("", "Navn æøå", "n" * (MAX_ID_LENGTH + 3))), sector),
                   rng.choice((2, 5, 8, 40)), MappingProxyType(values), rng.choice((None, 10, 100)),
                   rng.choice((None, _dt.date(2025, 3, 31))))


def test_random_batches_and_organisations_parse_to_the_same_messages(recommender) -> None:
    """Batches and organisation answers written by wire (items with answers and with errors,
    refused departments, bands, needs) parse to the messages the protobuf library builds from the
    engine's results, in every language and detail level."""
    rng = random.Random(16)
    renderer = wire.WireRenderer(recommender)
    info = ruleset_info_to_proto(recommender.ruleset.info)
    dims = list(recommender.ruleset.dimensions.values())
    seen: set[str] = set()
    for round_ in range(60):
        options = Options(top=rng.choice((None, 1, 4, 12)), language=rng.choice(("da", "en")),
                          detail=rng.choice(("full", "ids")))
        profiles = [_random_profile(rng, recommender, round_ * 10 + k) for k in range(rng.randint(1, 8))]
        outcomes = recommender.evaluate_many(profiles)
        items, expected_items, departments, expected_departments = [], [], [], []
        for i, (profile, outcome) in enumerate(zip(profiles, outcomes)):
            d = profile.department
            expected_department = pb.DepartmentResult(department_id=wire.clipped(d.id),
                                                      department_name=wire.clipped(d.name),
                                                      respondents=profile.respondents)
            if isinstance(outcome, ProfileError):
                status = profile_error(outcome, f"profiles[{i}]").to_status()
                items.append(wire.batch_item(i, d.id, error=status))
                expected_items.append(pb.BatchItem(index=i, department_id=wire.clipped(d.id), error=status))
                if outcome.too_small_only:
                    seen.add("refused")
                    departments.append(wire.department(d.id, d.name, profile.respondents,
                                                       refused=outcome.errors[0].message))
                    expected_department.refused = outcome.errors[0].message
                else:
                    seen.add("error")
                    departments.append(wire.department(d.id, d.name, profile.respondents, error=status))
                    expected_department.error.CopyFrom(status)
            else:
                seen.add("result")
                answer = renderer.response(outcome, options)
                expected = result_to_proto(recommender.render(outcome, options))
                seen.update(part for part in ("must_act", "strengths") if getattr(expected, part))
                items.append(wire.batch_item(i, d.id, answer))
                expected_items.append(pb.BatchItem(index=i, department_id=wire.clipped(d.id), result=expected))
                bands = [(dim.id, rng.choice(dim.bands).id if dim.bands else "") for dim in rng.sample(dims, 3)]
                departments.append(wire.department(d.id, d.name, profile.respondents, answer, bands=bands))
                expected_department.result.CopyFrom(expected)
                expected_department.bands.extend(pb.DimensionBand(dimension=k, band=v) for k, v in bands)
            expected_departments.append(expected_department)
        seen.update(("long-id",) if any(len(p.department.id) > MAX_ID_LENGTH for p in profiles) else ())
        assert pb.RecommendBatchResponse.FromString(wire.batch(items, renderer.ruleset_bytes)) == \
            pb.RecommendBatchResponse(items=expected_items, ruleset=info)
        needs = [pb.InterventionNeed(intervention_id=ident, title="Tïtel", departments=k + 1, share=(k + 1) / 8,
                                     escalated=bool(k % 2), reason="fordi" * k, department_ids=["a", "b"][:k])
                 for k, ident in enumerate(rng.sample(sorted(recommender.ruleset.interventions), rng.randint(0, 3)))]
        share = rng.choice((0.0, 0.3, 0.5, 1.0))
        data = wire.organisation(departments, renderer.ruleset_bytes, options.language, share,
                                 [n.SerializeToString() for n in needs])
        assert pb.AnalyseOrganisationResponse.FromString(data) == pb.AnalyseOrganisationResponse(
            ruleset=info, language=options.language, escalation_share=share, departments=expected_departments,
            needs=needs)
    assert seen == {"result", "refused", "error", "must_act", "strengths", "long-id"}
