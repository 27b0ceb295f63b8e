"""The decision guide: which boundary to use for each kind of work, and from what size.

Every sentence is derived from one run's numbers by a rule below, and cites the rows it stands
on (their :func:`~ffibench.report.model.row_id`). A rule whose rows the run lacks says nothing:
no sentence is guessed. Only significant differences are called wins (the report's 95%
intervals); "best alternative" is the best of what a Python programmer has without Rust (the
spec, an idiom, a library such as NumPy), per benchmark.

- **Calls**: what a call that does nothing (``identity``) costs in Python and through each
  boundary, and how much work a call must save before a dearer boundary can pay off.
- **Sized work**, per scenario: for each operation measured at several sizes, the Rust backend
  that is best at the largest size and the smallest size from which it beats the best
  alternative at every larger size measured; or that nothing in Rust beats it.
- **Single calls**, per scenario: for each operation without a size, whether a Rust backend or
  Python is fastest.
- **Lists and arrays**: for operations timed on both (``sum:list``, ``sum:array``), what passing
  a list costs over an array through the same backend.
- **The boundary's share**: from the Rust-native times, the crossing's share of a call on the
  smallest inputs and on the largest.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from ffibench._backends import BACKENDS
from ffibench.harness.metrics import HIGHER, METRICS
from ffibench.harness.stats import MIN_EFFECT
from ffibench.report import format as fmt
from ffibench.report.model import LOWER, Group, Report, Row, Speedup, is_python, row_id, speedup
from ffibench.scenarios import NATIVE, REFERENCE, reference_of

#: The Rust backends, in report order.
RUST = tuple(name for name in BACKENDS if name != REFERENCE)
#: A list costing at least this many times an array is "the work".
CONVERSION_DOMINATES = 2.0


@dataclass(frozen=True)
class Sentence:
    """One sentence of the guide under its ``topic``, and the rows it stands on as
    ``(label, row id)`` pairs."""

    topic: str
    text: str
    rows: tuple[tuple[str, str], ...]


def _cite(group: Group, row: Row) -> tuple[str, str]:
    size = "" if group.size is None else f" {group.size:,}"
    label = f"{group.operation}{size} {row.participant}"
    return label, row_id(group.scenario, group.operation, group.size, row.participant)


def _ok(row: Row | None) -> bool:
    return row is not None and row.status == "ok" and row.figure is not None


def _wins(speedup: Speedup | None) -> bool:
    """Significantly better, and by at least ``MIN_EFFECT`` (a gigabyte against a gigabyte and
    a few kilobytes is significant with a tiny spread, and no win)."""
    return speedup is not None and speedup.significant and speedup.value >= 1.0 + MIN_EFFECT


def _loses(speedup: Speedup | None) -> bool:
    return speedup is not None and speedup.significant and speedup.value <= 1.0 / (1.0 + MIN_EFFECT)


def _tested(speedup: Speedup | None) -> bool:
    """Whether ``speedup`` could have been significant: one sample on a side cannot, so "within
    the noise" or "no more than" would claim what was not measured."""
    return speedup is not None and speedup.method in ("paired", "unpaired", "medians")


def _best_rust(group: Group) -> Row | None:
    """The Rust backend to name for ``group``: the best by median of those that beat the best
    alternative significantly, or, when none does, the best by median. (The best median
    alone can be too noisy to be significant where a steadier backend is: naming it would
    claim that nothing in Rust wins.)"""
    rows = [row for row in group.rows if row.participant in RUST and _ok(row)]
    rows = [row for row in rows if _wins(row.versus_best)] or rows
    if not rows:
        return None

    def score(row: Row) -> float:
        assert row.figure is not None
        return row.figure.median if row.figure.better == LOWER else -row.figure.median

    return min(rows, key=score)


def _peers(group: Group, winner: Row) -> tuple[str, ...]:
    """The winner and the Rust backends not significantly worse than it in ``group``."""
    names = [winner.participant]
    for row in group.rows:
        if row is winner or row.participant not in RUST or not _ok(row):
            continue
        assert row.figure is not None and winner.figure is not None
        if not _wins(speedup(winner.figure, row.figure)):
            names.append(row.participant)
    return tuple(sorted(names, key=RUST.index))


def _reach(groups: list[Group], participant: str) -> Group | None:
    """The smallest of ``groups`` (sorted by size) from which ``participant`` beats the best
    alternative at every larger size; ``None`` when it does not win at the largest."""
    start = None
    for group in reversed(groups):
        row = group.row(participant)
        if row is None or not _wins(row.versus_best):
            break
        start = group
    return start


def _also(group: Group, winner: Row) -> str:
    """``; ctypes not measurably slower`` when other Rust backends are within the winner's
    noise there (they need not beat the alternative themselves)."""
    others = [name for name in _peers(group, winner) if name != winner.participant]
    if not others:
        return ""
    worse = "slower" if group.metric == "time_ns" else "worse"
    return f"; {_series(others)} not measurably {worse}"


def _words(group: Group) -> tuple[str, str, str]:
    """How the guide says better and worse on a group's metric, and the verb before them:
    ``is`` faster for a time, ``has`` lower latency, ``uses`` less memory, ``has`` more
    throughput for a rate; ``is`` better for any other metric."""
    known = METRICS.get(group.metric)
    if group.metric == "time_ns":
        return "faster", "slower", "is"
    if known is not None and known.unit == "ns":
        return "lower latency", "higher latency", "has"
    if known is not None and known.unit == "B":
        return "less memory", "more memory", "uses"
    if known is not None and known.better == HIGHER:
        return "more throughput", "less throughput", "has"
    return "better", "worse", "is"


def _times(speedup: Speedup, group: Group) -> str:
    """``3.1x faster`` for a time, ``3.1x less memory`` for memory (see :func:`_words`)."""
    better, worse, _ = _words(group)
    value = speedup.value if speedup.value >= 1.0 else 1.0 / speedup.value
    return f"{fmt.format_ratio(value)} {better if speedup.value >= 1.0 else worse}"


def _value(row: Row) -> str:
    return fmt.format_figure(row.figure)


def calls(report: Report) -> list[Sentence]:
    """What a call that does nothing costs, per boundary."""
    group = next((g for g in report.groups if g.operation == "identity" and g.size is None), None)
    if group is None:
        return []
    python = group.row(REFERENCE)
    rust = [row for row in group.rows if row.participant in RUST and _ok(row)]
    if not _ok(python) or not rust:
        return []
    assert python is not None and python.figure is not None
    cited = [_cite(group, python)] + [_cite(group, row) for row in rust]
    parts = ", ".join(f"{_value(row)} through {row.participant}" for row in rust)
    text = f"A call that does nothing costs {_value(python)} in Python; {parts}."
    dearer = [row for row in rust if _loses(row.speedup)]
    cheap = [row.participant for row in rust if row not in dearer and _tested(row.speedup)]
    untested = len(dearer) + len(cheap) < len(rust)
    if dearer:
        extra = ", ".join(
            f"{fmt.format_ns(row.figure.median - python.figure.median)} through {row.participant}"
            for row in dearer
            if row.figure is not None
        )
        text += (
            f" The crossing costs more than a Python call: {extra}. A call whose work takes "
            "Python less than that cannot get faster through "
            f"{'it' if len(dearer) == 1 else 'them'}"
        )
        if untested:
            text += "."
        elif cheap:
            verb = "costs" if len(cheap) == 1 else "cost"
            text += (
                f"; {_series(cheap)} {verb} no more than a Python call, so small single calls "
                f"stay in Python or go through {' or '.join(cheap)}."
            )
        else:
            text += "; small single calls stay in Python."
    elif not untested:
        text += " No boundary costs measurably more than a Python call here."
    return [Sentence("Calls", text, tuple(cited))]


def _size(report: Report, group: Group) -> str:
    """``1,000 values``, or ``size 1,000`` where the registry does not say what it counts."""
    if group.size is None:
        return ""
    unit = report.size_unit(group.scenario, group.operation)
    return f"size {group.size:,}" if unit == "size" else f"{group.size:,} {unit}"


Cited = list[tuple[str, str]]


def _use(
    report: Report, operation: str, found: list[Group], winner: Row, best: Row
) -> tuple[str, str, str, Cited]:
    """The backend to use for an operation a Rust backend wins at its largest size: among the
    backends as good as the best one there, the one that wins over the widest range of sizes;
    where it wins (`` at every size measured``, `` from 1,000 values up``, or nothing when only
    at the largest, which the detail then says), the detail and the rows cited."""
    largest = found[-1]
    choices = []
    for name in _peers(largest, winner):
        reach = _reach(found, name)
        if reach is not None:
            choices.append((reach, name))
    start, name = min(
        choices, key=lambda item: (found.index(item[0]), item[1] != winner.participant)
    )
    chosen = largest.row(name)
    assert chosen is not None and chosen.versus_best is not None
    cited = [_cite(largest, chosen), _cite(largest, best)]
    cited += [
        _cite(group, row)
        for group in found[found.index(start) : -1]
        if (row := group.row(name)) is not None
    ]
    faster = f"{_times(chosen.versus_best, largest)} than {best.participant}"
    if start is largest:  # only the largest size: say it once
        detail = (
            f"{operation} at {_size(report, largest)}, the largest size measured "
            f"({faster}{_also(largest, chosen)})"
        )
        return name, "", detail, cited
    detail = f"{operation} ({faster} at {_size(report, largest)}{_also(largest, chosen)})"
    where = " at every size measured" if start is found[0] else f" from {_size(report, start)} up"
    return name, where, detail, cited


def sized(report: Report, scenario: str) -> list[Sentence]:
    """Per operation measured at several sizes: the boundary to use and from what size."""
    by_operation: dict[str, list[Group]] = defaultdict(list)
    for group in report.groups:
        if group.scenario == scenario and group.size is not None:
            by_operation[group.operation].append(group)
    topic = report.titles.get(scenario, scenario)
    use: dict[tuple[str, str], list[tuple[str, list[tuple[str, str]]]]] = defaultdict(list)
    stay: list[tuple[str, list[tuple[str, str]]]] = []
    for operation, found in by_operation.items():
        found.sort(key=lambda g: g.size or 0)
        if len(found) < 2:
            continue
        largest = found[-1]
        winner = _best_rust(largest)
        best = largest.row(largest.best) if largest.best else None
        if winner is None or not _ok(best):
            continue
        assert best is not None
        if _wins(winner.versus_best):
            name, where, detail, cited = _use(report, operation, found, winner, best)
            use[(name, where)].append((detail, cited))
        else:
            speed = winner.versus_best
            if _loses(speed):
                assert speed is not None
                flipped = Speedup(1.0 / speed.value, None, None, True, speed.method)
                verdict = (
                    f"{best.participant} {_words(largest)[2]} {_times(flipped, largest)} than "
                    f"{winner.participant}"
                )
            elif _tested(speed):
                verdict = f"{winner.participant} and {best.participant} are within the noise"
            else:
                continue  # one sample: no noise to be within
            cited = [_cite(largest, winner), _cite(largest, best)]
            stay.append((f"{operation} ({verdict} at {_size(report, largest)})", cited))
    sentences = []
    for (participant, where), items in use.items():
        text = (
            f"Use {participant}{where} for "
            + _series([detail for detail, _ in items])
            + ": it beats the best alternative there."
        )
        sentences.append(Sentence(topic, text, _merge(items)))
    if stay:
        text = (
            "At the largest size measured, no Rust backend beats the best alternative for "
            + _series([detail for detail, _ in stay])
            + ": stay with it there."
        )
        sentences.append(Sentence(topic, text, _merge(stay)))
    return sentences


def _series(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _merge(items: list[tuple[str, list[tuple[str, str]]]]) -> tuple[tuple[str, str], ...]:
    return tuple(dict.fromkeys(cite for _, cited in items for cite in cited))


def single(report: Report, scenario: str) -> list[Sentence]:
    """Per operation without a size (``identity`` aside): Rust or Python, one call at a time."""
    topic = report.titles.get(scenario, scenario)
    rust_wins: dict[str, list[tuple[str, list[tuple[str, str]]]]] = defaultdict(list)
    python_wins: list[tuple[str, list[tuple[str, str]]]] = []
    libraries = False
    even: list[tuple[str, list[tuple[str, str]]]] = []
    for group in report.groups:
        if group.scenario != scenario or group.size is not None or group.operation == "identity":
            continue
        winner = _best_rust(group)
        best = group.row(group.best) if group.best else None
        if winner is None or not _ok(best):
            continue
        assert best is not None
        cited = [_cite(group, winner), _cite(group, best)]
        speed = winner.versus_best
        if _wins(speed):
            assert speed is not None
            detail = (
                f"{group.operation} ({_times(speed, group)} than {best.participant}"
                f"{_also(group, winner)})"
            )
            rust_wins[winner.participant].append((detail, cited))
        elif _loses(speed):
            detail = (
                f"{group.operation} ({best.participant} {_value(best)}, "
                f"{winner.participant} {_value(winner)})"
            )
            python_wins.append((detail, cited))
            libraries = libraries or not is_python(best.participant)
        elif _tested(speed):
            even.append((group.operation, cited))
    sentences = []
    timed = all(
        group.metric == "time_ns"
        for group in report.groups
        if group.scenario == scenario and group.size is None
    )
    fastest = "fastest" if timed else "best"
    for participant, items in rust_wins.items():
        text = (
            f"One call at a time, {participant} is the {fastest} way to do "
            + _series([detail for detail, _ in items])
            + "."
        )
        sentences.append(Sentence(topic, text, _merge(items)))
    if python_wins:
        text = (
            f"One call at a time, {'the best alternative' if libraries else 'Python itself'} "
            f"is {fastest} for "
            + _series([detail for detail, _ in python_wins])
            + ": there the crossing costs more than the work would save."
        )
        sentences.append(Sentence(topic, text, _merge(python_wins)))
    if even:
        text = (
            "For "
            + _series([detail for detail, _ in even])
            + ", the fastest Rust backend and the best Python are within the noise."
        )
        sentences.append(Sentence(topic, text, _merge(even)))
    return sentences


def lists(report: Report) -> list[Sentence]:
    """What passing a list costs over an array, through the backend best on arrays."""
    largest: dict[tuple[str, str, str], Group] = {}
    for group in report.groups:
        if group.metric != "time_ns" or group.size is None:
            continue
        base, _, kind = group.operation.rpartition(":")
        if kind not in ("list", "array") or not base:
            continue
        key = (group.scenario, base, kind)
        if key not in largest or (largest[key].size or 0) < group.size:
            largest[key] = group
    found = []
    for (scenario, base, kind), array in largest.items():
        if kind != "array":
            continue
        listed = largest.get((scenario, base, "list"))
        if listed is None or listed.size != array.size:
            continue
        winner = _best_rust(array)
        row = listed.row(winner.participant) if winner else None
        if winner is None or not _ok(row):
            continue
        assert row is not None and row.figure is not None and winner.figure is not None
        found.append((row.figure.median / winner.figure.median, base, listed, row, array, winner))
    if not found:
        return []
    found.sort(key=lambda item: item[0])
    typical = statistics.median(item[0] for item in found)
    _, base, listed, row, array, winner = found[len(found) // 2]
    dominated = sum(1 for item in found if item[0] >= CONVERSION_DOMINATES)
    cited = tuple(
        cite for item in found for cite in (_cite(item[2], item[3]), _cite(item[4], item[5]))
    )
    example = (
        f"{base} of {_size(report, listed)} through {winner.participant} takes {_value(row)} "
        f"from a list and {_value(winner)} from an array"
    )
    if typical >= CONVERSION_DOMINATES:
        text = (
            f"Lists: converting is the work. Passing a list instead of an array makes a call "
            f"about {fmt.format_ratio(typical)} slower at the largest sizes ({example}); for "
            f"{dominated} of {len(found)} operations the list costs at least "
            f"{CONVERSION_DOMINATES:g}x the array. Pass arrays (NumPy, array.array)."
        )
    else:
        text = (
            f"A list costs about {fmt.format_ratio(typical)} what an array does at the largest "
            f"sizes ({example}): here the conversion is not what dominates."
        )
    return [Sentence("Lists and arrays", text, cited)]


def boundary(report: Report) -> list[Sentence]:
    """The crossing's share of a call, smallest inputs against largest, from Rust-native times."""
    sizes: dict[tuple[str, str], list[int]] = defaultdict(list)
    for group in report.groups:
        if group.size is not None:
            sizes[(group.scenario, group.operation)].append(group.size)
    small: dict[str, list[tuple[float, Group, Row]]] = defaultdict(list)
    large: dict[str, list[tuple[float, Group, Row]]] = defaultdict(list)
    for group in report.groups:
        measured = sizes.get((group.scenario, group.operation), [])
        for row in group.rows:
            if row.boundary is None or row.participant not in RUST:
                continue
            if group.size is None or group.size == min(measured):
                small[row.participant].append((row.boundary, group, row))
            if group.size is not None and len(measured) > 1 and group.size == max(measured):
                large[row.participant].append((row.boundary, group, row))
    lows, highs = [], []
    cited: list[tuple[str, str]] = []
    for participant in RUST:
        if not small.get(participant) or not large.get(participant):
            continue
        low = statistics.median(share for share, _, _ in small[participant])
        high = statistics.median(share for share, _, _ in large[participant])
        lows.append(f"{low:.0%} through {participant}")
        highs.append(f"{high:.0%} through {participant}")
        for found in (small[participant], large[participant]):
            middle = sorted(found, key=lambda item: item[0])[len(found) // 2]
            cited.append(_cite(middle[1], middle[2]))
    if not lows:
        return []
    text = (
        "On single calls and the smallest inputs the crossing (a call's time less the "
        "Rust-native time, median over operations) is "
        + _series(lows)
        + "; on the largest inputs it is "
        + _series(highs)
        + ". Where it is most of the call, batch the work into fewer, bigger calls."
    )
    return [Sentence("The boundary's share", text, tuple(cited))]


def _ratio(row: Row) -> str:
    """``23.9x`` (or ``1.1x, not measurably different``) of a row over its reference."""
    assert row.speedup is not None
    found = f"{fmt.format_ratio(row.speedup.value)}"
    return found if row.speedup.significant else f"{found}, not measurably different"


def servers(report: Report, scenario: str) -> list[Sentence]:
    """A scenario of servers under load (http): per endpoint, what each server that runs
    this project's Rust answers per second against the scenario's reference, and the best
    Python alternative beside it."""
    reference = reference_of(scenario)
    if reference == REFERENCE:
        return []
    topic = report.titles.get(scenario, scenario)
    sentences = []
    for group in report.groups:
        if group.scenario != scenario or group.kind != "load":
            continue
        base = group.row(reference)
        others = [
            row
            for row in group.rows
            if row.participant != reference and _ok(row) and row.speedup is not None
            and (row.participant in NATIVE or row.participant == group.best)
        ]  # fmt: skip
        if not _ok(base) or not others:
            continue
        assert base is not None
        listed = _series([f"{row.participant} {_ratio(row)} ({_value(row)})" for row in others])
        text = f"{group.operation}: against {reference}'s {_value(base)}, {listed}."
        cited = [_cite(group, base)] + [_cite(group, row) for row in others]
        sentences.append(Sentence(topic, text, tuple(cited)))
    return sentences


def guide(report: Report) -> list[Sentence]:
    """Every sentence the run's numbers support, in reading order."""
    sentences = calls(report)
    for scenario in report.scenarios:
        sentences += sized(report, scenario) + single(report, scenario)
        sentences += servers(report, scenario)
    return sentences + lists(report) + boundary(report)
