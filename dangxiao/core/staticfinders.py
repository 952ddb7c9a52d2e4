"""The front-end files we ship from node_modules, and only those.

Pointing STATICFILES_DIRS at node_modules made collectstatic copy (and WhiteNoise compress) some 60 MB of
packages for the four files the pages load. This finder offers exactly the files listed here, under the
same `vendor/` URLs, with the source maps their last line names (the manifest storage follows that
reference and refuses a missing file).
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core import checks
from django.core.files.storage import FileSystemStorage

PREFIX = "vendor"
FILES = [
    "bootstrap/dist/css/bootstrap.min.css",
    "bootstrap/dist/css/bootstrap.min.css.map",
    "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap/dist/js/bootstrap.bundle.min.js.map",
    "echarts/dist/echarts.min.js",
    "htmx.org/dist/htmx.min.js",
]


def _root() -> Path:
    return Path(settings.BASE_DIR) / "node_modules"


class VendorFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=_root())
        self.storage.prefix = PREFIX

    def check(self, **kwargs):
        missing = [f for f in FILES if not (_root() / f).is_file()]
        if missing:
            return [
                checks.Warning(
                    f"node_modules lacks {', '.join(missing)}: run `make install` (npm ci); pages will miss their styles and scripts",
                    id="dangxiao.W001",
                )
            ]
        return []

    def find(self, path, find_all=False, **kwargs):
        prefix = PREFIX + "/"
        if path.startswith(prefix) and path[len(prefix) :] in FILES:
            found = str(_root() / path[len(prefix) :])
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        for name in FILES:
            if (_root() / name).is_file():
                yield name, self.storage
