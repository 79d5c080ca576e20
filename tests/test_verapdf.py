"""The reader's PDF is PDF/UA-1, as veraPDF (the reference validator) sees it.

veraPDF is installed by tools/verapdf/setup.sh into a cache folder outside the checkout
(tests/verapdf.py runs it on first use). Outside CI the checks skip with the command to install
what is missing (a JDK); with CI=true they must run. The Quarto case also needs ``quarto`` on
PATH, and is required in CI like the rest.

To check another PDF the same way: ``from verapdf import validate; validate(path).describe()``.
"""

from __future__ import annotations

import os
import shutil

import pytest

import verapdf

pytestmark = pytest.mark.e2e
CI = os.environ.get("CI", "").lower() == "true"
RENDERERS = ["builtin", "quarto"]


def _need(ok: bool, why: str) -> None:
    if ok:
        return
    if CI:
        pytest.fail(f"{why} (påkrevd i CI)")
    pytest.skip(why)


@pytest.fixture(scope="session")
def validator():
    """The installed validator; skips locally (fails in CI) where it cannot run."""
    try:
        return verapdf.ensure()
    except verapdf.Unavailable as exc:
        _need(False, str(exc))


def report_pdf(request, renderer: str):
    """The national PDF of the default edition, built with ``renderer`` (builtin or quarto)."""
    if renderer == "quarto":
        _need(shutil.which("quarto") is not None,
              "quarto er ikke på PATH; installer Quarto 1.10.18 (se README) for å sjekke Quarto-PDF-en")
        fixture = "quarto_report"  # conftest: the Quarto build test_quarto.py compares
    else:
        fixture = "built_report"
    root, res = request.getfixturevalue(fixture)
    assert res.pdf is not None and res.pdf.is_file(), f"{renderer}: bygget laget ingen PDF"
    return res.pdf


@pytest.mark.parametrize("renderer", RENDERERS)
def test_national_pdf_is_pdf_ua_1(request, validator, renderer):
    pdf = report_pdf(request, renderer)
    report = verapdf.validate(pdf, "ua1")
    assert report.profile.startswith("PDF/UA-1"), report.profile
    assert report.job_status == "normal", report.describe()
    assert report.total_checks > 10_000, report.describe()  # the whole document was checked
    assert report.compliant and not report.rules, report.describe()


def test_verapdf_reports_failed_rules_of_an_untagged_pdf(validator, tmp_path):
    """Guard: the validator really checks (a PDF without tags and PDF/UA identification fails)."""
    import typst

    src = tmp_path / "kontroll.typ"
    src.write_text('#set document(title: "Kontroll")\n#set text(lang: "nb")\n= Kontroll\nLitt tekst.\n',
                   encoding="utf-8")
    typst.compile(str(src), output=str(tmp_path / "uten-ua.pdf"), pdf_tags=False)
    typst.compile(str(src), output=str(tmp_path / "med-ua.pdf"), pdf_standards="ua-1")

    bad = verapdf.validate(tmp_path / "uten-ua.pdf")
    assert not bad.compliant
    ids = {r.id for r in bad.rules}
    # no PDF/UA identification, not marked as tagged, untagged content, no structure tree
    assert {"5-1", "6.2-1", "7.1-3", "7.1-11"} <= ids, bad.describe()
    assert all(r.failed > 0 and r.description for r in bad.rules)
    assert "§7.1 test 3" in bad.describe() and "Content shall be marked as Artifact" in bad.describe()

    good = verapdf.validate(tmp_path / "med-ua.pdf")
    assert good.compliant and not good.rules, good.describe()
