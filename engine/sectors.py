"""Sector references: a department is compared with the level of its own sector.

Sickness absence is about twice as high in the municipalities as in the private sector, so one
national figure would call every care unit "high" and hide a rise in an office. The sector
vocabulary (rules/catalogue/sectors.yaml) gives, per sector, the reference for each dimension whose
normal level depends on the sector.

Such a dimension's bands, and every number a rule compares it with, are written against the
dimension's own reference in the catalogue. For a department of another sector they all move by the
difference between the two references (the *offset*, in the dimension's unit), so "elevated" keeps
meaning "above the sector's level" and "high" keeps its distance from it.

How the two halves agree: the matcher is compiled once, against the catalogue, and sees the
department's value moved the other way (value − offset, :meth:`SectorPlacer.matched_values`).
Everything else — explanations, grading, levers, strengths, reports — runs on a *view* of the rule
set whose bands, references and conditions are moved (:func:`sector_view`) and reads the department's
own values. So nothing a user sees is a moved value, and both sides decide alike: with values and
offsets of at most six decimals, ``round(v - o, 6) > t`` exactly when ``v > round(t + o, 6)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from .conditions import AllOf, AnyOf, Condition, Literal
from .model import Band, Dimension, Reference, RuleSet, Sector, Text
from .profile import CheckedProfile, Notice
from .suggestions import closest
from .templates import format_value

__all__ = ["SectorPlacer", "sector_view", "sector_offsets", "shift_condition", "moving_dimensions", "find_sector",
           "sector_dimensions", "sector_names", "matched_values"]


def moving_dimensions(sectors: Iterable[Sector]) -> frozenset[str]:
    """Dimensions whose reference depends on the sector."""
    return frozenset(d for s in sectors for d in s.references)


def sector_names(sectors: Iterable[Sector]) -> dict[str, Sector]:
    """Every name a profile may give a sector by — its id and its aliases, case-folded — and the
    sector it means (an id wins over another sector's alias)."""
    sectors = tuple(sectors)
    names = {s.id.casefold(): s for s in sectors}
    for sector in sectors:
        for alias in sector.aliases:
            names.setdefault(alias, sector)
    return names


def sector_offsets(ruleset: RuleSet, sector: Sector) -> dict[str, float]:
    """How far each of the sector's references lies from the catalogue's (only those that differ)."""
    return _offsets(ruleset.dimensions, sector)


def _offsets(dimensions: Mapping[str, Dimension], sector: Sector) -> dict[str, float]:
    out = {}
    for ident, ref in sector.references.items():
        own = dimensions[ident].reference if ident in dimensions else None
        if own is not None and ref.value != own.value:
            out[ident] = round(ref.value - own.value, 6)
    return out


def find_sector(sectors: Iterable[Sector], name: str) -> Sector | None:
    """The sector ``name`` (an id or alias, any case) means; the fallback for none or an unknown
    one; None when there is no sector vocabulary."""
    sectors = tuple(sectors)
    found = sector_names(sectors).get((name or "").strip().casefold())
    return found or next((s for s in sectors if s.fallback), None)


def sector_dimensions(dimensions: Iterable[Dimension], sectors: Iterable[Sector], name: str,
                      keys: Iterable[str]) -> tuple[Dimension, ...]:
    """The catalogue as a department naming sector ``name`` with values for ``keys`` sees it
    (for renderers that draw bands from a description: client/report.py)."""
    dims = {d.id: d for d in dimensions}
    sectors = tuple(sectors)
    if moving_dimensions(sectors).isdisjoint(keys):
        return tuple(dims.values())
    sector = find_sector(sectors, name)
    if sector is None:
        return tuple(dims.values())
    return tuple(_shifted(dims, sector).values())


def _shifted(dims: Mapping[str, Dimension], sector: Sector) -> dict[str, Dimension]:
    offsets = _offsets(dims, sector)
    out = dict(dims)
    for ident, ref in sector.references.items():
        if ident in out:
            out[ident] = _shift_dimension(out[ident], ref, offsets.get(ident, 0.0))
    return out


def _move(x: float | None, offset: float) -> float | None:
    return None if x is None else round(x + offset, 6)


def shift_condition(condition: Condition, offsets: Mapping[str, float]) -> Condition:
    """``condition`` with every threshold on a moved dimension moved by its offset."""
    if isinstance(condition, Literal):
        off = offsets.get(condition.dimension)
        if not off or condition.threshold is None:
            return condition
        return dataclasses.replace(condition, threshold=_move(condition.threshold, off),
                                   threshold_high=_move(condition.threshold_high, off))
    items = tuple(shift_condition(c, offsets) for c in condition.items)
    return AllOf(items) if isinstance(condition, AllOf) else AnyOf(items)


def _shift_dimension(dim: Dimension, reference: Reference, offset: float) -> Dimension:
    bands = tuple(Band(b.id, b.label, b.risk, _move(b.low, offset), b.low_inclusive, _move(b.high, offset),
                       b.high_inclusive, b.position) for b in dim.bands) if offset else dim.bands
    return dataclasses.replace(dim, bands=bands, reference=reference)


def sector_view(ruleset: RuleSet, sector: Sector) -> RuleSet:
    """The rule set as a department of ``sector`` sees it: moved bands, the sector's references,
    moved conditions. Rule indices, ids and everything else are kept, so a rule the matcher fired
    is the same rule in the view."""
    offsets = sector_offsets(ruleset, sector)
    dims = _shifted(ruleset.dimensions, sector)
    rules = tuple(dataclasses.replace(r, condition=shift_condition(r.condition, offsets))
                  if offsets and offsets.keys() & set(r.dimensions) else r for r in ruleset.rules)
    ranking = ruleset.ranking
    policy = ranking.low_competence
    if policy is not None and offsets:
        ranking = dataclasses.replace(ranking, low_competence=dataclasses.replace(
            policy, condition=shift_condition(policy.condition, offsets)))
    return dataclasses.replace(ruleset, dimensions=MappingProxyType(dims), rules=rules, ranking=ranking,
                               sector=sector.id)


_NO_SECTOR = Text("Profilen angiver ingen sektor, så afdelingens {what} sammenlignes med tallet for {ref}. Angiv "
                  "afdelingens sektor for at sammenligne med dens egen: {known}.",
                  "The profile names no sector, so the department's {what} is compared with the figure for {ref}. "
                  "Give the department's sector to compare with its own: {known}.")
_UNKNOWN = Text("Sektoren '{name}' kendes ikke{hint}, så afdelingens {what} sammenlignes med tallet for {ref}. "
                "Kendte sektorer: {known}.",
                "The sector '{name}' is not known{hint}, so the department's {what} is compared with the figure "
                "for {ref}. Known sectors: {known}.")
_HINT = Text(" (mente du '{s}'?)", " (did you mean '{s}'?)")


class SectorPlacer:
    """Finds a checked profile's sector (by id or alias, any case) when it has a value whose
    reference depends on the sector; the fallback sector, with a warning, when it names none or
    an unknown one. Built once per rule set; :meth:`place` is on the hot path."""

    def __init__(self, ruleset: RuleSet) -> None:
        self._moving = moving_dimensions(ruleset.sectors.values())
        self._names = {name: sector.id for name, sector in sector_names(ruleset.sectors.values()).items()}
        self._ruleset = ruleset
        self._fallback = next((s for s in ruleset.sectors.values() if s.fallback), None)
        self._fallback_id = self._fallback.id if self._fallback is not None else ""
        self._notices: dict[tuple[str, tuple[str, ...]], Notice] = {}

    def sector_of(self, sector: str, keys: Iterable[str]) -> str:
        """The sector id a profile naming ``sector`` with values for ``keys`` is compared with:
        "" when none of its values depends on the sector."""
        if self._fallback is None or self._moving.isdisjoint(keys):
            return ""
        return self._names.get((sector or "").strip().casefold(), self._fallback.id)

    def place(self, checked: CheckedProfile) -> CheckedProfile:
        """``checked`` with its sector id (and maybe a warning); unchanged when no value moves."""
        raw = checked.profile.department.sector or ""
        ident = self.sector_of(raw, checked.values)
        if not ident:
            return checked
        if ident != self._fallback_id or raw.strip().casefold() in self._names:  # ident: there is a fallback
            return checked._replace(sector=ident)
        present = tuple(d for d in self._ruleset.dimensions if d in self._moving and d in checked.values)
        notice = self._notices.get((raw, present))
        if notice is None:
            notice = self._notice(raw, present)
            if len(self._notices) >= 1024:  # names come from callers: keep the cache bounded
                self._notices.clear()
            self._notices[(raw, present)] = notice
        # first: it says what the whole answer is compared with
        return checked._replace(sector=self._fallback_id, notices=(notice, *checked.notices))

    def _notice(self, raw: str, present: tuple[str, ...]) -> Notice:
        fallback = self._fallback
        assert fallback is not None
        dims = self._ruleset.dimensions
        texts = {}
        known = ", ".join(s.id for s in self._ruleset.sectors.values() if not s.fallback)
        for lang in ("da", "en"):
            what = (" og " if lang == "da" else " and ").join(dims[d].name.get(lang).lower() for d in present)
            ref = ", ".join(f"{(r.short or r.label).get(lang)} ({format_value(r.value, dims[d].unit, lang)})"
                            for d, r in fallback.references.items() if d in present)
            if not raw.strip():
                texts[lang] = _NO_SECTOR.get(lang).format(what=what, ref=ref, known=known)
            else:
                name = raw if len(raw) <= 40 else raw[:40] + "…"
                suggestion = closest(raw.strip().casefold(), self._names)
                hint = _HINT.get(lang).format(s=suggestion) if suggestion else ""  # the name it is nearest
                texts[lang] = _UNKNOWN.get(lang).format(name=name, what=what, ref=ref, hint=hint, known=known)
        code = "no-sector" if not raw.strip() else "unknown-sector"
        return Notice(code, Text(texts["da"], texts["en"]))



def matched_values(values: Mapping[str, float], offsets: Mapping[str, float]) -> Mapping[str, float]:
    """The values the matcher sees for a department whose references lie ``offsets`` from the
    catalogue's: each moved the other way."""
    moved = dict(values)
    for ident, off in offsets.items():
        if ident in moved:
            moved[ident] = round(moved[ident] - off, 6)
    return moved
