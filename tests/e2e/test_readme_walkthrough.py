"""The README's walk-through, run as written against the real server: every command's output
feeds the next ones, and the outputs it shows are the ones the commands print.

Convention of the walk-through's `sh` blocks: a run of whole-line `# ` comments after commands is
what those commands print (ids, secrets, times, the request id, token counts and amounts may
differ; `...` stands for anything). The server runs on a free port with the data dir `.gateway`
of a scratch directory, so the commands are rewritten for that URL, `/tmp/` for a scratch
directory and `.venv/bin/gatewayctl` for this interpreter's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.server import ROOT, running_server

pytestmark = pytest.mark.e2e

README = ROOT / "README.md"
README_URL = "http://127.0.0.1:8080"
SECTION = re.compile(r"^## Walk-through with curl\n(.*?)^## ", re.S | re.M)
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
VARYING = [
    # Token counts and amounts change with the price table and the log generator: the wording and
    # the shape of the outputs are what must match.
    (
        re.compile(r'("[a-z_]*(?:tokens|requests|_usd|percent_used)":\s*)"?[0-9]+(?:\.[0-9]+)?"?'),
        r"\1<n>",
    ),
    (re.compile(r"\b[0-9]+\.[0-9]{6}\b"), "<usd>"),
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"), "<time>"),
    (re.compile(r"\b[0-9]{4}-[0-9]{2}\b"), "<month>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r'"client_secret":\s*"[^"]+"'), '"client_secret":"<secret>"'),
    (re.compile(r"\b([a-z]{2}_)?[0-9a-z]{26}\b"), r"\1<id>"),
]


@dataclass(frozen=True)
class Shown:
    """An output the README shows, after the commands of its block that print it."""

    block: int
    sample: str


def walkthrough() -> tuple[list[str], list[Shown]]:
    """The script of the walk-through (markers around what each shown output covers) and the
    outputs it shows."""
    section = SECTION.search(README.read_text())
    assert section, "README.md has no '## Walk-through with curl' section"
    script: list[str] = []
    shown: list[Shown] = []
    for number, block in enumerate(SH_BLOCK.findall(section.group(1))):
        script.append(f"echo '@@start {len(shown)}'")
        comments: list[str] = []
        for line in [*block.splitlines(), ""]:
            if line == "#" or line.startswith("# "):
                comments.append(line[2:])
                continue
            if comments:
                script.append(f"printf '\\n@@shown {len(shown)}\\n'")
                shown.append(Shown(number, "\n".join(comments)))
                script.append(f"echo '@@start {len(shown)}'")
                comments = []
            script.append(line)
    return script, shown


def normalized(text: str) -> str:
    for pattern, replacement in VARYING:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", "", text)


def printed(output: str, index: int) -> str:
    """What the commands before shown output `index` printed, since their block began or the
    previous shown output."""
    end = output.index(f"@@shown {index}\n")
    start = output.rindex(f"@@start {index}\n", 0, end) + len(f"@@start {index}\n")
    return output[start:end]


@pytest.mark.skipif(
    not (shutil.which("jq") and shutil.which("curl")), reason="the walk-through uses jq and curl"
)
def test_the_walkthrough_runs_as_written_and_shows_its_real_outputs(tmp_path: Path) -> None:
    script, shown = walkthrough()
    assert shown, "the walk-through shows no outputs"
    with running_server(tmp_path / ".gateway") as server:
        text = "\n".join(script)
        text = text.replace(README_URL, server.base_url).replace("/tmp/", f"{tmp_path}/")
        text = text.replace(".venv/bin/gatewayctl", f"{sys.executable} -m controlplane.cli")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
        env["PYTHONPATH"] = str(ROOT)
        # -u: a variable no earlier command defined (the team's token was one) is an error. No
        # pipefail: `curl ... | head -20` is fine, though curl fails once head has had its lines.
        ran = subprocess.run(
            ["bash", "-eu", "-c", text],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert ran.returncode == 0, f"stdout:\n{ran.stdout[-3000:]}\nstderr:\n{ran.stderr[-3000:]}"
    output = ran.stdout.replace(server.base_url, README_URL)
    for index, expected in enumerate(shown):
        actual = printed(output, index)
        # The output is what the commands printed last (earlier ones may print more).
        pattern = ".*" + re.escape(normalized(expected.sample)).replace(re.escape("..."), ".*")
        assert re.fullmatch(pattern, normalized(actual), re.S), (
            f"sh block {expected.block} of the walk-through shows\n{expected.sample}\n"
            f"but its commands printed\n{actual}"
        )
