"""Reports that honour the archive: ``check --report`` and ``scan --archive``, their pages with
the review state, the credit evidence marked in the text and the decision history. Real
files, a real archive file, the real CLI in a process."""

import csv
import json
import re
import shutil
import sys
from html.parser import HTMLParser

import pytest

from conftest import CORPUS, SEED_REWRITE, SEED_SOURCE, publish_seeds, run_cli
from derivdetect.models import Document, Pair, ScanResult
from derivdetect.report.html import build_segments
from derivdetect.report.review import (
    ReviewView,
    credit_side,
    credit_spans,
    pair_from_record,
    render_pair_page,
)

PY = sys.executable
AFP = next(CORPUS.glob("003_*.txt"))


_run = run_cli


@pytest.fixture()
def published(tmp_path):
    """The four seeds that are not the rewrite, as a published folder, in an archive."""
    folder = publish_seeds(tmp_path / "published")
    archive = tmp_path / "news.db"
    added = _run("archive", "add", archive, folder)
    assert added.returncode == 0, added.stderr
    return archive


class _Page(HTMLParser):
    """The parts of a pair page the tests read: the text of elements by id, the credit
    marks (``class="... cr"`` spans in the texts) and the history rows."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.by_id: dict = {}
        self.credit: list = []
        self.history: list = []
        self._open: list = []   # (tag, id or None, is credit, is history row)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        in_history = any(i == "history" for _, i, _, _ in self._open) \
            and any(t == "tbody" for t, _, _, _ in self._open)
        row = tag == "tr" and in_history
        if row:
            self.history.append([])
        if tag == "td" and in_history and self.history:
            self.history[-1].append("")
        in_text = any((i or "").startswith("text-") for _, i, _, _ in self._open)
        credit = tag == "span" and "cr" in classes and in_text
        if credit:
            self.credit.append("")
        self._open.append((tag, attrs.get("id"), credit, row))
        if attrs.get("id"):
            self.by_id.setdefault(attrs["id"], "")

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, ident, credit, _ in self._open:
            if ident:
                self.by_id[ident] += data
        if self._open and self._open[-1][2]:
            self.credit[-1] += data
        if any(r for _, _, _, r in self._open) and self.history[-1] \
                and self._open[-1][0] == "td":
            self.history[-1][-1] += data


def _pages(report):
    return sorted((report / "pairs").glob("*.html"))


def _pair_json(report):
    (pair,) = json.loads((report / "pairs.json").read_text(encoding="utf-8"))["pairs"]
    return pair


def test_check_report_writes_the_pages_with_state_credit_and_history(tmp_path, published):
    report = tmp_path / "report"
    first = _run("check", published, CORPUS / SEED_REWRITE, "--report", report)
    assert first.returncode == 1, first.stderr                  # unreviewed: flagged
    assert (report / "index.html").is_file() and (report / ".derivdetect-report").is_file()
    (page_path,) = _pages(report)
    pair = _pair_json(report)
    assert pair["state"] == "unreviewed" and pair["state_reason"] == "not reviewed yet"
    assert pair["source"] == SEED_SOURCE
    assert pair["credit"] == {"credited": False, "names": [], "evidence": []}   # 000: nobody
    page = _Page(page_path.read_text(encoding="utf-8"))
    assert page.by_id["review-state"] == "unreviewed"
    assert "No decision recorded" in page.by_id["review"] and page.history == []
    assert page.by_id["credit"] == "the copy does not name its source"
    assert page.credit == []
    index = (report / "index.html").read_text(encoding="utf-8")
    assert 'data-state="unreviewed"' in index and ">Review</button>" in index

    decided = _run("review", published, pair["pair_id"], "licensed", "--note",
                   "syndication deal", "--by", "ana")
    assert decided.returncode == 0, decided.stderr
    (report / "my-notes.txt").write_text("mine", encoding="utf-8")
    again = _run("check", published, CORPUS / SEED_REWRITE, "--report", report)
    assert again.returncode == 0, again.stdout + again.stderr  # reviewed: not flagged
    assert (report / "my-notes.txt").read_text(encoding="utf-8") == "mine"   # carried over
    (page_path,) = _pages(report)
    page = _Page(page_path.read_text(encoding="utf-8"))
    assert page.by_id["review-state"] == "licensed"
    assert re.fullmatch(r"licensed by ana on 20\d\d-.+: syndication deal",
                        page.by_id["review-reason"])
    ((when, who, change, note),) = page.history
    assert re.match(r"20\d\d-\d\d-\d\d \d\d:\d\d UTC", when)
    assert (who, change, note) == ("ana", "unreviewed \u2192 licensed", "syndication deal")
    assert _pair_json(report)["state"] == "licensed"
    flag = pair_from_record(_pair_json(report))        # what a service renders from
    assert flag.pair_id == pair["pair_id"] and flag.passages and flag.credit == pair["credit"]
    with open(report / "pairs.csv", encoding="utf-8", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row["state"] == "licensed" and row["state_reason"].endswith("syndication deal")


def test_check_report_marks_where_a_copy_names_its_source(tmp_path, published):
    republished = tmp_path / "republished.txt"
    republished.write_bytes(AFP.read_bytes())
    report = tmp_path / "report"
    result = _run("check", published, republished, "--report", report)
    assert result.returncode == 1, result.stderr
    pair = _pair_json(report)
    text = republished.read_text(encoding="utf-8")
    assert pair["credit"]["credited"] and pair["credit"]["names"] == ["AFP"]
    marked = [text[s:e] for s, e in pair["credit"]["evidence"]]
    assert marked and {m.upper() for m in marked} == {"AFP"}
    (page_path,) = _pages(report)
    html = page_path.read_text(encoding="utf-8")
    page = _Page(html)
    assert "".join(page.credit) == "".join(marked)
    assert page.by_id["credit"].startswith("the copy names its source (AFP)")
    assert "names the source (credit)" in html                   # the legend


def test_check_report_keeps_the_output_folder_rule(tmp_path, published):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "draft.txt").write_text("my draft", encoding="utf-8")
    refused = _run("check", published, CORPUS / SEED_REWRITE, "--report", notes)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "not a derivdetect report folder" in refused.stderr
    assert sorted(p.name for p in notes.iterdir()) == ["draft.txt"]
    # nothing was checked either: no flag remembered
    assert json.loads(_run("queue", published, "--json").stdout) == []


def test_scan_with_archive_honours_its_decisions(tmp_path):
    folder = tmp_path / "news"
    shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("*.csv"))
    archive = tmp_path / "news.db"
    assert _run("archive", "add", archive, folder).returncode == 0
    out = tmp_path / "report"
    first = _run("scan", folder, "--archive", archive, "--out", out, "--fail-on-match")
    assert first.returncode == 1, first.stderr
    assert "0 already reviewed" in first.stderr
    pair = _pair_json(out)
    assert pair["state"] == "unreviewed" and {pair["a"], pair["b"]} == {SEED_REWRITE,
                                                                         SEED_SOURCE}
    # the scan's flags are the archive's: queue lists them, review decides on them
    assert [f["pair_id"] for f in json.loads(_run("queue", archive, "--json").stdout)] == [
        pair["pair_id"]]
    decided = _run("review", archive, pair["pair_id"], "licensed", "--note",
                   "syndication <deal>", "--by", "ana")
    assert decided.returncode == 0, decided.stderr

    second = _run("scan", folder, "--archive", archive, "--out", out, "--fail-on-match")
    assert second.returncode == 0, second.stderr                 # reviewed: not a flag
    assert "1 pair reported" in second.stderr and "1 already reviewed" in second.stderr
    payload = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    (pair,) = payload["pairs"]
    assert pair["state"] == "licensed" and pair["state_reason"].endswith("syndication <deal>")
    assert payload["scan"]["stats"]["already_reviewed"] == 1
    (page_path,) = _pages(out)
    html = page_path.read_text(encoding="utf-8")
    assert "syndication &lt;deal&gt;" in html and "<deal>" not in html
    page = _Page(html)
    assert page.by_id["review-state"] == "licensed"
    ((_, who, change, note),) = page.history
    assert (who, change, note) == ("ana", "unreviewed \u2192 licensed", "syndication <deal>")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'data-state="licensed"' in index and "already reviewed in the archive" in index
    # a plain scan knows no review states
    plain = _run("scan", folder, "--out", tmp_path / "plain", "--fail-on-match")
    assert plain.returncode == 1
    assert "state" not in _pair_json(tmp_path / "plain")
    assert 'id="review"' not in _pages(tmp_path / "plain")[0].read_text(encoding="utf-8")


def test_scan_with_archive_reopens_a_decision_when_much_more_is_shared(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    source = (CORPUS / SEED_SOURCE).read_text(encoding="utf-8")
    rewrite = (CORPUS / SEED_REWRITE).read_text(encoding="utf-8")
    (folder / SEED_SOURCE).write_text(source, encoding="utf-8")
    (folder / SEED_REWRITE).write_text(rewrite[: len(rewrite) // 3], encoding="utf-8")
    for path in CORPUS.glob("00[234]_*.txt"):
        shutil.copy(path, folder / path.name)
    archive = tmp_path / "a.db"
    assert _run("archive", "add", archive, folder).returncode == 0
    out = tmp_path / "out"
    assert _run("scan", folder, "--archive", archive, "--out", out).returncode == 0
    pair = _pair_json(out)
    assert _run("review", archive, pair["pair_id"], "own-work").returncode == 0
    (folder / SEED_REWRITE).write_text(rewrite, encoding="utf-8")   # a new, longer version
    grown = _run("scan", folder, "--archive", archive, "--out", out, "--fail-on-match")
    assert grown.returncode == 1, grown.stderr
    pair = _pair_json(out)
    assert pair["state"] == "unreviewed" and "more text is shared" in pair["state_reason"]
    page = _Page(_pages(out)[0].read_text(encoding="utf-8"))
    ((_, _, change, _),) = page.history                        # the old decision is shown
    assert change == "unreviewed \u2192 own-work"


def test_scan_with_a_missing_archive_is_a_one_line_error(tmp_path):
    missing = tmp_path / "none.db"
    result = _run("scan", CORPUS, "--archive", missing, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no such archive" in result.stderr
    assert not missing.exists() and not (tmp_path / "out").exists()


# ------------------------------------------------------------------------- the page as data

def _one_pair(text_b: str, evidence: list) -> ScanResult:
    a = Document("wire/story.txt", "wire/story.txt", "The original story, by the wire.")
    b = Document("site/copy.txt", "site/copy.txt", text_b)
    pair = Pair(a.id, b.id, "verbatim", a.id, "dates", "wholly",
                {"coverage_a": 1.0, "coverage_b": 1.0}, (), (), "0123456789abcdef",
                {"credited": bool(evidence), "names": ["Wire"], "evidence": evidence})
    return ScanResult("/news", (a, b), (pair,), (), (), {}, "2026-01-01T00:00:00+00:00")


def test_render_pair_page_takes_the_review_as_plain_data():
    hostile = "<script>window.__pwned = 1</script>"
    text = f"Copied (Wire) {hostile} here."
    result = _one_pair(text, [[8, 12]])
    review = ReviewView.of("violation", f"violation by {hostile}", [
        {"at": "2026-02-03T04:05:06+00:00", "by": hostile, "old": "unreviewed",
         "new": "violation", "note": f"no licence {hostile}"}])
    html = render_pair_page(result, "0123456789abcdef", review)
    assert hostile not in html and "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    page = _Page(html)
    assert page.by_id["review-state"] == "violation"
    assert page.credit == ["Wire"]
    ((when, who, change, note),) = page.history
    assert (when, who, change, note) == ("2026-02-03 04:05 UTC", hostile,
                                         "unreviewed \u2192 violation", f"no licence {hostile}")
    assert 'id="review"' not in render_pair_page(result, "0123456789abcdef")
    (pair,) = result.pairs
    assert pair_from_record({"rank": 1, **pair.to_dict(), "state": "violation"}) == pair
    with pytest.raises(KeyError):
        render_pair_page(result, "ffffffffffffffff")


def test_credit_spans_point_into_the_copy_only():
    result = _one_pair("Copied (Wire) here.", [[8, 12], [99, 120], [5, 5]])
    (pair,) = result.pairs
    assert credit_side(pair) == "b"
    assert credit_spans(pair, "b") == [(8, 12), (99, 120)]   # clamped when drawn
    assert credit_spans(pair, "a") == []
    segments = build_segments("Copied (Wire) here.", [(0, 6, "exact", 0)], (), [(8, 12)])
    assert "".join(s.text for s in segments) == "Copied (Wire) here."
    assert [s.text for s in segments if s.credit] == ["Wire"]
    assert [s.css for s in segments if s.credit] == ["cr"]
