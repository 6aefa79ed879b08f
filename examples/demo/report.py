"""A static HTML report: sections of text, metric tables and figures (PNG files beside
index.html), written atomically so that a killed demo never leaves half a page."""

from __future__ import annotations

import html
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, List, Sequence

# Every <img> reports whether it decoded; the Chromium test reads the count from the DOM.
_LOAD_CHECK = """<script>
window.addEventListener('load', () => {
  const images = Array.from(document.images);
  const loaded = images.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.figures = images.length;
  document.body.dataset.figuresLoaded = loaded;
});
</script>"""

_STYLE = """<style>
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
figure { display: inline-block; margin: .5em 1em .5em 0; vertical-align: top; }
figure img { min-width: 256px; max-width: 520px; border: 1px solid #ddd;
             image-rendering: pixelated; }
figcaption { font-size: .85em; color: #555; max-width: 520px; }
table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
td, th { border: 1px solid #ccc; padding: .2em .6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
.note { color: #8a5a00; } .seconds { color: #777; font-size: .85em; }
</style>"""


@dataclass
class Section:
    title: str
    parts: List[str] = field(default_factory=list)
    seconds: float = 0.0

    def text(self, paragraph: str) -> None:
        self.parts.append(f"<p>{html.escape(paragraph)}</p>")

    def note(self, paragraph: str) -> None:
        self.parts.append(f'<p class="note">{html.escape(paragraph)}</p>')

    def figure(self, file_name: str, caption: str) -> None:
        name, text = html.escape(file_name), html.escape(caption)
        self.parts.append(f'<figure><img src="{name}" alt="{text}">'
                          f"<figcaption>{text}</figcaption></figure>")

    def table(self, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        def cell(value: object) -> str:
            return f"{value:.3f}" if isinstance(value, float) else html.escape(str(value))

        lines = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
        lines += ["<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows]
        self.parts.append("\n".join(lines) + "</table>")


@dataclass
class Report:
    title: str
    sections: List[Section] = field(default_factory=list)

    def section(self, title: str) -> Section:
        self.sections.append(Section(title))
        return self.sections[-1]

    def html(self) -> str:
        body = [f"<h1>{html.escape(self.title)}</h1>", "<ul>"]
        body += [f'<li><a href="#s{k}">{html.escape(s.title)}</a></li>'
                 for k, s in enumerate(self.sections)]
        body.append("</ul>")
        for k, s in enumerate(self.sections):
            body.append(f'<h2 id="s{k}">{html.escape(s.title)} '
                        f'<span class="seconds">({s.seconds:.1f} s)</span></h2>')
            body += s.parts
        return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(self.title)}</title>{_STYLE}{_LOAD_CHECK}</head>"
                "<body>\n" + "\n".join(body) + "\n</body></html>\n")

    def write(self, folder: Path) -> Path:
        """Writes folder/index.html through a temporary file and a rename."""
        target = folder / "index.html"
        write_atomically(target, lambda stream: stream.write(self.html().encode("utf-8")))
        return target


def write_atomically(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """write(stream) into a temporary file beside `target`, flushed, then renamed over it:
    a killed demo leaves the old file or the new one, never half of one."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
