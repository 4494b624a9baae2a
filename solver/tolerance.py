"""Tolerance analysis on the joint kernel: root-sum-squared (as in the seed) and seeded Monte Carlo.

Both work on any ``model(**params) -> dict`` that broadcasts its numeric parameters and returns
``height_mm``, ``collapse_mm`` and ``status`` (the per-BGA predictor's kernel does). Tolerances
are +/- limits taken as 3 sigma, in the unit of each parameter.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

__all__ = ["RssResult", "MonteCarloResult", "rss_tolerance", "monte_carlo"]


@dataclass(frozen=True)
class RssResult:
    """Root-sum-squared spread: total and per-input contributions [mm], largest first."""

    height_mm: np.ndarray  # +/- RSS of the joint height, per joint [mm]
    collapse_mm: np.ndarray  # +/- RSS of the collapse, per joint [mm]
    contributions: dict  # name -> +/- height change for that input at its tolerance, per joint [mm]
    sensitivities: dict  # name -> dH/dx, per joint [mm per unit of x]


@dataclass(frozen=True)
class MonteCarloResult:
    """Monte Carlo spread of the joint height over draws (and balls) [mm]."""

    mean_mm: float
    sd_mm: float
    p001_mm: float  # 0.1th percentile
    p999_mm: float  # 99.9th percentile
    coplanarity_mm: float  # mean over draws of (max - min) height across the balls of one part
    invalid_fraction: float  # share of joints with a non-zero status
    variance_share: dict  # name -> fraction of the height variance explained (linear fit)


def rss_tolerance(model, params: dict, tolerances: dict) -> RssResult:
    """RSS of height and collapse over every toleranced input, by central differences at +/- tol.

    All 2k + 1 evaluations go through one vectorised ``model`` call.
    """
    names = [n for n, t in tolerances.items()
             if n in params and _numeric(params[n]) and t is not None and float(t) > 0.0]
    base = {k: np.asarray(v, dtype=float) if _numeric(v) else v for k, v in params.items()}
    shape = np.broadcast_shapes(*(np.shape(v) for v in base.values() if isinstance(v, np.ndarray)))
    n_eval = 2 * len(names) + 1
    stacked = {}
    for key, val in base.items():
        if isinstance(val, np.ndarray):
            stacked[key] = np.broadcast_to(val, (n_eval,) + shape).copy()
        else:
            stacked[key] = val
    for i, name in enumerate(names):
        tol = float(tolerances[name])
        stacked[name][2 * i + 1] += tol
        stacked[name][2 * i + 2] -= tol
    out = model(**stacked)
    height, collapse = out["height_mm"], out["collapse_mm"]
    status = np.broadcast_to(out["status"], height.shape)
    contributions, sensitivities = {}, {}
    total_h = np.zeros(shape)
    total_c = np.zeros(shape)
    for i, name in enumerate(names):
        tol = float(tolerances[name])
        dh = _difference(height, status, 2 * i + 1, 2 * i + 2)
        dc = _difference(collapse, status, 2 * i + 1, 2 * i + 2)
        contributions[name] = np.abs(dh)
        sensitivities[name] = dh / tol
        total_h = total_h + dh * dh
        total_c = total_c + dc * dc
    order = sorted(names, key=lambda n: -float(np.max(contributions[n])))
    return RssResult(
        height_mm=np.sqrt(total_h),
        collapse_mm=np.sqrt(total_c),
        contributions={n: contributions[n] for n in order},
        sensitivities={n: sensitivities[n] for n in order},
    )


def monte_carlo(model, params: dict, tolerances: dict, n_draws: int = 10_000, n_balls: int = 1,
                seed: int = 0, shared=("stencil_mm",),
                chunk_joints: int = 1_000_000) -> MonteCarloResult:
    """Seeded Monte Carlo of ``n_draws`` parts with ``n_balls`` joints each.

    Each toleranced input is normal with sigma = tol / 3; inputs named in ``shared`` (one stencil
    per board) are drawn once per part, the rest per ball. Work is chunked so memory stays bounded.
    The variance share of each input comes from a least-squares linear fit on the first chunk.
    """
    names = [n for n, t in tolerances.items()
             if n in params and _numeric(params[n]) and t is not None and float(t) > 0.0]
    draws_per_chunk = max(1, chunk_joints // max(1, n_balls))
    sizes = [min(draws_per_chunk, n_draws - start) for start in range(0, n_draws, draws_per_chunk)]
    # One child seed per chunk: the result depends on the seed only, not on which thread ran what.
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))

    def run_chunk(k: int):
        rng = np.random.default_rng(seeds[k])
        shape = (sizes[k], n_balls)
        sample = {}
        for key, val in params.items():
            if _numeric(val) and key in names:
                sd = float(tolerances[key]) / 3.0
                noise_shape = (sizes[k], 1) if key in shared else shape
                sample[key] = np.asarray(val, dtype=float) + sd * rng.standard_normal(noise_shape)
            else:
                sample[key] = val
        out = model(**sample)
        h = np.broadcast_to(out["height_mm"], shape)
        good = np.broadcast_to(out["status"] == 0, shape)
        hg = h[good]
        copl = None
        if n_balls > 1:
            hm = np.where(good, h, np.nan)
            copl = np.nanmax(hm, axis=1) - np.nanmin(hm, axis=1)
        fit = None
        if k == 0 and names:
            fit = (np.stack([np.broadcast_to(sample[n], shape)[good] for n in names], axis=1), hg)
        return (float(hg.sum()), float(np.square(hg).sum()), hg.size,
                int(np.count_nonzero(~good)), copl, hg[:: max(1, hg.size // 200_000)], fit)

    # numpy releases the GIL in its array kernels, so chunks run in parallel on every core.
    with ThreadPoolExecutor(max_workers=max(1, min(len(sizes), os.cpu_count() or 1))) as pool:
        parts = list(pool.map(run_chunk, range(len(sizes))))
    heights_sum = sum(p[0] for p in parts)
    heights_sq = sum(p[1] for p in parts)
    count = sum(p[2] for p in parts)
    invalid = sum(p[3] for p in parts)
    copl = [p[4] for p in parts if p[4] is not None]
    quant_sample = [p[5] for p in parts]
    fit_x, fit_y = parts[0][6] if parts and parts[0][6] is not None else (None, None)
    mean = heights_sum / max(count, 1)
    sd = float(np.sqrt(max(heights_sq / max(count, 1) - mean * mean, 0.0)))
    qs = np.concatenate(quant_sample) if quant_sample else np.zeros(1)
    share = _variance_share(names, fit_x, fit_y)
    total = n_draws * n_balls
    return MonteCarloResult(
        mean_mm=mean,
        sd_mm=sd,
        p001_mm=float(np.percentile(qs, 0.1)) if qs.size else 0.0,
        p999_mm=float(np.percentile(qs, 99.9)) if qs.size else 0.0,
        coplanarity_mm=float(np.nanmean(np.concatenate(copl))) if copl else 0.0,
        invalid_fraction=invalid / total if total else 0.0,
        variance_share=share,
    )


def _difference(values, status, up, down):
    """Half the change between the +tol and -tol runs; one-sided (from nominal) if one fails."""
    ok_up, ok_down, ok_0 = status[up] == 0, status[down] == 0, status[0] == 0
    central = 0.5 * (values[up] - values[down])
    forward = values[up] - values[0]
    backward = values[0] - values[down]
    one_sided = np.where(ok_up, forward, np.where(ok_down, backward, 0.0))
    return np.where(ok_0 & ok_up & ok_down, central, np.where(ok_0, one_sided, 0.0))


def _variance_share(names, x, y) -> dict:
    """Fraction of var(y) carried by each column of x through a linear least-squares fit."""
    if x is None or y is None or y.size < len(names) + 2:
        return {}
    xc = x - x.mean(axis=0)
    coef, *_ = np.linalg.lstsq(xc, y - y.mean(), rcond=None)
    parts = (coef * xc.std(axis=0)) ** 2
    total = float(parts.sum()) or 1.0
    order = np.argsort(-parts)
    return {names[i]: float(parts[i] / total) for i in order}


def _numeric(value) -> bool:
    return (value is not None and not isinstance(value, str)
            and np.issubdtype(np.asarray(value).dtype, np.number))
