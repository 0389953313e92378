"""The HTML report's Hydra section: written for models with Hydra-family features, absent otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from lightwaves import LightWaveSClassifier
from lightwaves.report import HYDRA_SERIES, HYDRA_STAT_NAMES, hydra_summary, write_report

from .cli_fixtures import small_basicmotions
from .forced import covering_fit


@pytest.fixture(scope="module")
def bm_test():
    _, _, Xt, yt = small_basicmotions()
    return Xt[:12], yt[:12]


@pytest.fixture(scope="module")
def mr_h_model():
    """MR+H on BasicMotions holding every kind of Hydra feature (both statistics on both series; constructed,
    tests/forced.py)."""
    X, y, _, _ = small_basicmotions()
    return covering_fit(LightWaveSClassifier(variant="MR+H", n_features=30, rocket_budget=840, hydra_groups=4,
                                             random_state=0), X, y)


def test_hydra_summary_counts_the_selected_features_and_groups(mr_h_model):
    h = mr_h_model.transformer_.hydra_
    s = hydra_summary(mr_h_model)
    assert s["n_features"] == h.n_features and s["n_features_total"] == mr_h_model.n_features_out_
    assert s["groups_per_dilation"] == 4 and s["n_groups"] == h.n_groups and s["n_convolutions"] == 8 * h.n_groups
    assert s["dilations"].tolist() == sorted(set(h.dilation.tolist()))
    f = s["features"]
    assert f.shape == (len(HYDRA_STAT_NAMES), len(HYDRA_SERIES), len(s["dilations"])) and f.sum() == h.n_features
    series = h.diff[h.group]
    for stat in (0, 1):
        for diff in (0, 1):
            assert f[stat, diff].sum() == np.sum((h.stat == stat) & (series == diff)) > 0  # every kind present
    for k, d in enumerate(s["dilations"]):
        assert f[:, :, k].sum() == np.sum(h.dilation[h.group] == d)
        assert s["groups"][:, k].tolist() == [np.sum((h.dilation == d) & (h.diff == v)) for v in (0, 1)]
        assert s["groups"][:, k].sum() <= 4  # never more than drawn
    assert 0 < s["weight_share"] < 1  # MR+H: both families hold weight
    assert s["channels"].tolist() == h.channels.tolist()


def test_report_of_a_hydra_model_has_the_hydra_section(mr_h_model, bm_test, tmp_path):
    index = write_report(mr_h_model, *bm_test, tmp_path / "r")
    html = index.read_text()
    assert "<h2>Hydra family</h2>" in html and "soft count of max" in html and "hard count of min" in html
    assert "groups computed at inference" in html
    assert (tmp_path / "r" / "hydra_family.png").stat().st_size > 1000
    assert html.count("data:image/png;base64,") == 4  # hydra_family.png embedded with the three others


def test_report_of_a_hydra_only_model(bm_test, tmp_path):
    X, y, _, _ = small_basicmotions()
    clf = LightWaveSClassifier(variant="H", n_features=12, hydra_groups=2, random_state=0).fit(X, y)
    s = hydra_summary(clf)
    assert s["n_features"] == s["n_features_total"] == 12 and s["weight_share"] == pytest.approx(1.0)
    html = write_report(clf, *bm_test, tmp_path / "r").read_text()
    assert "<h2>Hydra family</h2>" in html and "12 of 12" in html
    assert (tmp_path / "r" / "hydra_family.png").stat().st_size > 1000


def test_report_of_a_model_without_hydra_features_has_no_hydra_section(bm_test, tmp_path):
    X, y, _, _ = small_basicmotions()
    clf = LightWaveSClassifier(n_features=20, rocket_budget=840, random_state=0).fit(X, y)
    assert hydra_summary(clf) is None
    html = write_report(clf, *bm_test, tmp_path / "r").read_text()
    assert "Hydra" not in html and not (tmp_path / "r" / "hydra_family.png").exists()
    assert html.count("data:image/png;base64,") == 3
