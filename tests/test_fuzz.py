"""Short, bounded fuzz runs of the readers and the HTML extraction (hypothesis).

Every input must end as a Document or a Skipped with a reason: never an exception. Crashes
found here become regression cases in ``REGRESSIONS``.
"""


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivdetect import Config
from derivdetect.ingest import decode_bytes, iter_inputs
from derivdetect.ingest.html import HtmlError, extract_html
from derivdetect.models import Document, Skipped

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

html_fragments = st.lists(st.sampled_from([
    "<html>", "</html>", "<body>", "</body>", "<p>", "</p>", "<div>", "</div>", "<script>",
    "</script>", "<style>", "<!--", "-->", "<![CDATA[", "]]>", "<title>", "</title>",
    "<meta charset='latin-1'>", "<meta charset=\"nope\">", "<article>", "<nav>", "&amp;",
    "&#0;", "&#xD800;", "&nbsp;", "\u202e", "\x00", "<img src=x onerror=alert(1)>",
    "Text of an article that goes on for a while. ", "Ünïcödé ", "中文 ", "<br/>", "<",
    ">", "\"", "'",
]), max_size=40).map("".join)

REGRESSIONS = [b"", b"\x00", b"<", b"\xff\xfe", b"\xfe\xff\x00", b"<html><body>&#xD800;</body>",
               b"\xef\xbb\xbf", b"<meta charset='nope'><p>x</p>"]


@FUZZ
@given(st.binary(max_size=400) | st.sampled_from(REGRESSIONS))
def test_decoding_never_raises_anything_but_its_own_error(data):
    try:
        text, encoding = decode_bytes(data, None)
    except ValueError:
        return
    assert isinstance(text, str) and encoding


@FUZZ
@given(html_fragments)
def test_html_extraction_never_crashes(page):
    for extractor in ("trafilatura", "text"):
        try:
            result = extract_html(page, extractor)
        except HtmlError:
            continue
        assert result.text.strip()


@FUZZ
@given(files=st.dictionaries(
    st.sampled_from(["a.txt", "b.md", "c.html", "d.jsonl", "e.htm", "sub/f.txt"]),
    st.binary(max_size=300) | html_fragments.map(str.encode)
    | st.lists(st.one_of(st.just(b"{}"), st.just(b'{"text": "hello there"}'),
                         st.just(b'{"text": 5}'), st.just(b"not json"),
                         st.binary(max_size=30)), max_size=5).map(b"\n".join),
    min_size=1, max_size=6))
def test_every_fuzzed_file_is_read_or_skipped(tmp_path_factory, files):
    root = tmp_path_factory.mktemp("fuzz")
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    items = list(iter_inputs(root, Config()))
    assert all(isinstance(i, (Document, Skipped)) for i in items)
    accounted = {i.path.split("#")[0].split(":")[0] for i in items}
    assert accounted == set(files)
    for item in items:
        if isinstance(item, Skipped):
            # the walk's last-resort skip means a reader crashed: never expected
            assert item.reason and not item.reason.startswith("could not be read"), item
        else:
            assert item.text.strip()
    read = {i.path.split("#")[0] for i in items if isinstance(i, Document)}
    for name, data in files.items():
        if name.endswith((".txt", ".md")) and _plain_words(data):
            reason = next((i.reason for i in items if isinstance(i, Skipped) and i.path == name),
                          "")
            assert name in read or reason.startswith("binary file ("), (name, data, reason)
        if name.endswith(".jsonl") and b'{"text": "hello there"}' in data.split(b"\n"):
            assert any(isinstance(i, Document) and i.path.startswith(name)
                       and i.text == "hello there" for i in items), (name, data)


def _plain_words(data: bytes) -> bool:
    """Valid UTF-8 text holding letters, with no control characters but line breaks and
    tabs: what any reader must turn into a document."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text) or "\x7f" in text:
        return False
    return any(c.isalpha() for c in text) and len(text.strip()) >= 1
