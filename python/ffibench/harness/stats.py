"""The statistics of the report and of ``compare``, written out (no SciPy).

- A speed-up's 95% confidence interval: a Student t-interval on the logarithms of the paired
  per-process ratios (participant's process i against the reference's process i, measured in
  the same round), so the interval is multiplicative and symmetric in log space.
- Significance between two runs: Welch's t-test on the logarithms of the per-process values
  (unequal variances, the Welch-Satterthwaite degrees of freedom), at :data:`ALPHA`, and only
  for a change of at least :data:`MIN_EFFECT`.

Student's t distribution comes from the regularised incomplete beta function (a continued
fraction, Numerical Recipes' ``betacf``); its quantiles by bisection.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: The level of ``compare``'s test: with hundreds of rows, 0.05 would call about one row in
#: twenty "changed" from noise alone; 0.01 calls one in a hundred.
ALPHA = 0.01
#: The smallest change ``compare`` calls significant, whatever the test says: run-to-run drift
#: of a shared machine moves every row by a few percent, which no within-run test sees.
MIN_EFFECT = 0.05
#: The confidence of the report's intervals.
CONFIDENCE = 0.95


def _betacf(a: float, b: float, x: float) -> float:
    tiny, eps = 1e-300, 3e-16
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` (real, > 0) degrees of freedom.

    Examples
    --------
    >>> round(t_cdf(2.228, 10), 3)
    0.975
    """
    if math.isinf(df):
        return 0.5 * math.erfc(-t / math.sqrt(2.0))
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom.

    Examples
    --------
    >>> round(t_quantile(0.975, 1), 2)
    12.71
    """
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * max(1.0, high):
            break
    return (low + high) / 2.0


@dataclass(frozen=True)
class Ratio:
    """A ratio with its confidence interval (``low``, ``high``; ``None`` from one pair)."""

    value: float
    low: float | None
    high: float | None
    pairs: int

    @property
    def significant(self) -> bool:
        """Whether the interval leaves out 1 (no interval: not significant)."""
        if self.low is None or self.high is None:
            return False
        return self.low > 1.0 or self.high < 1.0


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> Ratio | None:
    """The geometric mean of ``numerators[i] / denominators[i]`` with a t-interval on the logs.

    Pairs are taken in order up to the shorter list; ``None`` when there is none, a value
    is not positive, or the ratio or its interval is beyond a float's range.

    Examples
    --------
    >>> r = paired_ratio([10.0, 11.0, 9.0], [1.0, 1.1, 0.9])
    >>> round(r.value, 6), r.significant
    (10.0, True)
    """
    pairs = list(zip(numerators, denominators, strict=False))
    if not pairs or any(a <= 0 or b <= 0 for a, b in pairs):
        return None
    # the difference of logs, not the log of a quotient: a / b can overflow to infinity
    logs = [math.log(a) - math.log(b) for a, b in pairs]
    centre = statistics.fmean(logs)
    try:
        if len(logs) < 2:
            return Ratio(math.exp(centre), None, None, 1)
        half = t_quantile(0.5 + CONFIDENCE / 2.0, len(logs) - 1) * statistics.stdev(logs)
        half /= math.sqrt(len(logs))
        return Ratio(math.exp(centre), math.exp(centre - half), math.exp(centre + half), len(logs))
    except OverflowError:
        return None


def unpaired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> Ratio | None:
    """The ratio of geometric means when one side has a single value and the other several.

    A call that takes seconds gets one process in a run's budget (the spec at 10^6 items),
    so there is nothing to pair with. The single value's own noise is unknown; it is taken to
    be the other side's (the same machine, the same kind of measurement), which gives a
    prediction-style t-interval: ``sd * sqrt(1/k + 1)`` on the log ratio with ``k - 1``
    degrees of freedom. ``None`` unless exactly one side has one value and the other two or
    more, all positive.

    Examples
    --------
    >>> r = unpaired_ratio([100.0], [1.0, 1.1, 0.9, 1.0])
    >>> round(r.value, 1), r.significant
    (100.3, True)
    """
    if min(len(numerators), len(denominators)) != 1:
        return None
    many, one = (numerators, denominators) if len(numerators) > 1 else (denominators, numerators)
    if len(many) < 2 or any(value <= 0 for value in (*many, *one)):
        return None
    logs = [math.log(value) for value in many]
    centre = statistics.fmean(logs)
    log_ratio = centre - math.log(one[0])
    if many is denominators:
        log_ratio = -log_ratio
    half = t_quantile(0.5 + CONFIDENCE / 2.0, len(logs) - 1) * statistics.stdev(logs)
    half *= math.sqrt(1.0 / len(logs) + 1.0)
    try:
        return Ratio(math.exp(log_ratio), math.exp(log_ratio - half), math.exp(log_ratio + half), 1)
    except OverflowError:
        return None


@dataclass(frozen=True)
class Test:
    """Welch's test of two samples: the ratio of their geometric means (``b`` over ``a``), the
    two-sided p-value, whether the change is called significant, and the ratio's 95%
    interval (``low``, ``high``; ``None`` without a test)."""

    ratio: float
    p_value: float | None
    significant: bool
    low: float | None = None
    high: float | None = None


def welch(a: Sequence[float], b: Sequence[float]) -> Test | None:
    """Welch's t-test on the logs of ``a`` and ``b`` (positive values, two or more each).

    Significant when ``p < ALPHA`` and the ratio of geometric means differs from 1 by at least
    ``MIN_EFFECT``. With fewer than two values on a side there is no test: ``p_value`` is
    ``None`` and nothing is significant. ``None`` when a side is empty, not positive or not
    finite, or the ratio is beyond a float's range.
    """
    if not a or not b or any(not 0 < value < math.inf for value in (*a, *b)):
        return None
    try:
        return _welch(a, b)
    except OverflowError:
        return None


def _welch(a: Sequence[float], b: Sequence[float]) -> Test:
    log_a, log_b = [math.log(v) for v in a], [math.log(v) for v in b]
    ratio = math.exp(statistics.fmean(log_b) - statistics.fmean(log_a))
    if len(a) < 2 or len(b) < 2:
        return Test(ratio, None, False)
    var_a = statistics.variance(log_a) / len(a)
    var_b = statistics.variance(log_b) / len(b)
    difference = statistics.fmean(log_b) - statistics.fmean(log_a)
    if var_a + var_b == 0.0:
        p_value = 1.0 if difference == 0.0 else 0.0
        low = high = ratio
    else:
        t = difference / math.sqrt(var_a + var_b)
        df = (var_a + var_b) ** 2 / (
            (var_a**2 / (len(a) - 1) if var_a else 0.0)
            + (var_b**2 / (len(b) - 1) if var_b else 0.0)
        )
        p_value = 2.0 * (1.0 - t_cdf(abs(t), df))
        half = t_quantile(0.5 + CONFIDENCE / 2.0, df) * math.sqrt(var_a + var_b)
        low, high = math.exp(difference - half), math.exp(difference + half)
    big_enough = abs(ratio - 1.0) >= MIN_EFFECT
    return Test(ratio, p_value, p_value < ALPHA and big_enough, low, high)


def percentiles(values: Sequence[float], points: Sequence[float]) -> list[float]:
    """Percentiles (0-100) of ``values`` by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    out = []
    for point in points:
        position = (len(ordered) - 1) * point / 100.0
        below = math.floor(position)
        above = min(below + 1, len(ordered) - 1)
        fraction = position - below
        out.append(ordered[below] + (ordered[above] - ordered[below]) * fraction)
    return out
