"""The assessment method (docs/risk-method.md): rating bands, severity weights,
control effectiveness and residual risk. Every number here can be recomputed by
hand from the findings; the defaults live in ``default_config``."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import InputError
from ..vocabulary import COUNTED_STATUSES, SEVERITY_WEIGHTS

RESIDUAL_FORMULA = "residual = inherent x (1 - reduction x effectiveness)"

_DEFAULT = {
    # Inherent scores are likelihood x impact (1..25). A score is rated by the highest
    # band whose lower bound it reaches, so fractional residual scores fall cleanly
    # into a band (4.5 is Medium); a score below the first band takes the first band.
    "legend": [
        {"rating": "Low", "min": 1, "max": 4, "colour": "#2e7d32"},
        {"rating": "Medium", "min": 5, "max": 9, "colour": "#f9a825"},
        {"rating": "High", "min": 10, "max": 16, "colour": "#ef6c00"},
        {"rating": "Critical", "min": 17, "max": 25, "colour": "#c62828"},
    ],
    # Severity weights shared by effectiveness and the CAI: a critical control counts
    # ten times a low one; info controls inform and never move a score.
    "weights": dict(SEVERITY_WEIGHTS),
    # At full effectiveness the residual keeps 20 % of the inherent score: controls
    # reduce likelihood, they never remove a risk.
    "reduction": 0.8,
    "residual_formula": RESIDUAL_FORMULA,
    "treatment_threshold": "High",
    # Target dates for treatment by residual rating (days from the request date).
    "target_days": {"Critical": 14, "High": 30, "Medium": 90, "Low": 180},
}


def default_config() -> dict:
    """A fresh copy of the default method configuration."""
    return copy.deepcopy(_DEFAULT)


def make_config(overrides: dict | None = None, file: str | None = None) -> dict:
    """Defaults with ``overrides`` (same keys) applied, checked for consistency."""
    config = default_config()
    for key, value in (overrides or {}).items():
        if key == "weights":
            config["weights"].update(value)
        elif key == "target_days" and "legend" not in (overrides or {}):
            config["target_days"].update(value)
        else:
            config[key] = copy.deepcopy(value)
    config["residual_formula"] = RESIDUAL_FORMULA
    check_config(config, file)
    return config


def check_config(config: dict, file: str | None = None) -> None:
    legend = config["legend"]
    names = [b["rating"] for b in legend]
    if len(set(names)) != len(names):
        raise InputError("method.legend: a rating is listed twice", file=file)
    for prev, band in zip(legend, legend[1:], strict=False):
        if band["min"] <= prev["min"]:
            raise InputError(f"method.legend: bands must ascend ({band['rating']} starts at or below "
                             f"{prev['rating']})", file=file)
    for band in legend:
        if band["max"] < band["min"]:
            raise InputError(f"method.legend: {band['rating']} has max below min", file=file)
    if config["treatment_threshold"] not in names:
        raise InputError(f"method.treatment_threshold {config['treatment_threshold']!r} is not a rating of "
                         f"the legend ({', '.join(names)})", file=file)
    missing = [n for n in names if n not in config["target_days"]]
    if missing:
        raise InputError(f"method.target_days: no target for {', '.join(missing)}", file=file)
    if not 0 <= config["reduction"] <= 1:
        raise InputError("method.reduction must be between 0 and 1", file=file)


def rating_for(score: float, legend: list[dict]) -> dict:
    """The legend band of a score: the highest band whose ``min`` the score reaches."""
    chosen = legend[0]
    for band in legend:
        if score >= band["min"]:
            chosen = band
    return chosen


def rating_rank(rating: str, legend: list[dict]) -> int:
    names = [b["rating"] for b in legend]
    if rating not in names:
        raise InputError(f"{rating!r} is not a rating of the legend ({', '.join(names)})")
    return names.index(rating)


def weighted(counts: dict[str, dict[str, int]], weights: dict[str, float]) -> tuple[float, float]:
    """(sum of w x pass, sum of w x (pass + fail + error)) over ``{severity: {status: n}}``."""
    good = total = 0.0
    for severity, c in counts.items():
        w = weights.get(severity, 0)
        good += w * c.get("pass", 0)
        total += w * sum(c.get(s, 0) for s in COUNTED_STATUSES)
    return good, total


def effectiveness(counts: dict[str, dict[str, int]], weights: dict[str, float]) -> float | None:
    """Severity-weighted pass share; None when nothing weighed (no evidence)."""
    good, total = weighted(counts, weights)
    if total <= 0:
        return None
    return good / total


def residual(inherent: float, eff: float | None, reduction: float) -> float:
    """inherent x (1 - reduction x effectiveness); no evidence leaves the inherent score."""
    if eff is None:
        return float(inherent)
    return inherent * (1 - reduction * eff)


def plain(data: Any) -> Any:
    """LineDict/LineList -> plain dict/list, so results stay JSON-serialisable."""
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data
