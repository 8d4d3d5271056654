"""Weekly demand per SKU × province for the weeks ahead, backtested against a seasonal-naive
baseline, and the production and allocation that follow.

The model is one ridge regression (scikit-learn) pooled over every series: each week's
demand, divided by its series' mean level, regressed on the previous ``lags`` weeks (and the
same week a season earlier when the history holds one), then rolled forward week by week.
Pooling lets short histories borrow strength from each other. The baseline repeats the week
one season before (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed.,
§5.2), or the last week while the history is shorter than a season. Both are scored by WAPE
(sum of absolute errors over the sum of actuals) on the held-back last weeks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import Ridge

from algorithms.supply.errors import SupplyInputError

__all__ = [
    "Backtest",
    "Forecast",
    "ForecastSettings",
    "Suggestion",
    "backtest",
    "forecast",
    "seasonal_naive",
    "suggest",
    "wape",
]

Series = Mapping[tuple[str, str], npt.NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class ForecastSettings:
    horizon: int = 4
    """Weeks to forecast."""
    holdout: int = 4
    """Last weeks of the history held back to score the model and the baseline."""
    season: int = 52
    """Weeks in a season for the seasonal-naive baseline and the seasonal feature."""
    lags: int = 4
    alpha: float = 1.0

    def check(self) -> None:
        for name, value, low, high in (
            ("horizon", self.horizon, 1, 52),
            ("holdout", self.holdout, 1, 52),
            ("season", self.season, 1, 104),
            ("lags", self.lags, 1, 26),
        ):
            if not low <= value <= high:
                raise SupplyInputError(name, f"must be between {low} and {high}, got {value}")


@dataclass(frozen=True, slots=True)
class Forecast:
    """Weekly demand ahead of one SKU × province, after its history."""

    gtin: str
    province: str
    history: tuple[float, ...]
    weeks: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Backtest:
    weeks: int
    actual: float
    model_wape: float | None
    """``None`` when the held-back weeks hold no demand (WAPE is then undefined)."""
    baseline_wape: float | None
    season_used: int
    """The season the baseline used (1 = the last week, when the history is shorter)."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Demand ahead of one SKU in one province beside the stock already there."""

    gtin: str
    province: str
    demand: float
    stock: int

    @property
    def allocate(self) -> float:
        return max(0.0, self.demand - self.stock)


def wape(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Weighted absolute percentage error; 0 when both are all zero.

    >>> wape([10, 0, 10], [8, 1, 10])
    0.15
    """
    a = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
    total = float(np.abs(a).sum())
    error = float(np.abs(a - p).sum())
    return error / total if total else (0.0 if error == 0 else float("inf"))


def seasonal_naive(
    history: npt.NDArray[np.float64], horizon: int, season: int
) -> npt.NDArray[np.float64]:
    """Each week ahead repeats the week one ``season`` earlier (the last season, cycled).

    >>> seasonal_naive(np.array([1.0, 2.0, 3.0]), 4, 2).tolist()
    [2.0, 3.0, 2.0, 3.0]
    """
    if len(history) < season:
        raise SupplyInputError("season", f"needs {season} weeks of history, has {len(history)}")
    last = history[-season:]
    return np.array([last[h % season] for h in range(horizon)], dtype=float)


def _season(length: int, settings: ForecastSettings) -> int:
    return settings.season if length >= settings.season else 1


def _features(window: npt.NDArray[np.float64], lags: int, season: int) -> list[float]:
    row = list(window[-lags:][::-1])
    if season > lags:
        row.append(float(window[-season]))
    return row


def _fit_predict(
    series: Series, horizon: int, settings: ForecastSettings
) -> dict[tuple[str, str], npt.NDArray[np.float64]]:
    lengths = {len(v) for v in series.values()}
    if len(lengths) != 1:
        raise SupplyInputError("series", "every series must cover the same weeks")
    length = lengths.pop()
    lags = min(settings.lags, length - 1)
    if lags < 1:
        raise SupplyInputError("history", f"needs at least 2 weeks, has {length}")
    season = settings.season if length > settings.season + 1 else 0
    width = max(lags, season)
    xs: list[list[float]] = []
    ys: list[float] = []
    scales = {k: float(v.mean()) + 1.0 for k, v in series.items()}
    for key, values in series.items():
        scaled = values / scales[key]
        for t in range(width, length):
            xs.append(_features(scaled[:t], lags, season))
            ys.append(float(scaled[t]))
    out: dict[tuple[str, str], npt.NDArray[np.float64]] = {}
    if not xs:
        for key, values in series.items():
            out[key] = np.full(horizon, float(values[-lags:].mean()))
        return out
    model = Ridge(alpha=settings.alpha).fit(np.array(xs), np.array(ys))
    keys = list(series)
    windows = np.array([series[k] / scales[k] for k in keys])
    predicted = np.zeros((len(keys), horizon))
    for h in range(horizon):
        rows = np.array([_features(w, lags, season) for w in windows])
        step = np.clip(model.predict(rows), 0.0, None)
        predicted[:, h] = step
        windows = np.concatenate([windows, step[:, None]], axis=1)
    for i, key in enumerate(keys):
        out[key] = predicted[i] * scales[key]
    return out


def backtest(series: Series, settings: ForecastSettings) -> Backtest:
    """Both forecasters fitted on the history without its last ``holdout`` weeks and scored
    on them (WAPE over every series together)."""
    settings.check()
    if not series:
        raise SupplyInputError("history", "no demand recorded")
    length = len(next(iter(series.values())))
    if length < settings.holdout + 2:
        raise SupplyInputError(
            "holdout", f"needs at least {settings.holdout + 2} weeks of history, has {length}"
        )
    train = {k: v[: length - settings.holdout] for k, v in series.items()}
    season = _season(length - settings.holdout, settings)
    model = _fit_predict(train, settings.holdout, settings)
    actual = np.concatenate([v[length - settings.holdout :] for v in series.values()])
    fitted = np.concatenate([model[k] for k in series])
    naive = np.concatenate([seasonal_naive(train[k], settings.holdout, season) for k in series])
    if not actual.any():
        return Backtest(settings.holdout, 0.0, None, None, season)
    return Backtest(
        settings.holdout, float(actual.sum()), wape(actual, fitted), wape(actual, naive), season
    )


def forecast(series: Series, settings: ForecastSettings) -> list[Forecast]:
    """Weekly demand for the ``horizon`` weeks after the history, per series, fitted on the
    whole history."""
    settings.check()
    if not series:
        return []
    ahead = _fit_predict(series, settings.horizon, settings)
    return [
        Forecast(
            g, p, tuple(float(x) for x in series[(g, p)]), tuple(float(x) for x in ahead[(g, p)])
        )
        for g, p in sorted(series)
    ]


def suggest(
    forecasts: list[Forecast], stock: Mapping[tuple[str, str], int]
) -> tuple[list[Suggestion], dict[str, float]]:
    """Allocation per SKU × province (demand ahead beyond the stock already in the province)
    and production per SKU (demand ahead beyond every unit in the channel; ``stock`` keyed by
    ``(gtin, province)``, the plants' and national stock under province ``""``).

    >>> f = [Forecast("g", "11", (5.0,), (10.0, 10.0))]
    >>> s, made = suggest(f, {("g", "11"): 4, ("g", ""): 6})
    >>> s[0].allocate, made
    (16.0, {'g': 10.0})
    """
    suggestions = [
        Suggestion(f.gtin, f.province, sum(f.weeks), stock.get((f.gtin, f.province), 0))
        for f in forecasts
    ]
    demand: dict[str, float] = {}
    for s in suggestions:
        demand[s.gtin] = demand.get(s.gtin, 0.0) + s.demand
    held: dict[str, int] = {}
    for (gtin, _), units in stock.items():
        held[gtin] = held.get(gtin, 0) + max(0, units)
    production = {g: max(0.0, d - held.get(g, 0)) for g, d in sorted(demand.items())}
    return suggestions, production
