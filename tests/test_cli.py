"""The ``lightwaves`` command line: end to end in a subprocess, and every command in process."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
import types

import numpy as np
import pytest

from lightwaves import LightWaveSClassifier, cli
from lightwaves.cli import main
from lightwaves.data import read_dataset
from lightwaves.model_io import load, save

from .cli_fixtures import bm, bm_model, bm_model_file, run_cli  # noqa: F401  (fixtures)
from .forced import covering_fit

COMMANDS = ["fit", "predict", "evaluate", "info", "report", "demo"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, match=None, expected_code=1):
    assert code == expected_code
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lightwaves: error: "), err
    assert "Traceback" not in err
    if match:
        assert match in lines[0], lines[0]


# ------------------------------------------------------------------------------------ end to end
@pytest.mark.slow
def test_end_to_end_subprocess(tmp_path):
    """fit -> info -> predict -> evaluate -> report on bundled BasicMotions, each in a new process."""
    model = tmp_path / "bm.lwz"
    r = run_cli("fit", "aeon:BasicMotions:train", "--out", model, "--n-features", "60", "--seed", "0")
    assert r.returncode == 0, r.stderr
    assert "saved" in r.stderr and model.exists()

    r = run_cli("info", model, "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["variant"] == "MR" and info["n_features"] == 60 and len(info["features"]) == 60  # the default
    assert info["training"]["dataset"] == "BasicMotions" and info["training"]["n_cases"] == 40
    assert set(info["training"]) >= {"length_min", "length_max", "class_counts", "fit_time_s", "saved"}

    out = tmp_path / "pred.csv"
    r = run_cli("predict", model, "aeon:BasicMotions:test", "--out", out, "--scores")
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["case", "prediction", "score_Badminton", "score_Running", "score_Standing", "score_Walking"]
    assert len(rows) == 41

    # predictions in the new process are bitwise those of the loaded model here
    from aeon.datasets import load_classification

    Xt, yt = load_classification("BasicMotions", split="test")
    scores = load(model).decision_function(Xt)
    got = np.array([[float(v) for v in row[2:]] for row in rows[1:]])
    assert got.tobytes() == scores.tobytes()

    r = run_cli("evaluate", model, "aeon:BasicMotions:test", "--json")
    assert r.returncode == 0, r.stderr
    ev = json.loads(r.stdout)
    assert ev["accuracy"] >= 0.9 and ev["n_cases"] == 40  # measured 1.0, best scores ahead by >= 1.07
    yt_as_written = read_dataset("aeon:BasicMotions:test")[1]  # aeon's loader lowercases labels
    assert set(yt_as_written) == {"Badminton", "Running", "Standing", "Walking"}
    assert np.array(ev["confusion_matrix"]).sum() == 40 and set(ev["per_class"]) == set(yt_as_written)

    r = run_cli("report", model, "aeon:BasicMotions:test", "--out", tmp_path / "rep")
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "rep" / "index.html").read_text()
    assert "data:image/png;base64," in html and "BasicMotions" in html
    for png in ("channel_importance", "dilations_levels", "confusion_matrix"):
        assert (tmp_path / "rep" / f"{png}.png").stat().st_size > 1000


def test_subprocess_error_is_one_line(tmp_path):
    r = run_cli("predict", tmp_path / "missing.lwz", "aeon:BasicMotions:test")
    assert r.returncode == 1
    assert r.stderr.strip().startswith("lightwaves: error: ") and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr and r.stdout == ""


@pytest.mark.slow
def test_demo_command(tmp_path):
    """Runs docs/cli.md's ``$ lightwaves demo --out demo-report`` as written (tests/test_docs.py skips that
    block so the demo runs once) and checks the output the block shows."""
    from .test_docs import ROOT as DOCS_ROOT, check_output, console_block

    command = "lightwaves demo --out demo-report"
    where, expected = console_block(DOCS_ROOT / "docs" / "cli.md", command)
    r = run_cli(*command.split()[1:], cwd=tmp_path, timeout=600)
    assert r.returncode == 0, r.stderr
    for method in ("LightWaveS MR", "LightWaveS L1L2", "MiniRocket"):
        assert method in r.stdout
    check_output(where, command, expected, r.stdout + "\n" + r.stderr)
    demo = tmp_path / "demo-report"
    assert (demo / "BasicMotions.lwz").exists() and (demo / "JapaneseVowels.lwz").exists()
    assert (demo / "report" / "accuracy_vs_latency.png").exists()


# ------------------------------------------------------------------------------------ help
@pytest.mark.parametrize("command", [None] + COMMANDS)
def test_help(capsys, command):
    with pytest.raises(SystemExit) as e:
        main(([command] if command else []) + ["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: lightwaves")


def test_fit_help_gives_the_estimators_hydra_groups_default(capsys):
    """The help's default is the parameter table's (the option itself passes nothing when not given)."""
    from lightwaves.params import TRANSFORMER_PARAMETERS

    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"hydra_groups; default {TRANSFORMER_PARAMETERS['hydra_groups']})" in help_text


def test_usage_errors_are_one_line(capsys):
    for argv in ([], ["frobnicate"], ["fit"], ["fit", "x.ts", "--out", "m.lwz", "--n-features", "many"],
                 ["fit", "x.ts", "--out", "m.lwz", "--variant", "H", "--hydra-groups", "eight"],
                 ["fit", "x.ts", "--out", "m.lwz", "--workers", "2", "--scheduler", "tcp://h:1"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert_one_line_error(2, err, expected_code=2)


# ------------------------------------------------------------------------------------ commands in process
def test_fit_predict_evaluate_info_in_process(capsys, tmp_path, bm):
    model = tmp_path / "m.lwz"
    code, out, err = run(capsys, "fit", "aeon:BasicMotions:train", "-o", model, "--n-features", "30",
                         "--variant", "L1", "--max-dilation", "8", "--quiet")
    assert code == 0 and err == ""
    clf = load(model)
    assert clf.variant == "L1" and clf.n_features_out_ == 30 and clf.transformer_.dilations_.tolist() == [1, 2, 4, 8]
    assert clf.get_params()["progress"] is False and clf.get_params()["backend"] == "serial"

    code, out, err = run(capsys, "predict", model, "aeon:BasicMotions:test")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0] == ["case", "prediction"] and len(rows) == 41
    assert [r[1] for r in rows[1:]] == clf.predict(bm[2]).tolist()

    code, out, err = run(capsys, "evaluate", model, "aeon:BasicMotions:test")
    assert code == 0 and "accuracy:" in out and "confusion matrix" in out and "f1" in out

    code, out, err = run(capsys, "info", model)
    assert code == 0 and "variant:           L1" in out and "features:          30" in out
    assert out.count("/L1/") == 30  # the feature list


def test_fit_hydra_groups_option(capsys, tmp_path):
    """--hydra-groups reaches the estimator, and info shows the groups drawn per dilation and computed."""
    model = tmp_path / "h.lwz"
    code, _, err = run(capsys, "fit", "aeon:BasicMotions:train", "-o", model, "--variant", "H",
                       "--hydra-groups", "8", "--n-features", "20", "--quiet")
    assert code == 0 and err == ""
    clf = load(model)
    h = clf.transformer_.hydra_
    assert clf.get_params()["hydra_groups"] == 8 and clf.variant == "H" and h.n_features == 20
    code, out, _ = run(capsys, "info", model, "--json")
    info = json.loads(out)
    assert code == 0 and info["params"]["hydra_groups"] == 8
    assert info["hydra"] == {"groups_per_dilation": 8, "groups": h.n_groups, "convolutions": 8 * h.n_groups}
    assert all(f["name"].startswith("hy/") for f in info["features"])
    code, out, _ = run(capsys, "info", model)
    assert code == 0
    assert (f"hydra groups:      {h.n_groups} computed per case ({8 * h.n_groups} convolutions); 8 drawn per "
            "dilation") in out.splitlines()


def test_fit_pooling_and_diff_options(capsys, tmp_path, bm):
    """The CLI passes the options to the fit, and info describes whatever was selected (name for name).
    That info marks every kind of feature is checked on a model constructed to hold every kind
    (tests/forced.py): which ones a normal fit selects goes through BLAS and may differ between CPUs."""
    model = tmp_path / "m.lwz"
    code, _, err = run(capsys, "fit", "aeon:BasicMotions:train", "-o", model, "--n-features", "40",
                       "--variant", "L1L2", "--pooling", "multirocket", "--diff", "--quiet")
    assert code == 0 and err == ""
    clf = load(model)
    assert clf.get_params()["pooling"] == "multirocket" and clf.get_params()["diff"] is True
    names = clf.feature_names_
    code, out, _ = run(capsys, "predict", model, "aeon:BasicMotions:test")
    assert code == 0 and [r[1] for r in list(csv.reader(io.StringIO(out)))[1:]] == clf.predict(bm[2]).tolist()
    code, out, _ = run(capsys, "info", model, "--json")
    features = json.loads(out)["features"]
    assert code == 0 and [f["name"] for f in features] == list(names)
    assert [f["diff"] for f in features] == ["/diff/" in n for n in names]
    X, y, _, _ = bm
    every = covering_fit(LightWaveSClassifier(variant="L1L2", n_features=40, pooling="multirocket", diff=True,
                                              random_state=0), X, y)
    save(every, tmp_path / "every.lwz")
    code, out, _ = run(capsys, "info", tmp_path / "every.lwz", "--json")
    features = json.loads(out)["features"]
    assert code == 0 and [f["name"] for f in features] == list(every.feature_names_)
    assert [f["diff"] for f in features] == ["/diff/" in n for n in every.feature_names_]
    assert {(f["level"], f["diff"], f["feature"]) for f in features} == {
        (level, diff, feature) for level in (1, 2) for diff in (False, True)
        for feature in ("ppv", "max", "lspv", "min", "mpv", "mipv")}


def test_info_json_marks_first_difference_features_of_the_minirocket_family(capsys, tmp_path, bm):
    """On a model constructed to hold features on both the series and its first difference (tests/forced.py;
    a normal fit's selection goes through BLAS)."""
    X, y, _, _ = bm
    clf = covering_fit(LightWaveSClassifier(n_features=40, rocket_budget=500, diff=True, random_state=0), X, y)
    save(clf, tmp_path / "mr.lwz")
    code, out, _ = run(capsys, "info", tmp_path / "mr.lwz", "--json")
    features = json.loads(out)["features"]
    assert code == 0 and [f["diff"] for f in features] == ["/diff/" in n for n in clf.feature_names_]
    assert 0 < sum(f["diff"] for f in features) < len(features)


def test_predict_chunked_progress_matches(capsys, tmp_path, bm, bm_model_file, monkeypatch):
    _, _, Xt, _ = bm
    np.savez(tmp_path / "t.npz", X=Xt)
    code, full, _ = run(capsys, "predict", bm_model_file, tmp_path / "t.npz", "--scores")
    monkeypatch.setattr(cli, "CHUNK_CASES", 7)
    code2, chunked, err = run(capsys, "predict", bm_model_file, tmp_path / "t.npz", "--scores")
    assert code == code2 == 0 and full == chunked
    assert "predicting" in err  # the progress bar


def test_interrupted_predict_keeps_the_old_predictions_file(capsys, tmp_path, bm, bm_model_file, monkeypatch):
    """--out is replaced atomically: a run that dies mid-write leaves the previous file untouched."""
    _, _, Xt, _ = bm
    np.savez(tmp_path / "t.npz", X=Xt)
    out = tmp_path / "pred.csv"
    out.write_text("case,prediction\n0,old\n")
    real_writer = csv.writer

    def failing_writer(f, **kw):
        w = real_writer(f, **kw)

        class Writer:
            rows = 0

            def writerow(self, row):
                Writer.rows += 1
                if Writer.rows == 5:
                    raise OSError("disk full")
                w.writerow(row)

        return Writer()

    monkeypatch.setattr(csv, "writer", failing_writer)
    code, _, err = run(capsys, "predict", bm_model_file, tmp_path / "t.npz", "--out", out)
    assert_one_line_error(code, err, "disk full")
    assert out.read_text() == "case,prediction\n0,old\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pred.csv")] == []  # no temp left
    monkeypatch.setattr(csv, "writer", real_writer)
    code, _, _ = run(capsys, "predict", bm_model_file, tmp_path / "t.npz", "--out", out)
    assert code == 0 and len(out.read_text().splitlines()) == len(Xt) + 1


def test_predict_binary_scores_and_csv_case_ids(capsys, tmp_path):
    from .cli_fixtures import fit_small, small_basicmotions

    X, y, _, _ = small_basicmotions()
    yb = np.where(np.isin(y, ["running", "walking"]), "moving", "still")
    X2 = X[:, :2, :20]
    model = tmp_path / "b.lwz"
    fit_small(X2, yb, n_features=10).save(model)
    lines = ["case,channel,time,value"]
    for i, name in ((0, "first"), (39, "last")):
        for c in range(2):
            for t in range(20):
                lines.append(f"{name},{c},{t},{float(X2[i, c, t])!r}")
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    code, out, _ = run(capsys, "predict", model, tmp_path / "d.csv", "--scores")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0] == ["case", "prediction", "score_moving", "score_still"]
    assert [r[0] for r in rows[1:]] == ["first", "last"]
    for r in rows[1:]:
        assert float(r[2]) == -float(r[3])
        assert r[1] == ("still" if float(r[3]) > 0 else "moving")


def test_csv_training_with_labels_and_int_classes(capsys, tmp_path):
    rng = np.random.default_rng(0)
    lines, labels = ["case,channel,time,value"], ["case,label"]
    for i in range(12):
        cls = i % 2
        for t in range(30):
            lines.append(f"s{i},0,{t},{float(np.sin(t * (0.3 + cls)) + 0.1 * rng.normal())!r}")
        labels.append(f"s{i},{cls}")
    (tmp_path / "train.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "y.csv").write_text("\n".join(labels) + "\n")
    model = tmp_path / "m.lwz"
    code, _, err = run(capsys, "fit", tmp_path / "train.csv", "--labels", tmp_path / "y.csv", "-o", model,
                       "--n-features", "8", "-q")
    assert code == 0, err
    code, _, err = run(capsys, "fit", tmp_path / "train.csv", "-o", model, "-q")
    assert_one_line_error(code, err, "no class labels (give --labels FILE")
    np.savez(tmp_path / "t.npz", X=np.ones((2, 1, 30)), y=np.array([0, 1]))
    code, out, err = run(capsys, "evaluate", model, tmp_path / "t.npz", "--json")  # int labels vs str classes
    assert code == 0, err
    assert json.loads(out)["n_cases"] == 2


@pytest.mark.parametrize("json_flag", [False, True])
def test_info_json_and_text(capsys, bm_model_file, json_flag):
    code, out, _ = run(capsys, "info", bm_model_file, *(["--json"] if json_flag else []))
    assert code == 0
    if json_flag:
        info = json.loads(out)
        assert info["selected_channels"] == load(bm_model_file).selected_channels_.tolist()
        assert info["features"][0].keys() >= {"name", "channel", "kernel", "dilation", "level", "feature"}
    else:
        assert "channels:" in out and "dataset:" in out


def test_report_in_process(capsys, tmp_path, bm_model_file):
    code, _, err = run(capsys, "report", bm_model_file, "aeon:BasicMotions:test", "--out", tmp_path / "r")
    assert code == 0, err
    assert (tmp_path / "r" / "index.html").exists() and not (tmp_path / "r" / "accuracy_vs_latency.png").exists()


@pytest.mark.slow
def test_report_compare(capsys, tmp_path, bm_model_file):
    code, _, err = run(capsys, "report", bm_model_file, "aeon:BasicMotions:test", "--out", tmp_path / "r",
                       "--compare", "aeon:BasicMotions:train")
    assert code == 0, err
    html = (tmp_path / "r" / "index.html").read_text()
    assert "MiniRocket" in html and "Rocket" in html
    assert (tmp_path / "r" / "accuracy_vs_latency.png").stat().st_size > 1000


# ------------------------------------------------------------------------------------ user errors
@pytest.fixture()
def bad_files(tmp_path):
    (tmp_path / "bad.ts").write_text("@problemName x\n@classLabel true a b\n@data\n1,2,3:a\n1,x,3:b\n")
    (tmp_path / "bad.csv").write_text("case,channel,value\n0,0,1\n")
    (tmp_path / "gap.csv").write_text("case,channel,time,value\n0,0,0,1\n0,0,2,1\n")
    (tmp_path / "not_a_model.lwz").write_text("hello")
    np.savez(tmp_path / "bad.npz", Z=np.ones(3))
    np.savez(tmp_path / "seven.npz", X=np.ones((2, 7, 50)))
    return tmp_path


@pytest.mark.parametrize(
    "argv, match",
    [
        (["predict", "{m}", "{d}/bad.ts"], "bad.ts: line 5: channel 0, time 1: 'x' is not a number"),
        (["predict", "{m}", "{d}/bad.csv"], "bad.csv: line 1: missing column 'time'"),
        (["predict", "{m}", "{d}/gap.csv"], "time 1 is missing"),
        (["predict", "{m}", "{d}/bad.npz"], "no array 'X'"),
        (["predict", "{m}", "{d}/seven.npz"], "has 7 channels but the model was fitted on 6"),
        (["predict", "{m}", "{d}/nope.ts"], "nope.ts: no such data file"),
        (["predict", "{d}/not_a_model.lwz", "{d}/seven.npz"], "not a zip archive"),
        (["info", "{d}/missing.lwz"], "missing.lwz"),
        (["evaluate", "{m}", "{d}/seven.npz"], "no class labels"),
        (["fit", "aeon:Nope", "-o", "{d}/m.lwz"], "not bundled"),
        (["fit", "aeon:BasicMotions", "-o", "{d}/m.lwz", "--n-features", "0", "-q"], "n_features must be a positive integer"),
        (["fit", "aeon:BasicMotions", "-o", "{d}/m.lwz", "--max-dilation", "3", "-q"], "power of two"),
        (["fit", "aeon:BasicMotions", "-o", "{d}/m.lwz", "--variant", "H", "--hydra-groups", "0", "-q"],
         "hydra_groups must be an integer from 1 to 1024, got 0"),
        # option values are checked before the data is read (here: a file that does not exist)
        (["fit", "{d}/nope.ts", "-o", "{d}/m.lwz", "--variant", "MR+H", "--hydra-groups", "1025", "-q"],
         "hydra_groups must be an integer from 1 to 1024, got 1025"),
        (["fit", "aeon:BasicMotions", "-o", "{d}", "-q"], "is a directory"),
        (["fit", "aeon:BasicMotions", "-o", "{d}/no/such/dir/m.lwz", "-q"], "does not exist"),
        (["report", "{m}", "aeon:BasicMotions:test", "--out", "{d}/bad.ts"], "bad.ts"),
    ],
)
def test_user_errors_are_one_line(capsys, bad_files, bm_model_file, argv, match):
    argv = [a.format(m=bm_model_file, d=bad_files) for a in argv]
    code, out, err = run(capsys, *argv)
    assert_one_line_error(code, err, match)


def test_debug_shows_traceback(bad_files, bm_model_file):
    from lightwaves.data import DataFileError

    with pytest.raises(DataFileError):
        main(["predict", str(bm_model_file), str(bad_files / "bad.ts"), "--debug"])
    with pytest.raises(DataFileError):
        main(["--debug", "predict", str(bm_model_file), str(bad_files / "bad.ts")])


# ------------------------------------------------------------------------------------ distributed flags
def test_workers_uses_client_for_and_dask_backend(capsys, tmp_path, monkeypatch):
    """--workers N opens lightwaves.distributed.client_for(workers=N) and fits with backend='dask'."""
    from lightwaves.families.paper.scan import scan_channels

    calls = []

    @contextlib.contextmanager
    def client_for(workers=None, scheduler=None, timeout=10):
        calls.append((workers, scheduler))
        yield "fake-client"

    def scan_channels_dask(coll, codes, n_classes, mean, inv_sd, dil, slots, m, progress=False, distinct=True):
        calls.append("scan")
        return scan_channels(
            coll, np.arange(coll.n_channels), codes, n_classes, mean, inv_sd, dil, slots, m, distinct=distinct
        )

    def rocket_features_dask(coll, mean, inv_sd, pool, progress=False):
        from lightwaves.families.rocket.features import plan_for
        from lightwaves.families.rocket.kernels import transform_rocket

        calls.append("rocket")
        return transform_rocket(coll, mean, inv_sd, plan_for(pool))

    def case_runner_dask(transformer, source, size):  # the ridge's passes, here instead of on workers
        from lightwaves.case_passes import serial_runner

        calls.append("passes")
        return contextlib.nullcontext(serial_runner(lambda: transformer.transform_chunks(source, size)))

    fake = types.ModuleType("lightwaves.distributed")
    fake.client_for = client_for
    fake.case_runner_dask = case_runner_dask
    fake.scan_channels_dask = scan_channels_dask
    fake.rocket_features_dask = rocket_features_dask
    from lightwaves.pipeline import Backend

    class DaskBackend(Backend):  # the real one's two steps, on the fakes above
        def scan_paper(self, cases, plan, m):
            return scan_channels_dask(cases.coll, cases.codes, cases.n_classes, cases.mean, cases.inv_sd,
                                      plan.dilations, plan.slots, m, progress=self.progress, distinct=plan.distinct)

        def rocket_values(self, coll, mean, inv_sd, pool):
            return rocket_features_dask(coll, mean, inv_sd, pool.over_components(), progress=self.progress)

    fake.DaskBackend = DaskBackend
    monkeypatch.setitem(sys.modules, "lightwaves.distributed", fake)
    import lightwaves

    monkeypatch.setattr(lightwaves, "distributed", fake, raising=False)
    model = tmp_path / "m.lwz"
    code, _, err = run(capsys, "fit", "aeon:BasicMotions", "-o", model, "--n-features", "10", "--workers", "2", "-q")
    assert code == 0, err
    # the default variant, MR: selection saw every case, so its values serve the ridge (no passes)
    assert calls == [(2, None), "rocket"]
    code, _, err = run(capsys, "fit", "aeon:BasicMotions", "-o", model, "--n-features", "10", "--workers", "2", "-q",
                       "--max-cases", "30")
    assert code == 0, err
    assert calls == [(2, None), "rocket", (2, None), "rocket", "passes"]  # a subsample: the ridge streams
    code, _, err = run(capsys, "fit", "aeon:BasicMotions", "-o", model, "--n-features", "10", "--workers", "2", "-q",
                       "--variant", "L1L2")
    assert code == 0, err
    assert calls == [(2, None), "rocket", (2, None), "rocket", "passes", (2, None), "scan"]
    clf = load(model)
    assert clf.training_metadata_["backend"] == "dask" and clf.get_params()["backend"] == "serial"

    calls.clear()
    code, _, err = run(capsys, "fit", "aeon:BasicMotions", "-o", model, "--n-features", "10",
                       "--scheduler", "tcp://127.0.0.1:8786", "-q")
    assert code == 0 and calls[0] == (None, "tcp://127.0.0.1:8786")


def test_workers_without_distributed_support(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)  # import dask raises ImportError
    monkeypatch.setitem(sys.modules, "distributed", None)
    code, _, err = run(capsys, "fit", "aeon:BasicMotions", "-o", tmp_path / "m.lwz", "--workers", "2", "-q")
    assert_one_line_error(code, err, "dask is not installed (needed for the Dask backend); install the "
                                     "'distributed' extra")
    code, _, err = run(capsys, "fit", "aeon:BasicMotions", "-o", tmp_path / "m.lwz", "--workers", "0", "-q")
    assert_one_line_error(code, err, "--workers must be at least 1")


def test_scheduler_timeout_is_one_line(capsys, tmp_path, monkeypatch):
    @contextlib.contextmanager
    def client_for(workers=None, scheduler=None, timeout=10):
        raise TimeoutError(f"could not reach the Dask scheduler at {scheduler} within {timeout} s")
        yield

    def case_runner_dask(transformer, source, size):  # the ridge's passes, here instead of on workers
        from lightwaves.case_passes import serial_runner

        calls.append("passes")
        return contextlib.nullcontext(serial_runner(lambda: transformer.transform_chunks(source, size)))

    fake = types.ModuleType("lightwaves.distributed")
    fake.client_for = client_for
    fake.case_runner_dask = case_runner_dask
    monkeypatch.setitem(sys.modules, "lightwaves.distributed", fake)
    code, _, err = run(capsys, "fit", "aeon:BasicMotions", "-o", tmp_path / "m.lwz", "--scheduler", "tcp://10.0.0.1:1", "-q")
    assert_one_line_error(code, err, "could not reach the Dask scheduler")


def test_cli_module_imports_lazily():
    code = ("import sys, lightwaves.cli; heavy = [m for m in ('aeon', 'matplotlib', 'dask', 'distributed', "
            "'sklearn', 'numba') if m in sys.modules]; print(heavy)")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code.replace("lightwaves.cli", "lightwaves.cli as c")],
                         capture_output=True, text=True, check=True).stdout
    # importing the package pulls in the estimators (sklearn, numba); never aeon, matplotlib or dask
    heavy = eval(out)  # a printed list of str
    assert not {"aeon", "matplotlib", "dask", "distributed"} & set(heavy)


def test_export_board_writes_startup_and_linker_script(capsys, tmp_path, bm_model_file):
    """``--board mps2-an386`` adds the board's two files to the export (tests/test_edge.py builds and runs
    them where the ARM toolchain is installed); an unknown board is a one-line usage error."""
    out = tmp_path / "c"
    code, _, err = run(capsys, "export", bm_model_file, "--board", "mps2-an386", "--out", out)
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == {"lightwaves_model.h", "lightwaves_model.c", "main.c",
                                                "startup_mps2_an386.c", "mps2_an386.ld"}
    with pytest.raises(SystemExit) as e:
        main(["export", str(bm_model_file), "--board", "stm32", "--out", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert e.value.code == 2 and len(err.strip().splitlines()) == 1 and "invalid choice: 'stm32'" in err
