"""The runtime of a generated package: its Params, its CLI, where it finds things, its own names.

Each test converts a small notebook with the real converter and runs the generated package in a
subprocess (``PYTHONPATH=src`` stands for an installed package), so nothing leaks between tests.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import papermill
import pytest
from pyflakes.api import check
from pyflakes.reporter import Reporter

from jupyter_lifecycle.api import convert
from jupyter_lifecycle.capture.store import RunStore
from jupyter_lifecycle.stages import StageConfigError, table_from_config
from jupyter_lifecycle.writers import MANIFEST

from conftest import write_notebook

PARAMS = ('sizes = [1, 2]\nopts = {"a": 1}\nrate = 0.5  # share of rows\ncount = 3\n'
          'label = "50% off"\nflag = False', ["parameters"])
CELLS = [
    PARAMS,
    ("data = list(range(count)) + sizes", ["lifecycle:ingest"]),
    ("total = sum(data) * rate + opts['a']", ["lifecycle:train"]),
    ("metrics = {'total': total, 'label': label, 'flag': flag}", ["lifecycle:evaluate"]),
]


def converted(tmp_path: Path, cells=CELLS, name: str = "nb", out: Path | None = None):
    """The notebook in ``tmp_path/project/notebooks``, its package far away from it."""
    folder = tmp_path / "project" / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    nb = write_notebook(folder / f"{name}.ipynb", cells)
    result = convert(nb, out or tmp_path / "elsewhere" / "deep" / f"{name}_pipeline")
    assert not result.errors, [str(d) for d in result.errors]
    assert result.written
    return result


def python(result, args, cwd: Path, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_LIFECYCLE")}
    environ.update(PYTHONPATH=str(result.out_dir / "src"), **env)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=environ, capture_output=True,
                          text=True, timeout=300)


def test_help_shows_list_and_dict_defaults(tmp_path):
    result = converted(tmp_path)
    done = python(result, ["-m", result.package, "--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    help_text = " ".join(done.stdout.split())
    assert "_MISSING_TYPE" not in help_text
    assert "--sizes LIST list (default: [1, 2])" in help_text
    assert "--opts DICT dict (default: {'a': 1})" in help_text
    assert "default: '50% off'" in help_text  # a % in a default does not break argparse


def test_params_is_a_short_dataclass_checked_against_its_annotations(tmp_path):
    result = converted(tmp_path)
    text = (result.out_dir / "src" / result.package / "params.py").read_text()
    assert "TYPES" not in text and "_Methods" not in text
    assert "class Params:" in text  # no base class
    assert len(text.splitlines()) < 60
    code = (f"from {result.package} import Params, ParamsError\n"
            "p = Params(rate=1, sizes=(4, 5))\n"
            "print(repr(p.rate), p.sizes, Params().to_dict())\n"
            "for bad in ({'rate': 'x'}, {'count': True}, {'sizes': 3}, {'opts': []}, {'flag': 0}):\n"
            "    try:\n"
            "        Params(**bad)\n"
            "    except ParamsError as exc:\n"
            "        print(exc)\n"
            "try:\n"
            "    Params.from_dict({'nope': 1})\n"
            "except ParamsError as exc:\n"
            "    print(exc)\n")
    done = python(result, ["-c", code], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == ("1.0 [4, 5] {'sizes': [1, 2], 'opts': {'a': 1}, 'rate': 0.5, 'count': 3, "
                        "'label': '50% off', 'flag': False}")
    assert lines[1:] == [
        "parameter 'rate' must be float, got str 'x'",
        "parameter 'count' must be int, got bool True",
        "parameter 'sizes' must be list, got int 3",
        "parameter 'opts' must be dict, got list []",
        "parameter 'flag' must be bool, got int 0",
        "unknown parameter(s) nope; known: sizes, opts, rate, count, label, flag",
    ]


def test_cli_parses_each_type_from_its_annotation(tmp_path):
    result = converted(tmp_path)
    (tmp_path / "p.json").write_text(json.dumps({"count": 1, "rate": 2}))
    done = python(result, ["-m", result.package, "--no-record", "--sizes", "[10]", "--opts",
                           '{"a": 5}', "--flag", "yes", "--params-file", "p.json"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"metrics": {"total": 25.0, "label": "50% off", "flag": True}}
    bad = python(result, ["-m", result.package, "--no-record", "--rate", "abc"], tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: parameter 'rate' must be float, got 'abc'"
    bad = python(result, ["-m", result.package, "--no-record", "--flag", "maybe"], tmp_path)
    assert bad.returncode == 2 and "parameter 'flag' must be bool" in bad.stderr


def test_package_runs_without_jupyter_lifecycle(tmp_path):
    result = converted(tmp_path)
    src = result.out_dir / "src" / result.package
    importers = sorted(p.name for p in src.rglob("*.py")
                       if "from jupyter_lifecycle" in p.read_text() or "import jupyter_lifecycle" in p.read_text())
    assert importers == ["_recording.py"]  # the optional recording shim, nothing else
    code = ("import sys\nsys.modules['jupyter_lifecycle'] = None  # not installed\n"
            f"from {result.package}.__main__ import main\nraise SystemExit(main([]))\n")
    done = python(result, ["-c", code], tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["metrics"]["total"] == 4.0


def test_no_path_of_the_converting_machine_in_any_generated_file(tmp_path):
    result = converted(tmp_path)
    notebook = tmp_path / "project" / "notebooks" / "nb.ipynb"
    conftest = result.out_dir / "tests" / "conftest.py"
    workflow = result.out_dir / ".github" / "workflows" / f"{result.package}.yml"
    for path in result.out_dir.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert str(tmp_path) not in text, path
            # the generated tests and the CI rerun run in the notebook's folder, by a relative path
            if path not in (conftest, workflow):
                assert "notebooks" not in text and "../" not in text, path
            if path.suffix == ".py" and "src" in path.parts:
                assert "__file__" not in text, path
    assert "NOTEBOOK_DIR = '../../../project/notebooks'" in conftest.read_text()
    assert '--cwd "../../../project/notebooks"' in workflow.read_text()
    pipeline = (result.out_dir / "src" / result.package / "pipeline.py").read_text()
    assert "NOTEBOOK = 'nb.ipynb'" in pipeline
    manifest = json.loads((result.out_dir / MANIFEST).read_text())
    assert manifest["notebook"] == {"name": "nb.ipynb",
                                    "sha256": hashlib.sha256(notebook.read_bytes()).hexdigest()}


def test_notebook_beside_the_package_is_where_generated_tests_run(tmp_path):
    """The default layout (package folder beside the notebook): the conftest finds the notebook's
    folder by a relative path, and the generated tests pass there."""
    folder = tmp_path / "project"
    folder.mkdir()
    nb = write_notebook(folder / "nb.ipynb", [
        ("text = open('data.txt').read()", ["lifecycle:ingest"]),
        ("metrics = {'n': len(text)}", ["lifecycle:train"])])
    (folder / "data.txt").write_text("hello")
    result = convert(nb)
    assert not result.errors, [str(d) for d in result.errors]
    conftest = (result.out_dir / "tests" / "conftest.py").read_text()
    assert "NOTEBOOK_DIR = '..'" in conftest and str(tmp_path) not in conftest
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=result.out_dir, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_recording_finds_notebook_and_store_from_the_working_directory(tmp_path):
    result = converted(tmp_path)
    notebook = tmp_path / "project" / "notebooks" / "nb.ipynb"
    store = tmp_path / "store.sqlite"
    code = f"from {result.package} import run\nrun(workdir={str(notebook.parent)!r})\n"
    done = python(result, ["-c", code], tmp_path, JUPYTER_LIFECYCLE_STORE=str(store))
    assert done.returncode == 0, done.stderr
    (record,) = RunStore(store).list()
    assert record["notebook"]["path"] == str(notebook)
    assert record["notebook"]["sha256"] == hashlib.sha256(notebook.read_bytes()).hexdigest()
    assert record["metrics"]["total"] == 4.0
    # From a folder without the notebook: the store of that folder's project, no notebook.
    other = tmp_path / "other"
    (other / ".lifecycle").mkdir(parents=True)
    done = python(result, ["-m", result.package], other)
    assert done.returncode == 0, done.stderr
    (record,) = RunStore(other / ".lifecycle" / "runs.sqlite").list()
    assert record["notebook"]["path"] is None and record["status"] == "completed"


def test_run_notebook_uses_the_installed_package_from_any_folder(tmp_path, monkeypatch):
    result = converted(tmp_path)
    run_nb = json.loads((result.out_dir / "run.ipynb").read_text())
    assert "sys.path" not in json.dumps(run_nb)
    monkeypatch.setenv("PYTHONPATH", str(result.out_dir / "src"))  # as if pip-installed
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "store.sqlite"))
    anywhere = tmp_path / "anywhere"
    anywhere.mkdir()
    papermill.execute_notebook(str(result.out_dir / "run.ipynb"), str(anywhere / "out.ipynb"),
                               parameters={"count": 1}, kernel_name="python3", cwd=str(anywhere),
                               progress_bar=False, log_output=False)
    out = json.loads((anywhere / "out.ipynb").read_text())
    shown = out["cells"][-1]["outputs"][0]["data"]["text/plain"]
    assert "'total': 2.5" in "".join(shown)  # (0 + 1 + 2) * 0.5 + 1: count=1 took effect


RESERVED = [
    ("n = 2", ["parameters"]),
    ("until = n + 1\nrecord = [until]\non_stage = 'x'\nworkdir = 5\n_results = 7\nstage = 1\n"
     "os = 3\n_stage_train = 4\nparams = {'k': 1}\n_finish = 2\nParams = 1\nRecording = 1",
     ["lifecycle:ingest"]),
    ("total = (until + len(record) + workdir + _results + stage + os + _stage_train + params['k']"
     " + _finish + Params + Recording)", ["lifecycle:train"]),
    ("metrics = {'total': total, 'on': on_stage}", ["lifecycle:evaluate"]),
]


def test_notebook_names_that_are_the_pipelines_own_change_nothing(tmp_path):
    result = converted(tmp_path, RESERVED)
    notes = {d.message.split()[0] for d in result.diagnostics if d.code == "reserved-name"}
    assert {"'until'", "'record'", "'os'", "'_stage_train'", "'Recording'"} <= notes
    code = (f"from {result.package} import run\n"
            "seen = []\n"
            "early = run(until='ingest', record=False, on_stage=lambda s, v: seen.append((s, sorted(v))))\n"
            "print(sorted(early))\n"
            "print(seen)\n"
            "print(run(record=False)['metrics'])\n")
    done = python(result, ["-c", code], tmp_path)
    assert done.returncode == 0, done.stderr
    names = sorted(["until", "record", "on_stage", "workdir", "_results", "stage", "os",
                    "_stage_train", "params", "_finish", "Params", "Recording"])
    assert done.stdout.splitlines() == [
        repr(names), repr([("ingest", names)]), repr({"total": 29, "on": "x"})]
    cli = python(result, ["-m", result.package, "--no-record", "--until", "ingest"], tmp_path)
    assert cli.returncode == 0, cli.stderr
    assert "total" not in cli.stdout


def test_parameter_named_like_a_cli_option_keeps_both(tmp_path):
    cells = [("until = 2\noutput = 'x'", ["parameters"]),
             ("metrics = {'v': until, 'o': output}", ["lifecycle:train"])]
    result = converted(tmp_path, cells)
    done = python(result, ["-m", result.package, "--no-record", "--param-until", "5",
                           "--until", "train", "--output", str(tmp_path / "r.json")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "r.json").read_text()) == {"metrics": {"v": 5, "o": "x"}}


@pytest.mark.parametrize("name", ["param", "definition", "builtin", "missing", "pipeline",
                                  "params", "helpers", "errors", "stages", "class", "None"])
def test_stage_names_that_would_break_the_package_are_refused(name):
    with pytest.raises(StageConfigError) as info:
        table_from_config({"stages": [{"name": name, "after": "train"}]}, source="pyproject.toml")
    assert repr(name) in str(info.value) and "pyproject.toml" in str(info.value)


def test_cli_names_a_bad_stage_in_one_line(tmp_path, venv_env):
    (tmp_path / "pyproject.toml").write_text('[tool.nb2pipe]\nstages = [{name = "param"}]\n')
    nb = write_notebook(tmp_path / "nb.ipynb", [("x = 1", ["lifecycle:ingest"])])
    done = subprocess.run([str(Path(sys.executable).parent / "nb2pipe"), "convert", str(nb)],
                          cwd=tmp_path, capture_output=True, text=True, env=venv_env, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "'param'" in done.stderr


@pytest.mark.parametrize("cells", [CELLS, RESERVED], ids=["typed-params", "reserved-names"])
def test_generated_runtime_is_pyflakes_clean(tmp_path, cells):
    result = converted(tmp_path, cells)
    src = result.out_dir / "src" / result.package
    out = io.StringIO()
    code = "\n".join(c["source"] for c in json.loads((result.out_dir / "run.ipynb").read_text())["cells"]
                     if c["cell_type"] == "code")
    problems = sum(check(p.read_text(), str(p), Reporter(out, out)) for p in sorted(src.rglob("*.py")))
    problems += check(code, "run.ipynb", Reporter(out, out))
    assert problems == 0, out.getvalue()
