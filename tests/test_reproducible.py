"""Byte-identical builds (issue 12 §2): the same inputs give the same bytes, in another folder and
with another hash seed. Every file under _book/<edition>/ is compared."""

import hashlib
import os
import subprocess
import sys

import pytest

from conftest import copy_repo




def _digests(out):
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.e2e
def test_two_builds_in_two_folders_with_different_hash_seeds_are_identical(built_report, tmp_path):
    root, res = built_report
    seed = "4242"
    assert os.environ.get("PYTHONHASHSEED") != seed
    other = copy_repo(tmp_path / "andre-mappe" / "statuskommune")
    env = dict(os.environ, PYTHONHASHSEED=seed, STATUSKOMMUNE_ROOT=str(other))
    env.pop("SOURCE_DATE_EPOCH", None)
    p = subprocess.run([sys.executable, "-m", "statuskommune", "build", "--edition", res.edition, "--quiet"],
                       cwd=other, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    a, b = _digests(res.out_dir), _digests(other / "_book" / res.edition)
    assert a.keys() == b.keys()
    differ = sorted(k for k in a if a[k] != b[k])
    assert not differ, f"{len(differ)} filer er ulike: {differ[:20]}"


def test_lua_filter_output_is_the_same_on_every_run(tmp_path):
    """Lua tables iterate in a different order in every pandoc process; the filter must not let
    that order reach the output (it once reordered the attributes of every table's frame)."""
    from statuskommune.render import tools
    from statuskommune.render.html import FILTER

    md = tmp_path / "t.md"
    md.write_text("| År | Verdi |\n|-|-|\n| 2024 | 1 |\n", encoding="utf-8")
    outs = {subprocess.run([tools.pandoc_path(), str(md), "--to", "html5", "--lua-filter", str(FILTER)],
                           capture_output=True, text=True, check=True).stdout for _ in range(8)}
    assert len(outs) == 1, outs
    assert 'class="tabellramme" tabindex="0" role="region"' in outs.pop()
