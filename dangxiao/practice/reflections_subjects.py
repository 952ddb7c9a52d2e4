"""The slot through which other kinds of record become something a reflection can be about.

A reflection links to a session or an online lesson by foreign key. Frontline projects and volunteer
activities are written by other modules of this app; each registers a `SubjectKind` here (in its own
module, imported by `practice.reflections_services` at the bottom of the registry list below) and its
records can then be chosen on the reflection form, validated, and named in lists — stored as
`Reflection.subject_kind` + `subject_id`, with no change to the reflection model:

    register(SubjectKind("project", _("一线项目"), choices=my_projects, labels=project_names))

`choices(member)` lists (id, name) the member may link (theirs, recent first, at most 50);
`labels(ids)` names those records in one query.
"""

from collections.abc import Callable
from dataclasses import dataclass

from dangxiao.people.models import Member


@dataclass(frozen=True)
class SubjectKind:
    kind: str  # "project", "service" … (≤ 20 characters)
    label: str
    choices: Callable[[Member], list[tuple[int, str]]]
    labels: Callable[[list[int]], dict[int, str]]


SUBJECTS: dict[str, SubjectKind] = {}


def register(subject: SubjectKind) -> None:
    if subject.kind in SUBJECTS or subject.kind in ("session", "lesson") or len(subject.kind) > 20:
        raise ValueError(f"reflection subject {subject.kind!r} cannot be registered")
    SUBJECTS[subject.kind] = subject
