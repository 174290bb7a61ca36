"""Shortcuts of the fast engine that must give exactly what the plain way gives."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.funnel import Categorical


@pytest.mark.parametrize(
    "pmf",
    [
        [1.0],
        [0.5, 0.5],
        [7e-11, 9.5e-3, 0.3145, 0.4605, 0.1724, 0.036, 5.9e-3, 8.9e-4, 1.3e-4, 2e-5, 3e-6, 5e-7],
        [0.0, 0.25, 0.0, 0.75, 0.0],
        [1 / 4096] * 4096,
    ],
)
def test_categorical_is_the_inverse_cdf(pmf: list[float]) -> None:
    pmf_array = np.array(pmf) / np.sum(pmf)
    sampler = Categorical(pmf_array)
    rng = np.random.default_rng(0)
    cells = np.arange(Categorical.CELLS) / Categorical.CELLS
    uniforms = np.concatenate(
        [rng.random(200_000), cells, np.nextafter(cells, 0.0)[1:], np.cumsum(pmf_array)[:-1]]
    )
    uniforms = uniforms[(uniforms >= 0) & (uniforms < 1)]
    expected = np.searchsorted(np.cumsum(pmf_array)[:-1], uniforms, side="right")
    np.testing.assert_array_equal(sampler.at(uniforms), expected)
