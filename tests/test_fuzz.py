"""Property-based fuzzing (hypothesis): odd input always gives a clean answer or a clean error.

Short runs here; ``.venv/bin/python -m pytest -m slow`` runs the same properties with many more
examples (the default run deselects them: see ``addopts`` in pyproject.toml).
"""

from __future__ import annotations

import math
import random
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trivsel.engine import Department, Profile, ProfileError, check_ruleset
from trivsel.engine.expr import ExpressionError, parse
from trivsel.engine.expr.tokens import KEYWORDS
from trivsel.engine.result import Result

from .conftest import RULES

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

TOKENS = st.sampled_from([*sorted(KEYWORDS), "influence", "work_pace", "bullying", "x", "low", "high", "(", ")", "<",
                          "<=", ">", ">=", "==", "!=", "=", "&&", "3", "33.5", "-1", "1e5", ".", ",", "'", '"', "æ",
                          "\t", "\n", "é", "1.2.3"])
EXPRESSIONS = st.one_of(st.lists(TOKENS, max_size=25).map(" ".join), st.text(max_size=80))


def check_expression(text: str) -> None:
    try:
        parse(text)
    except ExpressionError as exc:
        assert 1 <= exc.column <= len(text) + 1, (text, exc.column)
        assert exc.message


@FAST
@given(EXPRESSIONS)
def test_expressions_parse_or_fail_with_a_column(text: str) -> None:
    check_expression(text)


@pytest.mark.slow
@SLOW
@given(EXPRESSIONS)
def test_expressions_parse_or_fail_with_a_column_long(text: str) -> None:
    check_expression(text)


VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-10**30, max_value=10**30),
                   st.booleans(), st.text(max_size=5), st.none())
KEYS = st.one_of(st.sampled_from(["influence", "work_pace", "bullying", "stress_prevalence", "meaning",
                                  "quantitative_demands", "work_environment_competence"]), st.text(max_size=12))
PROFILES = st.builds(
    lambda scores, respondents, dept: Profile(Department(dept), respondents, MappingProxyType(scores)),
    st.dictionaries(KEYS, VALUES, max_size=12), st.integers(min_value=-5, max_value=10_000),
    st.text(max_size=30))


def check_profile_outcome(recommender, profile: Profile) -> None:
    try:
        result = recommender.recommend(profile)
    except ProfileError as exc:
        assert exc.errors and all(e.field and e.message for e in exc.errors)
        return
    assert isinstance(result, Result)
    assert all(math.isfinite(r.score) and r.score > 0 for r in result.recommendations)


@FAST
@given(PROFILES)
def test_random_profiles_give_a_result_or_a_refusal(recommender, profile: Profile) -> None:
    check_profile_outcome(recommender, profile)


@pytest.mark.slow
@SLOW
@given(PROFILES)
def test_random_profiles_give_a_result_or_a_refusal_long(recommender, profile: Profile) -> None:
    check_profile_outcome(recommender, profile)


# Within the catalogue's vocabulary and ranges (the bundled catalogue's scales: 0-100, shares and
# percentages 0-100), with a group of at least the minimum of 5: every such profile is answered.
# Without this, an engine that refused every profile would pass the test above.
VALID_KEYS = ["influence", "work_pace", "bullying", "stress_prevalence", "meaning", "quantitative_demands",
              "work_environment_competence", "sickness_absence_pct", "turnover_pct", "job_satisfaction"]
VALID_PROFILES = st.builds(
    lambda scores, respondents, dept: Profile(Department(dept), respondents, MappingProxyType(scores)),
    st.dictionaries(st.sampled_from(VALID_KEYS), st.one_of(st.integers(0, 100), st.floats(0, 100)), max_size=10),
    st.integers(min_value=5, max_value=10_000),
    st.text(alphabet="abcdefghij-0123456789", min_size=1, max_size=30))


@FAST
@given(VALID_PROFILES)
def test_every_profile_within_the_catalogue_is_answered(recommender, profile: Profile) -> None:
    result = recommender.recommend(profile)  # a ProfileError here fails the test
    assert result.department_id == profile.department.id
    assert all(math.isfinite(r.score) and r.score > 0 for r in result.recommendations)


SOURCE = (RULES / "themes" / "demands.yaml").read_text(encoding="utf-8")


def mutate(text: str, rng: random.Random, steps: int) -> str:
    lines = text.splitlines()
    for _ in range(steps):
        i = rng.randrange(len(lines))
        kind = rng.randrange(7)
        if kind == 0:
            del lines[i]
        elif kind == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif kind == 2 and lines[i]:
            j = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:j] + rng.choice("{}[]:,-&*!|>'\"#% \tæ0") + lines[i][j + 1:]
        elif kind == 3:
            lines[i] = " " * rng.randrange(8) + lines[i].lstrip()
        elif kind == 4 and lines[i]:
            j = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:j]
        elif kind == 5:
            lines[i] = lines[i].replace("is high", rng.choice(["is hihg", "> 300", "between 9 and 1", "is"]))
        else:
            lines[i] = lines[i].replace("weight: 5", rng.choice(["weight: 0", "weight: x", "weight: [5]", "weight:"]))
    return "\n".join(lines) + "\n"


def check_mutation(rules_copy, seed: int, steps: int) -> None:
    text = mutate(SOURCE, random.Random(seed), steps)
    ruleset, problems = check_ruleset(rules_copy(files={"themes/demands.yaml": text}))
    for p in problems:  # every problem is located and worded
        assert p.message and p.position.file and p.position.line >= 0
    # a refused file always says why; an accepted one carries no error (a harmless mutation — a
    # comment, a duplicated blank line — is accepted)
    assert (ruleset is None) == any(p.is_error for p in problems), [p.message for p in problems]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=6))
def test_mutated_rule_files_give_problems_never_exceptions(rules_copy, seed: int, steps: int) -> None:
    check_mutation(rules_copy, seed, steps)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=12))
def test_mutated_rule_files_give_problems_never_exceptions_long(rules_copy, seed: int, steps: int) -> None:
    check_mutation(rules_copy, seed, steps)
