"""The inlined stylesheet keeps every rule a page can use and drops the rest (core/critical_css.py). That the
pages look the same as with the whole of Bootstrap is checked in the browser: tests/e2e/test_light_pages.py."""

import gzip

from dangxiao.core.critical_css import critical_css, purge, used_words

CSS = """
:root{--bs-red:#dc3545}
.btn{padding:1px}
.btn-unused-thing{padding:2px}
.card .card-title,.tooltip .arrow{margin:0}
.nav-link:not(.disabled):hover{color:red}
.alert-danger{color:#800}
@media (min-width:768px){.navbar-expand-md .navbar-nav{flex-direction:row}.popover{top:0}}
@media print{.popover{top:0}}
@keyframes spin{to{transform:rotate(360deg)}}
a{color:#b3141c}
"""


def test_rules_for_classes_nobody_writes_are_dropped_and_the_rest_kept():
    words = frozenset({"btn", "card", "card-title", "nav-link", "navbar-expand-md", "navbar-nav"})
    out = purge(CSS, words, prefixes=("alert-",))
    assert ":root{--bs-red:#dc3545}" in out and "a{color:#b3141c}" in out  # no class: kept
    assert ".btn{padding:1px}" in out and "btn-unused-thing" not in out
    assert ".card .card-title{margin:0}" in out and "tooltip" not in out  # one selector of a list kept
    assert ".nav-link:not(.disabled):hover" in out  # classes inside :not() don't have to be used
    assert ".alert-danger{color:#800}" in out  # completed by a template: alert-{{ tag }}
    assert "@media (min-width:768px){.navbar-expand-md .navbar-nav{flex-direction:row}}" in out
    assert "popover" not in out and "@media print" not in out  # an @media left empty goes
    assert "@keyframes spin" in out


def test_the_words_come_from_our_templates_and_sources():
    words, prefixes = used_words()
    assert {"dx-navbar", "form-control", "btn-outline-light", "navbar-toggler"} <= words
    assert "alert-" in prefixes  # base.html: alert-{% if … %}


def test_the_inlined_stylesheet_is_a_fraction_of_bootstraps():
    css = critical_css()
    assert ".dx-navbar{" in css and ".navbar-toggler{" in css and "</style" not in css.lower()
    assert len(gzip.compress(css.encode())) < 20_000  # Bootstrap alone is 31 KB compressed, 232 KB as written
