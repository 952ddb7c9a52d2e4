"""The site's stylesheet, cut down to the rules our pages can use, to be inlined in every page's <head>.

On a slow link every request pays the round trip again: DevTools' slow-3G profile adds 2 s to each, so a page
whose stylesheet is a separate file cannot paint before two round trips (about 4.5 s). Bootstrap is 230 KB
of CSS of which the pages use a small part; what they use (about 40 KB, 8 KB compressed) is inlined, so a
first visit paints after one round trip. Scripts stay files: the member's pages work without them.

A rule is kept when every class its selector names (outside :not(), :is() and :where()) appears as a word
somewhere in our templates or Python sources, or is one the scripts add at run time (SAFE), or starts with
a prefix a template completes (`alert-{{ tag }}`). A class nobody writes cannot match, so dropping its rules
changes nothing on screen. Stylesheets are read once per process (or again after an edit, while DEBUG).
"""

import re
from functools import cache
from pathlib import Path

import tinycss2
from django.conf import settings
from django.contrib.staticfiles import finders

SHEETS = ["vendor/bootstrap/dist/css/bootstrap.min.css", "core/site.css", "liaison/public/public.css"]  # rx-*: residents
# Classes that only Bootstrap's and htmx's scripts set: collapse and dropdown states, alerts, htmx swaps.
SAFE = {
    "show", "showing", "hiding", "collapsing", "collapse", "fade", "active", "disabled", "dropdown-menu-end",
    "modal-backdrop", "modal-open", "offcanvas-backdrop", "was-validated", "is-invalid", "is-valid",
    "htmx-request", "htmx-indicator", "htmx-added", "htmx-settling", "htmx-swapping", "dropup",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z_][\w-]*")
PREFIX = re.compile(r"([A-Za-z_][\w-]*-)(?:\{|%\(|\"\s*\+|'\s*\+)")  # `bg-{{ x }}`, f"text-bg-{x}", "btn-" + kind
CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
FUNCTIONAL = (":not(", ":is(", ":where(", ":has(")


def _sources() -> list[Path]:
    package = Path(settings.BASE_DIR) / "dangxiao"
    return [*package.rglob("*.html"), *(p for p in package.rglob("*.py") if "migrations" not in p.parts)]


def used_words() -> tuple[frozenset[str], tuple[str, ...]]:
    return _used_words(_edition())


def _edition() -> float:
    """While developing (DEBUG), the newest source's time, so an edited template is styled on the next page
    without a restart; in production 0: read once per process."""
    return max(p.stat().st_mtime for p in _sources()) if settings.DEBUG else 0.0


@cache
def _used_words(edition: float) -> tuple[frozenset[str], tuple[str, ...]]:
    words, prefixes = set(SAFE), set()
    for path in _sources():
        text = path.read_text(encoding="utf-8", errors="replace")
        words.update(WORD.findall(text))
        prefixes.update(PREFIX.findall(text))
    return frozenset(words), tuple(sorted(prefixes))


def _outside_functions(selector: str) -> str:
    """The selector without the arguments of :not(), :is(), :where() and :has()."""
    out, depth, i = [], 0, 0
    while i < len(selector):
        if depth == 0 and selector.startswith(FUNCTIONAL, i):
            depth, i = 1, selector.index("(", i) + 1
            continue
        char = selector[i]
        if depth:
            depth += {"(": 1, ")": -1}.get(char, 0)
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _split(selectors: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(selectors):
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(selectors[start:i])
            start = i + 1
    return [*parts, selectors[start:]]


def _selector_used(selector: str, words: frozenset[str], prefixes: tuple[str, ...]) -> bool:
    return all(name in words or name.startswith(prefixes) for name in CLASS.findall(_outside_functions(selector)))


def _rules(nodes, words, prefixes) -> list[str]:
    out = []
    for node in nodes:
        if node.type == "qualified-rule":
            kept = [s.strip() for s in _split(tinycss2.serialize(node.prelude)) if _selector_used(s, words, prefixes)]
            if kept:
                out.append(f"{','.join(kept)}{{{tinycss2.serialize(node.content).strip()}}}")
        elif node.type == "at-rule" and node.lower_at_keyword in {"media", "supports"} and node.content is not None:
            inner = _rules(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True), words, prefixes)
            if inner:
                out.append(f"@{node.at_keyword} {tinycss2.serialize(node.prelude).strip()}{{{''.join(inner)}}}")
        elif node.type == "at-rule" and node.lower_at_keyword != "charset":
            out.append(tinycss2.serialize([node]).strip())  # @keyframes, @font-face …: kept whole
    return out


def purge(css: str, words: frozenset[str], prefixes: tuple[str, ...] = ()) -> str:
    nodes = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return "".join(_rules(nodes, words, prefixes))


def critical_css() -> str:
    """Bootstrap and site.css, purged, in one string; the template inlines it (it is our own files)."""
    return _critical_css(_edition())


@cache
def _critical_css(edition: float) -> str:
    words, prefixes = _used_words(edition)
    sheets = []
    for name in SHEETS:
        path = finders.find(name)
        if path is None:
            raise FileNotFoundError(f"static file {name} not found (npm ci?)")
        sheets.append(purge(Path(path).read_text(encoding="utf-8"), words, prefixes))
    # A closing style tag inside a stylesheet would end the element early; ours have none, keep it so.
    return "\n".join(sheets).replace("</", "<\\/")
