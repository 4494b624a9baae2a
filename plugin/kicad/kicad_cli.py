"""The one place that runs ``kicad-cli``: KiCad's DRC of a board, and whether KiCad parses rules.

kicad-cli runs in a controlled KiCad configuration (``kicad_cli``): where the user has no
global footprint library table (a CI runner), its own config folder holding KiCad's template
tables. ``run_kicad_drc`` returns kicad-cli's JSON report of a board (``bga-check ci``);
``check_parses`` proves that KiCad reads a custom rules file, on a probe board: kicad-cli 9.0.8
ignores a rules file that does not parse, the project's own rules included, and says nothing.

Runs the kicad-cli executable only: no pcbnew, no wx, so the command line imports it without
KiCad's Python module. Failures a user can fix are ``api.UserError`` (exit 2).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..api import UserError
from ..core.kicad_rules_file import find_unparsed

__all__ = ["KicadCli", "KICAD_DRC_TIMEOUT_S", "PROBE_BOARD", "kicad_cli", "run_kicad_drc",
           "rules_parse_problem", "check_parses"]

KICAD_DRC_TIMEOUT_S = 3600
"""kicad-cli took 119 s on the 12-layer vme-wren demo board; an hour is a hang, not a board."""
PROBE_TIMEOUT_S = 120
PROBE_BOARD = """(kicad_pcb
\t(version 20241229)
\t(generator "bga-check")
\t(generator_version "9.0")
\t(general (thickness 1.6))
\t(paper "A4")
\t(layers
\t\t(0 "F.Cu" signal)
\t\t(2 "B.Cu" signal)
\t\t(25 "Edge.Cuts" user)
\t)
\t(setup (pad_to_mask_clearance 0))
\t(net 0 "")
\t(segment (start 0 0) (end 1 0) (width 0.2) (layer "F.Cu") (net 0)
\t\t(uuid "b9a5c4ec-0000-4000-8000-000000000001"))
)
"""
"""A board with one track: parsing a rules file does not depend on the board, and kicad-cli
checks this one in well under a second. The probe rule fires on its track."""
_PROBE_UUID = "b9a5c4ec-0000-4000-8000-000000000001"


# ---------------------------------------------------------------- kicad-cli in its configuration

@dataclass(frozen=True)
class KicadCli:
    """How to run kicad-cli.

    The executable, its version, the environment and what library tables that environment
    gives it (for the one-line statement of ``bga-check ci``).
    """

    exe: str
    version: str
    env: dict
    tables: str


def _user_config_dir() -> Path:
    """KiCad's user configuration folder before the version subfolder.

    KICAD_CONFIG_HOME, else ``$XDG_CONFIG_HOME/kicad``, else ``~/.config/kicad``.
    """
    if os.environ.get("KICAD_CONFIG_HOME"):
        return Path(os.environ["KICAD_CONFIG_HOME"])
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "kicad"


def _template_dir(exe: str, major: str) -> Optional[Path]:
    """KiCad's template folder with the default library tables.

    Debian: /usr/share/kicad/template/fp-lib-table; found beside kicad-cli's prefix or in the
    usual places.
    """
    prefix = Path(os.path.realpath(exe)).parent.parent
    for d in (os.environ.get(f"KICAD{major}_TEMPLATE_DIR"), prefix / "share/kicad/template",
              "/usr/share/kicad/template", "/usr/local/share/kicad/template"):
        if d and (Path(d) / "fp-lib-table").is_file():
            return Path(d)
    return None


def kicad_cli(workdir: str) -> Optional[KicadCli]:
    """kicad-cli in a controlled configuration, or None when it is not on PATH.

    kicad-cli 9 reads the global footprint library table from ``<config>/<major.minor>/
    fp-lib-table``. A user who has one (a designer's machine) keeps it; otherwise (a CI runner)
    kicad-cli gets its own config folder in ``workdir`` (KICAD_CONFIG_HOME) holding KiCad's
    template tables, so that it neither warns about every footprint's missing library nor writes
    into the runner's home.
    """
    exe = shutil.which("kicad-cli")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "version"], capture_output=True, text=True, timeout=60)
        m = re.search(r"\d+\.\d+(?:\.\d+)?", out.stdout)
        version = m.group(0) if m else ""
    except (OSError, subprocess.SubprocessError):
        version = ""
    series = ".".join(version.split(".")[:2]) if version else "9.0"
    env = dict(os.environ)
    user = _user_config_dir() / series / "fp-lib-table"
    if user.is_file():
        return KicadCli(exe, version, env, f"this user's footprint library table ({user})")
    cfg = Path(workdir) / "kicad-config"
    (cfg / series).mkdir(parents=True, exist_ok=True)
    tdir = _template_dir(exe, series.split(".")[0])
    if tdir is not None:
        for name in ("fp-lib-table", "sym-lib-table"):
            if (tdir / name).is_file():
                shutil.copy(tdir / name, cfg / series / name)
        tables = f"KiCad's template library table ({tdir / 'fp-lib-table'})"
    else:
        (cfg / series / "fp-lib-table").write_text("(fp_lib_table\n  (version 7)\n)\n")
        tables = "an empty footprint library table (KiCad's template table not found)"
    env["KICAD_CONFIG_HOME"] = str(cfg)
    return KicadCli(exe, version, env, tables)


def run_kicad_drc(board_path: str, tmpdir: str, cli: Optional[KicadCli] = None) -> Optional[dict]:
    """KiCad's DRC of a board as kicad-cli's JSON dict; None when kicad-cli is not installed.

    Asks for errors and warnings only: ``--severity-all`` also lists the violations a designer
    excluded in KiCad, and lists them with their plain severity (seen with KiCad 9.0.8), so CI
    would fail on what the project already accepted. ``--all-track-errors``: every violation of
    a track, not only its first (kicad-cli otherwise stops at 199 of one kind), so that each
    item can be waived on its own.
    """
    cli = cli or kicad_cli(tmpdir)
    if cli is None:
        return None
    out = Path(tmpdir) / "kicad-drc.json"
    cmd = [cli.exe, "pcb", "drc", "--format", "json", "--severity-error", "--severity-warning",
           "--all-track-errors", "--units", "mm", "-o", str(out), str(board_path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=KICAD_DRC_TIMEOUT_S,
                              env=cli.env)
    except subprocess.TimeoutExpired:
        raise UserError(f"kicad-cli pcb drc did not finish in {KICAD_DRC_TIMEOUT_S} s", 2) from None
    if not out.is_file():
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        why = lines[-1].strip() if lines else "no report written"
        raise UserError(f"kicad-cli pcb drc failed (exit {proc.returncode}): {why}", 2)
    try:
        return json.loads(out.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UserError(f"kicad-cli pcb drc wrote unreadable JSON: {exc}", 2) from None


# ---------------------------------------------------------------- does KiCad read a rules file?

class _Probe:
    """Runs kicad-cli on the probe board with a rules text; counts its runs."""

    def __init__(self, cli: KicadCli, workdir: str):
        self.cli, self.dir, self.runs = cli, Path(workdir) / "probe", 0
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "probe.kicad_pcb").write_text(PROBE_BOARD, encoding="utf-8")

    def __call__(self, text: str) -> bool:
        """Whether kicad-cli parses ``text``: the probe rule it ends with fired."""
        self.runs += 1
        with open(self.dir / "probe.kicad_dru", "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        out = self.dir / "probe.json"
        out.unlink(missing_ok=True)
        try:
            subprocess.run([self.cli.exe, "pcb", "drc", "--format", "json", "--severity-error",
                            "-o", str(out), str(self.dir / "probe.kicad_pcb")],
                           capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                           env=self.cli.env, cwd=self.dir)
            data = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            raise UserError(f"kicad-cli could not check a rules file: {exc}", 2) from None
        return any(v.get("type") == "track_width"
                   and any(i.get("uuid") == _PROBE_UUID for i in v.get("items", []))
                   for v in data.get("violations", []))


def rules_parse_problem(text: str, cli: KicadCli, workdir: str) -> Optional[tuple[int, str]]:
    """(line, what) of the first expression of a rules text that kicad-cli does not parse.

    None when it parses.
    """
    return find_unparsed(text, _Probe(cli, workdir))


def check_parses(text: str, path: str, cli: Optional[KicadCli] = None,
                 original: Optional[str] = None, merged: bool = False) -> Optional[str]:
    """Prove with kicad-cli that a rules text parses.

    ``merged``: ``text`` is our merge into ``original`` (the project's text, None for a new
    file), so that a problem in the project's own rules is reported at its line in the file on
    disk, and one in the generated block as ours.

    Returns
    -------
    str or None
        The kicad-cli version used, or None when kicad-cli is not installed (nothing proven).

    Raises
    ------
    UserError
        Exit 2, naming the file and line, when the text does not parse.
    """
    with tempfile.TemporaryDirectory(prefix="bga-check-rules-") as tmp:
        if cli is None:
            cli = kicad_cli(tmp)
            if cli is None:
                return None
        problem = rules_parse_problem(text, cli, tmp)
        if problem is None:
            return cli.version
        where, blame = problem, "generated"
        if original is not None and original.strip():
            own = rules_parse_problem(original, cli, tmp)
            if own is not None:
                where, blame = own, "project"
    line, what = where
    tail = ("the project's own rules: fix it (nothing was written)" if blame == "project"
            else "a generated rule: please report it (nothing was written)")
    if not merged:
        tail = "KiCad ignores every custom rule of this file, and reports nothing"
    raise UserError(f"{path}:{line}: kicad-cli {cli.version or ''} does not parse this rules "
                    f"file: {what}; {tail}", 2)
