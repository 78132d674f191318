"""Shared phantom fixtures: a dozen rendered cases (in memory) and one written case."""

from __future__ import annotations

import pytest

from lesionbench.phantom import PhantomSettings, generate_case, render_case

DATASET = {"cases": 12, "seed": 0, "matrix": 128, "slices": 32}


@pytest.fixture(scope="session")
def dataset_settings() -> PhantomSettings:
    return PhantomSettings.from_dict(DATASET)


@pytest.fixture(scope="session")
def rendered(dataset_settings):
    """The 12 cases of the demo-sized dataset, rendered once."""
    return [render_case(index, dataset_settings) for index in range(dataset_settings.cases)]


@pytest.fixture(scope="session")
def small_settings() -> PhantomSettings:
    return PhantomSettings.from_dict({"cases": 4, "seed": 5, "matrix": 64, "slices": 10,
                                      "lesion_free_fraction": 0.0, "shuffled_fraction": 1.0})


@pytest.fixture(scope="session")
def written_case(tmp_path_factory, small_settings):
    """Case 1 of ``small_settings`` written to disk: (root, truth)."""
    root = tmp_path_factory.mktemp("phantom")
    truth = generate_case(root, 1, small_settings)
    return root, truth
